//! Several wakes before a poll schedule the task once; every wake is still recorded.

use pollscope::executor::{Executor, Policy, Step};
use pollscope::trace::{EventKind, History, TaskId, TaskState, WakeSource};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Wakes itself three times in its first poll, then is ready on the second.
struct TripleWake(bool);

impl Future for TripleWake {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        for _ in 0..3 {
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

#[test]
fn three_wakes_one_poll() {
    let mut ex = Executor::new(Policy::WakerDriven);
    ex.spawn("t", TripleWake(false));
    let (stop, polls) = ex.run_until_stalled();
    assert_eq!((stop, polls), (Step::Done, 2));
    let trace = ex.snapshot();
    let wakes = trace
        .events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::Wake {
                    by: WakeSource::SelfWake
                }
            )
        })
        .count();
    assert_eq!(wakes, 3);
    let state = History::from_trace(trace);
    let t = state.live().task(TaskId(0)).unwrap();
    assert_eq!((t.polls, t.wakes), (2, 3));
}

#[test]
fn an_external_wake_schedules_a_suspended_task_once() {
    let slot = std::rc::Rc::new(std::cell::RefCell::new(None));
    let stored = slot.clone();
    let mut ex = Executor::new(Policy::WakerDriven);
    let mut first = true;
    ex.spawn(
        "waiter",
        std::future::poll_fn(move |cx| {
            if first {
                first = false;
                *stored.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        }),
    );
    assert!(ex.step().polled().is_some());
    // The waker is held by `slot`, so the executor is idle, not stalled.
    assert_eq!(ex.step(), Step::Idle);
    let waker = slot.borrow_mut().take().unwrap();
    waker.wake_by_ref();
    waker.wake_by_ref();
    let timeline = History::from_trace(ex.snapshot());
    assert_eq!(
        timeline.live().task(TaskId(0)).unwrap().state,
        TaskState::Scheduled
    );
    assert!(ex.step().polled().is_some());
    drop(waker);
    assert_eq!(ex.step(), Step::Done);
    let trace = ex.snapshot();
    let sources: Vec<_> = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Wake { by } => Some(by),
            _ => None,
        })
        .collect();
    assert_eq!(sources, [WakeSource::External, WakeSource::External]);
}
