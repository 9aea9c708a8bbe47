//! The timeline's model on real runs: a lane per task and per worker thread, polls as the
//! trace pairs them, suspensions labelled with their await point, the threads' wakes as
//! arrows from thread to task, the blocking poll flagged; built in steps it is the same
//! as built at once, and damage neither panics nor allocates by the trace's numbers.

#![cfg(feature = "lessons")]

mod trace_kit;

use pollscope::drive::Limits;
use pollscope::executor::Policy;
use pollscope::lanes::{self, BLOCKING_NS, LaneKind, Lanes, SpanKind};
use pollscope::trace::{
    Event, EventKind, ExecThread, PollResult, Sym, TaskId, ThreadNo, ThreadOutcome, Trace,
    TraceBuilder, WakeSource,
};

fn threads() -> Trace {
    trace_kit::run_lesson("threads", Policy::WakerDriven, 1_000)
}

fn task_lane(lanes: &Lanes, task: u32) -> usize {
    lanes.task_lane(TaskId(task)).expect("a lane for the task")
}

#[test]
fn one_lane_per_task_and_per_thread() {
    let trace = threads();
    let lanes = lanes::build(&trace);
    let spawns: Vec<(TaskId, &str)> = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Spawn { name, .. } => Some((e.task, trace.str(name))),
            _ => None,
        })
        .collect();
    let threads: Vec<(ThreadNo, &str, TaskId)> = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::ThreadSpawn { thread, name } => Some((thread, trace.str(name), e.task)),
            _ => None,
        })
        .collect();
    assert_eq!(spawns.len(), 5);
    assert_eq!(threads.len(), 4);
    assert_eq!(lanes.lanes.len(), 9);
    for (task, name) in spawns {
        let lane = &lanes.lanes[task_lane(&lanes, task.0)];
        assert_eq!(
            (lane.kind, lane.name.as_str()),
            (LaneKind::Task(task), name)
        );
    }
    for (no, name, task) in threads {
        let lane = lanes
            .lanes
            .iter()
            .find(|l| l.kind == LaneKind::Thread(no))
            .expect("a lane for the thread");
        assert_eq!(lane.name, name);
        assert_eq!(lane.parent, Some(task_lane(&lanes, task.0)));
        assert_eq!(lane.spans.len(), 1, "{lane:?}");
        let life = lane.spans[0];
        assert!(!life.open);
        assert!(matches!(life.kind, SpanKind::Alive { finish: Some(_) }));
    }
    // Each fetch task is shown with its thread right under it; the total task last.
    let rows: Vec<LaneKind> = lanes.rows().iter().map(|&i| lanes.lanes[i].kind).collect();
    assert_eq!(rows.len(), 9);
    for pair in rows[..8].chunks(2) {
        assert!(matches!(pair, [LaneKind::Task(_), LaneKind::Thread(_)]));
    }
    assert_eq!(rows[8], LaneKind::Task(TaskId(4)));
}

