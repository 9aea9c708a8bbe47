//! The timeline panel on its own, headless: lanes named for each task and thread, the
//! threads' wakes drawn as arrows into their tasks' lanes, Ctrl + wheel zooming around
//! the pointer, a click rewinding to the moment under it, a name selecting its task, and a
//! double-click fitting the whole trace again.

#![cfg(feature = "app")]

mod trace_kit;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use pollscope::app::Action;
use pollscope::app::View;
use pollscope::app::timeline::{self, TimelineView};
use pollscope::executor::Policy;
use pollscope::lanes::{self, LaneKind, Span, SpanKind};
use pollscope::lens::Lens;
use pollscope::program::{ProgramInfo, Sources};
use pollscope::trace::{EventKind, History, State, TaskId, Trace, WakeSource};

/// What the panel is shown on, and what it asked for.
struct Panel {
    trace: Trace,
    state: State,
    rewound: bool,
    info: ProgramInfo,
    sources: Sources,
    view: TimelineView,
    actions: Vec<Action>,
}

fn harness(trace: Trace) -> Harness<'static, Panel> {
    let state = History::from_trace(trace.clone()).live().clone();
    let panel = Panel {
        trace,
        state,
        rewound: false,
        info: ProgramInfo::default(),
        sources: Sources::default(),
        view: TimelineView::default(),
        actions: Vec::new(),
    };
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1200.0, 700.0))
        // Frames a sixtieth of a second apart, so two clicks can make a double-click.
        .with_step_dt(1.0 / 60.0)
        .build_ui_state(
            |ui, p: &mut Panel| {
                let view = View {
                    program: &p.info,
                    sources: &p.sources,
                    catalog: &[],
                    trace: &p.trace,
                    state: &p.state,
                    selected: None,
                    lens: Lens::Rust,
                    dark: false,
                    presenter: false,
                    now_ns: p.state.t_ns,
                    rewound: p.rewound,
                    loaded: None,
                    message: None,
                    layouts: &[],
                    coro_unavailable: None,
                    python_run: false,
                    tokio_run: false,
                    #[cfg(unix)]
                    twin: None,
                    breakpoints: &[],
                    stalled: false,
                    policy: pollscope::executor::Policy::WakerDriven,
                };
                let actions = timeline::show(ui, &view, &mut p.view);
                p.actions.extend(actions);
            },
            panel,
        );
    harness.run_steps(2);
    harness
}

fn threads() -> Trace {
    trace_kit::run_lesson("threads", Policy::WakerDriven, 1_000)
}

fn press(harness: &mut Harness<'static, Panel>, pos: egui::Pos2, pressed: bool) {
    harness.event(egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: egui::Modifiers::NONE,
    });
}

fn click_at(harness: &mut Harness<'static, Panel>, pos: egui::Pos2) {
    harness.hover_at(pos);
    harness.step();
    press(harness, pos, true);
    press(harness, pos, false);
    harness.step();
}

#[test]
fn every_lane_is_named_and_every_threads_wake_is_an_arrow_into_its_task() {
    let trace = threads();
    let harness = harness(trace.clone());
    let view = &harness.state().view;
    let lanes = view.lanes();
    assert_eq!(lanes.lanes.len(), 9);
    for lane in &lanes.lanes {
        let label = match lane.kind {
            LaneKind::Task(id) => format!("lane task {id} ({})", lane.name),
            _ => format!("lane thread {}", lane.name),
        };
        assert!(harness.query_by_label(&label).is_some(), "{label} missing");
    }
    let mut drawn = 0;
    for arrow in &lanes.arrows {
        let WakeSource::Thread(name) = arrow.by else {
            continue;
        };
        let LaneKind::Task(task) = lanes.lanes[arrow.to_lane].kind else {
            panic!("a wake into a thread's lane");
        };
        let task_name = &lanes.lanes[arrow.to_lane].name;
        let label = format!(
            "arrow: thread {} wakes task {task} ({task_name})",
            trace.str(name)
        );
        let node = harness.get_by_label(&label);
        // The head sits at the wake's time, on the woken task's row, coming from the
        // thread's row (right under it).
        let head = node.rect().center();
        let x = view.x_of(arrow.t_ns).unwrap();
        assert!((head.x - x).abs() < 1.0, "{label}: {head:?} vs x {x}");
        let from = view.lane_y(arrow.from_lane.unwrap()).unwrap();
        let to = view.lane_y(arrow.to_lane).unwrap();
        assert!(from > to, "the thread's row is under its task's");
        assert!(head.y > to && head.y < from, "{label}: head {head:?}");
        drawn += 1;
    }
    assert_eq!(drawn, 4);
}

/// Task 0's first poll.
fn first_poll(view: &TimelineView) -> (usize, Span) {
    let lanes = view.lanes();
    let lane = lanes.task_lane(TaskId(0)).unwrap();
    let span = *lanes.lanes[lane]
        .spans
        .iter()
        .find(|s| matches!(s.kind, SpanKind::Poll { .. }))
        .unwrap();
    (lane, span)
}

