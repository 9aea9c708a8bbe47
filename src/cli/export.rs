//! `pollscope export <lesson>`: run a lesson headless and save its trace as a native trace
//! file or for Perfetto UI / speedscope.

use clap::{Args, ValueEnum};
use pollscope::executor::{Executor, Policy, Step};
use pollscope::lessons::{self, Lesson};
use pollscope::trace::Trace;
use pollscope::tracefile::{self, Header};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// How long a run may wait for wakes from other threads before it is given up.
const TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Lesson id (see `pollscope lessons`).
    lesson: String,
    /// Scheduling policy: `waker` (waker-driven) or `busy` (busy-poll).
    #[arg(long, default_value = "waker", value_parser = super::parse_policy)]
    policy: Policy,
    /// A page to fetch instead of the demo server's (repeatable; for lessons that fetch).
    #[arg(long = "url", value_name = "URL")]
    urls: Vec<String>,
    /// `jsonl`: a native trace file (`pollscope replay` and `pollscope open` read it);
    /// `chrome`: Chrome Trace Event Format JSON for Perfetto UI or speedscope.
    #[arg(long, value_enum)]
    format: Format,
    /// The file to write (replaced atomically if it exists).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: PathBuf,
    /// Stop after this many polls (busy polling can poll without end while it waits).
    #[arg(long, default_value_t = 1_000_000)]
    steps: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Jsonl,
    Chrome,
}

pub fn run(args: ExportArgs) -> Result<ExitCode, String> {
    let lesson = lessons::find(&args.lesson).map_err(|e| e.to_string())?;
    if !lesson.fetches && !args.urls.is_empty() {
        return Err(format!(
            "lesson {} fetches nothing: --url does not apply",
            lesson.id
        ));
    }
    let (trace, problem) = record(lesson, args.policy, args.urls, args.steps)?;
    // Even a run that timed out is worth keeping: the trace shows where it got stuck.
    let written = match args.format {
        Format::Jsonl => {
            let header = Header::for_lesson(lesson, args.policy);
            tracefile::save(&args.output, &header, &trace)
        }
        Format::Chrome => {
            tracefile::write_atomically(&args.output, |out| pollscope::chrome::write(out, &trace))
        }
    };
    written.map_err(|e| e.to_string())?;
    println!("wrote {} events to {}", trace.len(), args.output.display());
    match problem {
        Some(problem) => Err(problem),
        None => Ok(ExitCode::SUCCESS),
    }
}

/// Runs the lesson until every task is done or none can be woken, parking while worker
/// threads work. Returns the trace and, if the run was cut short, why.
fn record(
    lesson: &Lesson,
    policy: Policy,
    urls: Vec<String>,
    steps: usize,
) -> Result<(Trace, Option<String>), String> {
    // The demo server (if the lesson needs it) lives until the run ends.
    let (env, _server) = lessons::prepare_env(lesson, urls).map_err(|e| e.to_string())?;
    let mut ex = Executor::new(policy);
    lesson
        .spawn_into(&mut ex, &env)
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + TIMEOUT;
    let mut polls = 0;
    let problem = loop {
        if polls >= steps {
            break Some(format!("stopped after {polls} polls (--steps)"));
        }
        match ex.step() {
            Step::Polled(_) => polls += 1,
            Step::Idle => {
                let now = Instant::now();
                if now >= deadline {
                    break Some(format!(
                        "timed out after {} s waiting for a wake",
                        TIMEOUT.as_secs()
                    ));
                }
                ex.park(deadline - now);
            }
            Step::Stalled | Step::Done => break None,
        }
    };
    Ok((ex.recorder().snapshot(), problem))
}
