//! Why a program could not start.

use std::fmt;

/// Why a [`Program`](super::Program) could not be found or set up.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProgramError {
    /// No program (or built-in lesson) has this id.
    Unknown {
        /// The id asked for.
        id: String,
        /// The ids there are.
        known: Vec<String>,
    },
    /// The program needs something the environment lacks (a demo server, a runtime).
    Setup(String),
}

impl fmt::Display for ProgramError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProgramError::Unknown { id, known } => {
                write!(f, "unknown lesson '{id}' (lessons: {})", known.join(", "))
            }
            ProgramError::Setup(why) => write!(f, "setup failed: {why}"),
        }
    }
}

impl std::error::Error for ProgramError {}
