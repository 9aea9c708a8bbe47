//! Lesson `setup`: a plain function does its setup at call time and returns a future
//! whose body runs later, at its first poll.

use super::{Env, Lesson, ProgramError};
use crate::executor::Executor;
use crate::{AtExt, say};
use std::future::Future;
// pollscope:begin
fn fetch_later(site: &str) -> impl Future<Output = usize> + use<> {
    say!("setup for {site}: runs at call time");
    let site = site.to_owned();
    async move {
        say!("body for {site}: runs when awaited");
        site.len()
    }
}

async fn main_task() -> usize {
    let future = fetch_later("python.org");
    say!("fetch_later returned; its body has not run");
    future.at("future.await").await
}

fn build(ex: &mut Executor, _env: &Env) -> Result<(), ProgramError> {
    ex.spawn("main", main_task());
    Ok(())
}
// pollscope:end
pub(super) const LESSON: Lesson = Lesson {
    id: "setup",
    title: "Setup at call time, body at first poll",
    experiment: "7",
    explanation: "`fetch_later` is an ordinary function that returns a future. Its first line \
        runs the moment it is called, like any function. The `async move` block it returns \
        is lazy: its body runs only when the future is first polled, here when `main_task` \
        awaits it. The say-lines come out in that order: setup, then \"fetch_later returned\", \
        then the body.",
    expected: "say-lines in order: setup, fetch_later returned, body; value 10",
    source: include_str!("setup.rs"),
    file: file!(),
    python: include_str!("../../assets/python/setup.py"),
    points: &["future.await"],
    stalls: false,
    fetches: false,
    build,
};
