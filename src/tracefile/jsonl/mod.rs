//! The trace as JSON Lines, both ways: one object per event, with strings and points
//! spelled out. [`JsonEvent::from_event`] encodes, [`Decoder`] decodes and checks. The
//! schema is documented in the README ("Trace schema").

mod decode;

pub use decode::Decoder;

use crate::trace::{
    AwaitPoint, Event, EventKind, ExecThread, Held, Holder, PointId, Sym, Trace, WakeSource,
};
use serde::{Deserialize, Serialize};
use std::io::{self, Write};

/// One event as JSON. Fields that do not apply to the kind are omitted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonEvent {
    /// Index in the trace.
    pub seq: u64,
    /// Nanoseconds since the session started.
    pub t_ns: u64,
    /// Event kind (`spawn`, `poll_start`, ...).
    pub kind: String,
    /// Task number, or `null` for events of no task.
    pub task: Option<u32>,
    /// `spawn`, `thread_spawn`: the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `spawn`: the task that spawned this one (absent for the program's own tasks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<u32>,
    /// `poll_start`, `poll_end`: the executor thread the poll ran on, when it is not the
    /// executor's own (0): a runtime with several worker threads numbers them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor: Option<u16>,
    /// `poll_end`: `pending`, `ready` or `panicked`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// `poll_end` of a pending poll: who holds a clone of the task's waker (`yield`,
    /// `thread:NAME`, `task:N`, `elsewhere:N`, `future:REPR`); empty: nobody, so nothing
    /// can wake the task. Absent where it was not recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_by: Option<Vec<String>>,
    /// `await_enter`, `suspend`, `resume`, `await_exit`: the await point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point: Option<AwaitPoint>,
    /// `wake`: `self`, `task:N`, `thread:NAME` or `external`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// `say`: the line said; `coro_locals`: the locals held, with their values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// `complete`: the value's `Debug` text; `thread_finish`: the result or error as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// `panic`: the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `thread_spawn`, `thread_finish`, `thread_join`: the worker thread's number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<u32>,
    /// `thread_finish`: `ok`, `error` or `panicked`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// `thread_finish`: how long the thread ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ns: Option<u64>,
    /// `coro_state`, `coro_locals`: how far down the task's await chain (0: its own future).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depth: Option<u8>,
    /// `coro_state`: the future's path (`a::inner`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub future: Option<String>,
    /// `coro_state`: `Unresumed`, `SuspendN`, `Returned` or `Panicked`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// `coro_state`: the state's source file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// `coro_state`: the state's line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

/// Spells out a wake source the schema's way.
pub fn wake_source_text(trace: &Trace, by: WakeSource) -> String {
    match by {
        WakeSource::SelfWake => "self".to_owned(),
        WakeSource::Task(t) => format!("task:{}", t.0),
        WakeSource::Thread(name) => format!("thread:{}", trace.str(name)),
        WakeSource::External => "external".to_owned(),
    }
}

/// Worker threads' names by number (threads are numbered in start order), for
/// `held_by`'s `thread:NAME`: read in one pass, not looked for at every pending poll.
#[derive(Debug, Default)]
pub struct ThreadNames(Vec<Sym>);

impl ThreadNames {
    /// The names of every thread `trace` starts.
    pub fn of(trace: &Trace) -> ThreadNames {
        let mut names = Vec::new();
        for e in &trace.events {
            if let EventKind::ThreadSpawn { thread, name } = e.kind {
                let at = thread.0 as usize;
                if names.len() <= at {
                    names.resize(at + 1, name);
                }
                names[at] = name;
            }
        }
        ThreadNames(names)
    }
}

/// A holder of a task's waker the schema's way.
pub fn holder_text(trace: &Trace, threads: &ThreadNames, holder: Holder) -> String {
    match holder {
        Holder::Yield => "yield".to_owned(),
        Holder::Thread(t) => {
            let name = threads.0.get(t.0 as usize).map_or("?", |&n| trace.str(n));
            format!("thread:{name}")
        }
        Holder::Task(t) => format!("task:{}", t.0),
        Holder::Elsewhere(n) => format!("elsewhere:{n}"),
        Holder::Future(repr) => format!("future:{}", trace.str(repr)),
    }
}

