//! What the events mean, one fact at a time, as [`super::Reading`] hands them out.

use super::Suspension;
use crate::trace::{
    CoroFrame, ExecThread, PointId, PollResult, Sym, TaskId, ThreadNo, ThreadOutcome, WakeSource,
};

/// A call of a task's waker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wake {
    /// The wake event's index in the trace.
    pub seq: usize,
    /// When it happened.
    pub t_ns: u64,
    /// Who called it.
    pub by: WakeSource,
}

/// One fact of a trace. Facts borrow from the reading: a view takes what it needs while
/// it is handed the fact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fact<'r> {
    /// A task was spawned, by `parent` or by the program itself.
    Spawned {
        task: TaskId,
        name: Sym,
        parent: Option<TaskId>,
    },
    /// A poll started on executor thread `on`: the task's `ordinal`-th (from 1), `asked`
    /// for (its first poll, or woken since its last: otherwise wasted if it returns
    /// `Pending`), caused by `wakes` (those since its last poll started).
    PollStarted {
        task: TaskId,
        on: ExecThread,
        asked: bool,
        ordinal: u32,
        wakes: &'r [Wake],
    },
    /// An instrumented future (`.at(..)`) is polled inside the task's open poll, `depth`
    /// futures deep; `chain` is the futures being polled now, outermost first (itself
    /// last).
    AwaitPolled {
        task: TaskId,
        point: PointId,
        resumed: bool,
        depth: usize,
        chain: &'r [PointId],
    },
    /// It returned: `Pending`, or `Ready` (`pending` false). `cut` futures polled inside
    /// it that never said how they ended end with it; `chain` is what is being polled
    /// after it returned.
    AwaitReturned {
        task: TaskId,
        point: PointId,
        pending: bool,
        depth: usize,
        cut: usize,
        chain: &'r [PointId],
    },
    /// A poll ended: `result` is `None` when the trace never said (another poll started
    /// on its thread first). `running` is what was being polled when it ended (where a
    /// panic happened); `suspension` where a `Pending` poll left the task (empty
    /// otherwise).
    PollEnded {
        task: TaskId,
        on: ExecThread,
        result: Option<PollResult>,
        running: &'r [PointId],
        suspension: &'r Suspension,
    },
    /// A compiler state (or the locals it holds) was recorded after the task's poll;
    /// `frames` is the chain recorded so far, the task's own future first.
    CoroRecorded {
        task: TaskId,
        depth: usize,
        frames: &'r [CoroFrame],
    },
    /// The task's waker was called: `first` since its last poll started (the moment it
    /// joined the queue), `polling` while its own poll is open (it goes back to the queue
    /// when the poll returns `Pending`).
    Woken {
        task: TaskId,
        wake: Wake,
        first: bool,
        polling: bool,
    },
    /// `say!`, inside a task's poll or outside any (`task` `None`).
    Said { task: Option<TaskId>, text: Sym },
    /// What went into the task's resume and who drove it (a Python run).
    Resumed {
        task: TaskId,
        input: Sym,
        driver: PointId,
    },
    /// The value the task's suspension handed to its driver (a Python run).
    Yielded { task: TaskId, value: Sym },
    /// The interpreter refused to resume the task (a Python run); its state is unchanged.
    Refused {
        task: TaskId,
        input: Sym,
        driver: PointId,
        error: Sym,
    },
    /// The task's future returned this value.
    Completed { task: TaskId, value: Sym },
    /// The task's poll panicked.
    Panicked { task: TaskId, message: Sym },
    /// A worker thread started, by `task`.
    ThreadStarted {
        thread: ThreadNo,
        name: Sym,
        task: TaskId,
    },
    /// A worker thread's closure ended.
    ThreadFinished {
        thread: ThreadNo,
        outcome: ThreadOutcome,
        duration_us: u32,
        result: Sym,
    },
    /// A task collected a worker thread's result.
    ThreadJoined { thread: ThreadNo, task: TaskId },
}
