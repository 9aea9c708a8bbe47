//! tokio-console recordings: the JSON Lines file console-subscriber writes when given
//! `TOKIO_CONSOLE_RECORD_PATH` or `Builder::recording_path`, turned into a trace.
//!
//! What a recording holds, and so what the trace gets (the lines are in [`wire`]):
//! - a task is a span console-subscriber recorded a `Spawn` for; it is named by its
//!   `task.name`, else its spawn location if the fields carry one, else by its kind
//!   (`block_on`) or number (`task 4`);
//! - a poll is one entry of a task's span (`Enter` to `Exit`). That is what
//!   tokio-console itself counts as a poll, so the counts agree; it includes the entry
//!   `tracing` makes to drop the future when the task ends;
//! - every poll ends `pending`: the recording has no poll results, and `pending` is the
//!   one result that claims nothing about the task's end, which comes from its `Close`
//!   instead, as a `complete` event with the value `(closed)` (so a task that completed
//!   and one that was aborted look alike: the recording does not tell them apart);
//! - a wake is a `Waker` record of op `Wake` or `WakeByRef`; clones and drops of wakers
//!   are counted and left out;
//! - spans that were entered, exited or closed without a `Spawn` are resources and async
//!   ops (timers, channel semaphores): counted and left out, with the counts in the
//!   header's one warning.
//!
//! The recording names no threads. A poll gets the lowest executor thread number free
//! when it starts, so polls that overlap (several worker threads, or a `LocalSet` inside
//! `block_on`) stay valid. Who woke a task or spawned it is read from which task span
//! was entered at the time, and only when that is unambiguous: when every span entry in
//! the recording nests inside the one before it (as on one thread: a current-thread
//! runtime), the innermost task entered is the waker or the spawner. When entries
//! overlap, several threads were running and the recording cannot say which one woke or
//! spawned, so wakes are `external` and spawns have no parent. A wake console-subscriber
//! marked `self_wake` (the task's own span was entered on the waking thread) is a self-wake
//! either way.

mod wire;

use super::FileError;
use super::header::Header;
use crate::program::ProgramInfo;
use crate::trace::{
    Event, EventKind, ExecThread, Held, PollResult, Reading, Sym, TaskId, Trace, TraceBuilder,
    WakeSource,
};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde_json::Value;
use std::io::BufRead;
use wire::{Field, Record, WakeOp};

/// The header's program title for a recording.
const TITLE: &str = "tokio-console recording";

/// The value of the `complete` event a task's `Close` becomes.
const CLOSED: &str = "(closed)";

/// True if `text`, the first line that is not blank, is a tokio-console recording's
/// header (`{"v":1}`) rather than a pollscope trace's.
pub(super) fn is_header(text: &[u8]) -> bool {
    wire::is_header(text)
}

/// Reads a recording whose header is `text`, on line `line`; the rest comes from `input`.
/// Never panics: a line that is not a record, or a record the recording's own order
/// rules out, is a [`FileError`] naming its line.
pub(super) fn read(
    line: usize,
    text: &[u8],
    input: impl BufRead,
) -> Result<(Header, Trace), FileError> {
    read_limited(line, text, input, super::lines::MAX_LINE)
}

/// What a console recording is, for messages about lines that are none of its.
const RECORDING: &str = "a tokio-console recording";

fn read_limited(
    header_line: usize,
    text: &[u8],
    mut input: impl BufRead,
    max_line: usize,
) -> Result<(Header, Trace), FileError> {
    wire::check_header(header_line, text)?;
    // Two passes: who woke or spawned a task may only be read from the entered spans if
    // the whole recording nests, which the last line can still disprove.
    let mut records = Vec::new();
    let mut nesting = Nesting::default();
    let mut buf = Vec::with_capacity(512);
    let mut line = header_line;
    while super::lines::next_line(&mut input, &mut buf, line + 1, max_line, RECORDING)? {
        line += 1;
        let text = buf.trim_ascii();
        if text.is_empty() {
            continue;
        }
        let record = wire::parse(line, text)?;
        nesting.see(&record);
        records.push((line, record));
    }
    if records.is_empty() {
        return Err(FileError::invalid(
            header_line,
            "a tokio-console recording header with no events after it: the recording is \
             empty (the program ended before console-subscriber wrote anything?)",
        ));
    }
    let mut convert = Convert::new(nesting.nests);
    for (line, record) in &records {
        convert.record(*line, record)?;
    }
    convert.finish(header_line, records.len())
}

