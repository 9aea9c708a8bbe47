//! Task wakers: real `std::task::Wake` implementations usable from any thread.

use super::policy::Policy;
use crate::executor::context;
use crate::trace::{EventKind, Recorder, TaskId, WakeSource};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::Wake;
use std::thread::{self, ThreadId};

/// State shared by the executor and every waker it hands out.
#[derive(Debug)]
pub(crate) struct Shared {
    pub recorder: Arc<Recorder>,
    pub policy: Policy,
    /// The waker-driven run queue; each task is in it at most once.
    pub queue: Mutex<RunQueue>,
    /// Signalled when the queue gains a task, for a run that parks while idle.
    pub ready: Condvar,
    /// The thread the executor was created on: a wake from it outside a poll is "external".
    pub home: ThreadId,
}

/// The run queue and the number of threads parked waiting for it.
#[derive(Debug, Default)]
pub(crate) struct RunQueue {
    pub tasks: VecDeque<TaskId>,
    /// Waking a condition variable is a system call; it is made only when someone waits.
    pub parked: usize,
}

impl Shared {
    pub fn queue(&self) -> MutexGuard<'_, RunQueue> {
        // Queue operations are single pushes and pops: a poisoned lock holds valid data.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The waker of one task.
#[derive(Debug)]
pub(crate) struct TaskWaker {
    pub task: TaskId,
    /// Set by a wake, cleared when the task's poll starts: under the waker policy it keeps
    /// the task in the queue at most once; under busy polling it tells whether a poll was
    /// asked for or wasted.
    pub woken: AtomicBool,
    pub shared: Arc<Shared>,
}

impl TaskWaker {
    fn source(&self) -> Option<WakeSource> {
        if let Some(task) = context::current_task_of(&self.shared.recorder) {
            return Some(if task == self.task {
                WakeSource::SelfWake
            } else {
                WakeSource::Task(task)
            });
        }
        if thread::current().id() == self.shared.home {
            return Some(WakeSource::External);
        }
        None
    }
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let recorder = &self.shared.recorder;
        match self.source() {
            Some(by) => {
                recorder.record(self.task, EventKind::Wake { by });
            }
            None => {
                let current = thread::current();
                let name = match current.name() {
                    Some(name) => name.to_owned(),
                    None => format!("{:?}", current.id()),
                };
                recorder.record_with(self.task, |b| EventKind::Wake {
                    by: WakeSource::Thread(b.intern(&name)),
                });
            }
        }
        let first = !self.woken.swap(true, Ordering::AcqRel);
        if first && self.shared.policy == Policy::WakerDriven {
            let mut queue = self.shared.queue();
            queue.tasks.push_back(self.task);
            if queue.parked > 0 {
                self.shared.ready.notify_all();
            }
        }
    }
}
