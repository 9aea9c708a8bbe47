//! `event-loop`: three tasks take turns, so their say-lines interleave round-robin.

#![cfg(feature = "lessons")]

mod lesson_kit;

use lesson_kit::run;
use pollscope::executor::{Policy, Step};
use pollscope::trace::WakeSource;

#[test]
fn lines_interleave_round_robin() {
    for policy in [Policy::WakerDriven, Policy::BusyPoll] {
        let r = run("event-loop", policy);
        let mut expected = Vec::new();
        for line in 1..=3 {
            for task in 0..3 {
                expected.push((task, format!("task {task}: line {line}")));
            }
        }
        let said: Vec<_> = r
            .said()
            .into_iter()
            .map(|(t, s)| (t, s.to_owned()))
            .collect();
        assert_eq!(said, expected, "{policy:?}");

        let order: Vec<_> = r.polls().iter().map(|p| p.task.0).collect();
        assert_eq!(order, [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], "{policy:?}");
        assert_eq!(r.last_step(), &Step::Done);
        for task in 0..3 {
            assert_eq!(r.counts(task), (4, 3, 0), "{policy:?} task {task}");
            assert_eq!(r.task(task).last_wake, Some(WakeSource::SelfWake));
            assert_eq!(r.value(task), Some("3"));
        }
        r.assert_points_match_declared();
    }
}

#[test]
fn declared_points_are_the_source_labels_in_order() {
    lesson_kit::assert_points_in_source_order("event-loop");
}
