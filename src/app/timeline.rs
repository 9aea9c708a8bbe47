//! The timeline: a lane per task and per worker thread over trace time, with polls,
//! suspensions, waits in the queue, thread lives and wake arrows (the model is
//! [`crate::lanes`]). Ctrl + wheel or a pinch zooms around the pointer, a drag or Shift +
//! wheel pans, a double-click fits the whole trace, a click rewinds to that moment.

mod paint;
mod words;

use super::{Action, View};
use crate::lanes::{self, LaneKind, Lanes};
use crate::trace::Trace;
use egui::{Rect, Sense, Vec2, vec2};

/// The narrowest window a zoom reaches: a few hundred nanoseconds already set the start
/// and end of the shortest poll apart.
const MIN_WINDOW_NS: f64 = 200.0;

/// The panel's own state: the lanes built so far, and which stretch of time is shown.
#[derive(Debug, Default)]
pub struct TimelineView {
    lanes: Lanes,
    /// Lane indexes in the order shown, and each lane's row.
    rows: Vec<usize>,
    row_of: Vec<usize>,
    /// The time shown, once the user zoomed or panned; `None` fits the whole trace (and
    /// follows a live run's end).
    window: Option<Window>,
    /// Where the last frame put things, to turn the pointer into time.
    last: Option<Geometry>,
}

/// A stretch of trace time, in nanoseconds (floating, so zoom steps stay smooth).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Window {
    start: f64,
    span: f64,
}

/// The last frame's mapping from time and lanes to the screen.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Geometry {
    /// The plot's left edge and width, in points.
    left: f32,
    width: f32,
    window: Window,
    /// The top of the first row and the height of each.
    rows_top: f32,
    row_h: f32,
}

impl Geometry {
    fn x(&self, t_ns: f64) -> f32 {
        self.left + ((t_ns - self.window.start) / self.ns_per_point()) as f32
    }

    fn t(&self, x: f32) -> f64 {
        self.window.start + f64::from(x - self.left) * self.ns_per_point()
    }

    fn ns_per_point(&self) -> f64 {
        self.window.span / f64::from(self.width.max(1.0))
    }

    /// Trace time as a whole nanosecond, clamped to what a `u64` holds.
    fn t_ns(&self, x: f32) -> u64 {
        self.t(x).clamp(0.0, u64::MAX as f64) as u64
    }

    fn row_rect(&self, row: usize, full: Rect) -> Rect {
        let top = self.rows_top + row as f32 * self.row_h;
        Rect::from_x_y_ranges(full.x_range(), top..=top + self.row_h)
    }
}

impl TimelineView {
    /// The lanes as last built.
    pub fn lanes(&self) -> &Lanes {
        &self.lanes
    }

    /// Shows the whole trace again (what a double-click does).
    pub fn fit(&mut self) {
        self.window = None;
    }

    /// Shows `from_ns..to_ns` (at least 200 ns wide) until the next fit.
    pub fn zoom_to(&mut self, from_ns: u64, to_ns: u64) {
        let span = (to_ns.saturating_sub(from_ns) as f64).max(MIN_WINDOW_NS);
        self.window = Some(Window {
            start: from_ns as f64,
            span,
        });
    }

    /// Where the last frame drew time `t_ns`, as an x in points.
    pub fn x_of(&self, t_ns: u64) -> Option<f32> {
        self.last.map(|g| g.x(t_ns as f64))
    }

    /// The trace time the last frame drew at `x`.
    pub fn time_at(&self, x: f32) -> Option<u64> {
        self.last.map(|g| g.t_ns(x))
    }

    /// The middle of a lane's row as the last frame drew it, as a y in points.
    pub fn lane_y(&self, lane: usize) -> Option<f32> {
        let g = self.last?;
        let row = *self.row_of.get(lane)?;
        Some(g.rows_top + (row as f32 + 0.5) * g.row_h)
    }

    /// The stretch of trace time the last frame showed, in nanoseconds.
    pub fn shown_ns(&self) -> Option<(u64, u64)> {
        let g = self.last?;
        Some((g.t_ns(g.left), g.t_ns(g.left + g.width)))
    }

    /// Rebuilds what the trace's new events change (nothing if it has none).
    fn refresh(&mut self, trace: &Trace) {
        if self.lanes.is_current(trace) && self.row_of.len() == self.lanes.lanes.len() {
            return;
        }
        if self.lanes.update(trace) {
            // Another run or file: the old window may show nothing of it.
            self.window = None;
        }
        self.rows = self.lanes.rows();
        self.row_of = vec![usize::MAX; self.lanes.lanes.len()];
        for (row, &lane) in self.rows.iter().enumerate() {
            if let Some(slot) = self.row_of.get_mut(lane) {
                *slot = row;
            }
        }
    }