#[test]
fn each_threads_wake_is_an_arrow_from_its_lane_to_its_tasks_lane() {
    let trace = threads();
    let lanes = lanes::build(&trace);
    let mut thread_wakes = 0;
    for (seq, event) in trace.events.iter().enumerate() {
        let EventKind::Wake { by } = event.kind else {
            continue;
        };
        let arrow = lanes
            .arrows
            .iter()
            .find(|a| a.event == seq)
            .expect("an arrow for every wake of a task");
        assert_eq!(arrow.t_ns, event.t_ns);
        assert_eq!(arrow.to_lane, task_lane(&lanes, event.task.0));
        assert_eq!(arrow.by, by);
        let from = arrow.from_lane.map(|l| &lanes.lanes[l]);
        match by {
            WakeSource::Thread(name) => {
                thread_wakes += 1;
                let from = from.expect("a thread's wake starts in its lane");
                assert!(matches!(from.kind, LaneKind::Thread(_)));
                assert_eq!(from.name, trace.str(name));
                // The thread belongs to the task it wakes, and it is alive at the wake.
                assert_eq!(from.parent, Some(arrow.to_lane));
                let life = from.spans[0];
                assert!(life.start_ns <= arrow.t_ns && arrow.t_ns <= life.end_ns);
                // The woken task leaves its suspension and queues for its poll.
                let woken = &lanes.lanes[arrow.to_lane].spans;
                let queued = woken
                    .iter()
                    .position(|s| s.event == seq)
                    .expect("a span opened by the wake");
                assert_eq!(woken[queued].kind, SpanKind::Queued);
                assert_eq!(woken[queued].start_ns, arrow.t_ns);
                let before = woken[queued - 1];
                assert!(matches!(before.kind, SpanKind::Suspended { .. }));
                assert_eq!(before.end_ns, arrow.t_ns);
            }
            WakeSource::Task(waker) => {
                assert_eq!(arrow.from_lane, Some(task_lane(&lanes, waker.0)));
            }
            WakeSource::SelfWake => assert_eq!(arrow.from_lane, Some(arrow.to_lane)),
            WakeSource::External => assert_eq!(arrow.from_lane, None),
        }
    }
    assert_eq!(thread_wakes, 4);
}

#[test]
fn poll_spans_are_the_poll_start_and_end_pairs() {
    let trace = threads();
    let lanes = lanes::build(&trace);
    for task in 0..5 {
        let mut pairs = Vec::new();
        let mut start = None;
        for (seq, event) in trace.events.iter().enumerate() {
            if event.task != TaskId(task) {
                continue;
            }
            match event.kind {
                EventKind::PollStart { .. } => start = Some((seq, event.t_ns)),
                EventKind::PollEnd { result, .. } => {
                    let (seq, t) = start.take().expect("a poll_start before its poll_end");
                    pairs.push((seq, t, event.t_ns, Some(result)));
                }
                _ => {}
            }
        }
        let polls: Vec<_> = lanes.lanes[task_lane(&lanes, task)]
            .spans
            .iter()
            .filter_map(|s| match s.kind {
                SpanKind::Poll { result, .. } => Some((s.event, s.start_ns, s.end_ns, result)),
                _ => None,
            })
            .collect();
        assert!(!pairs.is_empty());
        assert_eq!(polls, pairs, "task {task}");
        let last = pairs.last().expect("polls").3;
        assert_eq!(last, Some(PollResult::Ready));
    }
}

#[test]
fn suspensions_are_labelled_with_their_await_point() {
    let trace = threads();
    let lanes = lanes::build(&trace);
    let labels = |task: u32| -> Vec<Option<String>> {
        lanes.lanes[task_lane(&lanes, task)]
            .spans
            .iter()
            .filter(|s| matches!(s.kind, SpanKind::Suspended { .. }))
            .map(|s| s.kind.label(&trace).map(str::to_owned))
            .collect()
    };
    for task in 0..4 {
        assert_eq!(
            labels(task),
            [Some("handle.await".to_owned())],
            "task {task}"
        );
    }
    assert!(
        labels(4)
            .iter()
            .all(|l| l.as_deref() == Some("all pages fetched"))
    );
    // Spans follow each other without gaps, from the spawn to the last poll's end.
    for lane in lanes
        .lanes
        .iter()
        .filter(|l| matches!(l.kind, LaneKind::Task(_)))
    {
        for pair in lane.spans.windows(2) {
            assert_eq!(pair[0].end_ns, pair[1].start_ns, "{lane:?}");
        }
        assert!(lane.spans.iter().all(|s| !s.open));
        assert_eq!(lane.spans[0].kind, SpanKind::Queued);
    }
}

