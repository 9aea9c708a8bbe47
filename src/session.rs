//! A program run on its own thread, driven by commands: the app's executor never runs on
//! the UI thread, so a poll that blocks (the seed's join, `blocking-sleep`) freezes the
//! executor — which the UI then shows — and never the window.
//!
//! The executor thread hands its new events over after every step, together with the run's
//! number, under one lock; a reader therefore never pairs one run's number with another
//! run's events, however a reset and a sync interleave.

use crate::executor::drive::{Driver, End, Limits};
use crate::executor::{Policy, Step};
use crate::program::{Launched, Program};
use crate::trace::{History, Recorder, TaskId, TraceDelta};
use crate::watch::{Line, Stop, Until, Watch};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often a paused session looks whether owed states have become known.
const STATES_POLL: Duration = Duration::from_millis(30);

/// How fast a running session polls.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Speed {
    /// At most this many polls per second.
    PerSecond(f64),
    /// As fast as the executor can.
    Max,
}

impl Speed {
    /// The time between two polls at this speed (none at max).
    pub fn interval(self) -> Duration {
        match self {
            Speed::PerSecond(n) if n > 0.0 => Duration::from_secs_f64(1.0 / n),
            _ => Duration::ZERO,
        }
    }
}

/// What the UI asks the executor thread to do.
#[derive(Clone, Debug)]
pub enum Command {
    /// Poll one task once (pauses a run).
    Step,
    /// Poll continuously at this speed until done, stalled or paused.
    Run(Speed),
    /// Stop running.
    Pause,
    /// Change the running program's trace limit (in events).
    Limit(usize),
    /// The lines where a run stops when a task suspends or resumes there.
    Breakpoints(Vec<Line>),
    /// Run until this task has been polled once more.
    StepTask(TaskId),
    /// Run until a thread wakes a task.
    RunToThreadWake,
    /// Start `program` afresh under `policy` (with URLs for programs that fetch).
    Reset {
        /// The program; its tasks are built anew.
        program: Program,
        /// Scheduling policy.
        policy: Policy,
        /// Page URLs; empty means the demo server's.
        urls: Vec<String>,
        /// The trace limit in events: at the limit the run pauses.
        limit: usize,
    },
}

/// Where the session is, as the executor thread last reported it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Status {
    /// Increases on every reset: a new trace has begun.
    pub generation: u64,
    /// True while running continuously.
    pub running: bool,
    /// Polls made since the reset.
    pub polls: usize,
    /// Why the last step polled nothing (idle, stalled, done), if it did.
    pub stopped: Option<Step>,
    /// A program that could not start, or a run that failed.
    pub error: Option<String>,
    /// Why the run paused on its own (its trace is full).
    pub notice: Option<String>,
    /// Where a run last stopped on its own: a breakpoint, or the end of a bigger step.
    pub stop: Option<Stop>,
    /// Some polled task's state is not shown yet: the debug info describing its future is
    /// still being read (the run does not wait for it).
    pub reading_debug_info: bool,
    /// The pages the run fetches (its demo server's unless the user gave some): the
    /// lesson's live Python twin fetches the same ones.
    pub urls: Vec<String>,
    /// The id of the program this run is of.
    pub program: String,
}

/// What the executor thread has recorded and the reader has not taken yet.
#[derive(Default)]
struct Published {
    /// The run the events belong to.
    generation: u64,
    /// Its events since the reader's last sync.
    delta: TraceDelta,
    /// The run's clock.
    clock: Arc<Recorder>,
}

struct Shared {
    status: Mutex<Status>,
    published: Mutex<Published>,
}

impl Shared {
    fn status(&self) -> MutexGuard<'_, Status> {
        self.status.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn published(&self) -> MutexGuard<'_, Published> {
        self.published
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// The handle the UI holds: send commands, read status, copy new events.
pub struct Session {
    commands: Sender<Command>,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    seen_generation: u64,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("status", &self.status())
            .finish()
    }
}

impl Session {
    /// Starts the executor thread. `notify` is called whenever something changed (the app
    /// passes `request_repaint`).
    pub fn start(notify: impl Fn() + Send + Sync + 'static) -> Session {
        let (commands, receiver) = mpsc::channel();
        let shared = Arc::new(Shared {
            status: Mutex::default(),
            published: Mutex::default(),
        });
        let thread_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("pollscope-executor".into())
            .spawn(move || Runner::new(thread_shared, Arc::new(notify)).run(receiver))
            .ok();
        if thread.is_none() {
            shared.status().error = Some("could not start the executor thread".to_owned());
        }
        Session {
            commands,
            shared,
            thread,
            seen_generation: u64::MAX,
        }
    }

