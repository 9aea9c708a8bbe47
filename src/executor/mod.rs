//! The steppable executor: it polls exactly one task per [`Executor::step`] and records
//! everything it does in a [`Recorder`].

mod arena;
mod context;
pub mod drive;
mod held;
mod join;
mod outcome;
pub(crate) mod panic;
mod policy;
mod poll;
mod task;
mod waker;
mod yield_now;

pub use crate::trace::Site;
pub use held::HeldWaker;
pub use join::{JoinError, JoinHandle, spawn};
pub use outcome::{Outcome, Polled, Step, ValueText};
pub use policy::Policy;
pub use yield_now::{YieldNow, yield_now};

pub(crate) use context::with_current;

use crate::trace::{Recorder, TaskId, Trace, TraceDelta};
use context::Local;
use drive::{Driver, End, Limits};
use std::cell::RefCell;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use task::Task;
use waker::{Shared, TaskWaker};

/// Receives the events recorded so far each time a poll starts, so a viewer on another
/// thread sees a poll that is still running (one that blocks, say).
pub type Tap = Box<dyn FnMut(TraceDelta)>;

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
    /// The trace reached its limit (see [`drive::Limits::max_events`]): the run stopped
    /// with tasks unfinished, its trace intact.
    TraceFull {
        /// Events recorded.
        events: usize,
        /// The limit.
        limit: usize,
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
            RunError::TraceFull { events, limit } => drive::trace_full(f, *events, *limit),
        }
    }
}

impl std::error::Error for RunError {}

/// A single-threaded executor that can be driven one poll at a time.
///
/// Futures need not be `Send`: they are polled on the thread that owns the executor.
/// Their wakers are `Send + Sync` and may be called from any thread.
///
/// The executor keeps its own trace: what its thread does is appended without a lock, and
/// what other threads record (a worker's end, a wake) is taken from the recorder's inbox
/// once per step. [`Executor::trace`], [`Executor::snapshot`] and
/// [`Executor::take_delta`] read it.
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
/// let kinds: Vec<_> = ex.trace().events.iter().map(|e| e.kind.name()).collect();
/// assert_eq!(kinds, ["spawn", "poll_start", "say", "await_enter", "await_exit",
///                    "poll_end", "complete"]);
/// ```
pub struct Executor {
    shared: Arc<Shared>,
    /// The log and the run queue: only this thread touches them.
    local: RefCell<Local>,
    tasks: Vec<Task>,
    /// Busy polling's round-robin position.
    cursor: usize,
    unfinished: usize,
    hook: Option<PollHook>,
    tap: Option<Tap>,
    /// Read the compiler's state of each task after each poll (when the index is built).
    read_states: bool,
    /// Read a task's debug info before its first poll, waiting for it; else it is read on
    /// the loader thread and the task's state is recorded once it is known.
    wait_for_states: bool,
    /// The last poll's chain, copied right after it (reused).
    reading: crate::coro::ChainCopy,
    /// The tasks' future types found in the debug info so far.
    lookups: crate::coro::Lookups,
    /// Tasks polled while their debug info was being read: their state is owed.
    owed: Vec<TaskId>,
    /// Units of debug info read when the owed states were last looked at (`None`: not
    /// looked at since the index opened).
    seen_units: Option<u64>,
    /// Every task's future has been looked up in the index (its debug info asked for).
    looked_up: bool,
    /// In a stepped run beside tokio: the next step lets one of tokio's polls through
    /// (when one waits), so its tasks and the executor's own take turns.
    foreign_turn: bool,
    /// The clock reading that ended the last poll, while the run goes straight on to the
    /// next one (see [`Executor::run_until_stalled`]): it starts that poll too.
    boundary: Option<u64>,
    /// Inside a run that goes from poll to poll without waiting or handing control out.
    straight: bool,
}

impl Executor {
    /// An executor with a new recorder.
    pub fn new(policy: Policy) -> Self {
        Self::with_recorder(policy, Recorder::new())
    }

    /// An executor whose clock and inbox are `recorder`'s.
    ///
    /// The first executor of a process installs a panic hook that keeps panics caught
    /// inside polls (and worker closures) off stderr, since they are recorded in the trace;
    /// every other panic still goes to the hook that was there before.
    pub fn with_recorder(policy: Policy, recorder: Arc<Recorder>) -> Self {
        panic::install_quiet_hook();
        Executor {
            shared: Shared::new(recorder, policy),
            local: RefCell::default(),
            tasks: Vec::new(),
            cursor: 0,
            unfinished: 0,
            hook: None,
            tap: None,
            read_states: true,
            wait_for_states: true,
            reading: Default::default(),
            lookups: Default::default(),
            owed: Vec::new(),
            seen_units: None,
            looked_up: false,
            foreign_turn: true,
            boundary: None,
            straight: false,
        }
    }

