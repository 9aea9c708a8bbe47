//! The rewind benchmark: rebuild the state at spread-out indices of a big recorded trace.

use super::yield_trace;
use serde::Serialize;
use std::time::Instant;

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

/// Rebuilds the state at `samples` spread-out indices of a trace of about `events`
/// events over `tasks` tasks.
pub fn rewind(tasks: usize, events: usize, samples: usize) -> RewindBench {
    use crate::trace::History;
    // Each yield costs seven events: poll_start, resume and await_exit of the previous
    // yield, await_enter and suspend of the next, wake, poll_end.
    let yields = (events / tasks.max(1) / 7).max(1);
    let trace = yield_trace(tasks, yields);
    let start = Instant::now();
    let timeline = History::from_trace(trace);
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
