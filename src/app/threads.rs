//! Worker threads: who awaits each, running or finished, a live elapsed bar, the result.

use super::view::View;
use crate::report::duration;
use crate::trace::ThreadOutcome;

/// Draws the thread handles.
pub fn show(ui: &mut egui::Ui, view: &View<'_>) {
    ui.heading("Thread handles");
    let threads = &view.state.threads;
    if threads.is_empty() {
        ui.label("No worker threads in this run.");
        return;
    }
    // Bars share one scale: the longest thread so far.
    let elapsed: Vec<u64> = threads
        .iter()
        .map(|t| match t.finished {
            Some((_, d)) => d,
            None => view.now_ns.saturating_sub(t.started_ns),
        })
        .collect();
    let longest = elapsed.iter().copied().max().unwrap_or(1).max(1);
    relayout_on_new_rows(
        ui,
        threads.len() + threads.iter().filter(|t| t.result.is_some()).count(),
    );
    egui::ScrollArea::vertical()
        .id_salt("threads")
        .show(ui, |ui| {
            egui::Grid::new("threads-grid")
                .num_columns(4)
                .striped(true)
                .show(ui, |ui| {
                    for (thread, &ns) in threads.iter().zip(&elapsed) {
                        ui.label(crate::text::line(view.trace.str(thread.name)));
                        ui.label(format!("task {}", thread.task));
                        let (word, colour) = match (thread.finished, thread.joined_by) {
                            (None, _) => ("running", egui::Color32::from_rgb(40, 130, 255)),
                            (Some((ThreadOutcome::Ok, _)), Some(_)) => {
                                ("joined", egui::Color32::from_rgb(40, 170, 80))
                            }
                            (Some((ThreadOutcome::Ok, _)), None) => {
                                ("finished", egui::Color32::from_rgb(100, 190, 120))
                            }
                            (Some(_), _) => ("failed", egui::Color32::from_rgb(230, 60, 50)),
                        };
                        ui.label(super::style::badge(word, colour));
                        ui.add(
                            egui::ProgressBar::new(ns as f32 / longest as f32)
                                .desired_width(160.0)
                                .text(duration(ns)),
                        );
                        ui.end_row();
                        if let Some(result) = thread.result {
                            ui.label("");
                            ui.label("");
                            ui.label("");
                            ui.label(crate::text::line(view.trace.str(result)));
                            ui.end_row();
                        }
                    }
                });
        });
}

/// A grid sizes its columns from the frame before, so a row wider than the ones before it
/// overlaps its neighbour until the next frame, and a paused run (a lecture, mostly) has
/// no next frame until something moves: when the rows change, the frame is laid out again
/// at once.
fn relayout_on_new_rows(ui: &egui::Ui, rows: usize) {
    let id = egui::Id::unique("threads-grid-rows");
    let before = ui.data_mut(|d| {
        let before = d.get_temp::<usize>(id);
        d.insert_temp(id, rows);
        before
    });
    if before.is_some_and(|before| before != rows) {
        ui.ctx().request_discard("a thread row came or went");
    }
}
