//! One JSON Lines event back into an [`Event`], checked so that the loaded trace replays
//! the way the recorded one did. The kind names are [`EventKind::name`]'s; a round trip
//! of every kind is tested in `tests/tracefile_roundtrip.rs`.

use super::JsonEvent;
use crate::trace::{
    AwaitPoint, Event, EventKind, ExecThread, Held, Holder, PollResult, Reading, TaskId, ThreadNo,
    ThreadOutcome, Trace, TraceBuilder, WakeSource, held,
};
use crate::tracefile::FileError;

/// Rebuilds a trace event by event.
///
/// Strings and points are interned in the order the events use them, which is the order
/// the recorder interned them in: a loaded trace gets the same symbol numbers as the
/// recorded one (unless a worker thread interned a string between an await point's first
/// registration and its first event, a window of a few instructions).
#[derive(Debug, Default)]
pub struct Decoder {
    builder: TraceBuilder,
    /// Tasks spawned so far: a spawn must be the next task, other events a known one.
    tasks: u32,
    /// Worker threads started so far, likewise.
    threads: u32,
    /// The latest timestamp so far: the recorder never goes back in time.
    last_t: u64,
    /// The reading of the events so far, which checks the polls' grammar.
    reading: Reading,
    /// The latest thread started under each name: `held_by` names threads by name.
    thread_names: rustc_hash::FxHashMap<String, u32>,
}

impl Decoder {
    /// Number of events decoded so far.
    pub fn len(&self) -> usize {
        self.builder.trace().events.len()
    }

    /// True before the first event.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many strings were cut for being over the caps ([`crate::trace::cap`]).
    pub fn cut_strings(&self) -> usize {
        self.builder.cut_strings()
    }

    /// The trace decoded.
    pub fn finish(self) -> Trace {
        self.builder.finish()
    }

    /// Decodes the event on `line` (1-based, counting the header).
    pub fn push(&mut self, line: usize, json: &JsonEvent) -> Result<(), FileError> {
        let expected = self.len() as u64;
        if json.seq != expected {
            return Err(FileError::OutOfOrder {
                line,
                seq: json.seq,
                expected,
            });
        }
        if json.t_ns < self.last_t {
            return Err(FileError::invalid(
                line,
                format!(
                    "t_ns {} is earlier than the previous event's {}: events are out of time \
                     order",
                    json.t_ns, self.last_t
                ),
            ));
        }
        // The task is checked against the tasks spawned before this event.
        let task = self.task_ref(line, json);
        // The kind first: an unknown kind explains any field that seems missing.
        let kind = self.kind(line, json)?;
        let task = task?;
        let event = Event {
            t_ns: json.t_ns,
            task,
            kind,
        };
        // The grammar of polls is the reading's (`trace::Reading`): one open at a time on
        // each executor thread, each ended on its thread, none of a finished task.
        self.reading
            .step(&event, |_| {})
            .map_err(|damage| FileError::reference(line, damage.to_string()))?;
        self.last_t = json.t_ns;
        self.builder.push(event);
        Ok(())
    }

    /// The event's task, checked: a spawn must name the next task, and anything else may
    /// only name a task already spawned, because replay numbers tasks by spawn order.
    fn task_ref(&self, line: usize, json: &JsonEvent) -> Result<TaskId, FileError> {
        let task = json.task.map_or(TaskId::NONE, TaskId);
        let kind = json.kind.as_str();
        // A line printed, or a thread started or joined, outside any task's poll (a
        // Python script's top level) belongs to no task.
        let may_be_none = matches!(
            kind,
            "thread_spawn" | "thread_finish" | "thread_join" | "say"
        );
        match json.task {
            None if may_be_none => Ok(task),
            None => Err(FileError::invalid(
                line,
                format!("missing field `task` for a {kind} event"),
            )),
            Some(n) if kind == "spawn" && n != self.tasks => Err(FileError::reference(
                line,
                format!(
                    "spawn of task {n} out of order: tasks are numbered in spawn order, \
                     so this spawn must be task {}",
                    self.tasks
                ),
            )),
            Some(n) if kind != "spawn" && n >= self.tasks => Err(FileError::reference(
                line,
                format!(
                    "{kind} event for task {n}, which was never spawned ({} spawned so far)",
                    self.tasks
                ),
            )),
            Some(_) => Ok(task),
        }
    }

    fn thread_ref(&self, line: usize, json: &JsonEvent) -> Result<ThreadNo, FileError> {
        let kind = json.kind.as_str();
        let n = required(line, kind, "thread", json.thread)?;
        if n >= self.threads {
            return Err(FileError::reference(
                line,
                format!(
                    "{kind} event for thread {n}, which was never started ({} started so far)",
                    self.threads
                ),
            ));
        }
        Ok(ThreadNo(n))
    }

