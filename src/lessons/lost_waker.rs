//! Lesson `lost-waker`: a future returns `Pending` without arranging a wake. A waker-driven
//! executor never polls it again and reports the stall; busy polling hides the bug.

use super::{Env, Lesson, ProgramError};
use crate::executor::Executor;
use crate::{AtExt, say};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
// pollscope:begin
/// Ready on its fourth poll. The bug: it never touches `cx.waker()`.
struct NotYet {
    polls_left: u32,
}

impl Future for NotYet {
    type Output = u32;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<u32> {
        if self.polls_left == 0 {
            say!("NotYet: ready");
            return Poll::Ready(7);
        }
        self.polls_left -= 1;
        say!("NotYet: not ready");
        // No wake arranged: only busy polling will ever come back.
        Poll::Pending
    }
}

async fn forgetful() -> u32 {
    let value = NotYet { polls_left: 3 }.at("NotYet").await;
    say!("forgetful: got {value}");
    value
}

fn build(ex: &mut Executor, _env: &Env) -> Result<(), ProgramError> {
    ex.spawn("forgetful", forgetful());
    Ok(())
}
// pollscope:end
pub(super) const LESSON: Lesson = Lesson {
    id: "lost-waker",
    title: "Pending without a wake: the lost wake-up",
    experiment: "teaching point",
    explanation: "Returning `Pending` is a promise: \"I have arranged for my task to be woken \
        when I can make progress\", by calling the waker now or by handing a clone of it to \
        whoever will finish the work. `NotYet` breaks it: it returns `Pending` and keeps no \
        waker. Under the waker policy nobody is left who could wake the task, so after one \
        poll the executor reports \"stalled: no task can be woken\", where an asyncio task \
        awaiting a future that nobody will ever resolve would wait forever. Under busy polling the task is polled again anyway and completes, so \
        the bug stays hidden and costs two wasted polls.",
    expected: "waker: stalled after 1 poll, task suspended at NotYet; busy: 4 polls, 2 \
        wasted, value 7",
    source: include_str!("lost_waker.rs"),
    file: file!(),
    python: include_str!("../../assets/python/lost_waker.py"),
    points: &["NotYet"],
    stalls: true,
    fetches: false,
    build,
};
