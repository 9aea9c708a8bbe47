//! Zoom, theme, lesson, policy and presenter mode survive a restart (eframe storage);
//! damaged stored settings fall back to defaults instead of failing.

#![cfg(feature = "app")]

mod ui_support;

use pollscope::app::Settings;
use std::collections::HashMap;
use ui_support::{app, wait_for};

#[derive(Default)]
struct Memory(HashMap<String, String>);

impl eframe::Storage for Memory {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }
    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }
    fn flush(&mut self) {}
}

#[test]
fn settings_survive_a_restart() {
    let mut harness = app("lazy");
    ui_support::pick_policy(&mut harness, "busy-poll");
    wait_for(&mut harness, "the busy policy", |h| {
        h.state().settings().policy == "busy"
    });
    ui_support::menu(&mut harness, "Light theme");
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Plus);
    harness.run_steps(2);
    let mut storage = Memory::default();
    eframe::App::save(harness.state_mut(), &mut storage);

    let restored = Settings::load(Some(&storage));
    assert_eq!(restored.policy, "busy");
    assert_eq!(restored.lesson, "lazy");
    assert!(!restored.dark);
    assert!((restored.zoom - 1.1).abs() < 1e-4, "{}", restored.zoom);
    assert_eq!(&restored, harness.state().settings());
}

#[test]
fn damaged_settings_fall_back_to_defaults() {
    let mut storage = Memory::default();
    storage
        .0
        .insert("pollscope-settings".into(), "(not: valid ron".into());
    assert_eq!(Settings::load(Some(&storage)), Settings::default());
    let odd = Settings {
        policy: "sometimes".into(),
        lens: "klingon".into(),
        zoom: f32::NAN,
        ..Settings::default()
    };
    assert_eq!(odd.policy(), pollscope::executor::Policy::WakerDriven);
    assert_eq!(odd.lens(), pollscope::lens::Lens::Rust);
    assert_eq!(odd.zoom(), 1.0);
}
