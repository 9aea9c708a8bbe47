//! tokio-console recordings load as traces: `pollscope replay`, `pollscope open` and the
//! app's Open all go through `tracefile::load`, which tells a recording by its `{"v":1}`
//! header.
//!
//! The fixture `tests/fixtures/console/channel.jsonl` is a real recording, written by
//! console-subscriber 0.5.0 (`ConsoleLayer::builder().recording_path(..)`) over tokio
//! 1.54.1 built with `--cfg tokio_unstable` (tracing 0.1.44, tracing-subscriber 0.3.23), on
//! a current-thread runtime. The workload: `block_on` spawns `producer`, `consumer` and
//! `sleeper` with `tokio::task::Builder::name` and one unnamed `tokio::spawn`; the producer
//! sends 0..4 over a `mpsc::channel(2)`, yielding after each send, the consumer sums them,
//! the sleeper sleeps 5 ms, the unnamed task yields once and returns 7; `block_on` awaits
//! all four.
//!
//! Built with RUSTFLAGS="--cfg tokio_unstable", the last test also makes a recording of its
//! own with the console-subscriber that Cargo.toml names for that cfg (0.5) and loads it.

mod trace_kit;

// The real tokio fixture's server and clients, run on tokio alone for console-subscriber.
// (Their `FILE`s name the sources for the app, unused here.)
#[cfg(tokio_unstable)]
#[allow(dead_code)]
#[path = "fixtures/tokio-app/src/client.rs"]
mod client;
#[cfg(tokio_unstable)]
#[allow(dead_code)]
#[path = "fixtures/tokio-app/src/server.rs"]
mod server;

use pollscope::lens::Lens;
use pollscope::report;
use pollscope::trace::{EventKind, History, Reading, TaskId, Trace, WakeSource};
use pollscope::tracefile::{self, FileError, Header};
use proptest::prelude::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use trace_kit::TempPath;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/console/channel.jsonl"
);

/// The tasks as the workload spawned them: `block_on`'s future first, the unnamed task
/// by its number.
const NAMES: [&str; 5] = ["block_on", "producer", "consumer", "sleeper", "task 4"];

fn fixture() -> String {
    std::fs::read_to_string(FIXTURE).unwrap()
}

fn records(text: &str) -> Vec<(String, Value)> {
    text.lines()
        .skip(1)
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let (kind, body) = v.as_object().unwrap().iter().next().unwrap();
            (kind.clone(), body.clone())
        })
        .collect()
}

fn names(trace: &Trace) -> Vec<&str> {
    trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Spawn { name, .. } => Some(trace.str(name)),
            _ => None,
        })
        .collect()
}

fn read(text: &str) -> Result<(Header, Trace), FileError> {
    tracefile::read(text.as_bytes())
}

fn with_line(text: &str, n: usize, f: impl FnOnce(&mut Vec<String>)) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    assert!(lines.len() > n);
    f(&mut lines);
    lines.iter().map(|l| format!("{l}\n")).collect()
}