    /// The window to draw: the user's, or the whole trace up to `end_ns`.
    fn window(&self, end_ns: u64) -> Window {
        self.window.unwrap_or_else(|| {
            let start = self.lanes.start_ns as f64;
            let span = (end_ns as f64 - start).max(MIN_WINDOW_NS);
            // A little room after the end, so the newest span and the cursor show.
            Window {
                start,
                span: span * 1.02,
            }
        })
    }

    /// Zooms by `factor` (above 1: in) keeping the time under `x` where it is.
    fn zoom(&mut self, g: &Geometry, x: f32, factor: f32, full: Window) {
        let at = g.t(x);
        let span = (g.window.span / f64::from(factor)).clamp(MIN_WINDOW_NS, full.span * 4.0);
        let start = at - f64::from(x - g.left) * span / f64::from(g.width.max(1.0));
        self.window = Some(clamped(Window { start, span }, full));
    }

    fn pan(&mut self, g: &Geometry, dx: f32, full: Window) {
        let start = g.window.start - f64::from(dx) * g.ns_per_point();
        self.window = Some(clamped(
            Window {
                start,
                span: g.window.span,
            },
            full,
        ));
    }
}

/// Keeps some of the trace in view however far the user pans.
fn clamped(w: Window, full: Window) -> Window {
    let lowest = full.start - w.span * 0.9;
    let highest = full.start + full.span - w.span * 0.1;
    Window {
        start: w.start.clamp(lowest, highest.max(lowest)),
        span: w.span,
    }
}

/// Draws the timeline; a click on the plot rewinds, a click on a lane's name selects its
/// task.
pub fn show(ui: &mut egui::Ui, view: &View<'_>, state: &mut TimelineView) -> Vec<Action> {
    let mut actions = Vec::new();
    state.refresh(view.trace);
    ui.horizontal(|ui| {
        ui.strong("Timeline");
        if ui
            .button("Fit")
            .on_hover_text("Show the whole trace (or double-click the lanes)")
            .clicked()
        {
            state.fit();
        }
        ui.weak(
            "Ctrl + wheel or pinch: zoom · drag or Shift + wheel: pan · click: rewind there · \
             double-click: fit",
        );
    });
    if state.lanes.lanes.is_empty() {
        ui.label("No tasks yet: step or run the program.");
        state.last = None;
        return actions;
    }
    // A live run's open spans reach the present, not only its last event.
    let end_ns = if view.rewound {
        state.lanes.end_ns
    } else {
        state.lanes.end_ns.max(view.now_ns)
    };
    let cursor_ns = if view.rewound {
        view.state.t_ns
    } else {
        end_ns
    };
    let full = Window {
        start: state.lanes.start_ns as f64,
        span: (end_ns as f64 - state.lanes.start_ns as f64).max(MIN_WINDOW_NS),
    };
    let text_h = ui.text_style_height(&egui::TextStyle::Body);
    let row_h = (text_h * 1.6).round();
    let outer = ui.available_rect_before_wrap();
    let name_w = (text_h * 10.0).min(outer.width() * 0.3);
    // Room on the right for the scroll bar.
    let left = outer.left() + name_w;
    let width = (outer.width() - name_w - 12.0).max(20.0);
    let window = state.window(end_ns);
    let mut g = Geometry {
        left,
        width,
        window,
        rows_top: 0.0,
        row_h,
    };
    let (axis, _) = ui.allocate_exact_size(vec2(outer.width(), text_h + 8.0), Sense::hover());
    paint::axis(ui, &g, axis, cursor_ns, view);
    let scroll = egui::ScrollArea::vertical()
        .id_salt("timeline-lanes")
        .auto_shrink([false, false])
        .scroll_source(egui::containers::scroll_area::ScrollSource {
            drag: egui::containers::scroll_area::DragScroll::Never,
            ..Default::default()
        });
    scroll.show(ui, |ui| {
        let height = state.rows.len() as f32 * row_h;
        let (rect, _) = ui.allocate_exact_size(vec2(outer.width(), height), Sense::hover());
        g.rows_top = rect.top();
        let plot = Rect::from_x_y_ranges(left..=left + width, rect.y_range());
        let response = ui.interact(
            plot,
            ui.make_persistent_id("timeline-plot"),
            Sense::click_and_drag(),
        );
        let visible = ui.clip_rect().intersect(rect);
        let first = ((visible.top() - rect.top()) / row_h).floor().max(0.0) as usize;
        let last = (((visible.bottom() - rect.top()) / row_h).ceil().max(0.0) as usize)
            .min(state.rows.len());
        let shown = first..last;
        let cx = paint::Cx {
            ui,
            view,
            lanes: &state.lanes,
            rows: &state.rows,
            row_of: &state.row_of,
            g: &g,
            rect,
            plot_clip: plot.intersect(ui.clip_rect()),
            end_ns,
            cursor_ns,
        };
        cx.stripes(shown.clone());
        cx.spans(shown.clone());
        cx.arrows();
        cx.cursor();
        actions.extend(cx.names(shown));
        let hover = response
            .hover_pos()
            .and_then(|pos| words::hover(&cx, pos))
            .unwrap_or_default();
        let response = if hover.is_empty() || response.dragged() {
            response
        } else {
            response.on_hover_text_at_pointer(crate::text::block_owned(hover))
        };
        response
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Canvas, true, "timeline lanes"));
        actions.extend(interact(ui, state, &g, &response, full, view.trace));
    });
    state.last = Some(g);
    actions
}

