//! Program picker (the lessons, or the user's program), Step, Run/Pause with speed,
//! Reset, policy, lens, presenter, theme.

use super::{Action, Settings, View};
use crate::executor::Policy;
use crate::lens::Lens;
use crate::session::Status;

/// Draws the toolbar.
pub fn show(
    ui: &mut egui::Ui,
    view: &View<'_>,
    settings: &Settings,
    status: &Status,
    open_timing: bool,
) -> Vec<Action> {
    let mut actions = Vec::new();
    ui.horizontal_wrapped(|ui| {
        let shown = view.program;
        if view.catalog.len() > 1 {
            let label = ui.label("Lesson");
            egui::ComboBox::from_id_salt("lesson")
                .selected_text(format!("{} — {}", shown.id, shown.display_title()))
                .width(300.0)
                .show_ui(ui, |ui| {
                    for (i, program) in view.catalog.iter().enumerate() {
                        let info = program.info();
                        let text = match &info.origin {
                            Some(origin) => {
                                format!("{} — {}  (exp. {origin})", info.id, info.title)
                            }
                            None => format!("{} — {}", info.id, info.display_title()),
                        };
                        if ui.selectable_label(info.id == shown.id, text).clicked()
                            && info.id != shown.id
                        {
                            actions.push(Action::SelectProgram(i));
                        }
                    }
                })
                .response
                .labelled_by(label.id);
        } else {
            ui.strong(shown.display_title())
                .on_hover_text(format!("program {}", shown.id));
        }
        ui.separator();
        if ui
            .button("Step")
            .on_hover_text("Poll one task once (Space, F10)")
            .clicked()
        {
            actions.push(Action::Step);
        }
        let run = if status.running { "Pause" } else { "Run" };
        if ui
            .button(run)
            .on_hover_text("Poll continuously at the speed set (Enter, F5)")
            .clicked()
        {
            actions.push(Action::ToggleRun);
        }
        ui.spacing_mut().slider_width = 90.0;
        let mut max = settings.speed.is_none();
        let mut speed = settings.speed.unwrap_or(1000.0);
        let slider = egui::Slider::new(&mut speed, 0.5..=100.0)
            .logarithmic(true)
            .suffix(" polls/s")
            .max_decimals(1);
        if ui
            .add_enabled(!max, slider)
            .on_hover_text("Polls per second when running")
            .changed()
        {
            actions.push(Action::SetSpeed(Some(speed)));
        }
        if ui
            .checkbox(&mut max, "max")
            .on_hover_text("Run as fast as the executor can")
            .changed()
        {
            actions.push(Action::SetSpeed(if max { None } else { Some(2.0) }));
        }
        if ui
            .button("Reset")
            .on_hover_text("Start again with fresh futures (R)")
            .clicked()
        {
            actions.push(Action::Reset);
        }
        ui.separator();
        let policy = settings.policy();
        for (p, hint) in [
            (
                Policy::WakerDriven,
                "Poll only woken tasks (a real executor)",
            ),
            (
                Policy::BusyPoll,
                "Poll every task round-robin: while True: coro.send(None)",
            ),
        ] {
            if ui
                .selectable_label(policy == p, p.title())
                .on_hover_text(hint)
                .clicked()
                && policy != p
            {
                actions.push(Action::SetPolicy(p));
            }
        }
        ui.separator();
        let lens = settings.lens();
        for (l, title) in [(Lens::Rust, "Rust"), (Lens::Python, "Python")] {
            if ui
                .selectable_label(lens == l, title)
                .on_hover_text("Describe steps in Rust's or Python's words (L)")
                .clicked()
            {
                actions.push(Action::SetLens(l));
            }
        }
        ui.separator();
        if ui
            .selectable_label(settings.presenter, "Presenter")
            .on_hover_text("Large, high-contrast text for projectors (P)")
            .clicked()
        {
            actions.push(Action::TogglePresenter);
        }
        let theme = if settings.dark {
            "Light theme"
        } else {
            "Dark theme"
        };
        if ui.button(theme).clicked() {
            actions.push(Action::ToggleTheme);
        }
        if ui
            .selectable_label(open_timing, "Timing")
            .on_hover_text("Sequential vs concurrent fetches, measured live (T)")
            .clicked()
        {
            actions.push(Action::ToggleTiming);
        }
        if ui
            .button("Help")
            .on_hover_text("Keyboard shortcuts (F1 or ?)")
            .clicked()
        {
            actions.push(Action::ToggleHelp);
        }
    });
    actions
}
