//! The executor benchmark: pollscope's fully recorded executor against its single-thread
//! peers on the same workload, in the same run: `futures::executor::LocalPool`, and (with
//! the `peers` feature, which the app has) smol's `async_executor::LocalExecutor` and
//! tokio's current-thread runtime running the tasks with `spawn_local` on a `LocalSet`.

use crate::executor::{Executor, Policy};
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
    /// Every peer measured, LocalPool first: name, ns per poll, pollscope's ratio to it.
    pub peers: Vec<Peer>,
}

/// One peer's figure.
#[derive(Clone, Debug, Serialize)]
pub struct Peer {
    /// `LocalPool`, `async-executor LocalExecutor`, `tokio LocalSet`.
    pub name: &'static str,
    /// Wall time per poll, spawning included (fastest round).
    pub ns_per_poll: f64,
    /// pollscope's ns per poll over this one's: below 1 means pollscope is ahead.
    pub ratio: f64,
}

/// One round of a peer: nanoseconds for `tasks` tasks.
type Round = fn(usize) -> f64;

/// The peers, by name.
fn peers() -> Vec<(&'static str, Round)> {
    #[cfg_attr(not(feature = "peers"), allow(unused_mut))]
    let mut peers: Vec<(&'static str, Round)> = vec![("LocalPool", localpool_round)];
    #[cfg(feature = "peers")]
    {
        peers.push(("async-executor LocalExecutor", async_executor_round));
        peers.push(("tokio LocalSet", tokio_local_round));
    }
    peers
}

/// Runs `tasks` [`YieldOnce`] tasks on both executors, `rounds` times, and keeps the
/// fastest round of each (the one least disturbed by the rest of the machine).
///
/// Each executor runs in a function of its own (`pollscope_round`, `localpool_round`), so
/// `valgrind --tool=callgrind` attributes instructions to each side.
pub fn executor(tasks: usize, rounds: usize) -> ExecutorBench {
    executor_with(tasks, rounds, true)
}

/// [`executor`], or with `peers` false pollscope's rounds alone (to profile them: nothing
/// else in the samples); then `localpool_ns_per_poll` and `ratio` are NaN.
pub fn executor_with(tasks: usize, rounds: usize, peers: bool) -> ExecutorBench {
    let polls = tasks * 2;
    // The clock calibrates itself on first use: not part of any round.
    std::hint::black_box(crate::trace::Recorder::new().now_ns());
    let peers = if peers { self::peers() } else { Vec::new() };
    let mut best_ours = f64::INFINITY;
    let mut best: Vec<f64> = vec![f64::INFINITY; peers.len()];
    let mut events = 0;
    for _ in 0..rounds.max(1) {
        let (ours, recorded) = pollscope_round(tasks);
        events = recorded;
        best_ours = best_ours.min(ours / polls.max(1) as f64);
        for ((_, round), best) in peers.iter().zip(&mut best) {
            *best = best.min(round(tasks) / polls.max(1) as f64);
        }
    }
    let peers: Vec<Peer> = peers
        .iter()
        .zip(&best)
        .map(|(&(name, _), &ns)| Peer {
            name,
            ns_per_poll: ns,
            ratio: best_ours / ns,
        })
        .collect();
    let best_pool = best.first().copied().unwrap_or(f64::NAN);
    ExecutorBench {
        tasks,
        polls,
        events,
        ns_per_poll: best_ours,
        localpool_ns_per_poll: best_pool,
        ratio: best_ours / best_pool,
        peers,
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
    // As the app and the CLI run a program through: straight from poll to poll.
    let (_, made) = ex.run_until_stalled();
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

/// One round on smol's `async_executor::LocalExecutor`: nanoseconds.
#[cfg(feature = "peers")]
#[inline(never)]
fn async_executor_round(tasks: usize) -> f64 {
    let start = Instant::now();
    let ex = async_executor::LocalExecutor::new();
    for _ in 0..tasks {
        ex.spawn(YieldOnce::default()).detach();
    }
    while ex.try_tick() {}
    let ns = start.elapsed().as_nanos() as f64;
    drop(ex);
    ns
}

/// One round on tokio's current-thread runtime, the tasks spawned with `spawn_local` on a
/// `LocalSet`: nanoseconds (the runtime's construction included, as the others' is).
#[cfg(feature = "peers")]
#[inline(never)]
fn tokio_local_round(tasks: usize) -> f64 {
    let start = Instant::now();
    let Ok(rt) = tokio::runtime::Builder::new_current_thread().build() else {
        return f64::NAN;
    };
    let local = tokio::task::LocalSet::new();
    for _ in 0..tasks {
        drop(local.spawn_local(YieldOnce::default()));
    }
    rt.block_on(local);
    let ns = start.elapsed().as_nanos() as f64;
    drop(rt);
    ns
}
