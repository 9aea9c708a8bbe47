//! The status bar: what the executor is doing, stated plainly.

use super::action::Action;
use super::view::View;
use crate::executor::Step;
use crate::lens;
use crate::report::duration;
use crate::session::Status;

/// A poll running longer than this is reported as the executor being stuck in it.
const STUCK_AFTER_NS: u64 = 100_000_000;

/// The status line's text.
pub fn text(view: &View<'_>, status: &Status) -> String {
    if let Some(error) = &status.error {
        return format!("error: {error}");
    }
    if let Some(notice) = &status.notice {
        return notice.clone();
    }
    if let Some(stop) = status.stop.as_ref().filter(|_| !status.running) {
        return format!("{} · Enter runs on", stop.message);
    }
    if let Some(message) = view.message {
        return message.to_owned();
    }
    if view.rewound {
        return format!(
            "rewound to event {} of {}: every panel shows that moment; End or Live returns",
            view.state.applied,
            view.trace.len()
        );
    }
    let polls = format!("poll {}", status.polls);
    if let Some(task) = view.state.running.and_then(|t| view.state.task(t)) {
        let for_ns = view.now_ns.saturating_sub(task.poll_started_ns);
        if for_ns >= STUCK_AFTER_NS {
            return format!(
                "executor stuck in poll of task {} for {} — blocking inside poll · {polls}",
                task.id,
                duration(for_ns)
            );
        }
        return format!("polling task {} · {polls}", task.id);
    }
    let what = match &status.stopped {
        Some(stop @ (Step::Idle | Step::Stalled | Step::Done)) => {
            lens::idle_text(view.lens, stop).to_owned()
        }
        _ if status.running => "running".to_owned(),
        _ if status.polls == 0 => "ready: press Space to poll the first task".to_owned(),
        _ => "paused: press Space to step, Enter to run".to_owned(),
    };
    let reading = if status.reading_debug_info {
        " · reading debug info…"
    } else {
        ""
    };
    format!("{what} · {polls} · {} events{reading}", view.trace.len())
}

/// The trace's size in memory, in words (`12.3 MB`).
pub fn bytes(n: usize) -> String {
    match n {
        0..1_000_000 => format!("{:.0} kB", n as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        _ => format!("{:.2} GB", n as f64 / 1e9),
    }
}

/// Draws the status bar: the status on the left; the trace's memory and its limit (which
/// the user may change) on the right.
pub fn show(ui: &mut egui::Ui, view: &View<'_>, status: &Status, limit: usize) -> Option<Action> {
    let mut action = None;
    ui.horizontal(|ui| {
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let mut millions = limit as f64 / 1e6;
            let drag = egui::DragValue::new(&mut millions)
                .range(0.001..=1_000.0)
                .speed(0.1)
                .max_decimals(3)
                .suffix(" M events");
            if ui
                .add(drag)
                .on_hover_text(
                    "Trace limit: at this many events the run pauses, so it cannot exhaust \
                     memory (32 bytes an event)",
                )
                .changed()
            {
                action = Some(Action::SetTraceLimit((millions * 1e6) as usize));
            }
            ui.label(format!(
                "trace {} · limit",
                bytes(view.trace.memory_bytes())
            ));
            ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
                status_label(ui, view, status);
            });
        });
    });
    action
}

fn status_label(ui: &mut egui::Ui, view: &View<'_>, status: &Status) {
    let text = crate::text::line_owned(text(view, status));
    let rich = egui::RichText::new(text);
    let failed = view.message.is_some_and(|m| m.starts_with("could not"));
    let rich = if failed
        || status.error.is_some()
        || status.notice.is_some()
        || matches!(status.stopped, Some(Step::Stalled))
    {
        rich.color(egui::Color32::from_rgb(230, 70, 60)).strong()
    } else if view.state.running.is_some() {
        rich.color(egui::Color32::from_rgb(225, 160, 20)).strong()
    } else {
        rich
    };
    ui.add(egui::Label::new(rich).truncate());
}
