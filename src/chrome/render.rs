//! Names, categories and arguments of the units' slices, and the JSON lines they become.

use super::micros::Micros;
use super::order::{self, Out};
use super::unit::{AwaitEnd, Kind, Slice, Tables, TaskEnd, Track, Unit};
use super::{EXECUTOR, PID, TASKS_PID};
use crate::coro::short_path;
use crate::trace::{CoroFrame, ExecThread, PointId, TaskId, Trace};
use crate::tracefile::jsonl::wake_source_text;
use serde_json::{Map, Value, json};
use std::borrow::Cow;
use std::io::{self, Write};

/// Writes events one per line, counting them.
pub(super) struct Writer<'a, W: Write> {
    out: &'a mut W,
    trace: &'a Trace,
    tables: &'a Tables,
    /// Events written so far.
    pub count: usize,
}

impl<'a, W: Write> Writer<'a, W> {
    pub fn new(out: &'a mut W, trace: &'a Trace, tables: &'a Tables) -> Self {
        Writer {
            out,
            trace,
            tables,
            count: 0,
        }
    }

    /// Writes `{"name":..,"cat":..,"ph":..,"ts":..,"pid":..,"tid":..`; the caller adds the
    /// rest and the closing brace.
    fn head(&mut self, name: &str, cat: &str, ph: &str, ts: u64, track: Track) -> io::Result<()> {
        if self.count > 0 {
            self.out.write_all(b",\n")?;
        }
        self.count += 1;
        self.out.write_all(b"{\"name\":")?;
        serde_json::to_writer(&mut *self.out, name)?;
        write!(
            self.out,
            ",\"cat\":\"{cat}\",\"ph\":\"{ph}\",\"ts\":{},\"pid\":{},\"tid\":{}",
            Micros(ts),
            track.pid,
            track.tid
        )
    }

    fn args_and_close(&mut self, args: &Value) -> io::Result<()> {
        self.out.write_all(b",\"args\":")?;
        serde_json::to_writer(&mut *self.out, args)?;
        self.out.write_all(b"}")
    }

    /// The process and thread names.
    pub fn metadata(&mut self) -> io::Result<()> {
        self.meta("process_name", Track { pid: PID, tid: 0 }, "pollscope")?;
        self.meta("thread_name", EXECUTOR, "executor")?;
        // Rows in this order, not by name: the executor, its runtime's workers, the
        // worker threads in start order; tasks by number.
        let mut order = 0;
        self.sort(EXECUTOR, &mut order)?;
        let tables = self.tables;
        let trace = self.trace;
        for &on in &tables.executors {
            let track = Track {
                pid: PID,
                tid: u64::from(on),
            };
            let name = if ExecThread(on).is_local_set() {
                ExecThread(on).label()
            } else {
                format!("executor {on}")
            };
            self.meta("thread_name", track, &name)?;
            self.sort(track, &mut order)?;
        }
        for &(track, slot) in &tables.worker_tracks {
            let name = tables.threads.get(slot).map_or("?", |t| trace.str(t.name));
            self.meta("thread_name", track, name)?;
            self.sort(track, &mut order)?;
        }
        for &(track, name) in &tables.foreign_tracks {
            self.meta("thread_name", track, trace.str(name))?;
            self.sort(track, &mut order)?;
        }
        let tasks = Track {
            pid: TASKS_PID,
            tid: 0,
        };
        self.meta("process_name", tasks, "tasks")?;
        for (n, facts) in tables.tasks.iter().enumerate() {
            if let Some(facts) = facts {
                let row = Track {
                    pid: TASKS_PID,
                    tid: n as u64,
                };
                self.meta("thread_name", row, trace.str(facts.name))?;
                let mut by_number = n as u64;
                self.sort(row, &mut by_number)?;
            }
        }
        Ok(())
    }

    /// `thread_sort_index` for `track`: `*order`, then the next number.
    fn sort(&mut self, track: Track, order: &mut u64) -> io::Result<()> {
        self.out.write_all(b",\n")?;
        self.count += 1;
        write!(
            self.out,
            "{{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"ts\":0,\"pid\":{},\"tid\":{},\
             \"args\":{{\"sort_index\":{order}}}}}",
            track.pid, track.tid
        )?;
        *order += 1;
        Ok(())
    }

    fn meta(&mut self, what: &str, track: Track, name: &str) -> io::Result<()> {
        if self.count > 0 {
            self.out.write_all(b",\n")?;
        }
        self.count += 1;
        write!(
            self.out,
            "{{\"name\":\"{what}\",\"ph\":\"M\",\"ts\":0,\"pid\":{},\"tid\":{},\"args\":",
            track.pid, track.tid
        )?;
        serde_json::to_writer(&mut *self.out, &json!({ "name": name }))?;
        self.out.write_all(b"}")
    }

    /// Writes `unit`, its events in order.
    pub fn unit(&mut self, unit: &mut Unit) -> io::Result<()> {
        for (ts, out) in order::sequence(unit) {
            self.event(unit, ts, out)?;
        }
        Ok(())
    }

