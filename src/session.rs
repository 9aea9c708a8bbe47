//! A program run on its own thread, driven by commands: the app's executor never runs on
//! the UI thread, so a poll that blocks (the seed's join, `blocking-sleep`) freezes the
//! executor — which the UI then shows — and never the window.

use crate::drive::{Driver, Limits};
use crate::executor::{Policy, Step};
use crate::program::{Launched, Program};
use crate::trace::{Recorder, Timeline};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How fast a running session polls.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Speed {
    /// At most this many polls per second.
    PerSecond(f64),
    /// As fast as the executor can.
    Max,
}

impl Speed {
    fn interval(self) -> Duration {
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
    /// Start `program` afresh under `policy` (with URLs for programs that fetch).
    Reset {
        /// The program; its tasks are built anew.
        program: Program,
        /// Scheduling policy.
        policy: Policy,
        /// Page URLs; empty means the demo server's.
        urls: Vec<String>,
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
}

struct Shared {
    status: Mutex<Status>,
    recorder: Mutex<Arc<Recorder>>,
}

impl Shared {
    fn status(&self) -> MutexGuard<'_, Status> {
        self.status.lock().unwrap_or_else(PoisonError::into_inner)
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
    pub fn start(notify: impl Fn() + Send + 'static) -> Session {
        let (commands, receiver) = mpsc::channel();
        let shared = Arc::new(Shared {
            status: Mutex::default(),
            recorder: Mutex::new(Recorder::new()),
        });
        let thread_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("pollscope-executor".into())
            .spawn(move || Runner::new(thread_shared, notify).run(receiver))
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
        // The thread only ends when the session is dropped.
        let _ = self.commands.send(command);
    }

    /// The latest status.
    pub fn status(&self) -> Status {
        self.shared.status().clone()
    }

    /// The recorder of the current run (a new one after every reset).
    pub fn recorder(&self) -> Arc<Recorder> {
        self.shared
            .recorder
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Brings `timeline` up to date: starts it afresh after a reset, then copies and
    /// applies new events. Returns true if anything changed.
    pub fn sync(&mut self, timeline: &mut Timeline) -> bool {
        // The recorder is read before the generation: a reset in between is caught on
        // the next frame instead of mixing two runs.
        let recorder = self.recorder();
        let generation = self.shared.status().generation;
        let mut changed = false;
        if generation != self.seen_generation {
            *timeline = Timeline::new();
            self.seen_generation = generation;
            changed = true;
        }
        if recorder.sync_into(timeline.trace_mut()) > 0 {
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
struct Runner<N> {
    shared: Arc<Shared>,
    notify: N,
    /// The running program (its executor, and what it keeps alive: a demo server, a
    /// tokio runtime) with the loop driving it.
    run: Option<(Launched, Driver)>,
    speed: Option<Speed>,
    next_step: Instant,
}

impl<N: Fn()> Runner<N> {
    fn new(shared: Arc<Shared>, notify: N) -> Self {
        Runner {
            shared,
            notify,
            run: None,
            speed: None,
            next_step: Instant::now(),
        }
    }

    fn run(mut self, commands: Receiver<Command>) {
        loop {
            let command = match self.speed {
                None => commands.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some(_) => {
                    let wait = self.next_step.saturating_duration_since(Instant::now());
                    commands.recv_timeout(wait)
                }
            };
            match command {
                Ok(command) => self.apply(command),
                Err(RecvTimeoutError::Timeout) => self.tick(),
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    fn apply(&mut self, command: Command) {
        match command {
            Command::Step => {
                self.speed = None;
                self.step(Duration::ZERO);
            }
            Command::Run(speed) => {
                self.speed = Some(speed);
                self.next_step = Instant::now();
            }
            Command::Pause => self.speed = None,
            Command::Reset {
                program,
                policy,
                urls,
            } => self.reset(&program, policy, urls),
        }
        self.shared.status().running = self.speed.is_some();
        (self.notify)();
    }

    fn reset(&mut self, program: &Program, policy: Policy, urls: Vec<String>) {
        self.speed = None;
        // The old run (and its server, its runtime) ends before the new one starts.
        self.run = None;
        let recorder = Recorder::new();
        *self
            .shared
            .recorder
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = recorder.clone();
        let started = program.launch_into(recorder, policy, urls);
        let mut status = self.shared.status();
        *status = Status {
            generation: status.generation + 1,
            ..Status::default()
        };
        match started {
            Ok(launched) => self.run = Some((launched, Driver::new(Limits::none()))),
            Err(e) => status.error = Some(e.to_string()),
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
        }
        self.shared.status().running = self.speed.is_some();
        self.next_step = Instant::now() + speed.interval();
        (self.notify)();
    }

    fn step(&mut self, park: Duration) -> Option<Step> {
        let (launched, driver) = self.run.as_mut()?;
        let step = driver.turn(&mut launched.executor, park).step?;
        let mut status = self.shared.status();
        match &step {
            Step::Polled(_) => {
                status.polls += 1;
                // Said at once rather than on the next step: the last task just finished.
                status.stopped = (launched.executor.unfinished() == 0).then_some(Step::Done);
            }
            other => status.stopped = Some(other.clone()),
        }
        drop(status);
        (self.notify)();
        Some(step)
    }
}
