//! While a poll blocks, the window stays live and the status bar says the executor is stuck
//! inside that poll. The poll here blocks until the test has seen the message, so nothing
//! depends on catching a window in time.

#![cfg(feature = "app")]

mod ui_support;

use egui_kittest::Harness;
use pollscope::Program;
use pollscope::app::{PollscopeApp, Settings};
use std::sync::{Arc, Condvar, Mutex};
use ui_support::wait_for;

/// A gate the blocked poll waits at until the test opens it.
#[derive(Default)]
struct Gate {
    open: Mutex<bool>,
    opened: Condvar,
}

impl Gate {
    fn wait(&self) {
        let mut open = self.open.lock().unwrap();
        while !*open {
            open = self.opened.wait(open).unwrap();
        }
    }

    fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }
}

#[test]
fn the_status_bar_reports_a_blocking_poll_live() {
    let gate = Arc::new(Gate::default());
    let poll_gate = gate.clone();
    let program = Program::new("blocks").task("blocker", move || {
        let gate = poll_gate.clone();
        async move {
            // Blocks inside the poll, like a blocking join: the executor is stuck here.
            gate.wait();
            "released"
        }
    });
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .build_eframe(|cc| PollscopeApp::with_program(&cc.egui_ctx, Settings::default(), program));
    wait_for(&mut harness, "the task", |h| h.state().shown_events() > 0);
    harness.key_press(egui::Key::Space);
    // Frames keep coming while the executor thread is blocked inside the poll. (The
    // status is read from the app: this file is on screen, and it holds the words.)
    wait_for(&mut harness, "the stuck-in-poll message", |h| {
        h.state()
            .status_text()
            .starts_with("executor stuck in poll of task 0 for ")
    });
    assert!(
        harness
            .state()
            .status_text()
            .contains(" — blocking inside poll")
    );
    gate.open();
    wait_for(&mut harness, "the poll to end", |h| {
        h.state()
            .status_text()
            .starts_with("done: every task has finished")
    });
}
