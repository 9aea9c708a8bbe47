//! The second pass: the trace read once more, through [`Reading`], and written as it is
//! read. Each track is a queue of units; a unit is written as soon as every slice in it
//! has ended and every unit before it on its track is written, so what is kept is only
//! what is still open: the polls in progress, each task's last poll with the suspension
//! it left (on the task's row, until its next poll), and a poll's unit on its executor
//! track until the next unit there (the compiler's states recorded after a poll are the
//! poll's). The slices that hold everything on their track — a task's life, a worker
//! thread's — are written around the units, their facts from the first pass.

use super::render::Writer;
use super::threads::Threads;
use super::tracks::{Block, Tracks};
use super::unit::{
    AwaitEnd, FlowEnd, Kind, LIFE, LevelFacts, PollFacts, Shape, Slice, TURN, Tables, Track, nested,
};
use super::{EXECUTOR, PID, TASKS_PID};
use crate::trace::{
    CoroFrame, Event, EventKind, ExecThread, Fact, PollResult, Reading, TaskId, Trace, Wake,
    coro_at,
};
use std::io::{self, Write};

mod wakes;

/// A task while the trace is read.
#[derive(Debug, Default)]
struct TaskStream {
    /// Its open poll: the unit on its executor thread's track, with the await slices
    /// being polled now, outermost first.
    exec: Option<(usize, Vec<usize>)>,
    /// Its last poll's unit on its executor track, once the poll ended.
    exec_after: Option<usize>,
    /// Its last poll's unit on its row, and the suspension the poll left, until its next
    /// poll.
    row: Option<usize>,
    /// The compiler's states recorded after its last poll.
    coro: Vec<CoroFrame>,
    /// When its life ended.
    ended: Option<u64>,
}

/// The second pass.
pub(super) struct Stream<'a, 'w, W: Write> {
    trace: &'a Trace,
    tables: &'a Tables,
    tracks: Tracks<'w, W>,
    tasks: Vec<TaskStream>,
    threads: Threads,
    /// Worker threads' slices to end, by the event after which they end.
    thread_ends: Vec<(usize, usize)>,
    next_thread_end: usize,
    /// Worker threads whose slice's end is written, by slot.
    thread_ended: Vec<bool>,
}

impl<'a, 'w, W: Write> Stream<'a, 'w, W> {
    pub fn new(trace: &'a Trace, tables: &'a Tables, writer: Writer<'w, W>) -> Self {
        let mut thread_ends: Vec<(usize, usize)> = tables
            .threads
            .iter()
            .enumerate()
            .filter_map(|(slot, t)| Some((t.close_after?, slot)))
            .collect();
        thread_ends.sort_unstable();
        Stream {
            trace,
            tables,
            tracks: Tracks::new(writer),
            tasks: Vec::new(),
            threads: Threads::new(super::tables::thread_numbers(trace)),
            thread_ends,
            next_thread_end: 0,
            thread_ended: Vec::new(),
        }
    }

