//! The frame benchmark: CPU time to build one frame of the app over a big trace.

use super::{Action, PollscopeApp, Settings};
use crate::trace::{History, TaskId};
use serde::Serialize;
use std::time::Instant;

/// Results of the frame benchmark.
#[derive(Clone, Debug, Serialize)]
pub struct FrameBench {
    /// Tasks in the trace.
    pub tasks: usize,
    /// Events in the trace.
    pub events: usize,
    /// Frames measured.
    pub frames: usize,
    /// Median time to build one frame (layout and tessellation, no GPU).
    pub median_ms: f64,
    /// Slowest frame after the first.
    pub max_ms: f64,
}

/// What the frames show and do besides the default panels.
#[derive(Clone, Copy, Debug, Default)]
pub struct Panels {
    /// Move the scrubber one event back before every frame.
    pub scrub: bool,
    /// The timeline panel is open.
    pub timeline: bool,
    /// The Stage panel is open.
    pub stage: bool,
}

/// Builds `frames` frames of the app showing a recorded trace of about `events` events
/// over `tasks` tasks, with a task selected so every panel has work to do.
/// With `scrub`, every frame first moves the scrubber one event back (rewinding through the
/// trace, the worst case for caches that follow the index).
/// With `timeline`, the timeline panel is open too (its lanes built in the untimed first
/// frame, as when the panel opens); with `stage`, the Stage panel, at the trace's middle
/// event.
pub fn frames(tasks: usize, events: usize, frames: usize, panels: Panels) -> FrameBench {
    let Panels {
        scrub,
        timeline: timeline_open,
        stage,
    } = panels;
    let yields = (events / tasks.max(1) / 7).max(1);
    let timeline = History::from_trace(crate::bench::yield_trace(tasks, yields));
    let events = timeline.len();
    let settings = Settings {
        timeline: timeline_open,
        stage,
        ..Settings::default()
    };
    let mut app = PollscopeApp::with_history(settings, timeline);
    app.apply(Action::SelectTask(Some(TaskId((tasks / 2) as u32))));
    if stage {
        // Halfway through, where the Stage has a queue and parked tasks to draw (at the
        // end every task has finished).
        app.apply(Action::ScrubTo(Some(events / 2)));
    }
    let ctx = egui::Context::default();
    let input = || egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1600.0, 1000.0),
        )),
        ..Default::default()
    };
    let mut times = Vec::with_capacity(frames);
    // The first frame fills caches (fonts, highlighting, the log's row index): not timed.
    for i in 0..=frames.max(1) {
        let start = Instant::now();
        if scrub && i > 0 {
            app.apply(Action::ScrubBy(-1));
        }
        let output = ctx.run_ui(input(), |ui| app.show(ui));
        let _ = ctx.tessellate(output.shapes, output.pixels_per_point);
        if i > 0 {
            times.push(start.elapsed().as_secs_f64() * 1e3);
        }
    }
    times.sort_by(f64::total_cmp);
    FrameBench {
        tasks,
        events,
        frames: times.len(),
        median_ms: times[times.len() / 2],
        max_ms: times[times.len() - 1],
    }
}
