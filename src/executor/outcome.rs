//! What one `step()` did.

use crate::trace::Site;
use crate::trace::{PointId, TaskId};
use std::sync::Arc;

/// The result of [`Executor::step`](super::Executor::step).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// One task was polled once.
    Polled(Polled),
    /// No task is ready, but some task's waker is held elsewhere (a worker thread, a timer):
    /// a wake may still come from another thread.
    Idle,
    /// No task is ready and no waker is held anywhere: nothing can ever wake the
    /// unfinished tasks. This is the lost-wake-up bug made visible.
    Stalled,
    /// Every task has finished.
    Done,
}

impl Step {
    /// The poll report, if a task was polled.
    pub fn polled(&self) -> Option<&Polled> {
        match self {
            Step::Polled(p) => Some(p),
            _ => None,
        }
    }
}

/// One poll of one task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Polled {
    /// The task polled (its name is in the trace's spawn event).
    pub task: TaskId,
    /// What `poll` returned.
    pub outcome: Outcome,
    /// The poll returned `Pending` although nobody had woken the task since its previous
    /// poll (only busy polling does that).
    pub wasted: bool,
    /// How long the poll took.
    pub poll_ns: u64,
    /// Index of this poll's `poll_start` event in the trace.
    pub seq: usize,
}

/// What a poll returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `Poll::Pending`, suspended at the innermost instrumented await (if any).
    Pending {
        /// The `.at(..)` the task is suspended in.
        at: Option<Site>,
        /// The same point's id in the trace.
        point: Option<PointId>,
    },
    /// `Poll::Ready(value)`, with the value's `Debug` text.
    Ready {
        /// `format!("{:?}", value)`, shared with the trace's string table.
        value: ValueText,
    },
    /// The poll panicked; the task is finished.
    Panicked {
        /// The panic message (and where it happened, when known).
        message: String,
    },
}

/// A task's value as text: `()` (what most tasks return) without a shared copy, any other
/// text shared with the trace's string table. Reads as a `str`.
#[derive(Clone)]
pub struct ValueText(Text);

#[derive(Clone)]
enum Text {
    /// `()`: handed out without touching a reference count at every completion.
    Unit,
    Shared(Arc<str>),
}

impl ValueText {
    /// The text `()`.
    pub const UNIT: ValueText = ValueText(Text::Unit);

    /// The text as a `str`.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Text::Unit => "()",
            Text::Shared(text) => text,
        }
    }
}

impl std::ops::Deref for ValueText {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for ValueText {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Display for ValueText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for ValueText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq for ValueText {
    fn eq(&self, other: &ValueText) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for ValueText {}

impl From<Arc<str>> for ValueText {
    fn from(text: Arc<str>) -> ValueText {
        ValueText(Text::Shared(text))
    }
}

impl From<&str> for ValueText {
    fn from(text: &str) -> ValueText {
        match text {
            "()" => ValueText::UNIT,
            _ => ValueText(Text::Shared(text.into())),
        }
    }
}
