//! Saving and opening trace files from the app: small path dialogs (no native dialog
//! dependency) and drag-and-drop onto the window.

use super::action::Action;
use std::path::PathBuf;

/// Which dialog is open, with the path being edited.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum FileDialog {
    /// None.
    #[default]
    Closed,
    /// "Save trace as".
    Save(String),
    /// "Open trace".
    Open(String),
    /// "Save timing chart as SVG".
    SaveSvg(String),
}

/// Draws the open dialog, if any; returns what its buttons ask for.
pub fn show(ctx: &egui::Context, dialog: &mut FileDialog) -> Option<Action> {
    let (title, path, verb, kind) = match dialog {
        FileDialog::Closed => return None,
        FileDialog::Save(path) => ("Save trace", path, "Save", "File (JSON Lines, .jsonl)"),
        FileDialog::Open(path) => ("Open trace", path, "Open", "File (JSON Lines, .jsonl)"),
        FileDialog::SaveSvg(path) => ("Save timing chart", path, "Save SVG", "File (.svg)"),
    };
    let mut action = None;
    let mut open = true;
    egui::Window::new(title)
        .open(&mut open)
        .collapsible(false)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            let label = ui.label(kind);
            let edit = ui
                .add(egui::TextEdit::singleline(path).desired_width(420.0))
                .labelled_by(label.id);
            let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            ui.horizontal(|ui| {
                if ui.button(verb).clicked() || enter {
                    let file = PathBuf::from(path.trim());
                    action = Some(match verb {
                        "Save" => Action::SaveTrace(file),
                        "Save SVG" => Action::SaveTimingSvg(file),
                        _ => Action::OpenTrace(file),
                    });
                }
                if ui.button("Cancel").clicked() {
                    action = Some(Action::CloseDialog);
                }
            });
            ui.label("Tip: drop a trace file onto the window to open it.");
        });
    if !open {
        action = Some(Action::CloseDialog);
    }
    action
}

/// A trace file dropped onto the window this frame.
pub fn dropped(ctx: &egui::Context) -> Option<Action> {
    ctx.input(|i| {
        i.raw
            .dropped_files
            .first()
            .map(|f| Action::OpenTrace(f.path().to_owned()))
    })
}
