//! Drawing the timeline: the time axis, row stripes, spans, wake arrows, the cursor and the
//! lane names. Only the visible rows and the spans in the shown window are drawn, and
//! spans narrower than a pixel share one mark per pixel, so a million-event trace costs
//! what the screen can show.

use super::{Geometry, View, lane_words};
use crate::app::{Action, style};
use crate::lanes::{Arrow, LaneKind, Lanes, Span, SpanKind};
use crate::report::duration;
use crate::trace::{EventKind, TaskState, ThreadOutcome};
use egui::{Align2, Color32, FontId, Painter, Pos2, Rect, Sense, Shape, Stroke, pos2, vec2};
use std::ops::Range;

/// At most this many arrows are drawn a frame (after keeping one per pixel and pair of
/// lanes); more would be a solid wall anyway.
const MAX_ARROWS: usize = 4_000;
/// Arrows named for screen readers (and the UI tests), per frame.
const MAX_NAMED_ARROWS: usize = 200;
/// Spans narrower than this share a mark with their neighbours.
const MERGE_PX: f32 = 2.0;

/// The colour of wake arrows: apart from every span colour.
pub(super) const ARROW: Color32 = Color32::from_rgb(235, 70, 160);
/// A blocking poll: hot, and outlined, unlike any other span.
const BLOCKING: Color32 = Color32::from_rgb(255, 110, 0);
const BLOCKING_EDGE: Color32 = Color32::from_rgb(150, 30, 0);

/// Everything the drawing needs this frame.
pub(super) struct Cx<'a> {
    pub ui: &'a egui::Ui,
    pub view: &'a View<'a>,
    pub lanes: &'a Lanes,
    pub rows: &'a [usize],
    pub row_of: &'a [usize],
    pub g: &'a Geometry,
    /// All rows, as laid out in the scroll area.
    pub rect: Rect,
    /// The visible part of the plot.
    pub plot_clip: Rect,
    /// The end of time shown: the last event, or the present while live.
    pub end_ns: u64,
    pub cursor_ns: u64,
}

