//! One row, never wrapped at 1024 px and up: the program picker takes the room left by
//! the controls a lesson uses all the time (Step, Run, speed, Reset, policy, lens); the
//! rest sits in the "More" menu, each entry with its key.

use super::action::Action;
use super::settings::Settings;
use super::view::View;
use crate::executor::Policy;
use crate::lens::Lens;
use crate::session::Status;

/// One entry of the "More" menu.
struct Entry {
    label: &'static str,
    key: &'static str,
    /// For switches: whether it is on.
    on: Option<bool>,
    action: Action,
}

/// The menu's entries, each with its key.
fn more_entries(settings: &Settings, open_timing: bool, open_timeline: bool) -> Vec<Entry> {
    let entry = |label, key, on, action| Entry {
        label,
        key,
        on,
        action,
    };
    let theme = if settings.dark {
        "Light theme"
    } else {
        "Dark theme"
    };
    vec![
        entry(
            "Step the focused task",
            "Shift Space",
            None,
            Action::StepTask,
        ),
        entry(
            "Run until a thread wakes a task",
            "W",
            None,
            Action::RunToThreadWake,
        ),
        entry(
            "Breakpoint on the await line",
            "B",
            None,
            Action::ToggleBreakpointHere,
        ),
        entry(
            "Clear breakpoints",
            "Shift B",
            None,
            Action::ClearBreakpoints,
        ),
        entry(
            "Presenter mode",
            "P",
            Some(settings.presenter),
            Action::TogglePresenter,
        ),
        entry("Timeline", "G", Some(open_timeline), Action::ToggleTimeline),
        entry(
            "Stage: the executor drawn",
            "S",
            Some(settings.stage),
            Action::ToggleStage,
        ),
        entry(
            "Reduced motion on the Stage",
            "",
            Some(settings.reduced_motion),
            Action::ToggleReducedMotion,
        ),
        entry(
            "Timing: sequential vs concurrent",
            "T",
            Some(open_timing),
            Action::ToggleTiming,
        ),
        entry(
            "Whole file / lesson code",
            "F",
            None,
            Action::ToggleWholeFile,
        ),
        entry(theme, "", None, Action::ToggleTheme),
        entry("Save trace…", "Ctrl S", None, Action::AskSave),
        entry("Open trace…", "Ctrl O", None, Action::AskOpen),
        entry("Keyboard shortcuts", "F1", None, Action::ToggleHelp),
    ]
}

/// Draws the toolbar.
pub fn show(
    ui: &mut egui::Ui,
    view: &View<'_>,
    settings: &Settings,
    status: &Status,
    open_timing: bool,
    open_timeline: bool,
) -> Vec<Action> {
    let mut actions = Vec::new();
    ui.horizontal(|ui| {
        // Right to left: the fixed controls first, so the picker gets what remains.
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.menu_button("More", |ui| {
                for entry in more_entries(settings, open_timing, open_timeline) {
                    let button = egui::Button::new(entry.label)
                        .shortcut_text(entry.key)
                        .selected(entry.on == Some(true));
                    if ui.add(button).clicked() {
                        actions.push(entry.action);
                        ui.close();
                    }
                }
            })
            .response
            .on_hover_text("Presenter mode, timeline, timing, breakpoints, files, help");
            let lens = settings.lens();
            let (other, title) = match lens {
                Lens::Rust => (Lens::Python, "Rust"),
                Lens::Python => (Lens::Rust, "Python"),
            };
            if ui
                .button(format!("{title} lens"))
                .on_hover_text(
                    "Describe steps in Rust's or Python's words, Python's code beside (L)",
                )
                .clicked()
            {
                actions.push(Action::SetLens(other));
            }
            // A Python script is scheduled by its own code (or asyncio): no policy applies.
            if !view.python_run {
                let policy = settings.policy();
                let combo = egui::ComboBox::from_id_salt("policy")
                    .selected_text(policy.title())
                    .show_ui(ui, |ui| {
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
                    })
                    .response;
                named(&combo, egui::Role::ComboBox, "Policy");
                combo.on_hover_text("Scheduling policy (a change resets)");
            }
            if view.tokio_run {
                let stepped = settings.tokio_stepped;
                if ui
                    .selectable_label(stepped, "Stepped tokio")
                    .on_hover_text(
                        "Every poll of tokio's own tasks waits for Step too: one poll at a \
                         time across the program (needs --cfg tokio_unstable; a change resets)",
                    )
                    .clicked()
                {
                    actions.push(Action::ToggleTokioStepped);
                }
            }
            if ui
                .button("Reset")
                .on_hover_text("Start again with fresh futures (R)")
                .clicked()
            {
                actions.push(Action::Reset);
            }
            let mut max = settings.speed.is_none();
            if ui
                .checkbox(&mut max, "max")
                .on_hover_text("Run as fast as the executor can")
                .changed()
            {
                actions.push(Action::SetSpeed(if max { None } else { Some(2.0) }));
            }
            let mut speed = settings.speed.unwrap_or(1000.0);
            ui.spacing_mut().slider_width = 70.0;
            let slider = egui::Slider::new(&mut speed, 0.5..=100.0)
                .logarithmic(true)
                .suffix("/s")
                .max_decimals(1);
            if ui
                .add_enabled(!max, slider)
                .on_hover_text("Polls per second when running")
                .changed()
            {
                actions.push(Action::SetSpeed(Some(speed)));
            }
            let run = if status.running { "Pause" } else { "Run" };
            if ui
                .button(run)
                .on_hover_text("Poll continuously at the speed set (Enter, F5)")
                .clicked()
            {
                actions.push(Action::ToggleRun);
            }
            if ui
                .button("Step")
                .on_hover_text("Poll one task once (Space, F10); the focused task: Shift Space")
                .clicked()
            {
                actions.push(Action::Step);
            }
            ui.separator();
            ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
                picker(ui, view, &mut actions);
            });
        });
    });
    actions
}

/// The lesson (or program) picker, as wide as the room left.
fn picker(ui: &mut egui::Ui, view: &View<'_>, actions: &mut Vec<Action>) {
    let shown = view.program;
    let title = format!("{} — {}", shown.id, shown.display_title());
    if view.catalog.len() <= 1 {
        let title = crate::text::line(shown.display_title());
        ui.add(egui::Label::new(egui::RichText::new(title).strong()).truncate())
            .on_hover_text(crate::text::line_owned(format!("program {}", shown.id)));
        return;
    }
    let width = ui.available_width().clamp(120.0, 220.0);
    let combo = egui::ComboBox::from_id_salt("lesson")
        // The id only: the title is the heading over the code, in full.
        .selected_text(crate::text::line(&shown.id))
        .width(width)
        .truncate()
        .show_ui(ui, |ui| {
            for (i, program) in view.catalog.iter().enumerate() {
                let info = program.info();
                let text = match &info.origin {
                    Some(origin) => format!("{} — {}  (exp. {origin})", info.id, info.title),
                    None => format!("{} — {}", info.id, info.display_title()),
                };
                let text = crate::text::line_owned(text);
                if ui.selectable_label(info.id == shown.id, text).clicked() && info.id != shown.id {
                    actions.push(Action::SelectProgram(i));
                }
            }
        })
        .response;
    named(&combo, egui::Role::ComboBox, "Lesson");
    combo.on_hover_text(crate::text::line_owned(format!("Lesson: {title}")));
}

/// Names a control that shows no label of its own, for screen readers (and the UI tests).
fn named(response: &egui::Response, role: egui::Role, name: &str) {
    response.widget_info(|| egui::WidgetInfo::labeled(role, true, name));
}