    /// A pending poll's `held_by`, each word checked against what came before.
    fn held(&mut self, line: usize, words: &[String]) -> Result<Held, FileError> {
        let mut holders = Vec::with_capacity(words.len());
        for word in words {
            let (kind, what) = word.split_once(':').unwrap_or((word, ""));
            let bad = |why: String| FileError::invalid(line, format!("field `held_by`: {why}"));
            let number = || {
                what.parse::<u32>()
                    .map_err(|_| bad(format!("bad number in {word:?}")))
            };
            holders.push(match kind {
                "yield" => Holder::Yield,
                "task" => {
                    let n = number()?;
                    if n >= self.tasks {
                        return Err(bad(format!("task {n} was never spawned")));
                    }
                    Holder::Task(TaskId(n))
                }
                "thread" => match self.thread_names.get(what) {
                    Some(&n) => Holder::Thread(ThreadNo(n)),
                    None => return Err(bad(format!("no thread named {what:?} started before"))),
                },
                "elsewhere" => Holder::Elsewhere(number()?),
                "future" => Holder::Future(self.builder.intern(what)),
                _ => {
                    return Err(bad(format!(
                        "{word:?}: expected yield, thread:NAME, task:N, elsewhere:N or \
                         future:REPR"
                    )));
                }
            });
        }
        Ok(match holders.as_slice() {
            [] => Held::Nobody,
            [one] => Held::One(*one),
            several => Held::Several(self.builder.intern(&held::encode(several))),
        })
    }

    fn kind(&mut self, line: usize, json: &JsonEvent) -> Result<EventKind, FileError> {
        let kind = json.kind.as_str();
        let b = &mut self.builder;
        Ok(match kind {
            "spawn" => {
                let name = b.intern_name(required_str(line, kind, "name", &json.name)?);
                let parent = match json.parent {
                    None => TaskId::NONE,
                    Some(p) if p < self.tasks => TaskId(p),
                    Some(p) => {
                        return Err(FileError::reference(
                            line,
                            format!(
                                "spawn with parent task {p}, which was not spawned before it \
                                 ({} spawned so far)",
                                self.tasks
                            ),
                        ));
                    }
                };
                self.tasks += 1;
                EventKind::Spawn { name, parent }
            }
            "poll_start" => EventKind::PollStart {
                on: ExecThread(json.executor.unwrap_or(0)),
            },
            "poll_end" => EventKind::PollEnd {
                result: match required_str(line, kind, "result", &json.result)? {
                    "pending" => PollResult::Pending,
                    "ready" => PollResult::Ready,
                    "panicked" => PollResult::Panicked,
                    other => return Err(bad_word(line, "result", other, PollResult::WORDS)),
                },
                on: ExecThread(json.executor.unwrap_or(0)),
                held: match &json.held_by {
                    None => Held::Unknown,
                    Some(words) => self.held(line, words)?,
                },
            },
            "await_enter" | "suspend" | "resume" | "await_exit" => {
                let p: &AwaitPoint = required(line, kind, "point", json.point.as_ref())?;
                let point = b.point(&p.label, &p.file, p.line);
                match kind {
                    "await_enter" => EventKind::AwaitEnter { point },
                    "suspend" => EventKind::Suspend { point },
                    "resume" => EventKind::Resume { point },
                    _ => EventKind::AwaitExit { point },
                }
            }
            "wake" => {
                let by = required_str(line, kind, "by", &json.by)?;
                let by = wake_source(b, line, by)?;
                // A thread may be one pollscope did not start (tokio's workers, async-io's
                // reactor), named only by its wakes; a task must have been spawned.
                if let WakeSource::Task(t) = by
                    && t.0 >= self.tasks
                {
                    return Err(FileError::reference(
                        line,
                        format!(
                            "wake by task {t}, which was never spawned ({} spawned so far)",
                            self.tasks
                        ),
                    ));
                }
                EventKind::Wake { by }
            }
            "say" => EventKind::Say {
                text: b.intern(required_str(line, kind, "text", &json.text)?),
            },
            "complete" => EventKind::Complete {
                value: b.intern(required_str(line, kind, "value", &json.value)?),
            },
            "panic" => EventKind::Panic {
                message: b.intern(required_str(line, kind, "message", &json.message)?),
            },
            "thread_spawn" => {
                let n = required(line, kind, "thread", json.thread)?;
                if n != self.threads {
                    return Err(FileError::reference(
                        line,
                        format!(
                            "thread_spawn of thread {n} out of order: threads are numbered in \
                             start order, so this must be thread {}",
                            self.threads
                        ),
                    ));
                }
                let text = required_str(line, kind, "name", &json.name)?;
                let name = b.intern_name(text);
                self.thread_names.insert(text.to_owned(), n);
                self.threads += 1;
                EventKind::ThreadSpawn {
                    thread: ThreadNo(n),
                    name,
                }
            }
            "thread_finish" => {
                let thread = self.thread_ref(line, json)?;
                let outcome = match required_str(line, kind, "outcome", &json.outcome)? {
                    "ok" => ThreadOutcome::Ok,
                    "error" => ThreadOutcome::Error,
                    "panicked" => ThreadOutcome::Panicked,
                    other => return Err(bad_word(line, "outcome", other, ThreadOutcome::WORDS)),
                };
                let ns = required(line, kind, "duration_ns", json.duration_ns)?;
                // The recorder keeps microseconds; a duration too long for that (over an
                // hour) cannot have come from it.
                let duration_us = u32::try_from(ns / 1_000).map_err(|_| {
                    FileError::invalid(
                        line,
                        format!(
                            "field `duration_ns` is too large ({ns} ns; at most about 71 minutes)"
                        ),
                    )
                })?;
                let result = self
                    .builder
                    .intern(required_str(line, kind, "value", &json.value)?);
                EventKind::ThreadFinish {
                    thread,
                    outcome,
                    duration_us,
                    result,
                }
            }
            "thread_join" => EventKind::ThreadJoin {
                thread: self.thread_ref(line, json)?,
            },
            "coro_state" => {
                let depth = required(line, kind, "depth", json.depth)?;
                let future = required_str(line, kind, "future", &json.future)?;
                let state = required_str(line, kind, "state", &json.state)?;
                let file = required_str(line, kind, "file", &json.file)?;
                let at = required(line, kind, "line", json.line)?;
                let future = self.builder.intern_name(future);
                EventKind::CoroState {
                    depth,
                    future,
                    state: self.builder.point(state, file, at),
                }
            }
            "input" => {
                let text = b.intern(required_str(line, kind, "text", &json.text)?);
                let p: &AwaitPoint = required(line, kind, "point", json.point.as_ref())?;
                EventKind::Input {
                    text,
                    driver: b.point(&p.label, &p.file, p.line),
                }
            }
            "refused" => {
                let input = b.intern(required_str(line, kind, "text", &json.text)?);
                let error = b.intern(required_str(line, kind, "message", &json.message)?);
                let p: &AwaitPoint = required(line, kind, "point", json.point.as_ref())?;
                EventKind::Refused {
                    input,
                    driver: b.point(&p.label, &p.file, p.line),
                    error,
                }
            }
            "yielded" => EventKind::Yielded {
                value: b.intern(required_str(line, kind, "value", &json.value)?),
            },
            "coro_locals" => EventKind::CoroLocals {
                depth: required(line, kind, "depth", json.depth)?,
                text: b.intern(required_str(line, kind, "text", &json.text)?),
            },
            _ => {
                return Err(FileError::UnknownKind {
                    line,
                    kind: json.kind.clone(),
                });
            }
        })
    }
}

