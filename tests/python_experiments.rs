//! The original's experiments as scripts (`assets/python/experiments/`), each stepped in
//! CPython: the exact resumes `pollscope py step` prints — what went in, which line drove
//! it, what came out, the line and CPython's state — and, under asyncio, the tasks and
//! who woke whom.
//!
//! Needs `python3` 3.11+ (or `POLLSCOPE_PYTHON`).

#![cfg(unix)]

use pollscope::python::{PyRun, PyStep, Script};
use pollscope::trace::{EventKind, History, Recorder, TaskId, TaskState, WakeSource};
use std::path::PathBuf;
use std::time::Duration;

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("assets/python/experiments")
        .join(name)
}

/// The resume and refusal lines `pollscope py step` prints, without their numbers.
fn resumes(name: &str) -> Vec<String> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(["py", "step"])
        .arg(script(name))
        .output()
        .expect("pollscope runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        // The task table after the resumes is not theirs.
        .take_while(|l| !l.starts_with("task  name"))
        .filter_map(|l| {
            let (number, rest) = l.trim_start().split_once("  ")?;
            (number == "-" || number.parse::<u32>().is_ok()).then(|| rest.to_owned())
        })
        .collect()
}

fn history(name: &str) -> History {
    let mut run = PyRun::start(&Script::new(script(name)), Recorder::new()).expect("starts");
    let mut history = History::new();
    loop {
        let state = run.step(Duration::from_secs(20));
        history.trace_mut().extend(run.take_delta());
        if let PyStep::Exited(exit) = state {
            assert_eq!(exit.code, 0, "{exit:?}");
            break;
        }
    }
    history.trace_mut().extend(run.take_delta());
    history.catch_up();
    history
}

#[test]
fn reuse_runs_once_then_is_refused_then_a_new_call_runs() {
    let lines = resumes("reuse.py");
    let run = [
        "compute.send(None) by consume() line 21 -> yielded 'spam' at line 10 [CORO_SUSPENDED]",
        "compute.send(None) by consume() line 21 -> StopIteration(25) [CORO_CLOSED]",
    ];
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert_eq!(lines[..2], run);
    // The finished object's send is refused before any of its code runs.
    assert!(lines[2].starts_with("task 0: send(None) by <module>: coro.send(None) ("));
    assert!(
        lines[2].ends_with(
            "reuse.py:31) refused before it ran: RuntimeError: cannot reuse already awaited coroutine"
        ),
        "{}",
        lines[2]
    );
    assert_eq!(lines[3..], run);
}

#[test]
fn send_value_is_refused_into_a_fresh_coroutine_and_taken_by_a_started_one() {
    let lines = resumes("send_value.py");
    // The same on every version, although 3.12 closes a never-started coroutine and 3.13
    // a generator suspended outside any `try` without running their frames.
    let want = [
        "doubler.close() by <module>() line 33 -> raised GeneratorExit [CORO_CLOSED]",
        "doubler.send(None) by <module>() line 36 -> yielded 'waiting for a value' at line 12 [CORO_SUSPENDED]",
        "doubler.send(5) by <module>() line 38 -> StopIteration(10) [CORO_CLOSED]",
        "echo.next() by <module>() line 44 -> yielded 'ready' at line 22 [GEN_SUSPENDED]",
        "echo.send(5) by <module>() line 45 -> yielded 5 at line 24 [GEN_SUSPENDED]",
        "echo.close() by <module>() line 46 -> raised GeneratorExit [GEN_CLOSED]",
    ];
    assert_eq!(lines[1..], want);
    assert!(
        lines[0].ends_with(
            "send_value.py:30) refused before it ran: TypeError: can't send non-None value to a just-started coroutine"
        ),
        "{}",
        lines[0]
    );
}

#[test]
fn setup_runs_at_the_call_and_the_body_at_the_first_send() {
    assert_eq!(
        resumes("setup_then_coro.py"),
        [
            "fetch.send(None) by <module>() line 29 -> yielded 'spam' at line 10 [CORO_SUSPENDED]",
            "fetch.send(None) by <module>() line 31 -> StopIteration(1000) [CORO_CLOSED]",
        ]
    );
    let history = history("setup_then_coro.py");
    let trace = history.trace();
    // The setup's line comes before the first resume; the body's inside it.
    let said: Vec<(Option<u32>, &str)> = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Say { text } => Some((e.task.get(), trace.str(text))),
            _ => None,
        })
        .collect();
    assert_eq!(said[0], (None, "setting up http://example.invalid/page"));
    assert_eq!(
        said[2],
        (Some(0), "fetch body starts for http://example.invalid/page")
    );
}

