//! Lesson `busy-driver`: the `while True: coro.send(None)` driver. A busy-polling executor
//! polls every task every round, woken or not; a waker-driven one polls a task only when
//! something has woken it.

use super::{Env, Lesson, ProgramError};
use crate::executor::{Executor, yield_now};
use crate::{AtExt, say};
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
// pollscope:begin
/// "The worker is done", shared by the two tasks (both run on the executor's thread).
#[derive(Default)]
struct Signal {
    done: Cell<bool>,
    waiter: Cell<Option<Waker>>,
}

impl Signal {
    fn fire(&self) {
        self.done.set(true);
        if let Some(waker) = self.waiter.take() {
            waker.wake();
        }
    }
}

/// Ready once the signal has fired.
struct WaitFor {
    signal: Rc<Signal>,
}

impl Future for WaitFor {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.signal.done.get() {
            return Poll::Ready(());
        }
        // Every poll that prints this and returns `Pending` found nothing new.
        say!("waiter: not done yet");
        self.signal.waiter.set(Some(cx.waker().clone()));
        Poll::Pending
    }
}

async fn waiter(signal: Rc<Signal>) -> &'static str {
    WaitFor { signal }.at("WaitFor").await;
    say!("waiter: the worker is done");
    "done"
}

async fn worker(signal: Rc<Signal>) -> u32 {
    for step in 1..=3 {
        say!("worker: step {step}");
        // Returns `Pending` once, after asking to be polled again: `await asyncio.sleep(0)`.
        yield_now().at("YieldNow").await;
    }
    // The only wake the waiter ever gets.
    signal.fire();
    3
}

fn build(ex: &mut Executor, _env: &Env) -> Result<(), ProgramError> {
    let signal = Rc::new(Signal::default());
    ex.spawn("waiter", waiter(Rc::clone(&signal)));
    ex.spawn("worker", worker(signal));
    Ok(())
}
// pollscope:end
pub(super) const LESSON: Lesson = Lesson {
    id: "busy-driver",
    title: "The busy driver: polling whether or not anything changed",
    experiment: "6",
    explanation: "Python's simplest driver is `while True: coro.send(None)`: it resumes the \
        coroutine again and again until `StopIteration`, whether or not anything it waits for \
        has changed. Run this lesson with the busy-poll policy and the executor does the \
        same: it polls the waiter every round while the worker is still stepping, and each \
        of those polls just says \"not done yet\" and returns `Pending` (a wasted poll). \
        Under the waker policy the waiter is polled once, leaves its waker in the signal, \
        and is polled again only when the worker fires the signal and wakes it.",
    expected: "waker: waiter polled 2 times, 0 wasted; busy: waiter polled 5 times, 3 wasted; \
        both complete with the waiter's value \"done\"",
    source: include_str!("busy_driver.rs"),
    file: file!(),
    python: include_str!("../../assets/python/busy_driver.py"),
    points: &["WaitFor", "YieldNow"],
    stalls: false,
    fetches: false,
    build,
};
