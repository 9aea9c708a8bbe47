//! `blocking-sleep`: a `thread::sleep` inside a poll holds the executor's thread for at
//! least 300 ms; no other task is polled until it returns.

#![cfg(feature = "lessons")]

mod lesson_kit;

use lesson_kit::run;
use pollscope::executor::{Outcome, Policy, Step};
use pollscope::trace::{EventKind, TaskId};

const TICKER_A: u32 = 0;
const SLEEPER: u32 = 1;
const TICKER_B: u32 = 2;
const NAP_NS: u64 = 300_000_000;
/// The least a 300 ms nap can measure on the trace's clock: the TSC at the rate quanta
/// calibrated at start-up, which on a loaded machine can be off by a few hundred ppm
/// (0.1 % is 300 µs).
const NAP_MEASURED_NS: u64 = NAP_NS - NAP_NS / 1_000;

#[test]
fn the_sleepers_poll_freezes_both_tickers() {
    for policy in [Policy::WakerDriven, Policy::BusyPoll] {
        let r = run("blocking-sleep", policy);
        let order: Vec<_> = r.polls().iter().map(|p| p.task.0).collect();
        assert_eq!(
            order,
            [
                TICKER_A, SLEEPER, TICKER_B, TICKER_A, TICKER_B, TICKER_A, TICKER_B
            ],
            "{policy:?}"
        );
        assert_eq!(r.last_step(), &Step::Done);
        assert_eq!(
            r.said(),
            [
                (TICKER_A, "ticker a: tick 1"),
                (
                    SLEEPER,
                    "sleeper: sleeping 300 ms without giving up the thread"
                ),
                (SLEEPER, "sleeper: awake again"),
                (TICKER_B, "ticker b: tick 1"),
                (TICKER_A, "ticker a: tick 2"),
                (TICKER_B, "ticker b: tick 2"),
            ],
            "{policy:?}"
        );

        // One long poll that never suspends: the blocking point is entered and left inside it.
        let sleeper_poll = r.polls()[1];
        assert_eq!(sleeper_poll.task.0, SLEEPER);
        assert_eq!(
            sleeper_poll.outcome,
            Outcome::Ready {
                value: "\"slept\"".into()
            }
        );
        assert!(
            sleeper_poll.poll_ns >= NAP_MEASURED_NS,
            "{}",
            sleeper_poll.poll_ns
        );
        assert_eq!(r.counts(SLEEPER), (1, 0, 0));
        assert!(r.task(SLEEPER).poll_ns >= NAP_MEASURED_NS);

        let events = &r.trace().events;
        let start = sleeper_poll.seq;
        let end = start
            + events[start..]
                .iter()
                .position(|e| matches!(e.kind, EventKind::PollEnd { .. }))
                .unwrap();
        assert!(events[end].t_ns - events[start].t_ns >= NAP_MEASURED_NS);
        // Nothing of any other task happened during that poll.
        assert!(
            events[start..=end]
                .iter()
                .all(|e| e.task == TaskId(SLEEPER))
        );
        // Ticker b was ready from the start, yet its first poll waited out the whole nap.
        let b_first = r.polls()[2];
        assert_eq!(b_first.task.0, TICKER_B);
        assert!(events[b_first.seq].t_ns - events[start].t_ns >= NAP_MEASURED_NS);

        for ticker in [TICKER_A, TICKER_B] {
            assert_eq!(r.counts(ticker), (3, 2, 0), "{policy:?}");
            assert_eq!(r.value(ticker), Some("2"));
        }
        r.assert_points_match_declared();
    }
}

#[test]
fn declared_points_are_the_source_labels_in_order() {
    lesson_kit::assert_points_in_source_order("blocking-sleep");
}
