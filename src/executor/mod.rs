//! The steppable executor: it polls exactly one task per [`Executor::step`] and records
//! everything it does in a [`Recorder`].

mod context;
mod join;
mod outcome;
pub(crate) mod panic;
mod policy;
mod task;
mod waker;
mod yield_now;

pub use crate::trace::Site;
pub use join::{JoinError, JoinHandle, spawn};
pub use outcome::{Outcome, Polled, Step};
pub use policy::Policy;
pub use yield_now::{YieldNow, yield_now};

pub(crate) use context::with_current;

use crate::drive::{Driver, End, Limits};
use crate::trace::{EventKind, PollResult, Recorder, TaskId};
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex};
use std::task::Poll;
use std::time::Duration;
use task::{BoxedFuture, Task};
use waker::{Shared, TaskWaker};

/// Code run around every poll: it must call the closure it is given exactly once.
///
/// It lets a poll run inside another runtime's context (tokio's `Handle::enter`), so
/// futures that need that runtime's timers or sockets work on this executor.
pub type PollHook = Box<dyn Fn(&mut dyn FnMut())>;

/// Why [`Executor::run`] stopped before every task finished.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RunError {
    /// No task can ever be woken again; the unfinished tasks are listed.
    Stalled {
        /// Tasks left unfinished.
        unfinished: Vec<TaskId>,
    },
    /// The timeout passed while tasks were still unfinished.
    TimedOut {
        /// Polls made before giving up.
        polls: usize,
    },
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Stalled { unfinished } => {
                write!(
                    f,
                    "stalled: no task can be woken ({} unfinished)",
                    unfinished.len()
                )
            }
            RunError::TimedOut { polls } => write!(f, "timed out after {polls} polls"),
        }
    }
}

impl std::error::Error for RunError {}

/// A single-threaded executor that can be driven one poll at a time.
///
/// Futures need not be `Send`: they are polled on the thread that owns the executor.
/// Their wakers are `Send + Sync` and may be called from any thread.
///
/// ```
/// use pollscope::executor::{Executor, Outcome, Policy, Step};
/// use pollscope::{say, AtExt};
///
/// async fn answer() -> u32 {
///     say!("computing");
///     std::future::ready(41).at("ready(41)").await + 1
/// }
///
/// let mut ex = Executor::new(Policy::WakerDriven);
/// ex.spawn("answer", answer());
/// let Step::Polled(p) = ex.step() else { panic!("a task was ready") };
/// assert_eq!(p.outcome, Outcome::Ready { value: "42".into() });
/// assert_eq!(ex.step(), Step::Done);
/// // Everything it did is in the trace: spawn, poll, the say-line, the await, the value.
/// let kinds: Vec<_> = ex.recorder().snapshot().events.iter().map(|e| e.kind.name()).collect();
/// assert_eq!(kinds, ["spawn", "poll_start", "say", "await_enter", "await_exit",
///                    "poll_end", "complete"]);
/// ```
pub struct Executor {
    shared: Arc<Shared>,
    tasks: Vec<Task>,
    /// Busy polling's round-robin position.
    cursor: usize,
    unfinished: usize,
    hook: Option<PollHook>,
}

impl Executor {
    /// An executor with a new recorder.
    pub fn new(policy: Policy) -> Self {
        Self::with_recorder(policy, Recorder::new())
    }

    /// An executor that records into `recorder` (shared with a viewer, say).
    ///
    /// The first executor of a process installs a panic hook that keeps panics caught
    /// inside polls (and worker closures) off stderr, since they are recorded in the trace;
    /// every other panic still goes to the hook that was there before.
    pub fn with_recorder(policy: Policy, recorder: Arc<Recorder>) -> Self {
        panic::install_quiet_hook();
        Executor {
            shared: Arc::new(Shared {
                recorder,
                policy,
                queue: Mutex::default(),
                ready: Condvar::new(),
                home: std::thread::current().id(),
            }),
            tasks: Vec::new(),
            cursor: 0,
            unfinished: 0,
            hook: None,
        }
    }

    /// Runs `hook` around every poll from now on (replacing an earlier one).
    pub fn set_poll_hook(&mut self, hook: PollHook) {
        self.hook = Some(hook);
    }

    /// The recorder holding this executor's trace.
    pub fn recorder(&self) -> &Arc<Recorder> {
        &self.shared.recorder
    }

