//! While a poll blocks (`blocking-sleep`), the window stays live and the status bar says
//! the executor is stuck inside that poll.

#![cfg(feature = "app")]

mod ui_support;

use egui_kittest::kittest::Queryable;
use ui_support::{app, wait_for};

#[test]
fn the_status_bar_reports_a_blocking_poll_live() {
    let mut harness = app("blocking-sleep");
    harness.get_by_label("max").click();
    harness.step();
    harness.get_by_label("Run").click();
    // Frames keep coming while the executor thread sleeps inside a poll.
    wait_for(&mut harness, "the stuck-in-poll message", |h| {
        h.query_all_by_label_contains("executor stuck in poll of task")
            .next()
            .is_some()
    });
    let text = harness
        .query_all_by_label_contains("blocking inside poll")
        .next()
        .map(|n| format!("{n:?}"));
    assert!(text.is_some());
    wait_for(&mut harness, "the run to end", |h| {
        h.query_all_by_label_contains("done: every task has finished")
            .next()
            .is_some()
    });
}
