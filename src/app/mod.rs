//! The desktop app: a thin egui layer over the core. No logic of its own lives here:
//! it drives the executor and draws the state rebuilt from the trace.

use egui::{Color32, RichText};
use pollscope::executor::{Executor, Policy, Step};
use pollscope::lessons;
use pollscope::report;
use pollscope::server::DemoServer;
use pollscope::trace::{TaskState, Timeline};

/// Opens the window and runs until it is closed.
pub fn run() -> Result<(), String> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("pollscope")
            .with_inner_size([1200.0, 760.0]),
        ..Default::default()
    };
    eframe::run_native(
        "pollscope",
        options,
        Box::new(|_cc| Ok(Box::new(PollscopeApp::new()))),
    )
    .map_err(|e| format!("could not open the window: {e}"))
}

/// What a click asks for; applied after the frame is laid out.
enum Action {
    Step,
    ToggleRun,
    Reset { lesson: usize, policy: Policy },
}

/// The app: the current lesson's executor and the timeline rebuilt from its trace.
pub struct PollscopeApp {
    lesson: usize,
    policy: Policy,
    executor: Executor,
    timeline: Timeline,
    running: bool,
    status: String,
    steps: usize,
    /// The demo server of a lesson that fetches, kept alive while the lesson runs.
    _server: Option<DemoServer>,
}

impl PollscopeApp {
    /// The app on the first lesson.
    pub fn new() -> Self {
        let mut app = PollscopeApp {
            lesson: 0,
            policy: Policy::WakerDriven,
            executor: Executor::new(Policy::WakerDriven),
            timeline: Timeline::new(),
            running: false,
            status: String::new(),
            steps: 0,
            _server: None,
        };
        app.reset(0, Policy::WakerDriven);
        app
    }

    fn reset(&mut self, lesson: usize, policy: Policy) {
        self.lesson = lesson.min(lessons::all().len() - 1);
        self.policy = policy;
        self.executor = Executor::new(policy);
        self.timeline = Timeline::new();
        self.running = false;
        self.steps = 0;
        let lesson = &lessons::all()[self.lesson];
        self._server = None;
        let prepared = lessons::prepare_env(lesson, Vec::new()).and_then(|(env, server)| {
            self._server = server;
            lesson.spawn_into(&mut self.executor, &env)
        });
        self.status = match prepared {
            Ok(()) => format!("{}: press Step to poll one task", lesson.title),
            Err(e) => e.to_string(),
        };
        self.sync();
    }

    fn sync(&mut self) {
        self.executor
            .recorder()
            .sync_into(self.timeline.trace_mut());
        self.timeline.catch_up();
    }

    fn step(&mut self) {
        let step = self.executor.step();
        if matches!(step, Step::Polled(_)) {
            self.steps += 1;
        } else {
            self.running = false;
        }
        self.status = report::step_line(self.steps, &step).trim().to_owned();
        self.sync();
    }

    fn apply(&mut self, action: Action) {
        match action {
            Action::Step => self.step(),
            Action::ToggleRun => self.running = !self.running,
            Action::Reset { lesson, policy } => self.reset(lesson, policy),
        }
    }

    fn toolbar(&self, ui: &mut egui::Ui) -> Option<Action> {
        let mut action = None;
        ui.horizontal(|ui| {
            let mut lesson = self.lesson;
            egui::ComboBox::from_label("Lesson")
                .selected_text(lessons::all()[lesson].id)
                .show_ui(ui, |ui| {
                    for (i, l) in lessons::all().iter().enumerate() {
                        ui.selectable_value(&mut lesson, i, format!("{} — {}", l.id, l.title));
                    }
                });
            if lesson != self.lesson {
                action = Some(Action::Reset {
                    lesson,
                    policy: self.policy,
                });
            }
            if ui
                .button("Step")
                .on_hover_text("Poll one task once (Space)")
                .clicked()
            {
                action = Some(Action::Step);
            }
            let run_label = if self.running { "Pause" } else { "Run" };
            if ui
                .button(run_label)
                .on_hover_text("Poll tasks continuously (Enter)")
                .clicked()
            {
                action = Some(Action::ToggleRun);
            }
            if ui
                .button("Reset")
                .on_hover_text("Start the lesson again (R)")
                .clicked()
            {
                action = Some(Action::Reset {
                    lesson: self.lesson,
                    policy: self.policy,
                });
            }
            let mut policy = self.policy;
            ui.radio_value(&mut policy, Policy::WakerDriven, "waker-driven");
            ui.radio_value(&mut policy, Policy::BusyPoll, "busy-poll");
            if policy != self.policy {
                action = Some(Action::Reset {
                    lesson: self.lesson,
                    policy,
                });
            }
        });
        action
    }

    fn tasks(&self, ui: &mut egui::Ui) {
        let trace = self.timeline.trace();
        let state = self.timeline.live();
        egui::Grid::new("tasks")
            .striped(true)
            .num_columns(7)
            .show(ui, |ui| {
                for h in [
                    "task",
                    "name",
                    "state",
                    "polls",
                    "wakes",
                    "wasted",
                    "value / await point",
                ] {
                    ui.label(RichText::new(h).strong());
                }
                ui.end_row();
                for (i, t) in state.tasks.iter().enumerate() {
                    ui.label(t.id.to_string());
                    ui.label(trace.str(t.name));
                    ui.label(
                        RichText::new(t.state.word())
                            .color(state_colour(t.state))
                            .strong(),
                    );
                    ui.label(t.polls.to_string());
                    ui.label(t.wakes.to_string());
                    ui.label(t.wasted.to_string());
                    ui.label(report::task_detail(trace, state, i));
                    ui.end_row();
                }
            });
    }
}

impl Default for PollscopeApp {
    fn default() -> Self {
        Self::new()
    }
}

/// A distinct colour per state, so the room can tell them apart at a glance.
fn state_colour(state: TaskState) -> Color32 {
    match state {
        TaskState::Created => Color32::from_rgb(150, 150, 150),
        TaskState::Scheduled => Color32::from_rgb(230, 170, 30),
        TaskState::Running => Color32::from_rgb(60, 140, 255),
        TaskState::Suspended => Color32::from_rgb(170, 110, 230),
        TaskState::Completed(_) => Color32::from_rgb(60, 180, 90),
        TaskState::Panicked(_) => Color32::from_rgb(230, 70, 60),
    }
}

impl eframe::App for PollscopeApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let mut action = None;
        egui::Panel::top("toolbar").show(ui, |ui| action = self.toolbar(ui));
        egui::Panel::bottom("status").show(ui, |ui| {
            ui.label(&self.status);
        });
        egui::CentralPanel::default().show(ui, |ui| {
            let lesson = &lessons::all()[self.lesson];
            ui.heading(lesson.title);
            ui.label(lesson.explanation);
            ui.separator();
            self.tasks(ui);
        });
        if ui.input(|i| i.key_pressed(egui::Key::Space)) {
            action = Some(Action::Step);
        }
        if ui.input(|i| i.key_pressed(egui::Key::Enter)) {
            action = Some(Action::ToggleRun);
        }
        if let Some(action) = action {
            self.apply(action);
        }
        if self.running {
            self.step();
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(250));
        }
    }
}
