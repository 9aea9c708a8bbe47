//! The `--json` form of a timing run: `{"rounds":[{round, first, sequential_s,
//! concurrent_s, requests: [{url, index, mode, start_s, end_s, bytes, error}]}],
//! "summary":{sequential_median_s, concurrent_median_s, speedup, modes_without_success,
//! ideal_sequential_s, ideal_concurrent_s}}`. The extra modes add `sequential_awaits_s` /
//! `blocking_join_s` to a round and their medians to the summary; the two main medians
//! are always there (`null` when the mode never succeeded).

use super::{Fetch, Mode, Report, Round, Summary};
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;

#[derive(Serialize)]
struct ReportForm<'a> {
    rounds: Vec<RoundForm<'a>>,
    summary: SummaryForm,
}

#[derive(Serialize)]
struct RoundForm<'a> {
    round: usize,
    first: Option<Mode>,
    /// `{mode}_s`: each mode's total.
    #[serde(flatten)]
    totals: BTreeMap<String, f64>,
    requests: &'a [Fetch],
}

#[derive(Serialize)]
struct SummaryForm {
    /// `{mode}_median_s`.
    #[serde(flatten)]
    medians: BTreeMap<String, Option<f64>>,
    speedup: Option<f64>,
    modes_without_success: Vec<Mode>,
    ideal_sequential_s: Option<f64>,
    ideal_concurrent_s: Option<f64>,
}

impl<'a> RoundForm<'a> {
    fn of(r: &'a Round) -> Self {
        RoundForm {
            round: r.round,
            first: r.first(),
            totals: r
                .totals
                .iter()
                .map(|&(mode, total)| (format!("{}_s", mode.key()), total))
                .collect(),
            requests: &r.requests,
        }
    }
}

impl SummaryForm {
    fn of(s: &Summary) -> Self {
        let medians = [
            (Mode::Sequential, s.sequential, true),
            (Mode::Concurrent, s.concurrent, true),
            (Mode::SequentialAwaits, s.sequential_awaits, false),
            (Mode::BlockingJoin, s.blocking_join, false),
        ]
        .into_iter()
        .filter(|&(_, stats, always)| always || stats.is_some())
        .map(|(mode, stats, _)| (format!("{}_median_s", mode.key()), stats.map(|s| s.median)))
        .collect();
        SummaryForm {
            medians,
            speedup: s.speedup,
            modes_without_success: s.unanswered.clone(),
            ideal_sequential_s: s.ideal_sequential_s,
            ideal_concurrent_s: s.ideal_concurrent_s,
        }
    }
}

impl Serialize for Report {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ReportForm {
            rounds: self.rounds.iter().map(RoundForm::of).collect(),
            summary: SummaryForm::of(&self.summary),
        }
        .serialize(serializer)
    }
}
