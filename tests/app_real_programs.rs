//! The app on programs of real shape, stepped to their end headless: the moved-strings
//! fixture (tests/fixtures/moved/: strings moved into awaited futures and freed there,
//! one of 64 MiB that the allocator unmaps) shows each held string as its text or as
//! moved, never as freed bytes; and, with the `tokio` feature, the tokio fixture
//! (tests/fixtures/tokio-app/: a TCP server and three clients on a tokio runtime) runs to
//! its end with its locals shown.

#![cfg(feature = "app")]

mod ui_support;

#[path = "fixtures/moved/program.rs"]
mod moved;

#[cfg(feature = "tokio")]
#[path = "fixtures/tokio-app/src/program.rs"]
mod tokio_app;

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use pollscope::Program;
use pollscope::app::{PollscopeApp, Settings};
use std::collections::BTreeSet;
use ui_support::{count, wait_for, wait_for_debug_info};

/// The app on `program`, its debug info read.
fn harness(program: Program) -> Harness<'static, PollscopeApp> {
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .build_eframe(|cc| PollscopeApp::with_program(&cc.egui_ctx, Settings::default(), program));
    wait_for(&mut harness, "the program's tasks", |h| {
        h.query_all_by_label_contains("spawned as").next().is_some()
    });
    wait_for_debug_info(&mut harness);
    harness
}

/// Every label on screen now.
fn labels(harness: &Harness<'static, PollscopeApp>) -> Vec<String> {
    harness
        .query_all_by(|node| node.label().is_some())
        .filter_map(|node| node.accesskit_node().label())
        .collect()
}

/// The value each `NAME: String = VALUE` in `label` shows.
fn string_values(label: &str) -> Vec<&str> {
    label
        .match_indices(": String = ")
        .map(|(at, sep)| {
            let rest = &label[at + sep.len()..];
            rest.split("; ").next().unwrap_or(rest)
        })
        .collect()
}

/// Steps (Space) until `tasks` tasks have completed, handing each frame's labels to `each`.
fn step_to_the_end(
    harness: &mut Harness<'static, PollscopeApp>,
    tasks: usize,
    mut each: impl FnMut(&[String]),
) {
    for _ in 0..200 {
        if count(harness, " completed ") == tasks {
            return;
        }
        let before = harness.state().shown_events();
        harness.key_press(egui::Key::Space);
        wait_for(harness, "a step", |h| {
            h.state().shown_events() > before || count(h, " completed ") == tasks
        });
        wait_for_debug_info(harness);
        // Each task focused in turn: the state-machine panel lists its locals.
        for _ in 0..tasks {
            harness.key_press(egui::Key::ArrowDown);
            harness.run_steps(1);
            each(&labels(harness));
        }
    }
    panic!("the program did not finish in 200 steps");
}

#[test]
fn the_moved_strings_fixture_steps_to_its_end_showing_texts_or_moved_never_freed_bytes() {
    let live = [
        "\"kept across awaits\"",
        "\"handed over\"",
        "\"thirty bytes, moved and freed!\"",
        "\"borrowed, then moved away\"",
        "\"lent, not moved\"",
    ];
    let mut harness = harness(moved::program());
    let mut seen: BTreeSet<String> = BTreeSet::new();
    step_to_the_end(&mut harness, 6, |labels| {
        for label in labels {
            for value in string_values(label) {
                assert!(
                    live.iter().any(|l| value.starts_with(l)),
                    "a string shows {value:?}, not a live text, in {label:?}"
                );
                seen.insert(value.to_owned());
            }
            if label.contains("may be moved") {
                seen.insert("may be moved".to_owned());
            }
        }
    });
    assert!(
        seen.contains("may be moved"),
        "moved strings are marked: {seen:?}"
    );
    assert!(
        seen.iter().any(|v| v.starts_with("\"kept across awaits\"")),
        "a live string's text is shown: {seen:?}"
    );
    assert!(
        harness.state().status_text().contains("done"),
        "{}",
        harness.state().status_text()
    );
}

#[cfg(feature = "tokio")]
#[test]
fn the_tokio_fixture_steps_to_its_end_with_its_locals_shown() {
    let mut harness = harness(tokio_app::program());
    let mut addresses = 0;
    let mut moved = 0;
    // With tokio's task hooks (`--cfg tokio_unstable`) the three connection handlers the
    // server spawns are tasks of the trace too.
    let tasks = if cfg!(tokio_unstable) { 7 } else { 4 };
    step_to_the_end(&mut harness, tasks, |labels| {
        for label in labels {
            for value in string_values(label) {
                assert!(
                    value.starts_with('"') && !value.contains('\u{fffd}'),
                    "a string shows {value:?} in {label:?}"
                );
                if value.starts_with("\"127.0.0.1:") {
                    addresses += 1;
                }
            }
            if label.contains("addr: String (24 bytes, may be moved)") {
                moved += 1;
            }
        }
    });
    assert!(
        addresses > 0,
        "a client's address is shown while it connects"
    );
    assert!(
        moved > 0,
        "the address moved into `connect` is marked in the caller"
    );
    assert!(
        harness.state().status_text().contains("done"),
        "{}",
        harness.state().status_text()
    );
}

#[cfg(feature = "tokio")]
#[test]
fn the_stepped_tokio_switch_resets_into_a_run_where_tokios_polls_wait_for_step() {
    let mut harness = harness(tokio_app::program());
    harness.get_by_label("Stepped tokio").click();
    harness.run_steps(2);
    if cfg!(tokio_unstable) {
        // Every task, tokio's handlers included, finishes one poll per step.
        step_to_the_end(&mut harness, 7, |_| {});
        assert!(
            harness.state().status_text().contains("done"),
            "{}",
            harness.state().status_text()
        );
    } else {
        wait_for(&mut harness, "the reason it cannot step tokio", |h| {
            h.state().status_text().contains("--cfg tokio_unstable")
        });
    }
}
