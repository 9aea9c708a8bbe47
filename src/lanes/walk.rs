//! The walk over the events that builds and extends the lanes.

use super::{Arrow, BLOCKING_NS, Lane, LaneKind, Lanes, Span, SpanKind};
use crate::trace::{Event, EventKind, PointId, PollResult, Sym, TaskId, Trace, WakeSource};
use rustc_hash::FxHashMap as HashMap;

/// No lane.
const NONE: u32 = u32::MAX;

/// Where the walk is: enough to carry on with the next event.
#[derive(Clone, Debug, Default)]
pub(super) struct Walk {
    /// Events walked so far.
    seen: usize,
    /// The last event walked: a trace whose event at that index differs is another trace.
    last: Option<Event>,
    /// Task number to lane. Numbers are capped by the event count (a task's spawn is at
    /// least its number of events in), so a damaged number cannot size this table.
    task_lanes: Vec<u32>,
    /// Thread number to lane, capped the same way.
    thread_lanes: Vec<u32>,
    /// Worker thread lanes by name: threads can share a name.
    by_name: HashMap<Sym, Vec<usize>>,
    /// Lanes of threads pollscope did not start, by name.
    outside: HashMap<Sym, usize>,
    /// Per lane, in step with the lanes.
    lanes: Vec<LaneWalk>,
    /// The lane whose poll is open: the executor polls one task at a time.
    running: Option<usize>,
    /// The instrumented futures being polled in the open poll, innermost last, each with
    /// how many suspensions had been recorded when it was entered.
    frames: Vec<(PointId, usize)>,
    /// The points that returned `Pending` in the open poll, innermost first.
    suspended: Vec<PointId>,
}

/// One lane while the walk goes on.
#[derive(Clone, Copy, Debug, Default)]
struct LaneWalk {
    /// Its open span, as an index into its spans.
    open: Option<usize>,
    /// A task woken during its own poll goes back to the queue, not to sleep.
    woken: bool,
    /// The task completed or panicked: nothing opens again.
    done: bool,
    polls: u32,
    /// The suspension its last poll left, which the compiler's states recorded after the
    /// poll may label.
    after_poll: Option<usize>,
    /// A thread's last start or finish: a wake by a shared name is the most recent one's.
    active_ns: u64,
}

impl Walk {
    pub(super) fn seen(&self) -> usize {
        self.seen
    }

    pub(super) fn task_lane(&self, task: TaskId) -> Option<usize> {
        lane_of(&self.task_lanes, task.0)
    }

    /// True if `trace` is the trace walked so far, possibly longer.
    pub(super) fn continues(&self, trace: &Trace) -> bool {
        match self.seen.checked_sub(1) {
            None => true,
            Some(last) => trace.events.get(last) == self.last.as_ref(),
        }
    }

    /// Walks the events of `trace` that `lanes` has not seen.
    pub(super) fn extend(lanes: &mut Lanes, trace: &Trace) {
        let mut walk = std::mem::take(&mut lanes.walk);
        let from = walk.seen;
        let mut out = Out {
            lanes: &mut lanes.lanes,
            arrows: &mut lanes.arrows,
        };
        for (seq, event) in trace.events.iter().enumerate().skip(from) {
            if seq == 0 {
                lanes.start_ns = event.t_ns;
            }
            lanes.end_ns = lanes.end_ns.max(event.t_ns);
            walk.apply(&mut out, trace, seq, event);
        }
        walk.seen = walk.seen.max(trace.events.len());
        walk.last = walk
            .seen
            .checked_sub(1)
            .and_then(|i| trace.events.get(i).copied());
        walk.stretch_open(&mut out, lanes.end_ns);
        lanes.walk = walk;
    }

