//! Python's own coroutines, stepped in CPython itself. pollscope starts the interpreter
//! with the tracer it ships (`assets/python/tracer.py`, standard library only), which
//! pauses CPython before every resume of a coroutine, generator or async generator that
//! is driven from outside one and reports over a Unix socket ([`protocol`]). Each
//! message becomes trace events ([`translate`]) of the kinds a Rust run records — a
//! resume is a poll, a suspension's line its await point, each level of the await chain
//! a state with its locals — so every view reads a Python run as it reads a lesson.

pub mod experiments;
pub mod protocol;
mod run;
pub mod translate;
mod twin;

pub use run::{PyRun, PyStep};
pub use translate::{Exit, Translator};
pub use twin::{Twin, TwinTask, TwinView};

use std::ffi::OsString;
use std::path::PathBuf;

/// A script to run, and the interpreter to run it with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Script {
    /// The script.
    pub path: PathBuf,
    /// Its arguments (`sys.argv[1:]`).
    pub args: Vec<String>,
    /// The interpreter (`python3` unless told).
    pub python: OsString,
    /// The script's text when it is built into pollscope: written to `path` when it runs.
    pub text: Option<&'static str>,
}

impl Script {
    /// The script's path as the tracer names it in every event: absolute, symlinks kept
    /// (as Python's `os.path.abspath`).
    pub fn absolute(&self) -> PathBuf {
        std::path::absolute(&self.path).unwrap_or_else(|_| self.path.clone())
    }

    /// What the app and a trace file's header show of the script: its name, the first
    /// line of its docstring as the title and the rest of its first paragraph as the
    /// explanation, and its text (read now; a script that cannot be read has none).
    pub fn info(&self) -> crate::program::ProgramInfo {
        let file = self.absolute();
        let text = match self.text {
            Some(text) => Some(text.to_owned()),
            None => std::fs::read(&file)
                .ok()
                .map(|b| String::from_utf8_lossy(&b).into_owned()),
        };
        let stem = file
            .file_stem()
            .map_or("script".into(), |s| s.to_string_lossy().into_owned());
        let (title, explanation) = text.as_deref().map(docstring).unwrap_or_default();
        let mut info = crate::program::ProgramInfo {
            id: format!("py:{stem}"),
            title: title.unwrap_or_else(|| format!("{stem}.py")),
            explanation,
            ..Default::default()
        };
        info.sources.push(crate::program::SourceFile {
            file: file.to_string_lossy().into_owned(),
            text,
        });
        info
    }

    /// `path` with no arguments, run by `python3` (or `POLLSCOPE_PYTHON` when set).
    pub fn new(path: impl Into<PathBuf>) -> Script {
        Script {
            path: path.into(),
            args: Vec::new(),
            python: std::env::var_os("POLLSCOPE_PYTHON").unwrap_or_else(|| "python3".into()),
            text: None,
        }
    }

    /// A script built into pollscope, named `name`: it runs from a directory of this
    /// user's under the system's temporary directory, written when it first runs.
    pub fn built_in(name: &str, text: &'static str) -> Script {
        // SAFETY: getuid cannot fail and touches no memory.
        let uid = unsafe { libc::getuid() };
        let dir = std::env::temp_dir().join(format!("pollscope-scripts-{uid}"));
        Script {
            text: Some(text),
            ..Script::new(dir.join(name))
        }
    }

    /// Writes a built-in script's text to its path (unless it is there already).
    fn write_out(&self) -> std::io::Result<()> {
        use std::os::unix::fs::DirBuilderExt;
        let Some(text) = self.text else {
            return Ok(());
        };
        if std::fs::read(&self.path).is_ok_and(|b| b == text.as_bytes()) {
            return Ok(());
        }
        if let Some(dir) = self.path.parent() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)?;
        }
        std::fs::write(&self.path, text)
    }
}

/// Why a script could not be started.
#[derive(Debug)]
#[non_exhaustive]
pub enum PyError {
    /// The script cannot be read.
    Script {
        /// The script.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The interpreter cannot be started.
    NoInterpreter {
        /// The interpreter asked for.
        python: OsString,
        /// Why.
        source: std::io::Error,
    },
    /// The interpreter is older than the tracer supports.
    TooOld {
        /// What it said.
        words: String,
    },
    /// The interpreter ended before the tracer connected.
    Ended {
        /// Its exit status.
        code: Option<i32>,
        /// Its last words on standard error.
        words: String,
    },
    /// The tracer's directory or socket could not be made.
    Setup(std::io::Error),
}

impl PyError {
    fn from_early_exit(code: Option<i32>, words: &str) -> PyError {
        let last = words
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim()
            .to_owned();
        if code == Some(4) || last.contains("needs Python 3.11") {
            PyError::TooOld { words: last }
        } else {
            PyError::Ended { code, words: last }
        }
    }
}

impl std::fmt::Display for PyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PyError::Script { path, source } => {
                write!(f, "cannot read {}: {source}", run::shown(path))
            }
            PyError::NoInterpreter { python, source } => write!(
                f,
                "cannot start {}: {source} (pollscope needs Python 3.11 or newer; --python PATH picks one)",
                python.to_string_lossy()
            ),
            PyError::TooOld { words } => write!(f, "{words}"),
            PyError::Ended { code, words } => {
                let status = code.map_or("killed".to_owned(), |c| format!("status {c}"));
                if words.is_empty() {
                    write!(
                        f,
                        "the interpreter ended before the tracer started ({status})"
                    )
                } else {
                    write!(
                        f,
                        "the interpreter ended before the tracer started ({status}): {words}"
                    )
                }
            }
            PyError::Setup(e) => write!(f, "cannot set up the tracer: {e}"),
        }
    }
}

impl std::error::Error for PyError {}

/// A module docstring's first line and the paragraph after it.
fn docstring(text: &str) -> (Option<String>, Option<String>) {
    let body = text.trim_start();
    let Some(rest) = body
        .strip_prefix("\"\"\"")
        .or_else(|| body.strip_prefix("'''"))
    else {
        return (None, None);
    };
    let end = rest
        .find("\"\"\"")
        .or_else(|| rest.find("'''"))
        .unwrap_or(0);
    let doc = &rest[..end];
    let mut paragraphs = doc.split("\n\n");
    let mut first = paragraphs.next().unwrap_or("").lines();
    let title = first
        .next()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty());
    let mut explanation: Vec<&str> = first.map(str::trim).collect();
    if explanation.is_empty()
        && let Some(next) = paragraphs.next()
    {
        explanation = next.lines().map(str::trim).collect();
    }
    let explanation = explanation.join(" ");
    (
        title,
        (!explanation.trim().is_empty()).then(|| explanation.trim().to_owned()),
    )
}