/// Whether every span entry nests inside the one before it: a stack of entered spans
/// that every exit pops. Overlapping entries mean several threads.
#[derive(Debug)]
struct Nesting {
    entered: Vec<u64>,
    nests: bool,
}

impl Default for Nesting {
    fn default() -> Self {
        Nesting {
            entered: Vec::new(),
            nests: true,
        }
    }
}

impl Nesting {
    fn see(&mut self, record: &Record) {
        if !self.nests {
            return;
        }
        match record {
            Record::Enter { id, .. } => self.entered.push(*id),
            Record::Exit { id, .. } => {
                if self.entered.last() == Some(id) {
                    self.entered.pop();
                } else {
                    self.nests = false;
                    self.entered = Vec::new();
                }
            }
            _ => {}
        }
    }
}

/// A task span that has not closed.
#[derive(Debug)]
struct Live {
    task: TaskId,
    /// The line of its spawn, for messages.
    spawned_on: usize,
    /// How many times its span is entered now (a span may be entered again inside its
    /// own entry; the poll is the outermost one).
    depth: u32,
    /// The executor thread of its open poll.
    on: ExecThread,
}

/// The second pass: records into events.
struct Convert {
    nests: bool,
    builder: TraceBuilder,
    reading: Reading,
    /// Task spans by span id. A span id is reused once its span closes, so an id means
    /// the task only until its `Close`.
    live: HashMap<u64, Live>,
    /// Spans seen without a spawn, not closed yet: resources and async ops.
    others: HashSet<u64>,
    /// Task spans entered now, innermost last: the running task, when the recording nests.
    entered: Vec<TaskId>,
    /// Which executor thread numbers have a poll open.
    busy: Vec<bool>,
    tasks: u32,
    left_out_spans: u64,
    left_out_waker_ops: u64,
    /// Wakes of spans that were not live tasks: a waker used on one thread while the
    /// task's span closed on another can be recorded after the close.
    stale_wakes: u64,
    /// The time of the first record: the trace's zero.
    t0: Option<u64>,
    last_t: u64,
    /// The `(closed)` value, interned at the first close: strings are numbered in the order
    /// events use them, as a native trace file's reader numbers them, so the trace saved
    /// and loaded again is the same.
    closed: Option<Sym>,
}

impl Convert {
    fn new(nests: bool) -> Self {
        Convert {
            nests,
            builder: TraceBuilder::new(),
            reading: Reading::new(),
            live: HashMap::default(),
            others: HashSet::default(),
            entered: Vec::new(),
            busy: Vec::new(),
            tasks: 0,
            left_out_spans: 0,
            left_out_waker_ops: 0,
            stale_wakes: 0,
            t0: None,
            last_t: 0,
            closed: None,
        }
    }

    /// The task whose poll is running now, when the recording can say.
    fn current(&self) -> Option<TaskId> {
        if self.nests {
            self.entered.last().copied()
        } else {
            None
        }
    }

    fn record(&mut self, line: usize, record: &Record) -> Result<(), FileError> {
        let at = record.at().ns(line)?;
        let t0 = *self.t0.get_or_insert(at);
        // Records of different threads reach the recorder's channel in the order they are
        // sent, not the order of their times, which are taken a moment before: a later
        // line can be a few microseconds earlier. The trace needs time to go forward.
        let t = at.saturating_sub(t0).max(self.last_t);
        let id = record.id();
        match record {
            Record::Spawn { fields, .. } => self.spawn(line, t, id, fields),
            Record::Enter { .. } => self.enter(line, t, id),
            Record::Exit { .. } => self.exit(line, t, id),
            Record::Close { .. } => self.close(line, t, id),
            Record::Waker { op, .. } => self.waker(line, t, id, *op),
        }
    }

    fn push(
        &mut self,
        line: usize,
        t_ns: u64,
        task: TaskId,
        kind: EventKind,
    ) -> Result<(), FileError> {
        let event = Event { t_ns, task, kind };
        // The events are made here to keep the trace's grammar; the reading checks it all
        // the same, so a mistake here is a refusal naming the line, never a bad replay.
        self.reading
            .step(&event, |_| {})
            .map_err(|damage| FileError::reference(line, damage.to_string()))?;
        self.last_t = t_ns;
        self.builder.push(event);
        Ok(())
    }

    /// A span seen without a spawn: counted once per lifetime (until its close).
    fn other(&mut self, id: u64) {
        if self.others.insert(id) {
            self.left_out_spans += 1;
        }
    }

