//! `sequential-awaits`: lazy fetch futures awaited one by one never overlap.

#![cfg(feature = "lessons")]

mod trace_kit;

use pollscope::executor::Policy;
use pollscope::trace::{EventKind, History, TaskState};

#[test]
fn each_thread_starts_after_the_previous_one_finished() {
    let trace = trace_kit::run_lesson("sequential-awaits", Policy::WakerDriven, 10_000);
    let timeline = History::from_trace(trace);
    let trace = timeline.trace();
    let threads: Vec<_> = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::ThreadSpawn { .. } => Some("spawn"),
            EventKind::ThreadFinish { .. } => Some("finish"),
            _ => None,
        })
        .collect();
    assert_eq!(
        threads,
        [
            "spawn", "finish", "spawn", "finish", "spawn", "finish", "spawn", "finish"
        ]
    );
    let TaskState::Completed(v) = timeline.live().tasks[0].state else {
        panic!()
    };
    assert_eq!(trace.str(v), "95000");
}
