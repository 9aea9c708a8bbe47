//! The app on a user's own program: its title, its tasks stepped one poll at a time, the
//! await line highlighted in this very file, and Reset building fresh futures.

#![cfg(feature = "app")]

mod ui_support;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use pollscope::app::{PollscopeApp, Settings};
use pollscope::executor::yield_now;
use pollscope::{AtExt, Program};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use ui_support::{count, wait_for};

const THIS_FILE: &str = "tests/app_user_program.rs";

fn await_line() -> u32 {
    let source = include_str!("app_user_program.rs");
    let index = source
        .lines()
        .position(|l| l.contains(".at(\"yield here\").await"))
        .unwrap();
    index as u32 + 1
}

async fn waiter(n: usize) -> usize {
    yield_now().at("yield here").await;
    n
}

fn harness(built: Arc<AtomicUsize>) -> Harness<'static, PollscopeApp> {
    let program = Program::new("app-demo")
        .title("My own futures")
        .task("waiter", move || {
            waiter(built.fetch_add(1, Ordering::SeqCst))
        });
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .build_eframe(|cc| PollscopeApp::with_program(&cc.egui_ctx, Settings::default(), program));
    wait_for(&mut harness, "the program's task", |h| {
        h.state().shown_events() > 0
    });
    harness
}

#[test]
fn steps_a_user_program_and_highlights_its_own_await_line() {
    let built = Arc::new(AtomicUsize::new(0));
    let mut harness = harness(built.clone());
    assert!(count(&harness, "My own futures") >= 1, "the title is shown");
    assert!(
        harness.query_by_label("Lesson").is_none(),
        "one program: no lesson picker"
    );
    assert_eq!(count(&harness, " created "), 1);

    // This file is on screen, so waits look at the app's state, never at text this file
    // contains.
    harness.get_by_label("Step").click();
    wait_for(&mut harness, "the first poll", |h| {
        h.state().highlighted().is_some()
    });
    assert_eq!(
        harness.state().highlighted(),
        Some((THIS_FILE.to_owned(), await_line()))
    );
    assert!(
        harness.query_by_label(THIS_FILE).is_some(),
        "the source panel shows this file"
    );

    harness.key_press(egui::Key::Space);
    wait_for(&mut harness, "the value", |h| count(h, " completed ") == 1);
    let completed = |n: usize| format!("task 0 completed with {n}");
    assert!(
        harness
            .query_all_by_label_contains(&completed(0))
            .next()
            .is_some()
    );

    // Reset builds a new future: the factory runs again and the run starts over.
    harness.key_press(egui::Key::R);
    wait_for(&mut harness, "the fresh task", |h| {
        count(h, " created ") == 1
    });
    assert_eq!(built.load(Ordering::SeqCst), 2);
    harness.key_press(egui::Key::Space);
    harness.key_press(egui::Key::Space);
    wait_for(&mut harness, "the fresh value", |h| {
        count(h, " completed ") == 1
    });
    assert!(
        harness
            .query_all_by_label_contains(&completed(1))
            .next()
            .is_some()
    );
}

async fn parent() -> u32 {
    let child = pollscope::spawn(
        "a child task with a much longer name than any before it",
        async { 1u32 },
    );
    child.await.unwrap_or(0)
}

#[test]
fn a_task_row_wider_than_the_ones_before_it_does_not_overlap_its_state() {
    let program = Program::new("children").task("p", parent);
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .build_eframe(|cc| PollscopeApp::with_program(&cc.egui_ctx, Settings::default(), program));
    wait_for(&mut harness, "the program's task", |h| {
        h.state().shown_events() > 0
    });
    // Paused, one poll: the frame in which the child's row appears is the one on screen
    // until something else moves.
    harness.get_by_label("Step").click();
    let long = "a child task with a much longer name than any before it";
    wait_for(&mut harness, "the child's row", |h| {
        count(h, " created ") == 1 && h.query_all_by_label_contains(long).count() > 0
    });
    let name = harness
        .query_all_by_label_contains(long)
        .map(|n| n.rect())
        .min_by(|a, b| a.left().total_cmp(&b.left()))
        .unwrap();
    let state = harness.get_by_label(" created ").rect();
    assert!(
        name.right() <= state.left(),
        "the name ({name:?}) runs into its state ({state:?})"
    );
}
