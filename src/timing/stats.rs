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
    /// Median sequential / median concurrent; `None` while either mode has had no
    /// successful request (its totals would time failures, not fetches).
    pub speedup: Option<f64>,
    /// Modes that ran but never got a successful response, in the order they first ran.
    pub unanswered: Vec<Mode>,
    /// The sum, over the targets as listed (a URL listed twice counts twice), of each
    /// one's single-request time (its median in sequential rounds, where it had the
    /// machine to itself): the best a sequential round can do.
    pub ideal_sequential_s: Option<f64>,
    /// The longest of those single-request times: the best a concurrent round can do.
    pub ideal_concurrent_s: Option<f64>,
    /// ideal concurrent / median concurrent: 1.0 is perfect overlap, and it never goes
    /// above (a median below the ideal is noise, flagged in `concurrent_beat_ideal`).
    pub concurrent_efficiency: Option<f64>,
    /// ideal sequential / median sequential, likewise at most 1.0.
    pub sequential_efficiency: Option<f64>,
    /// The concurrent median came out below its ideal: measurement noise, not a result.
    pub concurrent_beat_ideal: bool,
    /// The sequential median came out below its ideal: measurement noise.
    pub sequential_beat_ideal: bool,
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
        let unanswered = unanswered(rounds);
        let answered = |mode| !unanswered.contains(&mode);
        let both = answered(Mode::Sequential) && answered(Mode::Concurrent);
        let concurrent_raw = ratio(ideal_concurrent_s, concurrent.map(|s| s.median));
        let sequential_raw = ratio(ideal_sequential_s, sequential.map(|s| s.median));
        Summary {
            speedup: ratio(sequential.map(|s| s.median), concurrent.map(|s| s.median))
                .filter(|_| both),
            unanswered,
            concurrent_efficiency: concurrent_raw.map(|e| e.min(1.0)),
            sequential_efficiency: sequential_raw.map(|e| e.min(1.0)),
            concurrent_beat_ideal: concurrent_raw.is_some_and(|e| e > 1.0),
            sequential_beat_ideal: sequential_raw.is_some_and(|e| e > 1.0),
            sequential,
            concurrent,
            sequential_awaits: Stats::of(&totals(Mode::SequentialAwaits)),
            blocking_join: Stats::of(&totals(Mode::BlockingJoin)),
            ideal_sequential_s,
            ideal_concurrent_s,
        }
    }
}

/// The modes that ran in `rounds` with not one successful request.
fn unanswered(rounds: &[Round]) -> Vec<Mode> {
    let mut ran: Vec<Mode> = Vec::new();
    for round in rounds {
        for &(mode, _) in &round.totals {
            if !ran.contains(&mode) {
                ran.push(mode);
            }
        }
    }
    ran.retain(|&mode| {
        !rounds
            .iter()
            .flat_map(|r| &r.requests)
            .any(|s| s.mode == mode && s.error.is_none())
    });
    ran
}

/// Each target position's median successful request time in sequential rounds, where a
/// request has the machine to itself. By position, not by URL: 64 copies of one URL are
/// 64 requests a sequential round makes one after another.
fn single_request_medians(rounds: &[Round]) -> Vec<f64> {
    let positions = rounds
        .iter()
        .flat_map(|r| &r.requests)
        .map(|s| s.index + 1)
        .max()
        .unwrap_or(0);
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); positions];
    for span in rounds.iter().flat_map(|r| &r.requests) {
        if span.mode == Mode::Sequential && span.error.is_none() {
            times[span.index].push(span.end_s - span.start_s);
        }
    }
    times
        .iter()
        .filter_map(|t| Stats::of(t).map(|s| s.median))
        .collect()
}
