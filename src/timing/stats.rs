//! Statistics over timing rounds: per-mode min/median/mean/max, speed-up and the ideal
//! limits. Pure functions of the recorded rounds.

use super::{Mode, Round};
use serde::Serialize;

/// min / median / mean / max of one mode's round totals, in seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Stats {
    /// Fastest round.
    pub min: f64,
    /// Middle round (mean of the two middle ones for an even count).
    pub median: f64,
    /// Average.
    pub mean: f64,
    /// Slowest round.
    pub max: f64,
}

impl Stats {
    /// Statistics of `values`; `None` when there are none.
    pub fn of(values: &[f64]) -> Option<Stats> {
        if values.is_empty() {
            return None;
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        Some(Stats {
            min: sorted[0],
            median,
            mean: sorted.iter().sum::<f64>() / n as f64,
            max: sorted[n - 1],
        })
    }
}

/// The comparison over all rounds so far.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Statistics of the sequential totals.
    pub sequential: Option<Stats>,
    /// Statistics of the concurrent totals.
    pub concurrent: Option<Stats>,
    /// Statistics of the lazy-futures-awaited-one-by-one totals, if measured.
    pub sequential_awaits: Option<Stats>,
    /// Statistics of the original's blocking-join totals, if measured.
    pub blocking_join: Option<Stats>,
    /// Median sequential / median concurrent.
    pub speedup: Option<f64>,
    /// The sum of each target's single-request time (its median alone, in sequential
    /// rounds): the best a sequential round can do.
    pub ideal_sequential_s: Option<f64>,
    /// The longest single-request time: the best a concurrent round can do.
    pub ideal_concurrent_s: Option<f64>,
    /// ideal concurrent / median concurrent (1.0 is perfect overlap).
    pub concurrent_efficiency: Option<f64>,
    /// ideal sequential / median sequential.
    pub sequential_efficiency: Option<f64>,
}

impl Summary {
    /// Summarises `rounds`. Failed requests count in the totals (the time was spent) but
    /// not in the single-request times behind the ideals.
    pub fn of(rounds: &[Round]) -> Summary {
        let totals =
            |mode: Mode| -> Vec<f64> { rounds.iter().filter_map(|r| r.total(mode)).collect() };
        let sequential = Stats::of(&totals(Mode::Sequential));
        let concurrent = Stats::of(&totals(Mode::Concurrent));
        let singles = single_request_medians(rounds);
        let ideal_sequential_s = (!singles.is_empty()).then(|| singles.iter().sum::<f64>());
        let ideal_concurrent_s = singles.iter().copied().reduce(f64::max);
        let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) if b > 0.0 => Some(a / b),
            _ => None,
        };
        Summary {
            speedup: ratio(sequential.map(|s| s.median), concurrent.map(|s| s.median)),
            concurrent_efficiency: ratio(ideal_concurrent_s, concurrent.map(|s| s.median)),
            sequential_efficiency: ratio(ideal_sequential_s, sequential.map(|s| s.median)),
            sequential,
            concurrent,
            sequential_awaits: Stats::of(&totals(Mode::SequentialAwaits)),
            blocking_join: Stats::of(&totals(Mode::BlockingJoin)),
            ideal_sequential_s,
            ideal_concurrent_s,
        }
    }
}

/// Each target's median successful request time in sequential rounds, where a request has
/// the machine to itself.
fn single_request_medians(rounds: &[Round]) -> Vec<f64> {
    let mut targets: Vec<&str> = Vec::new();
    for span in rounds.iter().flat_map(|r| &r.requests) {
        if !targets.contains(&span.url.as_str()) {
            targets.push(&span.url);
        }
    }
    targets
        .iter()
        .filter_map(|url| {
            let times: Vec<f64> = rounds
                .iter()
                .flat_map(|r| &r.requests)
                .filter(|s| s.mode == Mode::Sequential && s.url == *url && s.error.is_none())
                .map(|s| s.end_s - s.start_s)
                .collect();
            Stats::of(&times).map(|s| s.median)
        })
        .collect()
}
