//! The log that the executor's own thread appends to without a lock (events from other
//! threads come through the [`Recorder`](super::Recorder)'s inbox).

use super::builder::TraceBuilder;
use super::data::{Trace, TraceDelta};
use super::event::{
    Event, EventKind, ExecThread, PointId, PollResult, Sym, TaskId, ThreadNo, WakeSource,
};
use super::held::Held;
use super::point::Site;
use super::reading::PollDemand;
use super::recorder::{Foreign, ForeignKind, ForeignParent, ForeignWaker};
use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

/// Where an event landed in the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    /// Its sequence number (index in the whole trace).
    pub seq: usize,
    /// Its timestamp.
    pub t_ns: u64,
}

/// The executor's own log: one writer, no lock. Everything the executor's thread records
/// (polls, probes, `say!`, wakes by its own tasks) is appended here directly; events from
/// other threads are appended when the executor drains its inbox, once per step.
///
/// Timestamps never decrease along the log: an event stamped earlier than the last one (a
/// wake that another thread recorded while a poll ran) is placed at the last one's time.
#[derive(Debug, Default)]
pub struct Log {
    builder: TraceBuilder,
    /// Await points keyed by the identity of their static strings and their line, so
    /// probes skip string interning after the first time.
    sites: HashMap<(usize, usize, u32), PointId>,
    /// Worker threads numbered so far.
    threads: u32,
    /// The newest timestamp.
    last_t: u64,
    /// Events, strings and points already handed out by [`Log::take`].
    taken: (usize, usize, usize),
    /// Per task: was a poll asked for? The rule of [`PollDemand`], applied in log order.
    demand: Vec<PollDemand>,
    /// The symbols of coroutine states recorded so far, by layout and state: a state
    /// recorded after every poll is interned once, and found again by two indexes.
    coro_syms: Vec<Vec<Option<(Sym, PointId)>>>,
    /// Names of threads that woke tasks, by the identity of their shared copy: interning
    /// a wake from a known thread is a pointer comparison.
    thread_names: Vec<(Arc<str>, Sym)>,
    /// Tasks of another runtime (tokio), by that runtime's number for them.
    foreign: HashMap<u64, TaskId>,
    /// Blocking closures of that runtime, by its number for them: their thread and start.
    foreign_threads: HashMap<u64, (ThreadNo, u64)>,
    /// Their polls in progress: where each started (seq, time).
    foreign_open: HashMap<TaskId, Stamp>,
    /// The last of their polls to return.
    foreign_last: Option<ForeignPolled>,
}

/// One poll of another runtime's task, returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForeignPolled {
    /// The task, as the trace numbers it.
    pub task: TaskId,
    /// Where the poll started.
    pub start: Stamp,
    /// When it returned.
    pub end_ns: u64,
    /// The task ended inside it.
    pub finished: bool,
}

/// What a task of another runtime ends with: tokio's hooks tell that it ended, not its
/// value.
pub const FOREIGN_VALUE: &str = "(ended: tokio's hooks do not pass its value)";

/// What such a task says once per run, at its spawn: its future is inside tokio, out of
/// pollscope's reach.
pub const FOREIGN_NOTE: &str = "spawned on tokio: its polls, parent and end are recorded; \
     its future lives inside tokio, so the compiler's states of tokio's tasks are not read";

impl Log {
    /// Tasks spawned so far: the next task's id.
    pub fn tasks_spawned(&self) -> u32 {
        self.demand.len() as u32
    }

    /// Number of events recorded (taken ones included): the next event's `seq`.
    pub fn len(&self) -> usize {
        self.taken.0 + self.builder.trace.events.len()
    }

    /// True before the first event.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The newest timestamp.
    pub fn last_t(&self) -> u64 {
        self.last_t
    }

    /// Appends an event at `t_ns` (or at the newest timestamp, if that is later).
    #[inline]
    pub fn push(&mut self, task: TaskId, kind: EventKind, t_ns: u64) -> Stamp {
        match kind {
            EventKind::Spawn { .. } => self.spawned(task),
            EventKind::Wake { .. } => self.woken(task),
            _ => {}
        }
        self.append(task, kind, t_ns)
    }

