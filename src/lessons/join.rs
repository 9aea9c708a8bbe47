//! Lesson `join`: two futures awaited one after the other run one after the other; the
//! same two polled together by a hand-written `Join2` take turns inside every poll.

use super::{Env, Lesson, ProgramError};
use crate::executor::{Executor, yield_now};
use crate::{AtExt, say};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
// pollscope:begin
/// Some work done in steps, stepping aside after each one.
async fn work(name: &'static str, steps: u32) -> u32 {
    for step in 1..=steps {
        say!("{name}: step {step}");
        // Returns `Pending` once, after asking to be polled again: `await asyncio.sleep(0)`.
        yield_now().at("YieldNow").await;
    }
    steps
}

/// Polls both futures on every poll until both have finished.
struct Join2<A: Future, B: Future> {
    a: Pin<Box<A>>,
    b: Pin<Box<B>>,
    a_out: Option<A::Output>,
    b_out: Option<B::Output>,
}

// The futures stay pinned inside their boxes, so `Join2` itself may move.
impl<A: Future, B: Future> Unpin for Join2<A, B> {}

impl<A: Future, B: Future> Join2<A, B> {
    fn new(a: A, b: B) -> Self {
        Join2 {
            a: Box::pin(a),
            b: Box::pin(b),
            a_out: None,
            b_out: None,
        }
    }
}

impl<A: Future, B: Future> Future for Join2<A, B> {
    type Output = (A::Output, B::Output);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        // Both get a turn in this one poll: that is the whole trick.
        if this.a_out.is_none()
            && let Poll::Ready(out) = this.a.as_mut().poll(cx)
        {
            this.a_out = Some(out);
        }
        if this.b_out.is_none()
            && let Poll::Ready(out) = this.b.as_mut().poll(cx)
        {
            this.b_out = Some(out);
        }
        match (this.a_out.take(), this.b_out.take()) {
            (Some(a), Some(b)) => Poll::Ready((a, b)),
            // One is still working, and it has arranged its own wake: keep what is done.
            (a, b) => {
                this.a_out = a;
                this.b_out = b;
                Poll::Pending
            }
        }
    }
}

async fn one_by_one() -> (u32, u32) {
    // `b` is not even started until `a` has finished.
    let a = work("a", 2).at("work(a)").await;
    let b = work("b", 2).at("work(b)").await;
    (a, b)
}

async fn together() -> (u32, u32) {
    let both = Join2::new(work("c", 2), work("d", 2));
    both.at("join(c, d)").await
}

fn build(ex: &mut Executor, _env: &Env) -> Result<(), ProgramError> {
    ex.spawn("one by one", one_by_one());
    ex.spawn("together", together());
    Ok(())
}
// pollscope:end
pub(super) const LESSON: Lesson = Lesson {
    id: "join",
    title: "Join: two futures in one task, taking turns",
    experiment: "extra",
    explanation: "Task \"one by one\" awaits `work(a)` and then `work(b)`: `b` is an unstarted \
        future until `a` is done, so its lines come out a, a, b, b and the task needs five \
        polls. Task \"together\" hands both futures to `Join2`, whose `poll` polls each \
        unfinished one in turn, so c and d step alternately and the task needs three polls. \
        It behaves like `asyncio.gather`, except that gather wraps each coroutine in a task \
        of its own, while here both futures live inside one task, with no threads, and make \
        progress only while that task is being polled. So in Python c and d start a loop \
        round later, and the two tasks interleave differently (a, a, c, d, b, c, d, b), \
        each in its own order as here.",
    expected: "both policies: \"one by one\" 5 polls, says a a b b; \"together\" 3 polls, \
        says c d c d; both values (2, 2)",
    source: include_str!("join.rs"),
    file: file!(),
    python: include_str!("../../assets/python/join.py"),
    points: &["YieldNow", "work(a)", "work(b)", "join(c, d)"],
    stalls: false,
    fetches: false,
    build,
};
