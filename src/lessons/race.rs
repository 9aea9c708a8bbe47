//! Lesson `race`: a hand-written `select`. `Race` polls two futures, returns the first
//! result and drops the other one mid-work.

use super::{Env, Lesson, ProgramError};
use crate::executor::Executor;
use crate::{AtExt, say};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
// pollscope:begin
/// Work done one step per poll. Says so when it is dropped before it finished.
struct Work {
    name: &'static str,
    steps: u32,
    done: u32,
}

impl Future for Work {
    type Output = &'static str;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<&'static str> {
        self.done += 1;
        say!("{}: step {} of {}", self.name, self.done, self.steps);
        if self.done == self.steps {
            return Poll::Ready(self.name);
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl Drop for Work {
    fn drop(&mut self) {
        if self.done < self.steps {
            say!(
                "{}: dropped after {} of {} steps; the rest never runs",
                self.name,
                self.done,
                self.steps
            );
        }
    }
}

/// Polls `a`, then `b`; the first to be ready wins and the other is dropped.
struct Race<A, B> {
    a: Option<Pin<Box<A>>>,
    b: Option<Pin<Box<B>>>,
}

impl<A, B> Race<A, B> {
    fn new(a: A, b: B) -> Self {
        Race {
            a: Some(Box::pin(a)),
            b: Some(Box::pin(b)),
        }
    }
}

impl<T, A, B> Future for Race<A, B>
where
    A: Future<Output = T>,
    B: Future<Output = T>,
{
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        // `a` is always polled first: on a tie, `a` wins (tokio's `select!` picks at random).
        if let Some(a) = self.a.as_mut()
            && let Poll::Ready(out) = a.as_mut().poll(cx)
        {
            self.b = None; // the loser is dropped here: this is its cancellation
            return Poll::Ready(out);
        }
        if let Some(b) = self.b.as_mut()
            && let Poll::Ready(out) = b.as_mut().poll(cx)
        {
            self.a = None;
            return Poll::Ready(out);
        }
        Poll::Pending
    }
}

async fn referee() -> &'static str {
    let fast = Work {
        name: "fast",
        steps: 2,
        done: 0,
    };
    let slow = Work {
        name: "slow",
        steps: 4,
        done: 0,
    };
    let winner = Race::new(fast, slow).at("race(fast, slow)").await;
    say!("referee: {winner} won");
    winner
}

fn build(ex: &mut Executor, _env: &Env) -> Result<(), ProgramError> {
    ex.spawn("referee", referee());
    Ok(())
}
// pollscope:end
pub(super) const LESSON: Lesson = Lesson {
    id: "race",
    title: "Race: first result wins, the loser is dropped",
    experiment: "extra",
    explanation: "`Race` owns two futures and polls both on each poll of its task. On the \
        second poll `fast` finishes its last step and returns `Ready`; `Race` returns its \
        value and drops `slow`, which has done one of its four steps. Dropping a future is \
        how Rust cancels it: nothing is raised inside it, it is simply never polled again, \
        and its `Drop` runs (here it says so). Python's nearest equivalent is \
        `asyncio.wait(..., return_when=FIRST_COMPLETED)` followed by `task.cancel()`, which \
        instead throws `CancelledError` into the loser at its `await`; the loser, a task of \
        its own, keeps stepping until then, so Python says \"slow: cancelled after\" a few \
        more steps.",
    expected: "both policies: 2 polls, 2 self-wakes; slow says it was dropped after 1 of 4 \
        steps; value \"fast\"",
    source: include_str!("race.rs"),
    file: file!(),
    python: include_str!("../../assets/python/race.py"),
    points: &["race(fast, slow)"],
    stalls: false,
    fetches: false,
    build,
};
