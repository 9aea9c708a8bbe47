//! The timing panel: sequential versus concurrent rounds, live, with the ideal limits, a
//! Gantt chart of the latest round, and the speed-up in large numbers.

use super::action::Action;
use crate::timing::{Background, Connections, Fetch, Mode, Round, Summary, Targets};
use egui::{Color32, RichText};
use egui_plot::{Bar, BarChart, HLine, Legend, Line, LineStyle, Plot, PlotPoints, Points};

/// The form's view state: what the next run will measure.
#[derive(Clone, Debug)]
pub struct TimingForm {
    /// `seed`, `wide` or `urls`.
    source: String,
    urls: String,
    rounds: usize,
    timeout_s: f64,
    connections: Connections,
}

impl Default for TimingForm {
    fn default() -> Self {
        TimingForm {
            source: "seed".to_owned(),
            urls: String::new(),
            rounds: 5,
            timeout_s: 10.0,
            connections: Connections::Fresh,
        }
    }
}

/// What the Start button asks for.
#[derive(Clone, Debug, PartialEq)]
pub struct TimingRequest {
    /// The targets.
    pub targets: Targets,
    /// Rounds.
    pub rounds: usize,
    /// Per-request timeout, seconds.
    pub timeout_s: f64,
    /// Fresh connections or warmed pools.
    pub connections: Connections,
}

impl Default for TimingRequest {
    /// The seed profile, five rounds, 10 s timeouts: the original's comparison.
    fn default() -> Self {
        let form = TimingForm::default();
        TimingRequest {
            targets: Targets::Profile(form.source),
            rounds: form.rounds,
            timeout_s: form.timeout_s,
            connections: form.connections,
        }
    }
}

fn colour(mode: Mode) -> Color32 {
    match mode {
        Mode::Sequential => Color32::from_rgb(230, 120, 40),
        Mode::Concurrent => Color32::from_rgb(40, 150, 250),
        Mode::SequentialAwaits => Color32::from_rgb(170, 110, 230),
        Mode::BlockingJoin => Color32::from_rgb(120, 190, 90),
    }
}

const MODES: [Mode; 4] = [
    Mode::Sequential,
    Mode::Concurrent,
    Mode::SequentialAwaits,
    Mode::BlockingJoin,
];