#[test]
fn the_blocking_sleep_is_the_one_blocking_poll() {
    let trace = trace_kit::run_lesson("blocking-sleep", Policy::WakerDriven, 1_000);
    let lanes = lanes::build(&trace);
    let blocking: Vec<(usize, u64)> = lanes
        .lanes
        .iter()
        .enumerate()
        .flat_map(|(i, lane)| {
            lane.spans
                .iter()
                .filter(|s| matches!(s.kind, SpanKind::Poll { blocking: true, .. }))
                .map(move |s| (i, s.duration_ns()))
        })
        .collect();
    let sleeper = task_lane(&lanes, 1);
    assert_eq!(lanes.lanes[sleeper].name, "sleeper");
    assert_eq!(blocking.len(), 1, "{blocking:?}");
    assert_eq!(blocking[0].0, sleeper);
    assert!(blocking[0].1 >= 290_000_000, "{blocking:?}");
    assert!(blocking[0].1 >= BLOCKING_NS);
}

#[test]
fn built_in_steps_it_is_the_same_as_built_at_once() {
    let trace = threads();
    let whole = lanes::build(&trace);
    let mut grown = Lanes::default();
    let mut prefix = Trace {
        events: Vec::new(),
        strings: trace.strings.clone(),
        points: trace.points.clone(),
    };
    for chunk in trace.events.chunks(7) {
        prefix.events.extend_from_slice(chunk);
        assert!(!grown.update(&prefix), "a longer trace carries on");
        assert_eq!(grown.events(), prefix.len());
        // Whatever is open so far reaches the newest event.
        for lane in &grown.lanes {
            if let Some(open) = lane.spans.iter().find(|s| s.open) {
                assert_eq!(open.end_ns, grown.end_ns);
            }
        }
    }
    assert_eq!(grown.lanes, whole.lanes);
    assert_eq!(grown.arrows, whole.arrows);
    assert_eq!(
        (grown.start_ns, grown.end_ns),
        (whole.start_ns, whole.end_ns)
    );

    // Another trace (a new run) is built afresh, not appended to the old one.
    let other = trace_kit::run_lesson("blocking-sleep", Policy::WakerDriven, 1_000);
    assert!(grown.update(&other), "another trace starts afresh");
    let fresh = lanes::build(&other);
    assert_eq!(grown.lanes, fresh.lanes);
    assert_eq!(grown.arrows, fresh.arrows);
}

#[test]
fn the_last_event_at_a_time() {
    let trace = threads();
    assert_eq!(lanes::event_at(&Trace::default(), 5), None);
    // The spawns share the first moment: the state after all of them.
    let first = trace.events[0].t_ns;
    let together = trace.events.iter().take_while(|e| e.t_ns == first).count();
    assert_eq!(lanes::event_at(&trace, first), Some(together - 1));
    let i = trace.len() / 2;
    let at = lanes::event_at(&trace, trace.events[i].t_ns).unwrap();
    assert!(at >= i && trace.events[at].t_ns == trace.events[i].t_ns);
    assert_eq!(lanes::event_at(&trace, u64::MAX), Some(trace.len() - 1));
}

fn event(t_ns: u64, task: u32, kind: EventKind) -> Event {
    Event {
        t_ns,
        task: TaskId(task),
        kind,
    }
}

