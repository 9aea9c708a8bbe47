//! The Stage panel: the executor drawn. The queue it shows is the order the executor
//! polls in; a parked task points at the thread holding its waker; a task whose waker
//! nobody holds is drawn stalled; it fits a projector in presenter mode for every lesson.

#![cfg(feature = "app")]

mod ui_support;

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use pollscope::app::{PollscopeApp, Settings};
use pollscope::trace::EventKind;
use ui_support::wait_for;

/// The app on `lesson` with the Stage open.
fn stage_app(lesson: &str, size: (f32, f32), presenter: bool) -> Harness<'static, PollscopeApp> {
    let settings = Settings {
        lesson: lesson.to_owned(),
        stage: true,
        presenter,
        ..Settings::default()
    };
    let mut harness = Harness::builder()
        .with_size(egui::vec2(size.0, size.1))
        .build_eframe(|cc| PollscopeApp::new(&cc.egui_ctx, settings));
    wait_for(&mut harness, "the lesson's tasks", |h| {
        h.state().shown_events() > 0
    });
    harness
}

/// The labels of the Stage's cards (`NAME: NOTE`).
fn cards(harness: &Harness<'static, PollscopeApp>) -> Vec<String> {
    harness
        .query_all_by_role(egui::accesskit::Role::Button)
        .filter_map(|n| n.accesskit_node().label())
        .filter(|l| l.contains(": "))
        .collect()
}

/// The ready queue as the Stage shows it: task numbers, first in line first.
fn queue(harness: &Harness<'static, PollscopeApp>) -> Vec<u32> {
    let mut numbered: Vec<(u32, u32)> = cards(harness)
        .iter()
        .filter_map(|l| {
            let (title, note) = l.split_once(": ")?;
            let place: u32 = note.strip_prefix('#')?.split(' ').next()?.parse().ok()?;
            let task: u32 = title.split(' ').next()?.parse().ok()?;
            Some((place, task))
        })
        .collect();
    numbered.sort_unstable();
    numbered.into_iter().map(|(_, t)| t).collect()
}

/// One Step, and the frames until its poll is in the trace.
fn step(harness: &mut Harness<'static, PollscopeApp>) {
    let polls = |h: &Harness<'static, PollscopeApp>| {
        h.state()
            .trace()
            .events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::PollEnd { .. }))
            .count()
    };
    let before = polls(harness);
    harness.get_by_label("Step").click();
    wait_for(harness, "the step's poll", |h| polls(h) > before);
    harness.run_steps(2);
}

#[test]
fn event_loops_queue_on_stage_is_the_order_the_executor_polls_in() {
    let mut harness = stage_app("event-loop", (1600.0, 1000.0), false);
    harness.run_steps(2);
    let mut seen: Vec<(usize, Vec<u32>)> = Vec::new();
    // Three tasks, four polls each.
    for _ in 0..12 {
        seen.push((harness.state().shown_events(), queue(&harness)));
        step(&mut harness);
    }
    let trace = harness.state().trace().clone();
    let polls: Vec<(usize, u32)> = trace
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e.kind, EventKind::PollStart { .. }))
        .map(|(i, e)| (i, e.task.0))
        .collect();
    // Three tasks round-robin: the queue starts 0, 1, 2 and is never empty before the end.
    assert_eq!(seen[0].1, vec![0, 1, 2]);
    for (index, shown) in &seen {
        // What is in the queue is polled next, in that order: new wakes go behind it.
        let next: Vec<u32> = polls
            .iter()
            .filter(|(i, _)| i >= index)
            .take(shown.len())
            .map(|&(_, t)| t)
            .collect();
        assert_eq!(&next, shown, "at event {index}");
    }
    assert!(
        seen.iter().filter(|(_, q)| q.len() == 3).count() >= 9,
        "{seen:?}"
    );
}

#[test]
fn a_parked_threads_task_points_at_the_thread_holding_its_waker() {
    let mut harness = stage_app("threads", (1600.0, 1000.0), false);
    // Each task's first poll starts its thread and parks on the handle.
    for _ in 0..5 {
        step(&mut harness);
    }
    wait_for(&mut harness, "a task parked on its thread", |h| {
        cards(h)
            .iter()
            .any(|l| l.contains("waker held by thread fetch-"))
    });
    let labels = cards(&harness);
    let parked = labels
        .iter()
        .find(|l| l.contains("waker held by thread fetch-"))
        .cloned()
        .unwrap_or_default();
    let thread = parked
        .rsplit("waker held by thread ")
        .next()
        .unwrap_or_default()
        .to_owned();
    // The holder has a card of its own, the arrow's other end.
    assert!(
        labels
            .iter()
            .any(|l| l.starts_with(&format!("thread {thread}: "))),
        "{parked} -> {thread} in {labels:?}"
    );
    let from = harness.get_by_label(&parked).rect();
    let to = harness
        .get_by_label_contains(&format!("thread {thread}: "))
        .rect();
    assert!(
        to.top() > from.bottom(),
        "the holders' row is below the parked row"
    );
}

#[test]
fn lost_wakers_task_is_drawn_stalled_with_nobody_holding_its_waker() {
    let mut harness = stage_app("lost-waker", (1600.0, 1000.0), false);
    step(&mut harness);
    wait_for(&mut harness, "the stalled card", |h| {
        cards(h)
            .iter()
            .any(|l| l.contains("STALLED — waker held by nobody"))
    });
    assert!(
        harness
            .query_by_label_contains("executor loop, at: if no_waker_held()")
            .is_some()
    );
    assert!(
        harness
            .query_by_label_contains("stalled: the queue is empty and nobody holds")
            .is_some()
    );
}

#[test]
fn every_lessons_stage_fits_beside_its_code_at_1280_by_720_in_presenter_mode() {
    for lesson in pollscope::lessons::all() {
        let mut harness = stage_app(lesson.id, (1280.0, 720.0), true);
        for _ in 0..6 {
            harness.get_by_label("Step").click();
            harness.run_steps(3);
        }
        harness.run_steps(4);
        let code = harness.get_by_label_contains("lesson code").rect();
        let window = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1280.0, 720.0));
        let cards: Vec<egui::Rect> = harness
            .query_all_by_role(egui::accesskit::Role::Button)
            .filter(|n| n.accesskit_node().label().is_some_and(|l| l.contains(": ")))
            .map(|n| n.rect())
            .collect();
        assert!(!cards.is_empty(), "{}: no cards", lesson.id);
        for card in cards {
            // Inside the window (no scrolling) and right of the code.
            assert!(window.contains_rect(card), "{}: {card:?}", lesson.id);
            assert!(card.left() > code.left(), "{}", lesson.id);
        }
    }
}
