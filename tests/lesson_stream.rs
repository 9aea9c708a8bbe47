//! `stream`: items come one per poll, with a self-woken `Pending` before each; the task
//! sums them.

#![cfg(feature = "lessons")]

mod lesson_kit;

use lesson_kit::run;
use pollscope::executor::{Policy, Step};
use pollscope::trace::WakeSource;

#[test]
fn one_item_per_poll_summed_to_six() {
    for policy in [Policy::WakerDriven, Policy::BusyPoll] {
        let r = run("stream", policy);
        assert_eq!(
            r.poll_summary(),
            [
                (0, false, false),
                (0, false, false),
                (0, false, false),
                (0, true, false),
            ],
            "{policy:?}"
        );
        assert_eq!(r.last_step(), &Step::Done);
        assert_eq!(
            r.lines(),
            [
                "numbers: 1 is not ready yet",
                "got 1",
                "numbers: 2 is not ready yet",
                "got 2",
                "numbers: 3 is not ready yet",
                "got 3",
                "numbers: no more items",
            ]
        );
        // Each poll ends a `next()` and starts the following one.
        let enters = r
            .point_events()
            .iter()
            .filter(|e| **e == ("await_enter", "numbers.next()"))
            .count();
        assert_eq!(enters, 4);
        assert_eq!(r.counts(0), (4, 3, 0), "{policy:?}");
        assert_eq!(r.task(0).last_wake, Some(WakeSource::SelfWake));
        assert_eq!(r.value(0), Some("6"));
        r.assert_points_match_declared();
    }
}

#[test]
fn declared_points_are_the_source_labels_in_order() {
    lesson_kit::assert_points_in_source_order("stream");
}
