//! Where a continuous run stops on its own: breakpoints on source lines, and the bigger
//! steps (until a task has been polled once more, until a thread wakes a task).
//!
//! The executor thread shows every new event to a [`Watch`] before handing it to the UI,
//! so a run stops right after the poll that reached the line, not frames later. The watch
//! keeps its own copy of the trace's strings and await points (both small and append-only)
//! to tell which point ids stand for a breakpoint's file and line.

use crate::trace::{EventKind, Point, PointId, Sym, TaskId, TraceDelta, WakeSource};
use std::sync::Arc;

/// A source line: the file as the compiler names it, and the 1-based line.
pub type Line = (String, u32);

/// A bigger step: run until this has happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Until {
    /// The task's next poll has ended.
    Polled(TaskId),
    /// A thread other than the executor's has woken a task.
    ThreadWake,
}

/// Why a run stopped on its own, for the status bar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stop {
    /// The task the stop concerns: the one at the breakpoint, polled, or woken.
    pub task: TaskId,
    /// One line, e.g. "breakpoint src/lessons/threads.rs:28: task 0 (amazon) suspends at
    /// handle.await".
    pub message: String,
}

/// Breakpoints, the bigger step in progress, and the first stop found.
#[derive(Debug, Default)]
pub struct Watch {
    breakpoints: Vec<Line>,
    until: Option<Until>,
    strings: Vec<Arc<str>>,
    points: Vec<Point>,
    /// Per point id: whether a breakpoint is on its line.
    on_breakpoint: Vec<bool>,
    /// Task names by number, from the spawns seen.
    tasks: Vec<Sym>,
    stop: Option<Stop>,
}

impl Watch {
    /// Forgets the run (a reset); the breakpoints stay.
    pub fn new_run(&mut self) {
        *self = Watch {
            breakpoints: std::mem::take(&mut self.breakpoints),
            ..Watch::default()
        };
    }

    /// The lines a run stops at when a task suspends or resumes there.
    pub fn set_breakpoints(&mut self, lines: Vec<Line>) {
        self.breakpoints = lines;
        self.on_breakpoint = self.points.iter().map(|p| self.is_marked(p)).collect();
    }

    /// Starts (or with `None`, ends) a bigger step; forgets an earlier stop.
    pub fn set_until(&mut self, until: Option<Until>) {
        self.until = until;
        self.stop = None;
    }

    /// The first stop found since the last call, if any; a bigger step ends with it.
    pub fn take_stop(&mut self) -> Option<Stop> {
        let stop = self.stop.take();
        if stop.is_some() {
            self.until = None;
        }
        stop
    }

    fn str(&self, sym: Sym) -> &str {
        self.strings.get(sym.0 as usize).map_or("?", |s| s)
    }

    fn is_marked(&self, point: &Point) -> bool {
        let file = self.str(point.file);
        self.breakpoints
            .iter()
            .any(|(f, line)| *line == point.line && f == file)
    }

    fn task_name(&self, task: TaskId) -> String {
        match self.tasks.get(task.0 as usize) {
            Some(&name) => format!("task {} ({})", task.0, self.str(name)),
            None => format!("task {}", task.0),
        }
    }

    fn at_breakpoint(&self, point: PointId) -> Option<&Point> {
        let i = point.0 as usize;
        self.on_breakpoint
            .get(i)
            .copied()
            .unwrap_or(false)
            .then(|| self.points.get(i))
            .flatten()
    }

    /// Looks at a run's new events (before they go to the UI) and keeps the first stop.
    pub fn scan(&mut self, delta: &TraceDelta) {
        self.strings.extend(delta.strings.iter().cloned());
        for point in &delta.points {
            let marked = self.is_marked(point);
            self.points.push(*point);
            self.on_breakpoint.push(marked);
        }
        for event in &delta.events {
            if let EventKind::Spawn { name, .. } = event.kind {
                self.tasks.push(name);
            }
            if self.stop.is_some() {
                continue;
            }
            let task = event.task;
            let message = match event.kind {
                EventKind::Suspend { point } | EventKind::Resume { point } => {
                    let Some(p) = self.at_breakpoint(point) else {
                        continue;
                    };
                    let verb = match event.kind {
                        EventKind::Suspend { .. } => "suspends",
                        _ => "resumes",
                    };
                    format!(
                        "breakpoint {}:{}: {} {verb} at {}",
                        self.str(p.file),
                        p.line,
                        self.task_name(task),
                        self.str(p.label)
                    )
                }
                // A program without `.at(..)` points: the compiler's state after a poll
                // says where the task is suspended.
                EventKind::CoroState { state, .. } => {
                    let Some(p) = self.at_breakpoint(state) else {
                        continue;
                    };
                    format!(
                        "breakpoint {}:{}: {} is suspended there ({})",
                        self.str(p.file),
                        p.line,
                        self.task_name(task),
                        self.str(p.label)
                    )
                }
                EventKind::PollEnd { result, .. } if self.until == Some(Until::Polled(task)) => {
                    format!(
                        "{} was polled once more: it returned {}",
                        self.task_name(task),
                        result.name()
                    )
                }
                EventKind::Wake {
                    by: WakeSource::Thread(thread),
                } if self.until == Some(Until::ThreadWake) => {
                    format!("thread {} woke {}", self.str(thread), self.task_name(task))
                }
                _ => continue,
            };
            self.stop = Some(Stop { task, message });
        }
    }
}
