//! Every event in words, virtualised, filterable by task; or the program's output alone.

use super::action::Action;
use super::task_index::{Follow, TaskIndex};
use super::view::View;
use crate::report;
use crate::trace::{EventKind, TaskId, Trace};

/// The log's view state: its filter, and where the filtered task's events are.
#[derive(Debug, Default)]
pub struct LogView {
    filter: Option<Follow>,
    index: TaskIndex,
}

impl LogView {
    /// Shows only the events `filter` picks (or all).
    pub fn set_filter(&mut self, filter: Option<Follow>) {
        self.filter = filter;
    }

    /// What the log shows: the events of one task, the output, or all (`None`).
    pub fn filter(&self) -> Option<Follow> {
        self.filter
    }

    /// Forgets the index (a new trace began).
    pub fn clear(&mut self) {
        self.index.clear();
    }

    /// The rows to show: the event indices among the first `upto` that pass the filter,
    /// as a count and a way to map a row to its event.
    fn rows(&mut self, trace: &Trace, upto: usize) -> (usize, Option<&[u32]>) {
        match self.filter {
            Some(follows) => {
                self.index.follow_events(follows, trace);
                let rows = self.index.before(upto);
                (rows.len(), Some(rows))
            }
            None => (upto, None),
        }
    }
}

/// The output filter's name in the picker.
const OUTPUT: &str = "program output";

/// A printed line as the output panel shows it: the text, after the task that printed it
/// when a task did (outside every task it is the program's own).
fn output_line(view: &View<'_>, task: Option<TaskId>, text: crate::trace::Sym) -> String {
    let trace = view.trace;
    match task.and_then(|t| view.state.tasks.get(t.0 as usize)) {
        Some(info) => format!("[{} {}] {}", info.id, trace.str(info.name), trace.str(text)),
        None => trace.str(text).to_owned(),
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
    ui.horizontal(|ui| {
        ui.heading("Event log");
        let label = match log.filter {
            Some(Follow::Task(t)) => format!("task {t}"),
            Some(Follow::Output) => OUTPUT.to_owned(),
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
                let output = log.filter == Some(Follow::Output);
                if ui
                    .selectable_label(output, OUTPUT)
                    .on_hover_text("Every line the program printed, in order")
                    .clicked()
                {
                    action = Some(Action::FilterLog(Some(Follow::Output)));
                }
                for task in &view.state.tasks {
                    let text = crate::text::line_owned(format!(
                        "task {} {}",
                        task.id,
                        view.trace.str(task.name)
                    ));
                    if ui
                        .selectable_label(log.filter == Some(Follow::Task(task.id)), text)
                        .clicked()
                    {
                        action = Some(Action::FilterLog(Some(Follow::Task(task.id))));
                    }
                }
            });
    });
    // The event shown (the newest, or the one rewound to by a click on its row) in full:
    // rows are one line each and may be cut at the panel's edge.
    // (Not over the output: that reads as a terminal.)
    if log.filter != Some(Follow::Output)
        && let Some(at) = view.state.applied.checked_sub(1)
        && let Some(event) = view.trace.events.get(at)
    {
        // Several lines where the event has them (a panic's message).
        let text = crate::text::block_owned(format!(
            "event {at}: {}",
            report::event_text(view.trace, event)
        ));
        ui.add(egui::Label::new(egui::RichText::new(text).monospace()).wrap());
    }
    let row_height = ui.text_style_height(&egui::TextStyle::Monospace) + 2.0;
    let filter = log.filter;
    let (count, rows) = log.rows(view.trace, view.state.applied);
    // Sideways too: a long row (a path, a value) scrolls rather than ending in '…'.
    egui::ScrollArea::both()
        .id_salt("event-log")
        .auto_shrink([false, false])
        .stick_to_bottom(true)
        .show_rows(ui, row_height, count, |ui, range| {
            for row in range {
                let index = rows.map_or(row, |r| r[row] as usize);
                let Some(event) = view.trace.events.get(index) else {
                    continue;
                };
                let words = match (filter, event.kind) {
                    // The output as the program printed it, each line under its task.
                    (Some(Follow::Output), EventKind::Say { text }) => {
                        output_line(view, event.task.get().map(TaskId), text)
                    }
                    _ => report::event_text(view.trace, event),
                };
                let text = crate::text::line_owned(format!(
                    "{index:>6} {:>9}  {words}",
                    report::duration(event.t_ns),
                ));
                // Rows are one line each (the log scrolls by rows), as long as their text:
                // the whole event, several lines where it has them, on hover.
                let full = crate::text::block_owned(report::event_text(view.trace, event));
                let mut rich = egui::RichText::new(text).monospace();
                if let Some(c) = colour(&event.kind) {
                    rich = rich.color(c);
                }
                let selected =
                    view.selected.is_some() && view.selected == event.task.get().map(TaskId);
                let response = ui.add(
                    egui::Button::selectable(selected, rich)
                        .frame(false)
                        .wrap_mode(egui::TextWrapMode::Extend),
                );
                let response = response.on_hover_text(full);
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
