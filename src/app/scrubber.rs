//! The timeline scrubber: every panel can show the state after any event.

use super::action::Action;

/// Draws the scrubber: back, a slider over the event index, forward, live.
/// `at` is the index shown (`None` = live), `len` the number of events.
pub fn show(ui: &mut egui::Ui, at: Option<usize>, len: usize) -> Option<Action> {
    let mut action = None;
    ui.horizontal(|ui| {
        let shown = at.unwrap_or(len);
        if ui
            .button("Back")
            .on_hover_text("One event back (Left); Home: the start")
            .clicked()
        {
            action = Some(Action::ScrubBy(-1));
        }
        let mut index = shown;
        ui.spacing_mut().slider_width = (ui.available_width() - 380.0).max(120.0);
        let label = ui.label("Event");
        let slider = ui
            .add(egui::Slider::new(&mut index, 0..=len).integer())
            .labelled_by(label.id)
            .on_hover_text("Rewind: every panel shows the state after this many events");
        if slider.changed() {
            action = Some(Action::ScrubTo(Some(index)));
        }
        if ui
            .button("Next")
            .on_hover_text("One event forward (Right); End: live")
            .clicked()
        {
            action = Some(Action::ScrubBy(1));
        }
        let live = at.is_none();
        if ui
            .selectable_label(live, "Live")
            .on_hover_text("Follow the newest event (End)")
            .clicked()
        {
            action = Some(Action::ScrubTo(None));
        }
        if !live {
            ui.colored_label(
                egui::Color32::from_rgb(225, 160, 20),
                format!("rewound: {shown} of {len} events"),
            );
        }
    });
    action
}
