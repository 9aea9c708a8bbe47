//! The selected task as a state machine, edges with how often they were taken, the
//! current node lit. Where the binary's debug info describes the task's future, the
//! machine is the compiler's own (`Unresumed`, one `SuspendN` per `.await` with its line,
//! `Returned`, `Panicked`), with the locals the current state holds and the chain of
//! futures it awaits; elsewhere it is rebuilt from the `.at()` points the task passed.

use super::View;
use super::task_index::TaskIndex;
use crate::coro::{Layout, short_path};
use crate::trace::{Event, EventKind, Fact, PollResult, Reading, Sym, TaskId, TaskState, TaskView};
use std::collections::HashMap;

/// A node: a state's name, or the label of an await point.
type Node = String;

const UNRESUMED: &str = "unresumed";
const RETURNED: &str = "returned";
const PANICKED: &str = "panicked";

/// A node's word in the lens: in Python's, the ends are CPython's states (a coroutine
/// not yet started is `CORO_CREATED`; one that returned or raised is `CORO_CLOSED`).
fn node_word(node: &str, lens: crate::lens::Lens) -> &str {
    match (lens, node) {
        (crate::lens::Lens::Python, UNRESUMED) => "CORO_CREATED",
        (crate::lens::Lens::Python, RETURNED) => "CORO_CLOSED (returned)",
        (crate::lens::Lens::Python, PANICKED) => "CORO_CLOSED (raised)",
        _ => node,
    }
}

/// Transitions counted along one sequence of states.
#[derive(Debug, Default)]
struct Counts {
    current: Node,
    edges: HashMap<(Node, Node), u32>,
}

impl Counts {
    fn reset(&mut self, start: &str) {
        self.current = start.to_owned();
        self.edges.clear();
    }

    fn go(&mut self, next: &str) {
        let from = std::mem::replace(&mut self.current, next.to_owned());
        *self.edges.entry((from, next.to_owned())).or_default() += 1;
    }
}

/// View state: transitions counted for one task up to the index shown, extended as the
/// index moves forward and recounted from the task's own events when it moves back.
#[derive(Debug, Default)]
pub struct MachineView {
    index: TaskIndex,
    /// How many of the task's events (in `index`) have been counted.
    counted: usize,
    /// The `.at()` machine.
    points: Counts,
    /// The compiler's machine of the task's own future (depth 0).
    states: Counts,
    /// The task's events read so far (as task 0 of a reading of its own): where each
    /// pending poll left it.
    reading: Reading,
    /// The task's own future, from its first `coro_state` anywhere in the trace.
    future: Option<Sym>,
    /// How many of the task's events were searched for it.
    searched: usize,
}

impl MachineView {
    /// Forgets everything (a new trace began).
    pub fn clear(&mut self) {
        *self = MachineView::default();
    }

