//! Lesson `reuse`: a finished `async fn` future cannot be polled again.

use super::{Env, Lesson, ProgramError};
use crate::executor::Executor;
use crate::{AtExt, say};
// pollscope:begin
async fn five() -> u32 {
    say!("five() runs");
    5
}

async fn reuse() -> u32 {
    let mut future = Box::pin(five());
    let value = (&mut future).at("future.await").await;
    say!("got {value}; awaiting the same five() again");
    // The state machine is in its "returned" state: polling it again panics.
    (&mut future).at("future.await again").await
}

fn build(ex: &mut Executor, _env: &Env) -> Result<(), ProgramError> {
    ex.spawn("reuse", reuse());
    ex.spawn("bystander", async {
        say!("bystander: still running after the reuse failed");
        "alive"
    });
    Ok(())
}
// pollscope:end
pub(super) const LESSON: Lesson = Lesson {
    id: "reuse",
    title: "A finished future cannot be driven again",
    experiment: "4",
    explanation: "An `async fn` compiles to a state machine with a final \"returned\" state. \
        The task awaits `five()` once and gets 5; then it awaits the very same future again. \
        Polling a state machine that has already returned panics with \"`async fn` resumed \
        after completion\", Rust's counterpart of Python's \"RuntimeError: cannot reuse already \
        awaited coroutine\". The executor catches the panic, marks that task panicked and \
        goes on polling the other task.",
    expected: "task reuse panicked (`async fn` resumed after completion); bystander completed",
    source: include_str!("reuse.rs"),
    file: file!(),
    python: include_str!("../../assets/python/reuse.py"),
    points: &["future.await", "future.await again"],
    stalls: false,
    fetches: false,
    build,
};
