//! Export to the Chrome Trace Event Format, the JSON that Perfetto UI
//! (<https://ui.perfetto.dev>), `chrome://tracing` and speedscope open.
//!
//! The layout:
//! - one async track per task (`"ph":"b"`/`"e"`, `"cat":"task"`, the task number as
//!   `id`) spanning its life from spawn to its value or panic, so concurrent tasks never
//!   merge into one bar; inside it, one nested slice per suspension, named after the
//!   innermost await point, from the poll that suspended to the poll that resumed;
//! - the executor's thread (`tid` 0): one complete slice (`"ph":"X"`) per poll, named after
//!   the task, plus instants for say-lines, panics and wakes made inside polls;
//! - one thread per worker thread (`tid` 1000 + its number): a slice from its start to its
//!   finish, and the wake it made when it finished;
//! - flow arrows from each wake to the poll it caused.
//!
//! Timestamps are microseconds (fractional) since the recording started.

use crate::jsonl::wake_source_text;
use crate::trace::{EventKind, PointId, PollResult, Sym, TaskId, Trace, WakeSource};
use rustc_hash::FxHashMap as HashMap;
use serde_json::{Value, json};
use std::io::{self, Write};

/// The one process every event belongs to.
const PID: u32 = 1;
/// The executor's thread.
const EXECUTOR_TID: u32 = 0;
/// Worker thread `n` is `tid` `WORKER_TID_BASE + n`, clear of the executor's.
const WORKER_TID_BASE: u64 = 1000;

/// Writes `trace` as one Chrome Trace Event Format JSON object:
/// `{"traceEvents":[...],"displayTimeUnit":"ms"}`.
pub fn write(out: &mut impl Write, trace: &Trace) -> io::Result<()> {
    write_program(out, trace, None)
}

/// [`write`], naming the program that ran in the file's `otherData` (which Perfetto UI
/// shows as the trace's metadata): `{"program":id,"title":..}`.
pub fn write_program(
    out: &mut impl Write,
    trace: &Trace,
    program: Option<&crate::program::ProgramInfo>,
) -> io::Result<()> {
    out.write_all(b"{\"traceEvents\":[\n")?;
    let mut export = Export::new(out, trace);
    export.metadata()?;
    export.events()?;
    export.finish()?;
    out.write_all(b"\n],\"displayTimeUnit\":\"ms\"")?;
    if let Some(program) = program {
        let other = serde_json::json!({"program": program.id, "title": program.title});
        write!(out, ",\"otherData\":{other}")?;
    }
    out.write_all(b"}\n")
}

/// What is open on a task's track while the trace is walked.
#[derive(Clone, Debug, Default)]
struct TaskTrack {
    name: Option<Sym>,
    /// When the poll in progress started.
    poll_start: Option<u64>,
    /// The first (innermost) point the poll in progress suspended at.
    suspended_at: Option<PointId>,
    /// The open suspension slice's name.
    suspension: Option<String>,
    finished: bool,
    /// Flow ids of wakes waiting for the task's next poll.
    flows: Vec<usize>,
    /// Index of the task's last `poll_start`: a wake after it starts no flow.
    last_poll: Option<usize>,
}

#[derive(Clone, Debug)]
struct ThreadTrack {
    name: Sym,
    started_ns: u64,
    task: TaskId,
    finished: bool,
}

struct Export<'a, W: Write> {
    out: &'a mut W,
    trace: &'a Trace,
    first: bool,
    tasks: Vec<TaskTrack>,
    threads: Vec<Option<ThreadTrack>>,
    /// The most recently started worker thread of each name: a `thread:NAME` wake comes
    /// from it.
    by_name: HashMap<Sym, u64>,
}

fn us(t_ns: u64) -> f64 {
    t_ns as f64 / 1e3
}

