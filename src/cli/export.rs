//! `export`: run a program headless and save its trace as a native trace file or for
//! Perfetto UI / speedscope.

use super::Subject;
use crate::drive::{End, Limits};
use crate::executor::Policy;
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
    /// The file to write (replaced atomically if it exists).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: PathBuf,
    /// Stop after this many polls (busy polling can poll without end while it waits).
    #[arg(long, default_value_t = 1_000_000)]
    steps: usize,
    /// Stop when the trace holds this many events (default: the program's limit, 20,000,000
    /// unless it sets one).
    #[arg(long, value_name = "EVENTS")]
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
    let written = match args.format {
        Format::Jsonl => {
            let header = Header::for_program(recording.info, args.policy).with_layouts_of(trace);
            tracefile::save(&args.output, &header, trace)
        }
        Format::Chrome => tracefile::write_atomically(&args.output, |out| {
            crate::chrome::write_program(out, trace, Some(&recording.info))
        }),
    };
    written.map_err(|e| e.to_string())?;
    println!("wrote {} events to {}", trace.len(), args.output.display());
    match recording.end {
        End::Done | End::Stalled => Ok(ExitCode::SUCCESS),
        problem => Err(problem.to_string()),
    }
}
