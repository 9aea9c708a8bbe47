//! Why a binary's coroutines cannot be read: one error for opening, mapping and parsing
//! its debug info, so that callers can tell a missing file from a stripped binary.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why the compiler's states cannot be shown for a binary.
#[derive(Debug)]
#[non_exhaustive]
pub enum DebugInfoError {
    /// The running binary's path is unknown.
    NoExecutable(io::Error),
    /// The file cannot be opened.
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The file cannot be mapped into memory.
    Map {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The file is not an object file this platform reads (the parser's words).
    NotAnObject(String),
    /// The binary was built (or stripped) without `.debug_info`.
    Stripped,
    /// The debug info is there but does not parse.
    Dwarf(gimli::Error),
    /// The thread that reads it could not be started.
    Reader(io::Error),
    /// The thread that reads it stopped before it was done.
    ReaderStopped,
}

impl fmt::Display for DebugInfoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self {
            DebugInfoError::NoExecutable(e) => format!("cannot find the running binary: {e}"),
            DebugInfoError::Open { path, source } => {
                format!("cannot open {}: {source}", path.display())
            }
            DebugInfoError::Map { path, source } => {
                format!("cannot map {}: {source}", path.display())
            }
            DebugInfoError::NotAnObject(e) => e.clone(),
            DebugInfoError::Stripped => "the binary has no .debug_info section".to_owned(),
            DebugInfoError::Dwarf(e) => return write!(f, "reading debug info: {e}"),
            DebugInfoError::Reader(e) => {
                return write!(f, "could not start the debug-info reader: {e}");
            }
            DebugInfoError::ReaderStopped => return f.write_str("the debug-info reader stopped"),
        };
        write!(
            f,
            "no debug info ({what}): the compiler's states are not shown; `.at()` points still \
             are (build with `debug = 2` for the crate, see the README)"
        )
    }
}

impl std::error::Error for DebugInfoError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DebugInfoError::NoExecutable(e) | DebugInfoError::Reader(e) => Some(e),
            DebugInfoError::Open { source, .. } | DebugInfoError::Map { source, .. } => {
                Some(source)
            }
            DebugInfoError::Dwarf(e) => Some(e),
            _ => None,
        }
    }
}
