//! `pollscope replay FILE`: the task table of a saved trace at any index, without
//! running anything.

use super::output::outln;
use crate::lens::Lens;
use crate::trace::History;
use crate::{report, tracefile};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// Which trace, at which index, in which words.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// A native trace file (`pollscope export <lesson> --format jsonl -o FILE`).
    file: PathBuf,
    /// Show the state after this many events (default: all of them).
    #[arg(long, value_name = "N", value_parser = super::args::index, allow_negative_numbers = true)]
    at: Option<usize>,
    /// Describe states in Rust's words or in the Python coroutine words of the original.
    #[arg(long, default_value = "rust", value_parser = parse_lens)]
    lens: Lens,
}

fn parse_lens(s: &str) -> Result<Lens, String> {
    s.parse()
}

/// Prints the task table of a saved trace.
pub fn run(args: ReplayArgs) -> Result<ExitCode, String> {
    let (header, trace) = tracefile::load(&args.file).map_err(|e| e.to_string())?;
    for warning in &header.warnings {
        super::output::note(&format!("warning: {}: {warning}", args.file.display()));
    }
    let len = trace.len();
    let at = args.at.unwrap_or(len);
    if at > len {
        return Err(format!(
            "--at {at} is past the end: {} has {len} events (use 0..={len})",
            args.file.display()
        ));
    }
    let timeline = History::from_trace(trace);
    let what = match (header.program_id(), header.policy) {
        (Some(id), Some(policy)) => format!("{} {id} (policy {})", noun(id), policy.title()),
        (Some(id), None) => format!("{} {id}", noun(id)),
        (None, Some(policy)) => format!("a run (policy {})", policy.title()),
        (None, None) => "a run".to_owned(),
    };
    outln!("trace of {what}: {len} events; state after {at} events")?;
    super::output::print(&report::task_table(
        timeline.trace(),
        &timeline.state_at(at),
        args.lens,
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// What to call the program a trace recorded: a built-in lesson, or a program of the user's.
fn noun(id: &str) -> &'static str {
    #[cfg(feature = "app")]
    if crate::lessons::find(id).is_ok() {
        return "lesson";
    }
    let _ = id;
    "program"
}