    /// Appends without looking at the kind (the executor's own poll events).
    #[inline]
    fn append(&mut self, task: TaskId, kind: EventKind, t_ns: u64) -> Stamp {
        let t_ns = t_ns.max(self.last_t);
        self.last_t = t_ns;
        let seq = self.len();
        let events = &mut self.builder.trace.events;
        events.push(Event { t_ns, task, kind });
        prefetch_ahead(events);
        Stamp { seq, t_ns }
    }

    #[inline]
    fn spawned(&mut self, task: TaskId) {
        let n = task.0 as usize;
        // Tasks are numbered in spawn order: the next one is the usual case.
        if self.demand.len() == n {
            self.demand.push(PollDemand::default());
        } else if self.demand.len() < n {
            self.demand.resize(n + 1, PollDemand::default());
        }
    }

    fn woken(&mut self, task: TaskId) {
        if let Some(d) = self.demand.get_mut(task.0 as usize) {
            d.woken();
        }
    }

    /// Records a wake at the newest timestamp: a wake inside a poll needs no clock
    /// reading of its own.
    #[inline]
    pub fn wake_now(&mut self, task: TaskId, by: WakeSource) -> Stamp {
        self.woken(task);
        self.append(task, EventKind::Wake { by }, self.last_t)
    }

    /// Records a spawn at the newest timestamp: spawning reads no clock (a spawn happens
    /// between the event before it and the one after).
    #[inline]
    pub fn spawn_now(&mut self, task: TaskId, name: Sym, parent: TaskId) -> Stamp {
        self.spawned(task);
        self.append(task, EventKind::Spawn { name, parent }, self.last_t)
    }

    /// Records the end of a poll (and with it the value or panic that follows) at `t_ns`.
    #[inline]
    pub fn poll_event(&mut self, task: TaskId, kind: EventKind, t_ns: u64) -> Stamp {
        self.append(task, kind, t_ns)
    }

    /// Records a poll's start at `t_ns`; returns its stamp and whether the poll was asked
    /// for (the task's first poll, or woken since its last): the one rule of "wasted".
    #[inline]
    pub fn poll_start(&mut self, task: TaskId, t_ns: u64) -> (Stamp, bool) {
        let asked = self
            .demand
            .get_mut(task.0 as usize)
            .is_none_or(PollDemand::poll_starts);
        (
            self.append(
                task,
                EventKind::PollStart {
                    on: ExecThread::MAIN,
                },
                t_ns,
            ),
            asked,
        )
    }

    /// The point with this label, file and line (added on first use): a source that is
    /// not the executor names its suspensions and drivers this way.
    pub fn point(&mut self, label: &str, file: &str, line: u32) -> PointId {
        self.builder.point(label, file, line)
    }

    /// Interns a string.
    pub fn intern(&mut self, text: &str) -> Sym {
        self.builder.intern(text)
    }

    /// The symbol for `()` (see [`TraceBuilder::intern_unit`]).
    #[inline]
    pub fn intern_unit(&mut self) -> Sym {
        self.builder.intern_unit()
    }

