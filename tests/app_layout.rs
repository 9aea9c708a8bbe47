//! Room for the code: the toolbar stays on one row at 1024 px and up, in presenter mode
//! too; below 1500 px (and in presenter mode) the side panels fold into tabs, so the code
//! keeps most of the width.

#![cfg(feature = "app")]

mod ui_support;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use pollscope::app::{PollscopeApp, Settings};

fn app_at(width: f32, height: f32, presenter: bool) -> Harness<'static, PollscopeApp> {
    let settings = Settings {
        lesson: "threads".to_owned(),
        presenter,
        ..Settings::default()
    };
    let mut harness = Harness::builder()
        .with_size(egui::vec2(width, height))
        .build_eframe(|cc| PollscopeApp::new(&cc.egui_ctx, settings));
    ui_support::wait_for(&mut harness, "the lesson's tasks", |h| {
        h.state().shown_events() > 0
    });
    harness
}

/// The toolbar's controls, as laid out.
fn toolbar(harness: &Harness<'static, PollscopeApp>) -> Vec<(&'static str, egui::Rect)> {
    let role = egui::accesskit::Role::ComboBox;
    let mut rects = vec![
        (
            "Lesson",
            harness.get_by_role_and_label(role, "Lesson").rect(),
        ),
        (
            "Policy",
            harness.get_by_role_and_label(role, "Policy").rect(),
        ),
    ];
    for label in ["Step", "Run", "max", "Reset", "Rust lens", "More"] {
        rects.push((label, harness.get_by_label(label).rect()));
    }
    rects
}

#[test]
fn the_toolbar_is_one_row_at_1024_px_in_both_modes() {
    for presenter in [false, true] {
        let mut harness = app_at(1024.0, 700.0, presenter);
        harness.run_steps(3);
        let rects = toolbar(&harness);
        let (_, step) = rects[2];
        for (label, rect) in &rects {
            // One row: every control straddles the Step button's middle line...
            assert!(
                rect.top() < step.center().y && step.center().y < rect.bottom(),
                "presenter {presenter}: {label} at {rect:?}, Step at {step:?}"
            );
            // ...and lies inside the window, none on top of another.
            assert!(
                rect.left() >= 0.0 && rect.right() <= 1024.0,
                "{label} {rect:?}"
            );
        }
        for (i, (a, ra)) in rects.iter().enumerate() {
            for (b, rb) in &rects[i + 1..] {
                assert!(
                    !ra.intersects(*rb),
                    "presenter {presenter}: {a} overlaps {b}"
                );
            }
        }
    }
}

#[test]
fn narrow_and_presenter_windows_fold_the_side_panels_into_tabs() {
    for (width, presenter, tabs) in [
        (1280.0, true, true),
        (1280.0, false, true),
        (1920.0, true, true),
        (1920.0, false, false),
    ] {
        let harness = app_at(width, 800.0, presenter);
        // The "Log" tab exists only when folded (unfolded, the panel is "Event log").
        let tab = harness.query_by_label("Log").map(|n| n.rect());
        assert_eq!(tab.is_some(), tabs, "{width} px, presenter {presenter}");
        if let Some(tab) = tab {
            // The tabs sit in the right third: the code has the rest.
            assert!(tab.left() > width * 0.6, "{width}: {tab:?}");
        }
    }
}

#[test]
fn a_narrow_task_panel_lists_each_task_whole_on_three_lines() {
    let settings = Settings {
        lesson: "threads".to_owned(),
        presenter: true,
        lens: "python".to_owned(),
        ..Settings::default()
    };
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 720.0))
        .build_eframe(|cc| PollscopeApp::new(&cc.egui_ctx, settings));
    ui_support::wait_for(&mut harness, "the lesson's tasks", |h| {
        h.state().shown_events() > 0
    });
    harness.run_steps(3);
    // Name, state and counts each on a line of their own, none cut by the panel's edge.
    let name = harness.get_by_label("0 google").rect();
    let state = harness
        .get_all_by_label(" CORO_CREATED ")
        .next()
        .unwrap()
        .rect();
    let counts = harness
        .get_all_by_label("polls 0 · wakes 0 · wasted 0")
        .next()
        .unwrap()
        .rect();
    assert!(name.bottom() <= state.top() && state.bottom() <= counts.top());
    let right = harness.ctx.content_rect().right();
    for rect in [name, state, counts] {
        assert!(rect.right() <= right, "{rect:?} inside the window");
    }
}

#[test]
fn a_long_code_line_wraps_instead_of_being_cut() {
    // At 1280 px in presenter mode, threads' line 32 (a comment) is longer than the code
    // panel: it takes more than one row, so the next line number sits further down.
    let harness = app_at(1280.0, 720.0, true);
    let source = pollscope::lessons::find("threads").unwrap().source;
    let long = source
        .lines()
        .position(|l| l.contains("// The last page in: wake the task waiting for the total."))
        .unwrap() as u32
        + 1;
    let top = |n: u32| harness.get_by_label(&format!("line {n}")).rect().top();
    let row = top(long) - top(long - 1);
    assert!(row > 0.0);
    let wrapped = top(long + 1) - top(long);
    assert!(
        wrapped >= 1.9 * row,
        "line {long} takes {wrapped} px, a row is {row} px"
    );
}