fn held_words(trace: &Trace, threads: &ThreadNames, held: Held) -> Option<Vec<String>> {
    match held {
        Held::Unknown => None,
        held => Some(
            held.holders(trace)
                .into_iter()
                .map(|h| holder_text(trace, threads, h))
                .collect(),
        ),
    }
}

fn point(trace: &Trace, id: PointId) -> Option<AwaitPoint> {
    trace.await_point(id).map(|p| AwaitPoint {
        label: p.label.to_owned(),
        file: p.file.to_owned(),
        line: p.line,
    })
}

impl JsonEvent {
    /// The JSON form of `trace.events[seq]`. For a whole trace, [`write_events`] (or
    /// [`JsonEvent::from_event_in`]) reads the threads' names once instead of per event.
    pub fn from_event(trace: &Trace, seq: usize, event: &Event) -> JsonEvent {
        let names_a_thread = match event.kind {
            EventKind::PollEnd { held, .. } => held
                .holders(trace)
                .iter()
                .any(|h| matches!(h, Holder::Thread(_))),
            _ => false,
        };
        let threads = if names_a_thread {
            ThreadNames::of(trace)
        } else {
            ThreadNames::default()
        };
        Self::from_event_in(trace, &threads, seq, event)
    }

    /// [`JsonEvent::from_event`] with the trace's thread names already read.
    pub fn from_event_in(
        trace: &Trace,
        threads: &ThreadNames,
        seq: usize,
        event: &Event,
    ) -> JsonEvent {
        let s = |sym| Some(trace.str(sym).to_owned());
        let mut json = JsonEvent {
            seq: seq as u64,
            t_ns: event.t_ns,
            kind: event.kind.name().to_owned(),
            task: event.task.get(),
            ..JsonEvent::default()
        };
        match event.kind {
            EventKind::Spawn { name, parent } => {
                json.name = s(name);
                json.parent = parent.get();
            }
            EventKind::PollStart { on } => json.executor = (on != ExecThread::MAIN).then_some(on.0),
            EventKind::PollEnd { result, on, held } => {
                json.result = Some(result.name().to_owned());
                json.executor = (on != ExecThread::MAIN).then_some(on.0);
                json.held_by = held_words(trace, threads, held);
            }
            EventKind::AwaitEnter { point: p }
            | EventKind::Suspend { point: p }
            | EventKind::Resume { point: p }
            | EventKind::AwaitExit { point: p } => json.point = point(trace, p),
            EventKind::Wake { by } => json.by = Some(wake_source_text(trace, by)),
            EventKind::Say { text } => json.text = s(text),
            EventKind::Complete { value } => json.value = s(value),
            EventKind::Panic { message } => json.message = s(message),
            EventKind::ThreadSpawn { thread, name } => {
                json.thread = Some(thread.0);
                json.name = s(name);
            }
            EventKind::ThreadFinish {
                thread,
                outcome,
                duration_us,
                result,
            } => {
                json.thread = Some(thread.0);
                json.outcome = Some(outcome.name().to_owned());
                json.duration_ns = Some(u64::from(duration_us) * 1_000);
                json.value = s(result);
            }
            EventKind::ThreadJoin { thread } => json.thread = Some(thread.0),
            EventKind::CoroState {
                depth,
                future,
                state,
            } => {
                json.depth = Some(depth);
                json.future = s(future);
                if let Some(p) = trace.await_point(state) {
                    json.state = Some(p.label.to_owned());
                    json.file = Some(p.file.to_owned());
                    json.line = Some(p.line);
                }
            }
            EventKind::CoroLocals { depth, text } => {
                json.depth = Some(depth);
                json.text = s(text);
            }
            EventKind::Input { text, driver } => {
                json.text = s(text);
                json.point = point(trace, driver);
            }
            EventKind::Yielded { value } => json.value = s(value),
            EventKind::Refused {
                input,
                driver,
                error,
            } => {
                json.text = s(input);
                json.point = point(trace, driver);
                json.message = s(error);
            }
        }
        json
    }
}

/// Writes `trace.events[from..]` as JSON Lines.
pub fn write_events(out: &mut impl Write, trace: &Trace, from: usize) -> io::Result<()> {
    let threads = ThreadNames::of(trace);
    for (seq, event) in trace.events.iter().enumerate().skip(from) {
        let json = JsonEvent::from_event_in(trace, &threads, seq, event);
        serde_json::to_writer(&mut *out, &json)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
