//! Task wakers: real `std::task::Wake` implementations usable from any thread.
//!
//! A wake during a poll of the same executor (a task waking itself or another) is recorded
//! straight into the executor's log and queued on its local run queue, without a lock. Any
//! other wake (a worker thread, a timer thread, the embedding program) goes through the
//! recorder's inbox: one lock for the event and the queueing together.

use super::context;
use super::policy::Policy;
use crate::trace::{ForeignKind, ForeignWaker, Recorder, TaskId, WakeSource};
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering, fence};
use std::thread::{self, ThreadId};

/// State shared by the executor and every waker it hands out.
#[derive(Debug)]
pub(crate) struct Shared {
    /// The clock and the inbox.
    pub recorder: Arc<Recorder>,
    pub policy: Policy,
    /// The thread the executor was created on: a wake from it outside a poll is "external".
    pub home: ThreadId,
    /// What keeps this state alive for the tasks' cells (see [`CellRefs`]).
    pub cells: CellRefs,
}

/// The references the tasks' cells hold to [`Shared`], counted apart from the executor's
/// `Arc` so that a task costs no atomic operation on it in the common case: the executor
/// takes references for new cells in batches, and a cell freed on its thread (the usual
/// end: the executor holds the last reference) gives its reference back without one.
///
/// `count` holds the references of every cell alive, the spares and one for the executor
/// itself; while it is above zero, one strong reference of the `Arc` is kept for the cells
/// (taken in [`Shared::new`]) and it is let go by whoever brings `count` to zero.
#[derive(Debug)]
pub(crate) struct CellRefs {
    count: AtomicUsize,
    /// References counted in `count` that no cell holds yet: the executor's thread alone
    /// reads and writes it (a load and a store, no read-modify-write).
    spare: AtomicUsize,
}

/// How many references the executor takes at once.
const BATCH: usize = 1024;

impl Shared {
    /// The state of a new executor, with the cells' reference to it taken.
    pub fn new(recorder: Arc<Recorder>, policy: Policy) -> Arc<Shared> {
        let shared = Arc::new(Shared {
            recorder,
            policy,
            home: thread::current().id(),
            cells: CellRefs {
                count: AtomicUsize::new(1),
                spare: AtomicUsize::new(0),
            },
        });
        // The cells' strong reference, let go in `SharedRef::release` or `executor_gone`.
        std::mem::forget(Arc::clone(&shared));
        shared
    }

    /// A counted reference for a new cell. On the executor's thread only, while it lives.
    pub fn cell_ref(self: &Arc<Self>) -> SharedRef {
        let cells = &self.cells;
        let mut spare = cells.spare.load(Ordering::Relaxed);
        if spare == 0 {
            cells.count.fetch_add(BATCH, Ordering::Relaxed);
            spare = BATCH;
        }
        cells.spare.store(spare - 1, Ordering::Relaxed);
        SharedRef(NonNull::from(&**self))
    }

    /// The executor is going (its tasks are gone): its own reference and the spares are
    /// let go. On the executor's thread, once.
    ///
    /// # Safety
    /// No [`SharedRef::give_back`] may follow.
    pub unsafe fn executor_gone(&self) {
        let n = self.cells.spare.load(Ordering::Relaxed) + 1;
        self.cells.spare.store(0, Ordering::Relaxed);
        // SAFETY: the executor's own unit is among the `n`.
        unsafe { release(NonNull::from(self), n) };
    }
}

/// Lets `n` references counted in `cells.count` go; the last one lets the cells' strong
/// reference go.
///
/// # Safety
/// The caller holds the `n` references.
unsafe fn release(shared: NonNull<Shared>, n: usize) {
    // SAFETY: the caller's references keep it alive until the subtraction.
    let count = unsafe { &shared.as_ref().cells.count };
    if count.fetch_sub(n, Ordering::Release) == n {
        fence(Ordering::Acquire);
        // SAFETY: the cells' strong reference, taken in `Shared::new`, is let go once:
        // `count` reaches zero once.
        unsafe { Arc::decrement_strong_count(shared.as_ptr()) };
    }
}

