//! Lesson `event-loop`: three tasks on one thread take turns. Each says a line and steps
//! aside; the executor polls the next task, so their lines interleave.

use super::{Env, Lesson, ProgramError};
use crate::executor::{Executor, yield_now};
use crate::{AtExt, say};
// pollscope:begin
async fn chatter(name: &'static str) -> u32 {
    for line in 1..=3 {
        say!("{name}: line {line}");
        // Step aside: the other tasks run before this one continues. Like
        // `await asyncio.sleep(0)`, this returns `Pending` once, after waking its own
        // task: the wake puts this task at the back of the queue, behind the others.
        yield_now().at("YieldNow").await;
    }
    3
}

fn build(ex: &mut Executor, _env: &Env) -> Result<(), ProgramError> {
    for name in ["task 0", "task 1", "task 2"] {
        ex.spawn(name, chatter(name));
    }
    Ok(())
}
// pollscope:end
pub(super) const LESSON: Lesson = Lesson {
    id: "event-loop",
    title: "An event loop: tasks take turns",
    experiment: "9",
    explanation: "An event loop keeps a list of tasks and resumes them one at a time. Each \
        task here says a line, then awaits `YieldNow`, which wakes its own task and returns \
        `Pending`: the poll ends, and the waker has put the task at the back of the run \
        queue. The executor then polls the task at the front, so the lines come out task 0, \
        task 1, task 2, task 0, ... Nothing runs in parallel: one thread, one poll at a time, \
        and a task only gives up the thread at an `.await` that returns `Pending`.",
    expected: "both policies: lines interleave round-robin; 4 polls and 3 self-wakes per \
        task, none wasted; each value 3",
    source: include_str!("event_loop.rs"),
    file: file!(),
    python: include_str!("../../assets/python/event_loop.py"),
    points: &["YieldNow"],
    stalls: false,
    fetches: false,
    build,
};
