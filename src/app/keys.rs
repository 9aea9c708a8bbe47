//! Keyboard first: every command has a key, read before any widget can take it.

use super::action::Action;
use egui::{Key, Modifiers};

/// The shortcuts, for tooltips and the help overlay.
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("Space / F10", "step: poll one task once"),
    (
        "Shift Space / F11",
        "step the focused task: run until it is polled once more",
    ),
    ("W", "run until a thread wakes a task"),
    ("Enter / F5", "run / pause"),
    (
        "B",
        "breakpoint on the focused task's await line (or click a line number)",
    ),
    ("Shift B", "clear every breakpoint"),
    ("F", "the lesson's code / the whole file"),
    ("R", "reset: start again with fresh futures"),
    ("L", "switch lens: Rust / Python"),
    ("P", "presenter mode"),
    ("O", "the program's output in the log / every event"),
    ("T", "timing panel: sequential vs concurrent"),
    (
        "G",
        "timeline: a lane per task and thread, wake arrows; click to rewind",
    ),
    (
        "S",
        "stage: the ready queue, the poll, parked tasks and who holds their wakers",
    ),
    ("Ctrl + / Ctrl − / Ctrl 0", "zoom in / out / reset"),
    ("Up / Down", "select the previous / next task"),
    ("Left / Right", "rewind / replay one event"),
    ("Home / End", "the first event / live"),
    (
        "Ctrl S / Ctrl O",
        "save / open a trace file (or drop one on the window)",
    ),
    ("F1 or ?", "this help"),
];

/// Consumes this frame's shortcut presses and returns what they ask for. Consuming them
/// keeps a focused button from also reacting to Space or Enter.
pub fn read(ctx: &egui::Context) -> Vec<Action> {
    let mut actions = Vec::new();
    if ctx.text_edit_focused() {
        return actions;
    }
    ctx.input_mut(|i| {
        // Before the plain keys: a plain pattern also matches the key with Shift held.
        if i.consume_key(Modifiers::SHIFT, Key::Space) {
            actions.push(Action::StepTask);
        }
        if i.consume_key(Modifiers::SHIFT, Key::B) {
            actions.push(Action::ClearBreakpoints);
        }
        let plain = [
            (Key::Space, Action::Step),
            (Key::F10, Action::Step),
            (Key::F11, Action::StepTask),
            (Key::W, Action::RunToThreadWake),
            (Key::B, Action::ToggleBreakpointHere),
            (Key::F, Action::ToggleWholeFile),
            (Key::Enter, Action::ToggleRun),
            (Key::F5, Action::ToggleRun),
            (Key::R, Action::Reset),
            (Key::L, Action::ToggleLens),
            (Key::P, Action::TogglePresenter),
            (Key::O, Action::ToggleOutput),
            (Key::T, Action::ToggleTiming),
            (Key::G, Action::ToggleTimeline),
            (Key::S, Action::ToggleStage),
            (Key::ArrowLeft, Action::ScrubBy(-1)),
            (Key::ArrowRight, Action::ScrubBy(1)),
            (Key::Home, Action::ScrubTo(Some(0))),
            (Key::End, Action::ScrubTo(None)),
            (Key::ArrowUp, Action::MoveSelection(-1)),
            (Key::ArrowDown, Action::MoveSelection(1)),
            (Key::F1, Action::ToggleHelp),
            (Key::Questionmark, Action::ToggleHelp),
        ];
        for (key, action) in plain {
            if i.consume_key(Modifiers::NONE, key) && !actions.contains(&action) {
                actions.push(action);
            }
        }
        if i.consume_key(Modifiers::SHIFT, Key::Questionmark) {
            actions.push(Action::ToggleHelp);
        }
        if i.consume_key(Modifiers::COMMAND, Key::Plus)
            | i.consume_key(Modifiers::COMMAND, Key::Equals)
        {
            actions.push(Action::Zoom(Some(1.1)));
        }
        if i.consume_key(Modifiers::COMMAND, Key::Minus) {
            actions.push(Action::Zoom(Some(1.0 / 1.1)));
        }
        if i.consume_key(Modifiers::COMMAND, Key::Num0) {
            actions.push(Action::Zoom(None));
        }
        if i.consume_key(Modifiers::COMMAND, Key::S) {
            actions.push(Action::AskSave);
        }
        if i.consume_key(Modifiers::COMMAND, Key::O) {
            actions.push(Action::AskOpen);
        }
    });
    actions
}