    /// The scheduling policy.
    pub fn policy(&self) -> Policy {
        self.shared.policy
    }

    /// Number of tasks spawned.
    pub fn task_count(&self) -> usize {
        self.tasks.len()
    }

    /// Number of tasks not yet completed or panicked.
    pub fn unfinished(&self) -> usize {
        self.unfinished
    }

    /// Makes room for `tasks` more tasks and about `events` more events.
    pub fn reserve(&mut self, tasks: usize, events: usize) {
        self.tasks.reserve(tasks);
        self.shared.queue().tasks.reserve(tasks);
        self.shared.recorder.reserve(events);
    }

    /// Adds a task. Nothing of it runs until a step polls it; its output's `Debug` text
    /// becomes the task's value.
    ///
    /// Inside a task, [`spawn`] (the free function) adds a child task instead.
    pub fn spawn<F>(&mut self, name: &str, future: F) -> TaskId
    where
        F: Future + 'static,
        F::Output: std::fmt::Debug,
    {
        let id = TaskId(self.tasks.len() as u32);
        let task = new_task(&self.shared, id, name, TaskId::NONE, task::boxed(future));
        self.tasks.push(task);
        self.unfinished += 1;
        id
    }

    /// Polls exactly one task once, or says why none could be polled.
    pub fn step(&mut self) -> Step {
        if self.unfinished == 0 {
            return Step::Done;
        }
        match self.shared.policy {
            Policy::WakerDriven => match self.next_woken() {
                Some(id) => Step::Polled(self.poll(id)),
                None if self.wake_possible() => Step::Idle,
                // A wake may have been queued just before its waker was dropped.
                None => match self.next_woken() {
                    Some(id) => Step::Polled(self.poll(id)),
                    None => Step::Stalled,
                },
            },
            Policy::BusyPoll => {
                let n = self.tasks.len();
                let id = (0..n)
                    .map(|i| (self.cursor + i) % n)
                    .find(|&i| !self.tasks[i].is_finished())
                    .unwrap_or(0);
                self.cursor = (id + 1) % n;
                Step::Polled(self.poll(TaskId(id as u32)))
            }
        }
    }

    /// Steps while some task is ready to make progress; returns why it stopped
    /// ([`Step::Idle`], [`Step::Stalled`] or [`Step::Done`]) and the number of polls.
    ///
    /// Under busy polling every unfinished task is always "ready"; there it stops after a
    /// full round in which every poll was wasted, and reports [`Step::Idle`].
    pub fn run_until_stalled(&mut self) -> (Step, usize) {
        let mut polls = 0;
        let mut wasted_run = 0;
        loop {
            match self.step() {
                Step::Polled(p) => {
                    polls += 1;
                    wasted_run = if p.wasted { wasted_run + 1 } else { 0 };
                    if wasted_run > 0 && wasted_run >= self.unfinished {
                        return (Step::Idle, polls);
                    }
                }
                other => return (other, polls),
            }
        }
    }

    /// Runs until every task has finished, parking while waiting for wakes from other
    /// threads. Fails if the tasks stall or `timeout` passes first. A shell over the one
    /// driver loop, [`crate::drive::Driver`].
    pub fn run(&mut self, timeout: Duration) -> Result<usize, RunError> {
        let mut driver = Driver::new(Limits {
            max_polls: usize::MAX,
            timeout: Some(timeout),
        });
        match driver.run(self, |_, _| {}) {
            End::Done => Ok(driver.polls()),
            End::Stalled => Err(RunError::Stalled {
                unfinished: self.unfinished_tasks(),
            }),
            End::TimedOut { .. } | End::PollLimit { .. } => Err(RunError::TimedOut {
                polls: driver.polls(),
            }),
        }
    }

    /// Waits until a task is queued or `max` passes (in slices, so a waker that is dropped
    /// without waking is noticed as a stall).
    pub fn park(&self, max: Duration) {
        if self.shared.policy == Policy::BusyPoll {
            std::thread::yield_now();
            return;
        }
        let slice = max.min(Duration::from_millis(50));
        let mut queue = self.shared.queue();
        if queue.tasks.is_empty() {
            queue.parked += 1;
            let (mut queue, _) = self
                .shared
                .ready
                .wait_timeout(queue, slice)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            queue.parked -= 1;
        }
    }

