//! One walk over the trace's events, turning them into the export's [`Model`].
//!
//! The walk trusts nothing: events about tasks no `spawn` names, polls that never end,
//! threads that never started are skipped or closed at the last event, and every table is
//! sized by the event count at most.

use super::chain::{self, Frame};
use super::model::{
    AwaitEnd, Flow, Kind, LevelFacts, Model, PollFacts, Shape, Slice, TaskEnd, TaskFacts,
    ThreadEnd, Track,
};
use super::threads::Threads;
use super::{EXECUTOR, TASKS_PID};
use crate::trace::{CoroFrame, Event, EventKind, PointId, PollResult, TaskId, Trace, WakeSource};

/// Levels of the slices on one track: outer first when two cover the same interval.
const LIFE: u32 = 0;
const TURN: u32 = 1;
const NESTED: u32 = 2;
const MOMENT: u32 = u32::MAX;

/// Builds the model of `trace`.
pub(super) fn build(trace: &Trace) -> Model {
    let mut builder = Builder::new(trace);
    for (seq, event) in trace.events.iter().enumerate() {
        builder.apply(seq, event);
    }
    builder.finish()
}

/// A task while the trace is walked.
#[derive(Debug, Default)]
struct TaskState {
    life: Option<usize>,
    ended_at: Option<u64>,
    polls: u32,
    /// Sequence number of its last `poll_start`: a wake after it causes no poll.
    last_poll: Option<usize>,
    poll: Option<OpenPoll>,
    after: Option<After>,
    /// Wakes waiting for the task's next poll.
    wakes: Vec<(usize, usize, u64)>,
}

#[derive(Debug)]
struct OpenPoll {
    facts: usize,
    exec: usize,
    row: usize,
    /// Every instrumented future polled so far, with its slice.
    frames: Vec<(Frame, usize)>,
    /// Indexes into `frames` of those being polled right now, outermost first.
    open: Vec<usize>,
}

/// From a poll's end to the task's next poll: the coroutine states recorded after the poll
/// belong to it, and a pending poll's suspension is open.
#[derive(Debug)]
struct After {
    facts: usize,
    suspension: Option<Suspension>,
}

#[derive(Debug)]
struct Suspension {
    slice: usize,
    /// Its index in the model's suspensions (who woke it).
    index: usize,
    levels: Vec<usize>,
}

struct Builder<'a> {
    trace: &'a Trace,
    model: Model,
    tasks: Vec<TaskState>,
    /// The task whose poll is open: the executor runs one at a time.
    running: Option<u32>,
    threads: Threads,
    last_ns: u64,
}

impl<'a> Builder<'a> {
    fn new(trace: &'a Trace) -> Self {
        // There cannot be more tasks or threads than events: a larger number is damage,
        // and sizing tables by it could exhaust memory.
        let limit = trace.events.len();
        let mut model = Model::default();
        let mut tasks: Vec<TaskState> = Vec::new();
        let mut thread_numbers = 0;
        for (seq, event) in trace.events.iter().enumerate() {
            match event.kind {
                EventKind::Spawn { name, parent } => {
                    let Some(n) = event.task.get().map(|n| n as usize).filter(|&n| n < limit)
                    else {
                        continue;
                    };
                    if model.tasks.len() <= n {
                        model.tasks.resize(n + 1, None);
                        tasks.resize_with(n + 1, TaskState::default);
                    }
                    if let Some(slot @ None) = model.tasks.get_mut(n) {
                        *slot = Some(TaskFacts {
                            name,
                            parent,
                            end: None,
                        });
                    }
                }
                EventKind::PollStart { .. } => {
                    let task = event.task.get().and_then(|n| tasks.get_mut(n as usize));
                    if let Some(task) = task {
                        task.last_poll = Some(seq);
                    }
                }
                EventKind::ThreadSpawn { thread, .. } if (thread.0 as usize) < limit => {
                    thread_numbers = thread_numbers.max(thread.0 as usize + 1);
                }
                _ => {}
            }
        }
        Builder {
            trace,
            model,
            tasks,
            running: None,
            threads: Threads::new(thread_numbers),
            last_ns: 0,
        }
    }

    /// The number of a task some `spawn` names.
    fn spawned(&self, task: TaskId) -> Option<u32> {
        task.get().filter(|&n| self.model.task(n).is_some())
    }

    fn row(task: u32) -> Track {
        Track {
            pid: TASKS_PID,
            tid: u64::from(task),
        }
    }

