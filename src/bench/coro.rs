//! The debug-info benchmark: how long opening the running binary's debug info and reading
//! the unit a task needs take, and what reading a task's state after every poll adds to a
//! poll.

use super::YieldOnce;
use crate::executor::{Executor, Policy, Step};
use serde::Serialize;
use std::time::Instant;

/// Results of the debug-info benchmark.
#[derive(Clone, Debug, Serialize)]
pub struct CoroBench {
    /// Units of debug info the binary has.
    pub units: usize,
    /// Time to open the binary's debug info (map it, read its units' headers and
    /// address ranges).
    pub index_ms: f64,
    /// The first poll of the first task, its unit of debug info read before it.
    pub first_poll_ms: f64,
    /// Units read by the end: only those the tasks reached.
    pub units_read: u64,
    /// Coroutine layouts those units hold.
    pub layouts: usize,
    /// Tasks per round: async blocks that each await a yield once.
    pub tasks: usize,
    /// Wall time per poll with the compiler's state recorded after every poll.
    pub ns_per_poll_states: f64,
    /// The same workload with state recording off.
    pub ns_per_poll_plain: f64,
    /// What reading and recording the state adds to one poll.
    pub added_ns: f64,
}

/// A task whose future is a coroutine the index knows.
async fn yielder() {
    YieldOnce::default().await;
}

/// Reads the index (or says why it cannot), then runs `tasks` coroutine tasks `rounds`
/// times with states recorded and without, keeping the fastest round of each.
pub fn coro(
    tasks: usize,
    rounds: usize,
) -> Result<CoroBench, &'static crate::coro::DebugInfoError> {
    let index = crate::coro::index()?;
    let first = Instant::now();
    let mut ex = Executor::new(Policy::WakerDriven);
    ex.spawn("first", yielder());
    let _ = ex.step();
    let first_poll_ms = first.elapsed().as_secs_f64() * 1e3;
    let polls = (tasks * 2).max(1) as f64;
    let mut with = f64::INFINITY;
    let mut without = f64::INFINITY;
    for _ in 0..rounds.max(1) {
        with = with.min(round(tasks, true) / polls);
        without = without.min(round(tasks, false) / polls);
    }
    Ok(CoroBench {
        units: index.unit_count(),
        index_ms: index.build_ms,
        first_poll_ms,
        units_read: index.units_read(),
        layouts: index.layouts().len(),
        tasks,
        ns_per_poll_states: with,
        ns_per_poll_plain: without,
        added_ns: with - without,
    })
}

/// One round: nanoseconds.
#[inline(never)]
fn round(tasks: usize, states: bool) -> f64 {
    let start = Instant::now();
    let mut ex = Executor::new(Policy::WakerDriven);
    ex.record_states(states);
    // Seven events per task, and one state after each of its two polls.
    ex.reserve(tasks, tasks * 9);
    for _ in 0..tasks {
        ex.spawn("t", yielder());
    }
    while let Step::Polled(_) = ex.step() {}
    start.elapsed().as_nanos() as f64
}
