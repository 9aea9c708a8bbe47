//! `sequential-awaits`: lazy fetch futures awaited one by one never overlap.

use pollscope::executor::{Executor, Policy};
use pollscope::lessons;
use pollscope::trace::{EventKind, TaskState, Timeline};
use std::time::Duration;

#[test]
fn each_thread_starts_after_the_previous_one_finished() {
    let lesson = lessons::find("sequential-awaits").unwrap();
    let (env, _server) = lessons::prepare_env(lesson, Vec::new()).unwrap();
    let mut ex = Executor::new(Policy::WakerDriven);
    lesson.spawn_into(&mut ex, &env).unwrap();
    ex.run(Duration::from_secs(30)).unwrap();
    let timeline = Timeline::from_trace(ex.recorder().snapshot());
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
