//! The policy switch restarts the lesson under the other policy: on `busy-driver`, busy
//! polling shows wasted polls that the waker-driven run does not have.

#![cfg(feature = "app")]

mod ui_support;

use egui_kittest::kittest::Queryable;
use ui_support::{app, count, wait_for};

/// The status bar says the run is over.
fn done_running(h: &egui_kittest::Harness<'static, pollscope::app::PollscopeApp>) -> bool {
    h.query_all_by_label_contains("done: every task has finished")
        .next()
        .is_some()
}

#[test]
fn busy_polling_shows_wasted_polls_on_busy_driver() {
    let mut harness = app("busy-driver");
    harness.get_by_label("max").click();
    harness.step();
    harness.get_by_label("Run").click();
    wait_for(&mut harness, "the waker-driven run to end", done_running);
    let waker_run = harness.state().wasted_polls();
    assert_eq!(waker_run, 0);
    let completed = count(&harness, " completed ");

    ui_support::pick_policy(&mut harness, "busy-poll");
    wait_for(&mut harness, "the reset", |h| !done_running(h));
    assert_eq!(harness.state().settings().policy, "busy");
    harness.get_by_label("Run").click();
    wait_for(&mut harness, "the busy run to end", done_running);
    assert_eq!(harness.state().wasted_polls(), 3);
    assert_eq!(count(&harness, " completed "), completed);
}