    fn apply(&mut self, out: &mut Out<'_>, trace: &Trace, seq: usize, event: &Event) {
        let t = event.t_ns;
        // A number above the events walked so far is damage (see `task_lanes`).
        let limit = seq + 1;
        match event.kind {
            EventKind::Spawn { name, parent } => {
                let Some(n) = event.task.get().filter(|&n| (n as usize) < limit) else {
                    return;
                };
                if self.task_lane(event.task).is_some() {
                    return;
                }
                let parent = parent.get().and_then(|p| lane_of(&self.task_lanes, p));
                let lane = self.new_lane(out, LaneKind::Task(event.task), trace.str(name), parent);
                set_lane(&mut self.task_lanes, n as usize, lane);
                self.open(out, lane, t, seq, SpanKind::Queued);
            }
            EventKind::PollStart { .. } => {
                if let Some(lane) = self.task_lane(event.task) {
                    self.poll_start(out, lane, t, seq);
                }
            }
            EventKind::PollEnd { result, .. } => {
                let lane = self.task_lane(event.task);
                if lane.is_some() && lane == self.running {
                    self.poll_end(out, t, seq, Some(result));
                }
            }
            EventKind::AwaitEnter { point } | EventKind::Resume { point } => {
                if self.is_running(event.task) {
                    self.frames.push((point, self.suspended.len()));
                }
            }
            EventKind::Suspend { point } => {
                if self.is_running(event.task) {
                    if let Some(pos) = self.frames.iter().rposition(|&(p, _)| p == point) {
                        self.frames.truncate(pos);
                    }
                    self.suspended.push(point);
                }
            }
            EventKind::AwaitExit { point } => {
                // A future that finished drops whatever suspended inside it (a race's
                // loser): the task is not waiting there.
                if self.is_running(event.task)
                    && let Some(pos) = self.frames.iter().rposition(|&(p, _)| p == point)
                {
                    let mark = self.frames.get(pos).map_or(0, |&(_, mark)| mark);
                    self.frames.truncate(pos);
                    self.suspended.truncate(mark);
                }
            }
            EventKind::Wake { by } => self.wake(out, trace, event.task, by, (t, seq)),
            EventKind::Complete { .. } | EventKind::Panic { .. } => {
                if let Some(lane) = self.task_lane(event.task) {
                    if self.running != Some(lane) {
                        self.close(out, lane, t);
                    }
                    if let Some(w) = self.lanes.get_mut(lane) {
                        w.done = true;
                    }
                }
            }
            EventKind::ThreadSpawn { thread, name } => {
                let no = thread.0 as usize;
                if no >= limit {
                    return;
                }
                let lane = match lane_of(&self.thread_lanes, thread.0) {
                    // The same number twice is damage: the first life ends here.
                    Some(lane) => {
                        self.close(out, lane, t);
                        lane
                    }
                    None => {
                        let parent = self.task_lane(event.task);
                        let lane =
                            self.new_lane(out, LaneKind::Thread(thread), trace.str(name), parent);
                        set_lane(&mut self.thread_lanes, no, lane);
                        lane
                    }
                };
                let named = self.by_name.entry(name).or_default();
                if !named.contains(&lane) {
                    named.push(lane);
                }
                if let Some(w) = self.lanes.get_mut(lane) {
                    w.active_ns = t;
                }
                self.open(out, lane, t, seq, SpanKind::Alive { finish: None });
            }
            EventKind::ThreadFinish { thread, .. } => {
                let Some(lane) = lane_of(&self.thread_lanes, thread.0) else {
                    return;
                };
                if let Some(span) = self.open_span(out, lane) {
                    span.kind = SpanKind::Alive { finish: Some(seq) };
                }
                self.close(out, lane, t);
                if let Some(w) = self.lanes.get_mut(lane) {
                    w.active_ns = t;
                }
            }
            EventKind::CoroState { future, state, .. } => {
                // The executor records the states outermost first: the last one recorded
                // is the innermost future's.
                let Some(lane) = self.task_lane(event.task) else {
                    return;
                };
                let Some(i) = self.lanes.get(lane).and_then(|w| w.after_poll) else {
                    return;
                };
                let span = out.lanes.get_mut(lane).and_then(|l| l.spans.get_mut(i));
                if let Some(Span {
                    kind: SpanKind::Suspended { point, future: f },
                    ..
                }) = span
                    && (point.is_none() || f.is_some())
                {
                    *point = Some(state);
                    *f = Some(future);
                }
            }
            EventKind::ThreadJoin { .. } | EventKind::Say { .. } | EventKind::CoroLocals { .. } => {
            }
        }
    }

