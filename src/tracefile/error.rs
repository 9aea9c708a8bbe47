//! Everything that can go wrong reading or writing a trace file, with messages that say
//! where.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why a trace file could not be read or written.
///
/// Every variant about the file's contents names the 1-based line at fault, so a user can
/// open the file at that line.
#[derive(Debug)]
#[non_exhaustive]
pub enum FileError {
    /// The operating system refused a read or a write.
    Io {
        /// The file involved, when known (a plain reader has none).
        path: Option<PathBuf>,
        /// True when writing, false when reading.
        writing: bool,
        /// What the operating system said.
        source: io::Error,
    },
    /// The file has no content at all.
    Empty,
    /// The first line is not a pollscope trace header.
    NotATrace,
    /// The file was written by a newer pollscope in a format this one does not know.
    TooNew {
        /// The file's format version.
        version: u64,
    },
    /// A line is not valid JSON (a file cut short ends in one of these).
    Malformed {
        /// The line.
        line: usize,
        /// The JSON parser's complaint.
        message: String,
    },
    /// An event's `kind` is not one this pollscope knows.
    UnknownKind {
        /// The line.
        line: usize,
        /// The kind found.
        kind: String,
    },
    /// A field the event (or header) needs is missing or has a value it cannot have.
    InvalidField {
        /// The line.
        line: usize,
        /// Why, naming the field.
        message: String,
    },
    /// An event's `seq` is not its index in the trace (an event lost or repeated).
    OutOfOrder {
        /// The line.
        line: usize,
        /// The `seq` found.
        seq: u64,
        /// The `seq` this line should have.
        expected: u64,
    },
    /// An event refers to a task or worker thread in a way replay cannot follow (a task
    /// spawned out of order, a poll of a task never spawned).
    BadReference {
        /// The line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The file ends before the event count its header (or end line) promises: it was cut
    /// short, by a full disk, an interrupted copy or a crash.
    Truncated {
        /// Events the file holds.
        found: u64,
        /// Events it should hold.
        expected: u64,
    },
}

impl FileError {
    /// The 1-based line at fault, for errors about the file's contents.
    pub fn line(&self) -> Option<usize> {
        match self {
            FileError::Malformed { line, .. }
            | FileError::UnknownKind { line, .. }
            | FileError::InvalidField { line, .. }
            | FileError::OutOfOrder { line, .. }
            | FileError::BadReference { line, .. } => Some(*line),
            FileError::NotATrace | FileError::TooNew { .. } => Some(1),
            FileError::Io { .. } | FileError::Empty | FileError::Truncated { .. } => None,
        }
    }

    /// The operating system's kind of error, for [`FileError::Io`]: lets a caller tell a
    /// closed pipe (quiet) from a full disk (worth a message).
    pub fn io_kind(&self) -> Option<io::ErrorKind> {
        match self {
            FileError::Io { source, .. } => Some(source.kind()),
            _ => None,
        }
    }

    pub(crate) fn io(path: Option<PathBuf>, writing: bool, source: io::Error) -> Self {
        FileError::Io {
            path,
            writing,
            source,
        }
    }

    pub(crate) fn invalid(line: usize, message: impl Into<String>) -> Self {
        FileError::InvalidField {
            line,
            message: message.into(),
        }
    }

    pub(crate) fn reference(line: usize, message: impl Into<String>) -> Self {
        FileError::BadReference {
            line,
            message: message.into(),
        }
    }

    /// Turns a JSON error into a file error: syntax (and a line cut short) is malformed
    /// JSON; well-formed JSON of the wrong shape is a field problem.
    pub(crate) fn from_json(line: usize, err: &serde_json::Error) -> Self {
        // serde's text ends with "at line 1 column N" of the single line it was given,
        // which would contradict our line number; keep only the column.
        let text = err.to_string();
        let suffix = format!(" at line {} column {}", err.line(), err.column());
        let bare = text.strip_suffix(&suffix).unwrap_or(&text);
        let message = if err.column() > 0 {
            format!("{bare} (column {})", err.column())
        } else {
            bare.to_owned()
        };
        if err.is_data() {
            FileError::InvalidField { line, message }
        } else {
            FileError::Malformed { line, message }
        }
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::Io {
                path,
                writing,
                source,
            } => {
                let verb = if *writing { "write" } else { "read" };
                match path {
                    Some(path) => write!(f, "cannot {verb} {}: {source}", path.display()),
                    None => write!(f, "cannot {verb} the trace: {source}"),
                }
            }
            FileError::Empty => write!(f, "empty file: not a pollscope trace"),
            FileError::NotATrace => write!(
                f,
                "not a pollscope trace: line 1 is not a pollscope-trace header"
            ),
            FileError::TooNew { version } => write!(
                f,
                "trace format version {version} is newer than this pollscope ({}): \
                 upgrade pollscope",
                super::VERSION
            ),
            FileError::Malformed { line, message } => {
                write!(f, "line {line}: malformed JSON: {message}")
            }
            FileError::UnknownKind { line, kind } => {
                write!(f, "line {line}: unknown event kind {kind:?}")
            }
            FileError::InvalidField { line, message } => write!(f, "line {line}: {message}"),
            FileError::OutOfOrder {
                line,
                seq,
                expected,
            } => write!(
                f,
                "line {line}: seq {seq} out of order (expected {expected}): \
                 events are missing or repeated"
            ),
            FileError::BadReference { line, message } => write!(f, "line {line}: {message}"),
            FileError::Truncated { found, expected } if found < expected => write!(
                f,
                "file ends after {found} of {expected} events: it was cut short"
            ),
            FileError::Truncated { found, .. } => write!(
                f,
                "file ends after its {found} events without its end line: it was cut short"
            ),
        }
    }
}

impl std::error::Error for FileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FileError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
