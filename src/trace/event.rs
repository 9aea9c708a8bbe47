//! The compact event record: every fact pollscope shows is one of these.

/// Index into the trace's string table. Strings are interned so an event stays small
/// however long a task name, say-line or value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sym(pub u32);

/// Index into the trace's await-point table (label, file, line).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PointId(pub u32);

/// A task's number, in spawn order, starting at 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(pub u32);

impl TaskId {
    /// Marks events that belong to no task (a worker thread finishing, a wake from outside).
    pub const NONE: TaskId = TaskId(u32::MAX);

    /// The task number, or `None` for [`TaskId::NONE`].
    pub fn get(self) -> Option<u32> {
        (self != Self::NONE).then_some(self.0)
    }
}

impl std::fmt::Display for TaskId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.get() {
            Some(n) => f.pad(&n.to_string()),
            None => f.pad("-"),
        }
    }
}

/// A worker thread's number, in spawn order, starting at 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ThreadNo(pub u32);

/// The executor thread a poll ran on. pollscope's executor polls every task on one
/// thread, number 0; a runtime with several worker threads polling at once numbers them,
/// and the trace then has a poll open on each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExecThread(pub u16);

impl ExecThread {
    /// The executor's own thread: the only one of pollscope's executor.
    pub const MAIN: ExecThread = ExecThread(0);

    /// The first number of a tokio `LocalSet`'s polls: a set polls its tasks inside the
    /// poll that drives it, on that poll's own thread, so its polls get a number of their
    /// own (counted from here, clear of the runtime's workers).
    pub const FIRST_LOCAL_SET: u16 = 1000;

    /// True for the polls of a tokio `LocalSet` (see [`ExecThread::FIRST_LOCAL_SET`]).
    pub fn is_local_set(self) -> bool {
        self.0 >= Self::FIRST_LOCAL_SET
    }

    /// Its short name: `worker 2`, `local set 1`.
    pub fn label(self) -> String {
        if self.is_local_set() {
            format!("local set {}", self.0 - Self::FIRST_LOCAL_SET + 1)
        } else {
            format!("worker {}", self.0)
        }
    }
}

/// How a poll ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PollResult {
    /// The future returned `Poll::Pending`.
    Pending,
    /// The future returned `Poll::Ready`; a `Complete` event with the value follows.
    Ready,
    /// The poll panicked; a `Panic` event with the message follows.
    Panicked,
}

/// Who called `wake` on a task's waker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WakeSource {
    /// The task woke itself during its own poll (a hand-written future's `wake_by_ref`).
    SelfWake,
    /// Another task, during its poll.
    Task(TaskId),
    /// A thread other than the executor's; the symbol is the thread's name.
    Thread(Sym),
    /// The executor's own thread outside any poll (the embedding program).
    External,
}

/// How a worker thread's closure ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadOutcome {
    /// It returned a success value.
    Ok,
    /// It returned an error value (a failed fetch, say).
    Error,
    /// It panicked; the handle turns the panic into an error value.
    Panicked,
}

