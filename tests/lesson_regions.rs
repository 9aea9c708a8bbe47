//! Every lesson marks the code a learner reads, and the source panel shows it: the region
//! holds every await point of the lesson (so no highlighted line is ever hidden), and
//! leaves the imports and the `LESSON` metadata out; F shows the whole file.

#![cfg(feature = "app")]

mod ui_support;

use egui_kittest::kittest::Queryable;
use pollscope::lessons;
use pollscope::program::region::region;

#[test]
fn every_lesson_marks_a_region_holding_all_its_await_points() {
    for lesson in lessons::all() {
        let marked = region(lesson.source)
            .unwrap_or_else(|| panic!("{}: no // pollscope:begin marker", lesson.id));
        for (i, line) in lesson.source.lines().enumerate() {
            let number = i as u32 + 1;
            if line.contains(".at(\"") {
                assert!(
                    marked.contains(number),
                    "{}: line {number} is hidden",
                    lesson.id
                );
            }
            if line.starts_with("use ") || line.starts_with("pub(super) const LESSON") {
                assert!(
                    !marked.contains(number),
                    "{}: line {number} is shown",
                    lesson.id
                );
            }
        }
    }
}

#[test]
fn the_source_panel_shows_the_region_and_f_shows_the_whole_file() {
    let mut harness = ui_support::app("threads");
    let source = lessons::find("threads").unwrap().source;
    let marked = region(source).unwrap();
    let shown = |h: &egui_kittest::Harness<'static, pollscope::app::PollscopeApp>, n: u32| {
        h.query_by_label(&format!("line {n}")).is_some()
    };
    assert!(shown(&harness, marked.first));
    assert!(!shown(&harness, 1), "the imports are out of the way");
    assert!(
        !shown(&harness, marked.first - 1),
        "the marker line itself is not shown"
    );
    harness.key_press(egui::Key::F);
    harness.run_steps(2);
    assert!(shown(&harness, 1), "the whole file");
    harness.get_by_label("whole file").click();
    harness.run_steps(2);
    assert!(!shown(&harness, 1), "back to the lesson's code");
}