    /// Records one coroutine of a task's await chain after a poll: its state, and the
    /// locals it holds if any.
    pub(crate) fn coro_frame(
        &mut self,
        task: TaskId,
        depth: usize,
        index: &crate::coro::Index,
        frame: &crate::coro::Frame,
        t_ns: u64,
    ) {
        let known = self
            .coro_syms
            .get(frame.layout)
            .and_then(|states| states.get(frame.state).copied().flatten());
        let (future, state) = match known {
            Some(known) => known,
            None => {
                let Some(layout) = index.layout_at(frame.layout as u32) else {
                    return;
                };
                let Some(state) = layout.states.get(frame.state) else {
                    return;
                };
                let syms = (
                    self.builder.intern_name(&layout.future),
                    self.builder.point(&state.name, &state.file, state.line),
                );
                if self.coro_syms.len() <= frame.layout {
                    self.coro_syms.resize(frame.layout + 1, Vec::new());
                }
                let states = &mut self.coro_syms[frame.layout];
                if states.len() < layout.states.len() {
                    states.resize(layout.states.len(), None);
                }
                states[frame.state] = Some(syms);
                syms
            }
        };
        let depth = u8::try_from(depth).unwrap_or(u8::MAX);
        self.append(
            task,
            EventKind::CoroState {
                depth,
                future,
                state,
            },
            t_ns,
        );
        if !frame.locals.is_empty() {
            let text = self.intern(&frame.locals.join("; "));
            self.append(task, EventKind::CoroLocals { depth, text }, t_ns);
        }
    }

    /// The symbol for a name (cut to [`NAME_CAP`](super::cap::NAME_CAP) bytes): see [`TraceBuilder::intern_name`].
    pub fn intern_name(&mut self, name: &str) -> Sym {
        self.builder.intern_name(name)
    }

    /// Interns a thread's name, known by the identity of its shared copy.
    pub(crate) fn intern_thread_name(&mut self, name: Arc<str>) -> Sym {
        if let Some((_, sym)) = self
            .thread_names
            .iter()
            .find(|(n, _)| Arc::ptr_eq(n, &name))
        {
            return *sym;
        }
        let sym = self.builder.intern_name(&name);
        // A handful of threads wake tasks; past that, names are interned the plain way.
        if self.thread_names.len() < 64 {
            self.thread_names.push((name, sym));
        }
        sym
    }

    /// Interns a string and returns the shared copy too.
    pub fn intern_shared(&mut self, text: &str) -> (Sym, Arc<str>) {
        self.builder.intern_shared(text)
    }

    /// The id of the await point at `site`.
    pub fn site(&mut self, site: &Site) -> PointId {
        let key = (
            site.file.as_ptr() as usize ^ (site.file.len() << 48),
            site.label.as_ptr() as usize ^ (site.label.len() << 48),
            site.line,
        );
        if let Some(&id) = self.sites.get(&key) {
            return id;
        }
        let id = self.builder.point(site.label, site.file, site.line);
        self.sites.insert(key, id);
        id
    }

    /// Numbers a new worker thread and records its `thread_spawn` (by `task`) at `t_ns`.
    pub fn thread_spawned(&mut self, task: TaskId, name: &str, t_ns: u64) -> ThreadNo {
        let thread = ThreadNo(self.threads);
        self.threads += 1;
        let name = self.builder.intern_name(name);
        self.push(task, EventKind::ThreadSpawn { thread, name }, t_ns);
        thread
    }

    /// A waker from outside the polls as the trace names it (a thread's name interned
    /// once per shared copy).
    fn wake_source(&mut self, by: ForeignWaker) -> WakeSource {
        match by {
            ForeignWaker::External => WakeSource::External,
            ForeignWaker::Thread(name) => WakeSource::Thread(self.intern_thread_name(name)),
            ForeignWaker::Task(task) => WakeSource::Task(task),
            ForeignWaker::Foreign(key, name) => match self.foreign.get(&key) {
                Some(&task) => WakeSource::Task(task),
                None => WakeSource::Thread(self.intern_thread_name(name)),
            },
        }
    }

