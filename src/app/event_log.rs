//! Every event in words, virtualised, filterable by task.

use super::{Action, View};
use crate::report;
use crate::trace::{EventKind, TaskId, Trace};

/// The log's view state: its filter and the event indices that pass it, kept up to date
/// incrementally so a million events are not rescanned every frame.
#[derive(Debug, Default)]
pub struct LogView {
    filter: Option<TaskId>,
    rows: Vec<u32>,
    scanned: usize,
}

impl LogView {
    /// Shows only `task`'s events (or all).
    pub fn set_filter(&mut self, task: Option<TaskId>) {
        if task != self.filter {
            self.filter = task;
            self.rows.clear();
            self.scanned = 0;
        }
    }

    fn update(&mut self, trace: &Trace, upto: usize) {
        if upto < self.scanned {
            // The trace was replaced (a reset) or the view moved back.
            self.rows.clear();
            self.scanned = 0;
        }
        if let Some(task) = self.filter {
            let new = &trace.events[self.scanned..upto];
            self.rows.extend(
                new.iter()
                    .enumerate()
                    .filter(|(_, e)| e.task == task)
                    .map(|(i, _)| (self.scanned + i) as u32),
            );
        }
        self.scanned = upto;
    }

    fn len(&self) -> usize {
        match self.filter {
            Some(_) => self.rows.len(),
            None => self.scanned,
        }
    }

    fn event_index(&self, row: usize) -> usize {
        match self.filter {
            Some(_) => self.rows[row] as usize,
            None => row,
        }
    }
}

fn colour(kind: &EventKind) -> Option<egui::Color32> {
    Some(match kind {
        EventKind::Wake { .. } => egui::Color32::from_rgb(225, 160, 20),
        EventKind::Say { .. } => egui::Color32::from_rgb(90, 180, 250),
        EventKind::Complete { .. } => egui::Color32::from_rgb(40, 170, 80),
        EventKind::Panic { .. } => egui::Color32::from_rgb(230, 60, 50),
        EventKind::ThreadSpawn { .. }
        | EventKind::ThreadFinish { .. }
        | EventKind::ThreadJoin { .. } => egui::Color32::from_rgb(190, 120, 230),
        _ => return None,
    })
}

/// Draws the log.
pub fn show(ui: &mut egui::Ui, view: &View<'_>, log: &mut LogView) -> Option<Action> {
    let mut action = None;
    log.update(view.trace, view.state.applied);
    ui.horizontal(|ui| {
        ui.heading("Event log");
        let label = match log.filter {
            Some(t) => format!("task {t}"),
            None => "all tasks".to_owned(),
        };
        egui::ComboBox::new("log-filter", "filter")
            .selected_text(label)
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(log.filter.is_none(), "all tasks")
                    .clicked()
                {
                    action = Some(Action::FilterLog(None));
                }
                for task in &view.state.tasks {
                    let text = format!("task {} {}", task.id, view.trace.str(task.name));
                    if ui
                        .selectable_label(log.filter == Some(task.id), text)
                        .clicked()
                    {
                        action = Some(Action::FilterLog(Some(task.id)));
                    }
                }
            });
    });
    let row_height = ui.text_style_height(&egui::TextStyle::Monospace) + 2.0;
    egui::ScrollArea::vertical()
        .id_salt("event-log")
        .auto_shrink([false, false])
        .stick_to_bottom(true)
        .show_rows(ui, row_height, log.len(), |ui, range| {
            for row in range {
                let index = log.event_index(row);
                let Some(event) = view.trace.events.get(index) else {
                    continue;
                };
                let text = format!(
                    "{index:>6} {:>9}  {}",
                    report::duration(event.t_ns),
                    report::event_text(view.trace, event)
                );
                let mut rich = egui::RichText::new(text).monospace();
                if let Some(c) = colour(&event.kind) {
                    rich = rich.color(c);
                }
                let selected =
                    view.selected.is_some() && view.selected == event.task.get().map(TaskId);
                let response = ui.add(
                    egui::Button::selectable(selected, rich)
                        .frame(false)
                        .wrap_mode(egui::TextWrapMode::Truncate),
                );
                if response.clicked() {
                    action = Some(Action::FocusEvent {
                        index,
                        task: event.task.get().map(TaskId),
                    });
                }
            }
        });
    action
}
