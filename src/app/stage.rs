//! The Stage panel (key S): the executor drawn. Its loop's code with the line at work
//! lit, then four rows of cards: the ready queue in order, the tasks inside `poll`, the
//! parked tasks with an arrow to whoever holds each waker, and those holders (worker
//! threads with their progress, clones pollscope cannot name); finished tasks stand at the
//! side with their values. Cards glide to their new row over a quarter of a second, so a
//! projected class sees what moved; not at max speed, with reduced motion, or rewound.

use super::action::Action;
use super::style;
use super::view::View;
use crate::stage::{Card, LoopKind, Stage};
use crate::trace::{Holder, Sym, TaskId, TaskState, ThreadNo};
use egui::{Color32, FontId, Pos2, Rect, Sense, Stroke, StrokeKind, TextStyle, Vec2};

/// How long a card takes to reach its new place, in seconds.
pub const GLIDE: f32 = 0.25;

/// What a card stands for: a task, a thread, or a holder without a card of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Key {
    Task(TaskId),
    Thread(ThreadNo),
    Elsewhere,
    Future(Sym),
    /// The card counting a row's cards that do not fit (by the row's top).
    More(u32),
}

/// The narrowest a card gets before a row counts the rest on a "+N more" card.
const MIN_CARD: f32 = 90.0;

/// One card laid out.
struct Placed {
    key: Key,
    rect: Rect,
    title: String,
    note: String,
    /// The state's colour, drawn as a stripe (the state's word is in the text too).
    stripe: Color32,
    warn: bool,
}

/// Draws the Stage; returns the task clicked, as an action.
pub fn show(ui: &mut egui::Ui, view: &View<'_>, animate: bool) -> Vec<Action> {
    let mut actions = Vec::new();
    let kind = LoopKind::of(view.trace, view.state, view.policy, view.lens);
    // No row shows more cards than this; the rest are counted.
    let stage = Stage::build(view.trace, view.state, kind, view.now_ns, 48);
    let size = |style: TextStyle| ui.style().text_styles.get(&style).map_or(14.0, |f| f.size);
    let (body, mono) = (size(TextStyle::Body), size(TextStyle::Monospace));
    let colours = Palette::of(ui.visuals());
    let strong = colours.text;
    ui.add(egui::Label::new(egui::RichText::new(&stage.caption).strong()).wrap());
    // The rest is drawn to fit, without scrolling.
    let area = ui.available_rect_before_wrap();
    ui.allocate_rect(area, Sense::hover());
    let geo = Geometry::new(area, body, mono, kind);
    let painter = ui.painter_at(area);
    loop_code(ui, &painter, &stage, &geo, view.dark);
    let placed = layout(&stage, view, &geo);
    let dur = if animate { GLIDE } else { 0.0 };
    let glide = |key: Key, rect: Rect| -> Rect {
        let id = egui::Id::unique(("stage-card", key));
        let x = ui
            .ctx()
            .animate_value_with_time(id.with("x"), rect.left(), dur);
        let y = ui
            .ctx()
            .animate_value_with_time(id.with("y"), rect.top(), dur);
        Rect::from_min_size(Pos2::new(x, y), rect.size())
    };
    let shown: Vec<(Key, Rect)> = placed
        .iter()
        .map(|p| (p.key, glide(p.key, p.rect)))
        .collect();
    let rect_of = |key: Key| shown.iter().find(|(k, _)| *k == key).map(|(_, r)| *r);
    // Arrows first, under the cards: from each parked card to what holds its waker.
    let arrow = Stroke::new((geo.font / 7.0).max(2.0), arrow_colour(view.dark));
    for parked in &stage.parked {
        let Some(from) = rect_of(Key::Task(parked.card.task)) else {
            continue;
        };
        for holder in &parked.holders {
            let key = match holder {
                Holder::Thread(t) => Key::Thread(*t),
                Holder::Task(t) => Key::Task(*t),
                Holder::Elsewhere(_) => Key::Elsewhere,
                Holder::Future(repr) => Key::Future(*repr),
                Holder::Yield => continue,
            };
            if let Some(to) = rect_of(key) {
                draw_arrow(&painter, from, to, arrow);
            }
        }
    }
    let font = FontId::proportional(geo.font);
    for (p, &(_, rect)) in placed.iter().zip(&shown) {
        let fill = colours.card;
        let (border, width) = if p.warn {
            (style::breakpoint(view.dark), (geo.font / 5.0).max(2.5))
        } else {
            (ui.visuals().widgets.noninteractive.bg_stroke.color, 1.0)
        };
        painter.rect(
            rect,
            6.0,
            fill,
            Stroke::new(width, border),
            StrokeKind::Inside,
        );
        let stripe = Rect::from_min_size(rect.min, Vec2::new(6.0, rect.height()));
        painter.rect_filled(stripe, 3.0, p.stripe);
        let clip = painter.with_clip_rect(rect.shrink(2.0).intersect(area));
        let pad = Vec2::new(12.0, 4.0);
        let inner = (rect.width() - pad.x - 4.0).max(10.0);
        let title = clip.layout(p.title.clone(), font.clone(), strong, f32::INFINITY);
        clip.galley(rect.min + pad, title, strong);
        let note_colour = if p.warn { colours.warn } else { strong };
        // The note wraps inside the card (two lines; the full text is its accessible label).
        let note = clip.layout(p.note.clone(), geo.small(), note_colour, inner);
        clip.galley(
            rect.min + pad + Vec2::new(0.0, geo.font * 1.3),
            note,
            note_colour,
        );
        let id = egui::Id::unique(("stage-hit", p.key));
        let response = ui.interact(rect.intersect(area), id, Sense::click());
        let text = format!("{}: {}", p.title, p.note);
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &text));
        if let (Key::Task(task), true) = (p.key, response.clicked()) {
            actions.push(Action::SelectTask(Some(task)));
        }
    }
    // Row labels last, on the panel's colour: an arrow passing under one leaves it legible.
    for (label, pos) in geo.labels() {
        let galley = painter.layout_no_wrap(label.to_owned(), geo.small(), colours.label);
        let rect = egui::Align2::LEFT_BOTTOM.anchor_size(pos, galley.size());
        painter.rect_filled(rect.expand(1.0), 2.0, colours.panel);
        painter.galley(rect.min, galley, colours.label);
    }
    if stage.polling.is_empty() {
        painter.text(
            geo.side.left_top() + Vec2::new(4.0, 4.0),
            egui::Align2::LEFT_TOP,
            "nobody: between polls",
            geo.small(),
            colours.label,
        );
    }
    if animate
        && shown
            .iter()
            .zip(&placed)
            .any(|((_, now), p)| now.min.distance(p.rect.min) > 0.5)
    {
        ui.ctx().request_repaint();
    }
    actions
}