/// A cell's counted reference to the executor's [`Shared`] (no `Drop`: the cell lets it go
/// in one of two ways as it is freed).
#[derive(Debug, Clone, Copy)]
pub(crate) struct SharedRef(NonNull<Shared>);

impl SharedRef {
    /// Lets the reference go, on any thread.
    ///
    /// # Safety
    /// Once per reference; the cell holding it is gone.
    pub unsafe fn release(self) {
        // SAFETY: the caller holds the reference.
        unsafe { release(self.0, 1) }
    }

    /// Gives the reference back to the executor as a spare, without an atomic operation.
    ///
    /// # Safety
    /// Once per reference, on the executor's thread, before `executor_gone`.
    pub unsafe fn give_back(self) {
        // SAFETY: the caller holds the reference, so `Shared` is alive.
        let spare = unsafe { &self.0.as_ref().cells.spare };
        spare.store(spare.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
    }
}

/// The waker of one task.
#[derive(Debug)]
pub(crate) struct TaskWaker {
    pub task: TaskId,
    /// Set by a wake, cleared just before the task's poll starts: under the waker policy it
    /// keeps the task in the run queue at most once.
    pub woken: AtomicBool,
    /// The executor it wakes: alive as long as this waker's cell.
    pub shared: SharedRef,
}

// SAFETY: `SharedRef` points at a `Shared` (which is `Send + Sync`) that the reference keeps
// alive; the rest is plain data and an atomic.
unsafe impl Send for TaskWaker {}
// SAFETY: as for `Send`.
unsafe impl Sync for TaskWaker {}

impl TaskWaker {
    /// Sets the flag; true if the task should now be queued (the first wake since its
    /// poll started, under the waker-driven policy). `sole`: on the executor's thread with
    /// no clone of the waker alive, where no other thread can touch the flag, so a load
    /// and a store do (the swap is a full fence). The one exception, a thread the poll
    /// scopes waking through the waker it borrowed, takes the inbox and the swap; racing
    /// a wake here, the worst it can do is queue the task twice: one wasted poll.
    fn mark(&self, sole: bool) -> bool {
        let first = if sole {
            !self.woken.load(Ordering::Relaxed) && {
                self.woken.store(true, Ordering::Relaxed);
                true
            }
        } else {
            !self.woken.swap(true, Ordering::SeqCst)
        };
        first && self.shared().policy == Policy::WakerDriven
    }

    /// The executor's state.
    pub fn shared(&self) -> &Shared {
        // SAFETY: the reference is counted (see `CellRefs`) and let go only when the cell
        // holding this waker is freed.
        unsafe { self.shared.0.as_ref() }
    }

    /// Wakes the task: the `Waker` of its cell (see `task.rs`) comes here, with `sole` true
    /// when the executor holds the only reference to the cell (the waker is the one a poll
    /// borrowed, so this is a wake inside that poll).
    pub fn wake_by_ref(&self, sole: bool) {
        let shared = self.shared();
        let local = context::with_current(|c| {
            if !std::ptr::eq(&**c.shared, shared) {
                return false;
            }
            let by = if c.task == self.task {
                WakeSource::SelfWake
            } else {
                WakeSource::Task(c.task)
            };
            let mut local = c.local.borrow_mut();
            // Recorded before the flag changes, like a wake from another thread.
            local.log.wake_now(self.task, by);
            if self.mark(sole) {
                local.queue.push_back(self.task);
            }
            true
        });
        if local == Some(true) {
            return;
        }
        let by = if let Some(key) = crate::trace::foreign::polling() {
            // Inside a poll of one of tokio's tasks: that task is the waker.
            ForeignWaker::Foreign(key, crate::trace::this_thread_name())
        } else if thread::current().id() == shared.home {
            ForeignWaker::External
        } else {
            ForeignWaker::this_thread()
        };
        shared
            .recorder
            .post(self.task, ForeignKind::Wake(by), || self.mark(false));
    }
}
