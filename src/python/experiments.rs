//! The original's experiments as Python scripts (`assets/python/experiments/`), built
//! into pollscope so the app's picker offers them beside the lessons and they run from
//! any directory.

use super::Script;
use crate::program::Program;

/// Each script's file name and text, in the order the picker lists them.
const SCRIPTS: [(&str, &str); 9] = [
    (
        "send_none.py",
        include_str!("../../assets/python/experiments/send_none.py"),
    ),
    (
        "reuse.py",
        include_str!("../../assets/python/experiments/reuse.py"),
    ),
    (
        "send_value.py",
        include_str!("../../assets/python/experiments/send_value.py"),
    ),
    (
        "async_gen.py",
        include_str!("../../assets/python/experiments/async_gen.py"),
    ),
    (
        "setup_then_coro.py",
        include_str!("../../assets/python/experiments/setup_then_coro.py"),
    ),
    (
        "runner.py",
        include_str!("../../assets/python/experiments/runner.py"),
    ),
    (
        "threaded_request.py",
        include_str!("../../assets/python/experiments/threaded_request.py"),
    ),
    (
        "asyncio_gather.py",
        include_str!("../../assets/python/experiments/asyncio_gather.py"),
    ),
    (
        "for_loop_generator.py",
        include_str!("../../assets/python/experiments/for_loop_generator.py"),
    ),
];

/// The experiments as built-in scripts.
pub fn scripts() -> Vec<Script> {
    SCRIPTS
        .iter()
        .map(|&(name, text)| Script::built_in(name, text))
        .collect()
}

/// The experiments as programs for the app's picker (`py:send_none`, ...).
pub fn programs() -> Vec<Program> {
    scripts().into_iter().map(Program::python_script).collect()
}
