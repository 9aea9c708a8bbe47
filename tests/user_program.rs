//! A program written the way a user writes one — plain async fns, a child task, a timer
//! from async-io (and, with the `tokio` feature, tokio's) — runs on pollscope and its trace
//! says who spawned whom, who woke whom, what each returned, and on which lines of this
//! very file each task waited.

use pollscope::drive::End;
use pollscope::executor::{Policy, yield_now};
use pollscope::jsonl::JsonEvent;
use pollscope::program::{Program, Sources};
use pollscope::trace::{EventKind, History, State, TaskState, Trace, WakeSource};
use pollscope::{AtExt, JoinError};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const THIS_FILE: &str = "tests/user_program.rs";
const SOURCE: &str = include_str!("user_program.rs");

async fn times_ten(n: u32) -> u32 {
    async_io::Timer::after(Duration::from_millis(20))
        .at("timer")
        .await;
    n * 10
}

async fn client() -> Result<u32, String> {
    let child = pollscope::spawn("child", times_ten(4));
    let got = child.at("child").await.map_err(|e| e.to_string())?;
    Ok(got + 1)
}

async fn ticker() -> u32 {
    for _ in 0..3 {
        yield_now().at("tick").await;
    }
    3
}

fn demo() -> Program {
    Program::new("user-demo")
        .title("A user's futures")
        .task("client", client)
        .task("ticker", ticker)
}

/// The line of this file where `.at("label")` is written.
fn line_of(label: &str) -> u32 {
    let needle = format!(".at(\"{label}\")");
    let index = SOURCE
        .lines()
        .position(|l| l.trim_start().starts_with(&needle));
    let index = index.or_else(|| SOURCE.lines().position(|l| l.contains(&needle)));
    index.unwrap_or_else(|| panic!("no {needle} in this file")) as u32 + 1
}

fn live(trace: &Trace) -> State {
    History::from_trace(trace.clone()).live().clone()
}

fn value(trace: &Trace, state: &State, task: usize) -> String {
    match state.tasks[task].state {
        TaskState::Completed(v) => trace.str(v).to_owned(),
        other => panic!("task {task} did not complete: {other:?}"),
    }
}

/// Who woke `task`, every time, in the schema's words.
fn wakers(trace: &Trace, task: u32) -> Vec<String> {
    trace
        .events
        .iter()
        .filter(|e| e.task.0 == task)
        .filter_map(|e| match e.kind {
            EventKind::Wake { by } => Some(pollscope::jsonl::wake_source_text(trace, by)),
            _ => None,
        })
        .collect()
}

#[test]
fn tasks_parents_wakes_values_and_this_files_lines() {
    for policy in [Policy::WakerDriven, Policy::BusyPoll] {
        let recording = pollscope::record(&demo(), policy).unwrap();
        assert_eq!(recording.end, End::Done, "{policy:?}");
        let trace = &recording.trace;
        let state = live(trace);
        let names: Vec<_> = state.tasks.iter().map(|t| trace.str(t.name)).collect();
        assert_eq!(names, ["client", "ticker", "child"]);
        let parents: Vec<_> = state.tasks.iter().map(|t| t.parent.map(|p| p.0)).collect();
        assert_eq!(parents, [None, None, Some(0)]);
        assert_eq!(value(trace, &state, 0), "Ok(41)");
        assert_eq!(value(trace, &state, 1), "3");
        assert_eq!(value(trace, &state, 2), "40");

        // The child's end wakes its parent.
        assert_eq!(wakers(trace, 0), ["task:2"]);
        if policy == Policy::WakerDriven {
            // The timer's own thread wakes the child. (Busy polling needs no wake: the
            // timer reads the clock whenever it is polled.)
            assert_eq!(wakers(trace, 2), ["thread:async-io"]);
            assert_eq!(wakers(trace, 1), ["self", "self", "self"]);
        }

        // Every `.at()` point is on its own line of this file. (The trace's point table
        // also holds the compiler's states, which `coro_state` events name.)
        let entered: std::collections::BTreeSet<_> = trace
            .events
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::AwaitEnter { point } => Some(point),
                _ => None,
            })
            .collect();
        let mut points: Vec<_> = entered
            .iter()
            .filter_map(|&id| trace.point(id))
            .map(|p| {
                (
                    trace.str(p.label).to_owned(),
                    trace.str(p.file).to_owned(),
                    p.line,
                )
            })
            .collect();
        points.sort();
        let mut expected: Vec<_> = ["child", "tick", "timer"]
            .iter()
            .map(|l| (l.to_string(), THIS_FILE.to_owned(), line_of(l)))
            .collect();
        expected.sort();
        assert_eq!(points, expected);

        // The recording carries this file's text for a trace header.
        let source = recording.info.sources.iter().find(|s| s.file == THIS_FILE);
        assert_eq!(source.and_then(|s| s.text.as_deref()), Some(SOURCE));
    }
}

