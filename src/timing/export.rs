//! A timing run for a slide or a spreadsheet: the round chart and the latest round's
//! Gantt chart as one SVG (drawn with plotters), and every request as CSV.

use super::{Connections, Fetch, Mode, Report};
use plotters::prelude::*;

/// Width and height of the SVG, in pixels.
const SIZE: (u32, u32) = (1000, 760);

fn colour(mode: Mode) -> RGBColor {
    match mode {
        Mode::Sequential => RGBColor(214, 96, 40),
        Mode::Concurrent => RGBColor(38, 120, 200),
        Mode::SequentialAwaits => RGBColor(150, 90, 180),
        Mode::BlockingJoin => RGBColor(110, 110, 110),
    }
}

/// The round chart (each mode's total per round, with the ideal limits) above the Gantt
/// chart of `latest` (the requests of the latest round, each a bar from its start to its
/// end), as one SVG document.
pub fn svg(
    report: &Report,
    latest: &[Fetch],
    connections: Connections,
) -> Result<String, ChartError> {
    let mut out = String::new();
    draw(&mut out, report, latest, connections).map_err(|e| ChartError(e.to_string()))?;
    Ok(out)
}

/// Why the chart could not be drawn (plotters' own words).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartError(pub String);

impl std::fmt::Display for ChartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "drawing the chart: {}", self.0)
    }
}

impl std::error::Error for ChartError {}

fn draw(
    out: &mut String,
    report: &Report,
    latest: &[Fetch],
    connections: Connections,
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(out, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let (top, bottom) = root.split_vertically(360);
    let modes: Vec<Mode> = {
        let mut modes: Vec<Mode> = Vec::new();
        for round in &report.rounds {
            for &(mode, _) in &round.totals {
                if !modes.contains(&mode) {
                    modes.push(mode);
                }
            }
        }
        modes
    };
    let rounds = report.rounds.len().max(1) as f64;
    let s = &report.summary;
    let highest = report
        .rounds
        .iter()
        .flat_map(|r| r.totals.iter().map(|&(_, t)| t))
        .chain(s.ideal_sequential_s)
        .fold(0.0f64, f64::max)
        .max(0.001);
    let speedup = s
        .speedup
        .map_or(String::new(), |x| format!(", speed-up {x:.2}x"));
    let mut chart = ChartBuilder::on(&top)
        .caption(
            format!("Round totals ({} connections{speedup})", connections.word()),
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(32)
        .y_label_area_size(56)
        .build_cartesian_2d(0.5f64..rounds + 0.5, 0f64..highest * 1.15)?;
    chart
        .configure_mesh()
        .x_desc("round")
        .y_desc("seconds")
        .x_labels(report.rounds.len().clamp(1, 20))
        .x_label_formatter(&|x| format!("{x:.0}"))
        .draw()?;
    for &mode in &modes {
        let c = colour(mode);
        let points: Vec<(f64, f64)> = report
            .rounds
            .iter()
            .filter_map(|r| r.total(mode).map(|t| (r.round as f64, t)))
            .collect();
        chart
            .draw_series(LineSeries::new(points.clone(), c.stroke_width(2)))?
            .label(mode.title())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
        chart.draw_series(points.iter().map(|&p| Circle::new(p, 4, c.filled())))?;
    }
    let ideals = [
        (s.ideal_sequential_s, Mode::Sequential, "ideal sequential"),
        (s.ideal_concurrent_s, Mode::Concurrent, "ideal concurrent"),
    ];
    for (ideal, mode, label) in ideals {
        if let Some(y) = ideal {
            let c = colour(mode).mix(0.5);
            chart
                .draw_series(LineSeries::new(
                    vec![(0.5, y), (rounds + 0.5, y)],
                    c.stroke_width(1),
                ))?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c));
        }
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        // Between the two modes' lines, where neither has points.
        .position(SeriesLabelPosition::MiddleRight)
        .draw()?;

    // The Gantt chart: one row per request, grouped by mode.
    let rows: Vec<&Fetch> = {
        let mut rows: Vec<&Fetch> = latest.iter().collect();
        rows.sort_by_key(|s| (modes.iter().position(|&m| m == s.mode), s.index));
        rows
    };
    let end = rows
        .iter()
        .map(|s| s.end_s)
        .fold(0.0f64, f64::max)
        .max(0.001);
    let mut gantt = ChartBuilder::on(&bottom)
        .caption(
            "Latest round: each request from its start to its end",
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(32)
        .y_label_area_size(56)
        .build_cartesian_2d(0f64..end * 1.05, 0f64..rows.len().max(1) as f64)?;
    gantt
        .configure_mesh()
        .x_desc("seconds since the mode started")
        .y_desc("request")
        .disable_y_mesh()
        .y_labels(0)
        .draw()?;
    gantt.draw_series(rows.iter().enumerate().map(|(row, s)| {
        let y = row as f64;
        let c = if s.error.is_some() {
            RGBColor(220, 40, 40)
        } else {
            colour(s.mode)
        };
        Rectangle::new([(s.start_s, y + 0.1), (s.end_s, y + 0.9)], c.filled())
    }))?;
    root.present()?;
    Ok(())
}

/// Every request of every round as CSV: `round,mode,index,url,start_s,end_s,bytes,error`,
/// one line a request, after a header line.
pub fn csv(report: &Report) -> String {
    let mut out = String::from("round,mode,index,url,start_s,end_s,bytes,error\n");
    for round in &report.rounds {
        for s in &round.requests {
            out.push_str(&format!(
                "{},{},{},{},{:.6},{:.6},{},{}\n",
                round.round,
                s.mode.key(),
                s.index,
                field(&s.url),
                s.start_s,
                s.end_s,
                s.bytes.map_or(String::new(), |b| b.to_string()),
                field(s.error.as_deref().unwrap_or("")),
            ));
        }
    }
    out
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}