    /// Sends a command; it is carried out as soon as the executor is not inside a poll.
    pub fn send(&self, command: Command) {
        if matches!(
            command,
            Command::Run(_) | Command::StepTask(_) | Command::RunToThreadWake
        ) {
            // Said at once, so no reader mistakes the last stop for this run's: the
            // executor thread confirms when it takes the command.
            let mut status = self.shared.status();
            status.stop = None;
            status.running = true;
        }
        // The thread only ends when the session is dropped.
        let _ = self.commands.send(command);
    }

    /// The latest status.
    pub fn status(&self) -> Status {
        self.shared.status().clone()
    }

    /// The clock of the current run.
    pub fn recorder(&self) -> Arc<Recorder> {
        self.shared.published().clock.clone()
    }

    /// The run the timeline last synced holds (`u64::MAX` before the first sync).
    pub fn generation(&self) -> u64 {
        self.seen_generation
    }

    /// Brings `timeline` up to date: starts it afresh when a new run has begun, then
    /// appends the run's new events. Returns true if anything changed.
    pub fn sync(&mut self, timeline: &mut History) -> bool {
        // One lock: the run's number and its events are read together.
        let (generation, delta) = {
            let mut published = self.shared.published();
            (published.generation, std::mem::take(&mut published.delta))
        };
        let mut changed = false;
        if generation != self.seen_generation {
            *timeline = History::new();
            self.seen_generation = generation;
            changed = true;
        }
        if !delta.is_empty() {
            timeline.trace_mut().extend(delta);
            timeline.catch_up();
            changed = true;
        }
        changed
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // Closing the channel ends the thread's loop, unless it is blocked inside a poll;
        // then it is left to finish on its own rather than freezing the window's close.
        let (dead, _) = mpsc::channel();
        self.commands = dead;
        if let Some(thread) = self.thread.take()
            && thread.is_finished()
        {
            let _ = thread.join();
        }
    }
}

/// The executor thread's state.
struct Runner {
    shared: Arc<Shared>,
    /// Sees every new event before the UI does (also from the tap, inside polls).
    watch: Arc<Mutex<Watch>>,
    notify: Arc<dyn Fn() + Send + Sync>,
    /// The running program (its executor, and what it keeps alive: a demo server, a
    /// tokio runtime) with the loop driving it.
    run: Option<(Launched, Driver)>,
    /// Or the Python script running under the tracer.
    #[cfg(unix)]
    python: Option<crate::python::PyRun>,
    /// The run this thread publishes for.
    generation: u64,
    speed: Option<Speed>,
    next_step: Instant,
}

impl Runner {
    fn new(shared: Arc<Shared>, notify: Arc<dyn Fn() + Send + Sync>) -> Self {
        Runner {
            shared,
            watch: Arc::default(),
            notify,
            run: None,
            #[cfg(unix)]
            python: None,
            generation: 0,
            speed: None,
            next_step: Instant::now(),
        }
    }

