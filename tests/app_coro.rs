//! The app draws the compiler's own state machine of the focused task, with the locals its
//! state holds and their values, live and from a saved trace.

#![cfg(feature = "app")]

mod ui_support;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use pollscope::Program;
use pollscope::app::{PollscopeApp, Settings};
use pollscope::executor::yield_now;
use ui_support::{app, count, wait_for};

async fn keeper(n: u64) -> u64 {
    let name = String::from("kept");
    yield_now().await;
    n + name.len() as u64
}

#[test]
fn a_user_task_shows_its_states_and_the_values_it_holds() {
    let program = Program::new("keeper").task("keeper", || keeper(40));
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .build_eframe(|cc| PollscopeApp::with_program(&cc.egui_ctx, Settings::default(), program));
    wait_for(&mut harness, "the task", |h| h.state().shown_events() > 0);
    harness.key_press(egui::Key::Space);
    wait_for(&mut harness, "the first poll's states", |h| {
        h.state().shown_events() >= 6
    });
    harness.run_steps(2);
    // Built at run time: this file, on screen, does not hold these words whole.
    let title = format!("app_coro::keeper — the compiler's {}", "states");
    assert!(harness.query_by_label(&title).is_some(), "{title}");
    let held = format!("Suspend0 {}", "holds");
    assert!(harness.query_by_label(&held).is_some());
    let name = format!("name: String = {:?}", "kept");
    assert!(harness.query_by_label(&name).is_some(), "{name}");
    let n = format!("n: u64 = {}", 40);
    assert!(harness.query_by_label(&n).is_some(), "{n}");
}

#[test]
fn a_lesson_shows_its_compiler_states_live() {
    let mut harness = app("remote");
    harness.key_press(egui::Key::Space);
    wait_for(&mut harness, "the first poll", |h| {
        h.state().shown_events() == 7
    });
    harness.run_steps(2);
    assert!(
        harness
            .query_by_label("remote::outer — the compiler's states")
            .is_some()
    );
    assert!(harness.query_by_label("Suspend0 holds no locals").is_some());
    harness.key_press(egui::Key::Space);
    wait_for(&mut harness, "the end", |h| count(h, " completed ") == 1);
}
