//! "Why isn't it running?" in the app: the focused task's sentence under the task table
//! names the thread it waits for.

#![cfg(feature = "app")]

mod ui_support;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use pollscope::app::{PollscopeApp, Settings};
use pollscope::{AtExt, Program};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use ui_support::wait_for;

#[test]
fn a_task_waiting_on_a_thread_says_which_thread() {
    // The thread waits until the test lets it go: nothing depends on timing.
    let (release, gate) = mpsc::channel::<()>();
    let gate = Arc::new(Mutex::new(Some(gate)));
    let program =
        Program::new("why-demo")
            .title("Waiting on a thread")
            .task("fetcher", move || {
                let gate = gate.clone();
                async move {
                    let handle = pollscope::worker::spawn("fetch-slow", move || {
                        let gate = gate.lock().ok().and_then(|mut g| g.take());
                        match gate {
                            Some(gate) => gate.recv().map_err(|e| e.to_string()),
                            None => Ok(()),
                        }
                        .map(|()| 1)
                    });
                    handle.at("handle.await").await
                }
            });
    let mut harness: Harness<'static, PollscopeApp> = Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .build_eframe(|cc| PollscopeApp::with_program(&cc.egui_ctx, Settings::default(), program));
    wait_for(&mut harness, "the program's task", |h| {
        h.state().shown_events() > 0
    });
    assert!(
        harness
            .query_by_label_contains("task 0 (fetcher): never polled yet: futures are lazy")
            .is_some()
    );
    harness.key_press(egui::Key::Space);
    wait_for(&mut harness, "the sentence naming the thread", |h| {
        h.query_by_label_contains("task 0 (fetcher): suspended at `handle.await` (line ")
            .is_some_and(|n| {
                let text = format!("{n:?}");
                text.contains("waiting for thread fetch-slow, running for ")
                    && text.contains("that thread will wake it")
            })
    });
    release.send(()).unwrap();
}