    fn run(mut self, commands: Receiver<Command>) {
        loop {
            let owes = self.owes_states();
            self.say_reading(owes);
            let command = match self.speed {
                // A task's state is owed: look again shortly for its debug info; a script
                // running between resumes: read what it reports.
                None if owes || self.python_running() => commands.recv_timeout(STATES_POLL),
                None => commands.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some(_) => {
                    let wait = self.next_step.saturating_duration_since(Instant::now());
                    commands.recv_timeout(wait)
                }
            };
            match command {
                Ok(command) => self.apply(command),
                Err(RecvTimeoutError::Timeout) if self.speed.is_none() => self.catch_up_states(),
                Err(RecvTimeoutError::Timeout) => self.tick(),
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    /// True while a script runs outside the tracer's pause: its reports are read as they
    /// come.
    fn python_running(&self) -> bool {
        #[cfg(unix)]
        if let Some(py) = &self.python {
            return py.paused().is_none() && py.exit().is_none();
        }
        false
    }

    /// Records the states that have become known since their tasks were polled (and
    /// what a script reported meanwhile).
    fn catch_up_states(&mut self) {
        #[cfg(unix)]
        if self.python.is_some() {
            self.python_turn(Duration::ZERO, false);
            return;
        }
        let Some((launched, driver)) = self.run.as_mut() else {
            return;
        };
        // A full trace stays as it is: the states owed are not recorded.
        let recorded =
            !driver.trace_full(&launched.executor) && launched.executor.catch_up_states();
        let owes = self.owes_states();
        if recorded {
            self.publish();
            (self.notify)();
        }
        self.say_reading(owes);
    }

    /// True while some polled task's state waits for its debug info and can still be
    /// recorded (a full trace takes no more).
    fn owes_states(&self) -> bool {
        self.run.as_ref().is_some_and(|(launched, driver)| {
            launched.executor.states_pending() && !driver.trace_full(&launched.executor)
        })
    }

    /// Shows in the status whether some task's state waits for its debug info.
    fn say_reading(&self, reading: bool) {
        let mut status = self.shared.status();
        if status.reading_debug_info != reading {
            status.reading_debug_info = reading;
            drop(status);
            (self.notify)();
        }
    }

    fn apply(&mut self, command: Command) {
        match command {
            Command::Step => {
                self.speed = None;
                self.set_until(None);
                self.step(Duration::ZERO);
            }
            Command::Run(speed) => {
                self.set_until(None);
                self.speed = Some(speed);
                self.next_step = Instant::now();
            }
            Command::Breakpoints(lines) => self.watch().set_breakpoints(lines),
            Command::StepTask(task) => {
                self.set_until(Some(Until::Polled(task)));
                self.speed = Some(Speed::Max);
                self.next_step = Instant::now();
            }
            Command::RunToThreadWake => {
                self.set_until(Some(Until::ThreadWake));
                self.speed = Some(Speed::Max);
                self.next_step = Instant::now();
            }
            Command::Pause => self.speed = None,
            Command::Limit(events) => {
                if let Some((_, driver)) = self.run.as_mut() {
                    driver.set_max_events(events);
                }
                self.shared.status().notice = None;
            }
            Command::Reset {
                program,
                policy,
                urls,
                limit,
            } => self.reset(&program, policy, urls, limit),
        }
        self.shared.status().running = self.speed.is_some();
        (self.notify)();
    }

    fn watch(&self) -> MutexGuard<'_, Watch> {
        self.watch.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts or ends a bigger step, and clears the last stop from the status.
    fn set_until(&mut self, until: Option<Until>) {
        self.watch().set_until(until);
        self.shared.status().stop = None;
    }

    fn reset(&mut self, program: &Program, policy: Policy, urls: Vec<String>, limit: usize) {
        self.speed = None;
        self.watch().new_run();
        // The debug info is opened off this thread; the first poll does not wait for it.
        crate::coro::start();
        // The old run (and its server, its runtime, its interpreter) ends before the new
        // one starts.
        self.run = None;
        #[cfg(unix)]
        {
            self.python = None;
        }
        let recorder = Recorder::new();
        self.generation += 1;
        // The new run's number replaces the old run's unread events at once; its own
        // events are published only under it.
        *self.shared.published() = Published {
            generation: self.generation,
            delta: TraceDelta::default(),
            clock: recorder.clone(),
        };
        *self.shared.status() = Status {
            generation: self.generation,
            // Until the tasks' debug info has been asked for (just below) and read.
            reading_debug_info: crate::coro::failure().is_none(),
            program: program.id().to_owned(),
            ..Status::default()
        };
        #[cfg(unix)]
        if let Some(script) = program.script() {
            self.shared.status().reading_debug_info = false;
            match crate::python::PyRun::start(script, recorder) {
                Ok(py) => {
                    self.python = Some(py);
                    // The script runs up to its first resume.
                    self.python_turn(Duration::from_millis(300), false);
                }
                Err(e) => self.shared.status().error = Some(e.to_string()),
            }
            return;
        }
        match program.launch_into(recorder, policy, urls) {
            Ok(mut launched) => {
                // States become known while the run goes on: a step never waits for them.
                launched.executor.wait_for_states(false);
                // Every poll is shown as it starts: one that blocks is seen blocking.
                let (shared, notify, generation, watch) = (
                    self.shared.clone(),
                    self.notify.clone(),
                    self.generation,
                    self.watch.clone(),
                );
                launched.executor.set_tap(Box::new(move |delta| {
                    watch
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .scan(&delta);
                    publish(&shared, generation, delta);
                    notify();
                }));
                let limits = Limits {
                    max_events: limit,
                    ..Limits::none()
                };
                self.shared.status().urls = launched.urls.clone();
                self.run = Some((launched, Driver::new(limits)));
                self.publish();
                // The tasks' debug info is asked for now, before the first step.
                self.catch_up_states();
            }
            Err(e) => self.shared.status().error = Some(e.to_string()),
        }
    }

    /// Lets one resume of the script through (`resume`), or only reads what it reported,
    /// waiting up to `wait` for it to pause; publishes and says where it is.
    #[cfg(unix)]
    fn python_turn(&mut self, wait: Duration, resume: bool) -> Option<Step> {
        use crate::python::PyStep;
        let py = self.python.as_mut()?;
        let before = py.events();
        let state = if resume {
            py.step(wait)
        } else {
            py.pump(Instant::now() + wait, false)
        };
        // Whether it drove anything, asked once it ended.
        let drove = !matches!(state, PyStep::Exited(_))
            || py
                .trace()
                .events
                .iter()
                .any(|e| matches!(e.kind, crate::trace::EventKind::Spawn { .. }));
        let delta = py.take_delta();
        let progressed = resume && py.events() > before;
        let changed = !delta.is_empty();
        self.watch().scan(&delta);
        publish(&self.shared, self.generation, delta);
        let mut status = self.take_stop();
        if progressed {
            status.polls += 1;
        }
        let step = match state {
            PyStep::Paused(_) | PyStep::InResume => {
                status.notice = None;
                status.stopped = None;
                Step::Idle
            }
            PyStep::Outside => {
                status.notice = Some("the script is running outside any coroutine".to_owned());
                status.stopped = None;
                Step::Idle
            }
            PyStep::Exited(exit) => {
                status.notice = (!drove).then(|| {
                    "the script drove no coroutine, generator or async generator: only its \
                     output is shown (the log's program output, key O)"
                        .to_owned()
                });
                status.stopped = Some(Step::Done);
                status.error = exit.error.map(|(error, line)| match line {
                    Some(line) => format!("the script raised {error} (line {line})"),
                    None => format!("the script ended: {error}"),
                });
                Step::Done
            }
        };
        drop(status);
        if changed || resume {
            (self.notify)();
        }
        Some(step)
    }

    /// Takes where the watch stopped the run (a breakpoint, the end of a bigger step: the
    /// run pauses after this poll) into the status, which it returns locked.
    fn take_stop(&mut self) -> MutexGuard<'_, Status> {
        let stop = self.watch().take_stop();
        if stop.is_some() {
            self.speed = None;
        }
        let mut status = self.shared.status();
        if stop.is_some() {
            status.stop = stop;
        }
        status
    }

    /// Hands the run's new events to the reader.
    fn publish(&mut self) {
        if let Some((launched, _)) = self.run.as_mut() {
            let delta = launched.executor.take_delta();
            self.watch
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .scan(&delta);
            publish(&self.shared, self.generation, delta);
        }
    }

    /// A step of a continuous run.
    fn tick(&mut self) {
        let Some(speed) = self.speed else { return };
        // Waiting for a thread: park on the executor until a wake (or a short while, so
        // commands are still answered).
        let step = self.step(Duration::from_millis(20));
        if !matches!(step, Some(Step::Polled(_) | Step::Idle)) {
            self.speed = None;
            self.watch().set_until(None);
        }
        self.shared.status().running = self.speed.is_some();
        self.next_step = Instant::now() + speed.interval();
        (self.notify)();
    }

    fn step(&mut self, park: Duration) -> Option<Step> {
        #[cfg(unix)]
        if self.python.is_some() {
            // A step waits a little for the resume to end, so a Step shows its effect;
            // a resume that blocks longer is seen blocking.
            return self.python_turn(park.max(Duration::from_millis(250)), true);
        }
        let (launched, driver) = self.run.as_mut()?;
        let turn = driver.turn(&mut launched.executor, park);
        let unfinished = launched.executor.unfinished();
        let owes = self.owes_states();
        self.publish();
        let mut status = self.take_stop();
        if let Some(end @ End::TraceFull { .. }) = turn.end {
            // Paused, the trace intact: the user saves it or resets.
            status.notice = Some(format!("{end}: the run is paused; save it, or reset"));
        }
        status.reading_debug_info = owes;
        let step = turn.step?;
        match &step {
            Step::Polled(_) => {
                status.polls += 1;
                // Said at once rather than on the next step: the last task just finished.
                status.stopped = (unfinished == 0).then_some(Step::Done);
            }
            other => status.stopped = Some(other.clone()),
        }
        drop(status);
        (self.notify)();
        Some(step)
    }
}

/// Appends `delta` to what the reader has not taken yet, if it belongs to the run being
/// shown.
fn publish(shared: &Shared, generation: u64, delta: TraceDelta) {
    if delta.is_empty() {
        return;
    }
    let mut published = shared.published();
    if published.generation == generation {
        published.delta.append(delta);
    }
}