/// What happened. The payloads are symbols and small numbers so the whole [`Event`]
/// fits in 32 bytes (asserted in `tests/event_size.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// A task was spawned with this name, by `parent` (a task that called
    /// `pollscope::spawn` during its poll) or by the program itself ([`TaskId::NONE`]).
    Spawn { name: Sym, parent: TaskId },
    /// The executor called `poll` on the task, on executor thread `on`.
    PollStart { on: ExecThread },
    /// `poll` returned (on the thread it started on); after `Pending`, who holds the
    /// task's waker.
    PollEnd {
        result: PollResult,
        on: ExecThread,
        held: super::held::Held,
    },
    /// An instrumented future (`.at(..)`) was polled for the first time.
    AwaitEnter { point: PointId },
    /// An instrumented future returned `Pending`: the task is suspended there.
    Suspend { point: PointId },
    /// An instrumented future that had suspended is polled again.
    Resume { point: PointId },
    /// An instrumented future returned `Ready`: the await is over.
    AwaitExit { point: PointId },
    /// The task's waker was called.
    Wake { by: WakeSource },
    /// `say!` inside the task's poll.
    Say { text: Sym },
    /// The task's future returned this value (its `Debug` text).
    Complete { value: Sym },
    /// The task's poll panicked with this message.
    Panic { message: Sym },
    /// A worker thread was started by the task.
    ThreadSpawn { thread: ThreadNo, name: Sym },
    /// A worker thread's closure ended, after `duration_us` microseconds (32 bits keep
    /// the event small and still cover an hour), with its result or error as text.
    ThreadFinish {
        thread: ThreadNo,
        outcome: ThreadOutcome,
        duration_us: u32,
        result: Sym,
    },
    /// The task collected the worker thread's result.
    ThreadJoin { thread: ThreadNo },
    /// After a poll, the state rustc's coroutine `future` is in, `depth` futures down the
    /// task's await chain (0 is the task's own future). The state is an await point:
    /// labelled `Unresumed`, `SuspendN`, `Returned` or `Panicked`, with its file and line
    /// from the binary's debug info.
    CoroState {
        depth: u8,
        future: Sym,
        state: PointId,
    },
    /// The locals the coroutine at `depth` holds in that state, with their values where
    /// they are plain (`n: u64 = 5; s: String = "hi"`).
    CoroLocals { depth: u8, text: Sym },
    /// What went into a resume and who drove it (a Python run: `send(None)`, `next()`,
    /// `throw(...)`, with the file and line of the frame that called it). Right after
    /// the poll's start.
    Input { text: Sym, driver: PointId },
    /// The value a suspension handed to the code driving the task (a Python `yield`'s
    /// value, as its `repr`: it goes to the caller of `send`, not to the awaiting
    /// coroutine). Right before the poll's end.
    Yielded { value: Sym },
    /// The interpreter refused to resume the task before any of its code ran (CPython's
    /// `send(5)` into a coroutine not yet started, `send` into a finished one): what went
    /// in, the driver's line, and the error raised at the driver. Not a poll: the task's
    /// state is unchanged, so even a finished task can be refused.
    Refused {
        input: Sym,
        driver: PointId,
        error: Sym,
    },
}

/// One entry of the trace. Its sequence number is its index in the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    /// Nanoseconds since the recording session started (monotonic clock).
    pub t_ns: u64,
    /// The task this event is about, or [`TaskId::NONE`].
    pub task: TaskId,
    /// What happened.
    pub kind: EventKind,
}

impl EventKind {
    /// The kind's name in the JSON schema (`poll_start`, `wake`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Spawn { .. } => "spawn",
            EventKind::PollStart { .. } => "poll_start",
            EventKind::PollEnd { .. } => "poll_end",
            EventKind::AwaitEnter { .. } => "await_enter",
            EventKind::Suspend { .. } => "suspend",
            EventKind::Resume { .. } => "resume",
            EventKind::AwaitExit { .. } => "await_exit",
            EventKind::Wake { .. } => "wake",
            EventKind::Say { .. } => "say",
            EventKind::Complete { .. } => "complete",
            EventKind::Panic { .. } => "panic",
            EventKind::ThreadSpawn { .. } => "thread_spawn",
            EventKind::ThreadFinish { .. } => "thread_finish",
            EventKind::ThreadJoin { .. } => "thread_join",
            EventKind::CoroState { .. } => "coro_state",
            EventKind::CoroLocals { .. } => "coro_locals",
            EventKind::Input { .. } => "input",
            EventKind::Yielded { .. } => "yielded",
            EventKind::Refused { .. } => "refused",
        }
    }
}

impl PollResult {
    /// The schema's word for it.
    pub fn name(self) -> &'static str {
        match self {
            PollResult::Pending => "pending",
            PollResult::Ready => "ready",
            PollResult::Panicked => "panicked",
        }
    }
}

impl ThreadOutcome {
    /// The schema's word for it.
    pub fn name(self) -> &'static str {
        match self {
            ThreadOutcome::Ok => "ok",
            ThreadOutcome::Error => "error",
            ThreadOutcome::Panicked => "panicked",
        }
    }
}
