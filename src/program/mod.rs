//! What a session runs: a [`Program`] is a title, an explanation, the source files to
//! show and the tasks to spawn, each built by a function so a reset builds fresh futures.
//! The built-in lessons are programs; so is a user's own code run by [`crate::main`].
//!
//! ```
//! use pollscope::executor::{Policy, Step};
//! use pollscope::{AtExt, Program};
//!
//! async fn double(n: u32) -> u32 {
//!     pollscope::executor::yield_now().at("yield").await;
//!     n * 2
//! }
//!
//! let program = Program::new("doubles")
//!     .title("Two tasks")
//!     .task("two", || double(1))
//!     .task("four", || double(2));
//! let recording = pollscope::record(&program, Policy::WakerDriven).unwrap();
//! assert!(recording.end.is_finished());
//! let state = pollscope::trace::History::from_trace(recording.trace).live().clone();
//! assert_eq!(state.tasks.len(), 2);
//! ```

mod error;
mod info;
pub(crate) mod launch;
mod record;
pub mod region;
mod sources;
#[cfg(feature = "tokio")]
mod tokio;

pub use error::ProgramError;
pub use info::{ProgramInfo, SourceFile};
pub use launch::{Env, Launched};
pub use record::{Recording, record, record_with};
pub use sources::{Source, SourceError, Sources, read as read_source};

use crate::executor::Executor;
use crate::executor::drive::DEFAULT_TRACE_LIMIT;
use std::fmt::Debug;
use std::future::Future;
use std::panic::Location;
use std::sync::Arc;

/// One step of building a program's tasks on a fresh executor.
type BuildStep = Arc<dyn Fn(&mut Executor, &Env) -> Result<(), ProgramError> + Send + Sync>;

/// A program to run, step and record: described by a [`ProgramInfo`], built afresh by
/// every [`launch`](Program::launch). Cheap to clone.
#[derive(Clone)]
pub struct Program {
    /// Shared: a program is cloned on every reset, its sources' text is not.
    info: Arc<ProgramInfo>,
    steps: Vec<BuildStep>,
    fetches: bool,
    stalls: bool,
    trace_limit: Option<usize>,
    #[cfg(feature = "tokio")]
    tokio: bool,
    /// tokio's own polls wait for Step too (see [`Program::stepped`]).
    #[cfg(feature = "tokio")]
    stepped: bool,
    #[cfg(unix)]
    script: Option<Arc<crate::python::Script>>,
}

impl Debug for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Program")
            .field("id", &self.info.id)
            .field("title", &self.info.title)
            .field("steps", &self.steps.len())
            .finish()
    }
}

impl Program {
    /// An empty program with this id (used in file names and the command line).
    pub fn new(id: impl Into<String>) -> Program {
        Program {
            info: Arc::new(ProgramInfo {
                id: id.into(),
                ..ProgramInfo::default()
            }),
            steps: Vec::new(),
            fetches: false,
            stalls: false,
            trace_limit: None,
            #[cfg(feature = "tokio")]
            tokio: false,
            #[cfg(feature = "tokio")]
            stepped: false,
            #[cfg(unix)]
            script: None,
        }
    }

    /// A Python script run under pollscope's tracer instead of Rust tasks: its
    /// coroutines' resumes are the polls (see [`crate::python`]).
    #[cfg(unix)]
    pub fn python_script(script: crate::python::Script) -> Program {
        let info = script.info();
        let mut program = Program::new(info.id.clone());
        program.info = Arc::new(info);
        program.script = Some(Arc::new(script));
        program
    }

    /// The Python script this program runs, if it is one.
    #[cfg(unix)]
    pub fn script(&self) -> Option<&crate::python::Script> {
        self.script.as_deref()
    }

    /// Sets the title the app and the CLI show.
    pub fn title(mut self, title: impl Into<String>) -> Program {
        self.info_mut().title = title.into();
        self
    }

    /// Sets what happens and why, in plain words.
    pub fn explanation(mut self, text: impl Into<String>) -> Program {
        self.info_mut().explanation = Some(text.into());
        self
    }

    /// Adds a source file to show, by the path the compiler records for it (relative to
    /// the crate root, as `file!()` gives it); it is read when the program is shown.
    pub fn source(mut self, file: impl Into<String>) -> Program {
        self.info_mut().add_source(&file.into(), None);
        self
    }

