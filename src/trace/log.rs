//! The append-only event log and the thread-safe recorder that fills it.

use super::event::{Event, EventKind, PointId, Sym, TaskId, ThreadNo};
use super::point::{AwaitPoint, Point, Site};
use rustc_hash::FxHashMap as HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// A recorded run: events plus the tables their symbols index into.
///
/// This is plain data: it can be cloned, saved, loaded and replayed without an executor.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    /// Every event, in order; an event's sequence number is its index here.
    pub events: Vec<Event>,
    /// Interned strings, indexed by [`Sym`].
    pub strings: Vec<Arc<str>>,
    /// Await points, indexed by [`PointId`].
    pub points: Vec<Point>,
}

impl Trace {
    /// The text of a symbol; `"?"` for a symbol this trace does not have (a truncated copy).
    pub fn str(&self, sym: Sym) -> &str {
        self.strings.get(sym.0 as usize).map_or("?", |s| s)
    }

    /// The await point behind an id, if the trace has it.
    pub fn point(&self, id: PointId) -> Option<&Point> {
        self.points.get(id.0 as usize)
    }

    /// An await point with its strings spelled out.
    pub fn await_point(&self, id: PointId) -> Option<AwaitPoint<&str>> {
        self.point(id).map(|p| AwaitPoint {
            label: self.str(p.label),
            file: self.str(p.file),
            line: p.line,
        })
    }

    /// `label (file:line)` for an await point.
    pub fn point_text(&self, id: PointId) -> String {
        match self.await_point(id) {
            Some(p) => format!("{} ({}:{})", p.label, p.file, p.line),
            None => "?".to_owned(),
        }
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// True when nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}

/// Builds a [`Trace`] while keeping strings and points unique.
#[derive(Debug, Default)]
pub struct TraceBuilder {
    trace: Trace,
    strings: HashMap<Arc<str>, Sym>,
    points: HashMap<Point, PointId>,
}

impl TraceBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// The symbol for `text`, adding it on first use.
    pub fn intern(&mut self, text: &str) -> Sym {
        self.intern_shared(text).0
    }

    /// The symbol for `text` and the shared copy the trace keeps, so callers that need the
    /// text too (a task's name) do not allocate their own.
    pub fn intern_shared(&mut self, text: &str) -> (Sym, Arc<str>) {
        if let Some((known, &sym)) = self.strings.get_key_value(text) {
            return (sym, known.clone());
        }
        let sym = Sym(self.trace.strings.len() as u32);
        let text: Arc<str> = Arc::from(text);
        self.trace.strings.push(text.clone());
        self.strings.insert(text.clone(), sym);
        (sym, text)
    }

    /// The id for an await point, adding it on first use.
    pub fn point(&mut self, label: &str, file: &str, line: u32) -> PointId {
        let point = Point {
            label: self.intern(label),
            file: self.intern(file),
            line,
        };
        let next = PointId(self.trace.points.len() as u32);
        *self.points.entry(point).or_insert_with(|| {
            self.trace.points.push(point);
            next
        })
    }

    /// Appends an event as given (its timestamp included).
    pub fn push(&mut self, event: Event) {
        self.trace.events.push(event);
    }

    /// The trace built so far.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// Finishes building.
    pub fn finish(self) -> Trace {
        self.trace
    }
}

/// Where an event landed in the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    /// Its sequence number (index in the log).
    pub seq: usize,
    /// Its timestamp.
    pub t_ns: u64,
}

/// The shared, thread-safe recorder: the executor, probes, wakers and worker threads
/// all append here, so one log holds the true order of everything.
///
/// The timestamp is taken under the lock, so timestamps never decrease along the log.
#[derive(Debug)]
pub struct Recorder {
    /// A TSC-based clock: a timestamp costs a few nanoseconds instead of a `clock_gettime`
    /// call, and every event takes one, on the poll path.
    epoch: quanta::Instant,
    inner: Mutex<RecorderInner>,
}

#[derive(Debug, Default)]
struct RecorderInner {
    builder: TraceBuilder,
    /// Await points keyed by the identity of their static strings and their line, so
    /// probes skip string interning after the first time.
    sites: HashMap<(usize, usize, u32), PointId>,
    /// Worker threads numbered so far.
    threads: u32,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder {
            epoch: quanta::Instant::now(),
            inner: Mutex::default(),
        }
    }
}

