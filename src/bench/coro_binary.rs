//! The debug-info benchmark on another program: how soon a program built on pollscope
//! (`pollscope::main`) shows the compiler's states, timed from outside as its user sees
//! it — from starting `PROGRAM step --steps 1` to its first state line, and the whole of
//! `PROGRAM states` — plus what opening its debug info costs in this process.

use serde::Serialize;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// Results of the benchmark on one program.
#[derive(Clone, Debug, Serialize)]
pub struct BinaryBench {
    /// The program.
    pub binary: String,
    /// Its size on disk, in MB.
    pub size_mb: f64,
    /// Units of debug info it has.
    pub units: usize,
    /// Time to open its debug info (unit headers and address ranges), in this process.
    pub open_ms: f64,
    /// Runs of each command.
    pub rounds: usize,
    /// From starting `PROGRAM step --steps 1` to the first poll's state printed: median
    /// and slowest, ms.
    pub first_states_ms: [f64; 2],
    /// `PROGRAM states` from start to exit: median and slowest, ms.
    pub states_ms: [f64; 2],
    /// Futures `states` listed.
    pub states_listed: usize,
}

/// Why the benchmark could not run.
#[derive(Debug)]
#[non_exhaustive]
pub enum BinaryBenchError {
    /// The program could not be started.
    Start(String),
    /// It ran but did not print what a pollscope program prints.
    Output(String),
    /// Its debug info could not be opened.
    DebugInfo(crate::coro::DebugInfoError),
}

impl std::fmt::Display for BinaryBenchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BinaryBenchError::Start(e) => write!(f, "cannot start the program: {e}"),
            BinaryBenchError::Output(e) => write!(f, "{e}"),
            BinaryBenchError::DebugInfo(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for BinaryBenchError {}

/// Times `path`, a program built on `pollscope::main`, `rounds` times.
pub fn coro_binary(path: &Path, rounds: usize) -> Result<BinaryBench, BinaryBenchError> {
    let size = std::fs::metadata(path)
        .map_err(|e| BinaryBenchError::Start(format!("{}: {e}", path.display())))?
        .len();
    let start = Instant::now();
    let index = crate::coro::Index::load(path).map_err(BinaryBenchError::DebugInfo)?;
    let open_ms = ms(start);
    let units = index.unit_count();
    drop(index);
    let rounds = rounds.max(1);
    let mut first = Vec::with_capacity(rounds);
    let mut listing = Vec::with_capacity(rounds);
    let mut listed = 0;
    for _ in 0..rounds {
        first.push(first_states(path)?);
        let (took, n) = states(path)?;
        listing.push(took);
        listed = n;
    }
    Ok(BinaryBench {
        binary: path.display().to_string(),
        size_mb: size as f64 / 1e6,
        units,
        open_ms,
        rounds,
        first_states_ms: median_max(&mut first),
        states_ms: median_max(&mut listing),
        states_listed: listed,
    })
}

/// Milliseconds from starting `PROGRAM step --steps 1` to its first `is at` line (the
/// compiler's state after the first poll). The program is then stopped: what it does
/// after (a runtime's shutdown) is not what is measured.
fn first_states(path: &Path) -> Result<f64, BinaryBenchError> {
    let start = Instant::now();
    let mut child = Command::new(path)
        .args(["step", "--steps", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| BinaryBenchError::Start(e.to_string()))?;
    let Some(stdout) = child.stdout.take() else {
        return Err(BinaryBenchError::Output("no standard output".to_owned()));
    };
    let mut found = None;
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        if line.contains(" is at ") {
            found = Some(ms(start));
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    found.ok_or_else(|| {
        BinaryBenchError::Output(
            "`step --steps 1` printed no compiler state: is it a pollscope program built \
             with debug info?"
                .to_owned(),
        )
    })
}

/// `PROGRAM states --json`: milliseconds to its exit, and how many futures it listed.
fn states(path: &Path) -> Result<(f64, usize), BinaryBenchError> {
    let start = Instant::now();
    let out = Command::new(path)
        .args(["states", "--json"])
        .stderr(Stdio::null())
        .output()
        .map_err(|e| BinaryBenchError::Start(e.to_string()))?;
    let took = ms(start);
    if !out.status.success() {
        return Err(BinaryBenchError::Output(format!(
            "`states` failed: {}",
            out.status
        )));
    }
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).map_err(|e| {
        BinaryBenchError::Output(format!("`states --json` printed no JSON array: {e}"))
    })?;
    Ok((took, listed.len()))
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}

/// The median and the largest of `values`.
fn median_max(values: &mut [f64]) -> [f64; 2] {
    values.sort_by(f64::total_cmp);
    let median = values.get(values.len() / 2).copied().unwrap_or(0.0);
    let max = values.last().copied().unwrap_or(0.0);
    [median, max]
}
