//! `step`: run a program headless, one line per poll, then a task table (or the trace as
//! JSON Lines).

use super::output::Lines;
use super::{Subject, args};
use crate::executor::drive::{Driver, End, Limits};
use crate::executor::{Policy, Step};
use crate::lens::Lens;
use crate::trace::{EventKind, History, Sym};
use crate::{jsonl, report};
use clap::Args;
use std::process::ExitCode;
use std::time::Duration;

/// How to step: shared by `pollscope step <lesson>` and a user program's `step`.
#[derive(Debug, Args)]
pub struct StepOptions {
    /// Scheduling policy: `waker` (waker-driven) or `busy` (busy-poll).
    #[arg(long, default_value = "waker", value_parser = super::parse_policy)]
    policy: Policy,
    /// Stop after this many polls.
    #[arg(long, default_value = "1000000", value_parser = args::steps, allow_negative_numbers = true)]
    steps: usize,
    /// Print the trace as JSON Lines (one event per line) instead of words.
    #[arg(long)]
    json: bool,
    /// Give up waiting for wakes from other threads after this many seconds.
    #[arg(long, default_value = "30", value_parser = args::timeout, allow_negative_numbers = true)]
    timeout: Duration,
    /// Describe steps in Rust's words or in the Python coroutine words of the original.
    #[arg(long, default_value = "rust", value_parser = super::parse_lens)]
    lens: Lens,
    /// A page to fetch instead of the demo server's (repeatable; for programs that fetch).
    #[arg(long = "url", value_name = "URL")]
    urls: Vec<String>,
    /// Stop when the trace holds this many events (default: the program's limit, 20,000,000
    /// unless it sets one).
    #[arg(long, value_name = "EVENTS", value_parser = args::events, allow_negative_numbers = true)]
    trace_limit: Option<usize>,
}

/// Runs `subject` and prints what every poll did.
pub fn run(subject: &Subject, args: StepOptions) -> Result<ExitCode, String> {
    subject.check_urls(&args.urls)?;
    let program = &subject.program;
    // The compiler's states of every pending poll are printed too: read the debug info
    // first (once, well under a second; without it the run goes on all the same).
    let coro = crate::coro::index();
    // The demo server (if the program needs it) lives until the run ends.
    let mut launched = program
        .launch(args.policy, args.urls)
        .map_err(|e| e.to_string())?;
    let mut out = Lines::new();
    let mut timeline = History::new();
    let mut printed = 0;
    let mut polls = 0;
    // Busy polling can waste thousands of polls while a thread works: they are counted,
    // not printed one by one.
    let mut wasted_run = 0usize;
    let mut names: Vec<Sym> = Vec::new();
    let mut named = 0;
    if !args.json {
        out.line(format_args!(
            "{} {}: {} (policy {})",
            subject.noun,
            program.id(),
            program.info().display_title(),
            args.policy.title()
        ));
        if let Err(why) = coro {
            out.line(format_args!("      ({why})"));
        }
    }
    let limits = Limits {
        max_polls: args.steps,
        timeout: Some(args.timeout),
        max_events: args.trace_limit.unwrap_or(program.events_limit()),
    };
    let mut driver = Driver::new(limits);
    let ex = &mut launched.executor;
    // Once the output cannot be written the run stops: nobody is reading.
    let end = loop {
        out.check()?;
        let turn = driver.turn(ex, Duration::from_millis(50));
        if let Some(step) = &turn.step {
            if matches!(step, Step::Polled(_)) {
                polls += 1;
            }
            ex.sync_into(timeline.trace_mut());
            if !args.json {
                if step.polled().is_some_and(|p| p.wasted) {
                    wasted_run += 1;
                } else {
                    if wasted_run > 0 {
                        out.line(format_args!("      ... {wasted_run} wasted polls"));
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
                        out.line(format_args!("{line}"));
                    }
                }
                print_details(&mut out, &timeline, printed);
                printed = timeline.len();
            }
        }
        if let Some(end) = turn.end {
            break end;
        }
    };
    if !args.json && matches!(end, End::PollLimit { .. }) {
        out.line(format_args!("      stopped after {polls} polls (--steps)"));
    }
    ex.sync_into(timeline.trace_mut());
    timeline.catch_up();
    if args.json {
        out.write(|mut w| jsonl::write_events(&mut w, timeline.trace(), 0));
    } else {
        out.line(format_args!(""));
        let table = report::task_table(timeline.trace(), timeline.live(), args.lens);
        out.write(|w| w.write_all(table.as_bytes()));
    }
    out.finish()?;
    match end {
        End::TimedOut { .. } => Err("timed out waiting for a wake".to_owned()),
        End::TraceFull { .. } => Err(format!(
            "{end}: the run stopped; --trace-limit N records more"
        )),
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// Prints, indented under the step, what its events add to the step line: say-lines,
/// wakes, threads, panics.
pub(super) fn print_details(out: &mut Lines, timeline: &History, from: usize) {
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
            out.line(format_args!("        {}", report::event_text(trace, event)));
        }
    }
}