    /// Appends events other threads recorded, in the order they recorded them.
    pub(crate) fn append_foreign(&mut self, events: impl IntoIterator<Item = Foreign>) {
        for e in events {
            let (task, kind) = match e.kind {
                ForeignKind::Wake(by) => (
                    e.task,
                    EventKind::Wake {
                        by: self.wake_source(by),
                    },
                ),
                ForeignKind::ThreadFinish {
                    thread,
                    outcome,
                    duration_us,
                    result,
                } => (
                    e.task,
                    EventKind::ThreadFinish {
                        thread,
                        outcome,
                        duration_us,
                        result: self.intern(&result),
                    },
                ),
                ForeignKind::ThreadJoin { thread } => (e.task, EventKind::ThreadJoin { thread }),
                ForeignKind::ForeignSpawn { key, name, parent } => {
                    self.foreign_spawn(key, &name, parent, e.t_ns);
                    continue;
                }
                ForeignKind::ForeignPollStart { key, on } => {
                    let Some(&task) = self.foreign.get(&key) else {
                        continue;
                    };
                    let start = self.push(task, EventKind::PollStart { on }, e.t_ns);
                    self.foreign_open.insert(task, start);
                    continue;
                }
                ForeignKind::ForeignPollEnd {
                    key,
                    on,
                    finished,
                    panic,
                } => {
                    let Some(&task) = self.foreign.get(&key) else {
                        continue;
                    };
                    let panic = panic.filter(|_| finished);
                    let result = match (finished, &panic) {
                        (false, _) => PollResult::Pending,
                        (true, None) => PollResult::Ready,
                        (true, Some(_)) => PollResult::Panicked,
                    };
                    // tokio keeps its tasks' wakers: who holds one is not told.
                    let held = Held::Unknown;
                    let end = self.push(task, EventKind::PollEnd { result, on, held }, e.t_ns);
                    if let Some(start) = self.foreign_open.remove(&task) {
                        self.foreign_last = Some(ForeignPolled {
                            task,
                            start,
                            end_ns: end.t_ns,
                            finished,
                        });
                    }
                    if !finished {
                        continue;
                    }
                    if let Some(message) = panic {
                        let message = self.intern(&message);
                        (task, EventKind::Panic { message })
                    } else {
                        let value = self.intern(FOREIGN_VALUE);
                        (task, EventKind::Complete { value })
                    }
                }
                ForeignKind::ForeignWake { key, by } => {
                    let Some(&task) = self.foreign.get(&key) else {
                        continue;
                    };
                    let by = match self.wake_source(by) {
                        WakeSource::Task(t) if t == task => WakeSource::SelfWake,
                        by => by,
                    };
                    (task, EventKind::Wake { by })
                }
                ForeignKind::ForeignThreadSpawn { key, name, parent } => {
                    let parent = self.foreign_parent(parent);
                    let thread = self.thread_spawned(parent, &name, e.t_ns);
                    self.foreign_threads.insert(key, (thread, e.t_ns));
                    continue;
                }
                ForeignKind::ForeignEnded { key } => {
                    if let Some((thread, start)) = self.foreign_threads.remove(&key) {
                        // A blocking closure's end: tokio reports it as its task's end.
                        let duration_us =
                            u32::try_from(e.t_ns.saturating_sub(start) / 1_000).unwrap_or(u32::MAX);
                        let result = self.intern("(returned: tokio does not pass its value)");
                        let kind = EventKind::ThreadFinish {
                            thread,
                            outcome: crate::trace::ThreadOutcome::Ok,
                            duration_us,
                            result,
                        };
                        self.push(TaskId::NONE, kind, e.t_ns);
                        continue;
                    }
                    let Some(&task) = self.foreign.get(&key) else {
                        continue;
                    };
                    let value = self.intern("(cancelled: ended without finishing)");
                    (task, EventKind::Complete { value })
                }
            };
            self.push(task, kind, e.t_ns);
        }
    }

    /// The last poll of another runtime's task `key` to return, if it was the last of
    /// theirs to return.
    pub fn foreign_polled(&self, key: u64) -> Option<ForeignPolled> {
        let task = *self.foreign.get(&key)?;
        self.foreign_last.filter(|p| p.task == task)
    }

    /// The task a spawn by another runtime came from, as the trace numbers it.
    fn foreign_parent(&self, parent: ForeignParent) -> TaskId {
        match parent {
            ForeignParent::None => TaskId::NONE,
            ForeignParent::Task(task) => task,
            ForeignParent::Foreign(key) => self.foreign.get(&key).copied().unwrap_or(TaskId::NONE),
        }
    }