/// Where everything goes in the stage's area: the ready queue on top; the executor's loop
/// under it, with the poll in progress and the finished tasks beside it; the parked
/// tasks; and the holders of their wakers at the bottom.
struct Geometry {
    area: Rect,
    /// Card text size.
    font: f32,
    loop_font: f32,
    loop_rect: Rect,
    /// Tops of the card rows: queue, parked, holders.
    queue_top: f32,
    parked_top: f32,
    holders_top: f32,
    /// The column right of the loop: the poll in progress, then the finished tasks.
    side: Rect,
    card: Vec2,
    gap: f32,
}

impl Geometry {
    fn new(area: Rect, body: f32, mono: f32, kind: LoopKind) -> Geometry {
        let lines = kind.lines();
        let widest = lines
            .iter()
            .map(|l| l.code.chars().count())
            .max()
            .unwrap_or(30)
            + 2;
        // Monospace glyphs are about 0.6 em wide; the loop takes at most 55 % of the width
        // and 45 % of the height.
        let by_width = area.width() * 0.55 / (widest as f32 * 0.6);
        let by_height = area.height() * 0.45 / (lines.len() as f32 * 1.3 + 1.0);
        let loop_font = (mono * 0.9).min(by_width).min(by_height).max(9.0);
        let loop_size = Vec2::new(
            widest as f32 * loop_font * 0.6 + 16.0,
            lines.len() as f32 * loop_font * 1.3 + 12.0,
        );
        // Three rows of cards share what the loop leaves: a label, a card (a title and two
        // lines of note), and room for arrows in each.
        let row_h = (area.height() - loop_size.y - 8.0) / 3.0;
        let font = ((row_h - 22.0) / 4.25).min(body).max(10.0);
        let label_h = font * 0.85 + 4.0;
        let queue_top = area.top() + label_h;
        let loop_rect =
            Rect::from_min_size(Pos2::new(area.left() + 2.0, area.top() + row_h), loop_size);
        let parked_top = loop_rect.bottom() + 8.0 + label_h;
        let holders_top = parked_top + row_h;
        let side = Rect::from_min_max(
            Pos2::new(loop_rect.right() + 12.0, loop_rect.top() + label_h),
            Pos2::new(area.right() - 2.0, loop_rect.bottom()),
        );
        Geometry {
            area,
            font,
            loop_font,
            loop_rect,
            queue_top,
            parked_top,
            holders_top,
            side,
            card: Vec2::new((font * 11.0).min(area.width() / 3.0), font * 3.4 + 10.0),
            gap: 8.0,
        }
    }