    fn update(&mut self, view: &View<'_>, task: TaskId) {
        let trace = view.trace;
        self.index.follow(task, trace);
        let all = self.index.before(usize::MAX);
        if all.len() < self.searched {
            self.future = None;
            self.searched = 0;
        }
        if self.future.is_none() {
            self.future = all[self.searched..].iter().find_map(|&i| {
                match trace.events.get(i as usize).map(|e| e.kind) {
                    Some(EventKind::CoroState {
                        depth: 0, future, ..
                    }) => Some(future),
                    _ => None,
                }
            });
            self.searched = all.len();
        }
        let mine = self.index.before(view.state.applied);
        if mine.len() < self.counted || self.points.current.is_empty() {
            self.counted = 0;
            self.points.reset(UNRESUMED);
            self.states.reset("Unresumed");
            self.reading = Reading::new();
            // The task's spawn may be before the index shown: the reading starts with it.
            let spawn = Event {
                t_ns: 0,
                task: TaskId(0),
                kind: EventKind::Spawn {
                    name: Sym(0),
                    parent: TaskId::NONE,
                },
            };
            let _ = self.reading.step(&spawn, |_| {});
        }
        for &i in &mine[self.counted..] {
            let Some(event) = trace.events.get(i as usize) else {
                continue;
            };
            if let EventKind::CoroState {
                depth: 0, state, ..
            } = event.kind
            {
                let label = trace.point(state).map_or("?", |p| trace.str(p.label));
                self.states.go(label);
                continue;
            }
            let own = Event {
                task: TaskId(0),
                ..*event
            };
            let points = &mut self.points;
            let _ = self.reading.step(&own, |fact| {
                let Fact::PollEnded {
                    result: Some(result),
                    suspension,
                    ..
                } = fact
                else {
                    return;
                };
                let next = match result {
                    PollResult::Pending => match suspension.innermost() {
                        Some(point) => trace.point(point).map_or("?", |p| trace.str(p.label)),
                        None => "Pending (no await point)",
                    },
                    PollResult::Ready => RETURNED,
                    PollResult::Panicked => PANICKED,
                };
                points.go(next);
            });
        }
        self.counted = mine.len();
    }
}

/// What to draw: nodes top to bottom with their lines, the transitions, the lit node.
struct Diagram<'a> {
    nodes: Vec<(Node, Option<u32>)>,
    edges: &'a HashMap<(Node, Node), u32>,
    current: Option<&'a str>,
}

/// Draws the machine of the selected task.
pub fn show(ui: &mut egui::Ui, view: &View<'_>, machine: &mut MachineView) {
    ui.heading("State machine");
    let Some(task) = view.focus() else {
        ui.label("No task yet.");
        return;
    };
    ui.label(crate::text::line_owned(format!(
        "task {} {}",
        task.id,
        view.trace.str(task.name)
    )));
    machine.update(view, task.id);
    let running = task.state == TaskState::Running;
    let layout = machine.future.and_then(|f| view.layout(view.trace.str(f)));
    match layout {
        Some(layout) => {
            ui.label(
                egui::RichText::new(crate::text::line_owned(format!(
                    "{} — the compiler's states",
                    layout.short_name()
                )))
                .weak(),
            );
            // Suspend states between Unresumed and the end, as a run goes through them.
            let mut order: Vec<&crate::coro::StateLayout> = layout.states.iter().collect();
            order.sort_by_key(|s| match s.name.as_str() {
                "Unresumed" => (0, 0),
                "Returned" => (2, 0),
                "Panicked" => (3, 0),
                other => (1, other.trim_start_matches("Suspend").parse().unwrap_or(0)),
            });
            let diagram = Diagram {
                nodes: order
                    .iter()
                    .map(|s| (s.name.clone(), Some(s.line)))
                    .collect(),
                edges: &machine.states.edges,
                current: (!running).then_some(machine.states.current.as_str()),
            };
            draw(ui, view, &diagram);
            held(ui, view, task, &layout);
        }
        None => {
            let mut nodes: Vec<Node> = vec![UNRESUMED.to_owned()];
            nodes.extend(view.program.points.iter().cloned());
            for (from, to) in machine.points.edges.keys() {
                for n in [from, to] {
                    if !nodes.contains(n) && n != RETURNED && n != PANICKED {
                        nodes.push(n.clone());
                    }
                }
            }
            nodes.push(RETURNED.to_owned());
            nodes.push(PANICKED.to_owned());
            // Scanned once per frame, not once per node.
            let declared = view.program.declared_points();
            let nodes = nodes
                .into_iter()
                .map(|n| {
                    let line = declared
                        .iter()
                        .find(|(label, _)| *label == n)
                        .and_then(|(_, at)| *at)
                        .map(|(_, l)| l);
                    (n, line)
                })
                .collect();
            let diagram = Diagram {
                nodes,
                edges: &machine.points.edges,
                current: (!running).then_some(machine.points.current.as_str()),
            };
            draw(ui, view, &diagram);
            if let Some(why) = view.coro_unavailable {
                ui.label(egui::RichText::new(crate::text::line(&why.to_string())).weak());
            }
        }
    }
}

