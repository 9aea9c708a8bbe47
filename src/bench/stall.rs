//! The keep-alive stall benchmark: pollscope's timing against a server nobody here wrote,
//! CPython's own `http.server` (threading, HTTP/1.1 keep-alive, a response's head and
//! body in two writes; the script is `assets/servers/slow_http_server.py`, embedded in
//! the binary and run with `python3 -I -c`).
//!
//! A server that writes the head and the body separately meets Nagle's algorithm on its
//! side and delayed ACK on the client's: every request on a reused connection can stall
//! about 40 ms. pollscope's client asks for immediate ACKs (`src/http/quickack.rs`); this
//! benchmark shows whether that holds on the machine it runs on. Wall-clock upper bounds
//! belong here, where the user runs them on a quiet machine, and never in `cargo test`,
//! which runs tests side by side.

use crate::http::FetchConfig;
use crate::timing::{self, Connections, Report, TimingConfig};
use serde::Serialize;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

/// The server script, run with `python -I -c` so the binary needs no file beside it.
pub const SERVER_SCRIPT: &str = include_str!("../../assets/servers/slow_http_server.py");

/// What one keep-alive stall adds to a request: Linux's delayed-ACK timeout.
pub const STALL_MS: f64 = 40.0;

/// A case stalls when its requests run, on average, more than this over the server's
/// sleeps: half of [`STALL_MS`], midway between no stall and a stall on every request.
pub const LIMIT_MS: f64 = STALL_MS / 2.0;

/// How long the server may take to say where it listens.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// Results of the benchmark.
#[derive(Clone, Debug, Serialize)]
pub struct StallBench {
    /// The interpreter that ran the server, as given.
    pub python: String,
    /// What it says it is (`python --version`), such as `Python 3.11.7`.
    pub python_version: String,
    /// Rounds of each case (each round runs both modes once, alternating which first).
    pub rounds: usize,
    /// Requests over the sleeps above which a case is a stall, in ms per request.
    pub limit_ms: f64,
    /// Every case, in the order they ran.
    pub cases: Vec<StallCase>,
    /// Some case stalled.
    pub stall: bool,
}

/// One set of targets in one connection mode.
#[derive(Clone, Debug, Serialize)]
pub struct StallCase {
    /// What was fetched, in words: `4 pages (20+30+40+50 ms), fresh connections`.
    pub name: String,
    /// How requests got their connections.
    pub connections: Connections,
    /// The server's sleep for each target, ms, in target order.
    pub sleeps_ms: Vec<u64>,
    /// Median of the sequential rounds' totals, s.
    pub sequential_median_s: f64,
    /// Median of the concurrent rounds' totals, s.
    pub concurrent_median_s: f64,
    /// The best a sequential round can do: the sum of the sleeps, s.
    pub ideal_sequential_s: f64,
    /// The best a concurrent round can do: the longest sleep, s.
    pub ideal_concurrent_s: f64,
    /// (sequential median - its ideal) / requests, ms: what each request added.
    pub sequential_over_ms_per_request: f64,
    /// Concurrent median - its ideal, ms: what the requests at once added.
    pub concurrent_over_ms: f64,
    /// Either figure above is over [`LIMIT_MS`].
    pub stall: bool,
    /// The verdict in words: `no stall: sequential 0.151 s against an ideal of 0.140 s, ...`.
    pub verdict: String,
}

/// Why the benchmark could not run.
#[derive(Debug)]
#[non_exhaustive]
pub enum StallBenchError {
    /// The interpreter is not there (no such program on `PATH`, or no such file).
    NotFound {
        /// The interpreter, as given.
        python: String,
    },
    /// The interpreter is there but could not be started, or `--version` failed.
    Start {
        /// The interpreter, as given.
        python: String,
        /// Why, in words.
        reason: String,
    },
    /// The interpreter ran but the server did not say where it listens.
    NoServer {
        /// What went wrong: the server's last line on stderr, or what it printed instead.
        reason: String,
    },
    /// A request failed: timing it would time the failure.
    Request {
        /// What was fetched.
        url: String,
        /// The fetch's error.
        error: String,
    },
}

