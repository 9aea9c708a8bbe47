//! Lesson `lazy`: calling an `async fn` runs nothing; its body runs at the first poll.

use super::{Env, Lesson, ProgramError};
use crate::executor::Executor;
use crate::say;
// pollscope:begin
async fn hello() -> u32 {
    say!("hello from inside the async function");
    5
}

fn build(ex: &mut Executor, _env: &Env) -> Result<(), ProgramError> {
    // The body of `hello` does not run here: calling it only builds a future.
    let future = hello();
    ex.spawn("hello", future);
    Ok(())
}
// pollscope:end
pub(super) const LESSON: Lesson = Lesson {
    id: "lazy",
    title: "Calling an async fn runs nothing",
    experiment: "1-2",
    explanation: "Calling `hello()` builds a future, a value that holds the function's body \
        without running it: no line is said when the task is spawned. The body runs only \
        when the executor first calls `poll`. Because `hello` never waits for anything, that \
        first poll runs it to the end and returns `Poll::Ready(5)`, the way Python's \
        `coro.send(None)` raises `StopIteration(5)`.",
    expected: "one poll; the say-line appears after the first poll_start; value 5",
    source: include_str!("lazy.rs"),
    file: file!(),
    python: include_str!("../../assets/python/lazy.py"),
    points: &[],
    stalls: false,
    fetches: false,
    build,
};
