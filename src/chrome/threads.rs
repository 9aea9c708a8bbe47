//! Worker threads' tracks, and which thread a `thread:NAME` wake came from.

use super::model::{Kind, Model, Shape, Slice, ThreadEnd, ThreadFacts, Track};
use super::{PID, WORKER_TID_BASE};
use crate::trace::{Sym, TaskId};
use rustc_hash::FxHashMap as HashMap;

/// A worker thread while the trace is walked.
#[derive(Clone, Copy, Debug)]
struct Slot {
    slice: usize,
    open: bool,
    /// When it last did something (started, finished): a wake by its name comes from the
    /// one of that name active most recently.
    active_ns: u64,
    /// Its slice lasts at least until here: past every wake it made.
    min_end: u64,
}

/// The worker threads seen so far.
#[derive(Debug)]
pub(super) struct Threads {
    /// Thread number to slot; sized by the trace's own numbers, which are capped at its
    /// event count (a larger number is damage).
    by_no: Vec<Option<usize>>,
    slots: Vec<Slot>,
    by_name: HashMap<Sym, Vec<usize>>,
    foreign: HashMap<Sym, u64>,
}

impl Threads {
    /// Room for thread numbers below `numbers`.
    pub fn new(numbers: usize) -> Self {
        Threads {
            by_no: vec![None; numbers],
            slots: Vec::new(),
            by_name: HashMap::default(),
            foreign: HashMap::default(),
        }
    }

    fn track(no: u32) -> Track {
        Track {
            pid: PID,
            tid: WORKER_TID_BASE + u64::from(no),
        }
    }

    /// A worker thread started.
    pub fn spawn(&mut self, model: &mut Model, no: u32, name: Sym, task: TaskId, t: u64) {
        let Some(&previous) = self.by_no.get(no as usize) else {
            return;
        };
        // The same number twice is damage: the first thread ends where the second starts.
        if let Some(old) = previous {
            self.end(model, old, t);
        }
        let slot = model.threads.len();
        model.threads.push(ThreadFacts {
            no,
            name,
            task,
            finish: None,
        });
        let slice = model.slices.len();
        model.slices.push(Slice {
            track: Self::track(no),
            shape: Shape::Span,
            start: t,
            end: t,
            level: 1,
            kind: Kind::Thread { slot },
        });
        self.slots.push(Slot {
            slice,
            open: true,
            active_ns: t,
            min_end: t,
        });
        if let Some(entry) = self.by_no.get_mut(no as usize) {
            *entry = Some(slot);
        }
        self.by_name.entry(name).or_default().push(slot);
    }

    fn end(&mut self, model: &mut Model, slot: usize, t: u64) {
        let Some(s) = self.slots.get_mut(slot) else {
            return;
        };
        if std::mem::replace(&mut s.open, false)
            && let Some(slice) = model.slices.get_mut(s.slice)
        {
            slice.end = t;
        }
        s.active_ns = t;
    }

    /// A worker thread's closure ended.
    pub fn finish(&mut self, model: &mut Model, no: u32, end: ThreadEnd, t: u64) {
        let Some(slot) = self.by_no.get(no as usize).copied().flatten() else {
            return;
        };
        if !self.slots.get(slot).is_some_and(|s| s.open) {
            return;
        }
        self.end(model, slot, t);
        if let Some(facts) = model.threads.get_mut(slot) {
            facts.finish = Some(end);
        }
    }

    /// The slice of the worker thread named `name` that woke a task at `t`, now made to
    /// last past the wake; `None` if pollscope started no thread of that name.
    pub fn waker(&mut self, name: Sym, t: u64) -> Option<usize> {
        let candidates = self.by_name.get(&name)?;
        let slot = candidates
            .iter()
            .copied()
            .max_by_key(|&slot| (self.slots.get(slot).map_or(0, |s| s.active_ns), slot))?;
        let s = self.slots.get_mut(slot)?;
        // The wake is a call the thread makes after its closure returned: its slice
        // covers the call, so the arrow starts inside it.
        s.min_end = s.min_end.max(t.saturating_add(1));
        Some(s.slice)
    }

    /// The track of a thread pollscope did not start (a runtime's, the program's own).
    pub fn foreign(&mut self, model: &mut Model, name: Sym) -> Track {
        let base = WORKER_TID_BASE + self.by_no.len() as u64;
        let next = base + self.foreign.len() as u64;
        let tid = *self.foreign.entry(name).or_insert_with(|| {
            model.foreign_tracks.push((
                Track {
                    pid: PID,
                    tid: next,
                },
                name,
            ));
            next
        });
        Track { pid: PID, tid }
    }

    /// Ends every thread still running at `last`, stretches each slice over its wakes,
    /// and names each track after the thread spawned on it last.
    pub fn close(&mut self, model: &mut Model, last: u64) {
        for slot in 0..self.slots.len() {
            self.end(model, slot, last);
            let Some(s) = self.slots.get(slot) else {
                continue;
            };
            if let Some(slice) = model.slices.get_mut(s.slice) {
                slice.end = slice.end.max(s.min_end);
            }
        }
        for (no, slot) in self.by_no.iter().enumerate() {
            if let Some(slot) = *slot {
                model.worker_tracks.push((Self::track(no as u32), slot));
            }
        }
    }
}
