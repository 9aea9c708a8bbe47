//! `remote`: a hand-written future, `Pending` once after waking itself, then `Ready(5)`.

#![cfg(feature = "lessons")]

use pollscope::executor::{Outcome, Policy, Step};
use pollscope::lessons;
use pollscope::trace::{History, TaskId, TaskState, WakeSource};

fn run(policy: Policy) -> (Vec<Step>, History) {
    let mut ex = lessons::find("remote")
        .unwrap()
        .program()
        .launch(policy, Vec::new())
        .unwrap()
        .executor;
    let mut steps = Vec::new();
    loop {
        let step = ex.step();
        steps.push(step.clone());
        if !matches!(step, Step::Polled(_)) {
            break;
        }
    }
    (steps, History::from_trace(ex.snapshot()))
}

#[test]
fn two_polls_and_one_self_wake_under_the_waker_policy() {
    let (steps, timeline) = run(Policy::WakerDriven);
    assert_eq!(steps.len(), 3, "{steps:?}");
    let first = steps[0].polled().unwrap();
    let Outcome::Pending { at: Some(site), .. } = first.outcome else {
        panic!("first poll should suspend at Remote: {first:?}")
    };
    assert_eq!(site.label, "Remote");
    assert_eq!(site.file, "src/lessons/remote.rs");
    assert_eq!(
        steps[1].polled().unwrap().outcome,
        Outcome::Ready { value: "25".into() }
    );
    assert_eq!(steps[2], Step::Done);

    let task = timeline.live().task(TaskId(0)).unwrap();
    assert_eq!((task.polls, task.wakes, task.wasted), (2, 1, 0));
    assert_eq!(task.last_wake, Some(WakeSource::SelfWake));
    assert!(matches!(task.state, TaskState::Completed(_)));
}

#[test]
fn the_declared_line_is_where_the_task_suspends() {
    let lesson = lessons::find("remote").unwrap();
    let (steps, _) = run(Policy::WakerDriven);
    let Outcome::Pending { at: Some(site), .. } = steps[0].polled().unwrap().outcome else {
        panic!()
    };
    assert_eq!(lesson.declared_points(), [("Remote", Some(site.line))]);
}

#[test]
fn busy_polling_takes_the_same_two_polls() {
    // The future wakes itself, so busy polling wastes nothing here.
    let (steps, timeline) = run(Policy::BusyPoll);
    assert_eq!(steps.len(), 3);
    assert_eq!(timeline.live().task(TaskId(0)).unwrap().wasted, 0);
}
