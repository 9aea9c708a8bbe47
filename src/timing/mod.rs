//! Sequential versus concurrent fetches, measured honestly: the same targets fetched one
//! after another and all at once, round after round, **alternating which goes first** so
//! neither mode always gets the warm (or the cold) server; and connections as a stated
//! choice, the same in every mode: a fresh one for every request (as the original's
//! `requests.get` did), or one warmed pool per mode reused throughout.

mod background;
mod export;
pub mod json;
mod stats;

pub use background::{Background, Targets};
pub use export::{ChartError, csv, svg};
pub use stats::{Stats, Summary};

use crate::AtExt;
use crate::executor::drive::{Driver, Limits};
use crate::executor::{Executor, Policy};
use crate::http::{self, FetchConfig, Fetcher};
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
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

/// How requests get their connections.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Connections {
    /// A new connection for every request, in every mode (the original's way).
    #[default]
    Fresh,
    /// One pool per mode, warmed before the first round and reused by every round.
    Pooled,
}

impl Connections {
    /// The flag's word.
    pub fn word(self) -> &'static str {
        match self {
            Connections::Fresh => "fresh",
            Connections::Pooled => "pooled",
        }
    }
}

impl std::str::FromStr for Connections {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "fresh" => Ok(Connections::Fresh),
            "pooled" => Ok(Connections::Pooled),
            other => Err(format!(
                "unknown connections '{other}': use fresh or pooled"
            )),
        }
    }
}

/// One request of one round.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fetch {
    /// What was fetched.
    pub url: String,
    /// Its position in the target list (a URL listed twice is two positions).
    pub index: usize,
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
    pub requests: Vec<Fetch>,
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
    /// Fresh connections for every request, or a warmed pool per mode.
    pub connections: Connections,
}

