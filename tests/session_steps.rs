//! The bigger steps and breakpoints, in the session (what the app and any front end
//! drive): each stops a run right after the poll that reached its goal.

#![cfg(feature = "lessons")]

use pollscope::executor::Policy;
use pollscope::lessons;
use pollscope::session::{Command, Session, Speed, Status};
use pollscope::trace::{EventKind, History, TaskId, WakeSource};
use std::time::{Duration, Instant};

/// True if the trace ends with a poll: its end, then only the compiler's states that are
/// read after every poll.
fn ends_with_a_poll(timeline: &History) -> bool {
    let mut tail = timeline.trace().events.iter().rev().skip_while(|e| {
        matches!(
            e.kind,
            EventKind::CoroState { .. } | EventKind::CoroLocals { .. }
        )
    });
    tail.next()
        .is_some_and(|e| matches!(e.kind, EventKind::PollEnd { .. }))
}

/// The task polled last.
fn last_polled(timeline: &History) -> Option<TaskId> {
    let events = &timeline.trace().events;
    let last = events
        .iter()
        .rev()
        .find(|e| matches!(e.kind, EventKind::PollStart { .. }));
    last.map(|e| e.task)
}

fn start(lesson: &str) -> (Session, History) {
    let session = Session::start(|| {});
    session.send(Command::Reset {
        program: lessons::find(lesson).unwrap().program(),
        policy: Policy::WakerDriven,
        urls: Vec::new(),
        limit: 1_000_000,
    });
    (session, History::new())
}

/// Syncs until the session reports a stop and is paused.
fn stopped(session: &mut Session, timeline: &mut History, what: &str) -> Status {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        session.sync(timeline);
        let status = session.status();
        if status.stop.is_some() && !status.running {
            session.sync(timeline);
            return status;
        }
        assert!(Instant::now() < deadline, "no stop: {what}; {status:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn stepping_a_task_runs_until_it_has_been_polled_once_more() {
    let (mut session, mut timeline) = start("threads");
    // Task 4 (`total`) is polled last in the first round, then again when all pages are in.
    session.send(Command::StepTask(TaskId(4)));
    let status = stopped(&mut session, &mut timeline, "first poll of total");
    let stop = status.stop.unwrap();
    assert_eq!(stop.task, TaskId(4));
    assert_eq!(
        stop.message,
        "task 4 (total) was polled once more: it returned pending"
    );
    let polls_of = |t: &History, task: u32| {
        t.trace()
            .events
            .iter()
            .filter(|e| e.task == TaskId(task) && matches!(e.kind, EventKind::PollStart { .. }))
            .count()
    };
    assert_eq!(polls_of(&timeline, 4), 1);
    // The run stopped right after that poll.
    assert!(ends_with_a_poll(&timeline));
    // Each further step is exactly one more poll of it, through the threads' work, until
    // it returns its total.
    for polls in 2.. {
        session.send(Command::StepTask(TaskId(4)));
        let status = stopped(&mut session, &mut timeline, "another poll of total");
        assert_eq!(polls_of(&timeline, 4), polls);
        // Stopped right after it: other tasks' wakes may be recorded, not their polls.
        assert_eq!(last_polled(&timeline), Some(TaskId(4)));
        let message = status.stop.unwrap().message;
        if message.ends_with("it returned ready") {
            break;
        }
        assert!(message.ends_with("it returned pending"), "{message}");
        assert!(polls < 10, "total is polled when woken, not more");
    }
}

#[test]
fn running_to_a_thread_wake_stops_at_the_first_one() {
    let (mut session, mut timeline) = start("threads");
    session.send(Command::RunToThreadWake);
    let status = stopped(&mut session, &mut timeline, "a thread's wake");
    let stop = status.stop.unwrap();
    let wakes: Vec<_> = timeline
        .trace()
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Wake {
                by: WakeSource::Thread(name),
            } => Some((e.task, timeline.trace().str(name).to_owned())),
            _ => None,
        })
        .collect();
    assert_eq!(wakes.len(), 1, "stopped at the first: {wakes:?}");
    let (task, thread) = &wakes[0];
    assert_eq!(stop.task, *task);
    assert!(
        stop.message
            .starts_with(&format!("thread {thread} woke task {}", task.0)),
        "{}",
        stop.message
    );
}

#[test]
fn a_breakpoint_stops_a_max_speed_run_after_the_poll_that_suspends_there() {
    let (mut session, mut timeline) = start("join");
    let source = include_str!("../src/lessons/join.rs");
    let line = source
        .lines()
        .position(|l| l.contains(".at(\"work(b)\")"))
        .unwrap() as u32
        + 1;
    session.send(Command::Breakpoints(vec![(
        "src/lessons/join.rs".to_owned(),
        line,
    )]));
    session.send(Command::Run(Speed::Max));
    let status = stopped(&mut session, &mut timeline, "the breakpoint");
    let stop = status.stop.unwrap();
    assert_eq!(
        stop.message,
        format!("breakpoint src/lessons/join.rs:{line}: task 0 (one by one) suspends at work(b)")
    );
    // Nothing after that poll, which suspended there.
    assert!(ends_with_a_poll(&timeline));
    let events = &timeline.trace().events;
    assert!(
        events
            .iter()
            .rev()
            .take_while(|e| !matches!(e.kind, EventKind::PollStart { .. }))
            .any(|e| matches!(e.kind, EventKind::Suspend { .. }))
    );
    // Run on to the end: it stops once per poll that suspends or resumes on that line.
    let mut stops = vec![stop.message];
    loop {
        session.send(Command::Run(Speed::Max));
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            session.sync(&mut timeline);
            let status = session.status();
            if !status.running && (status.stop.is_some() || status.stopped.is_some()) {
                break status;
            }
            assert!(Instant::now() < deadline, "{status:?}");
            std::thread::sleep(Duration::from_millis(5));
        };
        match status.stop {
            Some(stop) => stops.push(stop.message),
            None => break,
        }
    }
    session.sync(&mut timeline);
    let trace = timeline.trace();
    let at_line = |p| trace.await_point(p).is_some_and(|p| p.line == line);
    let mut hits = 0;
    let mut in_poll = false;
    for e in &trace.events {
        match e.kind {
            EventKind::PollStart { .. } => in_poll = false,
            EventKind::Suspend { point } | EventKind::Resume { point } if at_line(point) => {
                hits += usize::from(!in_poll);
                in_poll = true;
            }
            _ => {}
        }
    }
    assert_eq!(stops.len(), hits, "{stops:?}");
    assert!(stops.len() >= 2, "{stops:?}");
    assert!(stops[1].ends_with("resumes at work(b)"), "{stops:?}");
}
