//! Running `threads` to the end in the app: four completed fetch tasks with byte counts
//! and four joined threads.

#![cfg(feature = "app")]

mod ui_support;

use egui_kittest::kittest::Queryable;
use ui_support::{app, count, wait_for};

#[test]
fn run_threads_to_the_end() {
    let mut harness = app("threads");
    harness.get_by_label("max").click();
    harness.step();
    harness.get_by_label("Run").click();
    wait_for(&mut harness, "all five tasks to complete", |h| {
        count(h, " completed ") == 5
    });
    for bytes in ["Ok(14200)", "Ok(49600)", "Ok(21100)", "Ok(10100)", "95000"] {
        assert!(harness.query_by_label(bytes).is_some(), "{bytes} missing");
    }
    assert_eq!(count(&harness, " joined "), 4);
    // The thread panel shows each result; the log says who woke whom.
    for bytes in ["14200", "49600", "21100", "10100"] {
        let result = format!("{bytes} bytes (status 200)");
        assert!(
            harness
                .query_all_by_label_contains(&result)
                .next()
                .is_some(),
            "{result}"
        );
    }
    assert!(
        harness
            .query_all_by_label_contains("woken by thread fetch-google")
            .next()
            .is_some()
    );
}

#[test]
fn a_thread_row_wider_than_the_ones_before_it_does_not_overlap_its_task() {
    // Paused, stepped one poll at a time: nothing else repaints, so the frame in which
    // the fourth thread (the longest name) appears is the one the audience sees.
    let mut harness = app("threads");
    for _ in 0..4 {
        harness.get_by_label("Step").click();
    }
    wait_for(&mut harness, "the fourth thread", |h| {
        h.query_by_label("fetch-python-forum").is_some()
    });
    let name = harness.get_by_label("fetch-python-forum").rect();
    let task = harness.get_by_label("task 3").rect();
    assert!(
        name.right() <= task.left(),
        "the name ({name:?}) runs into its task ({task:?})"
    );
}
