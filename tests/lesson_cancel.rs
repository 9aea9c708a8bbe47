//! `cancel`: a future polled once and then dropped: its `Drop` says "cancelled" and the
//! code after its `.await` never runs.

#![cfg(feature = "lessons")]

mod lesson_kit;

use lesson_kit::run;
use pollscope::executor::{Outcome, Policy, Step};

#[test]
fn the_download_is_dropped_while_suspended() {
    for policy in [Policy::WakerDriven, Policy::BusyPoll] {
        let r = run("cancel", policy);
        assert_eq!(r.poll_summary(), [(0, true, false)], "{policy:?}");
        assert_eq!(
            r.polls()[0].outcome,
            Outcome::Ready {
                value: "None".into()
            }
        );
        assert_eq!(r.last_step(), &Step::Done);
        assert_eq!(
            r.lines(),
            [
                "download: started",
                "caller: the download is suspended; cancelling it",
                "download: cancelled while suspended",
                "caller: moved on",
            ],
            "{policy:?}"
        );
        assert!(!r.lines().contains(&"download: finished"));
        // The download suspended at YieldNow and was never resumed.
        assert_eq!(
            r.point_events(),
            [
                ("await_enter", "poll_once(download)"),
                ("await_enter", "YieldNow"),
                ("suspend", "YieldNow"),
                ("await_exit", "poll_once(download)"),
            ]
        );
        // YieldNow's self-wake arrives, but the task has already finished.
        assert_eq!(r.counts(0), (1, 1, 0));
        assert_eq!(r.value(0), Some("None"));
        r.assert_points_match_declared();
    }
}

#[test]
fn declared_points_are_the_source_labels_in_order() {
    lesson_kit::assert_points_in_source_order("cancel");
}
