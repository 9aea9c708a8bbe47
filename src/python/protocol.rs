//! What the tracer (`assets/python/tracer.py`) reports, one JSON object per line on its
//! socket, each with `k` (the kind) and `t` (nanoseconds since the tracer started).
//! pollscope answers with one word per line: `step` lets one resume through, `run` lets
//! every resume through, `pause` stops letting them through.
//!
//! - `hello`: the interpreter's version and pid, the script's path.
//! - `place`: a place where frames suspend (function, state, file, line, source),
//!   numbered; chains name places by number.
//! - `spawn`: a task — a coroutine, generator or async generator driven from outside
//!   one, or an asyncio `Task` when it is created — with its `__qualname__`, the task
//!   whose resume made it, and where its code is.
//! - `ready`: a task is about to be resumed; the interpreter waits for `step` or `run`.
//!   `input` is what goes in as the driver's code says it (`send(None)`, `next()`), and
//!   `driver` the frame that drives it.
//! - `resume`: it is being resumed, on executor `on` (0 for the script's own thread,
//!   more for a resume nested inside another or on another thread). Running free (after
//!   `run`), no `ready` comes first: `resume` carries `input` and `driver` itself.
//! - `yield`: it suspended, handing `value` to its driver; `chain` is its await chain,
//!   outermost first, each level `[place, locals]`.
//! - `return` / `raise`: it finished, with the value (`StopIteration`'s) or the error.
//! - `refuse`: CPython refused a `send` before any of the task's code ran (a value into a
//!   coroutine not yet started, anything into a finished one); the task is unchanged.
//! - `wake`: asyncio scheduled the task's next step: `by` is the task whose step did
//!   it, `{"thread": name}`, `"timer"` (a `call_later` the loop ran) or `"loop"`. A
//!   callback the loop runs later acts for whoever scheduled it, so a task woken by a
//!   gather or a future is traced back to the task or thread whose work completed it.
//! - `thread_spawn`, `thread_end`, `thread_join`: the script's `threading.Thread`s.
//! - `say`: a line the script printed, inside a task's resume or outside any.
//! - `exit`: the script ended: its exit code, and the error that ended it with the
//!   script's line.

use serde::Deserialize;

/// A place a coroutine or generator suspends at: sent once, then named by its number.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Place {
    /// The coroutine's or generator's `__qualname__`.
    pub name: String,
    /// `coroutine`, `generator` or `async_generator`.
    pub kind: String,
    /// CPython's state word (`CORO_SUSPENDED`, `GEN_SUSPENDED`, ...).
    pub state: String,
    /// Its file.
    pub file: String,
    /// The line it is suspended at.
    pub line: u32,
    /// That line's source text.
    #[serde(default)]
    pub code: String,
}

/// One level of a suspended task's await chain: its place's number, and its locals as
/// `name = repr` pairs, `; `-separated (cut when long).
pub type Level = (u32, String);

/// The frame that drives a resume.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Driver {
    /// Its function's name.
    pub func: String,
    /// Its file.
    pub file: String,
    /// The line calling `send`, `next`, ...
    pub line: u32,
    /// That line's source text.
    #[serde(default)]
    pub code: String,
}

/// Who scheduled an asyncio task's next step.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Waker {
    /// A task, during its resume.
    Task {
        /// Its number.
        task: u32,
    },
    /// A thread other than the script's main one.
    Thread {
        /// Its name.
        thread: String,
    },
    /// The event loop itself: `"timer"` or `"loop"`.
    Loop(String),
}

