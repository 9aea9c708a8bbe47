//! What a panel may read each frame ([`View`]), and how the side panels are arranged
//! ([`WIDE_LAYOUT`], [`SideTab`]).

use crate::lens::Lens;
use crate::program::{Program, ProgramInfo, Sources};
use crate::trace::{State, TaskId, Trace};
use std::path::Path;

/// Everything a panel may read this frame.
pub struct View<'a> {
    /// The program being shown (a loaded trace's, from its header).
    pub program: &'a ProgramInfo,
    /// Its source files.
    pub sources: &'a Sources,
    /// Every program the app can switch to (the lessons, or the user's one program).
    pub catalog: &'a [Program],
    /// The trace.
    pub trace: &'a Trace,
    /// The state at the index being viewed.
    pub state: &'a State,
    /// The task the panels focus on.
    pub selected: Option<TaskId>,
    /// Rust or Python words.
    pub lens: Lens,
    /// Dark theme.
    pub dark: bool,
    /// Presenter mode.
    pub presenter: bool,
    /// The current time in trace time, for live elapsed bars.
    pub now_ns: u64,
    /// True when showing an earlier index than the newest.
    pub rewound: bool,
    /// The file a loaded trace came from.
    pub loaded: Option<&'a Path>,
    /// The outcome of the last file action.
    pub message: Option<&'a str>,
    /// Coroutine layouts a loaded trace carries.
    pub layouts: &'a [std::sync::Arc<crate::coro::Layout>],
    /// Why the compiler's states cannot be shown (no debug info), once known.
    pub coro_unavailable: Option<&'a crate::coro::DebugInfoError>,
    /// The program is a Python script under the tracer: no scheduling policy applies.
    pub python_run: bool,
    /// The program runs beside tokio: the toolbar offers the stepped tokio run.
    pub tokio_run: bool,
    /// The lesson's Python twin live in CPython (Python lens), as of this frame.
    #[cfg(unix)]
    pub twin: Option<&'a crate::python::TwinView>,
    /// Breakpoints: file and line.
    pub breakpoints: &'a [(String, u32)],
    /// The live run stopped because nothing can wake any task.
    pub stalled: bool,
    /// The scheduling policy of the run shown (a loaded trace's, from its header).
    pub policy: crate::executor::Policy,
}

impl View<'_> {
    /// The compiler's layout of a future: from a loaded trace's header, else from the
    /// running binary's debug info.
    pub fn layout(&self, future: &str) -> Option<std::sync::Arc<crate::coro::Layout>> {
        if let Some(l) = self.layouts.iter().find(|l| l.future == future) {
            return Some(l.clone());
        }
        crate::coro::ready().and_then(|i| i.layout(future))
    }

    /// Why task `id` is not running, in one sentence (`None` once it has finished).
    pub fn why(&self, id: TaskId) -> Option<String> {
        let cx = crate::why::Context {
            now_ns: if self.rewound { 0 } else { self.now_ns },
            stalled: self.stalled,
        };
        crate::why::sentence(self.trace, self.state, id, cx)
    }

    /// The task the panels focus on: the selected one, else the one being polled, else
    /// the first unfinished, else the first.
    pub fn focus(&self) -> Option<&crate::trace::TaskView> {
        let state = self.state;
        self.selected
            .and_then(|t| state.task(t))
            .or_else(|| state.running.and_then(|t| state.task(t)))
            .or_else(|| state.tasks.iter().find(|t| !t.state.is_finished()))
            .or_else(|| state.tasks.first())
    }
}

/// Below this window width (in points), and always in presenter mode, the side panels fold
/// into one panel of tabs.
pub const WIDE_LAYOUT: f32 = 1500.0;

/// The tabs of the folded side panel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SideTab {
    /// The task table and the focused task's sentence.
    #[default]
    Tasks,
    /// The worker threads.
    Threads,
    /// The compiler's state machine of the focused task.
    Machine,
    /// The event log.
    Log,
}

impl SideTab {
    /// Every tab, in order.
    pub const ALL: [SideTab; 4] = [
        SideTab::Tasks,
        SideTab::Threads,
        SideTab::Machine,
        SideTab::Log,
    ];

    /// The tab's title.
    pub fn title(self) -> &'static str {
        match self {
            SideTab::Tasks => "Tasks",
            SideTab::Threads => "Threads",
            SideTab::Machine => "State machine",
            SideTab::Log => "Log",
        }
    }
}
