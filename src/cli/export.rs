//! `export`: run a program headless and save its trace as a native trace file or for
//! Perfetto UI / speedscope.

use super::output;
use super::{Subject, args};
use crate::executor::Policy;
use crate::executor::drive::{End, Limits};
use crate::program::record_with;
use crate::tracefile::{self, Header};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// How long a run may wait for wakes from other threads before it is given up.
const TIMEOUT: Duration = Duration::from_secs(60);

/// What to export and where: shared by `pollscope export <lesson>` and a user program's
/// `export`.
#[derive(Debug, Args)]
pub struct ExportOptions {
    /// Scheduling policy: `waker` (waker-driven) or `busy` (busy-poll).
    #[arg(long, default_value = "waker", value_parser = super::parse_policy)]
    policy: Policy,
    /// A page to fetch instead of the demo server's (repeatable; for programs that fetch).
    #[arg(long = "url", value_name = "URL")]
    urls: Vec<String>,
    /// `jsonl`: a native trace file (`pollscope replay` and `pollscope open` read it);
    /// `chrome`: Chrome Trace Event Format JSON for Perfetto UI or speedscope.
    #[arg(long, value_enum)]
    format: Format,
    /// The file to write: `-` for standard output. A regular file is replaced atomically;
    /// a FIFO or device is written as it is; a symlink is followed.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: PathBuf,
    /// Stop after this many polls (busy polling can poll without end while it waits).
    #[arg(long, default_value = "1000000", value_parser = args::steps, allow_negative_numbers = true)]
    steps: usize,
    /// Stop when the trace holds this many events (default: the program's limit, 20,000,000
    /// unless it sets one).
    #[arg(long, value_name = "EVENTS", value_parser = args::events, allow_negative_numbers = true)]
    trace_limit: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Jsonl,
    Chrome,
}

/// Runs `subject` to its end and writes its trace.
pub fn run(subject: &Subject, args: ExportOptions) -> Result<ExitCode, String> {
    subject.check_urls(&args.urls)?;
    let limits = Limits {
        max_polls: args.steps,
        timeout: Some(TIMEOUT),
        max_events: args.trace_limit.unwrap_or(subject.program.events_limit()),
    };
    let recording =
        record_with(&subject.program, args.policy, args.urls, limits).map_err(|e| e.to_string())?;
    let trace = &recording.trace;
    // Even a run that timed out is worth keeping: the trace shows where it got stuck.
    let mut count = trace.len();
    let to_stdout = output::write_output(&args.output, |mut out| match args.format {
        Format::Jsonl => {
            let header =
                Header::for_program(recording.info.clone(), args.policy).with_layouts_of(trace);
            tracefile::write(&mut out, &header, trace)
        }
        Format::Chrome => {
            // The file's own count: its events are not the trace's one for one.
            count = crate::chrome::write_program(&mut out, trace, Some(&recording.info))?;
            Ok(())
        }
    })?;
    let what = match args.format {
        Format::Jsonl => "events",
        Format::Chrome => "Chrome trace events",
    };
    output::say_written(count, what, &args.output, to_stdout)?;
    match recording.end {
        End::Done | End::Stalled => Ok(ExitCode::SUCCESS),
        End::PollLimit { polls } => {
            output::note(&format!("stopped after {polls} polls (--steps)"));
            Ok(ExitCode::SUCCESS)
        }
        End::TraceFull { .. } => Err(format!(
            "{}: the run stopped, the trace is written; --trace-limit N records more",
            recording.end
        )),
        problem => Err(problem.to_string()),
    }
}