/// Parses `self`, `task:N`, `thread:NAME` or `external`.
///
/// A wake may name any task number: the waker of a task can outlive the trace's view of
/// it, and replay only counts wakes on the woken task, never on the waker.
fn wake_source(b: &mut TraceBuilder, line: usize, by: &str) -> Result<WakeSource, FileError> {
    if let Some(n) = by.strip_prefix("task:") {
        return n.parse().map(|n| WakeSource::Task(TaskId(n))).map_err(|_| {
            FileError::invalid(line, format!("field `by`: bad task number in {by:?}"))
        });
    }
    if let Some(name) = by.strip_prefix("thread:") {
        return Ok(WakeSource::Thread(b.intern_name(name)));
    }
    match by {
        "self" => Ok(WakeSource::SelfWake),
        "external" => Ok(WakeSource::External),
        other => Err(FileError::invalid(
            line,
            format!("field `by` is {other:?}: expected self, task:N, thread:NAME or external"),
        )),
    }
}

fn required<T>(line: usize, kind: &str, field: &str, value: Option<T>) -> Result<T, FileError> {
    value.ok_or_else(|| {
        FileError::invalid(line, format!("missing field `{field}` for a {kind} event"))
    })
}

fn required_str<'a>(
    line: usize,
    kind: &str,
    field: &str,
    value: &'a Option<String>,
) -> Result<&'a str, FileError> {
    required(line, kind, field, value.as_deref())
}

fn bad_word(line: usize, field: &str, found: &str, expected: &str) -> FileError {
    FileError::invalid(
        line,
        format!("field `{field}` is {found:?}: expected {expected}"),
    )
}

trait Words {
    const WORDS: &'static str;
}

impl Words for PollResult {
    const WORDS: &'static str = "pending, ready or panicked";
}

impl Words for ThreadOutcome {
    const WORDS: &'static str = "ok, error or panicked";
}