    fn span(&mut self, track: Track, t: u64, level: u32, kind: Kind) -> usize {
        self.push(track, Shape::Span, t, level, kind)
    }

    fn instant(&mut self, track: Track, t: u64, kind: Kind) -> usize {
        self.push(track, Shape::Instant, t, MOMENT, kind)
    }

    fn push(&mut self, track: Track, shape: Shape, t: u64, level: u32, kind: Kind) -> usize {
        self.model.slices.push(Slice {
            track,
            shape,
            start: t,
            end: t,
            level,
            kind,
        });
        self.model.slices.len() - 1
    }

    fn end_slice(&mut self, slice: usize, t: u64) {
        if let Some(s) = self.model.slices.get_mut(slice) {
            s.end = t;
        }
    }

    fn apply(&mut self, seq: usize, event: &Event) {
        let t = event.t_ns;
        self.last_ns = self.last_ns.max(t);
        let task = self.spawned(event.task);
        match event.kind {
            EventKind::Spawn { .. } => {
                if let Some(n) = task {
                    self.spawn(n, t);
                }
            }
            EventKind::PollStart { .. } => {
                if let Some(n) = task {
                    self.poll_start(n, t);
                }
            }
            EventKind::PollEnd { result, .. } => {
                if let Some(n) = task {
                    self.poll_end(n, t, Some(result));
                }
            }
            EventKind::AwaitEnter { point } => self.enter(task, point, false, t),
            EventKind::Resume { point } => self.enter(task, point, true, t),
            EventKind::Suspend { point } => self.leave(task, point, AwaitEnd::Pending, t),
            EventKind::AwaitExit { point } => self.leave(task, point, AwaitEnd::Ready, t),
            EventKind::Wake { by } => self.wake(seq, event.task, by, t),
            EventKind::Say { text } => {
                let kind = Kind::Say {
                    task: event.task.get(),
                    text,
                };
                self.instant(EXECUTOR, t, kind);
            }
            EventKind::Complete { value } => self.end_life(task, t, TaskEnd::Value(value)),
            EventKind::Panic { message } => {
                if let Some(n) = task {
                    self.instant(EXECUTOR, t, Kind::Panic { task: n, message });
                }
                self.end_life(task, t, TaskEnd::Panic(message));
            }
            EventKind::ThreadSpawn { thread, name } => {
                self.threads
                    .spawn(&mut self.model, thread.0, name, event.task, t);
            }
            EventKind::ThreadFinish {
                thread,
                outcome,
                duration_us,
                result,
            } => {
                let end = ThreadEnd {
                    outcome,
                    duration_us,
                    result,
                };
                self.threads.finish(&mut self.model, thread.0, end, t);
            }
            EventKind::ThreadJoin { thread } => {
                let kind = Kind::Join {
                    task: event.task,
                    thread: thread.0,
                };
                self.instant(EXECUTOR, t, kind);
            }
            EventKind::CoroState { .. } | EventKind::CoroLocals { .. } => {
                if let Some(coro) = self.coro_after_poll(task) {
                    CoroFrame::apply(coro, &event.kind);
                }
            }
        }
    }

    fn spawn(&mut self, n: u32, t: u64) {
        let fresh = self.tasks.get(n as usize).is_some_and(|s| s.life.is_none());
        if fresh {
            let life = self.span(Self::row(n), t, LIFE, Kind::Life { task: n });
            if let Some(state) = self.tasks.get_mut(n as usize) {
                state.life = Some(life);
            }
        }
    }

    fn poll_start(&mut self, n: u32, t: u64) {
        if let Some(running) = self.running {
            self.poll_end(running, t, None);
        }
        self.close_after(n, t);
        let Some(state) = self.tasks.get_mut(n as usize) else {
            return;
        };
        state.polls += 1;
        let ordinal = state.polls;
        let wakes = std::mem::take(&mut state.wakes);
        let facts = self.model.polls.len();
        self.model.polls.push(PollFacts {
            ordinal,
            result: None,
            coro: Vec::new(),
        });
        let exec = self.span(
            EXECUTOR,
            t,
            TURN,
            Kind::Poll {
                task: n,
                poll: facts,
                row: false,
            },
        );
        let row = self.span(
            Self::row(n),
            t,
            TURN,
            Kind::Poll {
                task: n,
                poll: facts,
                row: true,
            },
        );
        self.model
            .flows
            .extend(wakes.into_iter().map(|(id, host, at)| Flow {
                id,
                from: (host, at),
                to: exec,
            }));
        if let Some(state) = self.tasks.get_mut(n as usize) {
            state.poll = Some(OpenPoll {
                facts,
                exec,
                row,
                frames: Vec::new(),
                open: Vec::new(),
            });
        }
        self.running = Some(n);
    }

