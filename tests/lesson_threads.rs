//! `threads`: four fetches on worker threads overlap; each task is woken by its thread.

#![cfg(feature = "lessons")]

mod trace_kit;

use pollscope::executor::Policy;
use pollscope::trace::{EventKind, History, TaskState, WakeSource};

fn run(policy: Policy) -> History {
    // Busy polling polls all the while the threads work: allow for it.
    History::from_trace(trace_kit::run_lesson("threads", policy, 50_000_000))
}

#[test]
fn four_threads_overlap_and_the_total_is_the_profile_size() {
    for policy in [Policy::WakerDriven, Policy::BusyPoll] {
        let timeline = run(policy);
        let trace = timeline.trace();
        let kinds: Vec<_> = trace.events.iter().map(|e| e.kind.name()).collect();
        let spawns: Vec<_> = (0..kinds.len())
            .filter(|&i| kinds[i] == "thread_spawn")
            .collect();
        let first_finish = kinds.iter().position(|&k| k == "thread_finish").unwrap();
        assert_eq!(spawns.len(), 4);
        assert!(spawns.iter().all(|&s| s < first_finish), "{policy:?}");

        let state = timeline.live();
        let values: Vec<_> = state
            .tasks
            .iter()
            .map(|t| match t.state {
                TaskState::Completed(v) => trace.str(v).to_owned(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            values,
            ["Ok(14200)", "Ok(49600)", "Ok(21100)", "Ok(10100)", "95000"],
            "{policy:?}"
        );
        assert!(
            state
                .threads
                .iter()
                .all(|t| t.finished.is_some() && t.joined_by.is_some())
        );
        // Each fetch task is woken once, by its own thread.
        for task in &state.tasks[..4] {
            let Some(WakeSource::Thread(name)) = task.last_wake else {
                panic!("{task:?}")
            };
            assert_eq!(trace.str(name), format!("fetch-{}", trace.str(task.name)));
            assert_eq!(task.wakes, 1);
        }
        // The last fetch wakes the total task: a wake from one task to another.
        assert!(matches!(
            state.tasks[4].last_wake,
            Some(WakeSource::Task(_))
        ));
        if policy == Policy::WakerDriven {
            assert!(state.tasks.iter().all(|t| t.polls == 2 && t.wasted == 0));
        }
    }
}

#[test]
fn every_task_is_suspended_on_its_handle_before_any_thread_finishes() {
    let timeline = run(Policy::WakerDriven);
    let trace = timeline.trace();
    let first_finish = trace
        .events
        .iter()
        .position(|e| matches!(e.kind, EventKind::ThreadFinish { .. }))
        .unwrap();
    let state = timeline.state_at(first_finish);
    for task in &state.tasks[..4] {
        assert_eq!(task.state, TaskState::Suspended);
        let point = task.await_point().unwrap();
        assert_eq!(trace.str(trace.point(point).unwrap().label), "handle.await");
    }
}
