//! The timeline in the app: G opens it under the code; a click on it rewinds every panel to
//! that moment, and a click on a lane's name focuses its task.

#![cfg(feature = "app")]

mod ui_support;

use egui_kittest::kittest::Queryable;
use ui_support::{app, wait_for};

fn click_at(
    harness: &mut egui_kittest::Harness<'static, pollscope::app::PollscopeApp>,
    pos: egui::Pos2,
) {
    harness.event(egui::Event::PointerMoved(pos));
    for pressed in [true, false] {
        harness.event(egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
        harness.step();
    }
    harness.run_steps(2);
}

#[test]
fn a_click_on_the_timeline_rewinds_the_app_to_that_moment() {
    let mut harness = app("threads");
    harness.key_press(egui::Key::G);
    harness.get_by_label("max").click();
    harness.step();
    harness.key_press(egui::Key::Enter);
    wait_for(&mut harness, "the run to finish", |h| {
        h.state().status_text().starts_with("done")
    });
    harness.run_steps(3);
    let total = harness.state().shown_events();
    // Lane names sit left of the lanes; the middle of the first lane is mid-run.
    let name = harness.get_by_label_contains("lane task 0 (").rect();
    let right = harness.ctx.content_rect().right();
    let x = name.right() + (right - name.right()) * 0.5;
    click_at(&mut harness, egui::pos2(x, name.center().y));
    let shown = harness.state().shown_events();
    assert!(
        0 < shown && shown < total,
        "rewound: {shown} of {total} events"
    );
    assert!(
        harness
            .state()
            .status_text()
            .starts_with(&format!("rewound to event {shown} of {total}")),
        "{}",
        harness.state().status_text()
    );
    // A later click goes further on.
    click_at(
        &mut harness,
        egui::pos2(x + (right - x) * 0.5, name.center().y),
    );
    let later = harness.state().shown_events();
    // Not earlier; the same index when both clicks fall in one gap between events (the
    // fetches' wait, whose length varies with the machine's load).
    assert!(
        shown <= later && later <= total,
        "{shown} then {later} of {total}"
    );
    // A lane's name focuses its task.
    harness.get_by_label_contains("lane task 3 (").click();
    harness.run_steps(2);
    assert!(
        harness
            .query_by_label_contains("task 3 (python-forum): ")
            .is_some(),
        "the focused task's line is task 3's"
    );
}