impl<'a, W: Write> Export<'a, W> {
    fn new(out: &'a mut W, trace: &'a Trace) -> Self {
        let mut tasks: Vec<TaskTrack> = Vec::new();
        let mut threads: Vec<Option<ThreadTrack>> = Vec::new();
        // There cannot be more tasks or threads than events: a larger number is damage,
        // and sizing tables by it could exhaust memory.
        let limit = trace.events.len();
        for (i, event) in trace.events.iter().enumerate() {
            match event.kind {
                EventKind::Spawn { name, .. } => {
                    let Some(n) = event.task.get().map(|n| n as usize).filter(|&n| n < limit)
                    else {
                        continue;
                    };
                    if tasks.len() <= n {
                        tasks.resize_with(n + 1, TaskTrack::default);
                    }
                    if let Some(track) = tasks.get_mut(n) {
                        track.name = Some(name);
                    }
                }
                EventKind::PollStart => {
                    let track = event.task.get().and_then(|n| tasks.get_mut(n as usize));
                    if let Some(track) = track {
                        track.last_poll = Some(i);
                    }
                }
                EventKind::ThreadSpawn { thread, name } => {
                    let n = thread.0 as usize;
                    if n >= limit {
                        continue;
                    }
                    if threads.len() <= n {
                        threads.resize(n + 1, None);
                    }
                    let Some(slot) = threads.get_mut(n) else {
                        continue;
                    };
                    *slot = Some(ThreadTrack {
                        name,
                        started_ns: event.t_ns,
                        task: event.task,
                        finished: false,
                    });
                }
                _ => {}
            }
        }
        Export {
            out,
            trace,
            first: true,
            tasks,
            threads,
            by_name: HashMap::default(),
        }
    }

    fn emit(&mut self, value: &Value) -> io::Result<()> {
        if !self.first {
            self.out.write_all(b",\n")?;
        }
        self.first = false;
        serde_json::to_writer(&mut *self.out, value)?;
        Ok(())
    }

    fn task_name(&self, task: TaskId) -> String {
        let name = task
            .get()
            .and_then(|n| self.tasks.get(n as usize))
            .and_then(|t| t.name);
        match name {
            Some(sym) => self.trace.str(sym).to_owned(),
            None => format!("task {task}"),
        }
    }

    fn metadata(&mut self) -> io::Result<()> {
        let meta = |name: &str, tid: u64, value: &str| {
            json!({"name": name, "ph": "M", "ts": 0, "pid": PID, "tid": tid,
                   "args": {"name": value}})
        };
        self.emit(&meta("process_name", 0, "pollscope"))?;
        self.emit(&meta("thread_name", u64::from(EXECUTOR_TID), "executor"))?;
        let names: Vec<(u64, String)> = self
            .threads
            .iter()
            .enumerate()
            .filter_map(|(n, t)| {
                let t = t.as_ref()?;
                Some((
                    WORKER_TID_BASE + n as u64,
                    self.trace.str(t.name).to_owned(),
                ))
            })
            .collect();
        for (tid, name) in names {
            self.emit(&meta("thread_name", tid, &name))?;
        }
        Ok(())
    }

    /// An event on a task's async track.
    fn task_async(
        &mut self,
        ph: &str,
        task: u32,
        name: &str,
        t: u64,
        args: Value,
    ) -> io::Result<()> {
        self.emit(
            &json!({"name": name, "cat": "task", "ph": ph, "id": task, "ts": us(t),
                          "pid": PID, "tid": EXECUTOR_TID, "args": args}),
        )
    }

    fn instant(&mut self, name: &str, tid: u64, t: u64, args: Value) -> io::Result<()> {
        self.emit(&json!({"name": name, "ph": "i", "s": "t", "ts": us(t),
                          "pid": PID, "tid": tid, "args": args}))
    }

    fn close_suspension(&mut self, task: u32, t: u64) -> io::Result<()> {
        let name = self
            .tasks
            .get_mut(task as usize)
            .and_then(|tr| tr.suspension.take());
        match name {
            Some(name) => self.task_async("e", task, &name, t, json!({})),
            None => Ok(()),
        }
    }

