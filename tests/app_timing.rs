//! The timing panel runs sequential-vs-concurrent rounds in the background, fills in as
//! rounds complete, shows the speed-up, and stops when asked.

#![cfg(feature = "app")]

mod ui_support;

use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable};
use pollscope::server::{DemoServer, ServerConfig};
use ui_support::{app, wait_for};

fn targets(server: &DemoServer) -> String {
    (1..=3)
        .map(|i| server.url(&format!("/delay/{}?bytes=500", 10 * i)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Fills the form with the server's targets and `rounds`, then presses Start.
fn start(
    harness: &mut egui_kittest::Harness<'static, pollscope::app::PollscopeApp>,
    server: &DemoServer,
    rounds: f64,
) {
    harness.get_by_label("URLs").click();
    harness.run_steps(2);
    let urls = "URLs, one per line";
    harness
        .get_by_role_and_label(Role::MultilineTextInput, urls)
        .focus();
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::MultilineTextInput, urls)
        .type_text(&targets(server));
    harness
        .get_by_role_and_label(Role::SpinButton, "Rounds")
        .set_value_accesskit(rounds);
    harness.run_steps(2);
    harness.get_by_label("Start").click();
}

#[test]
fn a_run_fills_in_and_reports_the_speedup() {
    let server = DemoServer::start(ServerConfig::default()).unwrap();
    let mut harness = app("lazy");
    harness.key_press(egui::Key::T);
    harness.run_steps(2);
    assert!(harness.query_by_label("Sequential vs concurrent").is_some());
    start(&mut harness, &server, 2.0);
    wait_for(&mut harness, "two rounds", |h| {
        h.query_by_label("2 of 2 rounds").is_some()
    });
    // The speed-up in large numbers, e.g. "2.41×".
    assert!(harness.query_all_by_label_contains("×").next().is_some());
    assert!(
        harness
            .query_by_label("Round 2 request by request (failed in red)")
            .is_some()
    );
    assert!(
        harness.query_by_label("Start").is_some(),
        "the button is back to Start"
    );
    assert!(
        harness
            .query_by_label("Each round's total (fresh connections)")
            .is_some()
    );
    // For a spreadsheet and a slide.
    harness.get_by_label("Copy as CSV").click();
    harness.run_steps(2);
    // Three targets, two modes, two rounds.
    assert_eq!(harness.state().status_text(), "copied 12 requests as CSV");
    let svg = std::env::temp_dir().join(format!("pollscope-app-{}.svg", std::process::id()));
    harness.get_by_label("Save as SVG").click();
    harness.run_steps(3);
    let field = harness.get_by_label("File (.svg)");
    field.click();
    harness.run_steps(1);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness
        .get_by_label("File (.svg)")
        .type_text(svg.to_str().unwrap());
    harness.run_steps(1);
    harness.get_by_label("Save SVG").click();
    harness.run_steps(2);
    let chart = std::fs::read_to_string(&svg).expect("the chart was written");
    assert!(chart.contains("Round totals (fresh connections"));
    let _ = std::fs::remove_file(&svg);
}

#[test]
fn stop_ends_a_long_run_early() {
    let server = DemoServer::start(ServerConfig::default()).unwrap();
    let mut harness = app("lazy");
    harness.key_press(egui::Key::T);
    harness.run_steps(2);
    start(&mut harness, &server, 100.0);
    wait_for(&mut harness, "the run to start", |h| {
        h.query_by_label("Stop").is_some()
    });
    harness.get_by_label("Stop").click();
    wait_for(&mut harness, "the run to stop", |h| {
        h.query_by_label("Start").is_some()
    });
    let progress = harness.get_by_label_contains("of 100 rounds");
    let label = progress.accesskit_node().label().unwrap_or_default();
    let done: usize = label.split(' ').next().unwrap().parse().unwrap();
    assert!(done < 100, "{label}");
}
