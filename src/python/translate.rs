//! The tracer's messages as trace events: a Python run records the same kinds as a Rust
//! one, so every view reads it as it reads a lesson. A resume is a poll (on the executor
//! its nesting names), a suspension's innermost line is its await point, each level of
//! the chain a compiler state with its locals, and what went in and out are
//! [`EventKind::Input`] and [`EventKind::Yielded`].

use super::protocol::{Level, Message, Waker};
use crate::trace::{
    EventKind, ExecThread, Held, Holder, Log, PointId, PollResult, TaskId, ThreadNo, ThreadOutcome,
    TraceDelta, WakeSource,
};

/// A place, interned: the await point of a suspension there, the function's name, and
/// the state it is in there.
#[derive(Clone, Copy, Debug)]
struct Known {
    point: PointId,
    future: crate::trace::Sym,
    state: PointId,
}

/// How the script ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exit {
    /// Its exit status.
    pub code: i32,
    /// The error that ended it, with the script's line where it was raised.
    pub error: Option<(String, Option<u32>)>,
    /// The interpreter ended without the tracer's word (killed, crashed): `error` says
    /// why in pollscope's words or the interpreter's last line, and is no exception.
    pub cut_short: bool,
}

/// Turns messages into events in a [`Log`].
#[derive(Debug, Default)]
pub struct Translator {
    log: Log,
    /// Where the tracer's clock starts on the run's clock.
    offset: Option<u64>,
    /// Per task: the point its last suspension left it at.
    suspended: Vec<Option<PointId>>,
    /// Per task: the executor its resume runs on, while it runs.
    running: Vec<Option<ExecThread>>,
    /// The places frames suspend at, by number: already interned.
    places: Vec<Known>,
    /// Per task: what goes into its next resume.
    ready: Vec<Option<(String, PointId)>>,
    /// Per task: asyncio's event loop drives its resume in progress (its `Task.__step`).
    by_asyncio: Vec<bool>,
    /// Tasks that returned or raised.
    finished: usize,
    /// The interpreter's version, once it said hello.
    pub python: Option<String>,
    /// How the script ended, once it has.
    pub exit: Option<Exit>,
    /// The task waiting to be resumed, if the interpreter is paused before a resume.
    pub paused: Option<TaskId>,
}

impl Translator {
    /// Nothing read yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The events so far.
    pub fn log(&self) -> &Log {
        &self.log
    }

    /// The events not taken yet.
    pub fn take(&mut self) -> TraceDelta {
        self.log.take()
    }

    /// The whole trace, leaving an empty log.
    pub fn take_trace(&mut self) -> crate::trace::Trace {
        self.log.take_trace()
    }

    /// Unfinished tasks.
    pub fn unfinished(&self) -> usize {
        self.suspended.len().saturating_sub(self.finished)
    }

