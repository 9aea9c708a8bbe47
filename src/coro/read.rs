//! Reading a live future: its state, the futures it awaits (following `__awaitee` through
//! nested coroutines and the wrappers around them), and the values of the locals it holds.
//!
//! A chain copy has two halves. [`ChainCopy::capture`] runs right after the poll, before the
//! executor allocates anything: it copies the future's bytes and every region a value
//! points to through the fault-tolerant reads of [`super::memory`], and allocates nothing
//! once its buffers are warm — so a `String` the poll freed cannot have been handed to the
//! executor's own next allocation (and shown as the local's text) before it is read.
//! [`ChainCopy::frames`] then turns the copies into words. Every read is bounded by
//! [`super::value::MAX_TEXT`] and every value is validated before it is shown: a local the layout
//! lists but that may have been moved out (rustc keeps a moved-out local in the state
//! while its storage is live) is shown as its type and size, "may be moved". Where the
//! platform offers no safe read, values behind pointers are not read at all: such locals
//! show their type and size only.
//!
//! What the debug info says about moves: rustc lists the drop flags it keeps across an
//! await as anonymous `__N: bool` members of the state (`N` numbers the saved local, not
//! the local the flag guards), and a state can hold the clear flag of a local it does
//! not list (`let a = ..; let b = ..; take(a).await` lists `b` and a clear `__2`, the flag
//! of `a`). No flag can be tied to a listed local, so they are left out; what does hold
//! is ownership — two `String`s of one chain owning one heap block mean the outer one was
//! moved into the inner — and validation of the bytes themselves.

use super::index::RootType;
use super::memory::Mem;
use super::shape::{Field, Shape, TypeId};
use super::unit::{COROUTINE_SEARCH, Frozen};
use super::value::{Unshown, prefetch, string_parts, value};

/// How deep the await chain is followed.
const MAX_DEPTH: usize = 16;

/// One coroutine of a task's await chain, as read after a poll.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// The coroutine's layout, by its number in the index.
    pub layout: usize,
    /// Its state, by index into the layout's states.
    pub state: usize,
    /// `name: type = value` for each local the state holds (values for plain types only).
    pub locals: Vec<String>,
}

/// One coroutine found in the chain.
#[derive(Clone, Copy, Debug)]
struct RawFrame {
    machine: u32,
    /// Its layout's number, and whether its state holds locals to put in words (without
    /// any, the frame needs nothing more from the debug info).
    layout: u32,
    locals: bool,
    addr: usize,
    state: usize,
}

/// The data pointer of a `String` a frame holds: two owners of one heap block mean one of
/// them was moved out.
#[derive(Clone, Copy, Debug)]
struct Owner {
    frame: usize,
    addr: usize,
    data: usize,
}

/// A task's await chain, captured after a poll and turned into [`Frame`]s. Reused from
/// poll to poll.
#[derive(Debug, Default)]
pub(crate) struct ChainCopy {
    mem: Mem,
    frames: Vec<RawFrame>,
    owners: Vec<Owner>,
    /// The unit the captured chain is described in (kept from capture to capture: most
    /// tasks share one, and an `Arc` clone per poll is not free).
    unit: Option<std::sync::Arc<Frozen>>,
    /// True once a capture is waiting to be turned into frames.
    captured: bool,
}

impl ChainCopy {
    /// Copies what the future of type `root` at `ptr` holds now: the chain, its states,
    /// and every region its locals' values point to. Allocates nothing once warm.
    ///
    /// # Safety
    ///
    /// `ptr` must point to a live value of `root`'s type, pinned, that nothing is polling
    /// or moving while this runs.
    pub unsafe fn capture(&mut self, root: &RootType, ptr: *const u8) {
        self.mem.clear();
        self.frames.clear();
        self.owners.clear();
        self.captured = false;
        let unit = &*root.unit;
        let size = unit.shapes[root.ty as usize].size() as usize;
        // SAFETY: as the caller promises: `size` bytes at `ptr` are the live future, and
        // nothing writes it before the next capture clears `mem`.
        unsafe { self.mem.own(ptr as usize, size) };
        let mut at = find_coroutine(unit, &mut self.mem, root.ty, ptr as usize, COROUTINE_SEARCH);
        while let Some((machine, addr)) = at.take() {
            if self.frames.len() >= MAX_DEPTH || addr == 0 {
                break;
            }
            let m = &unit.machines[machine as usize];
            let Some(value) = self.mem.uint(addr + m.discr.0 as usize, m.discr.1) else {
                break;
            };
            let Some(state) = m.state_for(value as u64) else {
                break;
            };
            let frame = self.frames.len();
            let ms = &m.states[state];
            self.frames.push(RawFrame {
                machine,
                layout: m.layout,
                locals: ms.live && !ms.locals.is_empty(),
                addr,
                state,
            });
            // Returned and Panicked hold nothing live: their fields may be gone.
            if !ms.live {
                break;
            }
            for local in &ms.locals {
                let local_at = addr + local.offset as usize;
                prefetch(unit, &mut self.mem, local.ty, local_at, 2);
                if let Some(data) = string_parts(unit, &mut self.mem, local.ty, local_at)
                    .and_then(|t| t.owned_block())
                {
                    self.owners.push(Owner {
                        frame,
                        addr: local_at,
                        data,
                    });
                }
            }
            if let Some(awaitee) = &ms.awaitee {
                at = find_coroutine(
                    unit,
                    &mut self.mem,
                    awaitee.ty,
                    addr + awaitee.offset as usize,
                    COROUTINE_SEARCH,
                );
            }
        }
        // Nothing is read from now on: what was not copied above is not shown.
        self.mem.seal();
        if !self
            .unit
            .as_ref()
            .is_some_and(|u| std::sync::Arc::ptr_eq(u, &root.unit))
        {
            self.unit = Some(root.unit.clone());
        }
        self.captured = true;
    }