/// Zoom, pan, fit and rewind from the plot's pointer input.
fn interact(
    ui: &egui::Ui,
    state: &mut TimelineView,
    g: &Geometry,
    response: &egui::Response,
    full: Window,
    trace: &Trace,
) -> Option<Action> {
    if response.double_clicked() {
        state.fit();
        return None;
    }
    if response.contains_pointer() {
        let (zoom, sideways, pointer) = ui.input(|i| {
            (
                i.zoom_delta(),
                i.smooth_scroll_delta.x,
                i.pointer.hover_pos(),
            )
        });
        // The pointer may be over an arrow's head (a widget of its own) inside the plot.
        if let Some(pos) = pointer
            && zoom != 1.0
        {
            state.zoom(g, pos.x, zoom, full);
        }
        if sideways != 0.0 {
            state.pan(g, sideways, full);
            // The lanes' own scroll area only scrolls up and down: the sideways wheel
            // was ours.
            ui.ctx().input_mut(|i| i.smooth_scroll_delta.x = 0.0);
        }
    }
    if response.dragged() {
        let delta: Vec2 = response.drag_delta();
        if delta.x != 0.0 {
            state.pan(g, delta.x, full);
        }
    }
    if response.clicked() {
        let pos = response.interact_pointer_pos()?;
        let t = g.t_ns(pos.x);
        // The state after the last event at or before the clicked moment.
        let shown = lanes::event_at(trace, t).map_or(0, |i| i + 1);
        return Some(Action::ScrubTo(Some(shown)));
    }
    None
}

/// A lane's name for people and screen readers: `task 0 (google)`, `thread fetch-google`.
fn lane_words(lanes: &Lanes, lane: usize) -> String {
    let Some(l) = lanes.lanes.get(lane) else {
        return String::new();
    };
    match l.kind {
        LaneKind::Task(id) => format!("task {id} ({})", l.name),
        LaneKind::Thread(_) => format!("thread {}", l.name),
        LaneKind::Outside(_) => format!("thread {} (not started by pollscope)", l.name),
        LaneKind::Worker(on) if on.is_local_set() => {
            format!(
                "{} (polls of spawn_local tasks, inside the poll that runs the set)",
                on.label()
            )
        }
        LaneKind::Worker(on) => format!("runtime worker thread {} (its polls)", on.0),
    }
}

#[cfg(test)]
mod tests {
    use super::{Geometry, Window, clamped};

    #[test]
    fn time_and_x_are_inverse_and_panning_keeps_the_trace_in_view() {
        let g = Geometry {
            left: 100.0,
            width: 500.0,
            window: Window {
                start: 1_000.0,
                span: 5_000.0,
            },
            rows_top: 0.0,
            row_h: 20.0,
        };
        assert_eq!(g.x(1_000.0), 100.0);
        assert_eq!(g.t_ns(350.0), 3_500);
        assert_eq!(g.t_ns(-1.0e9), 0);
        let full = Window {
            start: 0.0,
            span: 10_000.0,
        };
        let far = clamped(
            Window {
                start: 1.0e12,
                span: 100.0,
            },
            full,
        );
        assert!(far.start < full.span);
    }
}