#[test]
fn zooming_in_on_a_poll_and_clicking_it_rewinds_to_that_moment() {
    let trace = threads();
    let mut harness = harness(trace.clone());
    let (lane, poll) = first_poll(&harness.state().view);
    let y = harness.state().view.lane_y(lane).unwrap();
    let middle = (poll.start_ns + poll.end_ns) / 2;
    // Ctrl + wheel around the poll until it is wide enough to aim at.
    for _ in 0..40 {
        let view = &harness.state().view;
        let (x0, x1) = (
            view.x_of(poll.start_ns).unwrap(),
            view.x_of(poll.end_ns).unwrap(),
        );
        if x1 - x0 >= 40.0 {
            break;
        }
        let x = view.x_of(middle).unwrap();
        harness.hover_at(egui::pos2(x, y));
        harness.event(egui::Event::Zoom(2.0));
        harness.run_steps(2);
    }
    let view = &harness.state().view;
    let (x0, x1) = (
        view.x_of(poll.start_ns).unwrap(),
        view.x_of(poll.end_ns).unwrap(),
    );
    assert!(x1 - x0 >= 40.0, "zoomed to {x0}..{x1}");
    let (shown_from, shown_to) = view.shown_ns().unwrap();
    assert!(shown_to - shown_from < trace.events.last().unwrap().t_ns / 10);
    let x = (x0 + x1) / 2.0;
    let t = view.time_at(x).unwrap();
    assert!(poll.start_ns <= t && t <= poll.end_ns);

    harness.state_mut().actions.clear();
    click_at(&mut harness, egui::pos2(x, y));
    let clicked = lanes::event_at(&trace, t).unwrap();
    let scrubs: Vec<_> = harness
        .state()
        .actions
        .iter()
        .filter(|a| matches!(a, Action::ScrubTo(_)))
        .cloned()
        .collect();
    assert_eq!(scrubs, [Action::ScrubTo(Some(clicked + 1))]);
    // The clicked moment is inside the poll: its start, or something it did.
    assert!(
        clicked >= poll.event,
        "{clicked} before the poll's {}",
        poll.event
    );
    assert!(trace.events[clicked].t_ns <= poll.end_ns);
    assert!(matches!(
        trace.events[poll.event].kind,
        EventKind::PollStart { .. }
    ));

    // A double-click (well after the click above) shows the whole trace again.
    harness.run_steps(30);
    harness.state_mut().actions.clear();
    for _ in 0..2 {
        press(&mut harness, egui::pos2(x, y), true);
        press(&mut harness, egui::pos2(x, y), false);
    }
    harness.run_steps(2);
    // Its first click rewinds, as any click does; the second fits.
    assert_eq!(
        harness.state().actions,
        [Action::ScrubTo(Some(clicked + 1))]
    );
    let (from, to) = harness.state().view.shown_ns().unwrap();
    assert!(from <= trace.events[0].t_ns);
    assert!(to >= trace.events.last().unwrap().t_ns);
}

#[test]
fn clicking_a_lane_name_selects_its_task() {
    let mut harness = harness(threads());
    harness.get_by_label_contains("lane task 2 (").click();
    harness.run_steps(2);
    assert!(
        harness
            .state()
            .actions
            .contains(&Action::SelectTask(Some(TaskId(2))))
    );
    // A thread's name selects the task that started it.
    harness.state_mut().actions.clear();
    let lanes = harness.state().view.lanes();
    let thread = lanes
        .lanes
        .iter()
        .find(|l| matches!(l.kind, LaneKind::Thread(_)) && l.parent == lanes.task_lane(TaskId(3)))
        .unwrap();
    let label = format!("lane thread {}", thread.name);
    harness.get_by_label(&label).click();
    harness.run_steps(2);
    assert!(
        harness
            .state()
            .actions
            .contains(&Action::SelectTask(Some(TaskId(3))))
    );
}

#[test]
fn a_rewound_blocking_trace_and_an_empty_one_draw() {
    let trace = trace_kit::run_lesson("blocking-sleep", Policy::WakerDriven, 1_000);
    let middle = History::from_trace(trace.clone()).state_at(trace.len() / 2);
    let mut harness = harness(trace);
    harness.state_mut().state = middle;
    harness.state_mut().rewound = true;
    harness.run_steps(2);
    assert!(harness.query_by_label("lane task 1 (sleeper)").is_some());
    // Hovering the blocking poll says so.
    let view = &harness.state().view;
    let lanes = view.lanes();
    let lane = lanes.task_lane(TaskId(1)).unwrap();
    let blocking = lanes.lanes[lane]
        .spans
        .iter()
        .find(|s| matches!(s.kind, SpanKind::Poll { blocking: true, .. }))
        .unwrap();
    let x = view
        .x_of((blocking.start_ns + blocking.end_ns) / 2)
        .unwrap();
    let y = view.lane_y(lane).unwrap();
    harness.hover_at(egui::pos2(x, y));
    harness.run_steps(40);
    assert!(
        harness
            .query_all_by_label_contains("blocking: no other task could run")
            .next()
            .is_some()
    );

    let empty = harness_empty();
    assert!(empty.query_by_label_contains("No tasks yet").is_some());
}

fn harness_empty() -> Harness<'static, Panel> {
    harness(Trace::default())
}
