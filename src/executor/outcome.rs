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
        value: Arc<str>,
    },
    /// The poll panicked; the task is finished.
    Panicked {
        /// The panic message (and where it happened, when known).
        message: String,
    },
}
