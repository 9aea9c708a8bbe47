//! The program's source, syntax-highlighted, with the selected task's await line
//! highlighted and the outer frames of its await chain shaded; in the Python lens, the
//! Python equivalent beside it. A program with several files gets a tab per file, and the
//! panel follows the file the focused task is suspended in.

use super::{View, style};
use crate::lens::Lens;
use crate::trace::TaskState;
use egui_extras::syntax_highlighting::{CodeTheme, highlight};

/// View state: the file the user picked, and the file the focused task was in when they
/// picked it (the pick holds until the task moves to another file).
#[derive(Debug, Default)]
pub struct SourceView {
    picked: Option<(String, Option<String>)>,
}

impl SourceView {
    /// Forgets the pick (a new program).
    pub fn clear(&mut self) {
        *self = SourceView::default();
    }
}

/// The await points of a task's chain, outermost first: its `.at()` points, or where it
/// has none, the compiler's states of the futures it awaits (from debug info).
fn chain(task: &crate::trace::TaskView) -> Vec<crate::trace::PointId> {
    if task.chain.is_empty() {
        task.coro.iter().map(|f| f.state).collect()
    } else {
        task.chain.clone()
    }
}

/// The file of the focused task's innermost await point, when it is suspended or running.
fn focused_file<'a>(view: &View<'a>) -> Option<&'a str> {
    let task = view.focus()?;
    if matches!(task.state, TaskState::Completed(_)) {
        return None;
    }
    let point = view.trace.point(*chain(task).last()?)?;
    Some(view.trace.str(point.file))
}

/// The file shown: the user's pick while it holds, else the focused task's file, else the
/// first source.
fn shown_file<'a>(view: &View<'a>, state: &'a SourceView) -> Option<&'a str> {
    let focused = focused_file(view);
    if let Some((picked, at)) = &state.picked
        && at.as_deref() == focused
    {
        return Some(picked);
    }
    focused
        .filter(|f| view.sources.get(f).is_some())
        .or_else(|| view.sources.files().first().map(|s| s.file.as_str()))
}

/// Lines to mark in `file`: the innermost await line, and the chain's outer lines.
fn marks_in(view: &View<'_>, file: &str) -> (Option<u32>, Vec<u32>) {
    let Some(task) = view.focus() else {
        return (None, Vec::new());
    };
    if matches!(task.state, TaskState::Completed(_)) {
        return (None, Vec::new());
    }
    let points: Vec<_> = chain(task)
        .into_iter()
        .filter_map(|p| view.trace.point(p))
        .collect();
    let Some((innermost, outer)) = points.split_last() else {
        return (None, Vec::new());
    };
    let here = |p: &crate::trace::Point| view.trace.str(p.file) == file;
    let current = here(innermost).then_some(innermost.line);
    let outer = outer.iter().filter(|p| here(p)).map(|p| p.line).collect();
    (current, outer)
}

/// The focused task's innermost await point: its file and line.
pub(super) fn marked(view: &View<'_>) -> Option<(String, u32)> {
    let file = focused_file(view)?;
    let line = marks_in(view, file).0?;
    Some((file.to_owned(), line))
}