impl Cx<'_> {
    pub fn row_rect(&self, row: usize) -> Rect {
        self.g.row_rect(row, self.rect)
    }

    /// The lane's row rectangle, wherever it is (scrolled away, too).
    pub fn lane_rect(&self, lane: usize) -> Option<Rect> {
        let row = *self.row_of.get(lane)?;
        (row < self.rows.len()).then(|| self.row_rect(row))
    }

    /// The trace time at the plot's left and right edges.
    pub fn shown_ns(&self) -> (u64, u64) {
        let g = self.g;
        (g.t_ns(g.left), g.t_ns(g.left + g.width))
    }

    /// Where a span ends on screen: an open span reaches the present while live.
    pub fn span_end(&self, span: &Span) -> u64 {
        if span.open && !self.view.rewound {
            self.end_ns.max(span.end_ns)
        } else {
            span.end_ns
        }
    }

    fn plot_painter(&self) -> Painter {
        self.ui.painter().with_clip_rect(self.plot_clip)
    }

    /// Alternate rows shaded, the focused task's rows marked, and the axis ticks as faint
    /// lines down the plot.
    pub fn stripes(&self, shown: Range<usize>) {
        let painter = self.ui.painter().with_clip_rect(self.ui.clip_rect());
        let visuals = self.ui.visuals();
        let focus = self.view.selected.and_then(|t| self.lanes.task_lane(t));
        for row in shown {
            let Some(&lane) = self.rows.get(row) else {
                continue;
            };
            let owner = match self.lanes.lanes.get(lane).map(|l| l.kind) {
                Some(LaneKind::Thread(_)) => self.lanes.lanes.get(lane).and_then(|l| l.parent),
                _ => Some(lane),
            };
            let rect = self.row_rect(row);
            if focus.is_some() && owner == focus {
                painter.rect_filled(rect, 0.0, visuals.selection.bg_fill.gamma_multiply(0.35));
            } else if row % 2 == 1 {
                painter.rect_filled(rect, 0.0, visuals.faint_bg_color);
            }
        }
        let grid = Stroke::new(1.0, visuals.weak_text_color().gamma_multiply(0.25));
        let plot = self.plot_painter();
        for t in ticks(self.g) {
            let x = self.g.x(t);
            plot.vline(x, self.plot_clip.y_range(), grid);
        }
    }

    /// Every visible row's spans.
    pub fn spans(&self, shown: Range<usize>) {
        let painter = self.plot_painter();
        let (from, to) = self.shown_ns();
        for row in shown {
            let Some(lane) = self.rows.get(row).and_then(|&l| self.lanes.lanes.get(l)) else {
                continue;
            };
            let rect = self.row_rect(row);
            let mut bucket: Option<Bucket> = None;
            for span in lane.spans_in(from, to) {
                let x0 = self.g.x(span.start_ns as f64);
                let end = self.span_end(span);
                let x1 = self.g.x(end as f64);
                if x1 - x0 < MERGE_PX {
                    let look = Look::of(span, self.view.trace);
                    let polled = match span.kind {
                        SpanKind::Poll { .. } => end.saturating_sub(span.start_ns),
                        _ => 0,
                    };
                    match &mut bucket {
                        Some(b) if x0 <= b.x1 + 1.0 => {
                            b.x1 = b.x1.max(x1);
                            b.to_ns = b.to_ns.max(end);
                            b.polled_ns = b.polled_ns.saturating_add(polled);
                            if look.rank() > b.look.rank() {
                                b.look = look;
                            }
                        }
                        _ => {
                            if let Some(b) = bucket.take() {
                                b.paint(&painter, rect);
                            }
                            bucket = Some(Bucket {
                                x0,
                                x1,
                                look,
                                from_ns: span.start_ns,
                                to_ns: end,
                                polled_ns: polled,
                            });
                        }
                    }
                    continue;
                }
                if let Some(b) = bucket.take() {
                    b.paint(&painter, rect);
                }
                self.span(&painter, rect, span, x0, x1);
            }
            if let Some(b) = bucket {
                b.paint(&painter, rect);
            }
        }
    }

    fn span(&self, painter: &Painter, row: Rect, span: &Span, x0: f32, x1: f32) {
        let look = Look::of(span, self.view.trace);
        let shape = look.rect(row, x0, x1);
        look.paint(painter, shape);
        let small = FontId::proportional(self.ui.text_style_height(&egui::TextStyle::Small));
        let visuals = self.ui.visuals();
        let text = match span.kind {
            SpanKind::Suspended { future, .. } => {
                let label = span.kind.label(self.view.trace).unwrap_or("suspended");
                match future {
                    Some(f) => format!(
                        "{} {label}",
                        crate::coro::short_path(self.view.trace.str(f))
                    ),
                    None => label.to_owned(),
                }
            }
            SpanKind::Poll { blocking: true, .. } => {
                format!("blocking {}", duration(span.duration_ns()))
            }
            _ => return,
        };
        let colour = match span.kind {
            SpanKind::Poll { .. } => Color32::WHITE,
            _ => visuals.text_color(),
        };
        let galley = painter.layout_no_wrap(crate::text::line_owned(text), small, colour);
        let room = (x1.min(self.plot_clip.right()) - x0.max(self.plot_clip.left())) - 6.0;
        if galley.size().x > room {
            return;
        }
        // A suspension's label sits above its bar; a blocking poll's inside its block.
        let y = match span.kind {
            SpanKind::Suspended { .. } => shape.top() - galley.size().y - 1.0,
            _ => shape.center().y - galley.size().y / 2.0,
        };
        let x = x0.max(self.plot_clip.left()) + 3.0;
        painter.galley(pos2(x, y), galley, colour);
    }

    /// The wake arrows in the shown window: from the waker's lane to the woken task's.
    pub fn arrows(&self) {
        let painter = self.plot_painter();
        let (from, to) = self.shown_ns();
        let mut last: Option<(i32, Option<usize>, usize)> = None;
        let mut named = 0;
        let mut drawn = 0;
        for arrow in self.lanes.arrows_in(from, to) {
            let x = self.g.x(arrow.t_ns as f64);
            let key = (x.round() as i32, arrow.from_lane, arrow.to_lane);
            if last == Some(key) {
                continue;
            }
            last = Some(key);
            drawn += 1;
            if drawn > MAX_ARROWS {
                break;
            }
            let Some((start, tip)) = self.arrow_ends(arrow, x) else {
                continue;
            };
            let stroke = Stroke::new(1.5, ARROW);
            painter.line_segment([start, tip], stroke);
            // A wake from outside any task or known thread starts from nowhere: a ring.
            if arrow.from_lane.is_some() {
                painter.circle_filled(start, 2.5, ARROW);
            } else {
                painter.circle_stroke(start, 3.0, stroke);
            }
            head(&painter, start, tip, self.g.row_h * 0.3, ARROW);
            if named < MAX_NAMED_ARROWS && self.plot_clip.contains(tip) {
                named += 1;
                let id = self.ui.make_persistent_id(("wake arrow", arrow.event));
                let rect = Rect::from_center_size(tip, vec2(6.0, 6.0));
                let words = super::words::arrow(self.view.trace, self.lanes, arrow);
                self.ui.interact(rect, id, Sense::hover()).widget_info(|| {
                    egui::WidgetInfo::labeled(egui::Role::Image, true, crate::text::line(&words))
                });
            }
        }
    }

    /// Where an arrow starts and where its head is: straight down or up from the waker's
    /// row to the edge of the woken task's block; a self-wake and a wake from outside come
    /// in from the upper left.
    pub fn arrow_ends(&self, arrow: &Arrow, x: f32) -> Option<(Pos2, Pos2)> {
        let to = self.lane_rect(arrow.to_lane)?;
        let inset = self.g.row_h * 0.15;
        let from = arrow
            .from_lane
            .filter(|&l| l != arrow.to_lane)
            .and_then(|l| self.lane_rect(l));
        Some(match from {
            Some(from) if from.center().y < to.center().y => {
                (pos2(x, from.center().y), pos2(x, to.top() + inset))
            }
            Some(from) => (pos2(x, from.center().y), pos2(x, to.bottom() - inset)),
            None => {
                let h = self.g.row_h;
                (
                    pos2(x - h * 0.7, to.top() - h * 0.2),
                    pos2(x, to.top() + inset),
                )
            }
        })
    }

    /// The shown moment, across every row.
    pub fn cursor(&self) {
        let x = self.g.x(self.cursor_ns as f64);
        let stroke = Stroke::new(2.0, cursor_colour(self.ui, self.view.rewound));
        self.plot_painter()
            .vline(x, self.plot_clip.y_range(), stroke);
    }

    /// The name column; a click on a task's (or its thread's) name focuses the task.
    pub fn names(&self, shown: Range<usize>) -> Vec<Action> {
        let mut actions = Vec::new();
        let visuals = self.ui.visuals();
        let font = FontId::proportional(self.ui.text_style_height(&egui::TextStyle::Body) * 0.9);
        for row in shown {
            let Some(&lane) = self.rows.get(row) else {
                continue;
            };
            let Some(l) = self.lanes.lanes.get(lane) else {
                continue;
            };
            let row_rect = self.row_rect(row);
            let rect =
                Rect::from_x_y_ranges(self.rect.left()..=self.g.left - 4.0, row_rect.y_range());
            let painter = self
                .ui
                .painter()
                .with_clip_rect(rect.intersect(self.ui.clip_rect()));
            let indent = self.g.row_h * 0.6;
            let (text, x, colour) = match l.kind {
                LaneKind::Task(id) => (
                    format!("{id} {}", l.name),
                    rect.left() + 4.0,
                    visuals.text_color(),
                ),
                _ => (
                    l.name.clone(),
                    rect.left() + 4.0 + indent,
                    visuals.weak_text_color(),
                ),
            };
            // A runtime's worker belongs to no task: no corner.
            if !matches!(l.kind, LaneKind::Task(_) | LaneKind::Worker(_)) {
                // A thread hangs under its task: a small corner instead of a glyph.
                let stroke = Stroke::new(1.0, visuals.weak_text_color());
                let cx = rect.left() + 4.0 + indent * 0.4;
                painter.line(
                    vec![
                        pos2(cx, rect.top() + 2.0),
                        pos2(cx, rect.center().y),
                        pos2(x - 3.0, rect.center().y),
                    ],
                    stroke,
                );
            }
            painter.text(
                pos2(x, rect.center().y),
                Align2::LEFT_CENTER,
                crate::text::line(&text),
                font.clone(),
                colour,
            );
            let words = lane_words(self.lanes, lane);
            let task = match l.kind {
                LaneKind::Task(id) => Some(id),
                LaneKind::Thread(_) => l.parent.and_then(|p| match self.lanes.lanes.get(p)?.kind {
                    LaneKind::Task(id) => Some(id),
                    _ => None,
                }),
                LaneKind::Outside(_) | LaneKind::Worker(_) => None,
            };
            let id = self.ui.make_persistent_id(("lane", lane));
            let response = self.ui.interact(rect, id, Sense::click());
            response.widget_info(|| {
                let name = crate::text::line_owned(format!("lane {words}"));
                egui::WidgetInfo::labeled(egui::Role::Button, true, name)
            });
            let hint = match task {
                Some(t) => crate::text::block_owned(format!("{words}\nclick: focus task {t}")),
                None => crate::text::line_owned(words),
            };
            if response.on_hover_text(hint).clicked()
                && let Some(t) = task
            {
                actions.push(Action::SelectTask(Some(t)));
            }
        }
        actions
    }
}

