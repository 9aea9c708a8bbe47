//! Rewind in the app: the scrubber moves every panel back (the highlighted source line
//! follows), stepping returns to live, clicking a log row rewinds to it.

#![cfg(feature = "app")]

mod ui_support;

use egui_kittest::kittest::Queryable;
use pollscope::lessons;
use ui_support::{app, count, wait_for};

fn remote_line() -> u32 {
    lessons::find("remote").unwrap().declared_points()[0]
        .1
        .unwrap()
}

/// `remote` stepped to the end: 14 events (each poll ends with the compiler's state of
/// `outer`), the task completed, nothing highlighted.
fn finished_remote() -> egui_kittest::Harness<'static, pollscope::app::PollscopeApp> {
    let mut harness = app("remote");
    harness.key_press(egui::Key::Space);
    wait_for(&mut harness, "the first poll", |h| {
        h.state().shown_events() == 7
    });
    assert_eq!(harness.state().highlighted_line(), Some(remote_line()));
    harness.key_press(egui::Key::Space);
    wait_for(&mut harness, "the second poll", |h| {
        count(h, " completed ") == 1
    });
    assert_eq!(harness.state().shown_events(), 14);
    assert_eq!(harness.state().highlighted_line(), None);
    harness
}

#[test]
fn the_scrubber_moves_the_highlighted_line_back() {
    let mut harness = finished_remote();
    // Back to just after the first poll ended (7 events): suspended at `Remote` again.
    for _ in 0..7 {
        harness.key_press(egui::Key::ArrowLeft);
        harness.step();
    }
    harness.run_steps(2);
    assert_eq!(harness.state().shown_events(), 7);
    assert_eq!(harness.state().highlighted_line(), Some(remote_line()));
    assert_eq!(
        count(&harness, " completed "),
        0,
        "the task table rewound too"
    );
    assert!(
        harness
            .query_by_label_contains("rewound to event 7 of 14")
            .is_some()
    );
    // Home: before anything ran.
    harness.key_press(egui::Key::Home);
    harness.run_steps(2);
    assert_eq!(harness.state().shown_events(), 0);
    assert_eq!(harness.query_all_by_label_contains("spawned as").count(), 0);
    // End: live again.
    harness.key_press(egui::Key::End);
    harness.run_steps(2);
    assert_eq!(harness.state().shown_events(), 14);
    assert_eq!(count(&harness, " completed "), 1);
}

#[test]
fn stepping_while_rewound_returns_to_live() {
    let mut harness = app("remote");
    harness.key_press(egui::Key::Space);
    wait_for(&mut harness, "the first poll", |h| {
        h.state().shown_events() == 7
    });
    harness.key_press(egui::Key::Home);
    harness.run_steps(2);
    assert_eq!(harness.state().shown_events(), 0);
    harness.key_press(egui::Key::Space);
    wait_for(&mut harness, "the second poll, live", |h| {
        count(h, " completed ") == 1
    });
    assert_eq!(harness.state().shown_events(), 14);
}

#[test]
fn clicking_a_log_row_rewinds_to_it() {
    let mut harness = finished_remote();
    harness
        .get_by_label_contains("task 0: poll returns pending")
        .click();
    harness.run_steps(2);
    // That poll_end is event 5: the view shows the state just after it.
    assert_eq!(harness.state().shown_events(), 6);
    assert_eq!(harness.state().highlighted_line(), Some(remote_line()));
}