fn code(
    ui: &mut egui::Ui,
    id: &str,
    text: &str,
    language: &str,
    current: Option<u32>,
    outer: &[u32],
    dark: bool,
) {
    // Scroll to the current line only when it changes, so the user can still scroll.
    let memory_id = ui.make_persistent_id((id, "current-line"));
    let previous: Option<u32> = ui.data(|d| d.get_temp(memory_id));
    let moved = previous != current;
    ui.data_mut(|d| d.insert_temp(memory_id, current));
    let theme = if dark {
        CodeTheme::dark(ui.text_style_height(&egui::TextStyle::Monospace))
    } else {
        CodeTheme::light(ui.text_style_height(&egui::TextStyle::Monospace))
    };
    let style = ui.style().clone();
    // Long lines are cut at the column's edge rather than pushing the other column away.
    let width = ui.available_width();
    egui::ScrollArea::vertical()
        .id_salt(id)
        .auto_shrink([false, false])
        .max_width(width)
        .show(ui, |ui| {
            ui.set_max_width(width);
            ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Truncate);
            ui.spacing_mut().item_spacing.y = 0.0;
            for (i, line) in text.lines().enumerate() {
                let number = i as u32 + 1;
                let mut job = highlight(ui.ctx(), &style, &theme, line, language);
                // One screen line per source line, cut with an ellipsis at the edge, so
                // line numbers and highlights stay aligned with the code.
                job.wrap = egui::text::TextWrapping::truncate_at_width(
                    (width - 6.0 * ui.text_style_height(&egui::TextStyle::Monospace)).max(40.0),
                );
                // Reserved before the row so the highlight is painted behind the text.
                let background = ui.painter().add(egui::Shape::Noop);
                let row = ui.horizontal(|ui| {
                    ui.label(
                        egui::RichText::new(format!("{number:>4} "))
                            .monospace()
                            .weak(),
                    );
                    // Cut lines are cut on purpose: no tooltip repeating them.
                    ui.add(egui::Label::new(job).show_tooltip_when_elided(false));
                });
                let fill = if current == Some(number) {
                    Some(style::current_line(dark))
                } else if outer.contains(&number) {
                    Some(style::chain_line(dark))
                } else {
                    None
                };
                if let Some(fill) = fill {
                    let rect = row.response.rect.expand2(egui::vec2(2.0, 0.0));
                    let stroke = if current == Some(number) {
                        egui::Stroke::new(2.0, egui::Color32::from_rgb(255, 190, 0))
                    } else {
                        egui::Stroke::NONE
                    };
                    ui.painter().set(
                        background,
                        egui::epaint::RectShape::new(
                            rect,
                            2.0,
                            fill,
                            stroke,
                            egui::StrokeKind::Inside,
                        ),
                    );
                    if current == Some(number) && moved {
                        ui.scroll_to_rect(rect, Some(egui::Align::Center));
                    }
                }
            }
        });
}

/// Draws the source view.
pub fn show(ui: &mut egui::Ui, view: &View<'_>, state: &mut SourceView) {
    // Truncated, not laid out in a row: a row of text would widen the panel past the
    // window and push the Python column out of sight.
    let title = egui::RichText::new(view.program.display_title()).heading();
    ui.add(egui::Label::new(title).truncate());
    let shown = shown_file(view, state).map(str::to_owned);
    let files = view.sources.files();
    if files.len() > 1 {
        ui.horizontal_wrapped(|ui| {
            for source in files {
                let name = source.file.rsplit('/').next().unwrap_or(&source.file);
                let selected = shown.as_deref() == Some(source.file.as_str());
                if ui
                    .selectable_label(selected, name)
                    .on_hover_text(&source.file)
                    .clicked()
                {
                    let at = focused_file(view).map(str::to_owned);
                    state.picked = Some((source.file.clone(), at));
                }
            }
        });
    }
    if let Some(file) = &shown {
        ui.add(egui::Label::new(egui::RichText::new(file).weak()).truncate());
    }
    if let Some(explanation) = &view.program.explanation {
        egui::CollapsingHeader::new("What happens here")
            .default_open(true)
            .show(ui, |ui| ui.label(explanation));
    }
    ui.separator();
    let source = shown.as_deref().and_then(|f| view.sources.get(f));
    let (current, outer) = shown
        .as_deref()
        .map_or((None, Vec::new()), |f| marks_in(view, f));
    let rust = |ui: &mut egui::Ui| match source.map(|s| &s.text) {
        Some(Ok(text)) => code(ui, "rust-src", text, "rs", current, &outer, view.dark),
        Some(Err(why)) => {
            ui.label(egui::RichText::new(why).color(style::warning(view.dark)));
        }
        None => {
            ui.weak("No source file: this program's tasks have no await points yet.");
        }
    };
    match view.program.python.as_deref() {
        Some(python) if view.lens == Lens::Python => ui.columns(2, |cols| {
            cols[0].strong("Rust");
            rust(&mut cols[0]);
            cols[1].strong("Python equivalent");
            code(&mut cols[1], "py-src", python, "py", None, &[], view.dark);
        }),
        _ => rust(ui),
    }
}
