//! A program's source files as the source panel shows them: built-in text, or read at
//! run time from the paths the compiler recorded, plus every file an await point of the
//! run was written in. A file that cannot be read is a one-line reason, never a failure.

use super::{ProgramInfo, SourceFile};
use crate::trace::Trace;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A source file longer than this is not shown (it is not hand-written async code).
const MAX_SOURCE_BYTES: u64 = 4 << 20;

/// One source file: its text, or why it could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The path as the compiler recorded it.
    pub file: String,
    /// The text, or why it is missing.
    pub text: Result<Arc<str>, SourceError>,
}

/// The source files of a run, in the order they became known.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sources {
    files: Vec<Source>,
    /// Await points of the trace already looked at.
    points_seen: usize,
    /// Files may be read from disk (false for a loaded trace: it carries its own).
    read_files: bool,
}

impl Sources {
    /// The program's declared sources; files without built-in text are read now.
    pub fn of(info: &ProgramInfo) -> Sources {
        let mut sources = Sources {
            read_files: true,
            ..Sources::default()
        };
        for file in &info.sources {
            sources.add(file);
        }
        sources
    }

    /// The sources a trace file carries; nothing is read from disk, so a loaded trace
    /// shows the code that ran, not whatever the file holds today.
    pub fn carried(info: &ProgramInfo) -> Sources {
        let mut sources = Sources::default();
        for file in &info.sources {
            sources.add(file);
        }
        sources
    }

    fn add(&mut self, file: &SourceFile) {
        if self.get(&file.file).is_some() {
            return;
        }
        let text = match &file.text {
            Some(text) => Ok(Arc::from(text.as_str())),
            None if self.read_files => read(&file.file),
            None => Err(SourceError::NotInTraceFile {
                file: file.file.clone(),
            }),
        };
        self.files.push(Source {
            file: file.file.clone(),
            text,
        });
    }

    /// Adds the files of await points the trace met since the last call (reading them).
    /// Returns true if a file was added.
    pub fn discover(&mut self, trace: &Trace) -> bool {
        let before = self.files.len();
        let points = trace.points.get(self.points_seen..).unwrap_or_default();
        for point in points {
            let file = trace.str(point.file);
            if self.get(file).is_none() {
                self.add(&SourceFile {
                    file: file.to_owned(),
                    text: None,
                });
            }
        }
        self.points_seen = trace.points.len();
        self.files.len() > before
    }

    /// The file with this path.
    pub fn get(&self, file: &str) -> Option<&Source> {
        self.files.iter().find(|s| s.file == file)
    }

    /// Every file, in order.
    pub fn files(&self) -> &[Source] {
        &self.files
    }

    /// True when there is no file at all.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The files whose text is known, for a trace file's header.
    pub fn to_files(&self) -> Vec<SourceFile> {
        self.files
            .iter()
            .filter_map(|s| {
                let text = s.text.as_ref().ok()?;
                Some(SourceFile {
                    file: s.file.clone(),
                    text: Some(text.to_string()),
                })
            })
            .collect()
    }
}

/// Where a relative path the compiler recorded may be: it is relative to the directory
/// cargo ran rustc in (the workspace root), which is where `cargo run` usually starts, or
/// an ancestor of the package's manifest directory (cargo sets `CARGO_MANIFEST_DIR` for
/// `cargo run` and `cargo test`).
fn candidates(file: &str) -> Vec<PathBuf> {
    let path = Path::new(file);
    if path.is_absolute() {
        return vec![path.to_owned()];
    }
    let mut out = vec![path.to_owned()];
    if let Some(manifest) = std::env::var_os("CARGO_MANIFEST_DIR") {
        out.extend(Path::new(&manifest).ancestors().map(|dir| dir.join(path)));
    }
    out
}

/// Reads a source file, or says in one line why not.
pub fn read(file: &str) -> Result<Arc<str>, SourceError> {
    let mut first_error = None;
    for candidate in candidates(file) {
        match std::fs::metadata(&candidate) {
            Ok(meta) if meta.len() > MAX_SOURCE_BYTES => {
                return Err(SourceError::TooLarge {
                    file: file.to_owned(),
                    bytes: meta.len(),
                });
            }
            Ok(_) => match std::fs::read(&candidate) {
                Ok(bytes) => return Ok(Arc::from(String::from_utf8_lossy(&bytes).as_ref())),
                Err(e) => first_error.get_or_insert(e),
            },
            Err(e) => first_error.get_or_insert(e),
        };
    }
    Err(SourceError::Unreadable {
        file: file.to_owned(),
        why: first_error.map(|e| e.to_string()),
    })
}

/// Why a source file is not shown.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SourceError {
    /// Larger than the source panel shows.
    TooLarge {
        /// The file as the compiler named it.
        file: String,
        /// Its size.
        bytes: u64,
    },
    /// Not found, or not readable, at any place it may be.
    Unreadable {
        /// The file as the compiler named it.
        file: String,
        /// The first place's error, in the system's words (`None`: no place to look).
        why: Option<String>,
    },
    /// A loaded trace file did not carry its text.
    NotInTraceFile {
        /// The file as the compiler named it.
        file: String,
    },
}

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SourceError::TooLarge { file, bytes } => {
                write!(
                    f,
                    "{file}: not shown ({bytes} bytes; at most {MAX_SOURCE_BYTES})"
                )
            }
            SourceError::Unreadable { file, why } => {
                let why = why.as_deref().unwrap_or("not found");
                write!(
                    f,
                    "{file}: cannot be read ({why}); run from the crate's directory to see its code"
                )
            }
            SourceError::NotInTraceFile { file } => write!(f, "{file}: not in the trace file"),
        }
    }
}

impl std::error::Error for SourceError {}
