//! Sequential versus concurrent fetches, measured honestly: the same targets fetched one
//! after another and all at once, round after round, **alternating which goes first** so
//! neither mode always gets the warm (or the cold) server; fresh connections for every
//! mode of every round, so neither profits from the other's keep-alive.

mod background;
mod stats;

pub use background::{Background, Targets};
pub use stats::{Stats, Summary};

use crate::AtExt;
use crate::executor::{Executor, Policy};
use crate::http::{self, FetchConfig, Fetcher};
use serde::Serialize;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How a round fetches its targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// A plain blocking loop: one request after another.
    Sequential,
    /// Worker threads awaited by tasks on the pollscope executor (waker-driven): all at once.
    Concurrent,
    /// Lazy async fetch futures awaited one by one (the `sequential-awaits` trap).
    SequentialAwaits,
    /// The original's `Request`: threads at creation, yield once, then a blocking join.
    BlockingJoin,
}

impl Mode {
    /// The JSON key (`sequential`, `concurrent`, `sequential_awaits`, `blocking_join`).
    pub fn key(self) -> &'static str {
        match self {
            Mode::Sequential => "sequential",
            Mode::Concurrent => "concurrent",
            Mode::SequentialAwaits => "sequential_awaits",
            Mode::BlockingJoin => "blocking_join",
        }
    }

    /// A human name.
    pub fn title(self) -> &'static str {
        match self {
            Mode::Sequential => "sequential",
            Mode::Concurrent => "concurrent",
            Mode::SequentialAwaits => "sequential awaits",
            Mode::BlockingJoin => "blocking join",
        }
    }
}

/// One request of one round.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Span {
    /// What was fetched.
    pub url: String,
    /// In which mode.
    pub mode: Mode,
    /// Seconds from the start of this mode's run in the round.
    pub start_s: f64,
    /// Seconds from the start of this mode's run in the round.
    pub end_s: f64,
    /// Bytes received, if it succeeded.
    pub bytes: Option<u64>,
    /// Why it failed, if it did.
    pub error: Option<String>,
}

/// One round: every mode once, over every target.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Round {
    /// 1-based.
    pub round: usize,
    /// The modes in the order they ran.
    pub order: Vec<Mode>,
    /// Each mode's total wall time, in seconds.
    pub totals: Vec<(Mode, f64)>,
    /// Every request.
    pub requests: Vec<Span>,
}

impl Round {
    /// The total of `mode`, if it ran.
    pub fn total(&self, mode: Mode) -> Option<f64> {
        self.totals
            .iter()
            .find(|(m, _)| *m == mode)
            .map(|&(_, t)| t)
    }

    /// The mode that ran first.
    pub fn first(&self) -> Option<Mode> {
        self.order.first().copied()
    }
}

/// What to measure.
#[derive(Clone, Debug)]
pub struct TimingConfig {
    /// URLs to fetch in every mode.
    pub targets: Vec<String>,
    /// Rounds to run.
    pub rounds: usize,
    /// Timeouts and body cap for each request.
    pub fetch: FetchConfig,
    /// Also measure the sequential-awaits and blocking-join variants.
    pub extra_modes: bool,
}

/// The order of the modes in round `round` (1-based): sequential first in odd rounds,
/// concurrent first in even ones; the extra modes after them.
pub fn order(round: usize, extra_modes: bool) -> Vec<Mode> {
    let mut modes = if round % 2 == 1 {
        vec![Mode::Sequential, Mode::Concurrent]
    } else {
        vec![Mode::Concurrent, Mode::Sequential]
    };
    if extra_modes {
        modes.extend([Mode::SequentialAwaits, Mode::BlockingJoin]);
    }
    modes
}

/// Runs up to `config.rounds` rounds, calling `on_round` after each; stops early (after
/// the request in flight) once `stop` is set. Returns the rounds completed.
pub fn run(
    config: &TimingConfig,
    stop: &AtomicBool,
    mut on_round: impl FnMut(&Round),
) -> Vec<Round> {
    let mut rounds = Vec::new();
    for round in 1..=config.rounds {
        let mut spans = Vec::new();
        let mut totals = Vec::new();
        let modes = order(round, config.extra_modes);
        for &mode in &modes {
            if stop.load(Ordering::Relaxed) {
                return rounds;
            }
            // A fresh agent per mode and round: no mode reuses the other's connections.
            let fetcher = Fetcher::new(config.fetch.clone());
            let start = Instant::now();
            let mode_spans = match mode {
                Mode::Sequential => sequential(&fetcher, &config.targets, start, stop),
                Mode::Concurrent => on_executor(mode, &fetcher, &config.targets, start),
                Mode::SequentialAwaits => on_executor(mode, &fetcher, &config.targets, start),
                Mode::BlockingJoin => on_executor(mode, &fetcher, &config.targets, start),
            };
            totals.push((mode, start.elapsed().as_secs_f64()));
            spans.extend(mode_spans);
        }
        let round = Round {
            round,
            order: modes,
            totals,
            requests: spans,
        };
        on_round(&round);
        rounds.push(round);
    }
    rounds
}

fn span(
    url: &str,
    mode: Mode,
    zero: Instant,
    began: Instant,
    result: Result<http::Fetched, String>,
) -> Span {
    let (bytes, error) = match result {
        Ok(page) => (Some(page.bytes), None),
        Err(e) => (None, Some(e)),
    };
    Span {
        url: url.to_owned(),
        mode,
        start_s: began.duration_since(zero).as_secs_f64(),
        end_s: zero.elapsed().as_secs_f64(),
        bytes,
        error,
    }
}