#[test]
fn a_damaged_trace_degrades_without_panics_or_huge_tables() {
    let mut b = TraceBuilder::new();
    let name = b.intern("t");
    let outsider = b.intern("tokio-runtime-worker");
    let point = b.point("p", "f.rs", 1);
    let spawn = EventKind::Spawn {
        name,
        parent: TaskId(u32::MAX - 1),
    };
    let events = [
        // Numbers far beyond the events: ignored, not tables of billions.
        event(1, u32::MAX - 1, spawn),
        event(
            2,
            0,
            EventKind::ThreadSpawn {
                thread: ThreadNo(u32::MAX - 1),
                name,
            },
        ),
        event(
            3,
            7,
            EventKind::PollStart {
                on: ExecThread::MAIN,
            },
        ),
        event(
            4,
            0,
            EventKind::PollEnd {
                result: PollResult::Pending,
                on: ExecThread::MAIN,
                held: pollscope::trace::Held::Unknown,
            },
        ),
        event(5, 0, spawn),
        event(6, 0, spawn),
        // Time going back, a poll that never ends, a wake by a thread nobody started.
        event(
            3,
            0,
            EventKind::PollStart {
                on: ExecThread::MAIN,
            },
        ),
        event(7, 0, EventKind::Suspend { point }),
        event(
            8,
            0,
            EventKind::PollStart {
                on: ExecThread::MAIN,
            },
        ),
        event(
            9,
            0,
            EventKind::Wake {
                by: WakeSource::Thread(outsider),
            },
        ),
        event(
            10,
            0,
            EventKind::Wake {
                by: WakeSource::Thread(Sym(999)),
            },
        ),
        event(
            11,
            0,
            EventKind::ThreadFinish {
                thread: ThreadNo(3),
                outcome: ThreadOutcome::Ok,
                duration_us: u32::MAX,
                result: Sym(12345),
            },
        ),
        event(
            12,
            0,
            EventKind::AwaitExit {
                point: pollscope::trace::PointId(77),
            },
        ),
    ];
    for e in events {
        b.push(e);
    }
    let trace = b.finish();
    let lanes = lanes::build(&trace);
    // Task 0 and the two names that woke it from outside.
    assert_eq!(lanes.lanes.len(), 3);
    let kinds: Vec<_> = lanes.lanes.iter().map(|l| l.kind).collect();
    assert_eq!(
        kinds,
        [
            LaneKind::Task(TaskId(0)),
            LaneKind::Outside(outsider),
            LaneKind::Outside(Sym(999)),
        ]
    );
    assert_eq!(lanes.lanes[1].name, "tokio-runtime-worker");
    assert_eq!(lanes.lanes[2].name, "?");
    let task = &lanes.lanes[0];
    // The first poll is cut by the second; the second is still open at the end.
    let polls: Vec<_> = task
        .spans
        .iter()
        .filter(|s| matches!(s.kind, SpanKind::Poll { .. }))
        .collect();
    assert_eq!(polls.len(), 2);
    assert!(matches!(polls[0].kind, SpanKind::Poll { result: None, .. }));
    assert!(polls[1].open && polls[1].end_ns == lanes.end_ns);
    assert!(task.spans.iter().all(|s| s.end_ns >= s.start_ns));
    assert_eq!(lanes.arrows.len(), 2);
    assert_eq!(lanes.end_ns, 12);

    // Every prefix of a damaged trace builds too.
    for n in 0..trace.len() {
        let prefix = Trace {
            events: trace.events[..n].to_vec(),
            ..trace.clone()
        };
        let _ = lanes::build(&prefix);
    }
}

/// The cost of building the lanes of a million events, and of bringing them up to date
/// with a frame's worth of new ones. A measurement, run by hand:
/// `cargo test --release --test lanes -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, run by hand in release"]
fn the_cost_of_a_million_events() {
    use pollscope::executor::yield_now;
    use std::time::Instant;
    let limits = Limits {
        max_polls: usize::MAX,
        max_events: 1_000_000,
        ..Limits::default()
    };
    // Busy polling `threads` while the fetches run, and a task that yields forever: four
    // worker threads and their wakes, and then polls without end.
    let threads = pollscope::lessons::find("threads").unwrap().program();
    let spin = pollscope::Program::new("spin")
        .task("spinner", || async {
            loop {
                yield_now().await;
            }
        })
        .task("sleeper", || async {
            std::future::pending::<()>().await;
        });
    for (name, program) in [("threads, busy-poll", threads), ("spin, busy-poll", spin)] {
        let recording =
            pollscope::program::record_with(&program, Policy::BusyPoll, Vec::new(), limits)
                .unwrap();
        let trace = recording.trace;
        let started = Instant::now();
        let lanes = lanes::build(&trace);
        let whole = started.elapsed();
        // A live run: the lanes of all but the newest thousand events, then those.
        let mut older = trace.clone();
        older.events.truncate(trace.len().saturating_sub(1_000));
        let mut growing = lanes::build(&older);
        let started = Instant::now();
        assert!(!growing.update(&trace));
        let step = started.elapsed();
        let spans: usize = lanes.lanes.iter().map(|l| l.spans.len()).sum();
        let bytes = spans * std::mem::size_of::<pollscope::lanes::Span>()
            + lanes.arrows.len() * std::mem::size_of::<pollscope::lanes::Arrow>();
        println!(
            "{name}: {} events ({} MB), {} lanes, {spans} spans and {} arrows ({} MB): \
             build {whole:?}, the last 1,000 events {step:?}",
            trace.len(),
            trace.memory_bytes() >> 20,
            lanes.lanes.len(),
            lanes.arrows.len(),
            bytes >> 20,
        );
        assert_eq!(growing.lanes, lanes.lanes);
    }
}

