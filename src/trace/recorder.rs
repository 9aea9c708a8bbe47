//! The part of recording that other threads touch: the clock, and one locked inbox for
//! the events they record (a worker thread's end, a wake from a timer thread) which is
//! also the executor's run-queue injector. A wake from another thread takes this one lock,
//! once; the executor drains the inbox once per step into its own [`Log`](super::Log).

use super::event::{ExecThread, TaskId, ThreadNo, ThreadOutcome};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// The clock and the inbox of one executor, shared with its wakers and worker threads.
#[derive(Debug)]
pub struct Recorder {
    /// A TSC-based clock, held here rather than looked up globally: a timestamp is one
    /// counter read and a scaling (about 9 ns here, against 37 ns for two
    /// `std::time::Instant` reads).
    clock: quanta::Clock,
    /// The counter's reading when the recorder was made.
    epoch: u64,
    inbox: Mutex<Inbox>,
    /// Set when the inbox has something, so the executor's step looks without locking.
    pending: AtomicBool,
    /// Signalled when a task is injected, for an executor parked while idle.
    ready: Condvar,
    /// Polls of another runtime's tasks (tokio's) in progress: a run whose own tasks are
    /// all done waits for these to return, so their ends are in the trace.
    foreign_open: AtomicUsize,
    /// Where another runtime's polls wait for Step in a stepped run.
    gate: super::gate::Gate,
}

/// What other threads left for the executor.
#[derive(Debug, Default)]
pub(crate) struct Inbox {
    /// Their events, in the order they recorded them.
    pub events: Vec<Foreign>,
    /// Tasks they woke, for the waker-driven run queue.
    pub woken: Vec<TaskId>,
    /// Executors parked waiting for the inbox (a notification is a system call, made only
    /// when someone waits).
    pub parked: usize,
}

/// An event recorded by another thread, with its strings not yet interned (the string
/// table belongs to the executor's thread).
#[derive(Debug)]
pub(crate) struct Foreign {
    pub t_ns: u64,
    pub task: TaskId,
    pub kind: ForeignKind,
}

/// The kinds of event another thread records.
#[derive(Debug)]
// Another runtime's tasks are reported only by tokio's hooks (`--cfg tokio_unstable`).
#[cfg_attr(not(all(feature = "tokio", tokio_unstable)), allow(dead_code))]
pub(crate) enum ForeignKind {
    Wake(ForeignWaker),
    ThreadFinish {
        thread: ThreadNo,
        outcome: ThreadOutcome,
        duration_us: u32,
        result: String,
    },
    ThreadJoin {
        thread: ThreadNo,
    },
    /// Another runtime (tokio) spawned a task, known by that runtime's number for it
    /// (`key`) until the log gives it the next task id.
    ForeignSpawn {
        key: u64,
        name: String,
        parent: ForeignParent,
    },
    /// That runtime started polling its task on executor thread `on`.
    ForeignPollStart {
        key: u64,
        on: ExecThread,
    },
    /// The poll returned; `finished` when the task ended inside it, by `panic` if one
    /// happened in it.
    ForeignPollEnd {
        key: u64,
        on: ExecThread,
        finished: bool,
        panic: Option<String>,
    },
    /// The task ended outside any poll: aborted, its runtime shut down, or (a blocking
    /// closure, which runs outside polls) done.
    ForeignEnded {
        key: u64,
    },
    /// That runtime started a blocking closure on a thread of its pool (tokio's
    /// `spawn_blocking`), known by its task number `key`: a worker thread of the trace.
    ForeignThreadSpawn {
        key: u64,
        name: String,
        parent: ForeignParent,
    },
    /// That runtime's task was woken (its runtime's instrumentation said so), by `by`.
    ForeignWake {
        key: u64,
        by: ForeignWaker,
    },
}

/// Who spawned a task of another runtime.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(not(all(feature = "tokio", tokio_unstable)), allow(dead_code))]
pub(crate) enum ForeignParent {
    /// The program itself, outside any poll.
    None,
    /// A pollscope task, during its poll.
    Task(TaskId),
    /// A task of that runtime, during its poll (by that runtime's number).
    Foreign(u64),
}

/// Who woke a task from outside the executor's polls.
#[derive(Debug)]
#[cfg_attr(not(all(feature = "tokio", tokio_unstable)), allow(dead_code))]
pub(crate) enum ForeignWaker {
    /// The executor's own thread, outside any poll.
    External,
    /// Another thread, by name: one shared copy per thread, so a storm of wakes from a
    /// thread allocates nothing and the executor interns the name once.
    Thread(Arc<str>),
    /// A task of another runtime (tokio), during its poll, by that runtime's number, on
    /// the named thread (the source named if the task is unknown).
    Foreign(u64, Arc<str>),
    /// A pollscope task, during its poll (waking another runtime's task).
    Task(TaskId),
}

