//! The timing run for a slide and a spreadsheet: the SVG holds the round chart's series
//! and one bar per request of the latest round; the CSV one line per request. And the
//! Gantt chart fills in request by request while a round is still going on.

#![cfg(feature = "lessons")]

use pollscope::http::FetchConfig;
use pollscope::server::{DemoServer, ServerConfig};
use pollscope::timing::{self, Background, Connections, Report, Targets, TimingConfig};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

fn config(rounds: usize) -> TimingConfig {
    TimingConfig {
        targets: Vec::new(),
        rounds,
        fetch: FetchConfig::default(),
        extra_modes: false,
        connections: Connections::Fresh,
    }
}

#[test]
fn the_svg_has_both_series_and_a_bar_per_request() {
    let server = DemoServer::start(ServerConfig::default()).unwrap();
    let targets: Vec<String> = (1..=3)
        .map(|i| server.url(&format!("/delay/{}", 5 * i)))
        .collect();
    let rounds = timing::run(
        &TimingConfig {
            targets,
            ..config(3)
        },
        &AtomicBool::new(false),
        |_| {},
    );
    let latest = rounds.last().unwrap().requests.clone();
    let report = Report::new(rounds);
    let svg = timing::svg(&report, &latest, Connections::Fresh).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    // The round chart: one polyline per mode, in the modes' colours.
    let strokes: Vec<&str> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "polyline")
        .filter_map(|n| n.attribute("stroke"))
        .collect();
    for colour in ["#D66028", "#2678C8"] {
        assert!(
            strokes.iter().any(|s| s.eq_ignore_ascii_case(colour)),
            "no series in {colour}: {strokes:?}"
        );
    }
    let texts: String = doc
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join(" ");
    for word in [
        "sequential",
        "concurrent",
        "fresh connections",
        "Latest round",
    ] {
        assert!(texts.contains(word), "no {word:?} in the chart's text");
    }
    // The Gantt chart: a filled bar per request of the latest round.
    let bars = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "rect")
        .filter(|n| {
            n.attribute("fill").is_some_and(|f| {
                f.eq_ignore_ascii_case("#D66028") || f.eq_ignore_ascii_case("#2678C8")
            })
        })
        .count();
    assert_eq!(bars, latest.len(), "one bar per request");
    // The CSV: a header and one line per request of every round.
    let csv = timing::csv(&report);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "round,mode,index,url,start_s,end_s,bytes,error");
    assert_eq!(lines.len(), 1 + 3 * 6);
    assert!(
        lines[1].starts_with("1,sequential,0,http://127.0.0.1:"),
        "{}",
        lines[1]
    );
}

#[test]
fn the_latest_round_fills_in_request_by_request() {
    let server = DemoServer::start(ServerConfig::default()).unwrap();
    // Round 1 runs sequentially first: three requests of 150 ms end one after another.
    let urls: Vec<String> = (0..3).map(|_| server.url("/delay/150")).collect();
    let run = Background::start(Targets::Urls(urls), config(1), || {});
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    while run.is_running() {
        if let Some((round, spans)) = run.latest()
            && round == 1
            && seen.last() != Some(&spans.len())
        {
            seen.push(spans.len());
        }
        assert!(Instant::now() < deadline, "the run did not end");
        std::thread::sleep(Duration::from_millis(10));
    }
    // Partial rounds were visible before the round ended with its six requests.
    assert!(seen.contains(&1) && seen.contains(&2), "{seen:?}");
    assert_eq!(run.latest().map(|(_, s)| s.len()), Some(6));
}