    fn events(&mut self) -> io::Result<()> {
        let trace = self.trace;
        for (i, event) in trace.events.iter().enumerate() {
            let t = event.t_ns;
            let task = event.task.get();
            let n = task.map(|n| n as usize);
            match event.kind {
                EventKind::Spawn { .. } => {
                    if let Some(task) = task {
                        let name = self.task_name(event.task);
                        self.task_async("b", task, &name, t, json!({"task": task}))?;
                    }
                }
                EventKind::PollStart => {
                    let Some(task) = task else { continue };
                    self.close_suspension(task, t)?;
                    let flows = match self.tasks.get_mut(task as usize) {
                        Some(tr) => {
                            tr.poll_start = Some(t);
                            tr.suspended_at = None;
                            std::mem::take(&mut tr.flows)
                        }
                        None => Vec::new(),
                    };
                    for id in flows {
                        self.emit(&json!({"name": "wake", "cat": "wake", "ph": "f", "bp": "e",
                                          "id": id, "ts": us(t), "pid": PID,
                                          "tid": EXECUTOR_TID}))?;
                    }
                }
                EventKind::PollEnd { result } => {
                    let Some(task) = task else { continue };
                    let Some(tr) = self.tasks.get_mut(task as usize) else {
                        continue;
                    };
                    let start = tr.poll_start.take().unwrap_or(t);
                    let at = tr.suspended_at.take();
                    self.poll_slice(task, start, t, result.name())?;
                    if result == PollResult::Pending {
                        let name = match at {
                            Some(p) => trace
                                .point(p)
                                .map_or("?", |p| trace.str(p.label))
                                .to_owned(),
                            None => "Pending".to_owned(),
                        };
                        self.task_async("b", task, &name, t, json!({"task": task}))?;
                        if let Some(tr) = self.tasks.get_mut(task as usize) {
                            tr.suspension = Some(name);
                        }
                    }
                }
                EventKind::Suspend { point } => {
                    if let Some(tr) = n.and_then(|n| self.tasks.get_mut(n)) {
                        tr.suspended_at.get_or_insert(point);
                    }
                }
                EventKind::Wake { by } => self.wake(i, event.task, by, t)?,
                EventKind::Say { text } => {
                    let text = trace.str(text);
                    self.instant(
                        &format!("say: {text}"),
                        u64::from(EXECUTOR_TID),
                        t,
                        json!({"task": task, "text": text}),
                    )?;
                }
                EventKind::Complete { value } => {
                    self.end_task(task, t, json!({"value": trace.str(value)}))?;
                }
                EventKind::Panic { message } => {
                    let message = trace.str(message);
                    let name = format!("panic in {}", self.task_name(event.task));
                    self.instant(
                        &name,
                        u64::from(EXECUTOR_TID),
                        t,
                        json!({"task": task, "message": message}),
                    )?;
                    self.end_task(task, t, json!({"panic": message}))?;
                }
                EventKind::ThreadSpawn { thread, name } => {
                    self.by_name.insert(name, u64::from(thread.0));
                }
                EventKind::ThreadFinish {
                    thread,
                    outcome,
                    duration_us,
                    result,
                } => {
                    let Some(th) = self
                        .threads
                        .get_mut(thread.0 as usize)
                        .and_then(Option::as_mut)
                    else {
                        continue;
                    };
                    th.finished = true;
                    let th = th.clone();
                    let args = json!({"outcome": outcome.name(), "result": trace.str(result),
                                      "duration_ns": u64::from(duration_us) * 1_000,
                                      "task": th.task.get()});
                    self.thread_slice(u64::from(thread.0), &th, t, args)?;
                }
                EventKind::ThreadJoin { thread } => {
                    let name = format!("{} joins thread {}", self.task_name(event.task), thread.0);
                    self.instant(
                        &name,
                        u64::from(EXECUTOR_TID),
                        t,
                        json!({"task": task, "thread": thread.0}),
                    )?;
                }
                // The compiler's states are read after a poll: a fact of the poll before,
                // shown in pollscope's own panels rather than as a slice.
                EventKind::AwaitEnter { .. }
                | EventKind::Resume { .. }
                | EventKind::AwaitExit { .. }
                | EventKind::CoroState { .. }
                | EventKind::CoroLocals { .. } => {}
            }
        }
        Ok(())
    }