/// The time axis above the lanes: labelled ticks and the cursor's place.
pub(super) fn axis(ui: &egui::Ui, g: &Geometry, rect: Rect, cursor_ns: u64, view: &View<'_>) {
    let plot = Rect::from_x_y_ranges(g.left..=g.left + g.width, rect.y_range());
    let painter = ui.painter().with_clip_rect(plot.intersect(ui.clip_rect()));
    let visuals = ui.visuals();
    let stroke = Stroke::new(1.0, visuals.weak_text_color());
    painter.hline(plot.x_range(), plot.bottom() - 0.5, stroke);
    let font = FontId::proportional(ui.text_style_height(&egui::TextStyle::Small));
    for t in ticks(g) {
        let x = g.x(t);
        painter.vline(x, plot.bottom() - 5.0..=plot.bottom(), stroke);
        let galley = painter.layout_no_wrap(
            duration(t.max(0.0) as u64),
            font.clone(),
            visuals.text_color(),
        );
        // A label the right edge would cut is left out: the next tick is off screen.
        if x + 3.0 + galley.size().x <= plot.right() {
            let pos = pos2(x + 3.0, plot.bottom() - 3.0 - galley.size().y);
            painter.galley(pos, galley, visuals.text_color());
        }
    }
    let x = g.x(cursor_ns as f64);
    let colour = cursor_colour(ui, view.rewound);
    painter.vline(x, plot.y_range(), Stroke::new(2.0, colour));
}