    fn spawn(&mut self, line: usize, t: u64, id: u64, fields: &[Field]) -> Result<(), FileError> {
        if let Some(live) = self.live.get(&id) {
            return Err(FileError::reference(
                line,
                format!(
                    "spawn of span {id}, which is task {} spawned on line {} and not closed: \
                     a span id is only reused after its close",
                    live.task, live.spawned_on
                ),
            ));
        }
        // Ids are unique among open spans; one seen without a spawn must have closed
        // unrecorded. It counted as left out already.
        self.others.remove(&id);
        if self.tasks == TaskId::NONE.0 {
            return Err(FileError::invalid(
                line,
                "more tasks than pollscope can number",
            ));
        }
        let task = TaskId(self.tasks);
        self.tasks += 1;
        let name = task_name(task, fields);
        let name = self.builder.intern_name(&name);
        let parent = self.current().unwrap_or(TaskId::NONE);
        self.push(line, t, task, EventKind::Spawn { name, parent })?;
        self.live.insert(
            id,
            Live {
                task,
                spawned_on: line,
                depth: 0,
                on: ExecThread::MAIN,
            },
        );
        Ok(())
    }

    fn enter(&mut self, line: usize, t: u64, id: u64) -> Result<(), FileError> {
        let Some(live) = self.live.get_mut(&id) else {
            self.other(id);
            return Ok(());
        };
        live.depth = live.depth.saturating_add(1);
        let (task, first) = (live.task, live.depth == 1);
        self.entered.push(task);
        if !first {
            return Ok(());
        }
        let slot = match self.busy.iter().position(|b| !b) {
            Some(slot) => slot,
            None => {
                self.busy.push(false);
                self.busy.len() - 1
            }
        };
        let on = u16::try_from(slot)
            .map(ExecThread)
            .map_err(|_| FileError::invalid(line, "more than 65536 task spans entered at once"))?;
        self.busy[slot] = true;
        if let Some(live) = self.live.get_mut(&id) {
            live.on = on;
        }
        self.push(line, t, task, EventKind::PollStart { on })
    }

    fn exit(&mut self, line: usize, t: u64, id: u64) -> Result<(), FileError> {
        let Some(live) = self.live.get_mut(&id) else {
            self.other(id);
            return Ok(());
        };
        if live.depth == 0 {
            return Err(FileError::reference(
                line,
                format!(
                    "exit of span {id} (task {}), which is not entered: a task span's \
                     enters and exits are recorded in order",
                    live.task
                ),
            ));
        }
        live.depth -= 1;
        let (task, on, last) = (live.task, live.on, live.depth == 0);
        if let Some(pos) = self.entered.iter().rposition(|&e| e == task) {
            self.entered.remove(pos);
        }
        if !last {
            return Ok(());
        }
        if let Some(b) = self.busy.get_mut(usize::from(on.0)) {
            *b = false;
        }
        let result = PollResult::Pending;
        // tokio-console records no waker clones' holders.
        let held = Held::Unknown;
        self.push(line, t, task, EventKind::PollEnd { result, on, held })
    }

    fn close(&mut self, line: usize, t: u64, id: u64) -> Result<(), FileError> {
        let Some(live) = self.live.get(&id) else {
            // Closes are recorded for every span, entered or not: count the ones not seen
            // before, and forget the others so their id can come back as something else.
            if !self.others.remove(&id) {
                self.left_out_spans += 1;
            }
            return Ok(());
        };
        if live.depth > 0 {
            return Err(FileError::reference(
                line,
                format!(
                    "close of span {id} (task {}) while it is entered: a span closes after \
                     its last exit",
                    live.task
                ),
            ));
        }
        let task = live.task;
        self.live.remove(&id);
        let value = match self.closed {
            Some(sym) => sym,
            None => *self.closed.insert(self.builder.intern(CLOSED)),
        };
        self.push(line, t, task, EventKind::Complete { value })
    }

    fn waker(&mut self, line: usize, t: u64, id: u64, op: WakeOp) -> Result<(), FileError> {
        let self_wake = match op {
            WakeOp::Wake { self_wake } | WakeOp::WakeByRef { self_wake } => self_wake,
            WakeOp::Clone | WakeOp::Drop => {
                self.left_out_waker_ops += 1;
                return Ok(());
            }
        };
        let Some(live) = self.live.get(&id) else {
            self.stale_wakes += 1;
            return Ok(());
        };
        let task = live.task;
        let by = if self_wake {
            WakeSource::SelfWake
        } else {
            match self.current() {
                Some(waker) if waker != task => WakeSource::Task(waker),
                // Woken inside its own poll, yet console-subscriber saw its span not
                // entered on the waking thread: another thread's, and the recording
                // cannot say which.
                _ => WakeSource::External,
            }
        };
        self.push(line, t, task, EventKind::Wake { by })
    }

