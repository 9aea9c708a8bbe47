//! Task wakers: real `std::task::Wake` implementations usable from any thread.
//!
//! A wake during a poll of the same executor (a task waking itself or another) is recorded
//! straight into the executor's log and queued on its local run queue, without a lock. Any
//! other wake (a worker thread, a timer thread, the embedding program) goes through the
//! recorder's inbox: one lock for the event and the queueing together.

use super::context;
use super::policy::Policy;
use crate::trace::{ForeignKind, ForeignWaker, Recorder, TaskId, WakeSource};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, ThreadId};

/// State shared by the executor and every waker it hands out.
#[derive(Debug)]
pub(crate) struct Shared {
    /// The clock and the inbox.
    pub recorder: Arc<Recorder>,
    pub policy: Policy,
    /// The thread the executor was created on: a wake from it outside a poll is "external".
    pub home: ThreadId,
}

/// The waker of one task.
#[derive(Debug)]
pub(crate) struct TaskWaker {
    pub task: TaskId,
    /// Set by a wake, cleared just before the task's poll starts: under the waker policy it
    /// keeps the task in the run queue at most once.
    pub woken: AtomicBool,
    pub shared: Arc<Shared>,
}

impl TaskWaker {
    /// Sets the flag; true if the task should now be queued (the first wake since its
    /// poll started, under the waker-driven policy).
    fn mark(&self) -> bool {
        let first = !self.woken.swap(true, Ordering::SeqCst);
        first && self.shared.policy == Policy::WakerDriven
    }
}

impl TaskWaker {
    /// Wakes the task: the `Wake` of its cell (see `task.rs`) comes here.
    pub fn wake_by_ref(&self) {
        let local = context::with_current(|c| {
            if !Arc::ptr_eq(c.shared, &self.shared) {
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
            if self.mark() {
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
        } else if thread::current().id() == self.shared.home {
            ForeignWaker::External
        } else {
            ForeignWaker::this_thread()
        };
        self.shared
            .recorder
            .post(self.task, ForeignKind::Wake(by), || self.mark());
    }
}
