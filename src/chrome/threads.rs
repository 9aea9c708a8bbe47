//! Worker threads' tracks, and which thread a `thread:NAME` wake came from. Both passes
//! of the export keep this bookkeeping in the same order, so the second attributes each
//! wake to the thread the first did.

use super::unit::Track;
use super::{PID, WORKER_TID_BASE};
use crate::trace::Sym;
use rustc_hash::FxHashMap as HashMap;

/// A worker thread while the trace is walked.
#[derive(Clone, Copy, Debug)]
struct Slot {
    open: bool,
    end: u64,
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
    /// The foreign threads' tracks, in the order their first wake came.
    foreign_tracks: Vec<(Track, Sym)>,
}

impl Threads {
    /// Room for thread numbers below `numbers`.
    pub fn new(numbers: usize) -> Self {
        Threads {
            by_no: vec![None; numbers],
            slots: Vec::new(),
            by_name: HashMap::default(),
            foreign: HashMap::default(),
            foreign_tracks: Vec::new(),
        }
    }

    /// The track of worker thread `no`.
    pub fn track(no: u32) -> Track {
        Track {
            pid: PID,
            tid: WORKER_TID_BASE + u64::from(no),
        }
    }

    /// A worker thread started: its slot, and the slot it ended (the same number twice is
    /// damage: the first thread ends where the second starts). `None` for a number out of
    /// range.
    pub fn spawn(&mut self, no: u32, name: Sym, t: u64) -> Option<(usize, Option<usize>)> {
        let previous = *self.by_no.get(no as usize)?;
        if let Some(old) = previous {
            self.end(old, t);
        }
        let slot = self.slots.len();
        self.slots.push(Slot {
            open: true,
            end: t,
            active_ns: t,
            min_end: t,
        });
        if let Some(entry) = self.by_no.get_mut(no as usize) {
            *entry = Some(slot);
        }
        self.by_name.entry(name).or_default().push(slot);
        Some((slot, previous))
    }

    fn end(&mut self, slot: usize, t: u64) {
        let Some(s) = self.slots.get_mut(slot) else {
            return;
        };
        if std::mem::replace(&mut s.open, false) {
            s.end = t;
        }
        s.active_ns = t;
    }

    /// A worker thread's closure ended: its slot, if it was running.
    pub fn finish(&mut self, no: u32, t: u64) -> Option<usize> {
        let slot = self.by_no.get(no as usize).copied().flatten()?;
        if !self.slots.get(slot).is_some_and(|s| s.open) {
            return None;
        }
        self.end(slot, t);
        Some(slot)
    }

    /// The worker thread named `name` that woke a task at `t`, now made to last past the
    /// wake; `None` if pollscope started no thread of that name.
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
        Some(slot)
    }

    /// The track of a thread pollscope did not start (a runtime's, the program's own).
    pub fn foreign(&mut self, name: Sym) -> Track {
        let base = WORKER_TID_BASE + self.by_no.len() as u64;
        let next = base + self.foreign.len() as u64;
        let tracks = &mut self.foreign_tracks;
        let tid = *self.foreign.entry(name).or_insert_with(|| {
            tracks.push((
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

    /// True while slot `slot`'s thread runs.
    pub fn is_open(&self, slot: usize) -> bool {
        self.slots.get(slot).is_some_and(|s| s.open)
    }

    /// Ends every thread still running at `last`.
    pub fn close(&mut self, last: u64) {
        for slot in 0..self.slots.len() {
            self.end(slot, last);
        }
    }

    /// Where slot `slot`'s slice ends: its end, stretched over its wakes.
    pub fn end_of(&self, slot: usize) -> u64 {
        self.slots.get(slot).map_or(0, |s| s.end.max(s.min_end))
    }

    /// Each worker track with the slot spawned on it last, which names it.
    pub fn worker_tracks(&self) -> Vec<(Track, usize)> {
        self.by_no
            .iter()
            .enumerate()
            .filter_map(|(no, slot)| Some((Self::track(no as u32), (*slot)?)))
            .collect()
    }

    /// The foreign threads' tracks, in the order they first woke a task.
    pub fn foreign_tracks(&self) -> &[(Track, Sym)] {
        &self.foreign_tracks
    }
}