#[test]
fn the_recording_loads_with_its_tasks_polls_wakes_and_closes() {
    let (header, trace) = tracefile::load(Path::new(FIXTURE)).unwrap();
    assert_eq!(names(&trace), NAMES);
    assert_eq!(
        header.program.as_ref().map(|p| p.title.as_str()),
        Some("tokio-console recording")
    );
    assert_eq!(header.program_id(), None, "no lesson of that id to open");

    // What the recording holds, counted straight from its lines.
    let recs = records(&fixture());
    let spawned: BTreeSet<u64> = recs
        .iter()
        .filter(|(k, _)| k == "Spawn")
        .map(|(_, b)| b["id"].as_u64().unwrap())
        .collect();
    let task_enters = recs
        .iter()
        .filter(|(k, b)| k == "Enter" && spawned.contains(&b["id"].as_u64().unwrap()))
        .count();
    let wakes = recs
        .iter()
        .filter(|(k, b)| k == "Waker" && b["op"].is_object())
        .count();
    let clones_drops = recs
        .iter()
        .filter(|(k, b)| k == "Waker" && b["op"].is_string())
        .count();
    let others: BTreeSet<u64> = recs
        .iter()
        .map(|(_, b)| b["id"].as_u64().unwrap())
        .filter(|id| !spawned.contains(id))
        .collect();
    // No span id is reused in this recording, so each id is one span.
    let closes: Vec<u64> = recs
        .iter()
        .filter(|(k, _)| k == "Close")
        .map(|(_, b)| b["id"].as_u64().unwrap())
        .collect();
    assert_eq!(closes.len(), closes.iter().collect::<BTreeSet<_>>().len());
    assert_eq!(spawned.len(), NAMES.len());

    // Every task entry is a poll, started and ended on the same executor thread.
    let mut open: BTreeMap<u32, u16> = BTreeMap::new();
    let (mut starts, mut ends) = (0, 0);
    for e in &trace.events {
        match e.kind {
            EventKind::PollStart { on } => {
                starts += 1;
                assert_eq!(open.insert(e.task.0, on.0), None);
            }
            EventKind::PollEnd { on, .. } => {
                ends += 1;
                assert_eq!(open.remove(&e.task.0), Some(on.0));
            }
            _ => {}
        }
    }
    assert_eq!((starts, ends), (task_enters, task_enters));
    assert!(open.is_empty());

    // The wakes, with the waker where the recording can tell: the producer's send wakes
    // the consumer inside the producer's poll.
    let trace_wakes: Vec<(TaskId, WakeSource)> = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Wake { by } => Some((e.task, by)),
            _ => None,
        })
        .collect();
    assert_eq!(trace_wakes.len(), wakes);
    assert!(trace_wakes.contains(&(TaskId(2), WakeSource::Task(TaskId(1)))));
    // The sleeper is woken by the timer, outside any task.
    assert!(trace_wakes.contains(&(TaskId(3), WakeSource::External)));

    // The four spawned tasks are the main future's children.
    let parents: Vec<TaskId> = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Spawn { parent, .. } => Some(parent),
            _ => None,
        })
        .collect();
    assert_eq!(
        parents,
        [TaskId::NONE, TaskId(0), TaskId(0), TaskId(0), TaskId(0)]
    );

    // Every task closed, so every task is finished, with the close's value.
    let history = History::from_trace(trace);
    let state = history.live();
    assert_eq!(state.tasks.len(), NAMES.len());
    for task in &state.tasks {
        assert!(task.state.is_finished(), "{:?}", task.state);
        assert!(task.polls > 0);
    }
    assert_eq!(
        history
            .trace()
            .events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Complete { value }
                if history.trace().str(value) == "(closed)"))
            .count(),
        NAMES.len()
    );

    // One status line, counting what was left out.
    assert_eq!(header.warnings.len(), 1, "{:?}", header.warnings);
    let status = &header.warnings[0];
    assert!(
        status.contains(&format!(
            "left out {} resource and async-op spans",
            others.len()
        )),
        "{status}"
    );
    assert!(
        status.contains(&format!("{clones_drops} waker clones/drops")),
        "{status}"
    );
    assert_eq!((others.len(), clones_drops), (15, 12));
}