    fn finish(self, header_line: usize, records: usize) -> Result<(Header, Trace), FileError> {
        if self.tasks == 0 {
            return Err(FileError::invalid(
                header_line,
                format!(
                    "a tokio-console recording of {records} event{} with no task spawn in \
                     it: nothing to replay (was the runtime built with RUSTFLAGS=\"--cfg \
                     tokio_unstable\" and tokio's `tracing` feature?)",
                    plural(records as u64)
                ),
            ));
        }
        let open = self.live.len() as u64;
        let mut status = format!(
            "tokio-console recording: {} task{}; left out {} resource and async-op span{} \
             (spans recorded without a task spawn) and {} waker clone{}/drop{}; poll results \
             are not recorded, so every poll ends pending and a task ends at its span's close",
            self.tasks,
            plural(u64::from(self.tasks)),
            self.left_out_spans,
            plural(self.left_out_spans),
            self.left_out_waker_ops,
            plural(self.left_out_waker_ops),
            plural(self.left_out_waker_ops),
        );
        if !self.nests {
            status.push_str(
                "; polls overlap (several threads), so other tasks' wakes show as external \
                 and spawns have no parent",
            );
        }
        if self.stale_wakes > 0 {
            status.push_str(&format!(
                "; {} wake{} of tasks already closed",
                self.stale_wakes,
                plural(self.stale_wakes)
            ));
        }
        if open > 0 {
            status.push_str(&format!(
                "; {open} task{} not closed when the recording ends",
                plural(open)
            ));
        }
        let cut = self.builder.cut_strings();
        let program = ProgramInfo {
            title: TITLE.to_owned(),
            explanation: Some(
                "A tokio-console recording (console-subscriber's JSON Lines): its tasks, each \
                 entry of a task's span as a poll, its wakes. Nothing runs; poll results are \
                 not in the recording."
                    .to_owned(),
            ),
            ..ProgramInfo::default()
        };
        let mut header = Header {
            program: Some(program),
            warnings: vec![status],
            ..Header::default()
        };
        if cut > 0 {
            header.warnings.push(format!(
                "{cut} overlong task name{} cut (at {} bytes)",
                plural(cut as u64),
                crate::trace::NAME_CAP
            ));
        }
        Ok((header, self.builder.finish()))
    }
}