impl ForeignWaker {
    /// The calling thread, by its name (or its id, unnamed).
    pub(crate) fn this_thread() -> ForeignWaker {
        ForeignWaker::Thread(this_thread_name())
    }
}

/// The calling thread's name (or its id, unnamed), one shared copy per thread.
pub(crate) fn this_thread_name() -> Arc<str> {
    thread_local! {
        static NAME: Arc<str> = {
            let current = std::thread::current();
            match current.name() {
                Some(name) => Arc::from(name),
                None => Arc::from(format!("{:?}", current.id())),
            }
        };
    }
    NAME.with(Arc::clone)
}

impl Default for Recorder {
    fn default() -> Self {
        let clock = quanta::Clock::new();
        Recorder {
            epoch: clock.raw(),
            clock,
            inbox: Mutex::default(),
            pending: AtomicBool::new(false),
            ready: Condvar::new(),
            foreign_open: AtomicUsize::new(0),
            gate: Default::default(),
        }
    }
}

impl Recorder {
    /// A new recorder whose clock starts now.
    pub fn new() -> Arc<Recorder> {
        Arc::new(Recorder::default())
    }

    /// Nanoseconds since this recorder was created.
    #[inline]
    pub fn now_ns(&self) -> u64 {
        self.clock.delta_as_nanos(self.epoch, self.clock.raw())
    }

    pub(crate) fn inbox(&self) -> MutexGuard<'_, Inbox> {
        // Every change to the inbox is a single push or a swap: a poisoned lock still
        // holds valid data.
        self.inbox.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records an event from another thread, stamped now, then asks `inject` (under the
    /// same lock, after the event is visible) whether to queue the task: one lock in all.
    ///
    /// The order matters: the event is visible to the executor (`has_mail`) before the
    /// waker's flag changes, so an executor that clears the flag and then finds no mail
    /// knows that this wake comes after its poll starts.
    pub(crate) fn post(&self, task: TaskId, kind: ForeignKind, inject: impl FnOnce() -> bool) {
        let mut inbox = self.inbox();
        // Stamped under the lock, so the inbox's events are in time order.
        let t_ns = self.now_ns();
        inbox.events.push(Foreign { t_ns, task, kind });
        self.pending.store(true, Ordering::SeqCst);
        if inject() {
            inbox.woken.push(task);
            if inbox.parked > 0 {
                self.ready.notify_all();
            }
        }
    }

    /// Counts a poll of another runtime's task starting (`open`) or returning.
    #[cfg_attr(not(all(feature = "tokio", tokio_unstable)), allow(dead_code))]
    pub(crate) fn foreign_poll(&self, open: bool) {
        if open {
            self.foreign_open.fetch_add(1, Ordering::SeqCst);
        } else {
            self.foreign_open.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// True while another runtime's task is inside a poll.
    pub(crate) fn foreign_polls_open(&self) -> bool {
        self.foreign_open.load(Ordering::SeqCst) > 0
    }

    /// The gate another runtime's polls wait at in a stepped run.
    pub fn gate(&self) -> &super::gate::Gate {
        &self.gate
    }

    /// Wakes an executor parked while idle: a poll of another runtime waits for its turn.
    #[cfg_attr(not(all(feature = "tokio", tokio_unstable)), allow(dead_code))]
    pub(crate) fn nudge(&self) {
        let inbox = self.inbox();
        if inbox.parked > 0 {
            self.ready.notify_all();
        }
    }

    /// True if the inbox may hold something (read without the lock).
    pub(crate) fn has_mail(&self) -> bool {
        self.pending.load(Ordering::SeqCst)
    }

    /// Takes everything in the inbox, running `locked` while no other thread can post.
    pub(crate) fn drain(&self, locked: impl FnOnce()) -> (Vec<Foreign>, Vec<TaskId>) {
        let mut inbox = self.inbox();
        self.pending.store(false, Ordering::SeqCst);
        locked();
        (
            std::mem::take(&mut inbox.events),
            std::mem::take(&mut inbox.woken),
        )
    }

    /// Waits until something is injected or `max` passes.
    pub(crate) fn wait(&self, max: Duration) {
        let mut inbox = self.inbox();
        if inbox.woken.is_empty() {
            inbox.parked += 1;
            let (mut inbox, _) = self
                .ready
                .wait_timeout(inbox, max)
                .unwrap_or_else(PoisonError::into_inner);
            inbox.parked -= 1;
        }
    }
}
