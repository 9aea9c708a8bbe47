//! The compiler's own state machines: rustc turns every `async fn` and `async` block into
//! a coroutine with states `Unresumed`, `Returned`, `Panicked` and one `SuspendN` per
//! `.await`, and describes each one in the binary's DWARF — its states with their source
//! lines, the locals each keeps alive across its await, and `__awaitee`, the future it is
//! waiting on. This module reads that description from the running binary — only the
//! units of debug info the program's tasks reach, as they reach them — and reads live
//! futures with it through reads that cannot fault, so the trace records the real state
//! of every task after every poll, with no annotations at all.
//!
//! - `binary`: the object file opened, its units' headers and address ranges.
//! - `unit`: one unit read for its coroutines' layouts and the types they hold.
//! - `index`: the units read so far, layouts numbered across them, the loader thread.
//! - `names`: the compiler's anonymous names made readable (`TcpListener::bind`).
//! - `memory`: fault-tolerant reads of this process's memory.
//! - `read`: a live future's chain, states and locals, validated before they are shown.
//!
//! Without debug info (a stripped binary, or one built with `debug = 0`), [`index`] says
//! so in one line and everything falls back to `.at()` points.

mod binary;
mod error;
mod index;
mod layout;
mod memory;
mod names;
mod read;
mod shape;
mod unit;
mod value;

pub use error::DebugInfoError;
pub(crate) use index::Lookup;
pub use index::{Index, failure, index, ready, start};
pub use layout::{LARGE_FUTURE, Layout, LocalLayout, StateLayout, short_path};
pub use names::short_type;
pub(crate) use read::ChainCopy;
pub use read::Frame;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// What the executor knows of a task's future at spawn time, enough to find its layout
/// once the index is built: the address of its `poll`, its type's name and size.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Root {
    poll: usize,
    type_name: &'static str,
    size: usize,
}

impl Root {
    /// The root of a future of type `F`.
    pub(crate) fn of<F: Future>() -> Root {
        let poll: fn(Pin<&mut F>, &mut Context<'_>) -> Poll<F::Output> = <F as Future>::poll;
        Root {
            poll: poll as usize,
            type_name: std::any::type_name::<F>(),
            size: std::mem::size_of::<F>(),
        }
    }

    /// This future's type in `index`, if it is (or holds) a coroutine the debug info
    /// describes. With `wait`, the unit describing it is read now if it has not been.
    pub(crate) fn type_in(&self, index: &Index, wait: bool) -> Lookup {
        index.root_type(self, wait)
    }
}

/// The look-ups made so far, by future type: most tasks share their future's type with
/// an earlier task, whose answer is then one hash look-up away.
#[derive(Debug, Default)]
pub(crate) struct Lookups {
    /// By `poll`'s address, type name and size (two types may share one `poll` when the
    /// compiler merges identical functions).
    known: rustc_hash::FxHashMap<(usize, usize, usize), Lookup>,
}

impl Lookups {
    /// `root`'s type in `index` (see [`Root::type_in`]), from an earlier answer when one
    /// is final.
    pub(crate) fn type_of(&mut self, root: &Root, index: &Index, wait: bool) -> Lookup {
        let key = (root.poll, root.type_name.as_ptr() as usize, root.size);
        if let Some(known) = self.known.get(&key)
            && !matches!(known, Lookup::Pending)
        {
            return known.clone();
        }
        let found = root.type_in(index, wait);
        self.known.insert(key, found.clone());
        found
    }
}
