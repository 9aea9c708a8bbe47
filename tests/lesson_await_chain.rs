//! `await-chain`: the leaf's `Pending` travels up through outer > middle > inner to the
//! executor, and the second poll resumes down the same chain.

#![cfg(feature = "lessons")]

mod lesson_kit;

use lesson_kit::run;
use pollscope::executor::{Outcome, Policy, Step};
use pollscope::lessons;
use pollscope::trace::{History, TaskId, WakeSource};

const CHAIN: [&str; 4] = ["outer()", "middle()", "inner()", "Leaf"];

#[test]
fn pending_goes_up_the_whole_chain_and_the_next_poll_comes_back_down() {
    for policy in [Policy::WakerDriven, Policy::BusyPoll] {
        let r = run("await-chain", policy);
        assert_eq!(r.poll_summary(), [(0, false, false), (0, true, false)]);
        assert_eq!(r.last_step(), &Step::Done);
        // The executor reports the innermost point as where the task is suspended.
        let Outcome::Pending { at: Some(site), .. } = r.polls()[0].outcome else {
            panic!("{policy:?}: first poll should suspend")
        };
        assert_eq!(site.label, "Leaf");
        assert_eq!(
            r.point_events(),
            [
                ("await_enter", "outer()"),
                ("await_enter", "middle()"),
                ("await_enter", "inner()"),
                ("await_enter", "Leaf"),
                // Innermost first: each level passes the Pending it got up.
                ("suspend", "Leaf"),
                ("suspend", "inner()"),
                ("suspend", "middle()"),
                ("suspend", "outer()"),
                ("resume", "outer()"),
                ("resume", "middle()"),
                ("resume", "inner()"),
                ("resume", "Leaf"),
                ("await_exit", "Leaf"),
                ("await_exit", "inner()"),
                ("await_exit", "middle()"),
                ("await_exit", "outer()"),
            ],
            "{policy:?}"
        );
        assert_eq!(
            r.lines(),
            [
                "outer: awaiting middle",
                "middle: awaiting inner",
                "inner: awaiting Leaf",
                "Leaf: not ready; the whole chain suspends",
                // The second poll resumes at the awaits: no "awaiting" line again.
                "Leaf: ready with 1",
                "inner: Leaf gave 1",
                "middle: inner gave 2",
                "outer: middle gave 3",
            ]
        );
        assert_eq!(r.counts(0), (2, 1, 0));
        assert_eq!(r.task(0).last_wake, Some(WakeSource::SelfWake));
        assert_eq!(r.value(0), Some("4"));
        r.assert_points_match_declared();
    }
}

#[test]
fn while_suspended_the_chain_is_outer_middle_inner_leaf() {
    for policy in [Policy::WakerDriven, Policy::BusyPoll] {
        let mut ex = lessons::find("await-chain")
            .unwrap()
            .program()
            .launch(policy, Vec::new())
            .unwrap()
            .executor;
        assert!(ex.step().polled().is_some());
        let timeline = History::from_trace(ex.snapshot());
        let trace = timeline.trace();
        let task = timeline.live().task(TaskId(0)).unwrap();
        let chain: Vec<_> = task
            .chain
            .iter()
            .map(|&p| trace.str(trace.point(p).unwrap().label))
            .collect();
        assert_eq!(chain, CHAIN, "{policy:?}");
        // Scheduled, not merely suspended: the leaf woke the task before returning.
        assert_eq!(task.state.word(), "scheduled");
    }
}

#[test]
fn declared_points_are_the_source_labels_in_order() {
    lesson_kit::assert_points_in_source_order("await-chain");
}
