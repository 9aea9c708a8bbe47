//! The task table: state badge, await point, counts, value. Clicking selects a task.

use super::action::Action;
use super::style;
use super::view::View;
use crate::lens;
use crate::report;
use crate::trace::{TaskId, TaskState};
use egui_extras::{Column, TableBuilder};

/// Below this width (in points) the table's columns do not fit: each task takes two lines.
const LIST_BELOW: f32 = 420.0;

/// Draws the tasks: a table, or in a narrow panel a list of two lines per task; both are
/// virtualised, so 10,000 tasks cost what the visible rows cost.
pub fn show(ui: &mut egui::Ui, view: &View<'_>) -> Option<Action> {
    // Measured before the table, which may grow wider than the panel (it then scrolls).
    let width = ui.available_width();
    ui.heading("Tasks");
    let action = if width < LIST_BELOW {
        list(ui, view)
    } else {
        table(ui, view)
    };
    if view.state.tasks.is_empty() {
        ui.label("No tasks yet.");
    }
    focused_line(ui, view, width);
    action
}

/// A click on task `id`: select it, or unselect it if it was selected.
fn toggle(view: &View<'_>, id: TaskId) -> Action {
    Action::SelectTask((view.selected != Some(id)).then_some(id))
}

/// Three short lines per task: number and name; state; counts. Rows are of one height,
/// so the list is virtualised like the table; a line too long for the panel is cut only
/// at its end, with the whole text (and where the task is) on hover.
fn list(ui: &mut egui::Ui, view: &View<'_>) -> Option<Action> {
    let mut action = None;
    let order = view.state.tree_order();
    let line = ui.text_style_height(&egui::TextStyle::Body) + 2.0;
    let row_height = 3.0 * line + 8.0;
    // A narrow panel is a tab of its own: the list takes the height, less room for the
    // focused task's sentence under it.
    let max_height = (ui.available_height() - 5.0 * line).max(120.0);
    egui::ScrollArea::vertical()
        .id_salt("tasks-list")
        .max_height(max_height)
        .auto_shrink([false, true])
        .show_rows(ui, row_height, order.len(), |ui, rows| {
            for &(i, depth) in &order[rows] {
                let Some(task) = view.state.tasks.get(i) else {
                    continue;
                };
                let selected = view.selected == Some(task.id);
                let (rect, response) = ui.allocate_exact_size(
                    egui::vec2(ui.available_width(), row_height),
                    egui::Sense::click(),
                );
                if selected {
                    ui.painter()
                        .rect_filled(rect, 2.0, ui.visuals().selection.bg_fill);
                }
                let mut row = ui.new_child(
                    egui::UiBuilder::new()
                        .max_rect(rect.shrink2(egui::vec2(4.0, 4.0)))
                        .layout(egui::Layout::top_down(egui::Align::Min)),
                );
                row.style_mut().wrap_mode = Some(egui::TextWrapMode::Truncate);
                let name = view.trace.str(task.name);
                row.label(crate::text::line_owned(format!(
                    "{}{} {name}",
                    "  ".repeat(depth),
                    task.id
                )));
                let word = lens::task_state_word(view.lens, view.trace, task);
                row.label(style::badge(word, style::state_colour(task.state)));
                row.label(format!(
                    "polls {} · wakes {} · wasted {}",
                    task.polls, task.wakes, task.wasted
                ));
                // Worked out only while hovered: the sentence looks at every task.
                let response = response.on_hover_ui(|ui| {
                    let detail = report::task_detail(view.trace, view.state, i);
                    ui.label(match view.why(task.id) {
                        Some(why) => crate::text::block_owned(format!("{name}: {why}\n{detail}")),
                        None => crate::text::line_owned(format!("{name}: {detail}")),
                    });
                });
                if response.clicked() {
                    action = Some(toggle(view, task.id));
                }
            }
        });
    action
}