fn cursor_colour(ui: &egui::Ui, rewound: bool) -> Color32 {
    if rewound {
        // The scrubber's "rewound" colour.
        Color32::from_rgb(225, 160, 20)
    } else {
        ui.visuals().strong_text_color()
    }
}

/// Tick times: a round step (1, 2 or 5 times a power of ten) about every 120 points.
fn ticks(g: &Geometry) -> impl Iterator<Item = f64> + use<> {
    let raw = (g.ns_per_point() * 120.0).max(1.0);
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|&s| s >= raw)
        .unwrap_or(power * 10.0);
    let first = (g.window.start / step).ceil() * step;
    let end = g.window.start + g.window.span;
    (0..64)
        .map(move |i| first + f64::from(i) * step)
        .take_while(move |&t| t <= end)
        .filter(|&t| t >= 0.0)
}

/// A filled arrowhead at `tip`, pointing away from `start`.
fn head(painter: &Painter, start: Pos2, tip: Pos2, size: f32, colour: Color32) {
    let dir = (tip - start).normalized();
    if !dir.x.is_finite() || !dir.y.is_finite() {
        return;
    }
    let side = vec2(-dir.y, dir.x) * size * 0.5;
    let back = tip - dir * size;
    painter.add(Shape::convex_polygon(
        vec![tip, back + side, back - side],
        colour,
        Stroke::NONE,
    ));
}

/// How a kind of span is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Look {
    /// Filled, the row's full height: a poll.
    Block(Color32),
    /// Filled and outlined: a blocking poll.
    Blocking,
    /// A thin bar along the bottom: a suspension.
    Bar(Color32),
    /// An outline through the middle: waiting in the queue.
    Hollow(Color32),
    /// A lighter block with an edge: a thread's life.
    Life(Color32),
}