    fn small(&self) -> FontId {
        FontId::proportional((self.font * 0.85).max(10.0))
    }

    /// Each row's label, at its bottom-left corner.
    fn labels(&self) -> Vec<(&'static str, Pos2)> {
        let above = |x: f32, top: f32| Pos2::new(x, top - 2.0);
        vec![
            (
                "Ready queue: first in line on the left",
                above(self.area.left() + 4.0, self.queue_top),
            ),
            ("Inside poll", above(self.side.left(), self.side.top())),
            (
                "Parked: returned Pending",
                above(self.area.left() + 4.0, self.parked_top),
            ),
            (
                "Worker threads, and who holds the parked tasks' wakers",
                above(self.area.left() + 4.0, self.holders_top),
            ),
        ]
    }
}

/// The loop's code, the line at work lit (a marker too, not colour alone).
fn loop_code(ui: &egui::Ui, painter: &egui::Painter, stage: &Stage, geo: &Geometry, dark: bool) {
    let lit = stage.kind.lit_line(stage.phase);
    let font = FontId::monospace(geo.loop_font);
    let visuals = ui.visuals();
    painter.rect(
        geo.loop_rect,
        4.0,
        visuals.extreme_bg_color,
        visuals.widgets.noninteractive.bg_stroke,
        StrokeKind::Inside,
    );
    let line_h = geo.loop_font * 1.3;
    for (i, line) in stage.kind.lines().iter().enumerate() {
        let top = geo.loop_rect.top() + 6.0 + i as f32 * line_h;
        let on = Some(i) == lit;
        if on {
            let band = Rect::from_min_size(
                Pos2::new(geo.loop_rect.left() + 2.0, top),
                Vec2::new(geo.loop_rect.width() - 4.0, line_h),
            );
            painter.rect_filled(band, 2.0, style::current_line(dark));
        }
        let marker = if on { "> " } else { "  " };
        painter.text(
            Pos2::new(geo.loop_rect.left() + 4.0, top),
            egui::Align2::LEFT_TOP,
            format!("{marker}{}", line.code),
            font.clone(),
            visuals.strong_text_color(),
        );
    }
    // The line at work, for screen readers and tests.
    let id = egui::Id::unique("stage-loop");
    let response = ui.interact(geo.loop_rect, id, Sense::hover());
    let at = lit
        .and_then(|i| stage.kind.lines().get(i))
        .map_or("", |l| l.code.trim());
    let text = format!("executor loop, at: {at}");
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &text));
}

/// The Stage's text and the grounds it sits on: every pair reads at 4.5:1 or more on
/// either theme (checked in the tests below), for the back of a lecture hall.
struct Palette {
    /// Card ground.
    card: Color32,
    /// Card titles and notes.
    text: Color32,
    /// A stalled card's note.
    warn: Color32,
    /// Row labels, and the ground under them.
    label: Color32,
    panel: Color32,
}

impl Palette {
    fn of(visuals: &egui::Visuals) -> Palette {
        let dark = visuals.dark_mode;
        Palette {
            card: if dark {
                Color32::from_rgb(32, 34, 40)
            } else {
                Color32::from_rgb(248, 248, 250)
            },
            text: visuals.strong_text_color(),
            warn: style::warning(dark),
            // Plain text, not the weak grey, which is too faint on a light projector.
            label: visuals.text_color(),
            panel: visuals.panel_fill,
        }
    }
}

fn arrow_colour(dark: bool) -> Color32 {
    if dark {
        Color32::from_rgb(120, 190, 255)
    } else {
        Color32::from_rgb(20, 90, 200)
    }
}

/// The distinct Python futures holding wakers, in order of first mention.
fn futures(stage: &Stage) -> Vec<Sym> {
    let mut out: Vec<Sym> = Vec::new();
    for h in stage.parked.iter().flat_map(|p| &p.holders) {
        if let Holder::Future(repr) = *h
            && !out.contains(&repr)
        {
            out.push(repr);
        }
    }
    out
}