fn controls(ui: &mut egui::Ui, form: &mut TimingForm, run: Option<&Background>) -> Option<Action> {
    let mut action = None;
    let running = run.is_some_and(Background::is_running);
    ui.horizontal(|ui| {
        ui.label("Targets");
        for (key, title, hint) in [
            (
                "seed",
                "seed profile",
                "the original's four sites on the demo server",
            ),
            (
                "wide",
                "wide profile",
                "64 pages of 100 ms on the demo server",
            ),
            ("urls", "URLs", "the URLs listed below, one per line"),
        ] {
            ui.selectable_value(&mut form.source, key.to_owned(), title)
                .on_hover_text(hint);
        }
    });
    if form.source == "urls" {
        let label = ui.label("URLs, one per line");
        ui.add(
            egui::TextEdit::multiline(&mut form.urls)
                .hint_text("http://127.0.0.1:8080/page/google")
                .desired_rows(3)
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
    }
    ui.horizontal(|ui| {
        ui.label("Connections");
        for (c, hint) in [
            (
                Connections::Fresh,
                "A new connection for every request, in every mode (as the original)",
            ),
            (
                Connections::Pooled,
                "One pool per mode, warmed before timing and reused by every round",
            ),
        ] {
            ui.selectable_value(&mut form.connections, c, c.word())
                .on_hover_text(hint);
        }
    });
    ui.horizontal(|ui| {
        let label = ui.label("Rounds");
        ui.add(egui::DragValue::new(&mut form.rounds).range(1..=100))
            .labelled_by(label.id);
        let label = ui.label("Timeout");
        ui.add(
            egui::DragValue::new(&mut form.timeout_s)
                .range(0.1..=120.0)
                .suffix(" s")
                .speed(0.1),
        )
        .labelled_by(label.id);
        if running {
            if ui
                .button("Stop")
                .on_hover_text("Stop after the request in flight")
                .clicked()
            {
                action = Some(Action::StopTiming);
            }
        } else if ui
            .button("Start")
            .on_hover_text("Run the rounds in the background")
            .clicked()
        {
            let targets = if form.source == "urls" {
                Targets::Urls(
                    form.urls
                        .lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(str::to_owned)
                        .collect(),
                )
            } else {
                Targets::Profile(form.source.clone())
            };
            action = Some(Action::StartTiming(TimingRequest {
                targets,
                rounds: form.rounds,
                timeout_s: form.timeout_s,
                connections: form.connections,
            }));
        }
    });
    if let Some(run) = run {
        let done = run.completed_count();
        let text = if running {
            format!("round {} of {}", (done + 1).min(run.rounds), run.rounds)
        } else {
            format!("{done} of {} rounds", run.rounds)
        };
        ui.add(egui::ProgressBar::new(done as f32 / run.rounds.max(1) as f32).text(text));
        if let Some(error) = run.error() {
            ui.colored_label(
                Color32::from_rgb(230, 70, 60),
                crate::text::line_owned(error),
            );
        }
        if done > 0 {
            ui.horizontal(|ui| {
                if ui
                    .button("Save as SVG")
                    .on_hover_text("The round chart and the latest round, for a slide")
                    .clicked()
                {
                    action = Some(Action::AskSaveTimingSvg);
                }
                if ui
                    .button("Copy as CSV")
                    .on_hover_text("Every request of every round, for a spreadsheet")
                    .clicked()
                {
                    action = Some(Action::CopyTimingCsv);
                }
            });
        }
    }
    action
}

fn big_numbers(ui: &mut egui::Ui, summary: &Summary) {
    let big = |text: String| RichText::new(text).size(30.0).strong();
    ui.horizontal(|ui| {
        ui.vertical(|ui| {
            ui.label("speed-up");
            ui.label(big(summary
                .speedup
                .map_or("–".into(), |s| format!("{s:.2}×"))));
        });
        ui.add_space(24.0);
        ui.vertical(|ui| {
            ui.label("concurrent efficiency (ideal / measured)");
            let e = summary.concurrent_efficiency;
            ui.label(big(e.map_or("–".into(), |e| format!("{:.0} %", e * 100.0))));
            if summary.concurrent_beat_ideal {
                ui.label("measured below the ideal: noise, the ideal is a lower bound");
            }
        });
    });
    if !summary.unanswered.is_empty() {
        let modes: Vec<&str> = summary.unanswered.iter().map(|m| m.title()).collect();
        ui.colored_label(
            ui.visuals().error_fg_color,
            format!(
                "no request succeeded in {}: its totals time failures, so there is no \
                 speed-up (is the server up?)",
                modes.join(", ")
            ),
        );
    } else if let (Some(s), Some(c)) = (summary.sequential, summary.concurrent) {
        ui.label(format!(
            "median per round: sequential {:.3} s, concurrent {:.3} s",
            s.median, c.median
        ));
    }
}

fn totals_chart(ui: &mut egui::Ui, rounds: &[Round], summary: &Summary) {
    // Headroom above the slowest round keeps the legend off the lines.
    let top = rounds
        .iter()
        .flat_map(|r| r.totals.iter().map(|&(_, t)| t))
        .fold(0.0, f64::max);
    Plot::new("timing-totals")
        .legend(Legend::default())
        .x_axis_label("round")
        .y_axis_label("seconds")
        .include_y(0.0)
        .include_y(top * 1.7)
        .height(ui.available_height().max(120.0))
        .allow_scroll(false)
        .show(ui, |plot| {
            for mode in MODES {
                let points: Vec<[f64; 2]> = rounds
                    .iter()
                    .filter_map(|r| r.total(mode).map(|t| [r.round as f64, t]))
                    .collect();
                if points.is_empty() {
                    continue;
                }
                plot.line(
                    Line::new(mode.title(), PlotPoints::from(points.clone())).color(colour(mode)),
                );
                plot.points(
                    Points::new(mode.title(), PlotPoints::from(points))
                        .radius(4.0)
                        .color(colour(mode)),
                );
            }
            let medians = [
                (Mode::Sequential, summary.sequential),
                (Mode::Concurrent, summary.concurrent),
            ];
            for (mode, stats) in medians {
                if let Some(stats) = stats {
                    plot.hline(
                        HLine::new(format!("{} median", mode.title()), stats.median)
                            .color(colour(mode))
                            .style(LineStyle::dashed_loose()),
                    );
                }
            }
            let grey = Color32::from_gray(150);
            if let Some(ideal) = summary.ideal_sequential_s {
                plot.hline(
                    HLine::new("sequential ideal (sum)", ideal)
                        .color(grey)
                        .style(LineStyle::dotted_dense()),
                );
            }
            if let Some(ideal) = summary.ideal_concurrent_s {
                plot.hline(
                    HLine::new("concurrent ideal (longest)", ideal)
                        .color(grey)
                        .style(LineStyle::dotted_dense()),
                );
            }
        });
}

/// One bar per request of round `round` as far as its requests have ended: the chart
/// fills in as each one ends.
fn gantt(ui: &mut egui::Ui, round: usize, spans: &[Fetch], order: &[Mode]) {
    let mut charts = Vec::new();
    let mut row = 0.0;
    for &mode in order {
        let bars: Vec<Bar> = spans
            .iter()
            .filter(|s| s.mode == mode)
            .map(|s| {
                row += 1.0;
                let fill = if s.error.is_some() {
                    Color32::from_rgb(230, 60, 50)
                } else {
                    colour(mode)
                };
                let name = crate::text::line_owned(match &s.error {
                    Some(e) => format!("{} — failed: {e}", s.url),
                    None => format!("{} — {} bytes", s.url, s.bytes.unwrap_or(0)),
                });
                Bar::new(-row, s.end_s - s.start_s)
                    .base_offset(s.start_s)
                    .width(0.8)
                    .fill(fill)
                    .name(name)
                    .horizontal()
            })
            .collect();
        row += 0.5;
        charts.push(
            BarChart::new(mode.title(), bars)
                .color(colour(mode))
                .horizontal(),
        );
    }
    Plot::new("timing-gantt")
        .legend(Legend::default())
        .x_axis_label(format!("seconds into round {round}"))
        .show_axes([true, false])
        .include_x(0.0)
        .height(ui.available_height().max(120.0))
        .allow_scroll(false)
        .show(ui, |plot| {
            for chart in charts {
                plot.bar_chart(chart);
            }
        });
}

/// Draws the panel.
pub fn show(ui: &mut egui::Ui, form: &mut TimingForm, run: Option<&Background>) -> Option<Action> {
    let rounds = run.map(Background::completed).unwrap_or_default();
    let summary = Summary::of(&rounds);
    let mut action = None;
    ui.columns(3, |cols| {
        cols[0].heading("Sequential vs concurrent");
        action = controls(&mut cols[0], form, run);
        cols[0].separator();
        big_numbers(&mut cols[0], &summary);
        let connections = run.map_or(form.connections, |r| r.connections);
        cols[1].strong(format!(
            "Each round's total ({} connections)",
            connections.word()
        ));
        totals_chart(&mut cols[1], &rounds, &summary);
        match run.and_then(Background::latest) {
            Some((round, spans)) => {
                cols[2].strong(format!("Round {round} request by request (failed in red)"));
                let order = crate::timing::order(round, run.is_some_and(|r| r.extra_modes));
                gantt(&mut cols[2], round, &spans, &order);
            }
            None => {
                cols[2].label("The latest round's requests appear here as they end.");
            }
        }
    });
    action
}
