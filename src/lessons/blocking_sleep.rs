//! Lesson `blocking-sleep`: `std::thread::sleep` inside async code blocks the one thread
//! every task runs on, so no other task can run until it returns.

use super::{Env, Lesson, ProgramError};
use crate::executor::{Executor, yield_now};
use crate::{AtExt, say};
use std::time::Duration;
// pollscope:begin
const NAP: Duration = Duration::from_millis(300);

async fn ticker(name: &'static str) -> u32 {
    for tick in 1..=2 {
        say!("{name}: tick {tick}");
        // Returns `Pending` once, after asking to be polled again: `await asyncio.sleep(0)`.
        yield_now().at("YieldNow").await;
    }
    2
}

// An `async fn` that never awaits anything: it cannot return `Pending`, so the
// executor gets its thread back only when the sleep is over.
async fn blocking_nap() {
    std::thread::sleep(NAP); // blocks the executor's thread: every task freezes
}

async fn sleeper() -> &'static str {
    say!(
        "sleeper: sleeping {} ms without giving up the thread",
        NAP.as_millis()
    );
    blocking_nap().at("blocking_nap()").await;
    say!("sleeper: awake again");
    "slept"
}

fn build(ex: &mut Executor, _env: &Env) -> Result<(), ProgramError> {
    ex.spawn("ticker a", ticker("ticker a"));
    ex.spawn("sleeper", sleeper());
    ex.spawn("ticker b", ticker("ticker b"));
    Ok(())
}
// pollscope:end
pub(super) const LESSON: Lesson = Lesson {
    id: "blocking-sleep",
    title: "A blocking sleep inside poll freezes every task",
    experiment: "teaching point",
    explanation: "All tasks share the executor's one thread, and a task gives it back only \
        when its `poll` returns. `std::thread::sleep` does not return `Pending`: it blocks \
        the thread, so the sleeper's poll lasts 300 ms and neither ticker can be polled \
        meanwhile, although both were ready. It is Python's `time.sleep` inside a coroutine \
        instead of `await asyncio.sleep`. An async sleep would return `Pending` and have a \
        timer wake the task later, leaving the thread free for the tickers in between.",
    expected: "both policies: the sleeper's single poll takes at least 300 ms; ticker b's \
        first tick comes only after it ends; all three complete",
    source: include_str!("blocking_sleep.rs"),
    file: file!(),
    python: include_str!("../../assets/python/blocking_sleep.py"),
    points: &["YieldNow", "blocking_nap()"],
    stalls: false,
    fetches: false,
    build,
};
