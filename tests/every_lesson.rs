//! Every lesson runs headless to its end in both policies without hanging, and the await
//! points it declares are exactly the ones its run hits, on the lines its source shows.

#![cfg(feature = "lessons")]

use pollscope::drive::{End, Limits};
use pollscope::executor::Policy;
use pollscope::lessons;
use pollscope::trace::EventKind;
use std::collections::BTreeSet;

/// Runs a lesson to its end: `Done`, or `Stalled` for lessons that stall by design.
fn run(lesson: &'static lessons::Lesson, policy: Policy) -> (End, pollscope::trace::Trace) {
    let recording =
        pollscope::program::record_with(&lesson.program(), policy, Vec::new(), Limits::default())
            .unwrap();
    assert!(
        recording.end.is_finished(),
        "{} hangs under {policy:?}: {}",
        lesson.id,
        recording.end
    );
    (recording.end, recording.trace)
}

#[test]
fn every_lesson_ends_in_both_policies() {
    assert!(lessons::all().len() >= 14);
    for lesson in lessons::all() {
        let mut hit = BTreeSet::new();
        for policy in [Policy::WakerDriven, Policy::BusyPoll] {
            let (end, trace) = run(lesson, policy);
            let expected = if lesson.stalls && policy == Policy::WakerDriven {
                End::Stalled
            } else {
                End::Done
            };
            assert_eq!(end, expected, "{} under {policy:?}", lesson.id);
            for event in &trace.events {
                if let EventKind::AwaitEnter { point } = event.kind {
                    let p = trace.point(point).unwrap();
                    if trace.str(p.file) == lesson.file {
                        hit.insert((trace.str(p.label).to_owned(), p.line));
                    }
                }
            }
        }
        let declared: BTreeSet<_> = lesson
            .declared_points()
            .into_iter()
            .map(|(label, line)| {
                let line = line.unwrap_or_else(|| panic!("{}: no line for {label}", lesson.id));
                (label.to_owned(), line)
            })
            .collect();
        assert_eq!(hit, declared, "{}: declared vs hit await points", lesson.id);
    }
}

#[test]
fn every_lesson_is_documented() {
    for lesson in lessons::all() {
        let sentences = lesson.explanation.matches(". ").count() + 1;
        assert!(
            (2..=7).contains(&sentences),
            "{}: {sentences} sentences",
            lesson.id
        );
        assert!(!lesson.python.trim().is_empty(), "{}", lesson.id);
        assert!(!lesson.expected.is_empty(), "{}", lesson.id);
        assert!(
            lesson.source.contains(&format!("id: \"{}\"", lesson.id)),
            "{}",
            lesson.id
        );
    }
}
