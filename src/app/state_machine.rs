//! The selected task as a state machine: a node per state (unresumed, each declared await
//! point, returned, panicked), edges with how often they were taken, the current node lit.

use super::View;
use super::task_index::TaskIndex;
use crate::trace::{EventKind, PollResult, TaskId, TaskState};
use std::collections::HashMap;

/// A node: the label of an await point, or one of the fixed states.
type Node = String;

const UNRESUMED: &str = "unresumed";
const RETURNED: &str = "returned";
const PANICKED: &str = "panicked";

/// View state: transitions counted for one task up to the index shown, extended as the
/// index moves forward and recounted from the task's own events when it moves back.
#[derive(Debug, Default)]
pub struct MachineView {
    index: TaskIndex,
    /// How many of the task's events (in `index`) have been counted.
    counted: usize,
    current: Node,
    edges: HashMap<(Node, Node), u32>,
    /// The innermost suspend point seen in the poll being counted.
    suspended_at: Option<Node>,
}

impl MachineView {
    /// Forgets everything (a new trace began).
    pub fn clear(&mut self) {
        *self = MachineView::default();
    }

    fn update(&mut self, view: &View<'_>, task: TaskId) {
        let trace = view.trace;
        self.index.follow(task, trace);
        let mine = self.index.before(view.state.applied);
        if mine.len() < self.counted || self.current.is_empty() {
            self.counted = 0;
            self.current = UNRESUMED.to_owned();
            self.edges.clear();
            self.suspended_at = None;
        }
        for &i in &mine[self.counted..] {
            let Some(event) = trace.events.get(i as usize) else {
                continue;
            };
            match event.kind {
                EventKind::PollStart => self.suspended_at = None,
                // The first suspend of a poll is the innermost point.
                EventKind::Suspend { point } if self.suspended_at.is_none() => {
                    let label = trace.point(point).map_or("?", |p| trace.str(p.label));
                    self.suspended_at = Some(label.to_owned());
                }
                EventKind::PollEnd { result } => {
                    let next = match result {
                        PollResult::Pending => self
                            .suspended_at
                            .take()
                            .unwrap_or_else(|| "Pending (no await point)".to_owned()),
                        PollResult::Ready => RETURNED.to_owned(),
                        PollResult::Panicked => PANICKED.to_owned(),
                    };
                    let from = std::mem::replace(&mut self.current, next.clone());
                    *self.edges.entry((from, next)).or_default() += 1;
                }
                _ => {}
            }
        }
        self.counted = mine.len();
    }
}

/// Draws the machine of the selected task.
pub fn show(ui: &mut egui::Ui, view: &View<'_>, machine: &mut MachineView) {
    ui.heading("State machine");
    let Some(task) = view.focus() else {
        ui.label("No task yet.");
        return;
    };
    ui.label(format!("task {} {}", task.id, view.trace.str(task.name)));
    machine.update(view, task.id);
    let mut nodes: Vec<Node> = vec![UNRESUMED.to_owned()];
    nodes.extend(view.program.points.iter().cloned());
    for (from, to) in machine.edges.keys() {
        for n in [from, to] {
            if !nodes.contains(n) && n != RETURNED && n != PANICKED {
                nodes.push(n.clone());
            }
        }
    }
    nodes.push(RETURNED.to_owned());
    nodes.push(PANICKED.to_owned());
    let current = match task.state {
        TaskState::Running => None,
        _ => Some(machine.current.as_str()),
    };

    let width = ui.available_width().max(200.0);
    let row = 2.0 * ui.text_style_height(&egui::TextStyle::Body) + 14.0;
    let height = row * nodes.len() as f32 + 10.0;
    let (rect, _) = ui.allocate_exact_size(egui::vec2(width, height), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    let visuals = ui.visuals();
    let font = egui::TextStyle::Body.resolve(ui.style());
    let small = egui::TextStyle::Small.resolve(ui.style());
    let box_w = (width * 0.55).min(260.0);
    let centre = |i: usize| {
        egui::pos2(
            rect.left() + 8.0 + box_w / 2.0,
            rect.top() + 5.0 + row * (i as f32 + 0.5),
        )
    };
    let index = |n: &Node| nodes.iter().position(|x| x == n);
    let edge_colour = visuals.weak_text_color();
    let thick = if view.presenter { 3.0 } else { 1.5 };
    for ((from, to), count) in &machine.edges {
        let (Some(a), Some(b)) = (index(from), index(to)) else {
            continue;
        };
        let (pa, pb) = (centre(a), centre(b));
        // Edges run down the right side of the boxes, bulging by how far they jump.
        let x = pa.x + box_w / 2.0;
        let bulge = 18.0 + 14.0 * (a.abs_diff(b) as f32);
        let start = egui::pos2(x, pa.y);
        let end = egui::pos2(x, pb.y + if a == b { 8.0 } else { 0.0 });
        let control = egui::pos2(x + bulge, (start.y + end.y) / 2.0);
        painter.add(egui::epaint::QuadraticBezierShape::from_points_stroke(
            [start, control, end],
            false,
            egui::Color32::TRANSPARENT,
            egui::Stroke::new(thick, edge_colour),
        ));
        painter.circle_filled(end, thick + 1.5, edge_colour);
        painter.text(
            egui::pos2(control.x + 4.0, control.y),
            egui::Align2::LEFT_CENTER,
            format!("×{count}"),
            small.clone(),
            visuals.text_color(),
        );
    }
    // Scanned once per frame, not once per node.
    let declared = view.program.declared_points();
    for (i, node) in nodes.iter().enumerate() {
        let lit = current == Some(node.as_str());
        let r = egui::Rect::from_center_size(centre(i), egui::vec2(box_w, row - 10.0));
        let fill = if lit {
            egui::Color32::from_rgb(255, 190, 0)
        } else {
            visuals.extreme_bg_color
        };
        let stroke = egui::Stroke::new(if lit { thick + 1.0 } else { 1.0 }, visuals.text_color());
        painter.rect(r, 6.0, fill, stroke, egui::StrokeKind::Inside);
        let line = declared
            .iter()
            .find(|(label, _)| label == node)
            .and_then(|(_, at)| *at)
            .map(|(_, l)| format!("  :{l}"))
            .unwrap_or_default();
        let text_colour = if lit {
            egui::Color32::BLACK
        } else {
            visuals.text_color()
        };
        painter.text(
            r.center(),
            egui::Align2::CENTER_CENTER,
            format!("{node}{line}"),
            font.clone(),
            text_colour,
        );
    }
}