#[test]
fn the_runner_takes_turns_round_robin_until_each_is_done() {
    let yielded =
        "worker.send(None) by runner() line 29 -> yielded 'spam' at line 11 [CORO_SUSPENDED]";
    let done = |v: &str| {
        format!("worker.send(None) by runner() line 29 -> StopIteration('{v}') [CORO_CLOSED]")
    };
    assert_eq!(
        resumes("runner.py"),
        [
            yielded.to_owned(),
            yielded.to_owned(),
            yielded.to_owned(),
            yielded.to_owned(),
            done("b done after 1"),
            yielded.to_owned(),
            yielded.to_owned(),
            done("c done after 2"),
            done("a done after 3"),
        ]
    );
}

#[test]
fn a_for_loop_and_yield_from_drive_generators_with_next() {
    let next = |name: &str, line: u32, out: &str| {
        format!("{name}.next() by <module>() line {line} -> {out}")
    };
    assert_eq!(
        resumes("for_loop_generator.py"),
        [
            next("countdown", 22, "yielded 3 at line 11 [GEN_SUSPENDED]"),
            next("countdown", 22, "yielded 2 at line 11 [GEN_SUSPENDED]"),
            next("countdown", 22, "yielded 1 at line 11 [GEN_SUSPENDED]"),
            next("countdown", 22, "StopIteration(None) [GEN_CLOSED]"),
            // The delegate's yield reaches the loop through launch: its line is the
            // innermost level's.
            next("launch", 25, "yielded 2 at line 11 [GEN_SUSPENDED]"),
            next("launch", 25, "yielded 1 at line 11 [GEN_SUSPENDED]"),
            next("launch", 25, "yielded 'liftoff' at line 18 [GEN_SUSPENDED]"),
            next("launch", 25, "StopIteration(None) [GEN_CLOSED]"),
        ]
    );
}

#[test]
fn threaded_requests_overlap_under_the_runner_and_not_one_by_one() {
    let lines = resumes("threaded_request.py");
    let yielded = |by: &str| {
        format!("get_size.send(None) by {by} -> yielded None at line 36 [CORO_SUSPENDED]")
    };
    let done =
        |by: &str| format!("get_size.send(None) by {by} -> StopIteration(1000) [CORO_CLOSED]");
    let one = "run() line 50";
    let all = "runner() line 62";
    assert_eq!(
        lines,
        [
            yielded(one),
            done(one),
            yielded(one),
            done(one),
            yielded(one),
            done(one),
            // Every thread starts in the runner's first round, before any join.
            yielded(all),
            yielded(all),
            yielded(all),
            done(all),
            done(all),
            done(all),
        ]
    );
}

#[test]
fn asyncio_gather_shows_main_its_three_tasks_and_who_woke_each() {
    let history = history("asyncio_gather.py");
    let trace = history.trace();
    let state = history.live();
    let names: Vec<&str> = state.tasks.iter().map(|t| trace.str(t.name)).collect();
    assert_eq!(names, ["main", "count", "count", "count"]);
    let values: Vec<&str> = state
        .tasks
        .iter()
        .map(|t| match t.state {
            TaskState::Completed(v) => trace.str(v),
            _ => "unfinished",
        })
        .collect();
    assert_eq!(values, ["['a=3', 'b=2', 'c=1']", "'a=3'", "'b=2'", "'c=1'"]);
    for t in 1..4 {
        assert_eq!(state.tasks[t].parent, Some(TaskId(0)));
    }
    let wakes = |task: u32| -> Vec<WakeSource> {
        trace
            .events
            .iter()
            .filter(|e| e.task == TaskId(task))
            .filter_map(|e| match e.kind {
                EventKind::Wake { by } => Some(by),
                _ => None,
            })
            .collect()
    };
    // Each count's sleep(0) reschedules its own step; main is woken by a, the last to end.
    assert_eq!(wakes(1), [WakeSource::SelfWake; 3]);
    assert_eq!(wakes(2), [WakeSource::SelfWake; 2]);
    assert_eq!(wakes(3), [WakeSource::SelfWake; 1]);
    assert_eq!(wakes(0), [WakeSource::Task(TaskId(1))]);
    // Who holds each waker: main's, the gathering future (whose callback wakes it); each
    // count's, nobody but the loop's own ready queue (a bare yield).
    let held = |task: u32| -> Vec<Vec<pollscope::trace::Holder>> {
        trace
            .events
            .iter()
            .filter(|e| e.task == TaskId(task))
            .filter_map(|e| match e.kind {
                EventKind::PollEnd {
                    result: pollscope::trace::PollResult::Pending,
                    held,
                    ..
                } => Some(held.holders(trace)),
                _ => None,
            })
            .collect()
    };
    let main = held(0);
    assert_eq!(main.len(), 1);
    let [pollscope::trace::Holder::Future(repr)] = main[0][..] else {
        panic!("{main:?}");
    };
    assert!(
        trace.str(repr).contains("_GatheringFuture pending"),
        "{}",
        trace.str(repr)
    );
    for t in 1..4 {
        assert!(
            held(t)
                .iter()
                .all(|h| h == &[pollscope::trace::Holder::Yield]),
            "{t}: {:?}",
            held(t)
        );
    }
}
