//! What recording costs a tokio program: one workload (10,000 tasks, each three
//! `yield_now`s and a channel send) run bare, with pollscope's recorder (tokio's task
//! hooks into a trace, `Program::tokio`), stepped through pollscope at full speed, and
//! with console-subscriber's layer recording to a file; then that recording loaded and
//! rewound as pollscope loads any trace.
//!
//! ```sh
//! RUSTFLAGS="--cfg tokio_unstable" CARGO_TARGET_DIR=target/tokio-unstable \
//!   cargo run --release --features tokio --example tokio_overhead
//! ```

#[cfg(not(tokio_unstable))]
fn main() {
    eprintln!(
        "tokio_overhead needs tokio's hooks and console-subscriber: run it with \
         RUSTFLAGS=\"--cfg tokio_unstable\" (see the file's first lines)"
    );
    std::process::exit(2);
}

#[cfg(tokio_unstable)]
fn main() {
    bench::main();
}

#[cfg(tokio_unstable)]
#[path = "../fixtures/tokio-app/src/program.rs"]
mod tokio_app;

#[cfg(tokio_unstable)]
mod bench {
    use pollscope::drive::End;
    use pollscope::executor::{Policy, Step};
    use pollscope::program::Program;
    use pollscope::trace::{EventKind, History};
    use std::time::{Duration, Instant};