    /// Ends task `n`'s poll at `t`; `result` is `None` when the trace never said.
    fn poll_end(&mut self, n: u32, t: u64, result: Option<PollResult>) {
        let Some(poll) = self
            .tasks
            .get_mut(n as usize)
            .and_then(|state| state.poll.take())
        else {
            return;
        };
        if self.running == Some(n) {
            self.running = None;
        }
        for &i in &poll.open {
            if let Some(&(_, slice)) = poll.frames.get(i) {
                self.end_slice(slice, t);
            }
        }
        self.end_slice(poll.exec, t);
        self.end_slice(poll.row, t);
        if let Some(facts) = self.model.polls.get_mut(poll.facts) {
            facts.result = result;
        }
        let suspension = (result == Some(PollResult::Pending)).then(|| {
            let frames: Vec<Frame> = poll.frames.iter().map(|&(f, _)| f).collect();
            self.suspend(n, &frames, t)
        });
        if let Some(state) = self.tasks.get_mut(n as usize) {
            state.after = Some(After {
                facts: poll.facts,
                suspension,
            });
        }
    }

    fn suspend(&mut self, n: u32, frames: &[Frame], t: u64) -> Suspension {
        let index = self.model.suspensions.len();
        self.model.suspensions.push(Vec::new());
        let kind = Kind::Suspended {
            task: n,
            suspension: index,
        };
        let slice = self.span(Self::row(n), t, TURN, kind);
        let levels = chain::suspended_levels(frames)
            .into_iter()
            .enumerate()
            .map(|(depth, points)| self.level(n, t, depth, points, None))
            .collect();
        Suspension {
            slice,
            index,
            levels,
        }
    }

    fn level(
        &mut self,
        n: u32,
        t: u64,
        depth: usize,
        points: Vec<PointId>,
        coro: Option<(usize, CoroFrame)>,
    ) -> usize {
        let level = self.model.levels.len();
        self.model.levels.push(LevelFacts {
            depth,
            points,
            coro,
        });
        let nesting = NESTED.saturating_add(u32::try_from(depth).unwrap_or(u32::MAX));
        self.span(Self::row(n), t, nesting, Kind::Level { level })
    }

    /// Closes what follows task `n`'s last poll at `t`: its suspension ends, and the
    /// coroutine states recorded after the poll name the futures suspended at each level
    /// (or, with no `.at(..)` points, are the levels).
    fn close_after(&mut self, n: u32, t: u64) {
        let Some(after) = self
            .tasks
            .get_mut(n as usize)
            .and_then(|state| state.after.take())
        else {
            return;
        };
        let Some(suspension) = after.suspension else {
            return;
        };
        let coro = self
            .model
            .polls
            .get(after.facts)
            .map(|p| p.coro.clone())
            .unwrap_or_default();
        let start = self
            .model
            .slices
            .get(suspension.slice)
            .map_or(t, |s| s.start);
        self.end_slice(suspension.slice, t);
        if suspension.levels.is_empty() {
            for (depth, frame) in coro.into_iter().enumerate() {
                let slice = self.level(n, start, depth, Vec::new(), Some((depth, frame)));
                self.end_slice(slice, t);
            }
            return;
        }
        for slice in suspension.levels {
            self.end_slice(slice, t);
            let level = match self.model.slices.get(slice).map(|s| s.kind) {
                Some(Kind::Level { level }) => level,
                _ => continue,
            };
            if let Some(facts) = self.model.levels.get_mut(level) {
                facts.coro = chain::coro_at(self.trace, &coro, &facts.points);
            }
        }
    }

    fn coro_after_poll(&mut self, task: Option<u32>) -> Option<&mut Vec<CoroFrame>> {
        let state = self.tasks.get(task? as usize)?;
        let facts = state.after.as_ref()?.facts;
        self.model.polls.get_mut(facts).map(|p| &mut p.coro)
    }

    fn enter(&mut self, task: Option<u32>, point: PointId, resumed: bool, t: u64) {
        let Some(n) = task else { return };
        let Some(poll) = self.tasks.get(n as usize).and_then(|s| s.poll.as_ref()) else {
            return;
        };
        let parent = poll.open.last().copied();
        let depth = u32::try_from(poll.open.len()).unwrap_or(u32::MAX);
        let kind = Kind::Await {
            point,
            resumed,
            ended: AwaitEnd::Cut,
        };
        let slice = self.span(EXECUTOR, t, NESTED.saturating_add(depth), kind);
        if let Some(poll) = self.tasks.get_mut(n as usize).and_then(|s| s.poll.as_mut()) {
            let frame = Frame {
                point,
                parent,
                suspended: false,
            };
            poll.open.push(poll.frames.len());
            poll.frames.push((frame, slice));
        }
    }