#[test]
fn rows_follow_the_task_tree_as_the_task_table_does() {
    let mut ex = pollscope::executor::Executor::new(Policy::WakerDriven);
    ex.spawn("parent", async {
        let child = pollscope::spawn("child", async { 1 });
        child.await.unwrap_or(0)
    });
    ex.spawn("sibling", async { 2 });
    while let pollscope::executor::Step::Polled(_) = ex.step() {}
    let trace = ex.snapshot();
    let lanes = lanes::build(&trace);
    let names: Vec<&str> = lanes
        .rows()
        .iter()
        .map(|&i| lanes.lanes[i].name.as_str())
        .collect();
    // The child, spawned after the sibling, still sits under its parent.
    assert_eq!(names, ["parent", "child", "sibling"]);
}

#[test]
fn a_runtimes_worker_threads_get_a_lane_each_with_their_polls_side_by_side() {
    let mut b = TraceBuilder::new();
    let name = b.intern("tokio@main.rs:3");
    let spawn = EventKind::Spawn {
        name,
        parent: TaskId::NONE,
    };
    let start = |on| EventKind::PollStart { on: ExecThread(on) };
    let end = |on, result| EventKind::PollEnd {
        result,
        on: ExecThread(on),
        held: pollscope::trace::Held::Unknown,
    };
    // Two tasks polled at once on workers 1 and 2 (worker 2 first), then task 0 again on worker 2.
    for e in [
        event(1, 0, spawn),
        event(1, 1, spawn),
        event(10, 0, start(2)),
        event(12, 1, start(1)),
        event(20, 0, end(2, PollResult::Pending)),
        event(22, 1, end(1, PollResult::Pending)),
        event(30, 0, start(2)),
        event(35, 0, end(2, PollResult::Pending)),
    ] {
        b.push(e);
    }
    let trace = b.finish();
    let lanes = lanes::build(&trace);
    let worker = |n: u16| {
        lanes
            .lanes
            .iter()
            .position(|l| l.kind == LaneKind::Worker(ExecThread(n)))
            .unwrap_or_else(|| panic!("no lane for worker {n}"))
    };
    let spans = |lane: usize| -> Vec<(u64, u64, usize)> {
        lanes.lanes[lane]
            .spans
            .iter()
            .map(|s| {
                assert!(matches!(
                    s.kind,
                    SpanKind::Poll {
                        result: Some(PollResult::Pending),
                        ..
                    }
                ));
                (s.start_ns, s.end_ns, s.event)
            })
            .collect()
    };
    assert_eq!(spans(worker(1)), [(12, 22, 3)]);
    // Worker 2 polled first: its lane was made first, but rows go by number.
    assert!(worker(2) < worker(1));
    assert_eq!(spans(worker(2)), [(10, 20, 2), (30, 35, 6)]);
    assert_eq!(lanes.lanes[worker(1)].name, "worker 1");
    // The tasks first, then the workers.
    assert_eq!(lanes.rows(), [0, 1, worker(1), worker(2)]);
    // Built in steps it is the same.
    let mut stepped = Lanes::default();
    for n in 1..=trace.events.len() {
        let mut part = trace.clone();
        part.events.truncate(n);
        stepped.update(&part);
    }
    assert_eq!(stepped.lanes, lanes.lanes);
}
