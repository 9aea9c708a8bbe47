//! Busy polling polls every unfinished task round-robin and counts the wasted polls exactly.

use pollscope::executor::{Executor, Outcome, Policy, Step};
use pollscope::trace::{History, TaskId};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Returns `Pending` `n` times without arranging any wake, then `Ready`.
struct NoWake(u32);

impl Future for NoWake {
    type Output = u32;
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<u32> {
        if self.0 == 0 {
            return Poll::Ready(7);
        }
        self.0 -= 1;
        Poll::Pending
    }
}

/// Wakes itself and returns `Pending` once, then `Ready`.
struct SelfWake(bool);

impl Future for SelfWake {
    type Output = u32;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        if self.0 {
            return Poll::Ready(1);
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[test]
fn round_robin_order_and_exact_wasted_counts() {
    let mut ex = Executor::new(Policy::BusyPoll);
    ex.spawn("a", NoWake(3));
    ex.spawn("b", SelfWake(false));
    let mut order = Vec::new();
    while let Step::Polled(p) = ex.step() {
        let ready = matches!(p.outcome, Outcome::Ready { .. });
        order.push((p.task.0, ready, p.wasted));
    }
    assert_eq!(
        order,
        [
            (0, false, false), // a: first poll is never wasted
            (1, false, false), // b: first poll, wakes itself
            (0, false, true),  // a: nobody woke it
            (1, true, false),  // b: woken, completes
            (0, false, true),  // a: wasted again
            (0, true, false),  // a: completes; a Ready poll is not wasted
        ]
    );
    let timeline = History::from_trace(ex.snapshot());
    let a = timeline.live().task(TaskId(0)).unwrap();
    let b = timeline.live().task(TaskId(1)).unwrap();
    assert_eq!((a.polls, a.wasted, a.wakes), (4, 2, 0));
    assert_eq!((b.polls, b.wasted, b.wakes), (2, 0, 1));
}

#[test]
fn the_waker_policy_never_polls_a_task_nobody_woke() {
    let mut ex = Executor::new(Policy::WakerDriven);
    ex.spawn("a", NoWake(3));
    let first = ex.step();
    assert!(matches!(
        first.polled().unwrap().outcome,
        Outcome::Pending { .. }
    ));
    // Nothing holds its waker: the executor knows nothing can ever wake it.
    assert_eq!(ex.step(), Step::Stalled);
    let timeline = History::from_trace(ex.snapshot());
    let a = timeline.live().task(TaskId(0)).unwrap();
    assert_eq!((a.polls, a.wasted), (1, 0));
}
