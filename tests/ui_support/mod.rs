//! Shared by the app tests: a harness on a lesson, and waiting for the executor thread.

#![allow(dead_code)]

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use pollscope::app::{PollscopeApp, Settings};
use std::time::{Duration, Instant};

/// The app on `lesson`, in a 1600×1000 window.
pub fn app(lesson: &str) -> Harness<'static, PollscopeApp> {
    let settings = Settings {
        lesson: lesson.to_owned(),
        ..Settings::default()
    };
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .build_eframe(|cc| PollscopeApp::new(&cc.egui_ctx, settings));
    // The executor thread resets the lesson; wait for its first task to show.
    wait_for(&mut harness, "the lesson's tasks", |h| {
        h.query_all_by_label_contains("spawned as").next().is_some()
    });
    wait_for_debug_info(&mut harness);
    harness
}

/// Waits until the debug info of the tasks' futures has been read: the run does not wait
/// for it, so a test that counts the states recorded with each poll does.
pub fn wait_for_debug_info(harness: &mut Harness<'static, PollscopeApp>) {
    wait_for(harness, "the debug info", |h| {
        h.query_by_label_contains("reading debug info").is_none()
    });
}

/// Steps frames until `done` holds; the executor runs on its own thread, so its results
/// arrive between frames. Panics with `what` after 30 s.
pub fn wait_for(
    harness: &mut Harness<'static, PollscopeApp>,
    what: &str,
    done: impl Fn(&Harness<'static, PollscopeApp>) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        harness.step();
        if done(harness) {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// How many nodes carry exactly this label.
pub fn count(harness: &Harness<'static, PollscopeApp>, label: &str) -> usize {
    harness.query_all_by_label(label).count()
}

/// Clicks `entry` in the toolbar's "More" menu.
pub fn menu(harness: &mut Harness<'static, PollscopeApp>, entry: &str) {
    harness.get_by_label("More").click();
    harness.run_steps(2);
    harness.get_by_label_contains(entry).click();
    harness.run_steps(2);
}

/// Picks `policy` (`waker-driven` or `busy-poll`) in the toolbar's policy list.
pub fn pick_policy(harness: &mut Harness<'static, PollscopeApp>, policy: &str) {
    harness
        .get_by_role_and_label(egui::accesskit::Role::ComboBox, "Policy")
        .click();
    harness.run_steps(2);
    harness.get_by_label(policy).click();
    harness.run_steps(2);
}
