//! The Python tracer's cost: a script that resumes one generator `resumes` times, run
//! untraced and then under the tracer (recorded, running free), and the round trip of a
//! Step (let one resume through, read until the interpreter pauses again).

use crate::python::{PyError, PyRun, PyStep, Script};
use crate::trace::Recorder;
use serde::Serialize;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The workload: a generator resumed by a `for` loop, then (for the steps) a coroutine
/// driven by hand.
const SCRIPT: &str = r#"import sys
def gen(n):
    for i in range(n):
        yield i
total = 0
for x in gen(int(sys.argv[1])):
    total += x
class Tick:
    def __await__(self):
        yield
async def ticks(n):
    for _ in range(n):
        await Tick()
coro = ticks(int(sys.argv[2]))
try:
    while True:
        coro.send(None)
except StopIteration:
    pass
"#;

/// Results of the benchmark.
#[derive(Clone, Debug, Serialize)]
pub struct PyBench {
    /// The interpreter's version.
    pub python: String,
    /// Generator resumes in the script.
    pub resumes: usize,
    /// The script's wall time without the tracer, in seconds (fastest of the rounds).
    pub untraced_s: f64,
    /// Its wall time under the tracer, every resume recorded, in seconds (fastest).
    pub traced_s: f64,
    /// What recording adds to one resume, in microseconds.
    pub per_resume_us: f64,
    /// Events recorded in the traced run.
    pub events: usize,
    /// Steps timed (each lets one resume through and waits for the next pause).
    pub steps: usize,
    /// Median time of one step, in microseconds.
    pub step_median_us: f64,
    /// Slowest step, in microseconds.
    pub step_max_us: f64,
}

/// Runs the benchmark with `python`: `rounds` rounds of each run, `steps` Steps timed.
pub fn python(
    python: &std::ffi::OsStr,
    resumes: usize,
    steps: usize,
    rounds: usize,
) -> Result<PyBench, PyError> {
    let dir = std::env::temp_dir().join(format!("pollscope-bench-py-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(PyError::Setup)?;
    let path: PathBuf = dir.join("resumes.py");
    std::fs::write(&path, SCRIPT).map_err(PyError::Setup)?;
    let result = measure(python, &path, resumes, steps, rounds.max(1));
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn measure(
    python: &std::ffi::OsStr,
    path: &std::path::Path,
    resumes: usize,
    steps: usize,
    rounds: usize,
) -> Result<PyBench, PyError> {
    let mut script = Script::new(path);
    script.python = python.to_owned();
    script.args = vec![resumes.to_string(), "0".to_owned()];
    let mut untraced = f64::INFINITY;
    for _ in 0..rounds {
        let began = Instant::now();
        let status = std::process::Command::new(python)
            .arg(path)
            .args(&script.args)
            .stdin(std::process::Stdio::null())
            .status()
            .map_err(|source| PyError::NoInterpreter {
                python: python.to_owned(),
                source,
            })?;
        if !status.success() {
            return Err(PyError::Ended {
                code: status.code(),
                words: "the benchmark's script failed without the tracer".to_owned(),
            });
        }
        untraced = untraced.min(began.elapsed().as_secs_f64());
    }
    let mut traced = f64::INFINITY;
    let mut events = 0;
    let mut version = String::new();
    for _ in 0..rounds {
        let began = Instant::now();
        let mut run = PyRun::start(&script, Recorder::new())?;
        run.run_to_end(Duration::from_secs(3600));
        traced = traced.min(began.elapsed().as_secs_f64());
        events = run.events();
        version = run.python().unwrap_or_default().to_owned();
    }
    // Steps: only the hand-driven coroutine, one resume per Step.
    script.args = vec!["0".to_owned(), steps.to_string()];
    let mut run = PyRun::start(&script, Recorder::new())?;
    run.step(Duration::from_secs(10));
    let mut times = Vec::with_capacity(steps);
    for _ in 0..steps {
        let began = Instant::now();
        let state = run.step(Duration::from_secs(10));
        times.push(began.elapsed().as_secs_f64() * 1e6);
        if matches!(state, PyStep::Exited(_)) {
            break;
        }
    }
    times.sort_by(f64::total_cmp);
    Ok(PyBench {
        python: version,
        resumes,
        untraced_s: untraced,
        traced_s: traced,
        per_resume_us: (traced - untraced).max(0.0) / resumes.max(1) as f64 * 1e6,
        events,
        steps: times.len(),
        step_median_us: times.get(times.len() / 2).copied().unwrap_or(0.0),
        step_max_us: times.last().copied().unwrap_or(0.0),
    })
}
