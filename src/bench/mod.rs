//! Every benchmark in one place, each a library function that the `pollscope bench ...`
//! commands print: the executor against `futures::executor::LocalPool`, rewind, trace
//! files, (with the lessons) the keep-alive stall against CPython's `http.server`, and
//! (in `app::frame_bench`, with the app) one frame of the app. Figures belong here, never in timed tests.

mod coro;
mod coro_binary;
mod executor;
mod load;
#[cfg(unix)]
mod python;
mod rewind;
#[cfg(feature = "lessons")]
mod stall;

pub use coro::{CoroBench, coro};
pub use coro_binary::{BinaryBench, BinaryBenchError, coro_binary};
pub use executor::{ExecutorBench, YieldOnce, executor, executor_with};
pub use load::{LoadBench, load};
#[cfg(unix)]
pub use python::{PyBench, python};
pub use rewind::{RewindBench, rewind};
#[cfg(feature = "lessons")]
pub use stall::{
    LIMIT_MS, PythonServer, SERVER_SCRIPT, STALL_MS, StallBench, StallBenchError, StallCase, stall,
};

use crate::executor::{Executor, Policy, Step};

async fn yielder(yields: usize) -> usize {
    use crate::AtExt;
    for _ in 0..yields {
        crate::executor::YieldNow::default().at("yield").await;
    }
    yields
}

/// A recorded trace of `tasks` tasks that each suspend `yields` times at an await point
/// (about seven events per poll), for benchmarks that need a big, realistic trace.
pub fn yield_trace(tasks: usize, yields: usize) -> crate::trace::Trace {
    let mut ex = Executor::new(Policy::WakerDriven);
    for i in 0..tasks {
        ex.spawn(&format!("task-{i}"), yielder(yields));
    }
    while let Step::Polled(_) = ex.step() {}
    ex.snapshot()
}
