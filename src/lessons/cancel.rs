//! Lesson `cancel`: cancelling a future means dropping it. It is polled once, suspends, and
//! is dropped instead of being polled again: the code after its `.await` never runs.

use super::{Env, Lesson, ProgramError};
use crate::executor::{Executor, yield_now};
use crate::{AtExt, say};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
// pollscope:begin
/// Says "cancelled" if it is dropped while still armed.
struct CancelAlarm {
    armed: bool,
}

impl Drop for CancelAlarm {
    fn drop(&mut self) {
        if self.armed {
            say!("download: cancelled while suspended");
        }
    }
}

async fn download() -> u32 {
    // A local of the future: dropping the future drops it, and its `Drop` runs.
    let mut alarm = CancelAlarm { armed: true };
    say!("download: started");
    // Returns `Pending` once, after asking to be polled again: `await asyncio.sleep(0)`.
    yield_now().at("YieldNow").await;
    say!("download: finished"); // never runs: nobody polls this future again
    alarm.armed = false;
    42
}

/// Polls a future exactly once.
struct PollOnce<'a, F> {
    future: Pin<&'a mut F>,
}

fn poll_once<F: Future>(future: Pin<&mut F>) -> PollOnce<'_, F> {
    PollOnce { future }
}

impl<F: Future> Future for PollOnce<'_, F> {
    /// `Some(output)` if it finished in that poll, `None` if it suspended.
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.future.as_mut().poll(cx) {
            Poll::Ready(out) => Poll::Ready(Some(out)),
            // Instead of passing `Pending` up, report it and let the caller decide.
            Poll::Pending => Poll::Ready(None),
        }
    }
}

async fn caller() -> Option<u32> {
    let mut download = Box::pin(download());
    let first_try = poll_once(download.as_mut()).at("poll_once(download)").await;
    if first_try.is_none() {
        say!("caller: the download is suspended; cancelling it");
    }
    drop(download); // Rust's cancel: no exception, the future just stops existing
    say!("caller: moved on");
    first_try
}

fn build(ex: &mut Executor, _env: &Env) -> Result<(), ProgramError> {
    ex.spawn("caller", caller());
    Ok(())
}
// pollscope:end
pub(super) const LESSON: Lesson = Lesson {
    id: "cancel",
    title: "Cancelling a future is dropping it",
    experiment: "extra",
    explanation: "`caller` polls the `download` future exactly once: it says \"started\" and \
        suspends at `YieldNow`. Then, instead of awaiting it again, `caller` drops it. A \
        future runs only while it is polled, so dropping it is all it takes to cancel it: \
        its suspended body never resumes, so \"download: finished\" is never said, and its \
        locals are dropped, which is where the \"cancelled\" line comes from. Python's \
        `task.cancel()` works differently: it throws `CancelledError` into the coroutine at \
        its `await`, and the coroutine may catch it and keep running.",
    expected: "both policies: one poll; \"download: cancelled while suspended\" said, \
        \"download: finished\" never; value None",
    source: include_str!("cancel.rs"),
    file: file!(),
    python: include_str!("../../assets/python/cancel.py"),
    points: &["YieldNow", "poll_once(download)"],
    stalls: false,
    fetches: false,
    build,
};
