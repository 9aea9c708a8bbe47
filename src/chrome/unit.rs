//! What the export draws, a piece at a time: a [`Unit`] is the slices of one track that
//! are written together once they are known — a poll with the futures polled inside it,
//! a suspension with its await chain, a wake — and [`Tables`] the facts of tasks and
//! worker threads that every unit refers to, gathered before anything is written.
//!
//! A slice holds only a compact [`Kind`]; text is produced when it is written, so a
//! unit costs a few words per slice.

use crate::trace::{CoroFrame, PointId, PollResult, Sym, TaskId, ThreadOutcome, WakeSource};

/// A row in the viewer: a (`pid`, `tid`) pair.
/// Levels of the slices on one track: outer first when two cover the same interval.
pub(super) const LIFE: u32 = 0;
/// A poll's or a worker thread's turn.
pub(super) const TURN: u32 = 1;
/// A moment's level: inside whatever slice holds it.
pub(super) const MOMENT: u32 = u32::MAX;

/// The level of an await slice `depth` futures below the poll.
pub(super) fn nested(depth: usize) -> u32 {
    2u32.saturating_add(u32::try_from(depth).unwrap_or(u32::MAX))
}

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
    /// A poll: on its executor thread's track (named after the task) or on the task's row.
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

/// Where an arrow from a wake to the poll it caused starts: in the slice the waker was
/// in, at the wake's time. `id` is the wake's sequence number.
#[derive(Clone, Copy, Debug)]
pub(super) struct FlowStart {
    pub id: usize,
    pub host: Host,
    pub at: u64,
}

/// The slice an arrow starts in.
#[derive(Clone, Copy, Debug)]
pub(super) enum Host {
    /// A slice of the unit.
    Slice(usize),
    /// A slice written apart, of this extent (a worker thread's life).
    Extent(u64, u64),
}

/// Where it ends: inside the woken poll's slice (of this unit).
#[derive(Clone, Copy, Debug)]
pub(super) struct FlowEnd {
    pub id: usize,
    pub to: usize,
}

/// One poll.
#[derive(Clone, Debug)]
pub(super) struct PollFacts {
    /// 1 for the task's first poll.
    pub ordinal: u32,
    /// `None` if the trace never says how it ended.
    pub result: Option<PollResult>,
    /// The compiler's state machines recorded as the poll ended, the task's own future
    /// first.
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

/// The slices of one track written together, and the facts they are rendered from.
#[derive(Debug)]
pub(super) struct Unit {
    pub track: Track,
    pub slices: Vec<Slice>,
    pub starts: Vec<FlowStart>,
    pub ends: Vec<FlowEnd>,
    pub polls: Vec<PollFacts>,
    /// Who woke each suspension, in order.
    pub suspensions: Vec<Vec<WakeSource>>,
    pub levels: Vec<LevelFacts>,
    /// All its slices' ends are known: it can be written.
    pub done: bool,
    /// Its first slice (its root) has not ended yet.
    pub open: bool,
    /// A poll's unit after the poll ended, open for the compiler's states recorded after
    /// it until the next unit comes on its track.
    pub after: bool,
    /// Where the slice around the unit (a task's life) ended, if it ended first: the
    /// unit's slices are cut to fit inside it.
    pub cap: Option<u64>,
}

impl Unit {
    /// An empty unit on `track`.
    pub fn new(track: Track) -> Unit {
        Unit {
            track,
            slices: Vec::new(),
            starts: Vec::new(),
            ends: Vec::new(),
            polls: Vec::new(),
            suspensions: Vec::new(),
            levels: Vec::new(),
            done: false,
            open: false,
            after: false,
            cap: None,
        }
    }

    /// Adds a slice starting (and, until ended, ending) at `t`; returns its index.
    pub fn push(&mut self, shape: Shape, t: u64, level: u32, kind: Kind) -> usize {
        self.slices.push(Slice {
            shape,
            start: t,
            end: t,
            level,
            kind,
        });
        self.slices.len() - 1
    }

    /// Ends slice `i` at `t`.
    pub fn end(&mut self, i: usize, t: u64) {
        if let Some(s) = self.slices.get_mut(i) {
            s.end = t;
        }
    }

    /// True if something at `t` falls inside the unit's first slice (its root), as the
    /// viewer nests it: a slice that ends at the same time as the root is inside it.
    pub fn holds(&self, t: u64) -> bool {
        self.slices.first().is_some_and(|root| {
            root.shape == Shape::Span && t >= root.start && (self.open || t <= root.end)
        })
    }
}

/// A spawned task.
#[derive(Clone, Copy, Debug)]
pub(super) struct TaskFacts {
    pub name: Sym,
    pub parent: TaskId,
    pub end: Option<TaskEnd>,
    /// Sequence number of its last `poll_start`: a wake after it causes no poll.
    pub last_poll: Option<usize>,
}

/// How a task's life ended.
#[derive(Clone, Copy, Debug)]
pub(super) enum TaskEnd {
    Value(Sym),
    Panic(Sym),
}

/// A worker thread (one per `thread_spawn`), with its slice's extent.
#[derive(Clone, Copy, Debug)]
pub(super) struct ThreadFacts {
    pub no: u32,
    pub name: Sym,
    pub task: TaskId,
    pub finish: Option<ThreadEnd>,
    pub start: u64,
    /// Where its slice ends: its end, or past the last wake it made.
    pub end: u64,
    /// After the event with this sequence number nothing more happens on its slice
    /// (`None`: at the trace's end).
    pub close_after: Option<usize>,
}

/// How a worker thread's closure ended.
#[derive(Clone, Copy, Debug)]
pub(super) struct ThreadEnd {
    pub outcome: ThreadOutcome,
    pub duration_us: u32,
    pub result: Sym,
}

/// The facts of every task and worker thread, and the tracks to name: gathered in a
/// first pass, a few words per task and thread.
#[derive(Debug, Default)]
pub(super) struct Tables {
    /// By task number; `None` for numbers no `spawn` names.
    pub tasks: Vec<Option<TaskFacts>>,
    /// By slot (one per `thread_spawn`).
    pub threads: Vec<ThreadFacts>,
    /// Tracks of the worker threads, with the slot named on each (the latest spawned).
    pub worker_tracks: Vec<(Track, usize)>,
    /// Threads pollscope did not start that woke a task: their tracks and names.
    pub foreign_tracks: Vec<(Track, Sym)>,
    /// Executor threads other than the main one that polled.
    pub executors: Vec<u16>,
    /// The last event's time.
    pub last_ns: u64,
}

impl Tables {
    /// The facts of task `n`, if a `spawn` names it.
    pub fn task(&self, n: u32) -> Option<&TaskFacts> {
        self.tasks.get(n as usize).and_then(Option::as_ref)
    }
}
