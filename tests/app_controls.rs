//! Every control is reachable by its accessibility label; lesson switching resets the
//! view; presenter mode enlarges text.

#![cfg(feature = "app")]

mod ui_support;

use egui_kittest::kittest::Queryable;
use ui_support::{app, count, wait_for};

#[test]
fn every_control_has_a_label() {
    let mut harness = app("lazy");
    for label in [
        "Step",
        "Run",
        "max",
        "Reset",
        "Policy",
        "Rust lens",
        "More",
        "Lesson",
    ] {
        assert!(
            harness.query_by_label(label).is_some(),
            "no control labelled {label:?}"
        );
    }
    harness.get_by_label("More").click();
    harness.run_steps(2);
    for label in [
        "Step the focused task",
        "Run until a thread wakes a task",
        "Presenter mode",
        "Timing: sequential vs concurrent",
        "Light theme",
        "Save trace…",
        "Open trace…",
        "Keyboard shortcuts",
    ] {
        assert!(
            harness.query_by_label_contains(label).is_some(),
            "no menu entry labelled {label:?}"
        );
    }
}

#[test]
fn switching_lesson_resets_the_view() {
    let mut harness = app("lazy");
    harness.key_press(egui::Key::Space);
    wait_for(&mut harness, "lazy to complete", |h| {
        count(h, " completed ") == 1
    });
    harness
        .get_by_role_and_label(egui::accesskit::Role::ComboBox, "Lesson")
        .click();
    harness.run_steps(2);
    harness
        .get_by_label_contains("remote — A hand-written future")
        .click();
    wait_for(&mut harness, "the remote lesson", |h| {
        // In the log's row, and above it as the event shown.
        h.query_all_by_label_contains("spawned as \"outer\"")
            .next()
            .is_some()
    });
    assert_eq!(count(&harness, " completed "), 0);
    assert_eq!(count(&harness, " created "), 1);
    assert!(
        harness
            .query_by_label_contains("spawned as \"hello\"")
            .is_none()
    );
    assert_eq!(harness.state().settings().lesson, "remote");
}

#[test]
fn presenter_mode_enlarges_text() {
    let mut harness = app("lazy");
    let body = |h: &egui_kittest::Harness<'static, pollscope::app::PollscopeApp>| {
        h.ctx.global_style().text_styles[&egui::TextStyle::Body].size
    };
    let small = body(&harness);
    ui_support::menu(&mut harness, "Presenter mode");
    harness.run_steps(3);
    let large = body(&harness);
    assert!(large >= small * 1.5, "{small} -> {large}");
    assert!(harness.state().settings().presenter);
    harness.key_press(egui::Key::P);
    harness.run_steps(3);
    assert_eq!(body(&harness), small);
}

#[test]
fn help_opens_with_f1() {
    let mut harness = app("lazy");
    assert!(harness.query_by_label("Keyboard shortcuts").is_none());
    harness.key_press(egui::Key::F1);
    harness.run_steps(2);
    assert!(harness.query_by_label("Keyboard shortcuts").is_some());
    assert!(
        harness
            .query_by_label_contains("step: poll one task once")
            .is_some()
    );
}