    /// Gives another runtime's task the next task id and records its spawn.
    fn foreign_spawn(&mut self, key: u64, name: &str, parent: ForeignParent, t_ns: u64) {
        let task = TaskId(self.tasks_spawned());
        let parent = self.foreign_parent(parent);
        let first = self.foreign.is_empty();
        self.foreign.insert(key, task);
        let name = self.builder.intern_name(name);
        self.push(task, EventKind::Spawn { name, parent }, t_ns);
        if first {
            let text = self.intern(FOREIGN_NOTE);
            self.push(task, EventKind::Say { text }, t_ns);
        }
    }

    /// Makes room for `tasks` more tasks' bookkeeping.
    pub fn reserve_tasks(&mut self, tasks: usize) {
        self.demand.reserve(tasks);
    }

    /// Makes room for about `events` more events (in huge pages, when that many).
    pub fn reserve(&mut self, events: usize) {
        let events_vec = &mut self.builder.trace.events;
        events_vec.reserve(events);
        huge_pages(events_vec);
    }

    /// The trace recorded (without the events already taken).
    pub fn trace(&self) -> &Trace {
        &self.builder.trace
    }

    /// Takes the trace out, leaving this log empty: a recording that is over hands its
    /// trace on without a copy.
    pub fn take_trace(&mut self) -> Trace {
        std::mem::take(&mut self.builder.trace)
    }

    /// Copies what `dst` does not have yet (events, strings, points) into it. `dst` must be
    /// an earlier copy of this log's trace. Returns the number of new events.
    pub fn sync_into(&self, dst: &mut Trace) -> usize {
        let src = &self.builder.trace;
        let old = dst.events.len();
        let from = old.saturating_sub(self.taken.0);
        dst.events
            .extend_from_slice(src.events.get(from..).unwrap_or_default());
        let s = dst.strings.len();
        dst.strings
            .extend_from_slice(src.strings.get(s..).unwrap_or_default());
        let p = dst.points.len();
        dst.points
            .extend_from_slice(src.points.get(p..).unwrap_or_default());
        dst.events.len() - old
    }

    /// Hands out everything recorded since the last take, and forgets the events (the
    /// strings and points stay, for interning). A reader that appends every delta holds
    /// the whole trace while the log keeps none of it twice.
    pub fn take(&mut self) -> TraceDelta {
        let trace = &mut self.builder.trace;
        let events = std::mem::take(&mut trace.events);
        let strings = trace.strings[self.taken.1..].to_vec();
        let points = trace.points[self.taken.2..].to_vec();
        self.taken = (
            self.taken.0 + events.len(),
            trace.strings.len(),
            trace.points.len(),
        );
        TraceDelta {
            events,
            strings,
            points,
        }
    }
}

/// Asks the kernel to back a big event buffer with huge pages where it can: recording
/// writes every byte of the buffer once, and faulting it in 2 MiB at a time instead of
/// 4 KiB saves most of the page-fault work. Advice only: refused advice changes nothing.
#[cfg(target_os = "linux")]
fn huge_pages(events: &mut Vec<Event>) {
    const HUGE: usize = 2 << 20;
    let bytes = events.capacity() * std::mem::size_of::<Event>();
    if bytes < 2 * HUGE {
        return;
    }
    let start = events.as_mut_ptr() as usize;
    // The whole huge pages inside the buffer.
    let first = start.div_ceil(HUGE) * HUGE;
    let end = (start + bytes) / HUGE * HUGE;
    if end > first {
        // SAFETY: the range lies inside the vector's own allocation; `madvise` with
        // MADV_HUGEPAGE changes how pages are backed, never their contents.
        unsafe {
            libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn huge_pages(_events: &mut Vec<Event>) {}

/// Asks for the line eight events (four lines) past the end of `events` before it is
/// written (see [`crate::prefetch`]).
#[inline(always)]
fn prefetch_ahead(events: &[Event]) {
    crate::prefetch::line(events.as_ptr().wrapping_add(events.len() + 8));
}
