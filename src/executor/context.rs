//! The thread-local "which task is being polled" context that probes and wakers read.

use super::task::Task;
use super::waker::Shared;
use crate::trace::{EventKind, Log, PointId, Site, TaskId};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::sync::Arc;

/// What only the executor's own thread touches: its log and its run queue. Probes and
/// wakers reach it through [`Current`] during a poll, so recording needs no lock.
#[derive(Debug, Default)]
pub(crate) struct Local {
    pub log: Log,
    /// The waker-driven run queue; each task is in it at most once.
    pub queue: VecDeque<TaskId>,
    /// The named holders of each task's waker clones, alive while their `Arc` is
    /// ([`super::held`]).
    pub holders: rustc_hash::FxHashMap<TaskId, Vec<std::sync::Weak<crate::trace::Holder>>>,
    /// Where the tasks' cells are carved from.
    pub arena: super::arena::Arena,
    /// Tasks spawned by the poll in progress (`pollscope::spawn`), with the ids the log
    /// gave them; the executor adopts them when the poll returns. (Here rather than on the
    /// poll's stack: moving a vector out of a stack frame the poll just wrote stalls.)
    pub spawned: Vec<(TaskId, Task)>,
}

/// The poll in progress on this thread.
pub(crate) struct Current<'a> {
    /// The executor's shared state: its identity, its clock and inbox.
    pub shared: &'a Arc<Shared>,
    /// The executor's log and run queue.
    pub local: &'a RefCell<Local>,
    pub task: TaskId,
    /// The polled task's waker's data pointer: a waker with it is that task's.
    pub waker_data: *const (),
    /// The first `Suspend` of this poll is the innermost await point: that is where the
    /// task is suspended, and what `step()` reports.
    innermost: Cell<Option<(Site, PointId)>>,
}

impl<'a> Current<'a> {
    /// The poll of `task` about to start.
    pub fn new(
        shared: &'a Arc<Shared>,
        local: &'a RefCell<Local>,
        task: TaskId,
        waker_data: *const (),
    ) -> Current<'a> {
        Current {
            shared,
            local,
            task,
            waker_data,
            innermost: Cell::new(None),
        }
    }

    /// A probe's `Suspend`: the first one of the poll is where the task is suspended.
    pub fn suspend_at(&self, site: Site, point: PointId) {
        if self.innermost.get().is_none() {
            self.innermost.set(Some((site, point)));
        }
    }

    /// The innermost await point of the poll so far (see [`Current::suspend_at`]).
    pub fn innermost(&self) -> Option<(Site, PointId)> {
        self.innermost.get()
    }
}

impl Current<'_> {
    /// Records an event of the task being polled, stamped now.
    pub fn record(&self, kind: EventKind) {
        let t_ns = self.shared.recorder.now_ns();
        self.local.borrow_mut().log.push(self.task, kind, t_ns);
    }

    /// Runs `f` on the executor's log.
    pub fn with_log<R>(&self, f: impl FnOnce(&mut Log) -> R) -> R {
        f(&mut self.local.borrow_mut().log)
    }
}

thread_local! {
    /// Points at the `Current` on the stack of the poll running on this thread, or is null.
    /// A pointer rather than a shared copy: setting it costs no reference counting, and
    /// it is set and cleared twice per poll.
    static CURRENT: Cell<*const Current<'static>> = const { Cell::new(std::ptr::null()) };
}

/// Runs `f` with the poll in progress on this thread, if any.
#[inline]
pub(crate) fn with_current<R>(f: impl FnOnce(&Current<'_>) -> R) -> Option<R> {
    let ptr = CURRENT.with(Cell::get);
    // SAFETY: a non-null pointer was set by `enter` from a `&'a Current<'a>` whose
    // `EnterGuard<'a>` is still alive (the guard restores the previous pointer when it is
    // dropped, also on unwind, and cannot outlive the borrow), so it points to a live value.
    unsafe { ptr.as_ref() }.map(f)
}

/// Marks this thread as polling `current` until the guard is dropped (also on unwind,
/// so a panicking poll does not leave a stale context behind).
#[inline]
pub(crate) fn enter<'a>(current: &'a Current<'a>) -> EnterGuard<'a> {
    let ptr = (current as *const Current<'a>).cast::<Current<'static>>();
    let previous = CURRENT.with(|c| c.replace(ptr));
    EnterGuard {
        previous,
        _current: std::marker::PhantomData,
    }
}

/// Restores the previous context when dropped.
pub(crate) struct EnterGuard<'a> {
    previous: *const Current<'static>,
    _current: std::marker::PhantomData<&'a Current<'a>>,
}

impl Drop for EnterGuard<'_> {
    fn drop(&mut self) {
        let previous = self.previous;
        // `try_with`: a guard dropped during thread teardown must not panic.
        let _ = CURRENT.try_with(|c| c.set(previous));
    }
}
