//! The executor benchmark: pollscope's fully recorded executor against
//! `futures::executor::LocalPool` on the same workload, in the same run.

use crate::executor::{Executor, Policy, Step};
use serde::Serialize;
use std::time::Instant;

/// The workload's future: wakes itself and returns `Pending` once, then `Ready`.
/// Every task therefore takes exactly two polls.
pub use crate::executor::YieldNow as YieldOnce;

/// Results of one benchmark run.
#[derive(Clone, Debug, Serialize)]
pub struct ExecutorBench {
    /// Tasks spawned on each executor.
    pub tasks: usize,
    /// Polls pollscope made (twice the tasks).
    pub polls: usize,
    /// Events pollscope recorded.
    pub events: usize,
    /// pollscope: wall time per poll, spawning included.
    pub ns_per_poll: f64,
    /// LocalPool: wall time per poll, spawning included.
    pub localpool_ns_per_poll: f64,
    /// `ns_per_poll / localpool_ns_per_poll`.
    pub ratio: f64,
}

/// Runs `tasks` [`YieldOnce`] tasks on both executors, `rounds` times, and keeps the
/// fastest round of each (the one least disturbed by the rest of the machine).
///
/// Each executor runs in a function of its own (`pollscope_round`, `localpool_round`), so
/// `valgrind --tool=callgrind` attributes instructions to each side.
pub fn executor(tasks: usize, rounds: usize) -> ExecutorBench {
    let polls = tasks * 2;
    // The clock calibrates itself on first use: not part of any round.
    std::hint::black_box(crate::trace::Recorder::new().now_ns());
    let mut best_ours = f64::INFINITY;
    let mut best_pool = f64::INFINITY;
    let mut events = 0;
    for _ in 0..rounds.max(1) {
        let (ours, recorded) = pollscope_round(tasks);
        events = recorded;
        let theirs = localpool_round(tasks);
        best_ours = best_ours.min(ours / polls.max(1) as f64);
        best_pool = best_pool.min(theirs / polls.max(1) as f64);
    }
    ExecutorBench {
        tasks,
        polls,
        events,
        ns_per_poll: best_ours,
        localpool_ns_per_poll: best_pool,
        ratio: best_ours / best_pool,
    }
}

/// One round on pollscope's executor, every event recorded: nanoseconds, events.
#[inline(never)]
fn pollscope_round(tasks: usize) -> (f64, usize) {
    let start = Instant::now();
    let mut ex = Executor::new(Policy::WakerDriven);
    // Seven events per task: spawn, two polls of start and end, a wake, the value.
    ex.reserve(tasks, tasks * 7);
    for _ in 0..tasks {
        ex.spawn("t", YieldOnce::default());
    }
    let mut made = 0;
    while let Step::Polled(_) = ex.step() {
        made += 1;
    }
    let ns = start.elapsed().as_nanos() as f64;
    debug_assert_eq!(made, tasks * 2);
    let events = ex.events();
    drop(ex);
    (ns, events)
}

/// One round on `futures::executor::LocalPool`: nanoseconds.
#[inline(never)]
fn localpool_round(tasks: usize) -> f64 {
    use futures::task::LocalSpawnExt;
    let start = Instant::now();
    let mut pool = futures::executor::LocalPool::new();
    let spawner = pool.spawner();
    for _ in 0..tasks {
        // Spawning only fails after the pool is dropped, which cannot happen here.
        let _ = spawner.spawn_local(YieldOnce::default());
    }
    pool.run();
    let ns = start.elapsed().as_nanos() as f64;
    drop(pool);
    ns
}