/// What a run reports as it goes.
#[derive(Clone, Copy, Debug)]
pub enum Progress<'a> {
    /// A request ended (the round is still going on).
    Request(&'a Fetch),
    /// A round ended.
    Round(&'a Round),
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
    run_observed(config, stop, |progress| {
        if let Progress::Round(round) = progress {
            on_round(round);
        }
    })
}

/// [`run`], telling `observe` about every request as it ends and every round.
pub fn run_observed(
    config: &TimingConfig,
    stop: &AtomicBool,
    mut observe: impl FnMut(Progress<'_>),
) -> Vec<Round> {
    let mut rounds = Vec::new();
    let mut pools = Pools::new(config);
    for round in 1..=config.rounds {
        let mut spans = Vec::new();
        let mut totals = Vec::new();
        let modes = order(round, config.extra_modes);
        for &mode in &modes {
            if stop.load(Ordering::Relaxed) {
                return rounds;
            }
            let fetcher = pools.fetcher(mode, stop);
            let start = Instant::now();
            let mut seen = |span: &Fetch| observe(Progress::Request(span));
            let mode_spans = match mode {
                Mode::Sequential => sequential(&fetcher, &config.targets, start, stop, &mut seen),
                _ => on_executor(mode, &fetcher, &config.targets, start, &mut seen),
            };
            totals.push((mode, start.elapsed().as_secs_f64()));
            // A mode cut short by `stop` leaves its round unfinished: it is not reported.
            if mode_spans.len() < config.targets.len() {
                return rounds;
            }
            spans.extend(mode_spans);
        }
        let round = Round {
            round,
            order: modes,
            totals,
            requests: spans,
        };
        observe(Progress::Round(&round));
        rounds.push(round);
    }
    rounds
}

/// Where each mode's requests get their connections.
struct Pools<'a> {
    config: &'a TimingConfig,
    /// With pooled connections: each mode's warmed pool.
    warm: Vec<(Mode, Fetcher)>,
}

impl<'a> Pools<'a> {
    fn new(config: &'a TimingConfig) -> Pools<'a> {
        Pools {
            config,
            warm: Vec::new(),
        }
    }

    /// The fetcher for one mode's run in one round.
    fn fetcher(&mut self, mode: Mode, stop: &AtomicBool) -> Fetcher {
        let config = self.config;
        match config.connections {
            // A new agent that keeps no connection: every request opens its own.
            Connections::Fresh => Fetcher::new(FetchConfig {
                idle_connections: 0,
                ..config.fetch.clone()
            }),
            Connections::Pooled => {
                if let Some((_, fetcher)) = self.warm.iter().find(|(m, _)| *m == mode) {
                    return fetcher.clone();
                }
                let fetcher = Fetcher::new(FetchConfig {
                    idle_connections: config.targets.len().max(1),
                    ..config.fetch.clone()
                });
                // Warmed the way the mode will use it: one connection for one request at
                // a time, or one per target for all at once.
                let zero = Instant::now();
                match mode {
                    Mode::Sequential | Mode::SequentialAwaits => {
                        sequential(&fetcher, &config.targets, zero, stop, &mut |_| {});
                    }
                    _ => {
                        on_executor(
                            Mode::Concurrent,
                            &fetcher,
                            &config.targets,
                            zero,
                            &mut |_| {},
                        );
                    }
                }
                self.warm.push((mode, fetcher.clone()));
                fetcher
            }
        }
    }
}

fn span(
    url: &str,
    index: usize,
    mode: Mode,
    zero: Instant,
    began: Instant,
    result: Result<http::Fetched, String>,
) -> Fetch {
    let (bytes, error) = match result {
        Ok(page) => (Some(page.bytes), None),
        Err(e) => (None, Some(e)),
    };
    Fetch {
        url: url.to_owned(),
        index,
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
    seen: &mut dyn FnMut(&Fetch),
) -> Vec<Fetch> {
    let mut spans = Vec::new();
    for (index, url) in targets.iter().enumerate() {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let began = Instant::now();
        let result = fetcher.fetch(url).map_err(|e| e.to_string());
        let span = span(url, index, Mode::Sequential, zero, began, result);
        seen(&span);
        spans.push(span);
    }
    spans
}

/// Fetches `url` on a worker thread, awaiting its handle, and sends the span.
async fn timed_fetch(
    fetcher: Fetcher,
    url: String,
    index: usize,
    mode: Mode,
    zero: Instant,
    done: mpsc::Sender<Fetch>,
) {
    let began = Instant::now();
    let result = http::spawn_fetch(&fetcher, &url).at("thread").await;
    let result = result.map_err(|e| e.to_string());
    let _ = done.send(span(&url, index, mode, zero, began, result));
}

/// The async modes, each on a fresh waker-driven executor, driven by the one driver loop;
/// every span is handed to `seen` as its request ends. Spans come back in target order
/// whatever order the requests finished in.
fn on_executor(
    mode: Mode,
    fetcher: &Fetcher,
    targets: &[String],
    zero: Instant,
    seen: &mut dyn FnMut(&Fetch),
) -> Vec<Fetch> {
    let (done, finished) = mpsc::channel();
    let mut ex = Executor::new(Policy::WakerDriven);
    // The timing thread's executor records nothing a panel shows: no states to read.
    ex.record_states(false);
    match mode {
        Mode::Concurrent => {
            // One task per target: all the threads are in flight at once.
            for (index, url) in targets.iter().enumerate() {
                let fetch = timed_fetch(
                    fetcher.clone(),
                    url.clone(),
                    index,
                    mode,
                    zero,
                    done.clone(),
                );
                ex.spawn("fetch", fetch);
            }
        }
        Mode::SequentialAwaits => {
            // One task awaiting lazy fetches in turn: each starts when the last one ended.
            let (fetcher, targets, done) = (fetcher.clone(), targets.to_vec(), done.clone());
            ex.spawn("main", async move {
                for (index, url) in targets.into_iter().enumerate() {
                    timed_fetch(fetcher.clone(), url, index, mode, zero, done.clone()).await;
                }
            });
        }
        Mode::BlockingJoin | Mode::Sequential => {
            let (fetcher, targets, done) = (fetcher.clone(), targets.to_vec(), done.clone());
            ex.spawn("main", async move {
                let began = Instant::now();
                let handles: Vec<_> = targets
                    .iter()
                    .map(|u| http::spawn_fetch(&fetcher, u))
                    .collect();
                for (index, (url, handle)) in targets.iter().zip(handles).enumerate() {
                    let result = handle.blocking_join().at("join").await;
                    let result = result.map_err(|e| e.to_string());
                    let _ = done.send(span(url, index, mode, zero, began, result));
                }
            });
        }
    }
    drop(done);
    let mut spans = Vec::new();
    // Generous: every request has its own timeouts; this only guards against a bug.
    let limits = Limits {
        timeout: Some(Duration::from_secs(3600)),
        ..Limits::none()
    };
    Driver::new(limits).run(&mut ex, |_, _| {
        for span in finished.try_iter() {
            seen(&span);
            spans.push(span);
        }
    });
    drop(ex);
    for span in finished.try_iter() {
        seen(&span);
        spans.push(span);
    }
    spans.sort_by_key(|s: &Fetch| s.index);
    spans
}

/// Everything a run produced, for `--json` and the app; serialized in its `--json` form.
#[derive(Clone, Debug)]
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

    /// The `--json` form (see [`json`]'s docs for its fields).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}