    const TASKS: u32 = 10_000;
    const YIELDS: u32 = 3;
    /// Rounds per figure; `--rounds N` on the command line (1 leaves a recording of one
    /// workload for the load and rewind figures).
    fn rounds() -> usize {
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            if arg == "--rounds" {
                return args.next().and_then(|n| n.parse().ok()).unwrap_or(5).max(1);
            }
        }
        5
    }

    /// The workload: every task yields, then reports over the channel.
    async fn workload() -> u64 {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<u32>();
        for n in 0..TASKS {
            let tx = tx.clone();
            tokio::spawn(async move {
                for _ in 0..YIELDS {
                    tokio::task::yield_now().await;
                }
                let _ = tx.send(n);
            });
        }
        drop(tx);
        let mut sum = 0u64;
        while let Some(n) = rx.recv().await {
            sum += u64::from(n);
        }
        sum
    }

    fn expected() -> u64 {
        u64::from(TASKS) * u64::from(TASKS - 1) / 2
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime")
    }

    fn bare() -> f64 {
        let rt = runtime();
        let start = Instant::now();
        let sum = rt.block_on(rt.spawn(workload())).unwrap_or(0);
        let took = start.elapsed().as_secs_f64();
        assert_eq!(sum, expected());
        took
    }

    /// Recorded by pollscope; returns the time and the polls in the trace.
    fn recorded() -> (f64, usize) {
        let program = Program::new("tokio-overhead")
            .task("main", workload)
            .tokio();
        let start = Instant::now();
        let recording = pollscope::record(&program, Policy::WakerDriven).expect("recorded");
        let took = start.elapsed().as_secs_f64();
        assert_eq!(recording.end, End::Done);
        let polls = count_polls(&recording.trace.events);
        (took, polls)
    }

    fn workload_program() -> Program {
        Program::new("tokio-overhead").task("main", workload)
    }

    /// `program` recorded by pollscope, tokio polling freely: its time.
    fn free(program: Program) -> f64 {
        let start = Instant::now();
        let recording = pollscope::record(&program.tokio(), Policy::WakerDriven).expect("recorded");
        assert_eq!(recording.end, End::Done);
        start.elapsed().as_secs_f64()
    }

    /// Stepped: every poll, tokio's included, one step at a time, as fast as it goes.
    fn stepped(program: Program) -> (f64, usize) {
        let program = program.stepped(true);
        let mut launched = program
            .launch(Policy::WakerDriven, Vec::new())
            .expect("launched");
        let ex = &mut launched.executor;
        let start = Instant::now();
        let mut steps = 0;
        loop {
            match ex.step() {
                Step::Polled(_) => steps += 1,
                Step::Idle => ex.park(Duration::from_millis(5)),
                Step::Done => break,
                Step::Stalled => panic!("the stepped workload stalled"),
            }
        }
        let took = start.elapsed().as_secs_f64();
        let trace = ex.take_trace();
        assert_eq!(count_polls(&trace.events), steps);
        (took, steps)
    }

    fn count_polls(events: &[pollscope::trace::Event]) -> usize {
        events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::PollStart { .. }))
            .count()
    }

    fn median(mut v: Vec<f64>) -> f64 {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    }

    pub fn main() {
        let rounds = rounds();
        // Warm the allocator and the thread pool once.
        let _ = bare();
        let mut bare_s = Vec::new();
        let mut recorded_s = Vec::new();
        let mut stepped_s = Vec::new();
        let mut polls = 0;
        let mut steps = 0;
        let mut app_free = Vec::new();
        let mut app_stepped = Vec::new();
        let mut app_steps = 0;
        for _ in 0..rounds {
            bare_s.push(bare());
            let (t, p) = recorded();
            recorded_s.push(t);
            polls = p;
            let (t, s) = stepped(workload_program());
            stepped_s.push(t);
            steps = s;
            app_free.push(free(crate::tokio_app::program()));
            let (t, s) = stepped(crate::tokio_app::program());
            app_stepped.push(t);
            app_steps = s;
        }
        // console-subscriber's layer is a global subscriber: installed once, last.
        let path =
            std::env::temp_dir().join(format!("pollscope-console-{}.jsonl", std::process::id()));
        let (layer, _server) = console_subscriber::ConsoleLayer::builder()
            .recording_path(&path)
            .build();
        use tracing_subscriber::prelude::*;
        tracing_subscriber::registry().with(layer).init();
        let console_s: Vec<f64> = (0..rounds).map(|_| bare()).collect();
        let (bare_m, rec_m, step_m, console_m) = (
            median(bare_s),
            median(recorded_s),
            median(stepped_s),
            median(console_s),
        );
        let (app_free_m, app_stepped_m) = (median(app_free), median(app_stepped));
        let per_poll = |t: f64| (t - bare_m) / polls as f64 * 1e9;
        println!(
            "workload: {TASKS} tasks x ({YIELDS} yields + a channel send); {polls} polls recorded by pollscope"
        );
        println!("median of {rounds} rounds:");
        println!("  bare                     {:8.1} ms", bare_m * 1e3);
        println!(
            "  pollscope recorder       {:8.1} ms   added {:6.0} ns/poll",
            rec_m * 1e3,
            per_poll(rec_m)
        );
        println!(
            "  console-subscriber       {:8.1} ms   added {:6.0} ns/poll",
            console_m * 1e3,
            per_poll(console_m)
        );
        println!(
            "  ratio pollscope/console  {:8.2}   (goal <= 0.5)",
            per_poll(rec_m) / per_poll(console_m)
        );
        println!(
            "  stepped at full speed    {:8.1} ms   {steps} steps, {:.2}x the recorded run (goal <= 2)",
            step_m * 1e3,
            step_m / rec_m
        );
        println!(
            "tests/fixtures/tokio-app (a server, three clients, three handlers): recorded {:.1} ms, stepped at full speed {:.1} ms ({app_steps} steps), {:.2}x (goal <= 2)",
            app_free_m * 1e3,
            app_stepped_m * 1e3,
            app_stepped_m / app_free_m
        );
        // console-subscriber writes on a thread of its own: wait until the file stops growing.
        let mut last = 0;
        loop {
            std::thread::sleep(Duration::from_millis(500));
            let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            if len == last && len > 0 {
                break;
            }
            last = len;
        }
        let start = Instant::now();
        let loaded = pollscope::tracefile::load(&path);
        let load_ms = start.elapsed().as_secs_f64() * 1e3;
        let _ = std::fs::remove_file(&path);
        let (_, trace) = match loaded {
            Ok(loaded) => loaded,
            Err(e) => {
                eprintln!("the recording did not load: {e}");
                std::process::exit(1);
            }
        };
        let events = trace.events.len();
        let start = Instant::now();
        let history = History::from_trace(trace);
        let build_ms = start.elapsed().as_secs_f64() * 1e3;
        let n = history.len();
        let mut times: Vec<f64> = (0..200)
            .map(|i| {
                let index = (i * 7_919 * 131) % n.max(1);
                let start = Instant::now();
                std::hint::black_box(history.state_at(index));
                start.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        times.sort_by(f64::total_cmp);
        println!(
            "console recording ({} bytes before removal): {} tasks, {events} events; load {load_ms:.0} ms, timeline {build_ms:.0} ms; rewind median {:.2} ms, max {:.2} ms (goal < 5 ms)",
            last,
            history.live().tasks.len(),
            times[times.len() / 2],
            times[times.len() - 1]
        );
    }
}
