//! `step`: run a program headless, one line per poll, then a task table (or the trace as
//! JSON Lines).

use super::Subject;
use crate::drive::{Driver, End, Limits};
use crate::executor::{Policy, Step};
use crate::lens::Lens;
use crate::trace::{EventKind, Sym, Timeline};
use crate::{jsonl, report};
use clap::Args;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

/// How to step: shared by `pollscope step <lesson>` and a user program's `step`.
#[derive(Debug, Args)]
pub struct StepOptions {
    /// Scheduling policy: `waker` (waker-driven) or `busy` (busy-poll).
    #[arg(long, default_value = "waker", value_parser = super::parse_policy)]
    policy: Policy,
    /// Stop after this many polls.
    #[arg(long, default_value_t = 1_000_000)]
    steps: usize,
    /// Print the trace as JSON Lines (one event per line) instead of words.
    #[arg(long)]
    json: bool,
    /// Give up waiting for wakes from other threads after this many seconds.
    #[arg(long, default_value_t = 30.0)]
    timeout: f64,
    /// Describe steps in Rust's words or in the Python coroutine words of the original.
    #[arg(long, default_value = "rust", value_parser = super::parse_lens)]
    lens: Lens,
    /// A page to fetch instead of the demo server's (repeatable; for programs that fetch).
    #[arg(long = "url", value_name = "URL")]
    urls: Vec<String>,
    /// Stop when the trace holds this many events (default: the program's limit, 20,000,000
    /// unless it sets one).
    #[arg(long, value_name = "EVENTS")]
    trace_limit: Option<usize>,
}

/// Runs `subject` and prints what every poll did.
pub fn run(subject: &Subject, args: StepOptions) -> Result<ExitCode, String> {
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        return Err(format!(
            "--timeout must be a positive number of seconds, not {}",
            args.timeout
        ));
    }
    subject.check_urls(&args.urls)?;
    let program = &subject.program;
    // The compiler's states of every pending poll are printed too: read the debug info
    // first (once, well under a second; without it the run goes on all the same).
    let coro = crate::coro::index();
    // The demo server (if the program needs it) lives until the run ends.
    let mut launched = program
        .launch(args.policy, args.urls)
        .map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    let mut timeline = Timeline::new();
    let mut printed = 0;
    let mut polls = 0;
    // Busy polling can waste thousands of polls while a thread works: they are counted,
    // not printed one by one.
    let mut wasted_run = 0usize;
    let mut names: Vec<Sym> = Vec::new();
    let mut named = 0;
    if !args.json {
        let _ = writeln!(
            out,
            "{} {}: {} (policy {})",
            subject.noun,
            program.id(),
            program.info().display_title(),
            args.policy.title()
        );
        if let Err(why) = coro {
            let _ = writeln!(out, "      ({why})");
        }
    }
    let limits = Limits {
        max_polls: args.steps,
        timeout: Some(Duration::from_secs_f64(args.timeout)),
        max_events: args.trace_limit.unwrap_or(program.events_limit()),
    };
    let end = Driver::new(limits).run(&mut launched.executor, |ex, step| {
        if matches!(step, Step::Polled(_)) {
            polls += 1;
        }
        ex.sync_into(timeline.trace_mut());
        if args.json {
            return;
        }
        if step.polled().is_some_and(|p| p.wasted) {
            wasted_run += 1;
        } else {
            if wasted_run > 0 {
                let _ = writeln!(out, "      ... {wasted_run} wasted polls");
                wasted_run = 0;
            }
            if !matches!(step, Step::Idle) {
                let trace = timeline.trace();
                // Tasks' names, from their spawn events as they arrive.
                for e in &trace.events[named..] {
                    if let EventKind::Spawn { name, .. } = e.kind {
                        names.push(name);
                    }
                }
                named = trace.len();
                let name = step
                    .polled()
                    .and_then(|p| names.get(p.task.0 as usize))
                    .map_or("?", |&sym| trace.str(sym));
                let line = report::step_line(polls, step, name, args.lens);
                let _ = writeln!(out, "{line}");
            }
        }
        print_details(&mut out, &timeline, printed);
        printed = timeline.len();
    });
    if !args.json && matches!(end, End::PollLimit { .. }) {
        let _ = writeln!(out, "      stopped after {polls} polls (--steps)");
    }
    launched.executor.sync_into(timeline.trace_mut());
    timeline.catch_up();
    if args.json {
        jsonl::write_events(&mut out, timeline.trace(), 0).map_err(|e| e.to_string())?;
    } else {
        let _ = writeln!(out);
        let _ = write!(
            out,
            "{}",
            report::task_table(timeline.trace(), timeline.live(), args.lens)
        );
    }
    match end {
        End::TimedOut { .. } => Err("timed out waiting for a wake".to_owned()),
        End::TraceFull { .. } => Err(end.to_string()),
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// Prints, indented under the step, what its events add to the step line: say-lines,
/// wakes, threads, panics.
fn print_details(out: &mut impl Write, timeline: &Timeline, from: usize) {
    let trace = timeline.trace();
    for event in &trace.events[from..] {
        let shown = matches!(
            event.kind,
            EventKind::Say { .. }
                | EventKind::Wake { .. }
                | EventKind::ThreadSpawn { .. }
                | EventKind::ThreadFinish { .. }
                | EventKind::ThreadJoin { .. }
                | EventKind::CoroState { .. }
                | EventKind::CoroLocals { .. }
        );
        if shown {
            let _ = writeln!(out, "        {}", report::event_text(trace, event));
        }
    }
}
