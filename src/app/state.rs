//! The app's state: the [`PollscopeApp`] struct, its constructors, what tests read of it,
//! and the [`View`] it lends the panels each frame. Actions change it in `apply.rs`; the
//! frame lays it out in `frame.rs`.

use super::settings::Settings;
use super::view::{SideTab, View};
use super::{event_log, files, source, state_machine, status_bar, timeline, timing};
use crate::lessons;
use crate::program::{Program, ProgramInfo, Sources};
use crate::session::{Command, Session, Status};
use crate::trace::{History, State, TaskId};
use crate::tracefile::Header;

/// The app.
pub struct PollscopeApp {
    pub(super) settings: Settings,
    pub(super) session: Option<Session>,
    pub(super) history: History,
    /// The programs the picker offers; `current` is the one running.
    pub(super) catalog: Vec<Program>,
    pub(super) current: usize,
    /// What is shown: the current program's description, or a loaded trace's.
    pub(super) info: ProgramInfo,
    pub(super) sources: Sources,
    pub(super) selected: Option<TaskId>,
    pub(super) status: Status,
    pub(super) help_open: bool,
    pub(super) log: event_log::LogView,
    pub(super) machine: state_machine::MachineView,
    pub(super) source: source::SourceView,
    pub(super) style_dirty: bool,
    pub(super) timing_open: bool,
    pub(super) timing_form: timing::TimingForm,
    pub(super) timing_run: Option<crate::timing::Background>,
    /// Asks for a repaint from background threads.
    pub(super) repaint: Option<egui::Context>,
    /// The event index shown (`None`: live) and the state there, rebuilt when it moves.
    pub(super) cursor: Option<usize>,
    pub(super) scrubbed: Option<State>,
    /// A trace loaded from a file: shown and scrubbed, never run.
    pub(super) loaded: Option<(std::path::PathBuf, Header)>,
    pub(super) dialog: files::FileDialog,
    /// The outcome of the last file action, for the status bar.
    pub(super) message: Option<String>,
    /// The session's run number when last seen.
    pub(super) generation: u64,
    /// The trace time of the last frame, for live timers between events.
    pub(super) last_now_ns: u64,
    /// Coroutine layouts of a loaded trace.
    pub(super) layouts: Vec<std::sync::Arc<crate::coro::Layout>>,
    /// The last stop (breakpoint, bigger step) the app has focused.
    pub(super) seen_stop: Option<crate::watch::Stop>,
    /// The tab shown when the side panels are folded.
    pub(super) side_tab: SideTab,
    /// The timeline panel's zoom, pan and lanes.
    pub(super) lanes_view: timeline::TimelineView,
    /// The lesson's Python twin, live while the Python lens is on.
    #[cfg(unix)]
    pub(super) twin: super::twin::TwinSlot,
}

impl PollscopeApp {
    /// The app running the lesson `settings.lesson` live, its executor on its own thread.
    pub fn new(ctx: &egui::Context, settings: Settings) -> Self {
        Self::with_catalog(ctx, settings, lessons::programs())
    }

    /// The app running a user's program live.
    pub fn with_program(ctx: &egui::Context, settings: Settings, program: Program) -> Self {
        Self::with_catalog(ctx, settings, vec![program])
    }

    /// The app offering `catalog`, running the program `settings.lesson` names (else the
    /// first) live.
    pub fn with_catalog(ctx: &egui::Context, settings: Settings, catalog: Vec<Program>) -> Self {
        let repaint = ctx.clone();
        let session = Session::start(move || repaint.request_repaint());
        let mut app = Self::build(settings, History::new(), catalog);
        app.session = Some(session);
        app.repaint = Some(ctx.clone());
        app.reset();
        app
    }

    /// The app showing a recorded timeline, with no executor (a loaded trace, the frame
    /// benchmark).
    pub fn with_history(settings: Settings, history: History) -> Self {
        Self::build(settings, history, lessons::programs())
    }