    fn poll_slice(&mut self, task: u32, start: u64, end: u64, result: &str) -> io::Result<()> {
        let name = self.task_name(TaskId(task));
        self.emit(
            &json!({"name": name, "cat": "poll", "ph": "X", "ts": us(start),
                          "dur": us(end.saturating_sub(start)), "pid": PID,
                          "tid": EXECUTOR_TID, "args": {"task": task, "result": result}}),
        )
    }

    fn thread_slice(&mut self, no: u64, th: &ThreadTrack, end: u64, args: Value) -> io::Result<()> {
        let name = self.trace.str(th.name).to_owned();
        self.emit(
            &json!({"name": name, "cat": "thread", "ph": "X", "ts": us(th.started_ns),
                          "dur": us(end.saturating_sub(th.started_ns)), "pid": PID,
                          "tid": WORKER_TID_BASE + no, "args": args}),
        )
    }

    fn end_task(&mut self, task: Option<u32>, t: u64, args: Value) -> io::Result<()> {
        let Some(task) = task else { return Ok(()) };
        self.close_suspension(task, t)?;
        let Some(tr) = self.tasks.get_mut(task as usize) else {
            return Ok(());
        };
        // Only a spawned task has a track to end, and only once.
        if tr.name.is_none() || std::mem::replace(&mut tr.finished, true) {
            return Ok(());
        }
        let name = self.task_name(TaskId(task));
        self.task_async("e", task, &name, t, args)
    }

    fn wake(&mut self, seq: usize, task: TaskId, by: WakeSource, t: u64) -> io::Result<()> {
        let tid = match by {
            WakeSource::Thread(name) => self
                .by_name
                .get(&name)
                .map_or(u64::from(EXECUTOR_TID), |&no| WORKER_TID_BASE + no),
            _ => u64::from(EXECUTOR_TID),
        };
        let by_text = wake_source_text(self.trace, by);
        let name = format!("wake {} (by {by_text})", self.task_name(task));
        self.instant(&name, tid, t, json!({"task": task.get(), "by": by_text}))?;
        // A flow starts only if a poll will end it: a dangling arrow confuses viewers.
        let Some(tr) = task.get().and_then(|n| self.tasks.get_mut(n as usize)) else {
            return Ok(());
        };
        if tr.last_poll.is_some_and(|p| p > seq) {
            tr.flows.push(seq);
            self.emit(&json!({"name": "wake", "cat": "wake", "ph": "s", "id": seq,
                              "ts": us(t), "pid": PID, "tid": tid}))?;
        }
        Ok(())
    }

    /// Closes what the trace left open: a poll in progress, suspensions, unfinished tasks
    /// and threads all end at the last event.
    fn finish(&mut self) -> io::Result<()> {
        let last = self.trace.events.last().map_or(0, |e| e.t_ns);
        for task in 0..self.tasks.len() {
            let n = task as u32;
            if let Some(start) = self.tasks.get_mut(task).and_then(|tr| tr.poll_start.take()) {
                self.poll_slice(n, start, last, "unfinished")?;
            }
            let spawned = self.tasks.get(task).is_some_and(|tr| tr.name.is_some());
            if spawned {
                self.end_task(Some(n), last, json!({"unfinished": true}))?;
            }
        }
        for no in 0..self.threads.len() {
            let open = match self.threads.get(no) {
                Some(Some(th)) if !th.finished => th.clone(),
                _ => continue,
            };
            let args = json!({"outcome": "running", "task": open.task.get()});
            self.thread_slice(no as u64, &open, last, args)?;
        }
        Ok(())
    }
}