/// One message of the tracer.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(tag = "k", rename_all = "snake_case")]
pub enum Message {
    /// The tracer is running.
    Hello {
        /// Nanoseconds since it started.
        t: u64,
        /// The interpreter's version (`3.11.7`).
        python: String,
        /// Its process id.
        pid: u32,
        /// The script, as an absolute path.
        script: String,
    },
    /// A place where frames suspend, numbered from 0 in the order they are first met.
    Place {
        /// Nanoseconds since the tracer started.
        t: u64,
        /// Its number.
        place: u32,
        /// What it is.
        #[serde(flatten)]
        at: Place,
    },
    /// A new task.
    Spawn {
        /// Nanoseconds since the tracer started.
        t: u64,
        /// Its number (tasks are numbered in order from 0).
        task: u32,
        /// Its `__qualname__`.
        name: String,
        /// `coroutine`, `generator` or `async_generator`.
        kind: String,
        /// The task whose resume made it.
        parent: Option<u32>,
        /// Where its code is.
        file: Option<String>,
        /// Its first line.
        line: Option<u32>,
    },
    /// A task waits to be resumed.
    Ready {
        /// Nanoseconds since the tracer started.
        t: u64,
        /// The task.
        task: u32,
        /// What goes in.
        input: String,
        /// Who drives it.
        driver: Option<Driver>,
    },
    /// The resume begins.
    Resume {
        /// Nanoseconds since the tracer started.
        t: u64,
        /// The task.
        task: u32,
        /// The executor it runs on (nesting and thread).
        on: u16,
        /// The line it resumes at.
        line: u32,
        /// What goes in, when no `ready` came first (the interpreter running free).
        #[serde(default)]
        input: Option<String>,
        /// Who drives it, likewise.
        #[serde(default)]
        driver: Option<Driver>,
    },
    /// The task suspended.
    Yield {
        /// Nanoseconds since the tracer started.
        t: u64,
        /// The task.
        task: u32,
        /// The value handed to the driver, as its `repr`.
        value: String,
        /// The await chain, outermost first.
        chain: Vec<Level>,
    },
    /// The task returned.
    Return {
        /// Nanoseconds since the tracer started.
        t: u64,
        /// The task.
        task: u32,
        /// Its value's `repr` (what `StopIteration` carries).
        value: String,
    },
    /// The task raised.
    Raise {
        /// Nanoseconds since the tracer started.
        t: u64,
        /// The task.
        task: u32,
        /// `TypeError: ...`.
        error: String,
    },
    /// CPython refused to resume a task before any of its code ran.
    Refuse {
        /// Nanoseconds since the tracer started.
        t: u64,
        /// The task.
        task: u32,
        /// What went in.
        input: String,
        /// Who drove it.
        driver: Option<Driver>,
        /// The error raised at the driver.
        error: String,
    },
    /// asyncio scheduled a task's next step.
    Wake {
        /// Nanoseconds since the tracer started.
        t: u64,
        /// The task.
        task: u32,
        /// Who did.
        by: Waker,
    },
    /// The script started a thread.
    ThreadSpawn {
        /// Nanoseconds since the tracer started.
        t: u64,
        /// Its number (in start order, from 0).
        thread: u32,
        /// Its name.
        name: String,
        /// The task whose resume started it.
        task: Option<u32>,
    },
    /// A thread's `run` ended.
    ThreadEnd {
        /// Nanoseconds since the tracer started.
        t: u64,
        /// Its number.
        thread: u32,
        /// It returned (rather than raised).
        ok: bool,
        /// The error, if it raised.
        result: String,
        /// How long it ran.
        duration_us: u64,
    },
    /// A thread was joined.
    ThreadJoin {
        /// Nanoseconds since the tracer started.
        t: u64,
        /// Its number.
        thread: u32,
        /// The task whose resume joined it.
        task: Option<u32>,
    },
    /// The script printed a line.
    Say {
        /// Nanoseconds since the tracer started.
        t: u64,
        /// The task whose resume printed it.
        task: Option<u32>,
        /// The line.
        text: String,
    },
    /// The script ended.
    Exit {
        /// Nanoseconds since the tracer started.
        t: u64,
        /// Its exit status.
        code: i32,
        /// The error that ended it, if one did.
        error: Option<String>,
        /// The script's line it was raised at.
        line: Option<u32>,
    },
}

impl Message {
    /// Nanoseconds since the tracer started.
    pub fn t(&self) -> u64 {
        match self {
            Message::Hello { t, .. }
            | Message::Place { t, .. }
            | Message::Spawn { t, .. }
            | Message::Ready { t, .. }
            | Message::Resume { t, .. }
            | Message::Yield { t, .. }
            | Message::Return { t, .. }
            | Message::Raise { t, .. }
            | Message::Refuse { t, .. }
            | Message::Wake { t, .. }
            | Message::ThreadSpawn { t, .. }
            | Message::ThreadEnd { t, .. }
            | Message::ThreadJoin { t, .. }
            | Message::Say { t, .. }
            | Message::Exit { t, .. } => *t,
        }
    }
}
