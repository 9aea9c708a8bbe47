//! The program's source, syntax-highlighted, with the selected task's await line
//! highlighted and the outer frames of its await chain shaded; in the Python lens, the
//! Python equivalent beside it. A program with several files gets a tab per file, and the
//! panel follows the file the focused task is suspended in.

use super::action::Action;
use super::style;
use super::view::View;
use crate::lens::Lens;
use crate::program::region::{Region, region};
use crate::trace::TaskState;
use egui_extras::syntax_highlighting::{CodeTheme, highlight};

/// View state: the file the user picked, and the file the focused task was in when they
/// picked it (the pick holds until the task moves to another file).
#[derive(Debug, Default)]
pub struct SourceView {
    picked: Option<(String, Option<String>)>,
    /// Show the whole file rather than the region the lesson marks.
    pub whole_file: bool,
}

impl SourceView {
    /// Forgets the pick (a new program).
    pub fn clear(&mut self) {
        let whole_file = self.whole_file;
        *self = SourceView {
            whole_file,
            ..SourceView::default()
        };
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
    // Not started (a Python run knows where it was made, but no line of it has run) or done.
    if matches!(task.state, TaskState::Completed(_) | TaskState::Created) {
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

/// What one code column shows.
struct Code<'a> {
    id: &'a str,
    text: &'a str,
    language: &'a str,
    /// The lines shown (the file's numbers); `None`: all.
    region: Option<Region>,
    current: Option<u32>,
    outer: &'a [u32],
    /// Lines with a breakpoint, and whether clicking a line number toggles one.
    breakpoints: Option<&'a [u32]>,
    dark: bool,
}

/// Draws one code column, long lines wrapped with `↪` in the margin so nothing is cut.
/// Returns the line whose number was clicked.
fn code(ui: &mut egui::Ui, c: &Code<'_>) -> Option<u32> {
    // Scroll to the current line only when it changes, so the user can still scroll.
    let memory_id = ui.make_persistent_id((c.id, "current-line"));
    let previous: Option<u32> = ui.data(|d| d.get_temp(memory_id));
    let moved = previous != c.current;
    ui.data_mut(|d| d.insert_temp(memory_id, c.current));
    let mono = ui.text_style_height(&egui::TextStyle::Monospace);
    let theme = if c.dark {
        CodeTheme::dark(mono)
    } else {
        CodeTheme::light(mono)
    };
    let style = ui.style().clone();
    let width = ui.available_width();
    let mut clicked = None;
    egui::ScrollArea::vertical()
        .id_salt(c.id)
        .auto_shrink([false, false])
        .max_width(width)
        .show(ui, |ui| {
            ui.set_max_width(width);
            ui.spacing_mut().item_spacing.y = 0.0;
            let font = egui::TextStyle::Monospace.resolve(ui.style());
            let weak = ui.visuals().weak_text_color();
            let digits = c.text.lines().count().max(1).ilog10() as usize + 1;
            // Room for a breakpoint dot, the number and a space.
            let gutter = ui.fonts_mut(|f| f.glyph_width(&font, '0')) * (digits as f32 + 2.5);
            let text_width = (width - gutter - 4.0).max(40.0);
            for (i, line) in c.text.lines().enumerate() {
                let number = i as u32 + 1;
                if c.region.is_some_and(|r| !r.contains(number)) {
                    continue;
                }
                let line = crate::text::code_line(line);
                let mut job = highlight(ui.ctx(), &style, &theme, &line, c.language);
                job.wrap.max_width = text_width;
                job.wrap.break_anywhere = false;
                let galley = ui.painter().layout_job(job);
                let size = egui::vec2(width, galley.size().y.max(mono));
                let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
                let number_rect = egui::Rect::from_min_size(rect.min, egui::vec2(gutter, mono));
                let fill = if c.current == Some(number) {
                    Some(style::current_line(c.dark))
                } else if c.outer.contains(&number) {
                    Some(style::chain_line(c.dark))
                } else {
                    None
                };
                let painter = ui.painter();
                if let Some(fill) = fill {
                    let stroke = if c.current == Some(number) {
                        egui::Stroke::new(2.0, egui::Color32::from_rgb(255, 190, 0))
                    } else {
                        egui::Stroke::NONE
                    };
                    let band = rect.expand2(egui::vec2(2.0, 0.0));
                    painter.rect(band, 2.0, fill, stroke, egui::StrokeKind::Inside);
                    if c.current == Some(number) && moved {
                        ui.scroll_to_rect(band, Some(egui::Align::Center));
                    }
                }
                let painter = ui.painter();
                let has_breakpoint = c.breakpoints.is_some_and(|b| b.contains(&number));
                if has_breakpoint {
                    let centre = number_rect.left_center() + egui::vec2(mono * 0.35, 0.0);
                    painter.circle_filled(centre, mono * 0.28, style::breakpoint(c.dark));
                }
                painter.text(
                    number_rect.right_top() - egui::vec2(mono * 0.5, 0.0),
                    egui::Align2::RIGHT_TOP,
                    number.to_string(),
                    font.clone(),
                    weak,
                );
                // A wrapped line's further rows are marked, so they do not read as lines.
                for row in galley.rows.iter().skip(1) {
                    // A hooked arrow, drawn: no font on every machine has "↪".
                    let x = rect.left() + gutter - mono * 0.9;
                    let top = rect.top() + row.pos.y + mono * 0.15;
                    let y = top + mono * 0.45;
                    let tip = egui::pos2(x + mono * 0.55, y);
                    let stroke = egui::Stroke::new(1.5, weak);
                    painter.line(vec![egui::pos2(x, top), egui::pos2(x, y), tip], stroke);
                    let barb = mono * 0.18;
                    painter.line_segment([tip, tip + egui::vec2(-barb, -barb)], stroke);
                    painter.line_segment([tip, tip + egui::vec2(-barb, barb)], stroke);
                }
                let text_pos = egui::pos2(rect.left() + gutter, rect.top());
                painter.galley(text_pos, galley, ui.visuals().text_color());
                if c.breakpoints.is_some() {
                    let id = ui.make_persistent_id((c.id, "line", number));
                    let response = ui.interact(number_rect, id, egui::Sense::click());
                    // Named, so screen readers (and the UI tests) can find each line.
                    response.widget_info(|| {
                        egui::WidgetInfo::labeled(
                            egui::Role::Button,
                            true,
                            format!("line {number}"),
                        )
                    });
                    let response = response.on_hover_text(if has_breakpoint {
                        "remove the breakpoint"
                    } else {
                        "stop Run when a task suspends or resumes on this line"
                    });
                    if response.clicked() {
                        clicked = Some(number);
                    }
                }
            }
        });
    clicked
}

/// The breakpoints, each removed by a click, and "clear all".
fn breakpoint_list(ui: &mut egui::Ui, view: &View<'_>, actions: &mut Vec<Action>) {
    if view.breakpoints.is_empty() {
        return;
    }
    ui.horizontal_wrapped(|ui| {
        ui.label("Breakpoints:")
            .on_hover_text("Run stops when a task suspends or resumes on these lines");
        for (file, line) in view.breakpoints {
            let name = file.rsplit('/').next().unwrap_or(file);
            if ui
                .small_button(crate::text::line_owned(format!("{name}:{line} ×")))
                .on_hover_text(crate::text::line_owned(format!(
                    "{file}:{line}: click to remove"
                )))
                .clicked()
            {
                actions.push(Action::ToggleBreakpoint {
                    file: file.clone(),
                    line: *line,
                });
            }
        }
        if ui
            .small_button("clear all")
            .on_hover_text("Shift B")
            .clicked()
        {
            actions.push(Action::ClearBreakpoints);
        }
    });
}

/// Draws the source view; returns breakpoints toggled (a click on a line number, or in
/// the list).
pub fn show(ui: &mut egui::Ui, view: &View<'_>, state: &mut SourceView) -> Vec<Action> {
    let mut actions = Vec::new();
    let title = egui::RichText::new(crate::text::line(view.program.display_title())).heading();
    ui.add(egui::Label::new(title).wrap());
    let shown = shown_file(view, state).map(str::to_owned);
    let files = view.sources.files();
    if files.len() > 1 {
        ui.horizontal_wrapped(|ui| {
            for source in files {
                let name = source.file.rsplit('/').next().unwrap_or(&source.file);
                let selected = shown.as_deref() == Some(source.file.as_str());
                if ui
                    .selectable_label(selected, crate::text::line(name))
                    .on_hover_text(crate::text::line(&source.file))
                    .clicked()
                {
                    let at = focused_file(view).map(str::to_owned);
                    state.picked = Some((source.file.clone(), at));
                }
            }
        });
    }
    let source = shown.as_deref().and_then(|f| view.sources.get(f));
    let (current, outer) = shown
        .as_deref()
        .map_or((None, Vec::new()), |f| marks_in(view, f));
    let text = source.and_then(|s| s.text.as_deref().ok());
    let marked = text.and_then(region);
    // A marked line outside the region shows the whole file: nothing that matters hides.
    let outside = marked.is_some_and(|r| {
        current
            .into_iter()
            .chain(outer.iter().copied())
            .any(|l| !r.contains(l))
    });
    ui.horizontal(|ui| {
        if let Some(file) = &shown {
            let file = crate::text::line(file);
            ui.add(egui::Label::new(egui::RichText::new(file).weak()).truncate());
        }
        if marked.is_some() {
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let whole = state.whole_file || outside;
                let label = if whole { "whole file" } else { "lesson code" };
                let hint = "the lines the lesson marks (// pollscope:begin to end), or the whole \
                    file with its imports and metadata (F)";
                if ui
                    .selectable_label(whole, label)
                    .on_hover_text(hint)
                    .clicked()
                {
                    state.whole_file = !state.whole_file;
                }
            });
        }
    });
    breakpoint_list(ui, view, &mut actions);
    if let Some(explanation) = &view.program.explanation {
        // Folded at first on a projector, where the lecturer tells it and the code needs
        // the height; open at a desk, for someone learning alone.
        egui::CollapsingHeader::new("What happens here")
            .id_salt(("explanation", view.presenter))
            .default_open(!view.presenter)
            .show(ui, |ui| {
                // Capped, so on a projector the code below keeps most of the height.
                egui::ScrollArea::vertical()
                    .id_salt("explanation")
                    .max_height(ui.available_height() * 0.3)
                    .show(ui, |ui| ui.label(crate::text::block(explanation)));
            });
    }
    ui.separator();
    let file_breakpoints: Vec<u32> = shown.as_deref().map_or(Vec::new(), |f| {
        view.breakpoints
            .iter()
            .filter(|(file, _)| file == f)
            .map(|&(_, line)| line)
            .collect()
    });
    let whole = state.whole_file || outside;
    let rust = |ui: &mut egui::Ui| match (source.map(|s| &s.text), text) {
        (_, Some(text)) => code(
            ui,
            &Code {
                id: "rust-src",
                text,
                language: "rs",
                region: marked.filter(|_| !whole),
                current,
                outer: &outer,
                breakpoints: Some(&file_breakpoints),
                dark: view.dark,
            },
        ),
        (Some(Err(why)), _) => {
            let why = why.to_string();
            let why = crate::text::line(&why);
            ui.label(egui::RichText::new(why).color(style::warning(view.dark)));
            None
        }
        _ => {
            ui.weak("No source file: this program's tasks have no await points yet.");
            None
        }
    };
    let clicked = match view.program.python.as_deref() {
        Some(python) if view.lens == Lens::Python => ui.columns(2, |cols| {
            cols[0].strong("Rust");
            let clicked = rust(&mut cols[0]);
            #[cfg(unix)]
            let twin = view.twin;
            #[cfg(not(unix))]
            let twin: Option<&TwinStub> = None;
            let (current, outer) = twin_header(&mut cols[1], twin, view.dark);
            let py = Code {
                id: "py-src",
                text: python,
                language: "py",
                region: None,
                current,
                outer: &outer,
                breakpoints: None,
                dark: view.dark,
            };
            code(&mut cols[1], &py);
            clicked
        }),
        _ => rust(ui),
    };
    if let (Some(file), Some(line)) = (shown, clicked) {
        actions.push(Action::ToggleBreakpoint { file, line });
    }
    actions
}

