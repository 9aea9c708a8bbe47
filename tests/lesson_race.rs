//! `race`: `Race` returns the first future to finish and drops the other mid-work.

#![cfg(feature = "lessons")]

mod lesson_kit;

use lesson_kit::run;
use pollscope::executor::{Policy, Step};
use pollscope::trace::WakeSource;

#[test]
fn fast_wins_and_slow_is_dropped_after_one_step() {
    for policy in [Policy::WakerDriven, Policy::BusyPoll] {
        let r = run("race", policy);
        assert_eq!(
            r.poll_summary(),
            [(0, false, false), (0, true, false)],
            "{policy:?}"
        );
        assert_eq!(r.last_step(), &Step::Done);
        assert_eq!(
            r.lines(),
            [
                "fast: step 1 of 2",
                "slow: step 1 of 4",
                "fast: step 2 of 2",
                // Dropped inside the winning poll, before the referee sees the winner.
                "slow: dropped after 1 of 4 steps; the rest never runs",
                "referee: fast won",
            ]
        );
        assert_eq!(
            r.point_events(),
            [
                ("await_enter", "race(fast, slow)"),
                ("suspend", "race(fast, slow)"),
                ("resume", "race(fast, slow)"),
                ("await_exit", "race(fast, slow)"),
            ]
        );
        // Both racers woke the task in the first poll.
        assert_eq!(r.counts(0), (2, 2, 0), "{policy:?}");
        assert_eq!(r.task(0).last_wake, Some(WakeSource::SelfWake));
        assert_eq!(r.value(0), Some("\"fast\""));
        r.assert_points_match_declared();
    }
}

#[test]
fn declared_points_are_the_source_labels_in_order() {
    lesson_kit::assert_points_in_source_order("race");
}
