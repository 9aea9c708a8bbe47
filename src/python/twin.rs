//! A lesson's Python twin, live: the twin (`assets/python/<lesson>.py`) runs in CPython under
//! the tracer beside the Rust run, stepped with it, so the Python lens's column shows the
//! line CPython is at and the states CPython itself reports, not Rust's events renamed.
//!
//! The twin runs on a thread of its own (a resume that joins a thread may block), and the
//! app reads a small [`TwinView`] of it each frame.

use super::{PyRun, PyStep, Script};
use crate::trace::{EventKind, History, Recorder, TaskId, TaskState};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the twin is doing, for the Python column.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TwinView {
    /// The interpreter's version, once the twin runs.
    pub python: Option<String>,
    /// Resumes let through since the twin (re)started.
    pub resumes: u32,
    /// The twin's line the last resumed coroutine is at (its innermost level in the twin).
    pub current: Option<u32>,
    /// The lines of its outer levels in the twin, outermost first.
    pub outer: Vec<u32>,
    /// Every coroutine the twin has made, with CPython's word for its state.
    pub tasks: Vec<TwinTask>,
    /// The last line the twin printed.
    pub said: Option<String>,
    /// How the twin ended (`None` while it runs).
    pub ended: Option<String>,
    /// Why there is no live twin (no interpreter, or one too old): the column falls back
    /// to the Rust run's events in Python's words, and says so with this.
    pub unavailable: Option<String>,
}

/// One of the twin's coroutines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TwinTask {
    /// Its `__qualname__`.
    pub name: String,
    /// CPython's state word (`CORO_SUSPENDED`), as the tracer read it.
    pub state: String,
    /// The twin's line it is suspended at, when it is suspended in the twin.
    pub line: Option<u32>,
}

enum Order {
    Step,
    /// Resume at this pace (`None`: stop).
    Run(Option<Duration>),
    Reset,
}

/// A lesson's twin running in CPython; ends the interpreter when dropped.
pub struct Twin {
    orders: Option<Sender<Order>>,
    view: Arc<Mutex<TwinView>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Twin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Twin").field("view", &self.view()).finish()
    }
}

impl Twin {
    /// Starts `script` (with `urls` as its arguments; none and `fetches`: a demo server of
    /// the twin's own, with the Rust run's pages and latencies). `notify` is called when
    /// the view changed (the app asks for a frame).
    pub fn start(
        script: Script,
        urls: Vec<String>,
        fetches: bool,
        notify: Box<dyn Fn() + Send>,
    ) -> Twin {
        let (orders, rx) = mpsc::channel();
        let view = Arc::new(Mutex::new(TwinView::default()));
        let shared = view.clone();
        let thread = std::thread::Builder::new()
            .name("pollscope-python-twin".into())
            .spawn(move || drive(script, urls, fetches, &rx, &shared, &*notify))
            .ok();
        Twin {
            orders: Some(orders),
            view,
            thread,
        }
    }

    /// Lets one resume through (and stops a run).
    pub fn step(&self) {
        self.order(Order::Step);
    }

    /// Resumes one coroutine every `pace` until told otherwise (`None`: pause).
    pub fn run(&self, pace: Option<Duration>) {
        self.order(Order::Run(pace));
    }

    /// Starts the twin afresh in a new interpreter.
    pub fn reset(&self) {
        self.order(Order::Reset);
    }