/// The table: one row per task, columns sized to their content.
fn table(ui: &mut egui::Ui, view: &View<'_>) -> Option<Action> {
    let mut action = None;
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
    let tasks = &view.state.tasks;
    let order = view.state.tree_order();
    let max_height = (ui.available_height() * 0.55).max(120.0);
    // Auto-sized columns fit their content; nothing in a row wraps onto a second line.
    ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
    TableBuilder::new(ui)
        .id_salt("tasks-table")
        .striped(true)
        .max_scroll_height(max_height)
        .sense(egui::Sense::click())
        .column(Column::auto().at_least(24.0))
        // Names are never cut: a narrow panel scrolls sideways instead.
        .column(Column::auto().at_least(80.0))
        .column(Column::auto().at_least(90.0))
        .column(Column::auto().at_least(44.0))
        .column(Column::auto().at_least(48.0))
        .column(Column::auto().at_least(52.0))
        .column(Column::remainder().at_least(120.0).clip(true))
        .header(row_height, |mut header| {
            for title in [
                "#",
                "task",
                "state",
                "polls",
                "wakes",
                "wasted",
                "at / value",
            ] {
                header.col(|ui| {
                    ui.strong(title);
                });
            }
        })
        .body(|body| {
            body.rows(row_height, order.len(), |mut row| {
                let (i, depth) = order[row.index()];
                let task = &tasks[i];
                row.set_selected(view.selected == Some(task.id));
                row.col(|ui| {
                    ui.label(task.id.to_string());
                });
                row.col(|ui| {
                    let name = view.trace.str(task.name);
                    // A spawned task sits under its parent, indented.
                    if depth == 0 {
                        let name = crate::text::line(name);
                        ui.label(&*name).on_hover_text(name);
                    } else {
                        let parent = task.parent.map_or(String::new(), |p| p.to_string());
                        // `›`: the box-drawing `└` of the command line is not in the
                        // app's proportional font.
                        ui.label(crate::text::line_owned(format!(
                            "{}› {name}",
                            "    ".repeat(depth - 1)
                        )))
                        .on_hover_text(format!("spawned by task {parent}"));
                    }
                });
                row.col(|ui| {
                    let word = lens::task_state_word(view.lens, view.trace, task);
                    ui.label(style::badge(word, style::state_colour(task.state)));
                });
                row.col(|ui| {
                    ui.label(task.polls.to_string());
                });
                row.col(|ui| {
                    ui.label(task.wakes.to_string());
                });
                row.col(|ui| {
                    let text = egui::RichText::new(task.wasted.to_string());
                    ui.label(if task.wasted > 0 {
                        text.color(egui::Color32::from_rgb(230, 120, 40))
                    } else {
                        text
                    });
                });
                row.col(|ui| {
                    let detail_full = report::task_detail(view.trace, view.state, i);
                    // The await point by its label and line: the file is the one shown
                    // beside (and on hover), so the column keeps room for the label.
                    let short = match task.state {
                        TaskState::Completed(_) | TaskState::Panicked(_) => None,
                        _ => task
                            .await_point()
                            .and_then(|p| view.trace.await_point(p))
                            .map(|p| format!("{} :{}", p.label, p.line)),
                    };
                    let detail =
                        crate::text::line_owned(short.unwrap_or_else(|| detail_full.clone()));
                    let text = match task.state {
                        TaskState::Panicked(_) => {
                            egui::RichText::new(detail).color(style::state_colour(task.state))
                        }
                        _ => egui::RichText::new(detail),
                    };
                    // Clipped at the column's edge: the full text on hover.
                    ui.label(text)
                        .on_hover_text(crate::text::line_owned(detail_full));
                });
                // Worked out only while hovered: the sentence looks at every task.
                let response = row.response().on_hover_ui(|ui| {
                    if let Some(why) = view.why(task.id) {
                        ui.label(crate::text::line_owned(why));
                    }
                });
                if response.clicked() {
                    action = Some(toggle(view, TaskId(i as u32)));
                }
            });
        });
    action
}

/// The focused task's state in one sentence (why it is not running, or its outcome),
/// wrapped at the panel's `width`.
fn focused_line(ui: &mut egui::Ui, view: &View<'_>, width: f32) {
    // The focused task's state in one sentence: why it is not running.
    if let Some(task) = view.focus() {
        let name = view.trace.str(task.name);
        let said = match (task.state, view.why(task.id)) {
            (_, Some(why)) => why,
            (TaskState::Completed(v), None) => format!("completed with {}", view.trace.str(v)),
            (TaskState::Panicked(m), None) => format!("panicked: {}", view.trace.str(m)),
            _ => String::new(),
        };
        let text = format!("task {} ({name}): {said}", task.id);
        ui.allocate_ui(egui::vec2(width, 0.0), |ui| {
            ui.set_max_width(width);
            ui.add(egui::Label::new(crate::text::line_owned(text)).wrap());
        });
    }
}
