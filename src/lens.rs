//! The Python lens: the same step and the same task state in the words the original
//! experiments used (`coro.send(None)`, `StopIteration(value)`, `CORO_SUSPENDED`, ...).

use crate::executor::{Outcome, Step};
use crate::trace::{TaskState, TaskView, Trace};

/// Which vocabulary to describe the run in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lens {
    /// `poll`, `Poll::Pending`, `Poll::Ready(v)`, task states.
    #[default]
    Rust,
    /// `coro.send(None)`, yielded, `StopIteration(v)`, `inspect.getcoroutinestate` names.
    Python,
}

impl Lens {
    /// The CLI's word for the lens.
    pub fn word(self) -> &'static str {
        match self {
            Lens::Rust => "rust",
            Lens::Python => "python",
        }
    }
}

impl std::str::FromStr for Lens {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "rust" => Ok(Lens::Rust),
            "python" | "py" => Ok(Lens::Python),
            other => Err(format!(
                "unknown lens '{other}': expected 'rust' or 'python'"
            )),
        }
    }
}

/// Rust's panic when an `async fn` future is polled after it returned.
const RESUMED_AFTER_COMPLETION: &str = "`async fn` resumed after completion";

/// A task state in the lens's words. Python's names are those of
/// `inspect.getcoroutinestate`.
pub fn state_word(lens: Lens, state: TaskState) -> &'static str {
    match lens {
        Lens::Rust => state.word(),
        Lens::Python => match state {
            TaskState::Created => "CORO_CREATED",
            TaskState::Running => "CORO_RUNNING",
            TaskState::Scheduled | TaskState::Suspended => "CORO_SUSPENDED",
            TaskState::Completed(_) | TaskState::Panicked(_) => "CORO_CLOSED",
        },
    }
}

/// A task's state word, as [`state_word`] gives it, but in a Python run's own kind where
/// the trace knows it: `GEN_SUSPENDED` for a generator, `AGEN_CLOSED` for an async
/// generator (the tracer records CPython's word with every suspension and at creation).
pub fn task_state_word(lens: Lens, trace: &Trace, task: &TaskView) -> &'static str {
    let word = state_word(lens, task.state);
    if lens != Lens::Python {
        return word;
    }
    let prefix = task
        .coro
        .first()
        .and_then(|f| trace.point(f.state))
        .and_then(|p| trace.str(p.label).split_once('_'))
        .map(|(prefix, _)| prefix);
    let rest = word.strip_prefix("CORO_").unwrap_or(word);
    match (prefix, rest) {
        (Some("GEN"), "CREATED") => "GEN_CREATED",
        (Some("GEN"), "RUNNING") => "GEN_RUNNING",
        (Some("GEN"), "SUSPENDED") => "GEN_SUSPENDED",
        (Some("GEN"), "CLOSED") => "GEN_CLOSED",
        (Some("AGEN"), "CREATED") => "AGEN_CREATED",
        (Some("AGEN"), "RUNNING") => "AGEN_RUNNING",
        (Some("AGEN"), "SUSPENDED") => "AGEN_SUSPENDED",
        (Some("AGEN"), "CLOSED") => "AGEN_CLOSED",
        _ => word,
    }
}

/// What a step did, in the lens's words (without the task number and name).
pub fn outcome_text(lens: Lens, outcome: &Outcome) -> String {
    match (lens, outcome) {
        (Lens::Rust, Outcome::Pending { at: Some(site), .. }) => format!("Pending at {site}"),
        (Lens::Rust, Outcome::Pending { at: None, .. }) => "Pending".to_owned(),
        (Lens::Rust, Outcome::Ready { value }) => format!("Ready({value})"),
        (Lens::Rust, Outcome::Panicked { message }) => format!("Panicked: {message}"),
        (Lens::Python, Outcome::Pending { at, .. }) => {
            let at = at.map(|s| format!(" at {s}")).unwrap_or_default();
            format!("coro.send(None) -> yielded{at}  [CORO_SUSPENDED]")
        }
        (Lens::Python, Outcome::Ready { value }) => {
            format!("coro.send(None) -> StopIteration({value})  [CORO_CLOSED]")
        }
        (Lens::Python, Outcome::Panicked { message })
            if message.starts_with(RESUMED_AFTER_COMPLETION) =>
        {
            "coro.send(None) -> RuntimeError: cannot reuse already awaited coroutine  [CORO_CLOSED]"
                .to_owned()
        }
        (Lens::Python, Outcome::Panicked { message }) => {
            format!("coro.send(None) -> raised Exception({message:?})  [CORO_CLOSED]")
        }
    }
}

/// Why nothing was polled, in the lens's words.
pub fn idle_text(lens: Lens, step: &Step) -> &'static str {
    match (lens, step) {
        (Lens::Rust, Step::Idle) => "idle: waiting for a wake from another thread",
        (Lens::Rust, Step::Stalled) => "stalled: no task can be woken",
        (Lens::Rust, _) => "done: every task has finished",
        (Lens::Python, Step::Idle) => "event loop: waiting in select() for a thread to call back",
        (Lens::Python, Step::Stalled) => {
            "event loop: nothing scheduled and no callback pending: the coroutines never resume"
        }
        (Lens::Python, _) => "event loop: every coroutine is CORO_CLOSED",
    }
}
