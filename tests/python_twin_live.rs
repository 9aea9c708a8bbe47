//! A lesson's Python twin runs live in CPython beside the Rust run: stepped one resume at a
//! time, its line and CPython's state words read from the interpreter; with no interpreter
//! it says why, so the Python column can fall back to Rust's events renamed.

#![cfg(all(unix, feature = "lessons"))]

use pollscope::python::{Script, Twin, TwinView};
use std::time::{Duration, Instant};

fn twin_of(id: &str, python: Option<&str>) -> Twin {
    let lesson = pollscope::lessons::find(id).expect("a lesson");
    let mut script = Script::built_in(
        &format!("test_twin_{}.py", id.replace('-', "_")),
        lesson.python,
    );
    if let Some(python) = python {
        script.python = python.into();
    }
    Twin::start(script, Vec::new(), lesson.fetches, Box::new(|| {}))
}

fn wait(twin: &Twin, what: &str, done: impl Fn(&TwinView) -> bool) -> TwinView {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let view = twin.view();
        if done(&view) {
            return view;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {view:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn the_remote_twin_steps_in_cpython_one_resume_at_a_time() {
    let twin = twin_of("remote", None);
    // Paused before the first resume: the coroutine exists and has not run.
    let view = wait(&twin, "the interpreter", |v| {
        v.python.is_some() && !v.tasks.is_empty()
    });
    assert_eq!(view.resumes, 0);
    assert_eq!(view.tasks[0].name, "outer");
    assert_eq!(view.tasks[0].state, "CORO_CREATED");
    twin.step();
    // Suspended in Remote.__await__ (line 3), awaited from outer (line 7).
    let view = wait(&twin, "the first resume", |v| {
        v.resumes == 1 && v.current.is_some()
    });
    assert_eq!(view.current, Some(3));
    assert_eq!(view.outer, [7]);
    assert_eq!(view.tasks[0].state, "CORO_SUSPENDED");
    assert_eq!(view.said.as_deref(), Some("sent up to the driver"));
    twin.step();
    let view = wait(&twin, "the end", |v| v.ended.is_some());
    assert_eq!(view.resumes, 2);
    assert_eq!(view.tasks[0].state, "CORO_CLOSED");
    assert_eq!(view.said.as_deref(), Some("25"));
    assert_eq!(view.current, None);
    // Reset: a fresh interpreter, back before the first resume.
    twin.reset();
    let view = wait(&twin, "the fresh twin", |v| {
        v.ended.is_none() && v.resumes == 0
    });
    assert_eq!(view.tasks[0].state, "CORO_CREATED");
}

#[test]
fn the_threads_twin_fetches_from_a_demo_server_and_runs_to_its_end() {
    let twin = twin_of("threads", None);
    wait(&twin, "the interpreter", |v| v.python.is_some());
    twin.run(Some(Duration::from_millis(1)));
    let view = wait(&twin, "the end", |v| v.ended.is_some());
    assert_eq!(
        view.ended.as_deref(),
        Some("ended (exit status 0)"),
        "{view:?}"
    );
    assert!(
        view.said
            .as_deref()
            .is_some_and(|s| s.ends_with("bytes in all")),
        "{view:?}"
    );
    assert!(
        view.tasks.iter().filter(|t| t.name == "fetch_page").count() == 4,
        "{view:?}"
    );
}

#[test]
fn without_an_interpreter_the_twin_says_why() {
    let twin = twin_of("remote", Some("/no/such/python3"));
    let view = wait(&twin, "the reason", |v| v.unavailable.is_some());
    let why = view.unavailable.unwrap_or_default();
    assert!(why.contains("/no/such/python3"), "{why}");
}
