//! Where one task's events (or the program's output) are in the trace, kept up to date
//! incrementally, so panels that follow them (the filtered log, the state machine) never
//! rescan a million events when the view rewinds.

use crate::trace::{Event, EventKind, TaskId, Trace};

/// Which events an index follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Follow {
    /// One task's events.
    Task(TaskId),
    /// Every line the program printed, whichever task (or none) printed it.
    Output,
}

impl Follow {
    fn wants(self, event: &Event) -> bool {
        match self {
            Follow::Task(task) => event.task == task,
            Follow::Output => matches!(event.kind, EventKind::Say { .. }),
        }
    }
}

/// The indices of the followed events, in order.
#[derive(Debug, Default)]
pub struct TaskIndex {
    follows: Option<Follow>,
    rows: Vec<u32>,
    scanned: usize,
}

impl TaskIndex {
    /// Follows `task` through `trace`: starts over for a new task, else indexes the events
    /// appended since the last call.
    pub fn follow(&mut self, task: TaskId, trace: &Trace) {
        self.follow_events(Follow::Task(task), trace);
    }

    /// Follows the events `follows` picks: starts over for a new pick, else indexes the
    /// events appended since the last call.
    pub fn follow_events(&mut self, follows: Follow, trace: &Trace) {
        if self.follows != Some(follows) || trace.len() < self.scanned {
            *self = TaskIndex {
                follows: Some(follows),
                ..TaskIndex::default()
            };
        }
        let new = trace.events.get(self.scanned..).unwrap_or_default();
        let first = self.scanned;
        self.rows.extend(
            new.iter()
                .enumerate()
                .filter(|(_, e)| follows.wants(e))
                .map(|(i, _)| (first + i) as u32),
        );
        self.scanned = trace.len();
    }

    /// Forgets everything (a new trace began).
    pub fn clear(&mut self) {
        *self = TaskIndex::default();
    }

    /// The task's events among the first `upto` events of the trace.
    pub fn before(&self, upto: usize) -> &[u32] {
        let n = self.rows.partition_point(|&i| (i as usize) < upto);
        &self.rows[..n]
    }
}
