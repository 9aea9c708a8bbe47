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
pub fn executor(tasks: usize, rounds: usize) -> ExecutorBench {
    let polls = tasks * 2;
    let mut best_ours = f64::INFINITY;
    let mut best_pool = f64::INFINITY;
    let mut events = 0;
    for _ in 0..rounds.max(1) {
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
        let ours = start.elapsed().as_nanos() as f64;
        debug_assert_eq!(made, polls);
        events = ex.recorder().len();
        drop(ex);

        let start = Instant::now();
        let mut pool = futures::executor::LocalPool::new();
        let spawner = pool.spawner();
        for _ in 0..tasks {
            use futures::task::LocalSpawnExt;
            // Spawning only fails after the pool is dropped, which cannot happen here.
            let _ = spawner.spawn_local(YieldOnce::default());
        }
        pool.run();
        let theirs = start.elapsed().as_nanos() as f64;

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

/// Results of the rewind benchmark.
#[derive(Clone, Debug, Serialize)]
pub struct RewindBench {
    /// Tasks in the trace.
    pub tasks: usize,
    /// Events in the trace.
    pub events: usize,
    /// Checkpoints the timeline kept.
    pub checkpoints: usize,
    /// Indices sampled.
    pub samples: usize,
    /// Median time to rebuild the state at a sampled index.
    pub median_ms: f64,
    /// Slowest rebuild.
    pub max_ms: f64,
    /// Time to build the timeline (apply every event once, taking checkpoints).
    pub build_ms: f64,
}

async fn yielder(yields: usize) -> usize {
    use crate::AtExt;
    for _ in 0..yields {
        YieldOnce::default().at("yield").await;
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
    ex.recorder().snapshot()
}

/// Rebuilds the state at `samples` spread-out indices of a trace of about `events`
/// events over `tasks` tasks.
pub fn rewind(tasks: usize, events: usize, samples: usize) -> RewindBench {
    use crate::trace::Timeline;
    // Each yield costs seven events: poll_start, resume and await_exit of the previous
    // yield, await_enter and suspend of the next, wake, poll_end.
    let yields = (events / tasks.max(1) / 7).max(1);
    let trace = yield_trace(tasks, yields);
    let start = Instant::now();
    let timeline = Timeline::from_trace(trace);
    let build_ms = start.elapsed().as_secs_f64() * 1e3;
    let n = timeline.len();
    let mut times: Vec<f64> = (0..samples.max(1))
        .map(|i| {
            // A fixed stride co-prime with the checkpoint interval spreads the samples
            // across positions relative to checkpoints.
            let index = (i * 7_919 * 131) % n.max(1);
            let start = Instant::now();
            let state = timeline.state_at(index);
            let took = start.elapsed().as_secs_f64() * 1e3;
            std::hint::black_box(state);
            took
        })
        .collect();
    times.sort_by(f64::total_cmp);
    RewindBench {
        tasks,
        events: n,
        checkpoints: timeline.checkpoints(),
        samples: times.len(),
        median_ms: times[times.len() / 2],
        max_ms: times[times.len() - 1],
        build_ms,
    }
}
