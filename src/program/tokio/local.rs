//! Tasks of a tokio `LocalSet` (`spawn_local`): tokio runs no task hooks for them, so
//! their polls are read from their tracing spans, which the task's future enters for each
//! poll. A set polls its tasks inside the poll that drives it, on the same thread, so
//! their polls are numbered as a thread of their own ([`ExecThread::FIRST_LOCAL_SET`]).
//!
//! A span is also entered once more when its task's future is dropped, and a span's
//! entry does not say whether the poll returned `Ready`. So the end of a poll waits for
//! what comes next on the thread: the span's close (the task finished in that poll), a
//! new entry after a wake (it returned `Pending` and is polled again), anything else.

use crate::trace::{ExecThread, ForeignKind, Recorder, TaskId, foreign};
use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Mutex, PoisonError};

/// The tasks of all local sets: span handles alive, and whether the task was woken
/// since its poll began (wakes may come from any thread).
#[derive(Default)]
pub(super) struct LocalTasks {
    spans: Mutex<FxHashMap<u64, Span>>,
    /// The next local set's number.
    sets: AtomicU16,
}

#[derive(Clone, Copy)]
struct Span {
    refs: u32,
    woke: bool,
}

/// A poll that returned, its end not posted yet.
struct Returned {
    key: u64,
    panic: Option<String>,
    /// Entered again without a wake: the future's drop, unless no close follows.
    reentered: bool,
}

/// This thread's local-set polls.
#[derive(Default)]
struct Thread {
    /// Its executor-thread number (0: none yet).
    exec: u16,
    /// Polls open here, innermost last, with the task polled outside each.
    open: Vec<(u64, Option<u64>)>,
    returned: Option<Returned>,
}

thread_local! {
    static THREAD: RefCell<Thread> = RefCell::default();
}

impl LocalTasks {
    pub(super) fn new() -> LocalTasks {
        LocalTasks {
            spans: Mutex::default(),
            sets: AtomicU16::new(ExecThread::FIRST_LOCAL_SET),
        }
    }

    fn with_span<R>(&self, id: u64, f: impl FnOnce(&mut Span) -> R) -> Option<R> {
        let mut spans = self.spans.lock().unwrap_or_else(PoisonError::into_inner);
        spans.get_mut(&id).map(f)
    }

    /// A local task's span was made (the task spawned).
    pub(super) fn spawned(&self, id: u64) {
        let mut spans = self.spans.lock().unwrap_or_else(PoisonError::into_inner);
        spans.insert(
            id,
            Span {
                refs: 1,
                woke: false,
            },
        );
    }

    /// Another handle to the span.
    pub(super) fn cloned(&self, id: u64) {
        self.with_span(id, |s| s.refs += 1);
    }

    /// A handle to the span dropped; true when it was the last (the task is gone).
    pub(super) fn closed(&self, recorder: &Recorder, id: u64, key: u64) -> bool {
        let mut spans = self.spans.lock().unwrap_or_else(PoisonError::into_inner);
        let last = spans.get_mut(&id).is_some_and(|s| {
            s.refs = s.refs.saturating_sub(1);
            s.refs == 0
        });
        if !last {
            return false;
        }
        spans.remove(&id);
        drop(spans);
        with_thread(|t| match t.returned.take() {
            // Closed right after its poll (and the drop's entry): it finished there.
            Some(r) if r.key == key => {
                post_end(recorder, t.exec, r.key, true, r.panic);
            }
            other => {
                t.returned = other;
                flush_thread(recorder, t);
                recorder.post(TaskId::NONE, ForeignKind::ForeignEnded { key }, || false);
            }
        });
        true
    }

    /// The task was woken (on any thread).
    pub(super) fn woken(&self, id: u64) {
        self.with_span(id, |s| s.woke = true);
    }

    /// The task's span was entered on this thread: a poll begins, or its future drops.
    pub(super) fn entered(&self, recorder: &Recorder, id: u64, key: u64) {
        with_thread(|t| {
            if let Some(r) = t.returned.as_mut().filter(|r| r.key == key) {
                let woke = self.with_span(id, |s| s.woke).unwrap_or(false);
                if !woke {
                    r.reentered = true;
                    return;
                }
            }
            flush_thread(recorder, t);
            if t.exec == 0 {
                t.exec = self.sets.fetch_add(1, Ordering::Relaxed);
            }
            self.with_span(id, |s| s.woke = false);
            t.open.push((key, foreign::polling()));
            foreign::set_polling(Some(key));
            let on = ExecThread(t.exec);
            recorder.post(
                TaskId::NONE,
                ForeignKind::ForeignPollStart { key, on },
                || false,
            );
        });
    }

    /// The task's span was left on this thread: its poll returned, or its drop is done.
    pub(super) fn exited(&self, key: u64) {
        with_thread(|t| {
            if t.returned
                .as_ref()
                .is_some_and(|r| r.key == key && r.reentered)
            {
                return;
            }
            if t.open.last().is_some_and(|&(k, _)| k == key)
                && let Some((_, outer)) = t.open.pop()
            {
                foreign::set_polling(outer);
                let panic = foreign::take_panic();
                t.returned = Some(Returned {
                    key,
                    panic,
                    reentered: false,
                });
            }
        });
    }
}

fn with_thread(f: impl FnOnce(&mut Thread)) {
    let _ = THREAD.try_with(|t| {
        if let Ok(mut t) = t.try_borrow_mut() {
            f(&mut t);
        }
    });
}

fn post_end(recorder: &Recorder, exec: u16, key: u64, finished: bool, panic: Option<String>) {
    let kind = ForeignKind::ForeignPollEnd {
        key,
        on: ExecThread(exec),
        finished,
        panic,
    };
    recorder.post(TaskId::NONE, kind, || false);
}

/// Posts the end of this thread's returned poll: it returned `Pending` (a close would
/// have come by now). Called when the poll that runs a set ends, so no local poll looks
/// open while its set waits.
pub(super) fn flush(recorder: &Recorder) {
    with_thread(|t| flush_thread(recorder, t));
}

fn flush_thread(recorder: &Recorder, t: &mut Thread) {
    let Some(r) = t.returned.take() else {
        return;
    };
    post_end(recorder, t.exec, r.key, false, None);
    if r.reentered {
        // Entered again without a wake pollscope saw (one from a thread outside the
        // runtime) and not closed after: that was a poll, which returned `Pending`.
        let on = ExecThread(t.exec);
        let key = r.key;
        recorder.post(
            TaskId::NONE,
            ForeignKind::ForeignPollStart { key, on },
            || false,
        );
        post_end(recorder, t.exec, key, false, None);
    }
}