    /// Ids of tasks not yet finished.
    pub fn unfinished_tasks(&self) -> Vec<TaskId> {
        self.tasks
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.is_finished())
            .map(|(i, _)| TaskId(i as u32))
            .collect()
    }

    fn next_woken(&mut self) -> Option<TaskId> {
        let mut queue = self.shared.queue();
        while let Some(id) = queue.tasks.pop_front() {
            if self
                .tasks
                .get(id.0 as usize)
                .is_some_and(|t| !t.is_finished())
            {
                return Some(id);
            }
        }
        None
    }

    /// True if a waker of an unfinished task is held outside the executor.
    fn wake_possible(&self) -> bool {
        self.tasks
            .iter()
            .any(|t| !t.is_finished() && t.waker_held_elsewhere())
    }

    fn poll(&mut self, id: TaskId) -> Polled {
        let first_new = self.tasks.len() as u32;
        let shared = &self.shared;
        let task = &mut self.tasks[id.0 as usize];
        let woken = task.waker.woken.swap(false, Ordering::AcqRel);
        let wasted_if_pending = !woken && task.polls > 0;
        task.polls += 1;
        let recorder = &shared.recorder;
        let start = recorder.record(id, EventKind::PollStart);
        let current = context::Current {
            recorder,
            shared,
            task: id,
            innermost: Default::default(),
            spawned: Default::default(),
            first_new,
        };
        let guard = context::enter(&current);
        let result = match &self.hook {
            None => task.poll(),
            Some(hook) => {
                let mut result = None;
                hook(&mut || result = Some(task.poll()));
                result.unwrap_or_else(|| Err("the poll hook did not run the poll".to_owned()))
            }
        };
        drop(guard);
        let innermost = current.innermost.get();
        let (outcome, end) = match result {
            Ok(Poll::Pending) => {
                let end = recorder.record(
                    id,
                    EventKind::PollEnd {
                        result: PollResult::Pending,
                    },
                );
                let outcome = Outcome::Pending {
                    at: innermost.map(|(site, _)| site),
                    point: innermost.map(|(_, p)| p),
                };
                (outcome, end)
            }
            Ok(Poll::Ready(())) => {
                let end_kind = EventKind::PollEnd {
                    result: PollResult::Ready,
                };
                let mut value = None;
                let end = recorder.record_pair(id, end_kind, |b| {
                    // Interned straight from the task's text buffer (see `task::VALUE`).
                    let (sym, text) = task::VALUE.with(|t| b.intern_shared(&t.borrow()));
                    value = Some(text);
                    EventKind::Complete { value: sym }
                });
                let value = value.unwrap_or_else(|| Arc::from("?"));
                (Outcome::Ready { value }, end)
            }
            Err(message) => {
                let end_kind = EventKind::PollEnd {
                    result: PollResult::Panicked,
                };
                let end = recorder.record_pair(id, end_kind, |b| EventKind::Panic {
                    message: b.intern(&message),
                });
                (Outcome::Panicked { message }, end)
            }
        };
        let name = task.name.clone();
        if !matches!(outcome, Outcome::Pending { .. }) {
            task.finish();
            self.unfinished -= 1;
        }
        let children = current.spawned.into_inner();
        self.unfinished += children.len();
        self.tasks.extend(children);
        Polled {
            task: id,
            name,
            wasted: wasted_if_pending && matches!(outcome, Outcome::Pending { .. }),
            outcome,
            poll_ns: end.t_ns.saturating_sub(start.t_ns),
            seq: start.seq,
        }
    }
}

/// Makes task `id` and records its spawn; under the waker-driven policy it is queued for
/// its first poll at once.
pub(crate) fn new_task(
    shared: &Arc<Shared>,
    id: TaskId,
    name: &str,
    parent: TaskId,
    future: BoxedFuture,
) -> Task {
    let waker = Arc::new(TaskWaker {
        task: id,
        woken: true.into(),
        shared: shared.clone(),
    });
    let mut shared_name = None;
    shared.recorder.record_with(id, |b| {
        let (sym, text) = b.intern_shared(name);
        shared_name = Some(text);
        EventKind::Spawn { name: sym, parent }
    });
    let name = shared_name.unwrap_or_else(|| Arc::from(name));
    if shared.policy == Policy::WakerDriven {
        shared.queue().tasks.push_back(id);
    }
    Task::new(name, future, waker)
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("policy", &self.shared.policy)
            .field("tasks", &self.tasks.len())
            .field("unfinished", &self.unfinished)
            .finish()
    }
}
