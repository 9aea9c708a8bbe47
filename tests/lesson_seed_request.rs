//! `seed-request`: threads start at creation and overlap, but each blocking join freezes
//! the executor inside a poll.

#![cfg(feature = "lessons")]

mod trace_kit;

use pollscope::executor::Policy;
use pollscope::trace::{EventKind, History, TaskState};

#[test]
fn threads_overlap_but_main_blocks_in_its_polls() {
    let trace = trace_kit::run_lesson("seed-request", Policy::WakerDriven, 10_000);
    let timeline = History::from_trace(trace);
    let trace = timeline.trace();

    let kinds: Vec<_> = trace.events.iter().map(|e| e.kind.name()).collect();
    let last_spawn = kinds.iter().rposition(|&k| k == "thread_spawn").unwrap();
    let first_finish = kinds.iter().position(|&k| k == "thread_finish").unwrap();
    assert!(
        last_spawn < first_finish,
        "all four threads start at creation"
    );

    // Every thread finishes inside a poll of main (the executor is stuck in the join),
    // never while the executor is between polls.
    // The gaps between polls last microseconds and the pages take 120-300 ms, so the
    // threads finish while main is blocked in a join; one is allowed to land in a gap
    // on a loaded machine.
    let mut in_poll_of = None;
    let mut inside_main = 0;
    for e in &trace.events {
        match e.kind {
            EventKind::PollStart { .. } => in_poll_of = Some(e.task.0),
            EventKind::PollEnd { .. } => in_poll_of = None,
            EventKind::ThreadFinish { .. } if in_poll_of == Some(0) => inside_main += 1,
            _ => {}
        }
    }
    assert!(
        inside_main >= 3,
        "{inside_main} of 4 threads finished inside main's polls"
    );
    let state = timeline.live();
    let main = &state.tasks[0];
    let TaskState::Completed(v) = main.state else {
        panic!("{main:?}")
    };
    assert_eq!(trace.str(v), "95000");
    // main's polls add up to at least the slowest page's latency (300 ms).
    assert!(main.poll_ns >= 290_000_000, "{}", main.poll_ns);
    assert!(matches!(state.tasks[1].state, TaskState::Completed(_)));
}
