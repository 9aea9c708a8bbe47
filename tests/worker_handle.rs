//! Thread handles as futures: started at creation, woken once by their thread, panics
//! become error values; and the original's blocking join.

use pollscope::AtExt;
use pollscope::executor::{Executor, Policy, Step};
use pollscope::trace::{EventKind, History, TaskId, ThreadOutcome, WakeSource};
use pollscope::worker::{self, ThreadError};
use std::time::Duration;

fn run(ex: &mut Executor) -> History {
    ex.run(Duration::from_secs(30))
        .expect("the lesson finishes");
    History::from_trace(ex.snapshot())
}

#[test]
fn a_worker_wakes_its_task_exactly_once_as_its_thread() {
    let mut ex = Executor::new(Policy::WakerDriven);
    ex.spawn("waiter", async {
        let handle = worker::spawn("sleeper", || {
            std::thread::sleep(Duration::from_millis(50));
            Ok::<_, String>(7)
        });
        handle.at("handle.await").await
    });
    let timeline = run(&mut ex);
    let trace = timeline.trace();
    let wakes: Vec<_> = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Wake { by } => Some(by),
            _ => None,
        })
        .collect();
    assert_eq!(wakes.len(), 1, "{wakes:?}");
    let WakeSource::Thread(name) = wakes[0] else {
        panic!("{wakes:?}")
    };
    assert_eq!(trace.str(name), "sleeper");

    let kinds: Vec<_> = trace.events.iter().map(|e| e.kind.name()).collect();
    let spawn = kinds.iter().position(|&k| k == "thread_spawn").unwrap();
    let finish = kinds.iter().position(|&k| k == "thread_finish").unwrap();
    let wake = kinds.iter().position(|&k| k == "wake").unwrap();
    let join = kinds.iter().position(|&k| k == "thread_join").unwrap();
    assert!(spawn < finish && finish < wake && wake < join, "{kinds:?}");

    let state = timeline.live();
    let task = state.task(TaskId(0)).unwrap();
    assert_eq!((task.polls, task.wakes), (2, 1));
    assert_eq!(
        trace.str(match task.state {
            pollscope::trace::TaskState::Completed(v) => v,
            other => panic!("{other:?}"),
        }),
        "Ok(7)"
    );
    let thread = &state.threads[0];
    assert_eq!(trace.str(thread.name), "sleeper");
    assert_eq!(thread.task, TaskId(0));
    assert_eq!(thread.joined_by, Some(TaskId(0)));
    let (outcome, duration) = thread.finished.unwrap();
    assert_eq!(outcome, ThreadOutcome::Ok);
    assert!(duration >= 50_000_000, "{duration}");
}

#[test]
fn a_panicking_thread_becomes_an_error_value() {
    let mut ex = Executor::new(Policy::WakerDriven);
    ex.spawn("waiter", async {
        worker::spawn("doomed", || -> Result<u8, String> {
            panic!("thread blew up")
        })
        .await
    });
    let timeline = run(&mut ex);
    let trace = timeline.trace();
    let value = match timeline.live().task(TaskId(0)).unwrap().state {
        pollscope::trace::TaskState::Completed(v) => trace.str(v).to_owned(),
        other => panic!("{other:?}"),
    };
    assert!(
        value.starts_with("Err(Panicked(\"thread blew up"),
        "{value}"
    );
    assert_eq!(
        timeline.live().threads[0].finished.map(|f| f.0),
        Some(ThreadOutcome::Panicked)
    );
}

#[test]
fn an_error_result_is_recorded_as_error() {
    let handle = worker::spawn("failing", || Err::<u8, _>("nope"));
    let result = futures::executor::block_on(handle);
    assert_eq!(result, Err(ThreadError::Failed("nope")));
}

#[test]
fn the_blocking_join_polls_twice_and_blocks_in_the_second() {
    let mut ex = Executor::new(Policy::WakerDriven);
    ex.spawn("joiner", async {
        let handle = worker::spawn("slow", || {
            std::thread::sleep(Duration::from_millis(200));
            Ok::<_, String>("done")
        });
        handle.blocking_join().at("request.await").await
    });
    let first = ex.step();
    let start_of_second = std::time::Instant::now();
    let second = ex.step();
    let blocked = start_of_second.elapsed();
    assert!(first.polled().is_some() && second.polled().is_some());
    assert_eq!(ex.step(), Step::Done);

    let timeline = History::from_trace(ex.snapshot());
    let trace = timeline.trace();
    let task = timeline.live().task(TaskId(0)).unwrap();
    assert_eq!(task.polls, 2);
    // The thread finished inside the second poll, so that poll lasted at least the
    // thread's remaining work.
    let polls: Vec<_> = trace
        .events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::PollStart { .. } | EventKind::PollEnd { .. }
            )
        })
        .map(|e| e.t_ns)
        .collect();
    let finish = trace
        .events
        .iter()
        .find(|e| matches!(e.kind, EventKind::ThreadFinish { .. }))
        .unwrap()
        .t_ns;
    assert_eq!(polls.len(), 4);
    assert!(
        polls[2] <= finish && finish <= polls[3],
        "{polls:?} {finish}"
    );
    assert!(second.polled().unwrap().poll_ns >= finish - polls[2]);
    assert!(blocked >= Duration::from_millis(150), "{blocked:?}");
    // The only wake is the task's own (the yield); the thread wakes nobody.
    let wakes: Vec<_> = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Wake { by } => Some(by),
            _ => None,
        })
        .collect();
    assert_eq!(wakes, [WakeSource::SelfWake]);
}

#[test]
fn handles_work_outside_an_executor_without_recording() {
    let handle = worker::spawn("plain", || Ok::<_, String>(3));
    assert_eq!(futures::executor::block_on(handle), Ok(3));
}
