//! Worker threads as futures: the seed's `Request`, which starts a thread doing blocking
//! work the moment it is created, and the two ways to await it.
//!
//! [`spawn`] starts a named thread at once and returns a [`ThreadHandle`]. Awaiting the
//! handle is non-blocking: `Pending` until the thread is done, woken by the thread when it
//! finishes. [`ThreadHandle::blocking_join`] is the original's way: yield once, then block
//! in `JoinHandle::join` inside the next poll, freezing the executor until the thread ends.

use crate::executor::{HeldWaker, panic, with_current};
use crate::trace::{EventKind, ForeignKind, Holder, Recorder, TaskId, ThreadNo, ThreadOutcome};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::thread::{self, JoinHandle};
use std::time::Instant;

/// Why a worker thread produced no value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ThreadError<E> {
    /// The closure returned an error.
    Failed(E),
    /// The closure panicked; the message (and location) it panicked with.
    Panicked(String),
    /// The operating system refused to start the thread.
    Spawn(String),
}

impl<E: fmt::Display> fmt::Display for ThreadError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ThreadError::Failed(e) => e.fmt(f),
            ThreadError::Panicked(m) => write!(f, "thread panicked: {m}"),
            ThreadError::Spawn(e) => write!(f, "could not start thread: {e}"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for ThreadError<E> {}

/// Stack size of worker threads (the default is 2 MiB).
const WORKER_STACK: usize = 512 * 1024;

/// What the thread and the awaiting task share.
struct Slot<T, E> {
    result: Option<Result<T, ThreadError<E>>>,
    /// The newest waker of the task awaiting the handle, held by this thread.
    waker: Option<HeldWaker>,
}

type Shared<T, E> = Arc<Mutex<Slot<T, E>>>;

fn lock<T, E>(slot: &Shared<T, E>) -> MutexGuard<'_, Slot<T, E>> {
    // Every update of the slot is a single assignment: a poisoned lock holds valid data.
    slot.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Where to record this thread's events: the trace of the task that spawned it.
#[derive(Clone)]
struct Tracking {
    recorder: Arc<Recorder>,
    thread: ThreadNo,
}

/// A worker thread, awaitable.
#[must_use = "a thread handle does nothing unless awaited (the thread runs anyway)"]
pub struct ThreadHandle<T, E> {
    name: String,
    slot: Shared<T, E>,
    join: Option<JoinHandle<()>>,
    tracking: Option<Tracking>,
}

impl<T, E> fmt::Debug for ThreadHandle<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadHandle")
            .field("name", &self.name)
            .finish()
    }
}

/// Starts a thread named `name` running `work` **now**, like the original's `Request`,
/// and returns a handle to await its result (its `Display` text goes into the trace).
/// Inside a poll, the thread is recorded in the
/// trace as started by the polled task.
pub fn spawn<T, E, F>(name: &str, work: F) -> ThreadHandle<T, E>
where
    T: fmt::Display + Send + 'static,
    E: fmt::Display + Send + 'static,
    F: FnOnce() -> Result<T, E> + Send + 'static,
{
    panic::install_quiet_hook();
    let slot: Shared<T, E> = Arc::new(Mutex::new(Slot {
        result: None,
        waker: None,
    }));
    let tracking = with_current(|c| {
        let recorder = c.shared.recorder.clone();
        let t_ns = recorder.now_ns();
        Tracking {
            thread: c.with_log(|log| log.thread_spawned(c.task, name, t_ns)),
            recorder,
        }
    });
    let thread_slot = slot.clone();
    let thread_tracking = tracking.clone();
    let started = thread::Builder::new()
        .name(name.to_owned())
        // Workers do one blocking call; a small stack makes starting dozens of them cheap.
        .stack_size(WORKER_STACK)
        .spawn(move || run(work, thread_slot, thread_tracking));
    let join = match started {
        Ok(join) => Some(join),
        Err(e) => {
            finish(
                &slot,
                tracking.as_ref(),
                Err(ThreadError::Spawn(e.to_string())),
                0,
            );
            None
        }
    };
    ThreadHandle {
        name: name.to_owned(),
        slot,
        join,
        tracking,
    }
}

/// The thread's body: run the work, catch a panic, publish the result, wake the awaiter.
fn run<T, E, F>(work: F, slot: Shared<T, E>, tracking: Option<Tracking>)
where
    T: fmt::Display,
    E: fmt::Display,
    F: FnOnce() -> Result<T, E>,
{
    let start = Instant::now();
    let result = match panic::catching(work) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(ThreadError::Failed(e)),
        Err(payload) => Err(ThreadError::Panicked(panic::message(payload.as_ref()))),
    };
    finish(
        &slot,
        tracking.as_ref(),
        result,
        start.elapsed().as_nanos() as u64,
    );
}

