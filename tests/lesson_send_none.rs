//! `send-none`: `poll` takes no value; the receiver gets its input from a shared mailbox
//! that the sender fills, and is woken by the sender.

#![cfg(feature = "lessons")]

mod lesson_kit;

use lesson_kit::run;
use pollscope::executor::{Outcome, Policy, Step};
use pollscope::trace::{TaskId, TaskState, WakeSource};

#[test]
fn receiver_suspends_until_the_sender_fills_the_mailbox() {
    for policy in [Policy::WakerDriven, Policy::BusyPoll] {
        let r = run("send-none", policy);
        // receiver (empty mailbox), sender, receiver again: the same order in both policies.
        assert_eq!(
            r.poll_summary(),
            [(0, false, false), (1, true, false), (0, true, false)],
            "{policy:?}"
        );
        assert_eq!(r.last_step(), &Step::Done);
        let Outcome::Pending { at: Some(site), .. } = r.polls()[0].outcome else {
            panic!("{policy:?}: the receiver should suspend first")
        };
        assert_eq!(site.label, "mailbox.take()");

        assert_eq!(
            r.said(),
            [
                (
                    0,
                    "receiver: poll() cannot hand me a value, so I look in the mailbox"
                ),
                (1, "sender: putting 21 in the mailbox"),
                (0, "receiver: got 21 from the mailbox"),
            ],
            "{policy:?}"
        );
        assert_eq!(r.counts(0), (2, 1, 0), "{policy:?}");
        assert_eq!(r.task(0).last_wake, Some(WakeSource::Task(TaskId(1))));
        assert_eq!(r.counts(1), (1, 0, 0), "{policy:?}");
        assert_eq!(r.value(0), Some("42"));
        assert_eq!(r.value(1), Some("()"));
        assert!(matches!(r.task(1).state, TaskState::Completed(_)));
        r.assert_points_match_declared();
    }
}

#[test]
fn declared_points_are_the_source_labels_in_order() {
    lesson_kit::assert_points_in_source_order("send-none");
}
