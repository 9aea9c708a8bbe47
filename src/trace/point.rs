//! The await point: where an `.at("label")` was written. One type in three spellings —
//! with `&'static str` at the call site ([`Site`]), with interned symbols in a trace's
//! table ([`Point`]), with owned strings in JSON Lines.

use super::event::Sym;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An await point: a label, the source file as the compiler names it, a 1-based line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AwaitPoint<S = String> {
    /// The label given to `.at(..)`.
    pub label: S,
    /// The source file (`src/lessons/remote.rs`).
    pub file: S,
    /// 1-based line of the `.at(..)` call.
    pub line: u32,
}

/// An await point as the trace keeps it: label and file interned.
pub type Point = AwaitPoint<Sym>;

/// An await point as the call site knows it, without a trace lookup.
pub type Site = AwaitPoint<&'static str>;

impl<S: fmt::Display> fmt::Display for AwaitPoint<S> {
    /// `file:line (label)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{} ({})", self.file, self.line, self.label)
    }
}