    /// Adds a source file with its text (`include_str!`), so it shows wherever the
    /// program runs.
    pub fn source_text(mut self, file: impl Into<String>, text: impl Into<String>) -> Program {
        self.info_mut().add_source(&file.into(), Some(text.into()));
        self
    }

    /// Sets the Python equivalent shown in the Python lens.
    pub fn python(mut self, text: impl Into<String>) -> Program {
        self.info_mut().python = Some(text.into());
        self
    }

    /// Declares the `.at("label")` points of the code, in source order.
    pub fn points<S: Into<String>>(mut self, labels: impl IntoIterator<Item = S>) -> Program {
        self.info_mut().points = labels.into_iter().map(Into::into).collect();
        self
    }

    /// Adds a task: `make` builds its future, afresh on every launch (a reset runs new
    /// futures, never a finished one). The file this is called from becomes a source.
    #[track_caller]
    pub fn task<M, F>(mut self, name: impl Into<String>, make: M) -> Program
    where
        M: Fn() -> F + Send + Sync + 'static,
        F: Future + 'static,
        F::Output: Debug,
    {
        let name = name.into();
        self.info_mut().add_source(Location::caller().file(), None);
        self.steps.push(Arc::new(move |ex, _| {
            ex.spawn(&name, make());
            Ok(())
        }));
        self
    }

    /// Adds a building step with the executor and the environment in hand: for tasks
    /// that share state created per launch (an `Rc<RefCell<..>>` between two tasks), or
    /// that need the page URLs.
    pub fn build<B>(mut self, build: B) -> Program
    where
        B: Fn(&mut Executor, &Env) -> Result<(), ProgramError> + Send + Sync + 'static,
    {
        self.steps.push(Arc::new(build));
        self
    }

    /// Marks the program as one that fetches pages: it gets the URLs the user gives, or
    /// those of a demo server started for the run.
    pub fn fetches(mut self) -> Program {
        self.fetches = true;
        self
    }

    /// Caps its trace at `events` events (default [`DEFAULT_TRACE_LIMIT`], 20 million): a
    /// run that reaches it stops, its trace intact.
    pub fn trace_limit(mut self, events: usize) -> Program {
        self.trace_limit = Some(events);
        self
    }

    /// Marks the program as stalling by design under the waker-driven policy.
    pub fn stalls(mut self) -> Program {
        self.stalls = true;
        self
    }

    /// Runs a multi-thread tokio runtime beside the program and enters it around every
    /// poll, so tokio's timers, sockets and channels work on pollscope's executor.
    #[cfg(feature = "tokio")]
    pub fn tokio(mut self) -> Program {
        self.tokio = true;
        self
    }

    /// A stepped tokio run: every poll of every task, tokio's own included, waits for a
    /// step, so the whole program makes one poll at a time (`true`), or tokio polls its
    /// tasks freely (`false`, the default). It needs tokio's task hooks (`RUSTFLAGS="--cfg
    /// tokio_unstable"`); without them the launch says so.
    #[cfg(feature = "tokio")]
    pub fn stepped(mut self, on: bool) -> Program {
        self.tokio = true;
        self.stepped = on;
        self
    }

    /// True for a stepped tokio run.
    pub fn is_stepped(&self) -> bool {
        #[cfg(feature = "tokio")]
        return self.stepped;
        #[cfg(not(feature = "tokio"))]
        false
    }

    /// True if the program runs beside a tokio runtime.
    pub fn uses_tokio(&self) -> bool {
        #[cfg(feature = "tokio")]
        return self.tokio;
        #[cfg(not(feature = "tokio"))]
        false
    }

    /// The program's description.
    pub fn info(&self) -> &ProgramInfo {
        &self.info
    }

    /// Mutable access to the description, for builders that fill in several fields.
    pub fn info_mut(&mut self) -> &mut ProgramInfo {
        Arc::make_mut(&mut self.info)
    }

    /// The id.
    pub fn id(&self) -> &str {
        &self.info.id
    }

    /// Its trace limit, in events.
    pub fn events_limit(&self) -> usize {
        self.trace_limit.unwrap_or(DEFAULT_TRACE_LIMIT)
    }

    /// True if the program fetches pages.
    pub fn is_fetching(&self) -> bool {
        self.fetches
    }

    /// True if the program stalls by design under the waker-driven policy.
    pub fn is_stalling(&self) -> bool {
        self.stalls
    }
}
