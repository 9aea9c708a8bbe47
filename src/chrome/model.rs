//! What the export draws, before it is written: slices on tracks, arrows between them,
//! and the facts their names and arguments are rendered from.
//!
//! A slice holds only a compact [`Kind`]; text is produced when the file is written, so a
//! long trace costs a few words per slice rather than a string and a map each.

use crate::trace::{CoroFrame, PointId, PollResult, Sym, TaskId, ThreadOutcome, WakeSource};

/// A row in the viewer: a (`pid`, `tid`) pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct Track {
    pub pid: u32,
    pub tid: u64,
}

/// Whether a slice spans time or marks a moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Shape {
    /// `B`/`E` (or `X` when it lasts no time).
    Span,
    /// A thread-scoped `i`: viewers treat it as a slice of no duration.
    Instant,
}

/// One slice, in nanoseconds since the recording started.
#[derive(Clone, Debug)]
pub(super) struct Slice {
    pub track: Track,
    pub shape: Shape,
    pub start: u64,
    pub end: u64,
    /// Smaller is outer: puts the parent first when two slices cover the same interval.
    pub level: u32,
    pub kind: Kind,
}

/// What a slice stands for.
#[derive(Clone, Copy, Debug)]
pub(super) enum Kind {
    /// A task's life, from spawn to its value or panic, on the task's row.
    Life { task: u32 },
    /// A poll: on the executor's track (named after the task) or on the task's row.
    Poll { task: u32, poll: usize, row: bool },
    /// An instrumented future (`.at(..)`) being polled, inside a poll.
    Await {
        point: PointId,
        resumed: bool,
        ended: AwaitEnd,
    },
    /// From a pending poll to the task's next poll, on the task's row.
    Suspended { task: u32, suspension: usize },
    /// One level of the await chain a task is suspended in.
    Level { level: usize },
    /// A worker thread's life.
    Thread { slot: usize },
    /// A `say!` line.
    Say { task: Option<u32>, text: Sym },
    /// A call of a task's waker; a span only where no other slice encloses it, so the
    /// wake's arrow has a slice to start in.
    Wake { task: TaskId, by: WakeSource },
    /// A poll that panicked.
    Panic { task: u32, message: Sym },
    /// A task collecting a worker thread's result.
    Join { task: TaskId, thread: u32 },
}

/// How an instrumented future's turn inside a poll ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum AwaitEnd {
    Pending,
    Ready,
    /// No event closed it: the poll (or an outer await) ended around it.
    Cut,
}

/// An arrow from a wake to the poll it caused. `id` is the wake's sequence number.
#[derive(Clone, Copy, Debug)]
pub(super) struct Flow {
    pub id: usize,
    /// The slice the waker was in, and the wake's time.
    pub from: (usize, u64),
    /// The woken poll's slice on the executor's track.
    pub to: usize,
}

/// A spawned task.
#[derive(Clone, Copy, Debug)]
pub(super) struct TaskFacts {
    pub name: Sym,
    pub parent: TaskId,
    pub end: Option<TaskEnd>,
}

/// How a task's life ended.
#[derive(Clone, Copy, Debug)]
pub(super) enum TaskEnd {
    Value(Sym),
    Panic(Sym),
}

/// One poll.
#[derive(Clone, Debug)]
pub(super) struct PollFacts {
    /// 1 for the task's first poll.
    pub ordinal: u32,
    /// `None` if the trace never says how it ended.
    pub result: Option<PollResult>,
    /// The compiler's state machines after the poll, the task's own future first.
    pub coro: Vec<CoroFrame>,
}

/// One level of a suspended task's await chain: the await points at that depth (more
/// than one when a future like `join` waits on several at once), and the coroutine
/// whose suspend point it is, when the binary's debug info says so.
#[derive(Clone, Debug)]
pub(super) struct LevelFacts {
    pub depth: usize,
    pub points: Vec<PointId>,
    pub coro: Option<(usize, CoroFrame)>,
}

/// A worker thread (one per `thread_spawn`).
#[derive(Clone, Copy, Debug)]
pub(super) struct ThreadFacts {
    pub no: u32,
    pub name: Sym,
    pub task: TaskId,
    pub finish: Option<ThreadEnd>,
}

/// How a worker thread's closure ended.
#[derive(Clone, Copy, Debug)]
pub(super) struct ThreadEnd {
    pub outcome: ThreadOutcome,
    pub duration_us: u32,
    pub result: Sym,
}

/// Everything to write.
#[derive(Debug, Default)]
pub(super) struct Model {
    pub slices: Vec<Slice>,
    pub flows: Vec<Flow>,
    /// By task number; `None` for numbers no `spawn` names.
    pub tasks: Vec<Option<TaskFacts>>,
    pub polls: Vec<PollFacts>,
    /// Who woke each suspension, in order.
    pub suspensions: Vec<Vec<WakeSource>>,
    pub levels: Vec<LevelFacts>,
    pub threads: Vec<ThreadFacts>,
    /// Tracks of the worker threads, with the slot named on each (the latest spawned).
    pub worker_tracks: Vec<(Track, usize)>,
    /// Threads pollscope did not start that woke a task: their tracks and names.
    pub foreign_tracks: Vec<(Track, Sym)>,
}

impl Model {
    /// The facts of task `n`, if a `spawn` names it.
    pub fn task(&self, n: u32) -> Option<&TaskFacts> {
        self.tasks.get(n as usize).and_then(Option::as_ref)
    }
}
