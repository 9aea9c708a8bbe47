//! Building a trace: strings and points kept unique as events are added.

use super::cap::{NAME_CAP, VALUE_CAP, cap};
use super::data::Trace;
use super::event::{Event, PointId, Sym};
use super::point::Point;
use rustc_hash::FxHashMap as HashMap;
use std::borrow::Cow;
use std::sync::Arc;

/// Builds a [`Trace`] while keeping strings and points unique.
#[derive(Debug, Default)]
pub struct TraceBuilder {
    pub(super) trace: Trace,
    strings: HashMap<Arc<str>, Sym>,
    points: HashMap<Point, PointId>,
    /// The string interned last: tasks spawned in a loop share a name, and tasks of one
    /// kind return the same text, so most lookups are a short comparison.
    last: Option<(Arc<str>, Sym)>,
    /// The symbol of `()`, once interned: most tasks return it.
    unit: Option<Sym>,
    /// Strings cut for being over a cap, counted each time one is interned.
    cut: usize,
}

impl TraceBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// The symbol for `text`, adding it on first use (cut to [`VALUE_CAP`] bytes).
    pub fn intern(&mut self, text: &str) -> Sym {
        match self.last_is(text, VALUE_CAP) {
            Some(sym) => sym,
            None => self.intern_shared(text).0,
        }
    }

    /// The symbol for `()`, what most tasks return, without a comparison.
    #[inline]
    pub fn intern_unit(&mut self) -> Sym {
        match self.unit {
            Some(sym) => sym,
            None => {
                let sym = self.intern("()");
                self.unit = Some(sym);
                sym
            }
        }
    }

    /// The last string's symbol if `text`, under `limit` bytes, is that string: the common
    /// case answered without touching the shared copy's count.
    #[inline]
    fn last_is(&self, text: &str, limit: usize) -> Option<Sym> {
        match &self.last {
            Some((last, sym)) if text.len() <= limit && **last == *text => Some(*sym),
            _ => None,
        }
    }

    /// The symbol for a name: a task's, a thread's, a future's (cut to [`NAME_CAP`] bytes).
    pub fn intern_name(&mut self, name: &str) -> Sym {
        if let Some(sym) = self.last_is(name, NAME_CAP) {
            return sym;
        }
        let name = cap(name, NAME_CAP);
        self.cut += usize::from(matches!(name, Cow::Owned(_)));
        self.intern(&name)
    }

    /// How many strings were cut for being over a cap so far.
    pub fn cut_strings(&self) -> usize {
        self.cut
    }

    /// The symbol for `text` and the shared copy the trace keeps, so callers that need the
    /// text too (a task's name) do not allocate their own. Text over [`VALUE_CAP`] bytes is
    /// cut (see [`cap`]).
    pub fn intern_shared(&mut self, text: &str) -> (Sym, Arc<str>) {
        if let Some((last, sym)) = &self.last
            && text.len() <= VALUE_CAP
            && **last == *text
        {
            return (*sym, last.clone());
        }
        let text = cap(text, VALUE_CAP);
        self.cut += usize::from(matches!(text, Cow::Owned(_)));
        let text = &*text;
        let (sym, text) = match self.strings.get_key_value(text) {
            Some((known, &sym)) => (sym, known.clone()),
            None => {
                let sym = Sym(self.trace.strings.len() as u32);
                let text: Arc<str> = Arc::from(text);
                self.trace.strings.push(text.clone());
                self.strings.insert(text.clone(), sym);
                (sym, text)
            }
        };
        self.last = Some((text.clone(), sym));
        (sym, text)
    }

    /// The id for an await point, adding it on first use.
    pub fn point(&mut self, label: &str, file: &str, line: u32) -> PointId {
        let point = Point {
            label: self.intern_name(label),
            file: self.intern_name(file),
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
