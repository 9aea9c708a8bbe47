//! The tracks of the export as queues: each holds the units and the slices around them
//! in the order they are written, and writes from the front whatever is ready.

use super::render::Writer;
use super::unit::{Kind, MOMENT, Shape, Slice, Track, Unit};
use std::collections::{BTreeMap, VecDeque};
use std::io::{self, Write};

/// What a track writes next.
#[derive(Debug)]
pub(super) enum Block {
    /// A unit, written once done.
    Unit(usize),
    /// The `B` of a slice written around units.
    Begin(Slice),
    /// Its `E`.
    End(Slice),
}

/// Every track's queue, the units being built, and the writer they go to.
pub(super) struct Tracks<'w, W: Write> {
    pub writer: Writer<'w, W>,
    queues: BTreeMap<Track, VecDeque<Block>>,
    /// Units by number; a written unit's place is reused.
    units: Vec<Option<Unit>>,
    free: Vec<usize>,
}

impl<'w, W: Write> Tracks<'w, W> {
    /// No track yet.
    pub fn new(writer: Writer<'w, W>) -> Self {
        Tracks {
            writer,
            queues: BTreeMap::new(),
            units: Vec::new(),
            free: Vec::new(),
        }
    }

    /// Unit `unit`, while it is being built.
    pub fn unit(&self, unit: usize) -> Option<&Unit> {
        self.units.get(unit).and_then(Option::as_ref)
    }

    /// Unit `unit`, to build.
    pub fn unit_mut(&mut self, unit: usize) -> Option<&mut Unit> {
        self.units.get_mut(unit).and_then(Option::as_mut)
    }

    /// A new unit on `track`, queued there; returns its number. A poll's unit waiting
    /// there for its compiler's states is done: what comes next is not its.
    pub fn new_unit(&mut self, track: Track) -> io::Result<usize> {
        let waiting = match self.queues.get(&track).and_then(|q| q.back()) {
            Some(&Block::Unit(id)) => self
                .units
                .get(id)
                .and_then(Option::as_ref)
                .is_some_and(|u| u.after && !u.done)
                .then_some(id),
            _ => None,
        };
        if let Some(id) = waiting {
            self.done(id)?;
        }
        let unit = Unit::new(track);
        let id = match self.free.pop() {
            Some(id) => {
                self.units[id] = Some(unit);
                id
            }
            None => {
                self.units.push(Some(unit));
                self.units.len() - 1
            }
        };
        self.queues
            .entry(track)
            .or_default()
            .push_back(Block::Unit(id));
        Ok(id)
    }

    /// Queues a slice's edge on `track` and writes what the track can.
    pub fn push_block(&mut self, track: Track, block: Block) -> io::Result<()> {
        self.queues.entry(track).or_default().push_back(block);
        self.flush(track)
    }

    /// Marks a unit done and writes what its track can.
    pub fn done(&mut self, unit: usize) -> io::Result<()> {
        let Some(u) = self.unit_mut(unit) else {
            return Ok(());
        };
        u.done = true;
        u.open = false;
        let track = u.track;
        self.flush(track)
    }

    /// Writes the blocks at the front of `track` that are ready.
    pub fn flush(&mut self, track: Track) -> io::Result<()> {
        let Some(queue) = self.queues.get_mut(&track) else {
            return Ok(());
        };
        while let Some(front) = queue.front() {
            match front {
                Block::Unit(id) => {
                    let id = *id;
                    let ready = self
                        .units
                        .get(id)
                        .and_then(Option::as_ref)
                        .is_some_and(|u| u.done);
                    if !ready {
                        break;
                    }
                    if let Some(mut unit) = self.units.get_mut(id).and_then(Option::take) {
                        self.writer.unit(&mut unit)?;
                        self.free.push(id);
                    }
                }
                Block::Begin(s) => self.writer.root(track, s, true)?,
                Block::End(s) => self.writer.root(track, s, false)?,
            }
            queue.pop_front();
        }
        Ok(())
    }

    /// The unit an instant or a moment at `t` on `track` goes in: the last one queued if it
    /// is still being built and holds `t`, else a unit of its own (`own` true).
    pub fn unit_at(&mut self, track: Track, t: u64) -> io::Result<(usize, bool)> {
        let last = self.queues.get(&track).and_then(|q| q.back());
        if let Some(&Block::Unit(id)) = last
            && self
                .units
                .get(id)
                .and_then(Option::as_ref)
                .is_some_and(|u| !u.done && u.holds(t))
        {
            return Ok((id, false));
        }
        Ok((self.new_unit(track)?, true))
    }

    /// An instant at `t` on `track`, inside the unit being built there if it holds `t`.
    pub fn instant(&mut self, track: Track, t: u64, kind: Kind) -> io::Result<()> {
        let (unit, own) = self.unit_at(track, t)?;
        if let Some(u) = self.unit_mut(unit) {
            u.push(Shape::Instant, t, MOMENT, kind);
        }
        if own {
            self.done(unit)?;
        }
        Ok(())
    }

    /// Writes every track's queue.
    pub fn flush_all(&mut self) -> io::Result<()> {
        let tracks: Vec<Track> = self.queues.keys().copied().collect();
        for track in tracks {
            self.flush(track)?;
        }
        Ok(())
    }
}