/// Places every card: rows left to right, narrower when a row is full.
fn layout(stage: &Stage, view: &View<'_>, geo: &Geometry) -> Vec<Placed> {
    let mut out = Vec::new();
    let task_card = |c: &Card, note: String, warn: bool| Placed {
        key: Key::Task(c.task),
        rect: Rect::NOTHING,
        // The row says the state; the colour stripe repeats it.
        title: c.name.clone(),
        note,
        stripe: style::state_colour(c.state),
        warn,
    };
    let row = |mut cards: Vec<Placed>,
               hidden: usize,
               (left, right): (f32, f32),
               top: f32,
               out: &mut Vec<Placed>| {
        let room = right - left;
        // As many as fit at a readable width; the rest are counted on the last card.
        let fit = ((room + geo.gap) / (MIN_CARD + geo.gap)).floor().max(1.0) as usize;
        if cards.len() + hidden > fit {
            let more = cards.len() + hidden - (fit - 1);
            cards.truncate(fit - 1);
            cards.push(Placed {
                key: Key::More(top.to_bits()),
                rect: Rect::NOTHING,
                title: format!("+{more} more"),
                note: "in this row".to_owned(),
                stripe: Color32::GRAY,
                warn: false,
            });
        }
        let n = cards.len().max(1) as f32;
        let width = geo.card.x.min((room - geo.gap * (n - 1.0)) / n).max(30.0);
        for (i, mut p) in cards.into_iter().enumerate() {
            let x = left + i as f32 * (width + geo.gap);
            p.rect = Rect::from_min_size(Pos2::new(x, top), Vec2::new(width, geo.card.y));
            out.push(p);
        }
    };
    let (left, right) = (geo.area.left() + 4.0, geo.area.right() - 2.0);
    // Numbered, so the order reads without the row's direction.
    let queue = stage
        .queue
        .iter()
        .enumerate()
        .map(|(i, c)| task_card(c, format!("#{} · {}", i + 1, c.note), false))
        .collect();
    row(
        queue,
        stage.left_out[0],
        (left, right),
        geo.queue_top,
        &mut out,
    );
    let polling = stage
        .polling
        .iter()
        .map(|c| task_card(c, c.note.clone(), false))
        .collect();
    let side = (geo.side.left(), geo.side.right());
    row(polling, stage.left_out[1], side, geo.side.top(), &mut out);
    let parked = stage
        .parked
        .iter()
        .map(|p| {
            let note = if p.stalled {
                format!("STALLED — {}", p.held_words)
            } else {
                p.held_words.clone()
            };
            task_card(&p.card, note, p.stalled)
        })
        .collect();
    row(
        parked,
        stage.left_out[2],
        (left, right),
        geo.parked_top,
        &mut out,
    );
    let mut holders: Vec<Placed> = stage
        .threads
        .iter()
        .map(|t| Placed {
            key: Key::Thread(t.thread),
            rect: Rect::NOTHING,
            title: format!("thread {}", t.name),
            note: t.progress.clone(),
            stripe: if t.running {
                style::state_colour(TaskState::Running)
            } else {
                style::state_colour(TaskState::Completed(crate::trace::Sym(0)))
            },
            warn: false,
        })
        .collect();
    let elsewhere: u32 = stage
        .parked
        .iter()
        .flat_map(|p| &p.holders)
        .filter_map(|h| match h {
            Holder::Elsewhere(n) => Some(*n),
            _ => None,
        })
        .sum();
    if elsewhere > 0 {
        let note = if view.tokio_run {
            "tokio's driver, a channel or a value of the program"
        } else {
            "a channel or a value of the program"
        };
        let s = if elsewhere == 1 { "" } else { "s" };
        holders.push(Placed {
            key: Key::Elsewhere,
            rect: Rect::NOTHING,
            title: format!("elsewhere ({elsewhere} clone{s})"),
            note: note.to_owned(),
            stripe: Color32::GRAY,
            warn: false,
        });
    }
    for repr in futures(stage) {
        holders.push(Placed {
            key: Key::Future(repr),
            rect: Rect::NOTHING,
            title: "asyncio future".to_owned(),
            note: view.trace.str(repr).to_owned(),
            stripe: Color32::GRAY,
            warn: false,
        });
    }
    row(holders, 0, (left, right), geo.holders_top, &mut out);
    // Done: one line each under the poll in progress, the newest last.
    let line_h = geo.font * 1.5 + 6.0;
    let top = geo.side.top() + geo.card.y + geo.gap;
    let room = ((geo.side.bottom() - top) / (line_h + 3.0))
        .floor()
        .max(1.0) as usize;
    let skip = stage.done.len().saturating_sub(room);
    let earlier = skip + stage.left_out[3];
    for (i, c) in stage.done.iter().skip(skip).enumerate() {
        let note = if i == 0 && earlier > 0 {
            format!("(+{earlier} earlier) {}", c.note)
        } else {
            c.note.clone()
        };
        let mut p = task_card(c, note, matches!(c.state, TaskState::Panicked(_)));
        p.title = format!("{} {}", c.name, p.note);
        p.note = String::new();
        p.rect = Rect::from_min_size(
            Pos2::new(geo.side.left(), top + i as f32 * (line_h + 3.0)),
            Vec2::new(geo.side.width(), line_h),
        );
        out.push(p);
    }
    out
}