    fn is_running(&self, task: TaskId) -> bool {
        self.running.is_some() && self.task_lane(task) == self.running
    }

    fn new_lane(
        &mut self,
        out: &mut Out<'_>,
        kind: LaneKind,
        name: &str,
        parent: Option<usize>,
    ) -> usize {
        out.lanes.push(Lane {
            kind,
            name: name.to_owned(),
            parent,
            spans: Vec::new(),
        });
        self.lanes.push(LaneWalk::default());
        out.lanes.len() - 1
    }

    fn open(&mut self, out: &mut Out<'_>, lane: usize, t: u64, seq: usize, kind: SpanKind) {
        let (Some(l), Some(w)) = (out.lanes.get_mut(lane), self.lanes.get_mut(lane)) else {
            return;
        };
        w.open = Some(l.spans.len());
        l.spans.push(Span {
            start_ns: t,
            end_ns: t,
            event: seq,
            open: true,
            kind,
        });
    }

    fn open_span<'o>(&self, out: &'o mut Out<'_>, lane: usize) -> Option<&'o mut Span> {
        let i = self.lanes.get(lane)?.open?;
        out.lanes.get_mut(lane)?.spans.get_mut(i)
    }

    /// Ends the lane's open span at `t`; returns what it was.
    fn close(&mut self, out: &mut Out<'_>, lane: usize, t: u64) -> Option<SpanKind> {
        let span = self.open_span(out, lane)?;
        span.end_ns = t.max(span.start_ns);
        span.open = false;
        if let SpanKind::Poll { blocking, .. } = &mut span.kind {
            *blocking = span.end_ns - span.start_ns >= BLOCKING_NS;
        }
        let kind = span.kind;
        if let Some(w) = self.lanes.get_mut(lane) {
            w.open = None;
        }
        Some(kind)
    }

    fn poll_start(&mut self, out: &mut Out<'_>, lane: usize, t: u64, seq: usize) {
        // A poll that never ended is damage: it ends where the next one starts.
        if self.running.is_some() {
            self.poll_end(out, t, seq, None);
        }
        self.close(out, lane, t);
        let Some(w) = self.lanes.get_mut(lane) else {
            return;
        };
        w.polls = w.polls.saturating_add(1);
        w.woken = false;
        w.after_poll = None;
        let number = w.polls;
        self.frames.clear();
        self.suspended.clear();
        let kind = SpanKind::Poll {
            number,
            result: None,
            blocking: false,
        };
        self.open(out, lane, t, seq, kind);
        self.running = Some(lane);
    }

    /// Ends the open poll at `t`; `result` is `None` when the trace never said.
    fn poll_end(&mut self, out: &mut Out<'_>, t: u64, seq: usize, result: Option<PollResult>) {
        let Some(lane) = self.running.take() else {
            return;
        };
        if let Some(span) = self.open_span(out, lane)
            && let SpanKind::Poll { result: r, .. } = &mut span.kind
        {
            *r = result;
        }
        self.close(out, lane, t);
        let Some(w) = self.lanes.get_mut(lane) else {
            return;
        };
        match result {
            Some(PollResult::Pending) if w.woken => self.open(out, lane, t, seq, SpanKind::Queued),
            Some(PollResult::Pending) => {
                let kind = SpanKind::Suspended {
                    point: self.suspended.first().copied(),
                    future: None,
                };
                self.open(out, lane, t, seq, kind);
                if let Some(w) = self.lanes.get_mut(lane) {
                    w.after_poll = w.open;
                }
            }
            Some(PollResult::Ready | PollResult::Panicked) => w.done = true,
            None => {}
        }
    }

