//! The trace as lanes over time, for the timeline: one lane per task and per worker
//! thread, each a run of spans (polls, suspensions, waits in the queue, a thread's life),
//! and the wakes as arrows from the waking lane to the woken task's.
//!
//! The model is built in one pass and then brought up to date with only the events
//! recorded since ([`Lanes::update`]), so a live run pays for its new events, not for the
//! whole trace, every frame. Like every reader of a trace it trusts nothing: events about
//! tasks or threads no spawn names are skipped, spans the trace leaves open run to its
//! last event, and no table is sized by a number read from the trace beyond the event
//! count.

mod walk;

use crate::trace::{ExecThread, PointId, PollResult, Sym, TaskId, ThreadNo, Trace, WakeSource};

/// A poll at least this long (10 ms) is flagged blocking. A poll that only moves a state
/// machine along takes microseconds, even in a debug build; one that takes milliseconds
/// did blocking work (a `thread::sleep`, a blocking read, a long computation) on the
/// executor's thread, and every other task waited that long. 10 ms is well above the
/// first, well below what a user notices as a freeze.
pub const BLOCKING_NS: u64 = 10_000_000;

/// Whose lane it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LaneKind {
    /// A task.
    Task(TaskId),
    /// A worker thread pollscope started (a thread handle).
    Thread(ThreadNo),
    /// A thread pollscope did not start that woke a task (a runtime's, the program's
    /// own), by name: it has no spans, only the arrows that leave it.
    Outside(Sym),
    /// A runtime's worker thread (tokio's) polling that runtime's tasks: a span per poll,
    /// so polls on several threads at once are seen side by side.
    Worker(ExecThread),
}

/// One row of the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lane {
    /// Whose lane.
    pub kind: LaneKind,
    /// The task's or thread's name.
    pub name: String,
    /// The lane of the task that spawned this task or started this thread, if any.
    pub parent: Option<usize>,
    /// Its spans, in time order; they do not overlap.
    pub spans: Vec<Span>,
}

impl Lane {
    /// The spans that overlap `from_ns..=to_ns`.
    pub fn spans_in(&self, from_ns: u64, to_ns: u64) -> &[Span] {
        let first = self.spans.partition_point(|s| s.end_ns < from_ns);
        let rest = self.spans.get(first..).unwrap_or_default();
        let count = rest.partition_point(|s| s.start_ns <= to_ns);
        rest.get(..count).unwrap_or_default()
    }

    /// The span covering `t_ns`, if one does.
    pub fn span_at(&self, t_ns: u64) -> Option<&Span> {
        self.spans_in(t_ns, t_ns).last()
    }
}

/// A stretch of a lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// When it began.
    pub start_ns: u64,
    /// When it ended; for an open span, the trace's last event.
    pub end_ns: u64,
    /// The index of the event that opened it (a poll's `poll_start`, the wake that queued
    /// the task, a thread's `thread_spawn`).
    pub event: usize,
    /// Still going at the trace's end.
    pub open: bool,
    /// What the lane's owner was doing.
    pub kind: SpanKind,
}

impl Span {
    /// How long it lasted (so far, if open).
    pub fn duration_ns(&self) -> u64 {
        self.end_ns.saturating_sub(self.start_ns)
    }
}

/// What a span is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpanKind {
    /// The task was inside `poll`.
    Poll {
        /// Which poll of the task, from 1.
        number: u32,
        /// How it ended; `None` while it runs (or when the trace never said).
        result: Option<PollResult>,
        /// It lasted at least [`BLOCKING_NS`].
        blocking: bool,
    },
    /// The task returned `Pending` and nobody has woken it yet.
    Suspended {
        /// Where it waits: the innermost `.at(..)` point it suspended in, else the state
        /// the compiler's coroutine was left in (labelled `SuspendN`).
        point: Option<PointId>,
        /// When `point` is the compiler's state: the future's path.
        future: Option<Sym>,
    },
    /// The task was woken (or just spawned) and waits for the executor to poll it.
    Queued,
    /// A worker thread was running its closure.
    Alive {
        /// The index of its `thread_finish` event, once it has finished.
        finish: Option<usize>,
    },
}

impl SpanKind {
    /// A suspension's label: the await point's, or the compiler's state's name.
    pub fn label<'t>(&self, trace: &'t Trace) -> Option<&'t str> {
        match *self {
            SpanKind::Suspended {
                point: Some(point), ..
            } => trace.await_point(point).map(|p| p.label),
            _ => None,
        }
    }
}

