//! Where one task's events are in the trace, kept up to date incrementally, so panels that
//! follow a task (the filtered log, the state machine) never rescan a million events when
//! the view rewinds.

use crate::trace::{TaskId, Trace};

/// The indices of one task's events, in order.
#[derive(Debug, Default)]
pub struct TaskIndex {
    task: Option<TaskId>,
    rows: Vec<u32>,
    scanned: usize,
}

impl TaskIndex {
    /// Follows `task` through `trace`: starts over for a new task, else indexes the events
    /// appended since the last call.
    pub fn follow(&mut self, task: TaskId, trace: &Trace) {
        if self.task != Some(task) || trace.len() < self.scanned {
            *self = TaskIndex {
                task: Some(task),
                ..TaskIndex::default()
            };
        }
        let new = trace.events.get(self.scanned..).unwrap_or_default();
        let first = self.scanned;
        self.rows.extend(
            new.iter()
                .enumerate()
                .filter(|(_, e)| e.task == task)
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
