//! The desktop app: a thin layer of egui panels over the core. Every panel is a function
//! of the state rebuilt from the trace; panels keep only view state, and clicks come back
//! as [`Action`]s applied after the frame is laid out.

mod action;
mod event_log;
mod files;
mod help;
mod keys;
mod scrubber;
mod settings;
mod source;
mod state_machine;
mod status_bar;
mod style;
mod task_index;
mod tasks;
mod threads;
pub mod timeline;
mod timing;
mod toolbar;

pub use action::Action;
pub use settings::Settings;

use crate::lens::Lens;
use crate::lessons;
use crate::program::{Program, ProgramInfo, Sources};
use crate::session::{Command, Session, Speed, Status};
use crate::trace::{State, TaskId, Timeline, Trace};
use crate::tracefile::{self, Header};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Opens the window and runs until it is closed; `lesson` and `policy` override the
/// remembered ones.
pub fn run(startup: Startup) -> Result<(), String> {
    if let Some(message) = no_display(startup.program.is_some()) {
        return Err(message);
    }
    let Startup {
        program,
        lesson,
        policy,
        timing,
        trace,
    } = startup;
    // A user's program keeps its own settings (its window size, its policy), apart from
    // the built-in lessons'.
    let (name, title, catalog) = match program {
        Some(program) => (
            format!("pollscope-{}", program.id()),
            format!("{} — pollscope", program.info().display_title()),
            vec![program],
        ),
        None => (
            "pollscope".to_owned(),
            "pollscope".to_owned(),
            lessons::programs(),
        ),
    };
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title(crate::text::line(&title))
            .with_inner_size([1400.0, 860.0])
            .with_min_inner_size([720.0, 480.0]),
        ..Default::default()
    };
    eframe::run_native(
        &name,
        options,
        Box::new(|cc| {
            let settings = Settings::load(cc.storage);
            let settings = Settings {
                lesson: lesson.unwrap_or(settings.lesson),
                policy: policy.map_or(settings.policy, |p| p.word().to_owned()),
                ..settings
            };
            let mut app = PollscopeApp::with_catalog(&cc.egui_ctx, settings, catalog);
            if timing {
                app.apply(Action::ToggleTiming);
                app.apply(Action::StartTiming(timing::TimingRequest::default()));
            }
            if let Some((path, header, trace)) = trace {
                app.show_loaded(path, header, trace);
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| format!("could not open the window: {e}"))
}

/// Without a display, winit's own error names a registry path and no way forward: this
/// says what is missing and what works instead. `None` when a display is set (or on a
/// platform that always has one).
fn no_display(program: bool) -> Option<String> {
    if !cfg!(all(unix, not(target_os = "macos"))) {
        return None;
    }
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    if set("DISPLAY") || set("WAYLAND_DISPLAY") {
        return None;
    }
    let bin = std::env::args_os()
        .next()
        .and_then(|arg0| {
            let stem = std::path::Path::new(&arg0).file_stem()?.to_owned();
            Some(stem.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "pollscope".to_owned());
    let step = if program {
        format!("{bin} step")
    } else {
        format!("{bin} step <lesson>")
    };
    Some(format!(
        "the app needs a display (X11 or Wayland) and none is set (DISPLAY, \
         WAYLAND_DISPLAY); the command line works without one: {step}, {bin} export, \
         {bin} --help"
    ))
}

/// Opens the app on a user's program (the app only; [`crate::main`] adds the command
/// line). Returns when the window is closed, or a message if it could not open.
pub fn show(program: Program) -> Result<(), String> {
    run(Startup::program(program))
}

/// How the window starts; everything not given comes from the remembered settings.
#[derive(Debug, Default)]
pub struct Startup {
    /// Run this program instead of the built-in lessons.
    pub program: Option<Program>,
    /// Start on this lesson.
    pub lesson: Option<String>,
    /// Start with this policy.
    pub policy: Option<crate::executor::Policy>,
    /// Open the timing panel and start a run.
    pub timing: bool,
    /// Show this loaded trace (path, header, events) instead of running anything.
    pub trace: Option<(PathBuf, Header, Trace)>,
}

impl Startup {
    /// The app on `program`, everything else as remembered.
    pub fn program(program: Program) -> Startup {
        Startup {
            program: Some(program),
            ..Startup::default()
        }
    }
}

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
    pub coro_unavailable: Option<&'a str>,
    /// Breakpoints: file and line.
    pub breakpoints: &'a [(String, u32)],
    /// The live run stopped because nothing can wake any task.
    pub stalled: bool,
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

/// The app.
pub struct PollscopeApp {
    settings: Settings,
    session: Option<Session>,
    timeline: Timeline,
    /// The programs the picker offers; `current` is the one running.
    catalog: Vec<Program>,
    current: usize,
    /// What is shown: the current program's description, or a loaded trace's.
    info: ProgramInfo,
    sources: Sources,
    selected: Option<TaskId>,
    status: Status,
    help_open: bool,
    log: event_log::LogView,
    machine: state_machine::MachineView,
    source: source::SourceView,
    style_dirty: bool,
    timing_open: bool,
    timing_form: timing::TimingForm,
    timing_run: Option<crate::timing::Background>,
    /// Asks for a repaint from background threads.
    repaint: Option<egui::Context>,
    /// The event index shown (`None`: live) and the state there, rebuilt when it moves.
    cursor: Option<usize>,
    scrubbed: Option<State>,
    /// A trace loaded from a file: shown and scrubbed, never run.
    loaded: Option<(std::path::PathBuf, Header)>,
    dialog: files::FileDialog,
    /// The outcome of the last file action, for the status bar.
    message: Option<String>,
    /// The session's run number when last seen.
    generation: u64,
    /// The trace time of the last frame, for live timers between events.
    last_now_ns: u64,
    /// Coroutine layouts of a loaded trace.
    layouts: Vec<std::sync::Arc<crate::coro::Layout>>,
    /// The last stop (breakpoint, bigger step) the app has focused.
    seen_stop: Option<crate::watch::Stop>,
    /// The tab shown when the side panels are folded.
    side_tab: SideTab,
    /// The timeline panel's zoom, pan and lanes.
    lanes_view: timeline::TimelineView,
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
        let mut app = Self::build(settings, Timeline::new(), catalog);
        app.session = Some(session);
        app.repaint = Some(ctx.clone());
        app.reset();
        app
    }

    /// The app showing a recorded timeline, with no executor (a loaded trace, the frame
    /// benchmark).
    pub fn with_timeline(settings: Settings, timeline: Timeline) -> Self {
        Self::build(settings, timeline, lessons::programs())
    }

    fn build(settings: Settings, timeline: Timeline, catalog: Vec<Program>) -> Self {
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
        PollscopeApp {
            settings,
            session: None,
            timeline,
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
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Wasted polls of every task so far, as the task table shows them.
    pub fn wasted_polls(&self) -> u32 {
        self.timeline.live().tasks.iter().map(|t| t.wasted).sum()
    }

    fn reset(&mut self) {
        self.selected = None;
        self.message = None;
        self.go_live();
        if self.loaded.take().is_some() {
            // Leaving a loaded trace: the live run's events come back from the start.
            self.timeline = Timeline::new();
        }
        self.layouts.clear();
        let program = &self.catalog[self.current];
        // Read afresh: a reset after editing the code shows the code as it is now.
        self.info = program.info().clone();
        self.sources = Sources::of(&self.info);
        if let Some(session) = &self.session {
            session.send(Command::Reset {
                program: program.clone(),
                policy: self.settings.policy(),
                urls: Vec::new(),
                limit: self.trace_limit(),
            });
        }
        self.send_breakpoints();
    }

    /// The trace limit in force: the user's, else the program's.
    fn trace_limit(&self) -> usize {
        self.settings
            .trace_limit
            .unwrap_or_else(|| self.catalog[self.current].events_limit())
            .max(1)
    }

    fn speed(&self) -> Speed {
        match self.settings.speed {
            Some(n) => Speed::PerSecond(f64::from(n)),
            None => Speed::Max,
        }
    }

    /// Carries out one action, as the frame does after layout.
    pub fn apply(&mut self, action: Action) {
        match action {
            Action::Step | Action::ToggleRun if self.loaded.is_some() => {
                self.message = Some(
                    "this is a loaded trace: nothing runs; press R to run the program live".into(),
                );
            }
            Action::Step => {
                self.go_live();
                self.message = None;
                self.send(Command::Step);
            }
            Action::StepTask | Action::RunToThreadWake if self.loaded.is_some() => {
                self.message = Some(
                    "this is a loaded trace: nothing runs; press R to run the program live".into(),
                );
            }
            Action::StepTask => {
                self.go_live();
                let view = self.view(self.timeline.live(), 0);
                let task = view
                    .focus()
                    .filter(|t| !t.state.is_finished())
                    .map(|t| t.id);
                match task {
                    Some(task) => {
                        self.message = None;
                        self.status.running = true;
                        self.send(Command::StepTask(task));
                    }
                    None => self.message = Some("no unfinished task to step".into()),
                }
            }
            Action::RunToThreadWake => {
                self.go_live();
                self.message = None;
                self.status.running = true;
                self.send(Command::RunToThreadWake);
            }
            Action::ToggleBreakpoint { file, line } => self.toggle_breakpoint(file, line),
            Action::ToggleBreakpointHere => match self.highlighted() {
                Some((file, line)) => self.toggle_breakpoint(file, line),
                None => {
                    self.message =
                        Some("no await line to break on: select a suspended task".into());
                }
            },
            Action::ClearBreakpoints => {
                self.settings.breakpoints.clear();
                self.send_breakpoints();
            }
            Action::ToggleWholeFile => self.source.whole_file = !self.source.whole_file,
            Action::ShowTab(tab) => self.side_tab = tab,
            Action::ToggleRun => {
                self.go_live();
                let command = if self.status.running {
                    Command::Pause
                } else {
                    Command::Run(self.speed())
                };
                // Shown at once; the executor thread confirms on its next report.
                self.status.running = !self.status.running;
                self.send(command);
            }
            Action::SetSpeed(speed) => {
                self.settings.speed = speed.map(|s| s.clamp(0.5, 1000.0));
                if self.status.running {
                    self.send(Command::Run(self.speed()));
                }
            }
            Action::Reset => self.reset(),
            Action::SelectProgram(index) => {
                if let Some(program) = self.catalog.get(index) {
                    self.settings.lesson = program.id().to_owned();
                    self.current = index;
                    self.reset();
                }
            }
            Action::SetPolicy(policy) => {
                self.settings.policy = policy.word().to_owned();
                self.reset();
            }
            Action::SetLens(lens) => self.settings.lens = lens.word().to_owned(),
            Action::SetTraceLimit(events) => {
                self.settings.trace_limit = Some(events.max(1));
                self.send(Command::Limit(self.trace_limit()));
            }
            Action::ToggleLens => {
                let lens = match self.settings.lens() {
                    Lens::Rust => Lens::Python,
                    Lens::Python => Lens::Rust,
                };
                self.settings.lens = lens.word().to_owned();
            }
            Action::TogglePresenter => {
                self.settings.presenter = !self.settings.presenter;
                self.style_dirty = true;
            }
            Action::ToggleTheme => {
                self.settings.dark = !self.settings.dark;
                self.style_dirty = true;
            }
            Action::Zoom(factor) => {
                self.settings.zoom = match factor {
                    Some(f) => (self.settings.zoom() * f).clamp(0.5, 3.0),
                    None => 1.0,
                };
                self.style_dirty = true;
            }
            Action::SelectTask(task) => self.selected = task,
            Action::MoveSelection(delta) => {
                // Up and Down follow the table's rows: children under their parents.
                let order = self.timeline.live().tree_order();
                let n = order.len() as i64;
                if n > 0 {
                    let current = self
                        .selected
                        .and_then(|t| order.iter().position(|&(i, _)| i == t.0 as usize))
                        .map_or(-1, |row| row as i64);
                    let next = (current + i64::from(delta)).clamp(0, n - 1);
                    self.selected = Some(TaskId(order[next as usize].0 as u32));
                }
            }
            Action::FilterLog(task) => self.log.set_filter(task),
            Action::ToggleHelp => self.help_open = !self.help_open,
            Action::ToggleTiming => self.timing_open = !self.timing_open,
            Action::ToggleTimeline => self.settings.timeline = !self.settings.timeline,
            Action::StartTiming(request) => self.start_timing(request),
            Action::ScrubTo(index) => {
                self.cursor = index.filter(|&i| i < self.timeline.len());
            }
            Action::FocusEvent { index, task } => {
                self.cursor = (index + 1 < self.timeline.len()).then_some(index + 1);
                if task.is_some() {
                    self.selected = task;
                }
            }
            Action::ScrubBy(delta) => {
                let len = self.timeline.len() as i64;
                let at = self.cursor.map_or(len, |c| c as i64) + delta;
                self.cursor = (at < len).then_some(at.max(0) as usize);
            }
            Action::AskSave => {
                let name = format!("pollscope-{}.jsonl", self.info.id);
                self.dialog = files::FileDialog::Save(name);
            }
            Action::AskOpen => self.dialog = files::FileDialog::Open(String::new()),
            Action::CloseDialog => self.dialog = files::FileDialog::Closed,
            Action::SaveTrace(path) => self.save(&path),
            Action::OpenTrace(path) => self.open(&path),
            Action::StopTiming => {
                if let Some(run) = &self.timing_run {
                    run.stop();
                }
            }
            Action::AskSaveTimingSvg => {
                self.dialog = files::FileDialog::SaveSvg("pollscope-timing.svg".to_owned());
            }
            Action::SaveTimingSvg(path) => self.save_timing_svg(&path),
            Action::CopyTimingCsv => {
                if let Some(run) = &self.timing_run {
                    let report = crate::timing::Report::new(run.completed());
                    let rows = report
                        .rounds
                        .iter()
                        .map(|r| r.requests.len())
                        .sum::<usize>();
                    if let Some(ctx) = &self.repaint {
                        ctx.copy_text(crate::timing::csv(&report));
                    }
                    self.message = Some(format!("copied {rows} requests as CSV"));
                }
            }
        }
    }

    fn toggle_breakpoint(&mut self, file: String, line: u32) {
        let breakpoints = &mut self.settings.breakpoints;
        match breakpoints
            .iter()
            .position(|(f, l)| *f == file && *l == line)
        {
            Some(i) => {
                breakpoints.remove(i);
            }
            None => {
                breakpoints.push((file, line));
                breakpoints.sort();
            }
        }
        self.send_breakpoints();
    }

    fn send_breakpoints(&self) {
        self.send(Command::Breakpoints(self.settings.breakpoints.clone()));
    }

    fn start_timing(&mut self, request: timing::TimingRequest) {
        let timeout = Duration::from_secs_f64(request.timeout_s.clamp(0.1, 120.0));
        let config = crate::timing::TimingConfig {
            targets: Vec::new(),
            rounds: request.rounds.max(1),
            fetch: crate::http::FetchConfig {
                connect_timeout: timeout,
                response_timeout: timeout,
                body_timeout: timeout,
                ..Default::default()
            },
            extra_modes: false,
            connections: request.connections,
        };
        let repaint = self.repaint.clone();
        self.timing_run = Some(crate::timing::Background::start(
            request.targets,
            config,
            move || {
                if let Some(ctx) = &repaint {
                    ctx.request_repaint();
                }
            },
        ));
    }

    fn save_timing_svg(&mut self, path: &Path) {
        let Some(run) = &self.timing_run else {
            self.message = Some("no timing run to save: start one in the Timing panel".into());
            return;
        };
        let report = crate::timing::Report::new(run.completed());
        let latest = run.latest().map(|(_, spans)| spans).unwrap_or_default();
        let written = crate::timing::svg(&report, &latest, run.connections).and_then(|svg| {
            tracefile::write_atomically(path, |out| {
                use std::io::Write;
                out.write_all(svg.as_bytes())
            })
            .map_err(|e| e.to_string())
        });
        self.message = Some(match written {
            Ok(()) => {
                self.dialog = files::FileDialog::Closed;
                format!("saved the timing chart to {}", path.display())
            }
            Err(e) => format!("could not save the chart: {e}"),
        });
    }

    fn go_live(&mut self) {
        self.cursor = None;
        self.scrubbed = None;
    }

    fn save(&mut self, path: &Path) {
        let header = match &self.loaded {
            Some((_, header)) => header.clone(),
            None => {
                let info = ProgramInfo {
                    sources: self.sources.to_files(),
                    ..self.info.clone()
                };
                Header::for_program(info, self.settings.policy())
                    .with_layouts_of(self.timeline.trace())
            }
        };
        self.message = Some(
            match tracefile::save(path, &header, self.timeline.trace()) {
                Ok(()) => {
                    self.dialog = files::FileDialog::Closed;
                    format!("saved {} events to {}", self.timeline.len(), path.display())
                }
                Err(e) => format!("could not save: {e}"),
            },
        );
    }

    fn open(&mut self, path: &Path) {
        match tracefile::load(path) {
            Ok((header, trace)) => self.show_loaded(path.to_owned(), header, trace),
            Err(e) => self.message = Some(format!("could not open: {e}")),
        }
    }

    /// Shows a loaded trace; the live lesson pauses behind it.
    pub fn show_loaded(&mut self, path: PathBuf, header: Header, trace: Trace) {
        self.send(Command::Pause);
        self.status.running = false;
        if let Some(index) = header
            .program_id()
            .and_then(|id| self.catalog.iter().position(|p| p.id() == id))
        {
            self.current = index;
        }
        // The trace shows the code that ran, as its header carries it.
        self.info = header.program.clone().unwrap_or_else(|| ProgramInfo {
            id: "trace".to_owned(),
            title: format!("Trace {}", path.display()),
            ..ProgramInfo::default()
        });
        self.sources = Sources::carried(&self.info);
        self.sources.discover(&trace);
        self.layouts = header
            .layouts
            .iter()
            .cloned()
            .map(std::sync::Arc::new)
            .collect();
        self.timeline = Timeline::from_trace(trace);
        self.message = Some(if header.warnings.is_empty() {
            format!(
                "opened {} ({} events): nothing runs; Left and Right rewind, R runs the \
                 program live",
                path.display(),
                self.timeline.len()
            )
        } else {
            // A warning outranks the usual hint: the user should know what they are seeing.
            format!(
                "opened {} ({} events); warning: {}",
                path.display(),
                self.timeline.len(),
                header.warnings.join("; ")
            )
        });
        self.loaded = Some((path, header));
        self.dialog = files::FileDialog::Closed;
        self.selected = None;
        self.go_live();
        self.log.clear();
        self.machine.clear();
        self.source.clear();
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

    /// The number of events shown (all of them when live).
    pub fn shown_events(&self) -> usize {
        self.cursor.unwrap_or(self.timeline.len())
    }

    fn state_shown(&self) -> &State {
        match (&self.scrubbed, self.cursor) {
            (Some(state), Some(_)) => state,
            _ => self.timeline.live(),
        }
    }

    fn view<'a>(&'a self, state: &'a State, now_ns: u64) -> View<'a> {
        View {
            program: &self.info,
            sources: &self.sources,
            catalog: &self.catalog,
            trace: self.timeline.trace(),
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
            breakpoints: &self.settings.breakpoints,
            stalled: self.cursor.is_none()
                && self.loaded.is_none()
                && matches!(self.status.stopped, Some(crate::executor::Step::Stalled)),
        }
    }

    fn send(&self, command: Command) {
        if let Some(session) = &self.session {
            session.send(command);
        }
    }

    /// Draws one frame: the panels, then the actions they returned.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        if self.style_dirty {
            style::apply(
                ui.ctx(),
                self.settings.dark,
                self.settings.presenter,
                self.settings.zoom(),
            );
            self.style_dirty = false;
        }
        let now_ns = match &mut self.session {
            Some(session) if self.loaded.is_none() => {
                session.sync(&mut self.timeline);
                self.status = session.status();
                if self.status.stop != self.seen_stop {
                    // A breakpoint or a bigger step stopped the run: focus its task.
                    if let Some(stop) = &self.status.stop {
                        self.selected = Some(stop.task);
                    }
                    self.seen_stop = self.status.stop.clone();
                }
                if session.generation() != self.generation {
                    // A new run began: positions and indexes into the old trace are void.
                    self.generation = session.generation();
                    self.cursor = None;
                    self.scrubbed = None;
                    self.log.clear();
                    self.machine.clear();
                    self.source.clear();
                }
                // Await points in files not seen before bring their source along.
                self.sources.discover(self.timeline.trace());
                session.recorder().now_ns()
            }
            _ => self.timeline.live().t_ns,
        };
        self.last_now_ns = now_ns;
        if let Some(at) = self.cursor {
            let at = at.min(self.timeline.len());
            if self.scrubbed.as_ref().is_none_or(|s| s.applied != at) {
                self.scrubbed = Some(self.timeline.state_at(at));
            }
        }
        if self
            .selected
            .is_some_and(|t| t.0 as usize >= self.timeline.live().tasks.len())
        {
            self.selected = None;
        }
        let mut actions = keys::read(ui.ctx());
        actions.extend(files::dropped(ui.ctx()));
        // Panel view state is lent to the panels for the frame; the view borrows the rest.
        let mut timing_form = std::mem::take(&mut self.timing_form);
        let mut log = std::mem::take(&mut self.log);
        let mut machine = std::mem::take(&mut self.machine);
        let mut source_view = std::mem::take(&mut self.source);
        let mut dialog = std::mem::take(&mut self.dialog);
        let mut timeline_view = std::mem::take(&mut self.lanes_view);
        let state = self.state_shown();
        let view = self.view(state, now_ns);
        egui::Panel::top("toolbar").show(ui, |ui| {
            actions.extend(toolbar::show(
                ui,
                &view,
                &self.settings,
                &self.status,
                self.timing_open,
                self.settings.timeline,
            ));
        });
        egui::Panel::bottom("status").show(ui, |ui| {
            actions.extend(status_bar::show(
                ui,
                &view,
                &self.status,
                self.trace_limit(),
            ));
        });
        egui::Panel::bottom("scrubber").show(ui, |ui| {
            actions.extend(scrubber::show(ui, self.cursor, self.timeline.len()));
        });
        if self.timing_open {
            egui::Panel::bottom("timing")
                .resizable(true)
                .default_size(340.0)
                .show(ui, |ui| {
                    actions.extend(timing::show(ui, &mut timing_form, self.timing_run.as_ref()));
                });
        }
        if self.settings.timeline {
            egui::Panel::bottom("timeline")
                .resizable(true)
                .default_size(ui.available_height() * 0.3)
                .size_range(120.0..=(ui.available_height() * 0.7).max(140.0))
                .show(ui, |ui| {
                    actions.extend(timeline::show(ui, &view, &mut timeline_view));
                });
        }
        let width = ui.available_width();
        if self.settings.presenter || width < WIDE_LAYOUT {
            // One side panel of tabs: the code keeps most of the width on a projector.
            // Narrower beside two columns of code (Rust and Python); each width is kept.
            let python = self.settings.lens() == crate::lens::Lens::Python;
            let (id, share) = if python {
                ("side-tabs-python", 0.24)
            } else {
                ("side-tabs", 0.32)
            };
            egui::Panel::right(id)
                .resizable(true)
                .default_size(width * share)
                .size_range((width * 0.22).max(220.0)..=(width * 0.36).max(260.0))
                .show(ui, |ui| {
                    // Wrapped, so the tabs never hold the panel wider than its share.
                    ui.horizontal_wrapped(|ui| {
                        for tab in SideTab::ALL {
                            if ui
                                .selectable_label(self.side_tab == tab, tab.title())
                                .clicked()
                            {
                                actions.push(Action::ShowTab(tab));
                            }
                        }
                    });
                    ui.separator();
                    // Content wider than the panel scrolls sideways instead of spilling
                    // under the code.
                    let room = ui.available_width();
                    egui::ScrollArea::horizontal()
                        .id_salt("side-tab")
                        .auto_shrink([false, false])
                        .show(ui, |ui| {
                            // Text wraps at the panel's edge; only wide tables scroll.
                            ui.set_max_width(room);
                            match self.side_tab {
                                SideTab::Tasks => actions.extend(tasks::show(ui, &view)),
                                SideTab::Threads => threads::show(ui, &view),
                                SideTab::Machine => state_machine::show(ui, &view, &mut machine),
                                SideTab::Log => {
                                    actions.extend(event_log::show(ui, &view, &mut log))
                                }
                            }
                        });
                });
        } else {
            // Side panels are capped so the code in the middle keeps most of the room.
            egui::Panel::left("tasks")
                .resizable(true)
                .default_size(width * 0.29)
                .size_range(240.0..=(width * 0.3).max(260.0))
                .show(ui, |ui| {
                    actions.extend(tasks::show(ui, &view));
                    ui.separator();
                    threads::show(ui, &view);
                });
            egui::Panel::right("machine-log")
                .resizable(true)
                .default_size(width * 0.28)
                .size_range(240.0..=(width * 0.28).max(260.0))
                .show(ui, |ui| {
                    state_machine::show(ui, &view, &mut machine);
                    ui.separator();
                    actions.extend(event_log::show(ui, &view, &mut log));
                });
        }
        egui::CentralPanel::default().show(ui, |ui| {
            actions.extend(source::show(ui, &view, &mut source_view));
        });
        actions.extend(files::show(ui.ctx(), &mut dialog));
        if self.help_open && !help::show(ui.ctx()) {
            actions.push(Action::ToggleHelp);
        }
        self.timing_form = timing_form;
        self.log = log;
        self.machine = machine;
        self.source = source_view;
        self.dialog = dialog;
        self.lanes_view = timeline_view;
        for action in actions {
            self.apply(action);
        }
        if self.status.running || self.timeline.live().running.is_some() {
            // Live elapsed bars and the "stuck in poll" timer move between events too.
            ui.ctx().request_repaint_after(Duration::from_millis(50));
        }
    }
}

impl eframe::App for PollscopeApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        self.settings.save(storage);
    }
}