    fn leave(&mut self, task: Option<u32>, point: PointId, how: AwaitEnd, t: u64) {
        let Some(n) = task else { return };
        let Some(poll) = self.tasks.get_mut(n as usize).and_then(|s| s.poll.as_mut()) else {
            return;
        };
        let Some(pos) = poll
            .open
            .iter()
            .rposition(|&i| poll.frames.get(i).is_some_and(|(f, _)| f.point == point))
        else {
            return;
        };
        // Frames inside it that never said how they ended end with it.
        let closed: Vec<usize> = poll.open.drain(pos..).collect();
        let mut slices = Vec::with_capacity(closed.len());
        for &i in &closed {
            if let Some((_, slice)) = poll.frames.get(i) {
                slices.push(*slice);
            }
        }
        if let Some((frame, _)) = closed.first().and_then(|&i| poll.frames.get_mut(i)) {
            frame.suspended = how == AwaitEnd::Pending;
        }
        for &slice in &slices {
            self.end_slice(slice, t);
        }
        if let Some(&first) = slices.first()
            && let Some(Slice {
                kind: Kind::Await { ended, .. },
                ..
            }) = self.model.slices.get_mut(first)
        {
            *ended = how;
        }
    }

    fn wake(&mut self, seq: usize, task: TaskId, by: WakeSource, t: u64) {
        let running = self
            .running
            .and_then(|r| self.tasks.get(r as usize))
            .and_then(|s| s.poll.as_ref())
            .map(|p| p.exec);
        let (track, host) = match by {
            WakeSource::Thread(name) => match self.threads.waker(name, t) {
                Some(slice) => (self.model.slices.get(slice).map(|s| s.track), Some(slice)),
                None => (Some(self.threads.foreign(&mut self.model, name)), None),
            },
            WakeSource::SelfWake | WakeSource::Task(_) | WakeSource::External => {
                (Some(EXECUTOR), running)
            }
        };
        let track = track.unwrap_or(EXECUTOR);
        let kind = Kind::Wake { task, by };
        let host = match host {
            Some(host) => {
                self.instant(track, t, kind);
                host
            }
            // Nothing encloses the wake on its track: it gets a slice of its own, so its
            // arrow has somewhere to start.
            None => self.span(track, t, TURN, kind),
        };
        let Some(n) = self.spawned(task) else { return };
        let Some(state) = self.tasks.get_mut(n as usize) else {
            return;
        };
        if state.last_poll.is_some_and(|p| p > seq) {
            state.wakes.push((seq, host, t));
        }
        let suspension = state
            .after
            .as_ref()
            .and_then(|a| a.suspension.as_ref())
            .map(|s| s.index);
        if let Some(woken) = suspension.and_then(|i| self.model.suspensions.get_mut(i)) {
            woken.push(by);
        }
    }

    fn end_life(&mut self, task: Option<u32>, t: u64, end: TaskEnd) {
        let Some(n) = task else { return };
        let Some(state) = self.tasks.get_mut(n as usize) else {
            return;
        };
        // A life ends once; a second ending is damage.
        if state.ended_at.is_some() {
            return;
        }
        state.ended_at = Some(t);
        let life = state.life;
        if let Some(life) = life {
            self.end_slice(life, t);
        }
        if let Some(Some(facts)) = self.model.tasks.get_mut(n as usize) {
            facts.end = Some(end);
        }
    }

    /// Closes what the trace left open at its last event: a poll in progress, suspensions,
    /// unfinished tasks and running threads.
    fn finish(mut self) -> Model {
        let last = self.last_ns;
        if let Some(running) = self.running {
            self.poll_end(running, last, None);
        }
        for n in 0..self.tasks.len() {
            let Some(state) = self.tasks.get(n) else {
                continue;
            };
            let (ended_at, life) = (state.ended_at, state.life);
            let n = n as u32;
            self.close_after(n, ended_at.unwrap_or(last));
            if ended_at.is_none()
                && let Some(life) = life
            {
                self.end_slice(life, last);
            }
        }
        self.threads.close(&mut self.model, last);
        self.model
    }
}
