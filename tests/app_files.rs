//! Saving and opening traces in the app: a saved run opens again with the same events and
//! replays without running; a bad file is a message in the status bar, not a crash.

#![cfg(feature = "app")]

mod ui_support;

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use ui_support::{app, count, wait_for};

fn temp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("pollscope-app-{}-{name}", std::process::id()))
}

fn type_path(
    harness: &mut egui_kittest::Harness<'static, pollscope::app::PollscopeApp>,
    path: &str,
) {
    let field = harness.get_by_role_and_label(Role::TextInput, "File (JSON Lines, .jsonl)");
    field.focus();
    harness.run_steps(1);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.run_steps(1);
    harness
        .get_by_role_and_label(Role::TextInput, "File (JSON Lines, .jsonl)")
        .type_text(path);
    harness.run_steps(1);
}

#[test]
fn save_then_open_replays_the_same_run() {
    let path = temp("saved.jsonl");
    let mut harness = app("remote");
    harness.key_press(egui::Key::Space);
    harness.key_press(egui::Key::Space);
    wait_for(&mut harness, "the run to finish", |h| {
        count(h, " completed ") == 1
    });
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::S);
    harness.run_steps(2);
    type_path(&mut harness, path.to_str().unwrap());
    harness.get_by_label("Save").click();
    harness.run_steps(2);
    // Twelve events of the run, and the compiler's state of `outer` after each poll.
    assert!(harness.query_by_label_contains("saved 14 events").is_some());
    let (header, trace) = pollscope::tracefile::load(&path).unwrap();
    assert_eq!(header.program_id(), Some("remote"));
    assert_eq!(trace.len(), 14);

    // A fresh app opens it: same events, nothing runs.
    let mut other = app("lazy");
    other.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::O);
    other.run_steps(2);
    type_path(&mut other, path.to_str().unwrap());
    other.get_by_label("Open").click();
    other.run_steps(3);
    assert!(other.query_by_label_contains("opened").is_some());
    assert_eq!(other.state().shown_events(), 14);
    assert_eq!(count(&other, " completed "), 1);
    assert!(
        other
            .query_by_label_contains("task 0 completed with 25")
            .is_some()
    );
    other.key_press(egui::Key::Space);
    other.run_steps(2);
    assert!(other.query_by_label_contains("nothing runs").is_some());
    assert_eq!(other.state().shown_events(), 14);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn a_bad_file_is_a_message() {
    let path = temp("bad.jsonl");
    std::fs::write(
        &path,
        "{\"format\":\"pollscope-trace\",\"version\":1}\n{not json\n",
    )
    .unwrap();
    let mut harness = app("lazy");
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::O);
    harness.run_steps(2);
    type_path(&mut harness, path.to_str().unwrap());
    harness.get_by_label("Open").click();
    harness.run_steps(2);
    assert!(harness.query_by_label_contains("could not open").is_some());
    assert!(harness.query_by_label_contains("line 2").is_some());
    let _ = std::fs::remove_file(&path);
}

#[test]
fn a_file_with_a_huge_name_opens_cut_with_a_warning() {
    // A 50 MB task name once took the app 12 s and 6.5 GB to paint.
    let path = temp("huge.jsonl");
    let name = "n".repeat(50 << 20);
    std::fs::write(
        &path,
        format!(
            "{{\"format\":\"pollscope-trace\",\"version\":2}}\n\
             {{\"seq\":0,\"t_ns\":10,\"kind\":\"spawn\",\"task\":0,\"name\":\"{name}\"}}\n"
        ),
    )
    .unwrap();
    drop(name);
    let mut harness = app("lazy");
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::O);
    harness.run_steps(2);
    type_path(&mut harness, path.to_str().unwrap());
    harness.get_by_label("Open").click();
    harness.run_steps(2);
    assert!(
        harness
            .query_by_label_contains("1 overlong string cut")
            .is_some()
    );
    assert_eq!(harness.state().shown_events(), 1);
    // What the panels can be given is a name of at most NAME_CAP bytes.
    let (_, trace) = pollscope::tracefile::load(&path).unwrap();
    assert!(
        trace
            .strings
            .iter()
            .all(|s| s.len() <= pollscope::trace::NAME_CAP)
    );
    let _ = std::fs::remove_file(&path);
}