#[test]
fn a_spawn_says_its_parent_in_json_lines() {
    let recording = pollscope::record(&demo(), Policy::WakerDriven).unwrap();
    let trace = &recording.trace;
    let spawns: Vec<JsonEvent> = trace
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e.kind, EventKind::Spawn { .. }))
        .map(|(i, e)| JsonEvent::from_event(trace, i, e))
        .collect();
    let text: Vec<String> = spawns
        .iter()
        .map(|j| serde_json::to_string(j).unwrap())
        .collect();
    assert_eq!(spawns.len(), 3);
    assert_eq!(spawns[2].parent, Some(0), "{text:?}");
    assert!(text[2].contains(r#""parent":0"#), "{}", text[2]);
    assert!(!text[0].contains("parent"), "{}", text[0]);
    // Written and read back, the parent survives.
    let mut file = Vec::new();
    let header =
        pollscope::tracefile::Header::for_program(recording.info.clone(), Policy::WakerDriven);
    pollscope::tracefile::write(&mut file, &header, trace).unwrap();
    let (loaded_header, loaded) = pollscope::tracefile::read(&file[..]).unwrap();
    assert_eq!(loaded.events, trace.events);
    assert_eq!(loaded_header.program.unwrap().title, "A user's futures");
}

async fn doomed() -> u32 {
    yield_now().at("before the panic").await;
    panic!("the child gives up");
}

async fn careful_parent() -> String {
    let child = pollscope::spawn("doomed", doomed());
    match child.await {
        Ok(n) => format!("got {n}"),
        Err(JoinError::Panicked { task, message }) => format!("task {task} failed: {message}"),
        Err(other) => format!("{other}"),
    }
}

#[test]
fn a_panicking_child_gives_its_parent_an_error_and_the_executor_lives_on() {
    let program = Program::new("panics")
        .task("parent", careful_parent)
        .task("bystander", ticker);
    for policy in [Policy::WakerDriven, Policy::BusyPoll] {
        let recording = pollscope::record(&program, policy).unwrap();
        assert_eq!(recording.end, End::Done);
        let trace = &recording.trace;
        let state = live(trace);
        let parent = value(trace, &state, 0);
        assert!(
            parent.starts_with("\"task 2 failed: the child gives up (at tests/user_program.rs:"),
            "{parent}"
        );
        assert_eq!(value(trace, &state, 1), "3", "the bystander finishes");
        assert!(matches!(state.tasks[2].state, TaskState::Panicked(_)));
        assert_eq!(state.tasks[2].parent.map(|p| p.0), Some(0));
        // The parent was woken by the child that panicked.
        assert_eq!(wakers(trace, 0), ["task:2"]);
    }
}

#[test]
fn reset_builds_fresh_futures() {
    let built = Arc::new(AtomicUsize::new(0));
    let counter = built.clone();
    let program = Program::new("fresh").task("counted", move || {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        async move {
            yield_now().at("yield").await;
            n
        }
    });
    assert_eq!(
        built.load(Ordering::SeqCst),
        0,
        "nothing is built until a launch"
    );
    for run in 0..3 {
        let recording = pollscope::record(&program, Policy::WakerDriven).unwrap();
        let state = live(&recording.trace);
        assert_eq!(value(&recording.trace, &state, 0), run.to_string());
        assert_eq!(
            state.tasks[0].polls, 2,
            "a fresh future, polled from the start"
        );
    }
    assert_eq!(built.load(Ordering::SeqCst), 3);
}

#[test]
fn a_program_whose_source_file_is_missing_still_runs() {
    let program = demo().source("src/no/such/file.rs");
    let sources = Sources::of(program.info());
    let missing = sources.get("src/no/such/file.rs").unwrap();
    let error = missing.text.as_ref().unwrap_err();
    assert!(
        matches!(error, pollscope::program::SourceError::Unreadable { file, .. } if file == "src/no/such/file.rs"),
        "{error:?}"
    );
    let why = error.to_string();
    assert!(
        why.starts_with("src/no/such/file.rs: cannot be read"),
        "{why}"
    );
    assert!(!why.contains('\n'), "one line: {why}");
    assert!(sources.get(THIS_FILE).unwrap().text.is_ok());

    let recording = pollscope::record(&program, Policy::WakerDriven).unwrap();
    assert_eq!(recording.end, End::Done);
    let files: Vec<_> = recording
        .info
        .sources
        .iter()
        .map(|s| s.file.as_str())
        .collect();
    assert_eq!(
        files,
        [THIS_FILE],
        "only files that could be read travel with the trace"
    );
}

#[test]
fn spawn_outside_a_task_says_why_it_cannot() {
    let caught = std::panic::catch_unwind(|| pollscope::spawn("orphan", async { 1 }));
    let payload = caught.unwrap_err();
    let message = payload.downcast_ref::<String>().unwrap();
    assert!(message.contains("called outside a task"), "{message}");
}

#[test]
fn a_detached_child_still_runs_to_its_end() {
    // The handle is dropped at once: the child runs on its own.
    let detached = Program::new("detached").task("parent", || async {
        drop(pollscope::spawn("child", async { "alone" }));
        "parent done"
    });
    let recording = pollscope::record(&detached, Policy::WakerDriven).unwrap();
    let state = live(&recording.trace);
    assert_eq!(value(&recording.trace, &state, 1), "\"alone\"");
}

#[cfg(feature = "tokio")]
mod tokio_futures {
    use super::*;

    async fn sleeper() -> &'static str {
        tokio::time::sleep(Duration::from_millis(30))
            .at("sleep")
            .await;
        "slept"
    }

    async fn channel_pair() -> u32 {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let child = pollscope::spawn("sender", async move {
            tokio::time::sleep(Duration::from_millis(10))
                .at("sender sleeps")
                .await;
            tx.send(7).is_ok()
        });
        let got = rx.at("rx").await.unwrap_or(0);
        assert_eq!(child.await, Ok(true));
        got
    }

    async fn on_tokio_itself() -> u32 {
        // Runs on tokio's worker threads: it works, pollscope does not see it.
        tokio::spawn(async { 5 })
            .at("tokio::spawn")
            .await
            .unwrap_or(0)
    }

    #[test]
    fn tokio_timers_channels_and_spawn_work_on_the_pollscope_executor() {
        let program = Program::new("tokio-demo")
            .task("sleeper", sleeper)
            .task("channel", channel_pair)
            .task("tokio-spawn", on_tokio_itself)
            .tokio();
        for policy in [Policy::WakerDriven, Policy::BusyPoll] {
            let recording = pollscope::record(&program, policy).unwrap();
            assert_eq!(recording.end, End::Done, "{policy:?}");
            let trace = &recording.trace;
            let state = live(trace);
            assert_eq!(value(trace, &state, 0), "\"slept\"");
            assert_eq!(value(trace, &state, 1), "7");
            assert_eq!(value(trace, &state, 2), "5");
            assert_eq!(value(trace, &state, 3), "true");
            if policy == Policy::BusyPoll {
                // Busy polling finds the timers fired without needing their wakes.
                continue;
            }
            // The timer driver runs on tokio's workers; its wake names the thread.
            let sleeper_wakes = wakers(trace, 0);
            assert!(
                sleeper_wakes.contains(&"thread:tokio-runtime-worker".to_owned()),
                "{policy:?} {sleeper_wakes:?} {}",
                pollscope::report::task_table(trace, &state, pollscope::lens::Lens::Rust)
            );
            // A oneshot send inside a pollscope task wakes the receiver from that task.
            assert!(
                wakers(trace, 1).contains(&"task:3".to_owned()),
                "{:?}",
                wakers(trace, 1)
            );
        }
    }

    #[cfg(not(tokio_unstable))]
    #[test]
    fn a_stepped_tokio_run_without_tokios_hooks_says_how_to_get_them() {
        let program = Program::new("stepped")
            .task("sleeper", sleeper)
            .stepped(true);
        let Err(e) = program.launch(Policy::WakerDriven, Vec::new()) else {
            panic!("a stepped run needs tokio's task hooks");
        };
        assert!(e.to_string().contains("--cfg tokio_unstable"), "{e}");
    }

    #[test]
    fn without_tokio_a_tokio_timer_panics_and_says_why() {
        let program = Program::new("no-runtime").task("sleeper", sleeper);
        let recording = pollscope::record(&program, Policy::WakerDriven).unwrap();
        let state = live(&recording.trace);
        let TaskState::Panicked(message) = state.tasks[0].state else {
            panic!("the task should panic");
        };
        let message = recording.trace.str(message);
        assert!(message.contains("no reactor running"), "{message}");
    }
}

#[test]
fn the_waker_source_of_async_io_is_its_thread() {
    // The same timer alone: its wake comes from async-io's reactor thread by name.
    let program = Program::new("timer").task("t", || times_ten(1));
    let recording = pollscope::record(&program, Policy::WakerDriven).unwrap();
    let wakes: Vec<_> = recording
        .trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Wake {
                by: WakeSource::Thread(name),
            } => Some(recording.trace.str(name).to_owned()),
            _ => None,
        })
        .collect();
    assert_eq!(wakes, ["async-io"]);
}