#[cfg(unix)]
use crate::python::TwinView;
/// No twin runs where there is no Python tracer.
#[cfg(not(unix))]
struct TwinStub;

/// The Python column's heading: live in CPython (its version, its coroutines in CPython's
/// words, its last printed line), or the fallback, saying why. Returns the lines to light.
#[cfg(unix)]
fn twin_header(ui: &mut egui::Ui, twin: Option<&TwinView>, dark: bool) -> (Option<u32>, Vec<u32>) {
    let Some(twin) = twin else {
        ui.strong("Python equivalent");
        return (None, Vec::new());
    };
    if let Some(why) = &twin.unavailable {
        ui.strong("Python equivalent (not running)");
        let words = format!(
            "{}: the Python words are the Rust run's events renamed",
            crate::text::line(why)
        );
        ui.label(egui::RichText::new(words).color(style::warning(dark)));
        return (None, Vec::new());
    }
    let version = twin.python.as_deref().unwrap_or("…");
    let state = match &twin.ended {
        Some(end) => format!(", {end}"),
        None if twin.resumes == 1 => ", 1 resume".to_owned(),
        None => format!(", {} resumes", twin.resumes),
    };
    ui.strong(format!("Python, live in CPython {version}{state}"));
    // One line per coroutine (a few at most, so the code keeps the column), each cut at the
    // column's edge rather than wrapped: the column's justified layout would spread a
    // wrapped line letter by letter.
    const SHOWN: usize = 3;
    for t in twin.tasks.iter().rev().take(SHOWN).rev() {
        let words = match t.line {
            Some(line) => format!("{} {} (line {line})", t.name, t.state),
            None => format!("{} {}", t.name, t.state),
        };
        let words = crate::text::line_owned(words);
        ui.add(egui::Label::new(egui::RichText::new(words).monospace().small()).truncate());
    }
    if twin.tasks.len() > SHOWN {
        ui.weak(format!("and {} earlier", twin.tasks.len() - SHOWN));
    }
    if let Some(said) = &twin.said {
        let words = crate::text::line_owned(format!("printed: {said}"));
        ui.add(egui::Label::new(egui::RichText::new(words).weak()).truncate());
    }
    (twin.current, twin.outer.clone())
}

#[cfg(not(unix))]
fn twin_header(
    ui: &mut egui::Ui,
    _twin: Option<&TwinStub>,
    _dark: bool,
) -> (Option<u32>, Vec<u32>) {
    ui.strong("Python equivalent");
    (None, Vec::new())
}