    /// Reads and writes the whole trace; returns the writer.
    pub fn run(mut self) -> io::Result<Writer<'w, W>> {
        let mut reading = Reading::new();
        for (seq, event) in self.trace.events.iter().enumerate() {
            let mut result = Ok(());
            // Damage is the loader's to report: the export draws what can be drawn.
            let _ = reading.step(event, |fact| {
                if result.is_ok() {
                    result = self.fact(event, fact);
                }
            });
            result?;
            self.end_threads(seq)?;
        }
        let mut result = Ok(());
        let last = self.tables.last_ns;
        // The polls still open end with the trace.
        let end = Event {
            t_ns: last,
            task: TaskId::NONE,
            kind: EventKind::PollStart {
                on: ExecThread::MAIN,
            },
        };
        reading.finish(|fact| {
            if result.is_ok() {
                result = self.fact(&end, fact);
            }
        });
        result?;
        self.finish(last)?;
        Ok(self.tracks.writer)
    }

    fn fact(&mut self, event: &Event, fact: Fact<'_>) -> io::Result<()> {
        let t = event.t_ns;
        match fact {
            Fact::Spawned { task, .. } => {
                let n = task.0 as usize;
                if self.tasks.len() <= n {
                    self.tasks.resize_with(n + 1, TaskStream::default);
                }
                let life = slice(Shape::Span, t, LIFE, Kind::Life { task: task.0 });
                self.tracks.push_block(row(task.0), Block::Begin(life))?;
            }
            Fact::PollStarted {
                task,
                on,
                wakes,
                ordinal,
                ..
            } => self.poll_start(task, on, ordinal, wakes, t)?,
            Fact::AwaitPolled {
                task,
                point,
                resumed,
                depth,
                ..
            } => {
                if let Some((unit, awaits)) = self.task_mut(task).and_then(|s| s.exec.take()) {
                    let nesting = nested(depth);
                    let kind = Kind::Await {
                        point,
                        resumed,
                        ended: AwaitEnd::Cut,
                    };
                    let mut awaits = awaits;
                    if let Some(u) = self.tracks.unit_mut(unit) {
                        awaits.push(u.push(Shape::Span, t, nesting, kind));
                    }
                    if let Some(s) = self.task_mut(task) {
                        s.exec = Some((unit, awaits));
                    }
                }
            }
            Fact::AwaitReturned {
                task,
                pending,
                depth,
                ..
            } => {
                let Some((unit, awaits)) = self.task_mut(task).and_then(|s| s.exec.as_mut()) else {
                    return Ok(());
                };
                let (unit, closed): (usize, Vec<usize>) =
                    (*unit, awaits.drain(depth.min(awaits.len())..).collect());
                if let Some(u) = self.tracks.unit_mut(unit) {
                    for &slice in &closed {
                        u.end(slice, t);
                    }
                    if let Some(Slice {
                        kind: Kind::Await { ended, .. },
                        ..
                    }) = closed.first().and_then(|&i| u.slices.get_mut(i))
                    {
                        *ended = if pending {
                            AwaitEnd::Pending
                        } else {
                            AwaitEnd::Ready
                        };
                    }
                }
            }
            Fact::PollEnded {
                task,
                result,
                suspension,
                ..
            } => {
                let levels = suspension.levels.clone();
                self.poll_end(task, result, levels, t)?;
            }
            Fact::CoroRecorded { task, .. } => {
                let Some(s) = self.task_mut(task) else {
                    return Ok(());
                };
                CoroFrame::apply(&mut s.coro, &event.kind);
                let coro = s.coro.clone();
                let units = [s.exec_after, s.row];
                for unit in units.into_iter().flatten() {
                    let Some(u) = self.tracks.unit_mut(unit) else {
                        continue;
                    };
                    if !u.done
                        && let Some(facts) = u.polls.first_mut()
                    {
                        facts.coro.clone_from(&coro);
                    }
                }
            }
            Fact::Woken { task, wake, .. } => self.wake(task, wake, t)?,
            Fact::Said { task, text } => {
                let kind = Kind::Say {
                    task: task.map(|t| t.0),
                    text,
                };
                let track = self.exec_track_of(task);
                self.tracks.instant(track, t, kind)?;
            }
            Fact::Completed { task, .. } => self.end_life(task, t)?,
            // A Python resume's input and yielded value are the poll's details, shown by
            // the app and the JSON Lines; the export's slices say the same without them.
            Fact::Resumed { .. } | Fact::Yielded { .. } | Fact::Refused { .. } => {}
            Fact::Panicked { task, message } => {
                let track = self.exec_track_of(Some(task));
                let kind = Kind::Panic {
                    task: task.0,
                    message,
                };
                self.tracks.instant(track, t, kind)?;
                self.end_life(task, t)?;
            }
            Fact::ThreadStarted { thread, .. } => {
                let name = match event.kind {
                    EventKind::ThreadSpawn { name, .. } => name,
                    _ => return Ok(()),
                };
                if let Some((slot, ended)) = self.threads.spawn(thread.0, name, t) {
                    // The same number twice is damage: the first thread's slice ends here.
                    if let Some(old) = ended {
                        self.end_thread(old)?;
                    }
                    let root = slice(Shape::Span, t, TURN, Kind::Thread { slot });
                    self.tracks
                        .push_block(Threads::track(thread.0), Block::Begin(root))?;
                }
            }
            Fact::ThreadFinished { thread, .. } => {
                self.threads.finish(thread.0, t);
            }
            Fact::ThreadJoined { thread, task } => {
                let kind = Kind::Join {
                    task,
                    thread: thread.0,
                };
                let track = self.exec_track_of(Some(task));
                self.tracks.instant(track, t, kind)?;
            }
        }
        Ok(())
    }

    fn task_mut(&mut self, task: TaskId) -> Option<&mut TaskStream> {
        self.tasks.get_mut(task.get()? as usize)
    }

    /// The executor track a task's poll runs on (its last one's), else the main one's.
    fn exec_track_of(&self, task: Option<TaskId>) -> Track {
        let unit = task
            .and_then(|t| self.tasks.get(t.get()? as usize))
            .and_then(|s| s.exec.as_ref().map(|(u, _)| *u).or(s.exec_after));
        unit.and_then(|u| self.tracks.unit(u).map(|u| u.track))
            .unwrap_or(EXECUTOR)
    }

    /// Ends the worker threads' slices that nothing comes after `seq`.
    fn end_threads(&mut self, seq: usize) -> io::Result<()> {
        while let Some(&(after, slot)) = self.thread_ends.get(self.next_thread_end) {
            if after > seq {
                break;
            }
            self.next_thread_end += 1;
            self.end_thread(slot)?;
        }
        Ok(())
    }

    fn end_thread(&mut self, slot: usize) -> io::Result<()> {
        if self.thread_ended.len() <= slot {
            self.thread_ended.resize(slot + 1, false);
        }
        if std::mem::replace(&mut self.thread_ended[slot], true) {
            return Ok(());
        }
        let Some(facts) = self.tables.threads.get(slot) else {
            return Ok(());
        };
        let mut root = slice(Shape::Span, facts.start, TURN, Kind::Thread { slot });
        root.end = facts.end;
        self.tracks
            .push_block(Threads::track(facts.no), Block::End(root))
    }

    fn poll_start(
        &mut self,
        task: TaskId,
        on: ExecThread,
        ordinal: u32,
        wakes: &[Wake],
        t: u64,
    ) -> io::Result<()> {
        let Some(n) = task.get() else {
            return Ok(());
        };
        self.close_after(task, t)?;
        let facts = PollFacts {
            ordinal,
            result: None,
            coro: Vec::new(),
        };
        let exec_track = Track {
            pid: PID,
            tid: u64::from(on.0),
        };
        let exec = self.tracks.new_unit(exec_track)?;
        let row_unit = self.tracks.new_unit(row(n))?;
        for (unit, on_row) in [(exec, false), (row_unit, true)] {
            let Some(u) = self.tracks.unit_mut(unit) else {
                continue;
            };
            u.polls.push(facts.clone());
            let kind = Kind::Poll {
                task: n,
                poll: 0,
                row: on_row,
            };
            u.push(Shape::Span, t, TURN, kind);
            u.open = true;
        }
        if let Some(u) = self.tracks.unit_mut(exec) {
            u.ends
                .extend(wakes.iter().map(|w| FlowEnd { id: w.seq, to: 0 }));
        }
        if let Some(s) = self.task_mut(task) {
            s.exec = Some((exec, Vec::new()));
            s.row = Some(row_unit);
        }
        Ok(())
    }

    /// Ends the poll's slices; a pending poll opens the task's suspension on its row, with
    /// a level per depth of the chain it left.
    fn poll_end(
        &mut self,
        task: TaskId,
        result: Option<PollResult>,
        levels: Vec<Vec<crate::trace::PointId>>,
        t: u64,
    ) -> io::Result<()> {
        let Some(n) = task.get() else {
            return Ok(());
        };
        let Some(s) = self.tasks.get_mut(n as usize) else {
            return Ok(());
        };
        let exec = s.exec.take();
        let row_unit = s.row;
        s.coro.clear();
        if let Some((unit, awaits)) = exec {
            if let Some(u) = self.tracks.unit_mut(unit) {
                for slice in awaits {
                    u.end(slice, t);
                }
                u.end(0, t);
                u.open = false;
                u.after = true;
                if let Some(facts) = u.polls.first_mut() {
                    facts.result = result;
                }
            }
            if let Some(s) = self.task_mut(task) {
                s.exec_after = Some(unit);
            }
        }
        let Some(u) = row_unit.and_then(|unit| self.tracks.unit_mut(unit)) else {
            return Ok(());
        };
        u.end(0, t);
        u.open = false;
        if let Some(facts) = u.polls.first_mut() {
            facts.result = result;
        }
        if result == Some(PollResult::Pending) {
            u.suspensions.push(Vec::new());
            let kind = Kind::Suspended {
                task: n,
                suspension: 0,
            };
            u.push(Shape::Span, t, TURN, kind);
            for (depth, points) in levels.into_iter().enumerate() {
                let level = u.levels.len();
                u.levels.push(LevelFacts {
                    depth,
                    points,
                    coro: None,
                });
                let nesting = nested(depth);
                u.push(Shape::Span, t, nesting, Kind::Level { level });
            }
        }
        Ok(())
    }

    /// Closes what follows task `n`'s last poll at `t`: its suspension ends, and the
    /// compiler's states recorded after the poll name the futures suspended at each level
    /// (or, with no `.at(..)` points, are the levels).
    fn close_after(&mut self, task: TaskId, t: u64) -> io::Result<()> {
        let Some(s) = self.task_mut(task) else {
            return Ok(());
        };
        let exec_after = s.exec_after.take();
        let row_unit = s.row.take();
        let coro = s.coro.clone();
        if let Some(unit) = exec_after
            && self.tracks.unit(unit).is_some_and(|u| u.after)
        {
            self.tracks.done(unit)?;
        }
        let Some(unit) = row_unit else {
            return Ok(());
        };
        let trace = self.trace;
        if let Some(u) = self.tracks.unit_mut(unit) {
            // The suspension is the slice after the poll's, the levels after it.
            if let Some(start) = u.slices.get(1).map(|s| s.start) {
                for i in 1..u.slices.len() {
                    u.end(i, t);
                }
                if u.levels.is_empty() {
                    for (depth, frame) in coro.into_iter().enumerate() {
                        let level = u.levels.len();
                        u.levels.push(LevelFacts {
                            depth,
                            points: Vec::new(),
                            coro: Some((depth, frame)),
                        });
                        let nesting = nested(depth);
                        let i = u.push(Shape::Span, start, nesting, Kind::Level { level });
                        u.end(i, t);
                    }
                } else {
                    for level in &mut u.levels {
                        level.coro = coro_at(trace, &coro, &level.points);
                    }
                }
            }
        }
        self.tracks.done(unit)
    }

    fn end_life(&mut self, task: TaskId, t: u64) -> io::Result<()> {
        let Some(s) = self.task_mut(task) else {
            return Ok(());
        };
        // A life ends once; a second ending is damage.
        if s.ended.is_some() {
            return Ok(());
        }
        s.ended = Some(t);
        if let Some(u) = s.row.and_then(|unit| self.tracks.unit_mut(unit)) {
            u.cap = Some(t);
        }
        let mut life = slice(Shape::Span, t, LIFE, Kind::Life { task: task.0 });
        life.end = t;
        self.tracks.push_block(row(task.0), Block::End(life))
    }

    /// Closes what the trace left open at its last event: suspensions, unfinished tasks
    /// and running threads; then writes everything.
    fn finish(&mut self, last: u64) -> io::Result<()> {
        for n in 0..self.tasks.len() {
            let task = TaskId(n as u32);
            let ended = self.tasks[n].ended;
            self.close_after(task, ended.unwrap_or(last))?;
            if ended.is_none() {
                self.end_life(task, last)?;
            }
        }
        let open: Vec<usize> = self
            .tables
            .threads
            .iter()
            .enumerate()
            .filter(|(_, t)| t.close_after.is_none())
            .map(|(slot, _)| slot)
            .collect();
        for slot in open {
            self.end_thread(slot)?;
        }
        self.tracks.flush_all()?;
        Ok(())
    }
}

/// The row of task `n`.
fn row(n: u32) -> Track {
    Track {
        pid: TASKS_PID,
        tid: u64::from(n),
    }
}

fn slice(shape: Shape, t: u64, level: u32, kind: Kind) -> Slice {
    Slice {
        shape,
        start: t,
        end: t,
        level,
        kind,
    }
}