    /// Whether to record the compiler's state of each task's future after every poll
    /// (`coro_state` events; on by default, and only once [`crate::coro::index`] is
    /// built). Off, a poll costs what it costs without debug info.
    pub fn record_states(&mut self, on: bool) {
        self.read_states = on;
    }

    /// Whether a task's first poll waits for the debug info describing its future (on by
    /// default: every poll's state is then recorded with it). Off, the first poll happens
    /// at once while the debug info is read on a thread of its own, and the task's state
    /// is recorded as soon as it is known ([`catch_up_states`](Self::catch_up_states)).
    pub fn wait_for_states(&mut self, wait: bool) {
        self.wait_for_states = wait;
    }

    /// True while the compiler's states of some task are not known yet: the debug info is
    /// being opened or read, or a task was polled before its own was read. Always false
    /// when the executor waits for states.
    pub fn states_pending(&self) -> bool {
        if !self.read_states || self.wait_for_states {
            return false;
        }
        match crate::coro::ready() {
            Some(index) => !self.looked_up || !self.owed.is_empty() || index.is_loading(),
            None => crate::coro::failure().is_none(),
        }
    }

    /// Asks for the debug info of every task's future (once the index is open), and records
    /// the state of every task whose debug info has been read since it was polled (as it
    /// is now: the task has not been polled since). True if any state was recorded.
    pub fn catch_up_states(&mut self) -> bool {
        let Some(index) = crate::coro::ready() else {
            return false;
        };
        if !self.looked_up {
            self.looked_up = true;
            // Waiting, each task's debug info is read before its first poll instead.
            if self.read_states && !self.wait_for_states {
                for task in &mut self.tasks {
                    task.look_up_coro(index, false, &mut self.lookups);
                }
            }
        }
        if self.owed.is_empty() {
            return false;
        }
        let units = index.units_read();
        if self.seen_units == Some(units) {
            return false;
        }
        self.seen_units = Some(units);
        let mut recorded = false;
        let now = self.shared.recorder.now_ns();
        let log = &mut self.local.get_mut().log;
        let reading = &mut self.reading;
        let lookups = &mut self.lookups;
        let tasks = &mut self.tasks;
        self.owed.retain(|&id| {
            let Some(task) = tasks.get_mut(id.0 as usize) else {
                return false;
            };
            task.look_up_coro(index, false, lookups);
            let keep = match task.capture_coro(reading) {
                task::Capture::Pending => true,
                task::Capture::Nothing => false,
                task::Capture::Read => {
                    reading.frames(|depth, frame| log.coro_frame(id, depth, index, frame, now));
                    recorded = true;
                    false
                }
            };
            task.owed = keep;
            keep
        });
        recorded
    }

    /// Hands the events recorded so far (as [`take_delta`](Self::take_delta) does) to
    /// `tap` every time a poll starts, before the task's code runs.
    pub fn set_tap(&mut self, tap: Tap) {
        self.tap = Some(tap);
    }

    /// Runs `hook` around every poll from now on (replacing an earlier one).
    pub fn set_poll_hook(&mut self, hook: PollHook) {
        self.hook = Some(hook);
    }

    /// The recorder: the clock of this executor's trace, and the inbox other threads
    /// record into.
    pub fn recorder(&self) -> &Arc<Recorder> {
        &self.shared.recorder
    }

    /// The scheduling policy.
    pub fn policy(&self) -> Policy {
        self.shared.policy
    }

    /// Number of tasks spawned (another runtime's too, once taken in from the inbox).
    pub fn task_count(&self) -> usize {
        self.local.borrow().log.tasks_spawned() as usize
    }

    /// Number of tasks not yet completed or panicked.
    pub fn unfinished(&self) -> usize {
        self.unfinished
    }

    /// Number of events recorded so far (those handed out by
    /// [`take_delta`](Self::take_delta) included; those still in the inbox not).
    pub fn events(&self) -> usize {
        self.local.borrow().log.len()
    }

    /// The trace so far, with what other threads recorded taken in first. Events handed out
    /// by [`take_delta`](Self::take_delta) are no longer in it.
    pub fn trace(&mut self) -> &Trace {
        self.drain(None);
        self.local.get_mut().log.trace()
    }

    /// A copy of the trace so far (see [`trace`](Self::trace)).
    pub fn snapshot(&mut self) -> Trace {
        self.trace().clone()
    }

    /// The trace so far, taken out without a copy: the executor's log is empty after, so
    /// this is for a run that is over (a recording's end). Events handed out by
    /// [`take_delta`](Self::take_delta) are not in it.
    pub fn take_trace(&mut self) -> Trace {
        self.drain(None);
        self.local.get_mut().log.take_trace()
    }

