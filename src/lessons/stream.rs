//! Lesson `stream`: an async generator in Rust terms. A stream is polled for its next
//! item again and again; between items it may return `Pending`, like a future.

use super::{Env, Lesson, ProgramError};
use crate::executor::Executor;
use crate::{AtExt, say};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
// pollscope:begin
/// Several values over time: `Ready(Some(item))` per item, `Ready(None)` at the end.
/// (The `futures` crate has the same trait; it is written out here to show all of it.)
trait Stream {
    type Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>>;

    /// A future for the next item, so a stream can be read with `.await`.
    fn next(&mut self) -> Next<'_, Self>
    where
        Self: Unpin + Sized,
    {
        Next { stream: self }
    }
}

/// The future returned by [`Stream::next`]: one `poll_next` per poll.
struct Next<'a, S> {
    stream: &'a mut S,
}

impl<S: Stream + Unpin> Future for Next<'_, S> {
    type Output = Option<S::Item>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut *self.stream).poll_next(cx)
    }
}

/// Yields 1, 2, 3, returning `Pending` (after waking its task) before each item.
struct Numbers {
    next: u32,
    last: u32,
    /// True when the previous poll returned `Pending`: the item is ready now.
    waited: bool,
}

impl Stream for Numbers {
    type Item = u32;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u32>> {
        if self.next > self.last {
            say!("numbers: no more items");
            return Poll::Ready(None);
        }
        if !self.waited {
            self.waited = true;
            say!("numbers: {} is not ready yet", self.next);
            // Pretend the item takes a moment: come back for it on the next poll.
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.waited = false;
        let item = self.next;
        self.next += 1;
        Poll::Ready(Some(item))
    }
}

async fn sum_numbers() -> u32 {
    let mut numbers = Numbers {
        next: 1,
        last: 3,
        waited: false,
    };
    let mut sum = 0;
    // Python: `async for n in numbers():`
    while let Some(n) = numbers.next().at("numbers.next()").await {
        say!("got {n}");
        sum += n;
    }
    sum
}

fn build(ex: &mut Executor, _env: &Env) -> Result<(), ProgramError> {
    ex.spawn("sum", sum_numbers());
    Ok(())
}
// pollscope:end
pub(super) const LESSON: Lesson = Lesson {
    id: "stream",
    title: "A stream: an async generator polled item by item",
    experiment: "10",
    explanation: "A future produces one value; a stream produces several over time, which is \
        what a Python async generator does. Its `poll_next` returns `Ready(Some(item))` for \
        each item, `Ready(None)` at the end, or `Pending` when the next item is not there \
        yet. `numbers.next()` wraps one `poll_next` in a future so the loop can `.await` it, \
        the way `async for` calls `__anext__` each time round. Here each item first costs a \
        `Pending` (with a self-wake), so the task is polled once per item plus once more to \
        find the end, and adds 1 + 2 + 3.",
    expected: "both policies: 4 polls, 3 self-wakes, none wasted; value 6",
    source: include_str!("stream.rs"),
    file: file!(),
    python: include_str!("../../assets/python/stream.py"),
    points: &["numbers.next()"],
    stalls: false,
    fetches: false,
    build,
};