    /// The captured chain in words, outermost first, each frame handed to `each` with its
    /// depth.
    pub fn frames(&mut self, mut each: impl FnMut(usize, &Frame)) {
        if !std::mem::take(&mut self.captured) {
            return;
        }
        // Most states hold no locals: their frames are words already.
        if !self.frames.iter().any(|f| f.locals) {
            for (depth, raw) in self.frames.iter().enumerate() {
                let frame = Frame {
                    layout: raw.layout as usize,
                    state: raw.state,
                    locals: Vec::new(),
                };
                each(depth, &frame);
            }
            return;
        }
        let Some(unit) = self.unit.take() else {
            return;
        };
        self.frames_in(&unit, &mut each);
        self.unit = Some(unit);
    }

    fn frames_in(&mut self, unit: &Frozen, each: &mut impl FnMut(usize, &Frame)) {
        for depth in 0..self.frames.len() {
            let raw = self.frames[depth];
            let m = &unit.machines[raw.machine as usize];
            let ms = &m.states[raw.state];
            let locals = if ms.live {
                ms.locals
                    .iter()
                    .map(|f| self.local(unit, depth, raw.addr, f))
                    .collect()
            } else {
                Vec::new()
            };
            each(
                depth,
                &Frame {
                    layout: m.layout as usize,
                    state: raw.state,
                    locals,
                },
            );
        }
    }

    /// `name: type = value`, or `name: type (N bytes)` with why the value is not shown.
    fn local(&mut self, unit: &Frozen, frame: usize, base: usize, f: &Field) -> String {
        let shape = &unit.shapes[f.ty as usize];
        let at = base + f.offset as usize;
        let ty = super::short_type(shape.name());
        let moved = self.owned_twice(frame, at);
        let value = if moved {
            None
        } else {
            value(unit, &mut self.mem, f.ty, at, 2)
        };
        match value {
            Some(Ok(v)) => format!("{}: {ty} = {v}", f.name),
            Some(Err(Unshown::NoSafeRead)) => {
                format!("{}: {ty} ({} bytes)", f.name, shape.size())
            }
            Some(Err(Unshown::MayBeMoved)) => {
                format!("{}: {ty} ({} bytes, may be moved)", f.name, shape.size())
            }
            None if moved => format!("{}: {ty} ({} bytes, may be moved)", f.name, shape.size()),
            None => format!("{}: {ty} ({} bytes)", f.name, shape.size()),
        }
    }

    /// True if the `String` at `addr` in `frame` owns a heap block that another `String`
    /// of the chain also owns: values move inward, into the futures they are awaited in,
    /// so the outer one was moved out (both, if they are in the same frame).
    fn owned_twice(&self, frame: usize, addr: usize) -> bool {
        let Some(me) = self
            .owners
            .iter()
            .find(|o| o.frame == frame && o.addr == addr)
        else {
            return false;
        };
        self.owners
            .iter()
            .any(|o| o.data == me.data && o.addr != me.addr && o.frame >= frame)
    }
}

/// The first coroutine inside a value of type `ty` at `addr`: itself, a field, or what
/// an owning pointer points to.
fn find_coroutine(
    unit: &Frozen,
    mem: &mut Mem,
    ty: TypeId,
    addr: usize,
    budget: u32,
) -> Option<(u32, usize)> {
    if budget == 0 {
        return None;
    }
    match &unit.shapes[ty as usize] {
        Shape::Coroutine { machine, size, .. } => {
            // Behind a pointer: the coroutine's own bytes, copied in one go (inside the
            // task's own future there is nothing to copy).
            (mem.is_own(addr, *size as usize) || mem.map(addr, *size as usize))
                .then_some((*machine, addr))
        }
        Shape::Struct {
            fields,
            variants: None,
            ..
        } => fields
            .iter()
            .find_map(|f| find_coroutine(unit, mem, f.ty, addr + f.offset as usize, budget - 1)),
        Shape::Pointer {
            target: Some(target),
            owning: true,
            size: 8,
            ..
        } => {
            let pointee = mem.u64(addr)? as usize;
            if pointee == 0 {
                return None;
            }
            find_coroutine(unit, mem, *target, pointee, budget - 1)
        }
        _ => None,
    }
}