    /// Copies what `dst` does not have yet into it; `dst` must be an earlier copy of this
    /// executor's trace. Returns the number of new events.
    pub fn sync_into(&mut self, dst: &mut Trace) -> usize {
        self.drain(None);
        self.local.get_mut().log.sync_into(dst)
    }

    /// Hands out everything recorded since the last call and forgets those events, so a
    /// viewer that keeps the trace does not double the memory it takes.
    pub fn take_delta(&mut self) -> TraceDelta {
        self.drain(None);
        self.local.get_mut().log.take()
    }

    /// Makes room for `tasks` more tasks and about `events` more events.
    pub fn reserve(&mut self, tasks: usize, events: usize) {
        self.tasks.reserve(tasks);
        let local = self.local.get_mut();
        local.queue.reserve(tasks);
        local.log.reserve(events);
        local.log.reserve_tasks(tasks);
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
        let local = self.local.get_mut();
        // The log numbers every task, tokio's included, in the order it records them.
        let id = TaskId(local.log.tasks_spawned());
        let task = new_task(
            &self.shared,
            local,
            id,
            name,
            TaskId::NONE,
            task::DebugText::new(future),
        );
        self.place(id, task);
        self.unfinished += 1;
        id
    }

    /// Puts `task` at its id; the ids before it that another runtime's tasks took get
    /// stand-ins that are never polled (that runtime polls them).
    #[inline]
    fn place(&mut self, id: TaskId, task: Task) {
        if id.0 as usize == self.tasks.len() {
            self.tasks.push(task);
        } else {
            self.place_after_foreign(id, task);
        }
    }

    /// [`place`](Self::place) when another runtime's tasks took the ids before `id`.
    #[cold]
    fn place_after_foreign(&mut self, id: TaskId, task: Task) {
        let at = id.0 as usize;
        while self.tasks.len() < at {
            self.tasks.push(Task::foreign());
        }
        match self.tasks.get_mut(at) {
            Some(slot) => *slot = task,
            None => self.tasks.push(task),
        }
    }

    /// Polls exactly one task once, or says why none could be polled.
    #[inline]
    pub fn step(&mut self) -> Step {
        let step = self.step_once();
        // Whatever happens before the next step (the caller's own work, a park) is not the
        // next poll's: it reads the clock afresh.
        if !self.straight || !matches!(step, Step::Polled(_)) {
            self.boundary = None;
        }
        step
    }

    /// Goes straight from poll to poll (or stops doing so): one clock reading then ends a
    /// poll and starts the next, so the executor's own bookkeeping between the two (tens
    /// of nanoseconds) counts in the next poll, and each poll costs one reading, not two.
    pub(crate) fn set_straight(&mut self, straight: bool) {
        self.straight = straight;
        if !straight {
            self.boundary = None;
        }
    }

