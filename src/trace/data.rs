//! The trace as data: a recorded run's events and the tables their symbols index into,
//! and the deltas a live run hands out.

use super::event::{Event, PointId, Sym};
use super::point::{AwaitPoint, Point};
use std::sync::Arc;

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

    /// Bytes the trace holds in memory: 32 per event, plus its strings and points.
    pub fn memory_bytes(&self) -> usize {
        self.events.len() * std::mem::size_of::<Event>()
            + self.strings.iter().map(|s| s.len() + 16).sum::<usize>()
            + self.points.len() * std::mem::size_of::<Point>()
    }

    /// Appends what `delta` adds (the events, strings and points after this copy's).
    pub fn extend(&mut self, delta: TraceDelta) {
        self.events.extend(delta.events);
        self.strings.extend(delta.strings);
        self.points.extend(delta.points);
    }
}

/// What a [`super::Log`] recorded since it was last taken: new events, and the strings and
/// points they introduced. A reader that appends every delta in order holds the trace.
#[derive(Clone, Debug, Default)]
pub struct TraceDelta {
    /// New events, in `seq` order.
    pub events: Vec<Event>,
    /// New strings, continuing the symbol numbers.
    pub strings: Vec<Arc<str>>,
    /// New points, continuing the point ids.
    pub points: Vec<Point>,
}

impl TraceDelta {
    /// True when nothing new was recorded.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && self.strings.is_empty() && self.points.is_empty()
    }

    /// Appends a later delta.
    pub fn append(&mut self, later: TraceDelta) {
        self.events.extend(later.events);
        self.strings.extend(later.strings);
        self.points.extend(later.points);
    }
}
