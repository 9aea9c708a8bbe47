//! The walk over the events that builds and extends the lanes.

use super::{Arrow, BLOCKING_NS, Lane, LaneKind, Lanes, Span, SpanKind};
use crate::trace::{
    CoroFrame, Event, ExecThread, Fact, PointId, PollResult, Reading, Sym, TaskId, Trace, Wake,
    WakeSource,
};
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
    /// Lanes of a runtime's worker threads (executor threads other than pollscope's own),
    /// by number.
    worker_lanes: HashMap<u16, usize>,
    /// Per lane, in step with the lanes.
    lanes: Vec<LaneWalk>,
    /// The trace read so far: polls, their chains, wakes.
    reading: Reading,
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
        let mut reading = std::mem::take(&mut self.reading);
        // Damage is the loader's to report: the lanes draw what can be drawn.
        let _ = reading.step(event, |fact| self.fact(out, trace, seq, t, fact));
        self.reading = reading;
    }

    fn fact(&mut self, out: &mut Out<'_>, trace: &Trace, seq: usize, t: u64, fact: Fact<'_>) {
        // A number above the events walked so far is damage (see `task_lanes`).
        let limit = seq + 1;
        match fact {
            Fact::Spawned { task, name, parent } => {
                if self.task_lane(task).is_some() {
                    return;
                }
                let parent = parent.and_then(|p| lane_of(&self.task_lanes, p.0));
                let lane = self.new_lane(out, LaneKind::Task(task), trace.str(name), parent);
                set_lane(&mut self.task_lanes, task.0 as usize, lane);
                self.open(out, lane, t, seq, SpanKind::Queued);
            }
            Fact::PollStarted { task, on, .. } => {
                if let Some(lane) = self.task_lane(task) {
                    self.poll_start(out, lane, t, seq);
                }
                if on != ExecThread::MAIN {
                    let lane = self.worker_lane(out, on);
                    self.poll_start(out, lane, t, seq);
                }
            }
            Fact::PollEnded {
                task,
                on,
                result,
                suspension,
                ..
            } => {
                if let Some(lane) = self.task_lane(task) {
                    self.poll_end(out, lane, t, seq, result, suspension.innermost());
                }
                if let Some(&lane) = self.worker_lanes.get(&on.0) {
                    // A worker's lane holds its polls only: nothing between them.
                    if let Some(span) = self.open_span(out, lane)
                        && let SpanKind::Poll { result: r, .. } = &mut span.kind
                    {
                        *r = result;
                    }
                    self.close(out, lane, t);
                }
            }
            Fact::Woken { task, wake, .. } => self.wake(out, trace, task, wake, seq),
            Fact::Completed { task, .. } | Fact::Panicked { task, .. } => {
                if let Some(lane) = self.task_lane(task) {
                    if !self.is_polling(out, lane) {
                        self.close(out, lane, t);
                    }
                    if let Some(w) = self.lanes.get_mut(lane) {
                        w.done = true;
                    }
                }
            }
            Fact::ThreadStarted {
                thread, name, task, ..
            } => {
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
                        let parent = self.task_lane(task);
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
            Fact::ThreadFinished { thread, .. } => {
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
            Fact::CoroRecorded { task, frames, .. } => self.label(out, task, frames),
            Fact::AwaitPolled { .. }
            | Fact::AwaitReturned { .. }
            | Fact::ThreadJoined { .. }
            | Fact::Said { .. }
            | Fact::Resumed { .. }
            | Fact::Yielded { .. }
            | Fact::Refused { .. } => {}
        }
    }

    /// Names the suspension a task's last poll left after the innermost future the
    /// compiler's states recorded after it (where no `.at(..)` point named it).
    fn label(&mut self, out: &mut Out<'_>, task: TaskId, frames: &[CoroFrame]) {
        let Some(innermost) = frames.last() else {
            return;
        };
        let Some(lane) = self.task_lane(task) else {
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
            *point = Some(innermost.state);
            *f = Some(innermost.future);
        }
    }

    /// True while the lane's task is inside a poll.
    fn is_polling(&self, out: &mut Out<'_>, lane: usize) -> bool {
        self.open_span(out, lane)
            .is_some_and(|s| matches!(s.kind, SpanKind::Poll { .. }))
    }

    /// The lane of a runtime's worker thread `on`, made on its first poll.
    fn worker_lane(&mut self, out: &mut Out<'_>, on: ExecThread) -> usize {
        if let Some(&lane) = self.worker_lanes.get(&on.0) {
            return lane;
        }
        let lane = self.new_lane(out, LaneKind::Worker(on), &on.label(), None);
        self.worker_lanes.insert(on.0, lane);
        lane
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
        self.close(out, lane, t);
        let Some(w) = self.lanes.get_mut(lane) else {
            return;
        };
        w.polls = w.polls.saturating_add(1);
        w.woken = false;
        w.after_poll = None;
        let number = w.polls;
        let kind = SpanKind::Poll {
            number,
            result: None,
            blocking: false,
        };
        self.open(out, lane, t, seq, kind);
    }

    /// Ends the lane's open poll at `t`; `result` is `None` when the trace never said, and
    /// `innermost` is where a pending poll left the task.
    fn poll_end(
        &mut self,
        out: &mut Out<'_>,
        lane: usize,
        t: u64,
        seq: usize,
        result: Option<PollResult>,
        innermost: Option<PointId>,
    ) {
        if !self.is_polling(out, lane) {
            return;
        }
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
                    point: innermost,
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

    fn wake(&mut self, out: &mut Out<'_>, trace: &Trace, task: TaskId, wake: Wake, seq: usize) {
        let (t, by) = (wake.t_ns, wake.by);
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
