//! Breakpoints in the app: a click on a line number sets one, Run stops when a task
//! suspends there, and the list clears it.

#![cfg(feature = "app")]

mod ui_support;

use egui_kittest::kittest::Queryable;
use ui_support::{app, wait_for};

/// The line of `threads`' `handle.await`.
fn await_line() -> u32 {
    let source = include_str!("../src/lessons/threads.rs");
    source
        .lines()
        .position(|l| l.contains(".at(\"handle.await\")"))
        .map(|i| i as u32 + 1)
        .expect("the await line")
}

#[test]
fn a_breakpoint_on_threads_await_line_stops_run_there() {
    let line = await_line();
    let mut harness = app("threads");
    harness.get_by_label(&format!("line {line}")).click();
    wait_for(&mut harness, "the breakpoint in the list", |h| {
        h.query_by_label_contains(&format!("threads.rs:{line} ×"))
            .is_some()
    });
    assert_eq!(
        harness.state().settings().breakpoints,
        [("src/lessons/threads.rs".to_owned(), line)]
    );
    harness.key_press(egui::Key::Enter);
    wait_for(&mut harness, "the run to stop at the breakpoint", |h| {
        h.state()
            .status_text()
            .starts_with(&format!("breakpoint src/lessons/threads.rs:{line}: task 0"))
    });
    let status = harness.state().status_text();
    assert!(status.contains("suspends at handle.await"), "{status}");
    // Stopped after the first poll: the focused task is suspended on that line.
    assert_eq!(harness.state().highlighted_line(), Some(line));
    let polls = harness.state().shown_events();
    for _ in 0..20 {
        harness.step();
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(harness.state().shown_events(), polls, "the run is paused");
    // Run on: the next task stops at the same line.
    harness.key_press(egui::Key::Enter);
    wait_for(&mut harness, "the second stop", |h| {
        h.state()
            .status_text()
            .starts_with(&format!("breakpoint src/lessons/threads.rs:{line}: task 1"))
    });
    // Cleared from the list.
    harness.get_by_label("clear all").click();
    wait_for(&mut harness, "the list to empty", |h| {
        h.state().settings().breakpoints.is_empty()
    });
}