    /// What the twin is doing now.
    pub fn view(&self) -> TwinView {
        self.view
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn order(&self, order: Order) {
        if let Some(orders) = &self.orders {
            let _ = orders.send(order);
        }
    }
}

impl Drop for Twin {
    fn drop(&mut self) {
        // Closing the channel ends the thread, which drops the run and ends the interpreter.
        self.orders = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The run and what has been read of it.
struct Live {
    run: PyRun,
    history: History,
    focus: Option<TaskId>,
    resumes: u32,
    file: String,
}

fn drive(
    script: Script,
    urls: Vec<String>,
    fetches: bool,
    orders: &Receiver<Order>,
    view: &Mutex<TwinView>,
    notify: &dyn Fn(),
) {
    // Kept alive for the twin's whole life: the demo server, when the twin has one.
    let mut keep: Vec<Box<dyn std::any::Any>> = Vec::new();
    let mut script = script;
    if fetches {
        script.args = if urls.is_empty() {
            match crate::program::launch::demo_urls(&mut keep) {
                Ok(urls) => urls,
                Err(e) => {
                    publish(view, unavailable(format!("the twin has no pages: {e}")));
                    notify();
                    return;
                }
            }
        } else {
            urls
        };
    }
    let mut live = begin(&script, view, notify);
    let mut pace: Option<Duration> = None;
    let mut next = Instant::now();
    loop {
        let wait = match pace {
            Some(_) => next.saturating_duration_since(Instant::now()),
            // Late news (a thread the twin joined finishing) is read every so often.
            None => Duration::from_millis(100),
        };
        let order = orders.recv_timeout(wait);
        let Some(run) = live.as_mut() else {
            match order {
                Ok(Order::Reset) => live = begin(&script, view, notify),
                Ok(_) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            continue;
        };
        let state = match order {
            Ok(Order::Step) => {
                pace = None;
                Some(run.run.step(Duration::from_millis(250)))
            }
            Ok(Order::Run(p)) => {
                pace = p;
                next = Instant::now();
                None
            }
            Ok(Order::Reset) => {
                // The old interpreter ends before the new one starts.
                drop(live.take());
                live = begin(&script, view, notify);
                continue;
            }
            Err(RecvTimeoutError::Timeout) if pace.is_some() => {
                next = Instant::now() + pace.unwrap_or_default();
                Some(run.run.step(Duration::from_millis(20)))
            }
            Err(RecvTimeoutError::Timeout) => Some(run.run.pump(Instant::now(), false)),
            Err(RecvTimeoutError::Disconnected) => return,
        };
        if matches!(state, Some(PyStep::Exited(_))) {
            pace = None;
        }
        if run.read() {
            publish(view, run.view());
            notify();
        }
    }
}

/// Starts the twin, publishing its first view (or why it cannot run).
fn begin(script: &Script, view: &Mutex<TwinView>, notify: &dyn Fn()) -> Option<Live> {
    let started = PyRun::start(script, Recorder::new());
    let live = match started {
        Ok(run) => {
            let mut live = Live {
                run,
                history: History::new(),
                focus: None,
                resumes: 0,
                file: script.absolute().to_string_lossy().into_owned(),
            };
            // It runs up to its first resume.
            live.run
                .pump(Instant::now() + Duration::from_millis(300), false);
            live.read();
            publish(view, live.view());
            Some(live)
        }
        Err(e) => {
            publish(view, unavailable(e.to_string()));
            None
        }
    };
    notify();
    live
}

fn unavailable(why: String) -> TwinView {
    TwinView {
        unavailable: Some(why),
        ..TwinView::default()
    }
}

fn publish(shared: &Mutex<TwinView>, view: TwinView) {
    *shared.lock().unwrap_or_else(PoisonError::into_inner) = view;
}

impl Live {
    /// Takes what the interpreter reported; true if anything came.
    fn read(&mut self) -> bool {
        let delta = self.run.take_delta();
        if delta.is_empty() {
            return false;
        }
        for event in &delta.events {
            if matches!(event.kind, EventKind::PollStart { .. }) {
                self.focus = event.task.get().map(TaskId);
                self.resumes += 1;
            }
        }
        self.history.trace_mut().extend(delta);
        self.history.catch_up();
        true
    }

    fn view(&self) -> TwinView {
        let trace = self.history.trace();
        let state = self.history.live();
        // A level's line, when the level is in the twin (not in asyncio's own files).
        let line_in_twin = |point| {
            trace
                .point(point)
                .filter(|p| trace.str(p.file) == self.file)
                .map(|p| p.line)
        };
        let tasks = state
            .tasks
            .iter()
            .map(|task| {
                let top = task.coro.first();
                let state = match (task.state, top) {
                    (TaskState::Suspended | TaskState::Scheduled, Some(top)) => trace
                        .point(top.state)
                        .map(|p| trace.str(p.label).to_owned()),
                    _ => None,
                };
                TwinTask {
                    name: trace.str(task.name).to_owned(),
                    state: state.unwrap_or_else(|| {
                        crate::lens::state_word(crate::lens::Lens::Python, task.state).to_owned()
                    }),
                    line: match task.state {
                        TaskState::Suspended | TaskState::Scheduled => task
                            .coro
                            .iter()
                            .rev()
                            .find_map(|level| line_in_twin(level.state)),
                        _ => None,
                    },
                }
            })
            .collect();
        let mut lines: Vec<u32> = self
            .focus
            .and_then(|t| state.tasks.get(t.0 as usize))
            .filter(|t| !matches!(t.state, TaskState::Completed(_) | TaskState::Panicked(_)))
            .map(|t| {
                t.coro
                    .iter()
                    .filter_map(|level| line_in_twin(level.state))
                    .collect()
            })
            .unwrap_or_default();
        let current = lines.pop();
        let said = trace.events.iter().rev().find_map(|e| match e.kind {
            EventKind::Say { text } => Some(trace.str(text).to_owned()),
            _ => None,
        });
        TwinView {
            python: self.run.python().map(str::to_owned),
            resumes: self.resumes,
            current,
            outer: lines,
            tasks,
            said,
            ended: self.run.exit().map(|exit| match &exit.error {
                Some((error, Some(line))) => format!("raised {error} (line {line})"),
                Some((error, None)) => format!("ended: {error}"),
                None => format!("ended (exit status {})", exit.code),
            }),
            unavailable: None,
        }
    }
}
