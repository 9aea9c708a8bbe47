//! `lost-waker`: `Pending` without a wake stalls the waker policy (reported, not hung) and
//! is hidden by busy polling, at the cost of two wasted polls.

#![cfg(feature = "lessons")]

mod lesson_kit;

use lesson_kit::run;
use pollscope::executor::{Outcome, Policy, RunError, Step};
use pollscope::lessons;
use pollscope::trace::{TaskId, TaskState};
use std::time::Duration;

#[test]
fn waker_policy_reports_the_stall_after_one_poll() {
    let r = run("lost-waker", Policy::WakerDriven);
    assert_eq!(r.poll_summary(), [(0, false, false)]);
    let Outcome::Pending { at: Some(site), .. } = r.polls()[0].outcome else {
        panic!("the task should suspend at NotYet")
    };
    assert_eq!(site.label, "NotYet");
    assert_eq!(r.last_step(), &Step::Stalled);

    assert_eq!(r.counts(0), (1, 0, 0));
    assert_eq!(r.task(0).state, TaskState::Suspended);
    assert_eq!(r.task(0).last_wake, None);
    assert_eq!(r.chain(0), ["NotYet"]);
    assert_eq!(r.lines(), ["NotYet: not ready"]);
    r.assert_points_match_declared();
}

#[test]
fn run_fails_fast_with_a_stall_instead_of_hanging() {
    let mut ex = lessons::find("lost-waker")
        .unwrap()
        .program()
        .launch(Policy::WakerDriven, Vec::new())
        .unwrap()
        .executor;
    let err = ex.run(Duration::from_secs(10)).unwrap_err();
    assert_eq!(
        err,
        RunError::Stalled {
            unfinished: vec![TaskId(0)]
        }
    );
    assert_eq!(
        err.to_string(),
        "stalled: no task can be woken (1 unfinished)"
    );
}

#[test]
fn busy_polling_hides_the_bug_with_two_wasted_polls() {
    let r = run("lost-waker", Policy::BusyPoll);
    assert_eq!(
        r.poll_summary(),
        [
            (0, false, false), // the first poll is never wasted
            (0, false, true),
            (0, false, true),
            (0, true, false),
        ]
    );
    assert_eq!(r.last_step(), &Step::Done);
    assert_eq!(r.counts(0), (4, 0, 2));
    assert_eq!(
        r.lines(),
        [
            "NotYet: not ready",
            "NotYet: not ready",
            "NotYet: not ready",
            "NotYet: ready",
            "forgetful: got 7",
        ]
    );
    assert_eq!(r.value(0), Some("7"));
    r.assert_points_match_declared();
}

#[test]
fn declared_points_are_the_source_labels_in_order() {
    lesson_kit::assert_points_in_source_order("lost-waker");
}