    /// Writes the `B` (or, with `begin` false, the `E`) of a slice that holds units
    /// written apart: a task's life, a worker thread's.
    pub fn root(&mut self, track: Track, slice: &Slice, begin: bool) -> io::Result<()> {
        let (name, cat, args) = self.describe(slice, None);
        if begin {
            self.head(&name, cat, "B", slice.start, track)?;
            self.args_and_close(&args)
        } else {
            // The `B`'s name and args again: speedscope pairs a `B` and its `E` by both.
            self.head(&name, cat, "E", slice.end, track)?;
            self.args_and_close(&args)
        }
    }

    /// One event of a unit.
    fn event(&mut self, unit: &Unit, ts: u64, out: Out) -> io::Result<()> {
        match out {
            Out::Begin(i) | Out::Moment(i) | Out::Instant(i) => {
                let Some(slice) = unit.slices.get(i) else {
                    return Ok(());
                };
                let (name, cat, args) = self.describe(slice, Some(unit));
                let ph = match out {
                    Out::Begin(_) => "B",
                    Out::Moment(_) => "X",
                    _ => "i",
                };
                self.head(&name, cat, ph, ts, unit.track)?;
                match out {
                    Out::Moment(_) => self.out.write_all(b",\"dur\":0.000")?,
                    Out::Instant(_) => self.out.write_all(b",\"s\":\"t\"")?,
                    _ => {}
                }
                self.args_and_close(&args)
            }
            Out::End(i) => {
                let Some(slice) = unit.slices.get(i) else {
                    return Ok(());
                };
                // The same name and args as its `B`: speedscope pairs them by both.
                let (name, cat, args) = self.describe(slice, Some(unit));
                self.head(&name, cat, "E", ts, unit.track)?;
                self.args_and_close(&args)
            }
            Out::FlowStart(k) => {
                let Some(flow) = unit.starts.get(k) else {
                    return Ok(());
                };
                self.head("wake", "wake", "s", ts, unit.track)?;
                write!(self.out, ",\"id\":{}}}", flow.id)
            }
            Out::FlowEnd(k) => {
                let Some(flow) = unit.ends.get(k) else {
                    return Ok(());
                };
                self.head("wake", "wake", "f", ts, unit.track)?;
                // Bound to the woken poll around it, not to the next slice after it.
                self.out.write_all(b",\"bp\":\"e\"")?;
                write!(self.out, ",\"id\":{}}}", flow.id)
            }
        }
    }

