//! Lesson `await-chain`: `outer` awaits `middle` awaits `inner` awaits `Leaf`. The leaf's
//! `Pending` travels up through every `.await` to the executor, and the next poll goes
//! back down the same chain.

use super::{Env, Lesson, ProgramError};
use crate::executor::Executor;
use crate::{AtExt, say};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
// pollscope:begin
async fn outer() -> u32 {
    say!("outer: awaiting middle");
    let value = middle().at("middle()").await;
    say!("outer: middle gave {value}");
    value + 1
}

async fn middle() -> u32 {
    say!("middle: awaiting inner");
    let value = inner().at("inner()").await;
    say!("middle: inner gave {value}");
    value + 1
}

async fn inner() -> u32 {
    say!("inner: awaiting Leaf");
    let value = Leaf { yielded: false }.at("Leaf").await;
    say!("inner: Leaf gave {value}");
    value + 1
}

/// The only future here written by hand: `Pending` once, then `Ready(1)`.
struct Leaf {
    yielded: bool,
}

impl Future for Leaf {
    type Output = u32;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        if self.yielded {
            say!("Leaf: ready with 1");
            return Poll::Ready(1);
        }
        self.yielded = true;
        say!("Leaf: not ready; the whole chain suspends");
        // Every `.await` above just passes this `Pending` on, up to the executor.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

fn build(ex: &mut Executor, _env: &Env) -> Result<(), ProgramError> {
    // The outermost point: the task itself is `outer()`.
    ex.spawn("outer", outer().at("outer()"));
    Ok(())
}
// pollscope:end
pub(super) const LESSON: Lesson = Lesson {
    id: "await-chain",
    title: "Pending travels up a chain of awaits",
    experiment: "5",
    explanation: "Each `async fn` compiles to a future whose `poll` polls the future it is \
        awaiting. The first poll runs down the chain outer, middle, inner to `Leaf`, which \
        wakes its task and returns `Pending`; each `.await` above it returns that `Pending` \
        at once, so it reaches the executor, like a value yielded from the innermost \
        `__await__` reaching whoever called `send`. While suspended, the task's await chain \
        is outer() > middle() > inner() > Leaf. The second poll goes down the same chain, \
        resuming each function exactly where it stopped (no \"awaiting\" line is said again), \
        and the values come back up: 1, 2, 3, 4.",
    expected: "both policies: two polls, one self-wake; suspended at outer() > middle() > \
        inner() > Leaf after the first; value 4",
    source: include_str!("await_chain.rs"),
    file: file!(),
    python: include_str!("../../assets/python/await_chain.py"),
    points: &["middle()", "inner()", "Leaf", "outer()"],
    stalls: false,
    fetches: false,
    build,
};
