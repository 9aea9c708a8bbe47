//! One frame: catching up with the executor, laying out the panels, then applying the
//! actions they returned; and the `eframe::App` glue that calls it.

use super::action::Action;
use super::event_log::LogView;
use super::state::PollscopeApp;
use super::state_machine::MachineView;
use super::view::{SideTab, View, WIDE_LAYOUT};
use super::{
    event_log, files, help, keys, scrubber, source, stage, state_machine, status_bar, style, tasks,
    threads, timeline, timing, toolbar,
};
use std::time::Duration;

impl PollscopeApp {
    /// Draws one frame: the panels, then the actions they returned.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        self.restyle(ui.ctx());
        let now_ns = self.catch_up();
        #[cfg(unix)]
        self.sync_twin();
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
            actions.extend(scrubber::show(ui, self.cursor, self.history.len()));
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
        if self.settings.stage {
            // The Stage takes the side panels' place: the executor beside the code.
            let animate = stage::animates(
                self.settings.reduced_motion,
                self.settings.speed.is_none() && self.status.running,
                view.rewound,
            );
            let share = if self.settings.presenter || width < WIDE_LAYOUT {
                0.55
            } else {
                0.45
            };
            egui::Panel::right("stage")
                .resizable(true)
                .default_size(width * share)
                .size_range((width * 0.3).max(320.0)..=(width * 0.7).max(360.0))
                .show(ui, |ui| {
                    actions.extend(stage::show(ui, &view, animate));
                });
        } else if self.settings.presenter || width < WIDE_LAYOUT {
            self.side_tabs(ui, width, &view, &mut machine, &mut log, &mut actions);
        } else {
            self.side_columns(ui, width, &view, &mut machine, &mut log, &mut actions);
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
        if self.status.running || self.history.live().running.is_some() {
            // Live elapsed bars and the "stuck in poll" timer move between events too.
            ui.ctx().request_repaint_after(Duration::from_millis(50));
        }
    }

    /// Applies the theme, presenter mode and zoom once after they change, not every frame.
    fn restyle(&mut self, ctx: &egui::Context) {
        if self.style_dirty {
            style::apply(
                ctx,
                self.settings.dark,
                self.settings.presenter,
                self.settings.zoom(),
            );
            self.style_dirty = false;
        }
    }

    /// Brings the trace, the status and the state shown up to date before the panels read
    /// them; returns the trace time now.
    fn catch_up(&mut self) -> u64 {
        let now_ns = match &mut self.session {
            Some(session) if self.loaded.is_none() => {
                session.sync(&mut self.history);
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
                self.sources.discover(self.history.trace());
                session.recorder().now_ns()
            }
            _ => self.history.live().t_ns,
        };
        self.last_now_ns = now_ns;
        if let Some(at) = self.cursor {
            let at = at.min(self.history.len());
            if self.scrubbed.as_ref().is_none_or(|s| s.applied != at) {
                self.scrubbed = Some(self.history.state_at(at));
            }
        }
        if self
            .selected
            .is_some_and(|t| t.0 as usize >= self.history.live().tasks.len())
        {
            self.selected = None;
        }
        now_ns
    }

    /// The narrow layout (and presenter mode): one side panel of tabs, so the code keeps
    /// most of the width on a projector.
    fn side_tabs(
        &self,
        ui: &mut egui::Ui,
        width: f32,
        view: &View<'_>,
        machine: &mut MachineView,
        log: &mut LogView,
        actions: &mut Vec<Action>,
    ) {
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
                            SideTab::Tasks => actions.extend(tasks::show(ui, view)),
                            SideTab::Threads => threads::show(ui, view),
                            SideTab::Machine => state_machine::show(ui, view, machine),
                            SideTab::Log => actions.extend(event_log::show(ui, view, log)),
                        }
                    });
            });
    }

    /// The wide layout: tasks and threads on the left, the state machine and the log on
    /// the right.
    fn side_columns(
        &self,
        ui: &mut egui::Ui,
        width: f32,
        view: &View<'_>,
        machine: &mut MachineView,
        log: &mut LogView,
        actions: &mut Vec<Action>,
    ) {
        // Side panels are capped so the code in the middle keeps most of the room.
        egui::Panel::left("tasks")
            .resizable(true)
            .default_size(width * 0.29)
            .size_range(240.0..=(width * 0.3).max(260.0))
            .show(ui, |ui| {
                actions.extend(tasks::show(ui, view));
                ui.separator();
                threads::show(ui, view);
            });
        egui::Panel::right("machine-log")
            .resizable(true)
            .default_size(width * 0.28)
            .size_range(240.0..=(width * 0.28).max(260.0))
            .show(ui, |ui| {
                state_machine::show(ui, view, machine);
                ui.separator();
                actions.extend(event_log::show(ui, view, log));
            });
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