fn finish<T: fmt::Display, E: fmt::Display>(
    slot: &Shared<T, E>,
    tracking: Option<&Tracking>,
    result: Result<T, ThreadError<E>>,
    duration_ns: u64,
) {
    let (outcome, text) = match &result {
        Ok(value) => (ThreadOutcome::Ok, value.to_string()),
        Err(e @ ThreadError::Panicked(_)) => (ThreadOutcome::Panicked, e.to_string()),
        Err(e) => (ThreadOutcome::Error, e.to_string()),
    };
    if let Some(t) = tracking {
        let duration_us = u32::try_from(duration_ns / 1_000).unwrap_or(u32::MAX);
        let finish = ForeignKind::ThreadFinish {
            thread: t.thread,
            outcome,
            duration_us,
            result: text,
        };
        t.recorder.post(TaskId::NONE, finish, || false);
    }
    let waker = {
        let mut slot = lock(slot);
        slot.result = Some(result);
        slot.waker.take()
    };
    // Woken outside the lock: the wake is recorded as coming from this thread.
    if let Some(waker) = waker {
        waker.wake();
    }
}

impl<T, E> ThreadHandle<T, E> {
    /// The thread's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// True once the thread has published its result.
    pub fn is_finished(&self) -> bool {
        lock(&self.slot).result.is_some()
    }

    /// Awaits the thread the way the original did: return `Pending` once (waking itself),
    /// then **block** in `JoinHandle::join` inside the next poll. The threads still overlap,
    /// but the executor is frozen in that poll until the thread ends: no other task runs.
    pub fn blocking_join(self) -> BlockingJoin<T, E> {
        BlockingJoin {
            handle: self,
            yielded: false,
        }
    }

    fn take_result(&mut self) -> Option<Result<T, ThreadError<E>>> {
        let result = lock(&self.slot).result.take()?;
        // The thread has published its result, so this join returns at once.
        if let Some(join) = self.join.take() {
            let _ = join.join();
        }
        if let Some(t) = &self.tracking {
            let thread = t.thread;
            // Inside a poll (as always when awaited) the join is the polled task's event;
            // elsewhere it comes through the inbox like any other thread's.
            let joined = with_current(|c| c.record(EventKind::ThreadJoin { thread }));
            if joined.is_none() {
                let join = ForeignKind::ThreadJoin { thread };
                t.recorder.post(TaskId::NONE, join, || false);
            }
        }
        Some(result)
    }
}

impl<T, E> Unpin for ThreadHandle<T, E> {}

impl<T, E> Future for ThreadHandle<T, E> {
    type Output = Result<T, ThreadError<E>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        {
            let mut slot = lock(&self.slot);
            if slot.result.is_none() {
                // Checked and stored under the lock the thread publishes under, so a
                // result arriving now cannot miss this waker.
                match &slot.waker {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => {
                        let holder = self.tracking.as_ref().map(|t| Holder::Thread(t.thread));
                        slot.waker = Some(match holder {
                            Some(holder) => HeldWaker::new(cx.waker(), holder),
                            None => HeldWaker::unnamed(cx.waker()),
                        });
                    }
                }
                return Poll::Pending;
            }
        }
        match self.take_result() {
            Some(result) => Poll::Ready(result),
            None => Poll::Ready(Err(ThreadError::Panicked(
                "the handle was polled after it returned its result".to_owned(),
            ))),
        }
    }
}

/// The future returned by [`ThreadHandle::blocking_join`].
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct BlockingJoin<T, E> {
    handle: ThreadHandle<T, E>,
    yielded: bool,
}

impl<T, E> Unpin for BlockingJoin<T, E> {}

impl<T, E> Future for BlockingJoin<T, E> {
    type Output = Result<T, ThreadError<E>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if !self.yielded {
            // The original's `yield` in `__await__`: give control back once.
            self.yielded = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        // Blocks this poll, and with it the whole executor, until the thread ends.
        if let Some(join) = self.handle.join.take() {
            let _ = join.join();
        }
        match self.handle.take_result() {
            Some(result) => Poll::Ready(result),
            None => Poll::Ready(Err(ThreadError::Panicked(
                "the thread ended without a result".to_owned(),
            ))),
        }
    }
}