impl std::fmt::Display for StallBenchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StallBenchError::NotFound { python } => write!(f, "{python} not found"),
            StallBenchError::Start { python, reason } => {
                write!(f, "cannot run {python}: {reason}")
            }
            StallBenchError::NoServer { reason } => {
                write!(f, "the python server did not start: {reason}")
            }
            StallBenchError::Request { url, error } => {
                write!(f, "a request to {url} failed: {error}")
            }
        }
    }
}

impl std::error::Error for StallBenchError {}

/// CPython's `http.server` running the server script, stopped when dropped.
#[derive(Debug)]
pub struct PythonServer {
    child: Child,
    base: String,
    stderr: Option<JoinHandle<String>>,
}

impl PythonServer {
    /// Starts the server script under `python` on a free loopback port, and waits (at
    /// most 10 s) for it to say where it listens.
    pub fn start(python: &Path) -> Result<PythonServer, StallBenchError> {
        let mut child = Command::new(python)
            .arg("-I")
            .arg("-c")
            .arg(SERVER_SCRIPT)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| start_error(python, &e))?;
        // Both pipes read on threads of their own: the first line may never come, and
        // a handler's traceback must not fill a pipe nobody reads.
        let stderr = child.stderr.take().map(|mut pipe| {
            std::thread::spawn(move || {
                let mut text = String::new();
                let _ = pipe.read_to_string(&mut text);
                text
            })
        });
        let (send, first) = mpsc::channel();
        if let Some(stdout) = child.stdout.take() {
            std::thread::spawn(move || {
                let mut line = String::new();
                let _ = BufReader::new(stdout).read_line(&mut line);
                let _ = send.send(line);
            });
        }
        let mut server = PythonServer {
            child,
            base: String::new(),
            stderr,
        };
        let line = first.recv_timeout(START_TIMEOUT);
        match line
            .as_deref()
            .ok()
            .and_then(|l| l.trim().strip_prefix("listening on "))
        {
            Some(base) => {
                server.base = base.to_owned();
                Ok(server)
            }
            None => {
                let said = match &line {
                    Ok(l) if !l.trim().is_empty() => format!("it printed {:?}", l.trim()),
                    Ok(_) => "it printed nothing".to_owned(),
                    Err(_) => format!("nothing printed in {} s", START_TIMEOUT.as_secs()),
                };
                let stderr = server.stop();
                let reason = stderr
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .map_or(said, |l| l.trim().to_owned());
                Err(StallBenchError::NoServer { reason })
            }
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The URL of a page the server sends after sleeping `ms` milliseconds.
    pub fn sleep_url(&self, ms: u64, bytes: Option<u64>) -> String {
        match bytes {
            Some(n) => format!("{}/sleep/{ms}?bytes={n}", self.base),
            None => format!("{}/sleep/{ms}", self.base),
        }
    }

    /// Stops the server; what it wrote on stderr.
    fn stop(&mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.stderr
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default()
    }
}

impl Drop for PythonServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn start_error(python: &Path, e: &std::io::Error) -> StallBenchError {
    let python = python.display().to_string();
    if e.kind() == std::io::ErrorKind::NotFound {
        StallBenchError::NotFound { python }
    } else {
        StallBenchError::Start {
            python,
            reason: e.to_string(),
        }
    }
}

/// `python --version`, which also says whether the interpreter runs at all.
fn version(python: &Path) -> Result<String, StallBenchError> {
    let out = Command::new(python)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| start_error(python, &e))?;
    // Python 2 printed its version on stderr.
    let text = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let text = if text.is_empty() {
        String::from_utf8_lossy(&out.stderr).trim().to_owned()
    } else {
        text
    };
    if !out.status.success() {
        return Err(StallBenchError::Start {
            python: python.display().to_string(),
            reason: format!("--version exited with {}", out.status),
        });
    }
    Ok(text)
}

