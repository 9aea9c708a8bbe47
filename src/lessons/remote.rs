//! Lesson `remote`: a hand-written future returns `Pending` once, then `Ready(5)`.

use super::{Env, Lesson, ProgramError};
use crate::executor::Executor;
use crate::{AtExt, say};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
// pollscope:begin
struct Remote {
    yielded: bool,
}

impl Future for Remote {
    type Output = u32;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        if self.yielded {
            return Poll::Ready(5);
        }
        self.yielded = true;
        // Ask to be polled again, then hand `Pending` up to the executor.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

async fn outer() -> u32 {
    let value = Remote { yielded: false }.at("Remote").await;
    say!("Remote gave {value}");
    value * 5
}

fn build(ex: &mut Executor, _env: &Env) -> Result<(), ProgramError> {
    ex.spawn("outer", outer());
    Ok(())
}
// pollscope:end
pub(super) const LESSON: Lesson = Lesson {
    id: "remote",
    title: "A hand-written future: Pending once, then Ready",
    experiment: "5",
    explanation: "`Remote` is a future written by hand. Its first poll wakes its own task and \
        returns `Pending`; that `Pending` does not go to `outer`, which is merely suspended \
        at `.await`, but all the way up to the executor, just as the value an `__await__` \
        yields goes to whoever calls `send`, not to the coroutine that awaited. Because the \
        task woke itself, the executor polls it again: `Remote` returns `Ready(5)` and \
        `outer` continues and returns 25.",
    expected: "exactly two polls; one wake, by the task itself; value 25",
    source: include_str!("remote.rs"),
    file: file!(),
    python: include_str!("../../assets/python/remote.py"),
    points: &["Remote"],
    stalls: false,
    fetches: false,
    build,
};
