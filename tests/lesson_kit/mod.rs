//! Shared by the `lesson_*` tests of the full library: run a lesson step by step under a
//! policy, then read its trace as say-lines, await-point events and rebuilt task states.

#![allow(dead_code)]

use pollscope::drive::{Driver, Limits};
use pollscope::executor::{Outcome, Policy, Polled, Step};
use pollscope::lessons::{self, Lesson};
use pollscope::trace::{EventKind, History, TaskId, TaskView, Trace};
use std::collections::BTreeSet;
use std::time::Duration;

/// A finished run: every `step()` result, the last one not `Polled`.
pub struct Run {
    pub lesson: &'static Lesson,
    pub steps: Vec<Step>,
    pub timeline: History,
}

/// Launches lesson `id` and steps until a step polls nothing (`Done`, `Stalled` or
/// `Idle`: these lessons use no threads, so an idle step would never be woken).
pub fn run(id: &str, policy: Policy) -> Run {
    let lesson = lessons::find(id).unwrap();
    let mut launched = lesson.program().launch(policy, Vec::new()).unwrap();
    let mut steps = Vec::new();
    let mut driver = Driver::new(Limits {
        max_polls: 1001,
        ..Limits::none()
    });
    loop {
        let turn = driver.turn(&mut launched.executor, Duration::ZERO);
        let Some(step) = turn.step else { break };
        let polled = matches!(step, Step::Polled(_));
        steps.push(step);
        if !polled || turn.end.is_some() {
            break;
        }
    }
    Run {
        lesson,
        steps,
        timeline: History::from_trace(launched.executor.snapshot()),
    }
}

impl Run {
    pub fn trace(&self) -> &Trace {
        self.timeline.trace()
    }

    /// How the run stopped.
    pub fn last_step(&self) -> &Step {
        self.steps.last().unwrap()
    }

    pub fn polls(&self) -> Vec<&Polled> {
        self.steps.iter().filter_map(Step::polled).collect()
    }

    /// Per poll: (task, returned Ready, wasted).
    pub fn poll_summary(&self) -> Vec<(u32, bool, bool)> {
        self.polls()
            .iter()
            .map(|p| {
                let ready = matches!(p.outcome, Outcome::Ready { .. });
                (p.task.0, ready, p.wasted)
            })
            .collect()
    }

    pub fn task(&self, n: u32) -> &TaskView {
        self.timeline.live().task(TaskId(n)).unwrap()
    }

    /// (polls, wakes, wasted) of task `n`, rebuilt from the trace.
    pub fn counts(&self, n: u32) -> (u32, u32, u32) {
        let t = self.task(n);
        (t.polls, t.wakes, t.wasted)
    }

    /// The completed value of task `n`, if it completed.
    pub fn value(&self, n: u32) -> Option<&str> {
        match self.task(n).state {
            pollscope::trace::TaskState::Completed(v) => Some(self.trace().str(v)),
            _ => None,
        }
    }

    /// Every say-line with the task that said it, in order.
    pub fn said(&self) -> Vec<(u32, &str)> {
        let trace = self.trace();
        trace
            .events
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::Say { text } => Some((e.task.0, trace.str(text))),
                _ => None,
            })
            .collect()
    }

    /// Every say-line, in order.
    pub fn lines(&self) -> Vec<&str> {
        self.said().into_iter().map(|(_, text)| text).collect()
    }

    /// Await-point events in order: ("await_enter" | "suspend" | "resume" | "await_exit", label).
    pub fn point_events(&self) -> Vec<(&'static str, &str)> {
        let trace = self.trace();
        trace
            .events
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::AwaitEnter { point }
                | EventKind::Suspend { point }
                | EventKind::Resume { point }
                | EventKind::AwaitExit { point } => {
                    let label = trace.str(trace.point(point).unwrap().label);
                    Some((e.kind.name(), label))
                }
                _ => None,
            })
            .collect()
    }

    /// Labels of the points in task `n`'s await chain, outermost first.
    pub fn chain(&self, n: u32) -> Vec<&str> {
        let trace = self.trace();
        self.task(n)
            .chain
            .iter()
            .map(|&p| trace.str(trace.point(p).unwrap().label))
            .collect()
    }

    /// Checks that the lesson declares exactly the points the run entered, on the lines
    /// and in the file where they were hit.
    pub fn assert_points_match_declared(&self) {
        let trace = self.trace();
        let mut hit = BTreeSet::new();
        for e in &trace.events {
            if let EventKind::AwaitEnter { point } = e.kind {
                let p = trace.point(point).unwrap();
                assert_eq!(trace.str(p.file), self.lesson.file, "point in another file");
                hit.insert((trace.str(p.label).to_owned(), p.line));
            }
        }
        let declared: BTreeSet<_> = self
            .lesson
            .declared_points()
            .into_iter()
            .map(|(label, line)| {
                let line = line.unwrap_or_else(|| panic!("no `.at(\"{label}\")` in the source"));
                (label.to_owned(), line)
            })
            .collect();
        assert_eq!(hit, declared);
        assert_eq!(declared.len(), self.lesson.points.len(), "duplicate labels");
    }
}

/// The lesson's `.at("..")` labels in source order, read from its source text.
pub fn labels_in_source(lesson: &Lesson) -> Vec<String> {
    let mut labels = Vec::new();
    for line in lesson.source.lines() {
        let mut rest = line;
        while let Some(start) = rest.find(".at(\"") {
            rest = &rest[start + 5..];
            let end = rest.find('"').unwrap();
            labels.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    labels
}

/// The declared points are the source's `.at` labels, in source order.
pub fn assert_points_in_source_order(id: &str) {
    let lesson = lessons::find(id).unwrap();
    assert_eq!(labels_in_source(lesson), lesson.points);
    assert!(
        lesson
            .declared_points()
            .iter()
            .all(|(_, line)| line.is_some())
    );
}
