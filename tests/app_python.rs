//! The app on a Python script: CPython is paused before each resume, Step lets one
//! through, the line it suspended at is lit and the chain with its locals appears.

#![cfg(all(feature = "app", unix))]

mod ui_support;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use pollscope::Program;
use pollscope::app::{PollscopeApp, Settings};
use pollscope::python::Script;
use std::path::PathBuf;
use ui_support::wait_for;

/// How many nodes' labels contain `text`.
fn count(harness: &Harness<'static, PollscopeApp>, text: &str) -> usize {
    harness.query_all_by_label_contains(text).count()
}

fn script() -> (Script, String) {
    fixture("hand_driven.py")
}

fn fixture(name: &str) -> (Script, String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/python")
        .join(name);
    let script = Script::new(&path);
    let found = std::process::Command::new(&script.python)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "python3 not found: the app's Python run was not checked"
    );
    let file = script.absolute().to_string_lossy().into_owned();
    (script, file)
}

#[test]
fn step_lights_the_suspended_line_and_shows_the_chain() {
    let (script, file) = script();
    let program = Program::python_script(script);
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .build_eframe(|cc| PollscopeApp::with_program(&cc.egui_ctx, Settings::default(), program));
    // Paused before the first resume: the coroutine exists, nothing ran.
    wait_for(&mut harness, "the coroutine", |h| {
        h.state().shown_events() > 0
    });
    assert!(
        count(&harness, "A coroutine driven by hand") >= 1,
        "the docstring is the title"
    );
    assert!(harness.state().highlighted().is_none());
    // In Python's words from the start: CPython's state names.
    assert_eq!(
        harness.state().settings().lens(),
        pollscope::lens::Lens::Python
    );
    assert!(
        count(&harness, "CORO_CREATED") >= 1,
        "the state machine's first state"
    );

    harness.key_press(egui::Key::Space);
    wait_for(&mut harness, "the first resume", |h| {
        h.state().highlighted().is_some()
    });
    // The innermost suspension: `answer = yield 'spam'` in Remote.__await__.
    assert_eq!(harness.state().highlighted(), Some((file.clone(), 6)));
    wait_for(&mut harness, "the chain", |h| {
        count(h, "Remote.__await__") >= 1 && count(h, "label = 'total'") >= 1
    });
    assert!(count(&harness, "CORO_SUSPENDED") >= 1);

    harness.key_press(egui::Key::Space);
    wait_for(&mut harness, "StopIteration(25)", |h| {
        count(h, "completed with 25") >= 1
    });
}

#[test]
fn the_output_panel_keeps_every_printed_line_in_order_under_its_task() {
    let (script, _) = fixture("output.py");
    let program = Program::python_script(script);
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .build_eframe(|cc| PollscopeApp::with_program(&cc.egui_ctx, Settings::default(), program));
    wait_for(&mut harness, "the coroutine", |h| {
        h.state().shown_events() > 0
    });
    harness.key_press(egui::Key::O);
    harness.key_press(egui::Key::Enter);
    wait_for(&mut harness, "the last line", |h| {
        count(h, "half a line, then the rest") >= 1
    });
    // The rows are the printed text; the task's lines carry the task.
    assert!(count(&harness, "[0 talk] inside, before the tick") >= 1);
    assert!(count(&harness, "between the resumes") >= 1);
    // Only output: no other event is a row.
    assert_eq!(count(&harness, "resumes at"), 0);
    assert_eq!(count(&harness, "says:"), 0);
    // O again: every event.
    harness.key_press(egui::Key::O);
    harness.run_steps(2);
    assert!(count(&harness, "says: inside, after the tick") >= 1);
}

#[test]
fn a_script_looping_outside_any_coroutine_says_so_and_reset_replaces_it() {
    let (mut script, _) = fixture("spawns_and_loops.py");
    let pids = std::env::temp_dir().join(format!("pollscope-app-loop-{}", std::process::id()));
    let _ = std::fs::remove_file(&pids);
    script.args = vec![pids.to_string_lossy().into_owned()];
    let program = Program::python_script(script);
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .build_eframe(|cc| PollscopeApp::with_program(&cc.egui_ctx, Settings::default(), program));
    harness.key_press(egui::Key::Enter);
    wait_for(&mut harness, "the notice", |h| {
        count(h, "running outside any coroutine") >= 1
    });
    harness.key_press(egui::Key::Enter);
    harness.run_steps(3);
    assert!(count(&harness, "running outside any coroutine") >= 1);
    let first = std::fs::read_to_string(&pids).expect("the script wrote its pids");
    let _ = std::fs::remove_file(&pids);
    // Reset: the looping interpreter and its child end, a fresh one starts.
    harness.key_press(egui::Key::R);
    wait_for(&mut harness, "the fresh interpreter", |_| pids.exists());
    let second = std::fs::read_to_string(&pids).expect("the fresh run wrote its pids");
    assert_ne!(first, second);
    for pid in first.split_whitespace() {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
            !s.rsplit_once(')')
                .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
        }) {
            assert!(
                std::time::Instant::now() < deadline,
                "process {pid} outlived Reset"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
    let _ = std::fs::remove_file(&pids);
}

#[test]
fn the_python_lens_runs_the_lessons_twin_live_beside_the_rust_run() {
    let mut harness = ui_support::app("remote");
    assert_eq!(
        count(&harness, "live in CPython"),
        0,
        "no twin in the Rust lens"
    );
    harness.key_press(egui::Key::L);
    wait_for(&mut harness, "the live twin", |h| {
        count(h, "live in CPython") >= 1 && count(h, "outer CORO_CREATED") >= 1
    });
    // One Step: the Rust task polls once and the twin resumes once, in CPython.
    harness.key_press(egui::Key::Space);
    wait_for(&mut harness, "the twin's resume", |h| {
        count(h, "outer CORO_SUSPENDED (line 3)") >= 1
    });
    assert!(count(&harness, "1 resume") >= 1);
    harness.key_press(egui::Key::Space);
    wait_for(&mut harness, "the twin's end", |h| {
        count(h, "ended (exit status 0)") >= 1
    });
    // Back to the Rust lens: the twin ends with it.
    harness.key_press(egui::Key::L);
    harness.run_steps(2);
    assert_eq!(count(&harness, "live in CPython"), 0);
}

#[test]
fn a_script_that_drives_nothing_says_so_in_the_status_bar() {
    let (script, _) = fixture("no_coroutine.py");
    let program = Program::python_script(script);
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .build_eframe(|cc| PollscopeApp::with_program(&cc.egui_ctx, Settings::default(), program));
    harness.key_press(egui::Key::Enter);
    wait_for(&mut harness, "the notice", |h| {
        h.state().status_text().contains("drove no coroutine")
    });
}

#[test]
fn a_fetching_lessons_twin_fetches_from_the_rust_runs_server_even_after_a_reset() {
    let mut harness = ui_support::app("threads");
    harness.key_press(egui::Key::L);
    wait_for(&mut harness, "the twin on the run's pages", |h| {
        let (run, twin) = h.state().pages();
        !run.is_empty() && twin.as_ref() == Some(&run)
    });
    let (before, _) = harness.state().pages();
    assert!(
        before.iter().all(|u| u.starts_with("http://127.0.0.1:")),
        "{before:?}"
    );
    // A reset starts a new server: the twin follows it.
    harness.key_press(egui::Key::R);
    wait_for(&mut harness, "the twin on the new server's pages", |h| {
        let (run, twin) = h.state().pages();
        !run.is_empty() && run != before && twin.as_ref() == Some(&run)
    });
}