    /// Reads one message; `now` is the run's clock when it arrived.
    pub fn read(&mut self, message: Message, now: u64) {
        let offset = *self
            .offset
            .get_or_insert_with(|| now.saturating_sub(message.t()));
        let t = offset + message.t();
        match message {
            Message::Hello { python, .. } => self.python = Some(python),
            Message::Place { place, at, .. } => {
                if place as usize == self.places.len() {
                    let label = if at.code.is_empty() {
                        &at.name
                    } else {
                        &at.code
                    };
                    let known = Known {
                        point: self.log.point(label, &at.file, at.line),
                        future: self.log.intern_name(&at.name),
                        state: self.log.point(&at.state, &at.file, at.line),
                    };
                    self.places.push(known);
                }
            }
            Message::Spawn {
                task,
                name,
                parent,
                kind,
                file,
                line,
                ..
            } => {
                let n = task as usize;
                if n != self.suspended.len() {
                    return;
                }
                self.suspended.push(None);
                self.running.push(None);
                self.ready.push(None);
                self.by_asyncio.push(false);
                let name = self.log.intern_name(&name);
                let parent = parent.map_or(TaskId::NONE, TaskId);
                self.log
                    .push(TaskId(task), EventKind::Spawn { name, parent }, t);
                // CPython's word for it from the start (`GEN_CREATED`), so the views name a
                // generator as one before its first resume.
                let state = format!("{}_CREATED", state_prefix(&kind));
                let state =
                    self.log
                        .point(&state, file.as_deref().unwrap_or(""), line.unwrap_or(0));
                self.log.push(
                    TaskId(task),
                    EventKind::CoroState {
                        depth: 0,
                        future: name,
                        state,
                    },
                    t,
                );
            }
            Message::Refuse {
                task,
                input,
                driver,
                error,
                ..
            } => {
                if (task as usize) < self.suspended.len() {
                    let driver = self.driver_point(driver.as_ref());
                    let input = self.log.intern(&input);
                    let error = self.log.intern(&error);
                    self.log.push(
                        TaskId(task),
                        EventKind::Refused {
                            input,
                            driver,
                            error,
                        },
                        t,
                    );
                }
            }
            Message::Ready {
                task,
                input,
                driver,
                ..
            } => {
                let at = self.driver_point(driver.as_ref());
                if let Some(slot) = self.ready.get_mut(task as usize) {
                    *slot = Some((input, at));
                }
                self.paused = Some(TaskId(task));
            }
            Message::Resume {
                task,
                on,
                input,
                driver,
                ..
            } => {
                if let Some(input) = input {
                    let at = self.driver_point(driver.as_ref());
                    if let Some(slot) = self.ready.get_mut(task as usize) {
                        *slot = Some((input, at));
                    }
                }
                self.resume(task, ExecThread(on), t);
            }
            Message::Yield {
                task, value, chain, ..
            } => self.suspend(task, &value, &chain, t),
            Message::Return { task, value, .. } => {
                let value = self.log.intern(&value);
                self.finish(task, PollResult::Ready, EventKind::Complete { value }, t);
            }
            Message::Raise { task, error, .. } => {
                let message = self.log.intern(&error);
                self.finish(task, PollResult::Panicked, EventKind::Panic { message }, t);
            }
            Message::Wake { task, by, .. } => {
                let by = match by {
                    Waker::Task { task: waker } if waker == task => WakeSource::SelfWake,
                    Waker::Task { task: waker } => WakeSource::Task(TaskId(waker)),
                    Waker::Thread { thread } => WakeSource::Thread(self.log.intern_name(&thread)),
                    Waker::Loop(_) => WakeSource::External,
                };
                if (task as usize) < self.suspended.len() {
                    self.log.push(TaskId(task), EventKind::Wake { by }, t);
                }
            }
            Message::ThreadSpawn {
                thread, name, task, ..
            } => {
                let name = self.log.intern_name(&name);
                self.log.push(
                    task.map_or(TaskId::NONE, TaskId),
                    EventKind::ThreadSpawn {
                        thread: ThreadNo(thread),
                        name,
                    },
                    t,
                );
            }
            Message::ThreadEnd {
                thread,
                ok,
                result,
                duration_us,
                ..
            } => {
                let result = self.log.intern(&result);
                self.log.push(
                    TaskId::NONE,
                    EventKind::ThreadFinish {
                        thread: ThreadNo(thread),
                        outcome: if ok {
                            ThreadOutcome::Ok
                        } else {
                            ThreadOutcome::Panicked
                        },
                        duration_us: u32::try_from(duration_us).unwrap_or(u32::MAX),
                        result,
                    },
                    t,
                );
            }
            Message::ThreadJoin { thread, task, .. } => {
                self.log.push(
                    task.map_or(TaskId::NONE, TaskId),
                    EventKind::ThreadJoin {
                        thread: ThreadNo(thread),
                    },
                    t,
                );
            }
            Message::Say { task, text, .. } => {
                let text = self.log.intern(&text);
                // A line printed inside a resume is that task's; its poll must be open.
                let task = task
                    .filter(|&n| self.running.get(n as usize).is_some_and(Option::is_some))
                    .map_or(TaskId::NONE, TaskId);
                self.log.push(task, EventKind::Say { text }, t);
            }
            Message::Exit {
                code, error, line, ..
            } => {
                self.paused = None;
                self.exit = Some(Exit {
                    code,
                    error: error.map(|e| (e, line)),
                    cut_short: false,
                });
            }
        }
    }