/// The locals the current state holds, with their values, and the chain of futures the
/// task awaits.
fn held(ui: &mut egui::Ui, view: &View<'_>, task: &TaskView, layout: &Layout) {
    if let Some(warning) = layout.large_warning() {
        let warning = crate::text::line_owned(warning);
        ui.label(egui::RichText::new(warning).color(super::style::warning(view.dark)));
    }
    // A finished task's future holds nothing any more; a running one is being changed.
    if task.state.is_finished() || task.state == TaskState::Running {
        return;
    }
    let Some(top) = task.coro.first() else {
        return;
    };
    let state = view.trace.await_point(top.state).map_or("?", |p| p.label);
    match top.locals {
        Some(text) => {
            ui.label(
                egui::RichText::new(crate::text::line_owned(format!("{state} holds"))).strong(),
            );
            for local in view.trace.str(text).split("; ") {
                let local = crate::text::line(local);
                ui.add(egui::Label::new(egui::RichText::new(&*local).monospace()).truncate())
                    .on_hover_text(local);
            }
        }
        None => {
            ui.label(crate::text::line_owned(format!("{state} holds no locals")));
        }
    }
    if task.coro.len() > 1
        || task
            .coro
            .iter()
            .any(|f| view.trace.point(f.state).is_some())
    {
        let chain: Vec<String> = task
            .coro
            .iter()
            .map(|f| {
                let at = view.trace.await_point(f.state);
                format!(
                    "{} {} :{}",
                    short_path(view.trace.str(f.future)),
                    at.map_or("?", |p| p.label),
                    at.map_or(0, |p| p.line)
                )
            })
            .collect();
        let last = task
            .coro
            .last()
            .and_then(|f| {
                let future = view.layout(view.trace.str(f.future))?;
                let state = view.trace.await_point(f.state)?;
                future.state(state.label)?.awaitee.clone()
            })
            .map(|a| format!(" > awaits {}", crate::coro::short_type(&a)))
            .unwrap_or_default();
        let text = crate::text::line_owned(format!("await chain: {}{last}", chain.join(" > ")));
        ui.add(egui::Label::new(egui::RichText::new(&text).small()).wrap())
            .on_hover_text(text);
    }
}

fn draw(ui: &mut egui::Ui, view: &View<'_>, diagram: &Diagram<'_>) {
    let nodes: Vec<&Node> = diagram.nodes.iter().map(|(n, _)| n).collect();
    let current = diagram.current;
    let edges = diagram.edges;
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
    let index = |n: &Node| nodes.iter().position(|x| *x == n);
    let edge_colour = visuals.weak_text_color();
    let thick = if view.presenter { 3.0 } else { 1.5 };
    for ((from, to), count) in edges {
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
    for (i, (node, line)) in diagram.nodes.iter().enumerate() {
        let lit = current == Some(node.as_str());
        let r = egui::Rect::from_center_size(centre(i), egui::vec2(box_w, row - 10.0));
        let fill = if lit {
            egui::Color32::from_rgb(255, 190, 0)
        } else {
            visuals.extreme_bg_color
        };
        let stroke = egui::Stroke::new(if lit { thick + 1.0 } else { 1.0 }, visuals.text_color());
        painter.rect(r, 6.0, fill, stroke, egui::StrokeKind::Inside);
        let line = line.map(|l| format!("  :{l}")).unwrap_or_default();
        let text_colour = if lit {
            egui::Color32::BLACK
        } else {
            visuals.text_color()
        };
        painter.text(
            r.center(),
            egui::Align2::CENTER_CENTER,
            crate::text::line(&format!("{}{line}", node_word(node, view.lens))),
            font.clone(),
            text_colour,
        );
    }
}
