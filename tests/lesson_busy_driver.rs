//! `busy-driver`: busy polling polls the waiter every round and wastes exactly three polls;
//! the waker policy polls it only when the worker's signal wakes it.

#![cfg(feature = "lessons")]

mod lesson_kit;

use lesson_kit::run;
use pollscope::executor::{Policy, Step};
use pollscope::lessons;
use pollscope::trace::{TaskId, WakeSource};
use std::time::Duration;

const WAITER: u32 = 0;
const WORKER: u32 = 1;

fn not_done_lines(r: &lesson_kit::Run) -> usize {
    r.lines()
        .iter()
        .filter(|l| **l == "waiter: not done yet")
        .count()
}

#[test]
fn waker_policy_polls_the_waiter_only_when_woken() {
    let r = run("busy-driver", Policy::WakerDriven);
    assert_eq!(
        r.poll_summary(),
        [
            (WAITER, false, false), // leaves its waker in the signal
            (WORKER, false, false), // step 1, wakes itself
            (WORKER, false, false), // step 2
            (WORKER, false, false), // step 3
            (WORKER, true, false),  // fires the signal: wakes the waiter
            (WAITER, true, false),
        ]
    );
    assert_eq!(r.last_step(), &Step::Done);
    assert_eq!(r.counts(WAITER), (2, 1, 0));
    assert_eq!(
        r.task(WAITER).last_wake,
        Some(WakeSource::Task(TaskId(WORKER)))
    );
    assert_eq!(r.counts(WORKER), (4, 3, 0));
    assert_eq!(not_done_lines(&r), 1);
    assert_eq!(r.value(WAITER), Some("\"done\""));
    assert_eq!(r.value(WORKER), Some("3"));
    r.assert_points_match_declared();
}

#[test]
fn busy_policy_wastes_exactly_three_polls_on_the_waiter() {
    let r = run("busy-driver", Policy::BusyPoll);
    assert_eq!(
        r.poll_summary(),
        [
            (WAITER, false, false), // a first poll is never wasted
            (WORKER, false, false),
            (WAITER, false, true), // nobody woke it: wasted
            (WORKER, false, false),
            (WAITER, false, true),
            (WORKER, false, false),
            (WAITER, false, true),
            (WORKER, true, false), // fires the signal
            (WAITER, true, false), // woken this time
        ]
    );
    assert_eq!(r.last_step(), &Step::Done);
    assert_eq!(r.counts(WAITER), (5, 1, 3));
    assert_eq!(
        r.task(WAITER).last_wake,
        Some(WakeSource::Task(TaskId(WORKER)))
    );
    assert_eq!(r.counts(WORKER), (4, 3, 0));
    assert_eq!(not_done_lines(&r), 4);
    assert_eq!(
        &r.lines()[..4],
        [
            "waiter: not done yet",
            "worker: step 1",
            "waiter: not done yet",
            "worker: step 2",
        ]
    );
    assert_eq!(r.value(WAITER), Some("\"done\""));
    r.assert_points_match_declared();
}

#[test]
fn run_completes_under_both_policies() {
    for (policy, polls) in [(Policy::WakerDriven, 6), (Policy::BusyPoll, 9)] {
        let mut ex = lessons::find("busy-driver")
            .unwrap()
            .program()
            .launch(policy, Vec::new())
            .unwrap()
            .executor;
        assert_eq!(ex.run(Duration::from_secs(10)), Ok(polls), "{policy:?}");
    }
}

#[test]
fn declared_points_are_the_source_labels_in_order() {
    lesson_kit::assert_points_in_source_order("busy-driver");
}