/// A wake: from the lane of whoever called `wake` to the woken task's lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arrow {
    /// The waker's lane: the worker thread's for a thread, the waking task's, the task's
    /// own for a self-wake; `None` for a wake from outside any task or known thread.
    pub from_lane: Option<usize>,
    /// The woken task's lane.
    pub to_lane: usize,
    /// When the waker was called.
    pub t_ns: u64,
    /// The index of the `wake` event.
    pub event: usize,
    /// Who woke it, as the trace says.
    pub by: WakeSource,
}

/// The whole trace as lanes and arrows.
#[derive(Clone, Debug, Default)]
pub struct Lanes {
    /// Every lane, in the order its task or thread first appeared; [`Lanes::rows`] is
    /// the order to show them in.
    pub lanes: Vec<Lane>,
    /// Every wake of a known task, in trace order.
    pub arrows: Vec<Arrow>,
    /// The time of the first event.
    pub start_ns: u64,
    /// The time of the last event (the latest, if the clock ever went back).
    pub end_ns: u64,
    walk: walk::Walk,
}

/// The lanes of `trace`.
pub fn build(trace: &Trace) -> Lanes {
    let mut lanes = Lanes::default();
    lanes.update(trace);
    lanes
}

/// The index of the last event at or before `t_ns`, if any event is.
pub fn event_at(trace: &Trace, t_ns: u64) -> Option<usize> {
    trace
        .events
        .partition_point(|e| e.t_ns <= t_ns)
        .checked_sub(1)
}

impl Lanes {
    /// Brings the lanes up to date with `trace`: only the events after the last update are
    /// walked, unless `trace` is not the one they were built from grown longer (a new run,
    /// another file), which is built afresh. Returns true when it was built afresh.
    pub fn update(&mut self, trace: &Trace) -> bool {
        let afresh = !self.walk.continues(trace);
        if afresh {
            *self = Lanes::default();
        }
        walk::Walk::extend(self, trace);
        afresh
    }

    /// True if the lanes describe `trace` as it is: an [`update`](Lanes::update) would
    /// change nothing.
    pub fn is_current(&self, trace: &Trace) -> bool {
        self.walk.seen() == trace.len() && self.walk.continues(trace)
    }

    /// How many events the lanes describe.
    pub fn events(&self) -> usize {
        self.walk.seen()
    }

    /// The lane of a task, if it was spawned.
    pub fn task_lane(&self, task: TaskId) -> Option<usize> {
        self.walk.task_lane(task)
    }

    /// Lane indexes in the order to show them, as the task table orders tasks: each task
    /// followed by the worker threads it started, then by the tasks it spawned (each with
    /// its own); then threads no known task started, then a runtime's worker threads, then
    /// outside threads.
    pub fn rows(&self) -> Vec<usize> {
        let n = self.lanes.len();
        let mut threads: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut roots = Vec::new();
        let mut orphans = Vec::new();
        let mut outside = Vec::new();
        let mut workers = Vec::new();
        for (i, lane) in self.lanes.iter().enumerate() {
            // A parent lane always comes before its children: anything else is damage,
            // and the lane is shown at the top level rather than lost.
            let parent = lane.parent.filter(|&p| p < i);
            match lane.kind {
                LaneKind::Task(_) => match parent.and_then(|p| children.get_mut(p)) {
                    Some(list) => list.push(i),
                    None => roots.push(i),
                },
                LaneKind::Thread(_) => match parent.and_then(|p| threads.get_mut(p)) {
                    Some(list) => list.push(i),
                    None => orphans.push(i),
                },
                LaneKind::Outside(_) => outside.push(i),
                LaneKind::Worker(_) => workers.push(i),
            }
        }
        let mut rows = Vec::with_capacity(n);
        let mut stack: Vec<usize> = roots.into_iter().rev().collect();
        while let Some(task) = stack.pop() {
            rows.push(task);
            rows.extend(threads.get(task).into_iter().flatten());
            stack.extend(children.get(task).into_iter().flatten().rev());
        }
        rows.extend(orphans);
        // Workers by number, whichever polled first.
        workers.sort_by_key(|&i| match self.lanes[i].kind {
            LaneKind::Worker(on) => on.0,
            _ => 0,
        });
        rows.extend(workers);
        rows.extend(outside);
        rows
    }

    /// The arrows whose wake falls in `from_ns..=to_ns`.
    pub fn arrows_in(&self, from_ns: u64, to_ns: u64) -> &[Arrow] {
        let first = self.arrows.partition_point(|a| a.t_ns < from_ns);
        let rest = self.arrows.get(first..).unwrap_or_default();
        let count = rest.partition_point(|a| a.t_ns <= to_ns);
        rest.get(..count).unwrap_or_default()
    }
}
