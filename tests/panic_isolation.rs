//! A panicking task is marked panicked and the executor keeps stepping the others.

#![cfg(feature = "lessons")]

use pollscope::executor::{Executor, Outcome, Policy, Step};
use pollscope::lessons;
use pollscope::trace::{History, TaskId, TaskState};

async fn boom() -> u32 {
    panic!("boom in a poll")
}

#[test]
fn a_panic_does_not_stop_the_others() {
    for policy in [Policy::WakerDriven, Policy::BusyPoll] {
        let mut ex = Executor::new(policy);
        ex.spawn("first", async { 1 });
        ex.spawn("boom", boom());
        ex.spawn("last", async { 3 });
        let mut outcomes = Vec::new();
        while let Step::Polled(p) = ex.step() {
            outcomes.push((p.task.0, p.outcome));
        }
        assert_eq!(outcomes.len(), 3, "{policy:?}: {outcomes:?}");
        assert_eq!(outcomes[0], (0, Outcome::Ready { value: "1".into() }));
        let (1, Outcome::Panicked { message }) = &outcomes[1] else {
            panic!("{outcomes:?}")
        };
        assert!(message.starts_with("boom in a poll"), "{message}");
        assert!(message.contains("tests/panic_isolation.rs"), "{message}");
        assert_eq!(outcomes[2], (2, Outcome::Ready { value: "3".into() }));

        let timeline = History::from_trace(ex.snapshot());
        let TaskState::Panicked(m) = timeline.live().task(TaskId(1)).unwrap().state else {
            panic!()
        };
        assert!(timeline.trace().str(m).starts_with("boom in a poll"));
    }
}

#[test]
fn polling_a_completed_future_is_caught_and_shown() {
    for policy in [Policy::WakerDriven, Policy::BusyPoll] {
        let mut ex = lessons::find("reuse")
            .unwrap()
            .program()
            .launch(policy, Vec::new())
            .unwrap()
            .executor;
        let (stop, polls) = ex.run_until_stalled();
        assert_eq!((stop, polls), (Step::Done, 2));
        let timeline = History::from_trace(ex.snapshot());
        let trace = timeline.trace();
        let reuse = timeline.live().task(TaskId(0)).unwrap();
        let TaskState::Panicked(m) = reuse.state else {
            panic!("{reuse:?}")
        };
        assert!(
            trace
                .str(m)
                .starts_with("`async fn` resumed after completion"),
            "{}",
            trace.str(m)
        );
        // The chain shows where it happened: the second await.
        let point = reuse.await_point().unwrap();
        assert_eq!(
            trace.str(trace.point(point).unwrap().label),
            "future.await again"
        );
        let bystander = timeline.live().task(TaskId(1)).unwrap();
        assert!(matches!(bystander.state, TaskState::Completed(_)));
    }
}