fn sequential(
    fetcher: &Fetcher,
    targets: &[String],
    zero: Instant,
    stop: &AtomicBool,
) -> Vec<Span> {
    let mut spans = Vec::new();
    for url in targets {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let began = Instant::now();
        let result = fetcher.fetch(url).map_err(|e| e.to_string());
        spans.push(span(url, Mode::Sequential, zero, began, result));
    }
    spans
}

/// Fetches `url` on a worker thread, awaiting its handle, and records the span.
async fn timed_fetch(
    fetcher: Fetcher,
    url: String,
    mode: Mode,
    zero: Instant,
    spans: Rc<RefCell<Vec<Span>>>,
) {
    let began = Instant::now();
    let result = http::spawn_fetch(&fetcher, &url).at("thread").await;
    let result = result.map_err(|e| e.to_string());
    spans
        .borrow_mut()
        .push(span(&url, mode, zero, began, result));
}

/// The async modes, each on a fresh waker-driven executor. Spans come back in target order
/// whatever order the requests finished in.
fn on_executor(mode: Mode, fetcher: &Fetcher, targets: &[String], zero: Instant) -> Vec<Span> {
    let spans = Rc::new(RefCell::new(Vec::new()));
    let mut ex = Executor::new(Policy::WakerDriven);
    match mode {
        Mode::Concurrent => {
            // One task per target: all the threads are in flight at once.
            for url in targets {
                let fetch = timed_fetch(fetcher.clone(), url.clone(), mode, zero, spans.clone());
                ex.spawn("fetch", fetch);
            }
        }
        Mode::SequentialAwaits => {
            // One task awaiting lazy fetches in turn: each starts when the last one ended.
            let (fetcher, targets, spans) = (fetcher.clone(), targets.to_vec(), spans.clone());
            ex.spawn("main", async move {
                for url in targets {
                    timed_fetch(fetcher.clone(), url, mode, zero, spans.clone()).await;
                }
            });
        }
        Mode::BlockingJoin | Mode::Sequential => {
            let (fetcher, targets, spans) = (fetcher.clone(), targets.to_vec(), spans.clone());
            ex.spawn("main", async move {
                let began = Instant::now();
                let handles: Vec<_> = targets
                    .iter()
                    .map(|u| http::spawn_fetch(&fetcher, u))
                    .collect();
                for (url, handle) in targets.iter().zip(handles) {
                    let result = handle.blocking_join().at("join").await;
                    let result = result.map_err(|e| e.to_string());
                    spans
                        .borrow_mut()
                        .push(span(url, mode, zero, began, result));
                }
            });
        }
    }
    // Generous: every request has its own timeouts; this only guards against a bug.
    let limit = Duration::from_secs(3600);
    let _ = ex.run(limit);
    drop(ex);
    let mut spans = spans.take();
    spans.sort_by_key(|s: &Span| targets.iter().position(|t| *t == s.url));
    spans
}

/// Everything a run produced, for `--json` and the app.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Every round.
    pub rounds: Vec<Round>,
    /// Their summary.
    pub summary: Summary,
}

impl Report {
    /// The report of `rounds`.
    pub fn new(rounds: Vec<Round>) -> Report {
        let summary = Summary::of(&rounds);
        Report { rounds, summary }
    }

    /// The `--json` form: `{"rounds":[{round, first, sequential_s, concurrent_s, requests:
    /// [{url, mode, start_s, end_s, bytes, error}]}], "summary":{sequential_median_s,
    /// concurrent_median_s, speedup, ideal_sequential_s, ideal_concurrent_s}}`; the extra
    /// modes add `sequential_awaits_s` / `blocking_join_s` and their medians.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{Map, Value, json};
        let rounds: Vec<Value> = self
            .rounds
            .iter()
            .map(|r| {
                let mut round = Map::new();
                round.insert("round".into(), json!(r.round));
                round.insert("first".into(), json!(r.first().map(Mode::key)));
                for &(mode, total) in &r.totals {
                    round.insert(format!("{}_s", mode.key()), json!(total));
                }
                let requests: Vec<Value> = r
                    .requests
                    .iter()
                    .map(|s| {
                        json!({"url": s.url, "mode": s.mode.key(), "start_s": s.start_s,
                               "end_s": s.end_s, "bytes": s.bytes, "error": s.error})
                    })
                    .collect();
                round.insert("requests".into(), Value::Array(requests));
                Value::Object(round)
            })
            .collect();
        let s = &self.summary;
        let mut summary = Map::new();
        let medians = [
            ("sequential", s.sequential),
            ("concurrent", s.concurrent),
            ("sequential_awaits", s.sequential_awaits),
            ("blocking_join", s.blocking_join),
        ];
        for (key, stats) in medians {
            if let Some(stats) = stats {
                summary.insert(format!("{key}_median_s"), json!(stats.median));
            } else if key == "sequential" || key == "concurrent" {
                summary.insert(format!("{key}_median_s"), Value::Null);
            }
        }
        summary.insert("speedup".into(), json!(s.speedup));
        summary.insert("ideal_sequential_s".into(), json!(s.ideal_sequential_s));
        summary.insert("ideal_concurrent_s".into(), json!(s.ideal_concurrent_s));
        json!({"rounds": rounds, "summary": summary})
    }
}
