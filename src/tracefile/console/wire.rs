//! The lines of a tokio-console recording as console-subscriber writes them
//! (`console-subscriber/src/record.rs`, data format version 1): a header `{"v":1}`, then
//! one externally tagged event per line, each with its time as serde writes a
//! `SystemTime`:
//!
//! ```text
//! {"Spawn":{"id":6,"at":{"secs_since_epoch":..,"nanos_since_epoch":..},"fields":[{"name":"task.name","value":"producer"},..]}}
//! {"Enter":{"id":6,"at":..}}   {"Exit":{"id":6,"at":..}}   {"Close":{"id":6,"at":..}}
//! {"Waker":{"id":6,"op":{"Wake":{"self_wake":false}},"at":..}}   ("op":"Clone" / "Drop")
//! ```
//!
//! Unknown fields are ignored, so a later console-subscriber that adds one (a parent id,
//! say) still loads; an unknown event kind is refused, since its meaning is not known.

use crate::tracefile::FileError;
use serde::Deserialize;
use serde_json::Value;

/// The only recording format version known: console-subscriber's `DATA_FORMAT_VERSION`,
/// 1 from its first recorder to 0.5 at least.
pub(super) const VERSION: u64 = 1;

/// The header line, `{"v":1}`.
#[derive(Deserialize)]
struct Header {
    v: Value,
}

/// One recorded event.
#[derive(Debug, Deserialize)]
pub(super) enum Record {
    /// A task's span was created (console-subscriber records spawns of tasks only).
    Spawn { id: u64, at: At, fields: Vec<Field> },
    /// A task, resource or async-op span was entered.
    Enter { id: u64, at: At },
    /// It was exited.
    Exit { id: u64, at: At },
    /// A span closed: any span the subscriber knows, not only the ones recorded as entered.
    Close { id: u64, at: At },
    /// An operation on the waker of task span `id`.
    Waker { id: u64, op: WakeOp, at: At },
}

impl Record {
    /// The span the record is about.
    pub(super) fn id(&self) -> u64 {
        match self {
            Record::Spawn { id, .. }
            | Record::Enter { id, .. }
            | Record::Exit { id, .. }
            | Record::Close { id, .. }
            | Record::Waker { id, .. } => *id,
        }
    }

    /// When it happened.
    pub(super) fn at(&self) -> &At {
        match self {
            Record::Spawn { at, .. }
            | Record::Enter { at, .. }
            | Record::Exit { at, .. }
            | Record::Close { at, .. }
            | Record::Waker { at, .. } => at,
        }
    }
}

/// A `SystemTime` as serde writes it.
#[derive(Debug, Deserialize)]
pub(super) struct At {
    secs_since_epoch: u64,
    nanos_since_epoch: u32,
}

impl At {
    /// Nanoseconds since the Unix epoch, or an error naming `line` for a time no
    /// `SystemTime` could have (nanoseconds past a second, past the year 2554).
    pub(super) fn ns(&self, line: usize) -> Result<u64, FileError> {
        if self.nanos_since_epoch >= 1_000_000_000 {
            return Err(FileError::invalid(
                line,
                format!(
                    "field `at.nanos_since_epoch` is {}: must be under 1000000000",
                    self.nanos_since_epoch
                ),
            ));
        }
        self.secs_since_epoch
            .checked_mul(1_000_000_000)
            .and_then(|ns| ns.checked_add(u64::from(self.nanos_since_epoch)))
            .ok_or_else(|| {
                FileError::invalid(
                    line,
                    format!(
                        "field `at.secs_since_epoch` is {}: too far in the future",
                        self.secs_since_epoch
                    ),
                )
            })
    }
}

/// One field of a task's span: `kind`, `task.name`, `task.id`, `size.bytes`, ...
#[derive(Debug, Deserialize)]
pub(super) struct Field {
    pub(super) name: String,
    pub(super) value: Value,
}

/// What was done with a waker. `self_wake` is console-subscriber's own finding: the
/// task's span was entered on the waking thread.
#[derive(Clone, Copy, Debug, Deserialize)]
pub(super) enum WakeOp {
    Wake { self_wake: bool },
    WakeByRef { self_wake: bool },
    Clone,
    Drop,
}

/// True if `text` is a recording's header: a JSON object with a `v` and no `format`
/// (a pollscope trace's header has a `format`).
pub(super) fn is_header(text: &[u8]) -> bool {
    text.first() == Some(&b'{')
        && serde_json::from_slice::<serde_json::Map<String, Value>>(text)
            .is_ok_and(|m| m.contains_key("v") && !m.contains_key("format"))
}

/// Checks the header on `line`: a version this reader knows.
pub(super) fn check_header(line: usize, text: &[u8]) -> Result<(), FileError> {
    let header: Header =
        serde_json::from_slice(text).map_err(|e| FileError::from_json(line, &e))?;
    match header.v.as_u64() {
        Some(VERSION) => Ok(()),
        _ => Err(FileError::invalid(
            line,
            format!(
                "tokio-console recording format version {}: pollscope reads version {VERSION}",
                header.v
            ),
        )),
    }
}

/// Parses the record on `line` (already without its line ending).
pub(super) fn parse(line: usize, text: &[u8]) -> Result<Record, FileError> {
    serde_json::from_slice(text).map_err(|e| {
        let err = FileError::from_json(line, &e);
        // console-subscriber writes as the program runs and does not flush when it
        // exits, so a cut last line is the usual damage: say so.
        match err {
            FileError::Malformed { line, message } if e.is_eof() => FileError::Malformed {
                line,
                message: format!(
                    "{message}: the line is cut short (was the recording still being written?)"
                ),
            },
            other => other,
        }
    })
}