    fn resume(&mut self, task: u32, on: ExecThread, t: u64) {
        let id = TaskId(task);
        let n = task as usize;
        if n >= self.suspended.len() {
            return;
        }
        self.paused = None;
        self.running[n] = Some(on);
        self.log.push(id, EventKind::PollStart { on }, t);
        if let Some((input, driver)) = self.ready[n].take() {
            let asyncio = self
                .log
                .trace()
                .await_point(driver)
                .is_some_and(|p| p.file.contains("asyncio"));
            if let Some(slot) = self.by_asyncio.get_mut(n) {
                *slot = asyncio;
            }
            let text = self.log.intern(&input);
            self.log.push(id, EventKind::Input { text, driver }, t);
        }
        if let Some(point) = self.suspended[n].take() {
            self.log.push(id, EventKind::Resume { point }, t);
            self.log.push(id, EventKind::AwaitExit { point }, t);
        }
    }

    fn suspend(&mut self, task: u32, value: &str, chain: &[Level], t: u64) {
        let id = TaskId(task);
        if task as usize >= self.suspended.len() {
            return;
        }
        // Under asyncio, what a suspension yields is the future whose callback wakes the
        // task (`Task.__step` adds it); a bare `yield` (`sleep(0)`) has the loop call the
        // task again at once. Other drivers hold no waker: they resume when they like.
        let asyncio = self.by_asyncio.get(task as usize).copied().unwrap_or(false);
        let held = match value {
            _ if !asyncio => Held::Unknown,
            "None" => Held::One(Holder::Yield),
            repr => Held::One(Holder::Future(self.log.intern(repr))),
        };
        let value = self.log.intern(value);
        self.log.push(id, EventKind::Yielded { value }, t);
        let point = chain
            .last()
            .and_then(|(place, _)| self.places.get(*place as usize))
            .map(|p| p.point);
        if let Some(point) = point {
            self.log.push(id, EventKind::AwaitEnter { point }, t);
            self.log.push(id, EventKind::Suspend { point }, t);
        }
        let on = self.end(task);
        self.log.push(
            id,
            EventKind::PollEnd {
                result: PollResult::Pending,
                on,
                held,
            },
            t,
        );
        self.suspended[task as usize] = point;
        for (depth, (place, locals)) in chain.iter().enumerate().take(usize::from(u8::MAX)) {
            let depth = depth as u8;
            let Some(&Known { future, state, .. }) = self.places.get(*place as usize) else {
                continue;
            };
            self.log.push(
                id,
                EventKind::CoroState {
                    depth,
                    future,
                    state,
                },
                t,
            );
            if !locals.is_empty() {
                let text = self.log.intern(locals);
                self.log.push(id, EventKind::CoroLocals { depth, text }, t);
            }
        }
    }

    /// The point naming a resume's driver: its function, line and source.
    fn driver_point(&mut self, driver: Option<&super::protocol::Driver>) -> PointId {
        match driver {
            Some(d) => {
                let label = driver_label(&d.func, &d.code);
                self.log.point(&label, &d.file, d.line)
            }
            None => self.log.point("the interpreter", "", 0),
        }
    }

    /// Ends the task's last resume with `result`, then records how it ended.
    fn finish(&mut self, task: u32, result: PollResult, ended: EventKind, t: u64) {
        let id = TaskId(task);
        let on = self.end(task);
        self.log.push(
            id,
            EventKind::PollEnd {
                result,
                on,
                held: Held::Unknown,
            },
            t,
        );
        self.log.push(id, ended, t);
        self.finished += 1;
    }

    /// The executor the task's resume ran on, now that it ends.
    fn end(&mut self, task: u32) -> ExecThread {
        self.running
            .get_mut(task as usize)
            .and_then(Option::take)
            .unwrap_or(ExecThread::MAIN)
    }
}

/// A driver's point label: its function and the line that drives (`consume: c.send(None)`).
fn driver_label(func: &str, code: &str) -> String {
    if code.is_empty() {
        func.to_owned()
    } else {
        format!("{func}: {code}")
    }
}

/// CPython's prefix of a kind's state words: `CORO`, `GEN` or `AGEN`.
pub fn state_prefix(kind: &str) -> &'static str {
    match kind {
        "generator" => "GEN",
        "async_generator" => "AGEN",
        _ => "CORO",
    }
}
