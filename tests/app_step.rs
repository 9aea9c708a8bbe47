//! Stepping `lazy` in the app: the Step button and Space each poll one task once.

#![cfg(feature = "app")]

mod ui_support;

use egui_kittest::kittest::Queryable;
use ui_support::{app, count, wait_for};

#[test]
fn step_button_moves_lazy_from_created_to_completed_with_5() {
    let mut harness = app("lazy");
    assert_eq!(count(&harness, " created "), 1);
    assert_eq!(count(&harness, " completed "), 0);
    harness.get_by_label("Step").click();
    wait_for(&mut harness, "the task to complete", |h| {
        count(h, " completed ") == 1
    });
    assert_eq!(count(&harness, " created "), 0);
    assert!(
        harness
            .query_by_label_contains("task 0 completed with 5")
            .is_some()
    );
    assert!(
        harness
            .query_by_label_contains("says: hello from inside the async function")
            .is_some()
    );
    assert!(
        harness
            .query_by_label_contains("done: every task has finished")
            .is_some()
    );
}

#[test]
fn space_steps_too() {
    let mut harness = app("remote");
    harness.key_press(egui::Key::Space);
    wait_for(&mut harness, "the first poll", |h| {
        h.query_by_label_contains("poll returns pending").is_some()
    });
    assert_eq!(
        count(&harness, " scheduled "),
        1,
        "woken by itself, waiting for its poll"
    );
    harness.key_press(egui::Key::Space);
    wait_for(&mut harness, "the second poll", |h| {
        count(h, " completed ") == 1
    });
    assert!(
        harness
            .query_by_label_contains("task 0 completed with 25")
            .is_some()
    );
}

#[test]
fn the_python_lens_renames_states() {
    let mut harness = app("lazy");
    harness.get_by_label("Rust lens").click();
    wait_for(&mut harness, "the Python state names", |h| {
        count(h, " CORO_CREATED ") == 1
    });
    harness.key_press(egui::Key::Space);
    wait_for(&mut harness, "CORO_CLOSED", |h| {
        count(h, " CORO_CLOSED ") == 1
    });
    // The Python column is the lesson's twin, live in CPython.
    wait_for(&mut harness, "the live twin", |h| {
        h.query_by_label_contains("live in CPython").is_some()
    });
}