impl Recorder {
    /// A new recorder whose clock starts now.
    pub fn new() -> Arc<Recorder> {
        Arc::new(Recorder::default())
    }

    /// Nanoseconds since this recorder was created.
    pub fn now_ns(&self) -> u64 {
        (quanta::Instant::now() - self.epoch).as_nanos() as u64
    }

    fn lock(&self) -> MutexGuard<'_, RecorderInner> {
        // A panic while holding the lock cannot leave the log half-written (every
        // mutation is a single push), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends an event; returns its sequence number and timestamp.
    pub fn record(&self, task: TaskId, kind: EventKind) -> Stamp {
        self.record_with(task, |_| kind)
    }

    /// Appends an event whose payload needs interned strings.
    pub fn record_with(
        &self,
        task: TaskId,
        make: impl FnOnce(&mut TraceBuilder) -> EventKind,
    ) -> Stamp {
        let mut inner = self.lock();
        let kind = make(&mut inner.builder);
        let t_ns = self.now_ns();
        let seq = inner.builder.trace.events.len();
        inner.builder.push(Event { t_ns, task, kind });
        Stamp { seq, t_ns }
    }

    /// Appends two events of one instant (a poll's end and the value it returned) under
    /// one lock and one clock reading; returns the first one's stamp.
    pub fn record_pair(
        &self,
        task: TaskId,
        first: EventKind,
        second: impl FnOnce(&mut TraceBuilder) -> EventKind,
    ) -> Stamp {
        let mut inner = self.lock();
        let second = second(&mut inner.builder);
        let t_ns = self.now_ns();
        let seq = inner.builder.trace.events.len();
        inner.builder.push(Event {
            t_ns,
            task,
            kind: first,
        });
        inner.builder.push(Event {
            t_ns,
            task,
            kind: second,
        });
        Stamp { seq, t_ns }
    }

    /// Numbers a new worker thread and records its `thread_spawn` (by `task`).
    pub fn thread_spawned(&self, task: TaskId, name: &str) -> ThreadNo {
        let mut inner = self.lock();
        let thread = ThreadNo(inner.threads);
        inner.threads += 1;
        let name = inner.builder.intern(name);
        let t_ns = self.now_ns();
        inner.builder.push(Event {
            t_ns,
            task,
            kind: EventKind::ThreadSpawn { thread, name },
        });
        thread
    }

    /// Interns a string.
    pub fn intern(&self, text: &str) -> Sym {
        self.lock().builder.intern(text)
    }

    /// The id of the await point at `site`.
    pub fn site(&self, site: &Site) -> PointId {
        let key = (
            site.file.as_ptr() as usize ^ (site.file.len() << 48),
            site.label.as_ptr() as usize ^ (site.label.len() << 48),
            site.line,
        );
        let mut inner = self.lock();
        if let Some(&id) = inner.sites.get(&key) {
            return id;
        }
        let id = inner.builder.point(site.label, site.file, site.line);
        inner.sites.insert(key, id);
        id
    }

    /// Makes room for `events` more events, so a long recording does not pause to grow
    /// (and copy) the log.
    pub fn reserve(&self, events: usize) {
        self.lock().builder.trace.events.reserve(events);
    }

    /// Number of events recorded so far.
    pub fn len(&self) -> usize {
        self.lock().builder.trace().events.len()
    }

    /// True when nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A copy of the whole trace.
    pub fn snapshot(&self) -> Trace {
        self.lock().builder.trace().clone()
    }

    /// Copies what `dst` does not have yet (events, strings, points) into it.
    /// `dst` must be an earlier copy of this recorder's trace. Returns the number of new events.
    pub fn sync_into(&self, dst: &mut Trace) -> usize {
        let inner = self.lock();
        let src = inner.builder.trace();
        let old = dst.events.len();
        dst.events
            .extend_from_slice(src.events.get(old..).unwrap_or_default());
        let s = dst.strings.len();
        dst.strings
            .extend_from_slice(src.strings.get(s..).unwrap_or_default());
        let p = dst.points.len();
        dst.points
            .extend_from_slice(src.points.get(p..).unwrap_or_default());
        dst.events.len() - old
    }
}
