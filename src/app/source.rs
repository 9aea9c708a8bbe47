//! The lesson's own source, syntax-highlighted, with the selected task's await line
//! highlighted and the outer frames of its await chain shaded; in the Python lens, the
//! Python equivalent beside it.

use super::{View, style};
use crate::lens::Lens;
use crate::trace::TaskState;
use egui_extras::syntax_highlighting::{CodeTheme, highlight};

/// Lines to mark: the innermost await line, and the chain's outer lines.
pub(super) fn marks(view: &View<'_>) -> (Option<u32>, Vec<u32>) {
    let Some(task) = view.focus() else {
        return (None, Vec::new());
    };
    let lines: Vec<u32> = task
        .chain
        .iter()
        .filter_map(|&p| view.trace.point(p))
        .filter(|p| view.trace.str(p.file) == view.lesson.file)
        .map(|p| p.line)
        .collect();
    match task.state {
        TaskState::Completed(_) => (None, Vec::new()),
        _ => {
            let current = lines.last().copied();
            let outer = lines[..lines.len().saturating_sub(1)].to_vec();
            (current, outer)
        }
    }
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
pub fn show(ui: &mut egui::Ui, view: &View<'_>) {
    let (current, outer) = marks(view);
    // Truncated, not laid out in a row: a row of text would widen the panel past the
    // window and push the Python column out of sight.
    let title = egui::RichText::new(view.lesson.title).heading();
    ui.add(egui::Label::new(title).truncate());
    ui.add(egui::Label::new(egui::RichText::new(view.lesson.file).weak()).truncate());
    egui::CollapsingHeader::new("What happens here")
        .default_open(true)
        .show(ui, |ui| ui.label(view.lesson.explanation));
    ui.separator();
    if view.lens == Lens::Python {
        ui.columns(2, |cols| {
            cols[0].strong("Rust");
            code(
                &mut cols[0],
                "rust-src",
                view.source,
                "rs",
                current,
                &outer,
                view.dark,
            );
            cols[1].strong("Python equivalent");
            code(
                &mut cols[1],
                "py-src",
                view.python,
                "py",
                None,
                &[],
                view.dark,
            );
        });
    } else {
        code(
            ui,
            "rust-src",
            view.source,
            "rs",
            current,
            &outer,
            view.dark,
        );
    }
}