/// An arrow from card `from` to card `to`, edge to edge.
fn draw_arrow(painter: &egui::Painter, from: Rect, to: Rect, stroke: Stroke) {
    let (a, b) = if to.top() > from.bottom() {
        (from.center_bottom(), to.center_top())
    } else if to.bottom() < from.top() {
        (from.center_top(), to.center_bottom())
    } else if to.left() > from.right() {
        (from.right_center(), to.left_center())
    } else {
        (from.left_center(), to.right_center())
    };
    painter.arrow(a, b - a, stroke);
}

/// Whether the Stage animates this frame: a continuous run at max speed, reduced motion,
/// and a rewound view show the exact state at once.
pub fn animates(reduced_motion: bool, max_speed: bool, rewound: bool) -> bool {
    !(reduced_motion || max_speed || rewound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loop_and_three_rows_of_cards_fit_the_area_they_are_given() {
        for (w, h) in [(600.0, 420.0), (700.0, 560.0), (1000.0, 800.0)] {
            let area = Rect::from_min_size(Pos2::new(10.0, 20.0), Vec2::new(w, h));
            for kind in [
                LoopKind::WakerDriven,
                LoopKind::BusyPoll,
                LoopKind::PyRunner,
            ] {
                let geo = Geometry::new(area, 22.4, 18.9, kind);
                let bottom = geo.holders_top + geo.card.y;
                assert!(
                    bottom <= area.bottom() + 0.5,
                    "{w}x{h}: {bottom} > {}",
                    area.bottom()
                );
                assert!(geo.loop_rect.right() < geo.side.left());
                assert!(geo.loop_rect.bottom() < geo.parked_top);
            }
        }
    }

    /// WCAG's contrast ratio of two opaque colours.
    fn contrast(a: Color32, b: Color32) -> f32 {
        let lum = |c: Color32| {
            let ch = |v: u8| {
                let v = f32::from(v) / 255.0;
                if v <= 0.039_28 {
                    v / 12.92
                } else {
                    ((v + 0.055) / 1.055).powf(2.4)
                }
            };
            0.2126 * ch(c.r()) + 0.7152 * ch(c.g()) + 0.0722 * ch(c.b())
        };
        let (x, y) = (lum(a), lum(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    #[test]
    fn every_text_on_the_stage_reads_at_4_5_to_1_on_both_themes() {
        for visuals in [egui::Visuals::dark(), egui::Visuals::light()] {
            let p = Palette::of(&visuals);
            let dark = visuals.dark_mode;
            for (what, fg, bg) in [
                ("card text", p.text, p.card),
                ("stalled note", p.warn, p.card),
                ("row label", p.label, p.panel),
                (
                    "loop code",
                    visuals.strong_text_color(),
                    visuals.extreme_bg_color,
                ),
                ("lit loop line", visuals.strong_text_color(), {
                    let band = style::current_line(dark);
                    let under = visuals.extreme_bg_color;
                    let a = f32::from(band.a()) / 255.0;
                    // The band is stored premultiplied: its channels already carry alpha.
                    let mix = |b: u8, u: u8| (f32::from(b) + f32::from(u) * (1.0 - a)) as u8;
                    Color32::from_rgb(
                        mix(band.r(), under.r()),
                        mix(band.g(), under.g()),
                        mix(band.b(), under.b()),
                    )
                }),
            ] {
                let ratio = contrast(fg, bg);
                assert!(ratio >= 4.5, "dark {dark}: {what} {ratio:.2}:1");
            }
        }
    }

    #[test]
    fn nothing_glides_at_max_speed_with_reduced_motion_or_rewound() {
        assert!(animates(false, false, false));
        assert!(!animates(true, false, false));
        assert!(!animates(false, true, false));
        assert!(!animates(false, false, true));
    }
}
