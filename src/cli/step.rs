//! `pollscope step <lesson>`: run a lesson headless.

use clap::Args;
use pollscope::executor::{Executor, Policy, Step};
use pollscope::lens::Lens;
use pollscope::lessons;
use pollscope::trace::{EventKind, Timeline};
use pollscope::{jsonl, report};
use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Debug, Args)]
pub struct StepArgs {
    /// Lesson id (see `pollscope lessons`).
    lesson: String,
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
    #[arg(long, default_value = "rust", value_parser = parse_lens)]
    lens: Lens,
    /// A page to fetch instead of the demo server's (repeatable; for lessons that fetch).
    #[arg(long = "url", value_name = "URL")]
    urls: Vec<String>,
}

fn parse_lens(s: &str) -> Result<Lens, String> {
    s.parse()
}

pub fn run(args: StepArgs) -> Result<ExitCode, String> {
    let lesson = lessons::find(&args.lesson).map_err(|e| e.to_string())?;
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        return Err(format!(
            "--timeout must be a positive number of seconds, not {}",
            args.timeout
        ));
    }
    if !lesson.fetches && !args.urls.is_empty() {
        return Err(format!(
            "lesson {} fetches nothing: --url does not apply",
            lesson.id
        ));
    }
    // The demo server (if the lesson needs it) lives until the run ends.
    let (env, _server) = lessons::prepare_env(lesson, args.urls).map_err(|e| e.to_string())?;
    let mut ex = Executor::new(args.policy);
    lesson
        .spawn_into(&mut ex, &env)
        .map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    let mut timeline = Timeline::new();
    let mut printed = 0;
    let mut polls = 0;
    // Busy polling can waste thousands of polls while a thread works: they are counted,
    // not printed one by one.
    let mut wasted_run = 0usize;
    let deadline = Instant::now() + Duration::from_secs_f64(args.timeout);
    if !args.json {
        let _ = writeln!(
            out,
            "lesson {}: {} (policy {})",
            lesson.id,
            lesson.title,
            args.policy.title()
        );
    }
    let end = loop {
        if polls >= args.steps {
            if !args.json {
                let _ = writeln!(out, "      stopped after {polls} polls (--steps)");
            }
            break None;
        }
        let step = ex.step();
        if matches!(step, Step::Polled(_)) {
            polls += 1;
        }
        ex.recorder().sync_into(timeline.trace_mut());
        if !args.json {
            if step.polled().is_some_and(|p| p.wasted) {
                wasted_run += 1;
            } else {
                if wasted_run > 0 {
                    let _ = writeln!(out, "      ... {wasted_run} wasted polls");
                    wasted_run = 0;
                }
                if !matches!(step, Step::Idle) {
                    let _ = writeln!(out, "{}", report::step_line(polls, &step, args.lens));
                }
            }
            print_details(&mut out, &timeline, printed);
            printed = timeline.len();
        }
        match step {
            Step::Polled(_) => {}
            Step::Idle if Instant::now() < deadline => ex.park(deadline - Instant::now()),
            Step::Idle => break Some("timed out waiting for a wake".to_owned()),
            Step::Stalled | Step::Done => break Some(String::new()),
        }
    };
    ex.recorder().sync_into(timeline.trace_mut());
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
        Some(problem) if !problem.is_empty() => Err(problem),
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
        );
        if shown {
            let _ = writeln!(out, "        {}", report::event_text(trace, event));
        }
    }
}
