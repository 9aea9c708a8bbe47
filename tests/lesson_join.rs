//! `join`: awaiting two futures one by one runs them one after the other (5 polls);
//! `Join2` polls both in every poll, so they interleave (3 polls).

#![cfg(feature = "lessons")]

mod lesson_kit;

use lesson_kit::run;
use pollscope::executor::{Policy, Step};

const ONE_BY_ONE: u32 = 0;
const TOGETHER: u32 = 1;

#[test]
fn join_interleaves_and_needs_fewer_polls() {
    for policy in [Policy::WakerDriven, Policy::BusyPoll] {
        let r = run("join", policy);
        assert_eq!(
            r.poll_summary(),
            [
                (ONE_BY_ONE, false, false), // a: step 1
                (TOGETHER, false, false),   // c: step 1, d: step 1
                (ONE_BY_ONE, false, false), // a: step 2
                (TOGETHER, false, false),   // c: step 2, d: step 2
                (ONE_BY_ONE, false, false), // a done; b: step 1
                (TOGETHER, true, false),    // c and d done
                (ONE_BY_ONE, false, false), // b: step 2
                (ONE_BY_ONE, true, false),  // b done
            ],
            "{policy:?}"
        );
        assert_eq!(r.last_step(), &Step::Done);

        let lines_of = |task| -> Vec<&str> {
            r.said()
                .into_iter()
                .filter(|(t, _)| *t == task)
                .map(|(_, s)| s)
                .collect()
        };
        assert_eq!(
            lines_of(ONE_BY_ONE),
            ["a: step 1", "a: step 2", "b: step 1", "b: step 2"]
        );
        assert_eq!(
            lines_of(TOGETHER),
            ["c: step 1", "d: step 1", "c: step 2", "d: step 2"]
        );
        // Four self-wakes each; `together` gets two per poll but is queued once.
        assert_eq!(r.counts(ONE_BY_ONE), (5, 4, 0), "{policy:?}");
        assert_eq!(r.counts(TOGETHER), (3, 4, 0), "{policy:?}");
        assert_eq!(r.value(ONE_BY_ONE), Some("(2, 2)"));
        assert_eq!(r.value(TOGETHER), Some("(2, 2)"));
        r.assert_points_match_declared();
    }
}

#[test]
fn declared_points_are_the_source_labels_in_order() {
    lesson_kit::assert_points_in_source_order("join");
}