#[test]
fn a_span_entered_without_a_spawn_is_counted_not_refused() {
    // Resources and async ops are entered without a spawn: one more is one more left out.
    let at = r#"{"secs_since_epoch":1796522857,"nanos_since_epoch":556300000}"#;
    let text = with_line(&fixture(), 14, |lines| {
        lines.insert(14, format!(r#"{{"Enter":{{"id":999,"at":{at}}}}}"#));
        lines.insert(15, format!(r#"{{"Exit":{{"id":999,"at":{at}}}}}"#));
    });
    let (header, trace) = read(&text).unwrap();
    assert_eq!(names(&trace), NAMES);
    assert!(
        header.warnings[0].contains("left out 16 resource and async-op spans"),
        "{}",
        header.warnings[0]
    );
}

#[test]
fn a_damaged_recording_is_refused_naming_its_line() {
    let text = fixture();
    let lines: Vec<&str> = text.lines().collect();

    // Cut in the middle of line 40: the file ends inside it.
    let cut: usize = lines[..39].iter().map(|l| l.len() + 1).sum::<usize>() + lines[39].len() / 2;
    let err = read(&text[..cut]).unwrap_err();
    assert!(
        matches!(err, FileError::Malformed { line: 40, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("cut short"), "{err}");

    // A line that is not JSON.
    let bad = with_line(&text, 30, |l| {
        l[29] = r#"{"Enter":{"id":6,"at":}}"#.to_owned()
    });
    let err = read(&bad).unwrap_err();
    assert!(
        matches!(err, FileError::Malformed { line: 30, .. }),
        "{err}"
    );

    // JSON of the wrong shape: an event kind console-subscriber does not write.
    let bad = with_line(&text, 30, |l| l[29] = l[29].replace("Enter", "Leave"));
    let err = read(&bad).unwrap_err();
    assert_eq!(err.line(), Some(30), "{err}");
    assert!(err.to_string().contains("Leave"), "{err}");

    // An exit of a task span that was not entered: line 19, right after the producer's
    // spawn (span 6, on line 18).
    assert!(lines[17].contains(r#""task.name","value":"producer""#));
    let at = r#"{"secs_since_epoch":1796522857,"nanos_since_epoch":556500000}"#;
    let bad = with_line(&text, 18, |l| {
        l.insert(18, format!(r#"{{"Exit":{{"id":6,"at":{at}}}}}"#));
    });
    let err = read(&bad).unwrap_err();
    assert!(
        matches!(err, FileError::BadReference { line: 19, .. }),
        "{err}"
    );

    // A second spawn of a span that has not closed.
    let bad = with_line(&text, 19, |l| l.insert(19, l[17].clone()));
    let err = read(&bad).unwrap_err();
    assert_eq!(err.line(), Some(20), "{err}");

    // The header alone, after a blank line: refused at the header's line.
    let err = read("\n{\"v\":1}\n").unwrap_err();
    assert_eq!(err.line(), Some(2), "{err}");
    assert!(err.to_string().contains("empty"), "{err}");

    // Through `load` too, the way every caller reads.
    let file = TempPath::new("cut.jsonl");
    std::fs::write(file.path(), &text[..cut]).unwrap();
    let err = tracefile::load(file.path()).unwrap_err();
    assert_eq!(err.line(), Some(40), "{err}");
}

#[test]
fn a_recording_exports_for_perfetto() {
    let (_, trace) = tracefile::load(Path::new(FIXTURE)).unwrap();
    let mut out = Vec::new();
    let count = pollscope::chrome::write(&mut out, &trace).unwrap();
    let json: Value = serde_json::from_slice(&out).unwrap();
    let events = json["traceEvents"].as_array().unwrap();
    assert_eq!(events.len(), count);
    for name in NAMES {
        assert!(
            events.iter().any(|e| e["args"]["name"] == name),
            "no track named {name}"
        );
    }
    // A slice per poll.
    assert!(
        events
            .iter()
            .filter(|e| e["ph"] == "X" || e["ph"] == "B")
            .count()
            >= 22
    );
}

/// Loads `bytes`; whatever loads keeps the trace's grammar, replays, and saves as a
/// native trace file that loads back the same (the app's Save of an opened recording).
fn check(bytes: &[u8]) -> Result<Trace, FileError> {
    let result = tracefile::read(bytes);
    match &result {
        Ok((header, trace)) => {
            let mut reading = Reading::new();
            for e in &trace.events {
                reading.step(e, |_| {}).unwrap();
            }
            let timeline = History::from_trace(trace.clone());
            let _ = report::task_table(trace, timeline.live(), Lens::Rust);
            let mut saved = Vec::new();
            tracefile::write(&mut saved, header, trace).unwrap();
            let (again, loaded) = tracefile::read(&saved[..]).unwrap();
            assert_eq!(loaded.events, trace.events);
            assert_eq!(loaded.strings, trace.strings);
            assert_eq!(again.program, header.program);
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    result.map(|(_, trace)| trace)
}

#[test]
fn the_recording_cut_at_any_byte_loads_its_part_or_names_the_cut_line() {
    let text = fixture();
    let bytes = text.as_bytes();
    for cut in 0..=bytes.len() {
        let part = &bytes[..cut];
        let line = part.iter().filter(|&&b| b == b'\n').count() + 1;
        match check(part) {
            // Cut at a line's end: the recording has no end line to miss (console-subscriber
            // writes none), so the lines before load.
            Ok(trace) => assert!(!trace.is_empty()),
            Err(FileError::Empty) => assert_eq!(cut, 0),
            // Cut inside a line: that line; or the header's, for a part with no task yet.
            Err(e) => assert!(
                e.line() == Some(line) || e.line() == Some(1),
                "cut at {cut} (line {line}): {e}"
            ),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn shuffled_or_flipped_recordings_never_panic(
        seed in any::<u64>(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
    ) {
        let text = fixture();
        let mut lines: Vec<&str> = text.lines().collect();
        // Swap a few records: order the recording rules out, or order it allows.
        let mut x = seed;
        for _ in 0..(seed % 5) {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let (a, b) = (1 + (x >> 33) as usize % (lines.len() - 1), 1 + (x >> 13) as usize % (lines.len() - 1));
            lines.swap(a, b);
        }
        let mut bytes = lines.join("\n").into_bytes();
        for (at, byte) in flips {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        let _ = check(&bytes);
    }
}

#[cfg(feature = "app")]
#[test]
fn replay_prints_the_recordings_task_table() {
    use std::process::Command;
    let out = Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(["replay", FIXTURE])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let (_, trace) = tracefile::load(Path::new(FIXTURE)).unwrap();
    assert!(
        stdout.starts_with(&format!(
            "trace of a run: {} events; state after {0} events\n",
            trace.len()
        )),
        "{stdout}"
    );
    for name in NAMES {
        let row = stdout
            .lines()
            .find(|l| l.contains(&format!(" {name} ")))
            .unwrap_or_else(|| panic!("no row for {name}:\n{stdout}"));
        assert!(row.contains("completed"), "{row}");
    }
    assert!(
        stderr.contains("tokio-console recording: 5 tasks"),
        "{stderr}"
    );

    // A damaged one is an error naming the line, and no table.
    let file = TempPath::new("bad.jsonl");
    let bad = with_line(&fixture(), 30, |l| l[29] = "{".to_owned());
    std::fs::write(file.path(), bad).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(["replay", file.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 30"), "{stderr}");
}

/// A recording made here and now by the console-subscriber this build links, so the
/// reader is checked against the writer, not only against the fixture. Only built with
/// RUSTFLAGS="--cfg tokio_unstable" (see Cargo.toml's last section), which
/// console-subscriber needs.
#[cfg(tokio_unstable)]
#[test]
fn a_recording_made_now_loads_with_its_tasks() {
    use std::time::{Duration, Instant};
    use tracing_subscriber::prelude::*;

    let file = TempPath::new("live.jsonl");
    // `build`, not `spawn`: no gRPC server on a port. The server half is kept alive
    // unserved because it holds the aggregator's end of the layer's event channel: the
    // layer records a task's polls only once that channel has taken its spawn.
    let (layer, _server) = console_subscriber::ConsoleLayer::builder()
        .recording_path(file.path())
        .build();
    {
        // This thread's subscriber only: the other tests run on other threads.
        let _guard = tracing_subscriber::registry().with(layer).set_default();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let sum = rt.block_on(async {
            let (tx, mut rx) = tokio::sync::mpsc::channel::<u32>(1);
            let ping = tokio::task::Builder::new()
                .name("ping")
                .spawn(async move {
                    for i in 0..3 {
                        tx.send(i).await.unwrap();
                    }
                })
                .unwrap();
            let pong = tokio::task::Builder::new()
                .name("pong")
                .spawn(async move {
                    let mut sum = 0;
                    while let Some(i) = rx.recv().await {
                        sum += i;
                    }
                    sum
                })
                .unwrap();
            let nap = tokio::spawn(tokio::time::sleep(Duration::from_millis(1)));
            ping.await.unwrap();
            nap.await.unwrap();
            pong.await.unwrap()
        });
        assert_eq!(sum, 3);
    }
    // console-subscriber writes on a thread of its own and cannot be asked to flush: wait
    // for the file to hold every task's close.
    let names_now = ["block_on", "ping", "pong", "task 3"];
    let deadline = Instant::now() + Duration::from_secs(20);
    let (header, trace) = loop {
        if let Ok((header, trace)) = tracefile::load(file.path()) {
            let closes = trace
                .events
                .iter()
                .filter(|e| matches!(e.kind, EventKind::Complete { .. }))
                .count();
            if closes == names_now.len() {
                break (header, trace);
            }
        }
        assert!(Instant::now() < deadline, "the recording never completed");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(names(&trace), names_now);
    assert_eq!(header.warnings.len(), 1, "{:?}", header.warnings);
    let pong_woken_by_ping = trace.events.iter().any(|e| {
        e.task == TaskId(2)
            && e.kind
                == (EventKind::Wake {
                    by: WakeSource::Task(TaskId(1)),
                })
    });
    assert!(pong_woken_by_ping);
    let history = History::from_trace(trace);
    assert!(
        history
            .live()
            .tasks
            .iter()
            .all(|t| t.state.is_finished() && t.polls > 0)
    );
}

/// The real tokio fixture (tests/fixtures/tokio-app/: a server whose connections are
/// `tokio::spawn`ed, three clients) recorded by console-subscriber: its recording opens,
/// every task is in it, and it rewinds.
#[cfg(tokio_unstable)]
#[test]
fn the_tokio_fixtures_console_recording_opens_and_rewinds() {
    use std::sync::Arc;
    use std::time::{Duration, Instant};
    use tracing_subscriber::prelude::*;

    let file = TempPath::new("tokio-app.jsonl");
    let (layer, _server) = console_subscriber::ConsoleLayer::builder()
        .recording_path(file.path())
        .build();
    {
        let _guard = tracing_subscriber::registry().with(layer).set_default();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let answers = rt.block_on(async {
            let (tx, rx) = tokio::sync::watch::channel(None::<String>);
            let store = Arc::new(server::Store::default());
            let serving = tokio::spawn(server::run(tx, store, 3));
            let clients: Vec<_> = (1..=3)
                .map(|n| tokio::spawn(client::run(n, rx.clone())))
                .collect();
            let mut answers = Vec::new();
            for c in clients {
                answers.push(c.await.map(|r| r.is_ok()).unwrap_or(false));
            }
            let _ = serving.await;
            answers
        });
        assert_eq!(answers, [true, true, true]);
    }
    // block_on, the server, three clients, three connection handlers.
    let tasks = 8;
    let deadline = Instant::now() + Duration::from_secs(20);
    let trace = loop {
        if let Ok((_, trace)) = tracefile::load(file.path()) {
            let closes = trace
                .events
                .iter()
                .filter(|e| matches!(e.kind, EventKind::Complete { .. }))
                .count();
            if closes == tasks {
                break trace;
            }
        }
        assert!(Instant::now() < deadline, "the recording never completed");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(names(&trace).len(), tasks, "{:?}", names(&trace));
    let history = History::from_trace(trace);
    assert!(history.live().tasks.iter().all(|t| t.state.is_finished()));
    // Rewound halfway, some task has not finished yet.
    let half = history.state_at(history.len() / 2);
    assert!(half.tasks.iter().any(|t| !t.state.is_finished()));
}
