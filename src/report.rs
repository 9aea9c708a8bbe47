//! Words for what happened: event descriptions, step lines and task tables, shared by
//! the CLI and the app so both tell the same story.

use crate::executor::Step;
use crate::lens::{self, Lens};
use crate::trace::{Event, EventKind, State, TaskState, Trace, WakeSource};
use crate::tracefile::jsonl::wake_source_text;
use std::fmt::Write;

/// One event in words (`task 0 suspended at Remote (src/lessons/remote.rs:28)`).
pub fn event_text(trace: &Trace, event: &Event) -> String {
    let task = format!("task {}", event.task);
    match event.kind {
        EventKind::Spawn { name, parent } => match parent.get() {
            Some(p) => format!("{task} spawned as \"{}\" by task {p}", trace.str(name)),
            None => format!("{task} spawned as \"{}\"", trace.str(name)),
        },
        EventKind::PollStart { .. } => format!("{task}: poll starts"),
        EventKind::PollEnd { result, .. } => format!("{task}: poll returns {}", result.name()),
        EventKind::AwaitEnter { point } => {
            format!("{task} enters await {}", trace.point_text(point))
        }
        EventKind::Suspend { point } => {
            format!("{task} suspends at {}", trace.point_text(point))
        }
        EventKind::Resume { point } => format!("{task} resumes at {}", trace.point_text(point)),
        EventKind::AwaitExit { point } => {
            format!("{task} finishes await {}", trace.point_text(point))
        }
        EventKind::Wake { by } => format!("{task} woken by {}", wake_source_words(trace, by)),
        EventKind::Say { text } => format!("{task} says: {}", trace.str(text)),
        EventKind::Complete { value } => format!("{task} completed with {}", trace.str(value)),
        EventKind::Panic { message } => format!("{task} panicked: {}", trace.str(message)),
        EventKind::ThreadSpawn { thread, name } => {
            format!("{task} starts thread {} \"{}\"", thread.0, trace.str(name))
        }
        EventKind::ThreadFinish {
            thread,
            outcome,
            duration_us,
            result,
        } => format!(
            "thread {} finishes ({}) after {}: {}",
            thread.0,
            outcome.name(),
            duration(u64::from(duration_us) * 1_000),
            trace.str(result)
        ),
        EventKind::ThreadJoin { thread } => format!("{task} joins thread {}", thread.0),
        EventKind::CoroState {
            depth,
            future,
            state,
        } => {
            let point = trace.await_point(state);
            let at = match &point {
                Some(p) => format!("{} ({}:{})", p.label, p.file, p.line),
                None => "?".to_owned(),
            };
            let future = crate::coro::short_path(trace.str(future));
            // A Python run names each coroutine's state from its creation on.
            let created = point
                .as_ref()
                .is_some_and(|p| p.label.ends_with("_CREATED"));
            match depth {
                0 if created => format!("{task} is made: {future} {at}"),
                0 => format!("{task} is at {future} {at}"),
                d => format!("{task} {}awaits {future} {at}", "  ".repeat(usize::from(d))),
            }
        }
        EventKind::CoroLocals { depth, text } => format!(
            "{task} {}holds {}",
            "  ".repeat(usize::from(depth)),
            trace.str(text)
        ),
        EventKind::Input { text, driver } => format!(
            "{task} resumed with {} by {}",
            trace.str(text),
            trace.point_text(driver)
        ),
        EventKind::Yielded { value } => format!("{task} yields {} to its driver", trace.str(value)),
        EventKind::Refused {
            input,
            driver,
            error,
        } => format!(
            "{task}: {} by {} refused before it ran: {}",
            trace.str(input),
            trace.point_text(driver),
            trace.str(error)
        ),
    }
}

/// A wake source in words (`itself`, `task 2`, `thread fetch-1`, `outside`).
pub fn wake_source_words(trace: &Trace, by: WakeSource) -> String {
    match by {
        WakeSource::SelfWake => "itself".to_owned(),
        WakeSource::Task(t) => format!("task {}", t.0),
        WakeSource::Thread(_) => wake_source_text(trace, by).replacen(':', " ", 1),
        WakeSource::External => "outside".to_owned(),
    }
}

/// A duration in the most readable unit.
pub fn duration(ns: u64) -> String {
    match ns {
        0..1_000 => format!("{ns} ns"),
        1_000..1_000_000 => format!("{:.1} µs", ns as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} ms", ns as f64 / 1e6),
        _ => format!("{:.2} s", ns as f64 / 1e9),
    }
}

/// One line for one step: poll number, task (`name` is the polled task's), outcome and
/// await point as `file:line`, in the lens's words. Steps that polled nothing have no
/// number.
pub fn step_line(number: usize, step: &Step, name: &str, lens: Lens) -> String {
    match step {
        Step::Polled(p) => {
            let wasted = if p.wasted { "  [wasted]" } else { "" };
            format!(
                "{number:>4}  task {} {:<12} {}{wasted}",
                p.task,
                name,
                lens::outcome_text(lens, &p.outcome)
            )
        }
        other => format!("      {}", lens::idle_text(lens, other)),
    }
}

/// The value or error a task ended with, or where it waits.
pub fn task_detail(trace: &Trace, state: &State, id: usize) -> String {
    let Some(task) = state.tasks.get(id) else {
        return String::new();
    };
    match task.state {
        TaskState::Completed(v) => trace.str(v).to_owned(),
        TaskState::Panicked(m) => trace.str(m).to_owned(),
        _ => task
            .await_point()
            .map(|p| trace.point_text(p))
            .unwrap_or_default(),
    }
}

/// The task table printed after a run, with states in the lens's words.
pub fn task_table(trace: &Trace, state: &State, lens: Lens) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>4}  {:<12} {:<14} {:>5} {:>5} {:>6} {:>10}  value / await point",
        "task", "name", "state", "polls", "wakes", "wasted", "poll time"
    );
    for (i, depth) in state.tree_order() {
        let t = &state.tasks[i];
        // A spawned task sits under its parent, indented.
        let name = match depth {
            0 => trace.str(t.name).to_owned(),
            d => format!("{}└ {}", "  ".repeat(d - 1), trace.str(t.name)),
        };
        let _ = writeln!(
            out,
            "{:>4}  {:<12} {:<14} {:>5} {:>5} {:>6} {:>10}  {}",
            t.id,
            name,
            lens::task_state_word(lens, trace, t),
            t.polls,
            t.wakes,
            t.wasted,
            duration(t.poll_ns),
            task_detail(trace, state, i)
        );
    }
    out
}