/// Runs the server script under `python` and times against it, `rounds` rounds each:
/// 20, 30, 40 and 50 ms pages with fresh connections and with pooled ones, and 8 copies
/// of one 20 ms URL with pooled connections.
pub fn stall(python: &Path, rounds: usize) -> Result<StallBench, StallBenchError> {
    let python_version = version(python)?;
    let server = PythonServer::start(python)?;
    let rounds = rounds.max(1);
    let pages = [20, 30, 40, 50];
    let mut cases = Vec::new();
    for connections in [Connections::Fresh, Connections::Pooled] {
        let targets = pages
            .iter()
            .map(|&ms| (ms, server.sleep_url(ms, Some(2000))))
            .collect();
        let name = format!(
            "4 pages ({} ms), {} connections",
            pages.map(|ms| ms.to_string()).join("+"),
            connections.word()
        );
        cases.push(case(name, targets, connections, rounds)?);
    }
    let copies = vec![(20, server.sleep_url(20, None)); 8];
    let name = "8 copies of one 20 ms URL, pooled connections".to_owned();
    cases.push(case(name, copies, Connections::Pooled, rounds)?);
    drop(server);
    Ok(StallBench {
        python: python.display().to_string(),
        python_version,
        rounds,
        limit_ms: LIMIT_MS,
        stall: cases.iter().any(|c| c.stall),
        cases,
    })
}

/// Times one case: `targets` are each URL with the server's sleep for it.
fn case(
    name: String,
    targets: Vec<(u64, String)>,
    connections: Connections,
    rounds: usize,
) -> Result<StallCase, StallBenchError> {
    let (sleeps_ms, urls): (Vec<u64>, Vec<String>) = targets.into_iter().unzip();
    let config = TimingConfig {
        targets: urls,
        rounds,
        fetch: FetchConfig::default(),
        extra_modes: false,
        connections,
    };
    let report = Report::new(timing::run(&config, &AtomicBool::new(false), |_| {}));
    if let Some(failed) = report
        .rounds
        .iter()
        .flat_map(|r| &r.requests)
        .find(|q| q.error.is_some())
    {
        return Err(StallBenchError::Request {
            url: failed.url.clone(),
            error: failed.error.clone().unwrap_or_default(),
        });
    }
    let median = |s: Option<timing::Stats>| s.map_or(f64::NAN, |s| s.median);
    let sequential = median(report.summary.sequential);
    let concurrent = median(report.summary.concurrent);
    let ideal_sequential = sleeps_ms.iter().sum::<u64>() as f64 / 1e3;
    let ideal_concurrent = sleeps_ms.iter().copied().max().unwrap_or(0) as f64 / 1e3;
    let per_request = (sequential - ideal_sequential) * 1e3 / sleeps_ms.len().max(1) as f64;
    let at_once = (concurrent - ideal_concurrent) * 1e3;
    // NaN (no round) is no verdict of a stall.
    let stall = per_request > LIMIT_MS || at_once > LIMIT_MS;
    let verdict = format!(
        "{}: sequential {sequential:.3} s against an ideal of {ideal_sequential:.3} s \
         ({per_request:+.1} ms a request), concurrent {concurrent:.3} s against \
         {ideal_concurrent:.3} s ({at_once:+.1} ms)",
        if stall { "stall" } else { "no stall" },
    );
    Ok(StallCase {
        name,
        connections,
        sleeps_ms,
        sequential_median_s: sequential,
        concurrent_median_s: concurrent,
        ideal_sequential_s: ideal_sequential,
        ideal_concurrent_s: ideal_concurrent,
        sequential_over_ms_per_request: per_request,
        concurrent_over_ms: at_once,
        stall,
        verdict,
    })
}
