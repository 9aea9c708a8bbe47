//! The desktop app: a thin layer of egui panels over the core. Every panel is a function
//! of the state rebuilt from the trace; panels keep only view state, and clicks come back
//! as [`Action`]s applied after the frame is laid out.

mod action;
pub mod bench;
mod event_log;
mod help;
mod keys;
mod settings;
mod source;
mod state_machine;
mod status_bar;
mod style;
mod tasks;
mod threads;
mod timing;
mod toolbar;

pub use action::Action;
pub use settings::Settings;

use crate::lens::Lens;
use crate::lessons::{self, Lesson};
use crate::session::{Command, Session, Speed, Status};
use crate::trace::{State, TaskId, Timeline, Trace};
use std::time::Duration;

/// Opens the window and runs until it is closed; `lesson` and `policy` override the
/// remembered ones.
pub fn run(
    lesson: Option<String>,
    policy: Option<crate::executor::Policy>,
    timing: bool,
) -> Result<(), String> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("pollscope")
            .with_inner_size([1400.0, 860.0])
            .with_min_inner_size([720.0, 480.0]),
        ..Default::default()
    };
    eframe::run_native(
        "pollscope",
        options,
        Box::new(|cc| {
            let settings = Settings::load(cc.storage);
            let settings = Settings {
                lesson: lesson.unwrap_or(settings.lesson),
                policy: policy.map_or(settings.policy, |p| p.word().to_owned()),
                ..settings
            };
            let mut app = PollscopeApp::new(&cc.egui_ctx, settings);
            if timing {
                app.apply(Action::ToggleTiming);
                app.apply(Action::StartTiming(timing::TimingRequest::default()));
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| format!("could not open the window: {e}"))
}

/// Everything a panel may read this frame.
pub struct View<'a> {
    /// The lesson being shown.
    pub lesson: &'static Lesson,
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
}

impl View<'_> {
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

/// The app.
pub struct PollscopeApp {
    settings: Settings,
    session: Option<Session>,
    timeline: Timeline,
    lesson: &'static Lesson,
    selected: Option<TaskId>,
    status: Status,
    help_open: bool,
    log: event_log::LogView,
    machine: state_machine::MachineView,
    style_dirty: bool,
    timing_open: bool,
    timing_form: timing::TimingForm,
    timing_run: Option<crate::timing::Background>,
    /// Asks for a repaint from background threads.
    repaint: Option<egui::Context>,
}

impl PollscopeApp {
    /// The app running `settings.lesson` live, its executor on its own thread.
    pub fn new(ctx: &egui::Context, settings: Settings) -> Self {
        let repaint = ctx.clone();
        let session = Session::start(move || repaint.request_repaint());
        let mut app = Self::with_timeline(settings, Timeline::new());
        app.session = Some(session);
        app.repaint = Some(ctx.clone());
        app.reset();
        app
    }

    /// The app showing a recorded timeline, with no executor (a loaded trace, the frame
    /// benchmark).
    pub fn with_timeline(settings: Settings, timeline: Timeline) -> Self {
        let lesson = lessons::find(&settings.lesson).unwrap_or(&lessons::all()[0]);
        PollscopeApp {
            settings,
            session: None,
            timeline,
            lesson,
            selected: None,
            status: Status::default(),
            help_open: false,
            log: event_log::LogView::default(),
            machine: state_machine::MachineView::default(),
            style_dirty: true,
            timing_open: false,
            timing_form: timing::TimingForm::default(),
            timing_run: None,
            repaint: None,
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
        if let Some(session) = &self.session {
            session.send(Command::Reset {
                lesson: self.lesson.id.to_owned(),
                policy: self.settings.policy(),
                urls: Vec::new(),
            });
        }
    }

    fn speed(&self) -> Speed {
        match self.settings.speed {
            Some(n) => Speed::PerSecond(f64::from(n)),
            None => Speed::Max,
        }
    }

    fn apply(&mut self, action: Action) {
        match action {
            Action::Step => self.send(Command::Step),
            Action::ToggleRun => {
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
            Action::SelectLesson(id) => {
                if let Ok(lesson) = lessons::find(id) {
                    self.lesson = lesson;
                    self.settings.lesson = id.to_owned();
                    self.reset();
                }
            }
            Action::SetPolicy(policy) => {
                self.settings.policy = policy.word().to_owned();
                self.reset();
            }
            Action::SetLens(lens) => self.settings.lens = lens.word().to_owned(),
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
                let n = self.timeline.live().tasks.len() as i64;
                if n > 0 {
                    let current = self.selected.map_or(-1, |t| i64::from(t.0));
                    let next = (current + i64::from(delta)).clamp(0, n - 1);
                    self.selected = Some(TaskId(next as u32));
                }
            }
            Action::FilterLog(task) => self.log.set_filter(task),
            Action::ToggleHelp => self.help_open = !self.help_open,
            Action::ToggleTiming => self.timing_open = !self.timing_open,
            Action::StartTiming(request) => self.start_timing(request),
            Action::StopTiming => {
                if let Some(run) = &self.timing_run {
                    run.stop();
                }
            }
        }
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
            Some(session) => {
                session.sync(&mut self.timeline);
                self.status = session.status();
                session.recorder().now_ns()
            }
            None => self.timeline.live().t_ns,
        };
        if self
            .selected
            .is_some_and(|t| t.0 as usize >= self.timeline.live().tasks.len())
        {
            self.selected = None;
        }
        let mut actions = keys::read(ui.ctx());
        let view = View {
            lesson: self.lesson,
            trace: self.timeline.trace(),
            state: self.timeline.live(),
            selected: self.selected,
            lens: self.settings.lens(),
            dark: self.settings.dark,
            presenter: self.settings.presenter,
            now_ns,
        };
        egui::Panel::top("toolbar").show(ui, |ui| {
            actions.extend(toolbar::show(
                ui,
                &view,
                &self.settings,
                &self.status,
                self.timing_open,
            ));
        });
        egui::Panel::bottom("status").show(ui, |ui| {
            status_bar::show(ui, &view, &self.status);
        });
        if self.timing_open {
            egui::Panel::bottom("timing")
                .resizable(true)
                .default_size(340.0)
                .show(ui, |ui| {
                    actions.extend(timing::show(
                        ui,
                        &mut self.timing_form,
                        self.timing_run.as_ref(),
                    ));
                });
        }
        // Side panels are capped so the code in the middle always keeps most of the room.
        let width = ui.available_width();
        egui::Panel::left("tasks")
            .resizable(true)
            .default_size(470.0)
            .size_range(240.0..=(width * 0.34).max(260.0))
            .show(ui, |ui| {
                actions.extend(tasks::show(ui, &view));
                ui.separator();
                threads::show(ui, &view);
            });
        egui::Panel::right("machine-log")
            .resizable(true)
            .default_size(420.0)
            .size_range(240.0..=(width * 0.3).max(260.0))
            .show(ui, |ui| {
                state_machine::show(ui, &view, &mut self.machine);
                ui.separator();
                actions.extend(event_log::show(ui, &view, &mut self.log));
            });
        egui::CentralPanel::default().show(ui, |ui| source::show(ui, &view));
        if self.help_open && !help::show(ui.ctx()) {
            actions.push(Action::ToggleHelp);
        }
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