/// A task's name: its `task.name`, else where it was spawned if the fields say (older
/// tokio wrote `spawn.location`; console-subscriber keeps `loc.*` out of the fields it
/// records, but a later one might not), else its kind and number.
fn task_name(task: TaskId, fields: &[Field]) -> String {
    let field = |name: &str| fields.iter().find(|f| f.name == name).map(|f| &f.value);
    let text = |name: &str| {
        field(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    if let Some(name) = text("task.name") {
        return name.to_owned();
    }
    if let Some(location) = text("spawn.location") {
        return location.to_owned();
    }
    if let Some(file) = text("loc.file") {
        let number = |name: &str| field(name).and_then(Value::as_u64);
        return match (number("loc.line"), number("loc.col")) {
            (Some(line), Some(col)) => format!("{file}:{line}:{col}"),
            (Some(line), None) => format!("{file}:{line}"),
            _ => file.to_owned(),
        };
    }
    match text("kind") {
        // One per runtime: the future given to `Runtime::block_on`.
        Some("block_on") => "block_on".to_owned(),
        Some(kind) if kind != "task" => format!("{kind} task {task}"),
        _ => format!("task {task}"),
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(us: u64) -> String {
        format!(
            r#"{{"secs_since_epoch":1700000000,"nanos_since_epoch":{}}}"#,
            us * 1000
        )
    }

    fn spawn(id: u64, us: u64, name: &str) -> String {
        format!(
            r#"{{"Spawn":{{"id":{id},"at":{},"fields":[{{"name":"kind","value":"task"}},{{"name":"task.name","value":"{name}"}}]}}}}"#,
            at(us)
        )
    }

    fn plain(kind: &str, id: u64, us: u64) -> String {
        format!(r#"{{"{kind}":{{"id":{id},"at":{}}}}}"#, at(us))
    }

    fn wake(id: u64, us: u64, self_wake: bool) -> String {
        format!(
            r#"{{"Waker":{{"id":{id},"op":{{"Wake":{{"self_wake":{self_wake}}}}},"at":{}}}}}"#,
            at(us)
        )
    }

    fn load(lines: &[String]) -> Result<(Header, Trace), FileError> {
        let text = format!("{{\"v\":1}}\n{}\n", lines.join("\n"));
        crate::tracefile::read(text.as_bytes())
    }

    fn kinds(trace: &Trace) -> Vec<(u32, EventKind)> {
        trace.events.iter().map(|e| (e.task.0, e.kind)).collect()
    }

    #[test]
    fn the_header_is_told_from_a_pollscope_header() {
        assert!(is_header(br#"{"v":1}"#));
        assert!(!is_header(
            br#"{"format":"pollscope-trace","version":3,"v":1}"#
        ));
        assert!(!is_header(br#"{"v":1"#));
        assert!(!is_header(b"[1]"));
    }

    #[test]
    fn a_nested_recording_names_the_waker_and_the_spawner() {
        let lines = [
            spawn(1, 0, "main"),
            plain("Enter", 1, 1),
            spawn(2, 2, "child"),
            plain("Enter", 9, 3),
            plain("Exit", 9, 4),
            plain("Exit", 1, 5),
            plain("Enter", 2, 6),
            wake(1, 7, false),
            plain("Exit", 2, 8),
            wake(2, 9, false),
            plain("Close", 2, 10),
            plain("Close", 9, 11),
        ];
        let (header, trace) = load(&lines).unwrap();
        let m = ExecThread::MAIN;
        let k = kinds(&trace);
        assert!(matches!(
            k[0],
            (
                0,
                EventKind::Spawn {
                    parent: TaskId::NONE,
                    ..
                }
            )
        ));
        assert_eq!(k[1], (0, EventKind::PollStart { on: m }));
        assert!(matches!(
            k[2],
            (
                1,
                EventKind::Spawn {
                    parent: TaskId(0),
                    ..
                }
            )
        ));
        assert_eq!(
            k[3],
            (
                0,
                EventKind::PollEnd {
                    result: PollResult::Pending,
                    on: m,
                    held: Held::Unknown,
                }
            )
        );
        assert_eq!(k[4], (1, EventKind::PollStart { on: m }));
        assert_eq!(
            k[5],
            (
                0,
                EventKind::Wake {
                    by: WakeSource::Task(TaskId(1))
                }
            )
        );
        assert_eq!(
            k[7],
            (
                1,
                EventKind::Wake {
                    by: WakeSource::External
                }
            )
        );
        assert!(matches!(k[8], (1, EventKind::Complete { .. })));
        assert_eq!(trace.strings.first().map(|s| &**s), Some("main"));
        assert_eq!(trace.events[1].t_ns, 1000);
        assert_eq!(header.warnings.len(), 1);
        assert!(
            header.warnings[0].contains("left out 1 resource and async-op span "),
            "{}",
            header.warnings[0]
        );
        assert!(header.warnings[0].contains("1 task not closed"));
    }

    #[test]
    fn overlapping_polls_get_their_own_threads_and_no_guessed_waker() {
        let lines = [
            spawn(1, 0, "a"),
            spawn(2, 1, "b"),
            plain("Enter", 1, 2),
            plain("Enter", 2, 3),
            wake(1, 4, false),
            plain("Exit", 1, 5),
            plain("Exit", 2, 6),
            wake(2, 7, true),
        ];
        let (header, trace) = load(&lines).unwrap();
        let k = kinds(&trace);
        assert_eq!(k[2], (0, EventKind::PollStart { on: ExecThread(0) }));
        assert_eq!(k[3], (1, EventKind::PollStart { on: ExecThread(1) }));
        assert_eq!(
            k[4],
            (
                0,
                EventKind::Wake {
                    by: WakeSource::External
                }
            )
        );
        assert_eq!(
            k[7],
            (
                1,
                EventKind::Wake {
                    by: WakeSource::SelfWake
                }
            )
        );
        assert!(header.warnings[0].contains("polls overlap"));
    }

    #[test]
    fn a_span_entered_inside_itself_is_one_poll() {
        let lines = [
            spawn(1, 0, "a"),
            plain("Enter", 1, 1),
            plain("Enter", 1, 2),
            plain("Exit", 1, 3),
            plain("Exit", 1, 4),
            plain("Close", 1, 5),
        ];
        let (_, trace) = load(&lines).unwrap();
        let polls = trace
            .events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::PollStart { .. }))
            .count();
        assert_eq!(polls, 1);
        assert_eq!(trace.events[2].t_ns, 4000);
    }

    #[test]
    fn times_that_step_back_are_held_at_the_latest() {
        let lines = [
            spawn(1, 10, "a"),
            plain("Enter", 1, 12),
            plain("Exit", 1, 11),
        ];
        let (_, trace) = load(&lines).unwrap();
        let times: Vec<u64> = trace.events.iter().map(|e| e.t_ns).collect();
        assert_eq!(times, [0, 2000, 2000]);
    }

    #[test]
    fn a_span_id_is_a_new_task_after_its_close() {
        let lines = [
            spawn(1, 0, ""),
            plain("Close", 1, 1),
            spawn(1, 2, ""),
            plain("Enter", 1, 3),
        ];
        let (_, trace) = load(&lines).unwrap();
        assert_eq!(trace.events[3].task, TaskId(1));
        assert_eq!(trace.str(Sym(0)), "task 0");
        assert_eq!(trace.str(Sym(1)), CLOSED);
    }

    #[test]
    fn order_the_recording_rules_out_is_refused_with_its_line() {
        let line = |lines: &[String]| load(lines).unwrap_err().line();
        // Exit of a task span not entered.
        assert_eq!(line(&[spawn(1, 0, "a"), plain("Exit", 1, 1)]), Some(3));
        // Spawn of a live task's id.
        assert_eq!(line(&[spawn(1, 0, "a"), spawn(1, 1, "b")]), Some(3));
        // Close while entered.
        assert_eq!(
            line(&[spawn(1, 0, "a"), plain("Enter", 1, 1), plain("Close", 1, 2)]),
            Some(4)
        );
        // A time no SystemTime has.
        let bad =
            r#"{"Enter":{"id":1,"at":{"secs_since_epoch":1,"nanos_since_epoch":1000000000}}}"#;
        assert_eq!(line(&[spawn(1, 0, "a"), bad.to_owned()]), Some(3));
        // An unknown kind of record.
        assert_eq!(line(&[spawn(1, 0, "a"), plain("Jump", 1, 1)]), Some(3));
        // No task at all: the header's line.
        assert_eq!(line(&[plain("Enter", 5, 0), plain("Exit", 5, 1)]), Some(1));
        // A newer format.
        let err = crate::tracefile::read(&b"{\"v\":2}\n"[..]).unwrap_err();
        assert_eq!(err.line(), Some(1));
        assert!(err.to_string().contains("version 2"), "{err}");
    }

    #[test]
    fn an_overlong_line_is_refused_with_its_number() {
        let text = format!("{}\n{}\n", spawn(1, 0, "a"), plain("Enter", 1, 1));
        let err = read_limited(1, b"{\"v\":1}", text.as_bytes(), 120).unwrap_err();
        assert_eq!(err.line(), Some(2), "{err}");
        assert!(err.to_string().contains("longer than 120 bytes"), "{err}");
        // At the limit exactly, with either line ending, it is read.
        let exact = plain("Enter", 1, 1);
        let text = format!("{}\r\n{exact}\n", spawn(1, 0, "a"));
        let max = spawn(1, 0, "a").len().max(exact.len());
        assert!(read_limited(1, b"{\"v\":1}", text.as_bytes(), max).is_ok());
    }

    #[test]
    fn names_fall_back_to_location_then_kind() {
        let field = |name: &str, value: Value| Field {
            name: name.to_owned(),
            value,
        };
        let t = TaskId(3);
        assert_eq!(task_name(t, &[field("task.name", "x".into())]), "x");
        assert_eq!(
            task_name(
                t,
                &[
                    field("task.name", "".into()),
                    field("loc.file", "src/main.rs".into()),
                    field("loc.line", 4.into()),
                    field("loc.col", 5.into()),
                ]
            ),
            "src/main.rs:4:5"
        );
        assert_eq!(
            task_name(t, &[field("spawn.location", "src/a.rs:1:2".into())]),
            "src/a.rs:1:2"
        );
        assert_eq!(
            task_name(t, &[field("kind", "block_on".into())]),
            "block_on"
        );
        assert_eq!(
            task_name(t, &[field("kind", "blocking".into())]),
            "blocking task 3"
        );
        assert_eq!(task_name(t, &[field("kind", "task".into())]), "task 3");
        assert_eq!(task_name(t, &[field("task.name", 7.into())]), "task 3");
    }
}