    fn build(settings: Settings, history: History, catalog: Vec<Program>) -> Self {
        let catalog = if catalog.is_empty() {
            lessons::programs()
        } else {
            catalog
        };
        let current = catalog
            .iter()
            .position(|p| p.id() == settings.lesson)
            .unwrap_or(0);
        let info = catalog[current].info().clone();
        let sources = Sources::of(&info);
        // A Python script is shown in Python's words (L switches, as for a lesson).
        #[cfg(unix)]
        let settings = if catalog[current].script().is_some() {
            Settings {
                lens: crate::lens::Lens::Python.word().to_owned(),
                ..settings
            }
        } else {
            settings
        };
        PollscopeApp {
            settings,
            session: None,
            history,
            catalog,
            current,
            info,
            sources,
            selected: None,
            status: Status::default(),
            help_open: false,
            log: event_log::LogView::default(),
            machine: state_machine::MachineView::default(),
            source: source::SourceView::default(),
            style_dirty: true,
            timing_open: false,
            timing_form: timing::TimingForm::default(),
            timing_run: None,
            repaint: None,
            cursor: None,
            scrubbed: None,
            loaded: None,
            dialog: files::FileDialog::Closed,
            message: None,
            generation: 0,
            last_now_ns: 0,
            layouts: Vec::new(),
            seen_stop: None,
            side_tab: SideTab::default(),
            lanes_view: timeline::TimelineView::default(),
            #[cfg(unix)]
            twin: super::twin::TwinSlot::default(),
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Wasted polls of every task so far, as the task table shows them.
    pub fn wasted_polls(&self) -> u32 {
        self.history.live().tasks.iter().map(|t| t.wasted).sum()
    }
    /// The trace limit in force: the user's, else the program's.
    pub(super) fn trace_limit(&self) -> usize {
        self.settings
            .trace_limit
            .unwrap_or_else(|| self.catalog[self.current].events_limit())
            .max(1)
    }

    /// The source line the focused task is suspended at, as the source panel marks it.
    pub fn highlighted_line(&self) -> Option<u32> {
        self.highlighted().map(|(_, line)| line)
    }

    /// The file and line the focused task is suspended at, as the source panel marks them.
    pub fn highlighted(&self) -> Option<(String, u32)> {
        let state = self.state_shown();
        let view = self.view(state, 0);
        source::marked(&view)
    }

    /// The status bar's text as the last frame showed it.
    pub fn status_text(&self) -> String {
        let state = self.state_shown();
        let now_ns = self.last_now_ns;
        status_bar::text(&self.view(state, now_ns), &self.status)
    }

    /// The pages the live run fetches, and those its Python twin was given (`None`: no
    /// twin runs): one server serves both.
    pub fn pages(&self) -> (Vec<String>, Option<Vec<String>>) {
        #[cfg(unix)]
        let twin = self.twin.pages();
        #[cfg(not(unix))]
        let twin = None;
        (self.status.urls.clone(), twin)
    }

    /// The trace recorded so far.
    pub fn trace(&self) -> &crate::trace::Trace {
        self.history.trace()
    }

    /// The number of events shown (all of them when live).
    pub fn shown_events(&self) -> usize {
        self.cursor.unwrap_or(self.history.len())
    }

    /// The state at the index being viewed: the scrubbed one, else the live one.
    pub(super) fn state_shown(&self) -> &State {
        match (&self.scrubbed, self.cursor) {
            (Some(state), Some(_)) => state,
            _ => self.history.live(),
        }
    }

    /// True when the program running is a Python script (its resumes are the polls).
    fn python_run(&self) -> bool {
        #[cfg(unix)]
        if self.loaded.is_none() {
            return self
                .catalog
                .get(self.current)
                .is_some_and(|p| p.script().is_some());
        }
        false
    }

    /// What the panels may read this frame, at `state` and trace time `now_ns`.
    pub(super) fn view<'a>(&'a self, state: &'a State, now_ns: u64) -> View<'a> {
        View {
            program: &self.info,
            sources: &self.sources,
            catalog: &self.catalog,
            trace: self.history.trace(),
            state,
            selected: self.selected,
            lens: self.settings.lens(),
            dark: self.settings.dark,
            presenter: self.settings.presenter,
            now_ns,
            rewound: self.cursor.is_some(),
            loaded: self.loaded.as_ref().map(|(p, _)| p.as_path()),
            message: self.message.as_deref(),
            layouts: &self.layouts,
            coro_unavailable: crate::coro::failure(),
            python_run: self.python_run(),
            tokio_run: self.loaded.is_none()
                && self
                    .catalog
                    .get(self.current)
                    .is_some_and(|p| p.uses_tokio()),
            #[cfg(unix)]
            twin: self.twin.shown.as_ref(),
            breakpoints: &self.settings.breakpoints,
            stalled: self.cursor.is_none()
                && self.loaded.is_none()
                && matches!(self.status.stopped, Some(crate::executor::Step::Stalled)),
            policy: self
                .loaded
                .as_ref()
                .and_then(|(_, h)| h.policy)
                .unwrap_or_else(|| self.settings.policy()),
        }
    }

    /// Sends `command` to the executor thread; a no-op without one (a recorded
    /// timeline).
    pub(super) fn send(&self, command: Command) {
        if let Some(session) = &self.session {
            session.send(command);
        }
    }
}