    #[inline]
    fn step_once(&mut self) -> Step {
        let foreign_waits = self.shared.recorder.gate().has_waiting();
        if self.unfinished == 0 {
            if foreign_waits && let Some(step) = self.step_foreign() {
                return step;
            }
            // tokio's tasks still inside a poll end it before the run is over, so their
            // ends are in the trace.
            if self.shared.recorder.foreign_polls_open() || foreign_waits {
                return Step::Idle;
            }
            return Step::Done;
        }
        if self.shared.recorder.has_mail() {
            self.drain(None);
        }
        if foreign_waits {
            let own_ready =
                self.shared.policy == Policy::BusyPoll || !self.local.get_mut().queue.is_empty();
            if (self.foreign_turn || !own_ready)
                && let Some(step) = self.step_foreign()
            {
                self.foreign_turn = false;
                return step;
            }
            self.foreign_turn = true;
        }
        // Nothing to catch up on before the index is open (or when states are not read).
        if (!self.owed.is_empty() || !self.looked_up)
            && self.read_states
            && crate::coro::ready().is_some()
        {
            self.catch_up_states();
        }
        match self.shared.policy {
            Policy::WakerDriven => match self.next_woken() {
                Some(id) => Step::Polled(self.poll(id)),
                None if self.wake_possible() => Step::Idle,
                // A wake may have been posted just before its waker was dropped.
                None => {
                    self.drain(None);
                    match self.next_woken() {
                        Some(id) => Step::Polled(self.poll(id)),
                        None => Step::Stalled,
                    }
                }
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

    /// Lets one of tokio's polls waiting at the gate through (a stepped run) and reports
    /// it as this step's poll; `None` if none waited or it has not returned yet.
    fn step_foreign(&mut self) -> Option<Step> {
        let key = self
            .shared
            .recorder
            .gate()
            .let_one_through(Duration::from_secs(5))?;
        self.drain(None);
        // Another runtime's poll came between: the next poll of this one reads the clock.
        self.boundary = None;
        let Some(polled) = self.local.get_mut().log.foreign_polled(key) else {
            // Still running after the wait: the next step waits for it.
            return Some(Step::Idle);
        };
        let outcome = if polled.finished {
            Outcome::Ready {
                value: crate::trace::FOREIGN_VALUE.into(),
            }
        } else {
            Outcome::Pending {
                at: None,
                point: None,
            }
        };
        Some(Step::Polled(Polled {
            task: polled.task,
            outcome,
            wasted: false,
            poll_ns: polled.end_ns.saturating_sub(polled.start.t_ns),
            seq: polled.start.seq,
        }))
    }

    /// Steps while some task is ready to make progress; returns why it stopped
    /// ([`Step::Idle`], [`Step::Stalled`] or [`Step::Done`]) and the number of polls.
    ///
    /// Under busy polling every unfinished task is always "ready"; there it stops after a
    /// full round in which every poll was wasted, and reports [`Step::Idle`].
    ///
    /// The polls follow one another at once: one clock reading ends a poll and starts the
    /// next (see [`drive::drive`]).
    pub fn run_until_stalled(&mut self) -> (Step, usize) {
        let mut polls = 0;
        let mut wasted_run = drive::WastedRun::default();
        self.set_straight(true);
        let stopped = loop {
            let step = self.step();
            // Only the flag is read: moving the poll's report out of the step would copy it
            // with wide loads of the narrow stores just made, which wait on the stores ahead.
            let Step::Polled(p) = &step else { break step };
            polls += 1;
            if wasted_run.round_wasted(p.wasted, self.unfinished) {
                break Step::Idle;
            }
        };
        self.set_straight(false);
        (stopped, polls)
    }

    /// Runs until every task has finished, parking while waiting for wakes from other
    /// threads. Fails if the tasks stall or `timeout` passes first. A shell over the one
    /// driver loop, [`crate::executor::drive::Driver`].
    pub fn run(&mut self, timeout: Duration) -> Result<usize, RunError> {
        let mut driver = Driver::new(Limits {
            timeout: Some(timeout),
            ..Limits::none()
        });
        match driver.run_straight(self) {
            End::Done => Ok(driver.polls()),
            End::Stalled => Err(RunError::Stalled {
                unfinished: self.unfinished_tasks(),
            }),
            End::TraceFull { events, limit } => Err(RunError::TraceFull { events, limit }),
            // No poll limit is set: only the timeout stops it otherwise.
            End::TimedOut { .. } | End::PollLimit { .. } => Err(RunError::TimedOut {
                polls: driver.polls(),
            }),
        }
    }

    /// Waits until a task is woken from another thread or `max` passes (in slices, so a
    /// waker that is dropped without waking is noticed as a stall).
    pub fn park(&self, max: Duration) {
        if self.shared.policy == Policy::BusyPoll {
            std::thread::yield_now();
            return;
        }
        if self.local.borrow().queue.is_empty() {
            self.shared
                .recorder
                .wait(max.min(Duration::from_millis(50)));
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
}

/// The pollscope task being polled on this thread, if its executor records into
/// `recorder` (another runtime's task spawned now is its child).
#[cfg_attr(not(all(feature = "tokio", tokio_unstable)), allow(dead_code))]
pub(crate) fn polling_task_of(recorder: &Arc<Recorder>) -> Option<TaskId> {
    with_current(|c| Arc::ptr_eq(&c.shared.recorder, recorder).then_some(c.task)).flatten()
}

/// Makes task `id` and records its spawn; under the waker-driven policy it is queued for
/// its first poll at once.
pub(crate) fn new_task<F: task::Wrapped>(
    shared: &Arc<Shared>,
    local: &mut Local,
    id: TaskId,
    name: &str,
    parent: TaskId,
    future: F,
) -> Task {
    let waker = TaskWaker {
        task: id,
        woken: true.into(),
        shared: shared.cell_ref(),
    };
    let name = local.log.intern_name(name);
    local.log.spawn_now(id, name, parent);
    if shared.policy == Policy::WakerDriven {
        local.queue.push_back(id);
    }
    Task::new(&mut local.arena, waker, future)
}

impl Drop for Executor {
    /// The tasks go first (each future dropped here, on the executor's thread), then the
    /// references to the shared state the executor kept for their cells.
    fn drop(&mut self) {
        self.tasks.clear();
        // Empty unless a poll unwound past its adoption of the tasks it spawned (a panic
        // outside the future's own, caught one): they go now, while the state they give
        // their references back to is alive.
        self.local.get_mut().spawned.clear();
        // SAFETY: every task of this executor is gone, so none gives a reference back;
        // tasks another poll spawned were adopted into `tasks` when it returned, or
        // dropped just above.
        unsafe { self.shared.executor_gone() };
    }
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