    fn task_name(&self, task: TaskId) -> Cow<'a, str> {
        let trace = self.trace;
        match task.get().and_then(|n| self.tables.task(n)) {
            Some(facts) => Cow::Borrowed(trace.str(facts.name)),
            None => Cow::Owned(format!("task {task}")),
        }
    }

    fn point(&self, id: PointId, args: &mut Map<String, Value>) -> Cow<'a, str> {
        let trace = self.trace;
        match trace.await_point(id) {
            Some(p) => {
                args.insert("file".into(), p.file.into());
                args.insert("line".into(), p.line.into());
                Cow::Borrowed(p.label)
            }
            None => Cow::Borrowed("?"),
        }
    }

    fn coro(&self, depth: usize, frame: &CoroFrame) -> Map<String, Value> {
        let trace = self.trace;
        let mut args = Map::new();
        args.insert("depth".into(), depth.into());
        args.insert("future".into(), trace.str(frame.future).into());
        if let Some(state) = trace.await_point(frame.state) {
            args.insert("state".into(), state.label.into());
            args.insert("file".into(), state.file.into());
            args.insert("line".into(), state.line.into());
        }
        if let Some(locals) = frame.locals {
            args.insert("locals".into(), trace.str(locals).into());
        }
        args
    }

    /// The name, category and arguments of a slice (of `unit`, for the slices whose facts
    /// a unit holds).
    fn describe(&self, slice: &Slice, unit: Option<&Unit>) -> (Cow<'a, str>, &'static str, Value) {
        let trace = self.trace;
        let tables = self.tables;
        let mut args = Map::new();
        let (name, cat) = match slice.kind {
            Kind::Life { task } => {
                args.insert("task".into(), task.into());
                let facts = tables.task(task);
                if let Some(parent) = facts.and_then(|f| f.parent.get()) {
                    args.insert("parent".into(), parent.into());
                }
                match facts.and_then(|f| f.end) {
                    Some(TaskEnd::Value(v)) => args.insert("value".into(), trace.str(v).into()),
                    Some(TaskEnd::Panic(m)) => args.insert("panic".into(), trace.str(m).into()),
                    None => args.insert("unfinished".into(), true.into()),
                };
                (self.task_name(TaskId(task)), "task")
            }
            Kind::Poll { task, poll, row } => {
                args.insert("task".into(), task.into());
                if let Some(facts) = unit.and_then(|u| u.polls.get(poll)) {
                    args.insert("poll".into(), facts.ordinal.into());
                    let result = facts.result.map_or("unfinished", |r| r.name());
                    args.insert("result".into(), result.into());
                    if !facts.coro.is_empty() {
                        let coro = facts.coro.iter().enumerate();
                        let coro: Vec<Value> =
                            coro.map(|(d, f)| Value::Object(self.coro(d, f))).collect();
                        args.insert("coro".into(), coro.into());
                    }
                }
                let name = if row {
                    Cow::Borrowed("poll")
                } else {
                    self.task_name(TaskId(task))
                };
                (name, "poll")
            }
            Kind::Await {
                point,
                resumed,
                ended,
            } => {
                let name = self.point(point, &mut args);
                args.insert(
                    "await".into(),
                    if resumed { "resumed" } else { "entered" }.into(),
                );
                let ended = match ended {
                    AwaitEnd::Pending => "pending",
                    AwaitEnd::Ready => "ready",
                    AwaitEnd::Cut => "unfinished",
                };
                args.insert("returned".into(), ended.into());
                (name, "await")
            }
            Kind::Suspended { task, suspension } => {
                args.insert("task".into(), task.into());
                let woken = unit.and_then(|u| u.suspensions.get(suspension));
                if let Some(woken) = woken.filter(|w| !w.is_empty()) {
                    let by: Vec<Value> = woken
                        .iter()
                        .map(|&by| wake_source_text(trace, by).into())
                        .collect();
                    args.insert("woken_by".into(), by.into());
                }
                (Cow::Borrowed("suspended"), "suspend")
            }
            Kind::Level { level } => (self.level(unit, level, &mut args), "await"),
            Kind::Thread { slot } => {
                let Some(facts) = tables.threads.get(slot) else {
                    return (Cow::Borrowed("?"), "thread", Value::Object(args));
                };
                args.insert("thread".into(), facts.no.into());
                args.insert("task".into(), facts.task.get().into());
                match facts.finish {
                    Some(end) => {
                        args.insert("outcome".into(), end.outcome.name().into());
                        args.insert("result".into(), trace.str(end.result).into());
                        let ns = u64::from(end.duration_us) * 1_000;
                        args.insert("duration_ns".into(), ns.into());
                    }
                    None => {
                        args.insert("outcome".into(), "running".into());
                    }
                }
                (Cow::Borrowed(trace.str(facts.name)), "thread")
            }
            Kind::Say { task, text } => {
                let text = trace.str(text);
                args.insert("task".into(), task.into());
                args.insert("text".into(), text.into());
                (Cow::Owned(format!("say: {text}")), "say")
            }
            Kind::Wake { task, by } => {
                let by = wake_source_text(trace, by);
                let name = format!("wake {} (by {by})", self.task_name(task));
                args.insert("task".into(), task.get().into());
                args.insert("by".into(), by.into());
                (Cow::Owned(name), "wake")
            }
            Kind::Panic { task, message } => {
                args.insert("task".into(), task.into());
                args.insert("message".into(), trace.str(message).into());
                let name = format!("panic in {}", self.task_name(TaskId(task)));
                (Cow::Owned(name), "panic")
            }
            Kind::Join { task, thread } => {
                args.insert("task".into(), task.get().into());
                args.insert("thread".into(), thread.into());
                let name = format!("{} joins thread {thread}", self.task_name(task));
                (Cow::Owned(name), "thread")
            }
        };
        (name, cat, Value::Object(args))
    }

    /// A level of an await chain: named after its point (or points), with their file and
    /// line, and the coroutine suspended there; without points, after the coroutine.
    fn level(
        &self,
        unit: Option<&Unit>,
        level: usize,
        args: &mut Map<String, Value>,
    ) -> Cow<'a, str> {
        let trace = self.trace;
        let Some(facts) = unit.and_then(|u| u.levels.get(level)) else {
            return Cow::Borrowed("?");
        };
        args.insert("depth".into(), facts.depth.into());
        let name = match facts.points.as_slice() {
            [] => None,
            [one] => Some(self.point(*one, args)),
            many => {
                let labels: Vec<String> = many.iter().map(|&p| trace.point_text(p)).collect();
                if let Some(&first) = many.first() {
                    self.point(first, args);
                }
                let name = many
                    .iter()
                    .map(|&p| trace.await_point(p).map_or("?", |p| p.label))
                    .collect::<Vec<_>>()
                    .join(" | ");
                args.insert("points".into(), labels.into());
                Some(Cow::Owned(name))
            }
        };
        if let Some((depth, frame)) = &facts.coro {
            let coro = self.coro(*depth, frame);
            for key in ["future", "state", "locals"] {
                if let Some(value) = coro.get(key) {
                    args.insert(key.into(), value.clone());
                }
            }
            args.insert("coro_depth".into(), (*depth).into());
            if name.is_none() {
                for key in ["file", "line"] {
                    if let Some(value) = coro.get(key) {
                        args.insert(key.into(), value.clone());
                    }
                }
                let future = trace.str(frame.future);
                return Cow::Owned(short_path(future).to_owned());
            }
        }
        name.unwrap_or(Cow::Borrowed("?"))
    }
}