impl Look {
    fn of(span: &Span, trace: &crate::trace::Trace) -> Look {
        match span.kind {
            SpanKind::Poll { blocking: true, .. } => Look::Blocking,
            SpanKind::Poll {
                result: Some(crate::trace::PollResult::Panicked),
                ..
            } => Look::Block(style::state_colour(TaskState::Panicked(crate::trace::Sym(
                0,
            )))),
            SpanKind::Poll { .. } => Look::Block(style::state_colour(TaskState::Running)),
            SpanKind::Suspended { .. } => Look::Bar(style::state_colour(TaskState::Suspended)),
            SpanKind::Queued => Look::Hollow(style::state_colour(TaskState::Scheduled)),
            SpanKind::Alive { finish } => Look::Life(life_colour(trace, finish)),
        }
    }

    /// Which look a pixel shared by several spans takes: the most telling.
    fn rank(self) -> u8 {
        match self {
            Look::Bar(_) => 0,
            Look::Hollow(_) => 1,
            Look::Life(_) => 2,
            Look::Block(_) => 3,
            Look::Blocking => 4,
        }
    }

    fn rect(self, row: Rect, x0: f32, x1: f32) -> Rect {
        let h = row.height();
        let (top, bottom) = match self {
            Look::Block(_) | Look::Blocking => (row.top() + h * 0.15, row.bottom() - h * 0.15),
            Look::Life(_) => (row.top() + h * 0.25, row.bottom() - h * 0.25),
            Look::Bar(_) => (row.bottom() - h * 0.3, row.bottom() - h * 0.15),
            Look::Hollow(_) => (row.center().y - h * 0.12, row.center().y + h * 0.12),
        };
        Rect::from_x_y_ranges(x0..=x1.max(x0 + 1.0), top..=bottom)
    }

    fn paint(self, painter: &Painter, rect: Rect) {
        match self {
            Look::Block(c) | Look::Bar(c) => {
                painter.rect_filled(rect, 1.0, c);
            }
            Look::Blocking => {
                painter.rect_filled(rect, 1.0, BLOCKING);
                painter.rect_stroke(
                    rect,
                    1.0,
                    Stroke::new(2.0, BLOCKING_EDGE),
                    egui::StrokeKind::Inside,
                );
            }
            Look::Hollow(c) => {
                painter.rect_stroke(rect, 1.0, Stroke::new(1.5, c), egui::StrokeKind::Inside);
            }
            Look::Life(c) => {
                painter.rect_filled(rect, 2.0, c.gamma_multiply(0.45));
                painter.rect_stroke(rect, 2.0, Stroke::new(1.0, c), egui::StrokeKind::Inside);
            }
        }
    }
}

/// Spans narrower than a couple of pixels, merged into one mark.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    x0: f32,
    x1: f32,
    /// The most telling look among them.
    look: Look,
    from_ns: u64,
    to_ns: u64,
    /// Time inside polls among them.
    polled_ns: u64,
}

impl Bucket {
    fn paint(self, painter: &Painter, row: Rect) {
        let rect = self.look.rect(row, self.x0, self.x1);
        let look = match self.look {
            // Many short polls: as strong as the share of the time they polled, so busy
            // polling does not look like one long poll.
            Look::Block(c) => {
                let covered = self.to_ns.saturating_sub(self.from_ns).max(1);
                let share = (self.polled_ns as f64 / covered as f64).clamp(0.0, 1.0) as f32;
                Look::Block(c.gamma_multiply(0.25 + 0.75 * share))
            }
            look => look,
        };
        look.paint(painter, rect);
    }
}

/// A thread's life in the colour of how it ended: failed threads stand out.
fn life_colour(trace: &crate::trace::Trace, finish: Option<usize>) -> Color32 {
    let outcome = finish
        .and_then(|i| trace.events.get(i))
        .and_then(|e| match e.kind {
            EventKind::ThreadFinish { outcome, .. } => Some(outcome),
            _ => None,
        });
    match outcome {
        Some(ThreadOutcome::Ok) => Color32::from_rgb(40, 170, 80),
        Some(_) => Color32::from_rgb(230, 60, 50),
        None => Color32::from_rgb(40, 150, 200),
    }
}
