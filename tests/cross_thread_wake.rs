//! A wake from another thread schedules the task and is attributed to that thread.

use pollscope::executor::{Executor, Policy, Step};
use pollscope::trace::{EventKind, History, TaskId, TaskState, WakeSource};
use std::task::Poll;
use std::time::Duration;

#[test]
fn a_named_thread_wakes_the_task() {
    let mut ex = Executor::new(Policy::WakerDriven);
    let mut polled = false;
    ex.spawn(
        "waiter",
        std::future::poll_fn(move |cx| {
            if polled {
                return Poll::Ready("woken");
            }
            polled = true;
            let waker = cx.waker().clone();
            std::thread::Builder::new()
                .name("helper".into())
                .spawn(move || waker.wake())
                .unwrap();
            Poll::Pending
        }),
    );
    let polls = ex.run(Duration::from_secs(30)).unwrap();
    assert_eq!(polls, 2);
    assert_eq!(ex.step(), Step::Done);

    let timeline = History::from_trace(ex.snapshot());
    let trace = timeline.trace();
    let wakes: Vec<_> = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Wake { by } => Some((e.task, by)),
            _ => None,
        })
        .collect();
    assert_eq!(wakes.len(), 1);
    let (task, WakeSource::Thread(name)) = wakes[0] else {
        panic!("{wakes:?}")
    };
    assert_eq!((task, trace.str(name)), (TaskId(0), "helper"));
    let t = timeline.live().task(TaskId(0)).unwrap();
    assert_eq!((t.polls, t.wakes), (2, 1));
    assert!(matches!(t.state, TaskState::Completed(_)));
}

#[test]
fn run_reports_a_stall_instead_of_hanging() {
    let mut ex = Executor::new(Policy::WakerDriven);
    ex.spawn("lost", std::future::pending::<()>());
    let err = ex.run(Duration::from_secs(30)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "stalled: no task can be woken (1 unfinished)"
    );
}

#[test]
fn run_times_out_while_a_waker_is_held_but_never_called() {
    let held = std::sync::Arc::new(std::sync::Mutex::new(None));
    let keep = held.clone();
    let mut ex = Executor::new(Policy::WakerDriven);
    ex.spawn(
        "forgotten",
        std::future::poll_fn(move |cx| {
            *keep.lock().unwrap() = Some(cx.waker().clone());
            Poll::<()>::Pending
        }),
    );
    let err = ex.run(Duration::from_millis(100)).unwrap_err();
    assert_eq!(err, pollscope::executor::RunError::TimedOut { polls: 1 });
    drop(held);
}
