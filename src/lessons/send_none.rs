//! Lesson `send-none`: `poll` takes no value. Input reaches a future through its own
//! fields (set when it is created) or through shared state another task fills in.

use super::{Env, Lesson, ProgramError};
use crate::executor::Executor;
use crate::{AtExt, say};
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
// pollscope:begin
/// A one-value mailbox shared by two tasks. `Rc` and `Cell` suffice: every task of this
/// executor runs on one thread.
#[derive(Default)]
struct Mailbox {
    value: Cell<Option<u32>>,
    /// The waker of the task waiting for a value, so `put` can tell it to come back.
    waiting: Cell<Option<Waker>>,
}

impl Mailbox {
    fn put(&self, value: u32) {
        self.value.set(Some(value));
        if let Some(waker) = self.waiting.take() {
            waker.wake();
        }
    }

    fn take(self: &Rc<Self>) -> Take {
        Take {
            mailbox: Rc::clone(self),
        }
    }
}

/// Waits until the mailbox holds a value, then takes it out.
struct Take {
    mailbox: Rc<Mailbox>,
}

impl Future for Take {
    type Output = u32;

    // No parameter for a value: `poll` gets only the future itself and a `Context`
    // (which carries the waker). Whatever the future needs must already be reachable
    // from `self`, here through the shared mailbox.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        match self.mailbox.value.take() {
            Some(value) => Poll::Ready(value),
            None => {
                // Leave our waker in the mailbox: whoever puts a value in wakes us.
                self.mailbox.waiting.set(Some(cx.waker().clone()));
                Poll::Pending
            }
        }
    }
}

// `factor` is stored in the future when `receiver(..)` is called: input by field.
async fn receiver(mailbox: Rc<Mailbox>, factor: u32) -> u32 {
    say!("receiver: poll() cannot hand me a value, so I look in the mailbox");
    let value = mailbox.take().at("mailbox.take()").await;
    say!("receiver: got {value} from the mailbox");
    value * factor
}

async fn sender(mailbox: Rc<Mailbox>) {
    say!("sender: putting 21 in the mailbox");
    mailbox.put(21);
}

fn build(ex: &mut Executor, _env: &Env) -> Result<(), ProgramError> {
    let mailbox = Rc::new(Mailbox::default());
    ex.spawn("receiver", receiver(Rc::clone(&mailbox), 2));
    ex.spawn("sender", sender(mailbox));
    Ok(())
}
// pollscope:end
pub(super) const LESSON: Lesson = Lesson {
    id: "send-none",
    title: "poll takes no value: input goes in through fields and shared state",
    experiment: "3",
    explanation: "In Python, `coro.send(42)` on a coroutine that has not started raises \
        `TypeError: can't send non-None value to a just-started coroutine`, and later sends \
        are how values get in. Rust's `poll` has no value parameter at all: it receives only \
        the future and a `Context` holding the task's waker. So a future gets its input \
        either when it is created (`factor` is stored inside the `receiver` future) or from \
        shared state: here `Take` finds the mailbox empty, leaves its waker there and returns \
        `Pending`; the sender task puts 21 in and wakes it, and the next poll takes 21 out.",
    expected: "both policies: receiver polled twice, woken once by the sender; value 42",
    source: include_str!("send_none.rs"),
    file: file!(),
    python: include_str!("../../assets/python/send_none.py"),
    points: &["mailbox.take()"],
    stalls: false,
    fetches: false,
    build,
};