    fn wake(
        &mut self,
        out: &mut Out<'_>,
        trace: &Trace,
        task: TaskId,
        by: WakeSource,
        (t, seq): (u64, usize),
    ) {
        let Some(to_lane) = self.task_lane(task) else {
            return;
        };
        let from_lane = match by {
            WakeSource::SelfWake => Some(to_lane),
            WakeSource::Task(waker) => self.task_lane(waker),
            WakeSource::Thread(name) => Some(self.thread_waker(out, trace, name, t)),
            WakeSource::External => None,
        };
        out.arrows.push(Arrow {
            from_lane,
            to_lane,
            t_ns: t,
            event: seq,
            by,
        });
        let Some(&w) = self.lanes.get(to_lane) else {
            return;
        };
        if w.done {
            return;
        }
        let open = w.open.and_then(|i| out.lanes.get(to_lane)?.spans.get(i));
        match open.map(|s| s.kind) {
            Some(SpanKind::Poll { .. }) => {
                if let Some(w) = self.lanes.get_mut(to_lane) {
                    w.woken = true;
                }
            }
            Some(SpanKind::Queued) => {}
            Some(SpanKind::Suspended { .. } | SpanKind::Alive { .. }) | None => {
                self.close(out, to_lane, t);
                self.open(out, to_lane, t, seq, SpanKind::Queued);
            }
        }
    }

    /// The lane of the thread named `name` that woke a task at `t`: the one of that name
    /// active most recently, made to last past the wake (the thread calls `wake` after its
    /// closure returns); else the outside thread of that name.
    fn thread_waker(&mut self, out: &mut Out<'_>, trace: &Trace, name: Sym, t: u64) -> usize {
        let lanes = &self.lanes;
        let worker = self.by_name.get(&name).and_then(|candidates| {
            candidates
                .iter()
                .copied()
                .max_by_key(|&l| (lanes.get(l).map_or(0, |w| w.active_ns), l))
        });
        if let Some(lane) = worker {
            let last = out.lanes.get_mut(lane).and_then(|l| l.spans.last_mut());
            if let Some(span) = last
                && !span.open
            {
                span.end_ns = span.end_ns.max(t);
            }
            return lane;
        }
        if let Some(&lane) = self.outside.get(&name) {
            return lane;
        }
        // Interned names are few: one lane per distinct name.
        let lane = self.new_lane(out, LaneKind::Outside(name), trace.str(name), None);
        self.outside.insert(name, lane);
        lane
    }

    /// Open spans run to the trace's last event; a poll still running counts as blocking
    /// once it has run that long.
    fn stretch_open(&self, out: &mut Out<'_>, end_ns: u64) {
        for (lane, w) in self.lanes.iter().enumerate() {
            let span = w
                .open
                .and_then(|i| out.lanes.get_mut(lane)?.spans.get_mut(i));
            if let Some(span) = span {
                span.end_ns = end_ns.max(span.start_ns);
                if let SpanKind::Poll { blocking, .. } = &mut span.kind {
                    *blocking = span.end_ns - span.start_ns >= BLOCKING_NS;
                }
            }
        }
    }
}

/// The tables the walk writes to.
struct Out<'a> {
    lanes: &'a mut Vec<Lane>,
    arrows: &'a mut Vec<Arrow>,
}

fn lane_of(table: &[u32], n: u32) -> Option<usize> {
    match table.get(n as usize) {
        Some(&lane) if lane != NONE => Some(lane as usize),
        _ => None,
    }
}

fn set_lane(table: &mut Vec<u32>, n: usize, lane: usize) {
    if table.len() <= n {
        table.resize(n + 1, NONE);
    }
    if let Some(slot) = table.get_mut(n) {
        *slot = u32::try_from(lane).unwrap_or(NONE);
    }
}
