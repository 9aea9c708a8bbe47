//! Python scripts stepped in CPython under pollscope's tracer: each fixture's trace says
//! exactly what the interpreter did — resumes, what went in and came out, the await
//! chain with CPython's states, lines and locals, threads, asyncio's tasks and wakes.
//!
//! Needs `python3` 3.11+ (or the interpreter `POLLSCOPE_PYTHON` names); without it the
//! tests fail with one line saying so.

#![cfg(unix)]

use pollscope::python::{PyError, PyRun, PyStep, Script};
use pollscope::trace::{
    EventKind, History, PollResult, Recorder, TaskId, TaskState, Trace, WakeSource,
};
use std::path::PathBuf;
use std::time::Duration;

fn fixture(name: &str) -> Script {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/python")
        .join(name);
    let script = Script::new(path);
    let found = std::process::Command::new(&script.python)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(found, "python3 not found: the Python runs were not checked");
    script
}

/// Runs the script to its end, one resume per step.
fn stepped(name: &str) -> (History, pollscope::python::Exit) {
    let mut run = PyRun::start(&fixture(name), Recorder::new()).expect("starts");
    let mut history = History::new();
    let exit = loop {
        let state = run.step(Duration::from_secs(20));
        history.trace_mut().extend(run.take_delta());
        history.catch_up();
        if let PyStep::Exited(exit) = state {
            break exit;
        }
    };
    history.trace_mut().extend(run.take_delta());
    history.catch_up();
    (history, exit)
}

fn names(trace: &Trace) -> Vec<&str> {
    trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Spawn { name, .. } => Some(trace.str(name)),
            _ => None,
        })
        .collect()
}

/// The strings of `kind` events of task `task`, in order.
fn texts(
    trace: &Trace,
    task: u32,
    pick: fn(&EventKind) -> Option<pollscope::trace::Sym>,
) -> Vec<String> {
    trace
        .events
        .iter()
        .filter(|e| e.task == TaskId(task))
        .filter_map(|e| pick(&e.kind))
        .map(|s| trace.str(s).to_owned())
        .collect()
}

#[test]
fn a_hand_driven_coroutine_hands_spam_to_its_driver_and_returns_25() {
    let (history, exit) = stepped("hand_driven.py");
    assert_eq!(exit.code, 0, "{exit:?}");
    let trace = history.trace();
    assert_eq!(names(trace), ["compute"]);
    let task = history.live().task(TaskId(0)).unwrap();
    assert_eq!(task.polls, 2);
    assert_eq!(
        texts(trace, 0, |k| match k {
            EventKind::Input { text, .. } => Some(*text),
            _ => None,
        }),
        ["send(None)", "send(None)"]
    );
    // 'spam' goes to the caller of send: it is the yielded value, not the awaiting
    // coroutine's.
    assert_eq!(
        texts(trace, 0, |k| match k {
            EventKind::Yielded { value } => Some(*value),
            _ => None,
        }),
        ["'spam'"]
    );
    let driver = trace
        .events
        .iter()
        .find_map(|e| match e.kind {
            EventKind::Input { driver, .. } => trace.await_point(driver),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        (driver.line, driver.label),
        (23, "consume: coro.send(None)")
    );
    // After the first resume: three levels, CPython's states, lines and locals.
    let after_first = trace
        .events
        .iter()
        .position(|e| {
            matches!(
                e.kind,
                EventKind::PollEnd {
                    result: PollResult::Pending,
                    ..
                }
            )
        })
        .unwrap();
    let state = history.state_at(after_first + 6);
    let chain: Vec<(String, String, u32)> = state.tasks[0]
        .coro
        .iter()
        .map(|f| {
            let p = trace.await_point(f.state).unwrap();
            (trace.str(f.future).to_owned(), p.label.to_owned(), p.line)
        })
        .collect();
    assert_eq!(
        chain,
        [
            ("compute".to_owned(), "CORO_SUSPENDED".to_owned(), 17),
            ("inner".to_owned(), "CORO_SUSPENDED".to_owned(), 11),
            ("Remote.__await__".to_owned(), "GEN_SUSPENDED".to_owned(), 6),
        ]
    );
    // Why it is not running, in Python's terms: its driver resumes it, no waker does.
    let cx = pollscope::why::Context {
        stalled: false,
        now_ns: trace.events[after_first].t_ns,
    };
    let why = pollscope::why::sentence(trace, &state, TaskId(0), cx).unwrap();
    assert!(
        why.contains("waiting for its driver consume() (line 23) to resume it")
            && why.contains("it handed 'spam' to that driver"),
        "{why}"
    );
    let locals = state.tasks[0].coro[0].locals.map(|s| trace.str(s));
    assert_eq!(locals, Some("label = 'total'"));
    // The innermost line is the await point: the source panel lights it.
    let point = state.tasks[0]
        .await_point()
        .and_then(|p| trace.await_point(p))
        .unwrap();
    assert_eq!((point.line, point.label), (6, "answer = yield 'spam'"));
    assert!(
        matches!(history.live().tasks[0].state, TaskState::Completed(v) if trace.str(v) == "25")
    );
}

#[test]
fn refused_sends_are_recorded_with_what_cpython_raised_and_change_nothing() {
    let (history, _) = stepped("misuse.py");
    let trace = history.trace();
    let refusals: Vec<(u32, String, String)> = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Refused { input, error, .. } => Some((
                e.task.0,
                trace.str(input).to_owned(),
                trace.str(error).to_owned(),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        refusals,
        [
            (
                0,
                "send(5)".to_owned(),
                "TypeError: can't send non-None value to a just-started coroutine".to_owned()
            ),
            (
                1,
                "send(None)".to_owned(),
                "RuntimeError: cannot reuse already awaited coroutine".to_owned()
            ),
        ]
    );
    // Refused, the fresh coroutine was still unstarted: its one resume is the close()
    // (3.11 runs its frame for it, 3.12 does not: the trace is the same).
    let inputs = texts(trace, 0, |k| match k {
        EventKind::Input { text, .. } => Some(*text),
        _ => None,
    });
    assert_eq!(inputs, ["close()"]);
    assert_eq!(history.live().tasks[1].polls, 1);
}

#[test]
fn a_for_loop_drives_a_generator_with_next() {
    let (history, exit) = stepped("for_loop.py");
    assert_eq!(exit.code, 0);
    let trace = history.trace();
    assert_eq!(names(trace)[0], "countdown");
    let inputs = texts(trace, 0, |k| match k {
        EventKind::Input { text, .. } => Some(*text),
        _ => None,
    });
    assert_eq!(inputs, ["next()"; 4]);
    assert_eq!(
        texts(trace, 0, |k| match k {
            EventKind::Yielded { value } => Some(*value),
            _ => None,
        }),
        ["3", "2", "1"]
    );
    // The generator that delegates with `yield from` shows the delegate in its chain.
    let both = names(trace).iter().position(|n| *n == "both").unwrap() as u32;
    let frames: Vec<&str> = trace
        .events
        .iter()
        .filter(|e| e.task == TaskId(both))
        .filter_map(|e| match e.kind {
            EventKind::CoroState {
                depth: 1, future, ..
            } => Some(trace.str(future)),
            _ => None,
        })
        .collect();
    assert!(frames.contains(&"countdown"), "{frames:?}");
}

#[test]
fn a_thread_joined_inside_a_resume_blocks_that_resume() {
    let (history, exit) = stepped("thread_join.py");
    assert_eq!(exit.code, 0);
    let trace = history.trace();
    let kinds: Vec<&str> = trace
        .events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::PollStart { .. }
                    | EventKind::PollEnd { .. }
                    | EventKind::ThreadSpawn { .. }
                    | EventKind::ThreadFinish { .. }
                    | EventKind::ThreadJoin { .. }
            )
        })
        .map(|e| e.kind.name())
        .collect();
    assert_eq!(
        kinds,
        [
            "poll_start",
            "thread_spawn",
            "poll_end",
            "poll_start",
            "thread_finish",
            "thread_join",
            "poll_end"
        ]
    );
    // The second resume lasted as long as the join waited: the driver was blocked.
    let polls: Vec<u64> = trace
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
    assert!(polls[3] - polls[2] >= 150_000_000, "{polls:?}");
    assert_eq!(history.live().threads.len(), 1);
}

#[test]
fn asyncio_gather_shows_its_tasks_and_their_wakes() {
    let (history, exit) = stepped("gather.py");
    assert_eq!(exit.code, 0);
    let trace = history.trace();
    let mut spawned = names(trace);
    spawned.sort_unstable();
    assert_eq!(spawned, ["main", "worker", "worker", "worker"]);
    // Each worker is woken once per sleep(0) and once more to start.
    let wakes = |task: u32| {
        trace
            .events
            .iter()
            .filter(|e| e.task == TaskId(task) && matches!(e.kind, EventKind::Wake { .. }))
            .count()
    };
    // gather wraps the workers in Tasks in order: a (2 turns), b (3), c (1). Scheduling
    // a Task's first step is its spawn; each sleep(0) then wakes it once.
    let workers = [1u32, 2, 3];
    assert_eq!(workers.map(wakes), [2, 3, 1]);
    // The workers are spawned by main's resume (gather wraps each in a Task).
    for &t in &workers {
        assert_eq!(history.live().tasks[t as usize].parent, Some(TaskId(0)));
    }
    // Who woke whom: a worker's sleep(0) reschedules its own step (woken by itself);
    // main is woken by the worker whose end completes the gather: b, the longest.
    let wakers = |task: u32| -> Vec<WakeSource> {
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
    for &t in &workers {
        assert!(wakers(t).iter().all(|w| *w == WakeSource::SelfWake), "{t}");
    }
    assert_eq!(wakers(0), [WakeSource::Task(TaskId(2))]);
    for t in 0..4 {
        assert!(matches!(
            history.live().tasks[t].state,
            TaskState::Completed(_)
        ));
    }
}

#[test]
fn an_exception_ends_the_run_with_its_line_and_the_trace_so_far() {
    let (history, exit) = stepped("raises.py");
    assert_eq!(exit.code, 1);
    assert_eq!(
        exit.error,
        Some(("ValueError: no such page".to_owned(), Some(11)))
    );
    assert_eq!(history.live().tasks[0].polls, 2);
}

#[test]
fn a_syntax_error_is_reported_with_its_line() {
    let (history, exit) = stepped("syntax_error.py");
    assert_eq!(exit.error.as_ref().map(|e| e.1), Some(Some(2)));
    assert!(exit.error.unwrap().0.starts_with("SyntaxError"));
    assert!(history.live().tasks.is_empty());
}

#[test]
fn a_missing_script_or_interpreter_is_a_clear_error() {
    let mut script = fixture("hand_driven.py");
    script.path = PathBuf::from("/no/such/script.py");
    let error = PyRun::start(&script, Recorder::new()).unwrap_err();
    assert!(matches!(error, PyError::Script { .. }), "{error:?}");
    let mut script = fixture("hand_driven.py");
    script.python = "/no/such/python3".into();
    let error = PyRun::start(&script, Recorder::new()).unwrap_err();
    assert!(matches!(error, PyError::NoInterpreter { .. }), "{error:?}");
    assert!(error.to_string().contains("3.11"), "{error}");
}

#[test]
fn the_interpreter_never_outlives_its_run() {
    let mut run = PyRun::start(&fixture("endless.py"), Recorder::new()).unwrap();
    let pid = run.pid();
    // Looping outside any coroutine: a step says so instead of waiting forever.
    assert_eq!(run.step(Duration::from_millis(300)), PyStep::Outside);
    assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());
    drop(run);
    let gone = !std::path::Path::new(&format!("/proc/{pid}")).exists()
        || std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| s.contains(") Z"));
    assert!(gone, "interpreter {pid} still running");
}

#[test]
fn every_experiment_script_steps_to_its_end_with_only_its_own_tasks() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/python/experiments");
    let files = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .count();
    let scripts = pollscope::python::experiments::scripts();
    // Every script in the folder is built in (and so offered by the app's picker).
    assert_eq!(scripts.len(), files);
    let python = fixture("hand_driven.py").python;
    for mut script in scripts {
        script.python = python.clone();
        let path = script.path.clone();
        let mut run = PyRun::start(&script, Recorder::new()).unwrap();
        let exit = run.run_to_end(Duration::from_secs(60));
        assert!(
            matches!(&exit, PyStep::Exited(e) if e.code == 0 && e.error.is_none()),
            "{path:?}: {exit:?}"
        );
        let trace = run.take_trace();
        let names = names(&trace);
        assert!(!names.is_empty(), "{path:?}: no task");
        // Only the script's own coroutines: none of the import machinery's generators.
        assert!(
            names
                .iter()
                .all(|n| !n.contains("genexpr") || n.starts_with("main")),
            "{path:?}: {names:?}"
        );
    }
}

#[test]
fn a_python_trace_saved_as_a_trace_file_loads_back_the_same() {
    for name in [
        "hand_driven.py",
        "thread_join.py",
        "gather.py",
        "misuse.py",
        "for_loop.py",
    ] {
        let script = fixture(name);
        let mut run = PyRun::start(&script, Recorder::new()).unwrap();
        run.run_to_end(Duration::from_secs(60));
        let trace = run.take_trace();
        let header = pollscope::tracefile::Header::for_program(
            script.info(),
            pollscope::executor::Policy::WakerDriven,
        );
        let mut file = Vec::new();
        pollscope::tracefile::write(&mut file, &header, &trace).unwrap();
        let (loaded_header, loaded) =
            pollscope::tracefile::read(file.as_slice()).unwrap_or_else(|e| panic!("{name}: {e}"));
        // Symbols may be numbered differently; the events' words must be the same.
        let words = |t: &Trace| {
            let mut out = Vec::new();
            pollscope::jsonl::write_events(&mut out, t, 0).unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(loaded.len(), trace.len(), "{name}");
        assert_eq!(words(&loaded), words(&trace), "{name}");
        assert_eq!(loaded_header.program_id(), Some(script.info().id.as_str()));
    }
}

#[test]
fn the_python_benchmark_records_every_resume_and_times_each_step() {
    let python = fixture("hand_driven.py").python;
    let r = pollscope::bench::python(&python, 1000, 5, 1).unwrap();
    // Per resume: poll start, input, yielded, enter, suspend, poll end, state, locals,
    // resume, exit; and the generator's spawn, last resume and end; and each of the
    // script's two tasks' state at its creation.
    assert_eq!(r.events, 10 * 1000 + 12, "{r:?}");
    assert_eq!(r.steps, 5);
    assert!(r.step_median_us > 0.0 && r.step_max_us >= r.step_median_us);
}

/// Runs a built-in experiment to its end, stepping.
fn experiment(name: &str) -> History {
    let mut script = pollscope::python::experiments::scripts()
        .into_iter()
        .find(|s| s.path.ends_with(name))
        .unwrap();
    script.python = fixture("hand_driven.py").python;
    let mut run = PyRun::start(&script, Recorder::new()).unwrap();
    let mut history = History::new();
    while !matches!(run.step(Duration::from_secs(20)), PyStep::Exited(_)) {}
    history.trace_mut().extend(run.take_delta());
    history.catch_up();
    history
}

#[test]
fn the_send_none_experiment_hands_spam_past_both_coroutines() {
    let history = experiment("send_none.py");
    let trace = history.trace();
    assert_eq!(names(trace), ["compute"]);
    let task = &history.live().tasks[0];
    assert_eq!((task.polls, task.wasted), (2, 0));
    assert_eq!(
        texts(trace, 0, |k| match k {
            EventKind::Yielded { value } => Some(*value),
            _ => None,
        }),
        ["'spam'"]
    );
    let chain: Vec<(&str, u8, u32)> = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::CoroState {
                depth,
                future,
                state,
            } => Some((trace.str(future), depth, trace.await_point(state)?.line)),
            _ => None,
        })
        .collect();
    assert_eq!(
        chain,
        [
            // Created (its `def` line), then suspended three deep.
            ("compute", 0, 20),
            ("compute", 0, 21),
            ("inner", 1, 17),
            ("Remote.__await__", 2, 12)
        ]
    );
    assert!(matches!(task.state, TaskState::Completed(v) if trace.str(v) == "25"));
}

#[test]
fn the_async_generator_experiment_shows_its_items_reaching_the_driver() {
    let history = experiment("async_gen.py");
    let trace = history.trace();
    assert_eq!(names(trace), ["ticker"]);
    let yielded = texts(trace, 0, |k| match k {
        EventKind::Yielded { value } => Some(*value),
        _ => None,
    });
    assert_eq!(
        yielded,
        [
            "'spam'",
            "0 (the driver gets StopIteration(0))",
            "'spam'",
            "1 (the driver gets StopIteration(1))",
            "'spam'",
            "2 (the driver gets StopIteration(2))",
        ]
    );
    let states: Vec<&str> = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::CoroState {
                depth: 0, state, ..
            } => Some(trace.await_point(state)?.label),
            _ => None,
        })
        .collect();
    assert_eq!(states[0], "AGEN_CREATED");
    assert!(
        states[1..].iter().all(|s| *s == "AGEN_SUSPENDED"),
        "{states:?}"
    );
    // Its end is an async generator's: AGEN_CLOSED, not a coroutine's word.
    let task = history.live().task(TaskId(0)).expect("the task");
    assert_eq!(
        pollscope::lens::task_state_word(pollscope::lens::Lens::Python, trace, task),
        "AGEN_CLOSED"
    );
    // Resumes a driver asked for are never wasted.
    assert_eq!(history.live().tasks[0].wasted, 0);
}

#[test]
fn printed_lines_keep_their_order_and_their_task_stdout_and_stderr_alike() {
    let (history, exit) = stepped("output.py");
    assert_eq!(exit.code, 0, "{exit:?}");
    let trace = history.trace();
    let said: Vec<(Option<u32>, &str)> = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Say { text } => Some((e.task.get(), trace.str(text))),
            _ => None,
        })
        .collect();
    assert_eq!(
        said,
        [
            (None, "before any coroutine"),
            (Some(0), "inside, before the tick"),
            (None, "between the resumes"),
            (Some(0), "inside, after the tick"),
            (None, "after the coroutine: 2"),
            (None, "half a line, then the rest"),
        ]
    );
}

#[test]
fn reading_stdin_meets_its_end_and_says_where() {
    let (history, exit) = stepped("reads_stdin.py");
    assert_eq!(exit.code, 1);
    assert_eq!(
        exit.error,
        Some(("EOFError: EOF when reading a line".to_owned(), Some(3)))
    );
    // What it printed before is kept.
    let trace = history.trace();
    assert!(
        trace
            .events
            .iter()
            .any(|e| matches!(e.kind, EventKind::Say { text } if trace.str(text) == "name?"))
    );
}

#[test]
fn a_huge_line_is_cut_with_a_note_and_the_next_line_stays_whole() {
    let (history, exit) = stepped("long_line.py");
    assert_eq!(exit.code, 0, "{exit:?}");
    let trace = history.trace();
    let said: Vec<&str> = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Say { text } => Some(trace.str(text)),
            _ => None,
        })
        .collect();
    assert_eq!(said.len(), 2);
    assert!(said[0].starts_with("xxxx"));
    assert!(
        said[0].ends_with("… (983616 more characters)"),
        "{}",
        &said[0][said[0].len() - 40..]
    );
    assert_eq!(said[1], "after");
}

#[test]
fn py_step_names_each_kind_by_its_own_state_words() {
    let run = |name: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_pollscope"))
            .args(["py", "step"])
            .arg(fixture(name).path)
            .output()
            .expect("pollscope runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let generators = run("for_loop.py");
    assert!(
        generators
            .contains("countdown.next() by <module>() line 15 -> StopIteration(None) [GEN_CLOSED]"),
        "{generators}"
    );
    assert!(
        generators.contains("countdown    GEN_CLOSED"),
        "{generators}"
    );
    assert!(!generators.contains("CORO_"), "{generators}");
    let coroutine = run("hand_driven.py");
    assert!(
        coroutine.contains("-> StopIteration(25) [CORO_CLOSED]"),
        "{coroutine}"
    );
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/python/experiments/async_gen.py");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(["py", "step"])
        .arg(path)
        .output()
        .expect("pollscope runs");
    let agen = String::from_utf8_lossy(&out.stdout);
    assert!(
        agen.contains("ticker.send(None) by drive() line 28 -> StopAsyncIteration [AGEN_CLOSED]"),
        "{agen}"
    );
}

#[test]
fn a_throw_caught_at_a_yield_is_one_more_yield_and_close_is_the_end() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(["py", "step"])
        .arg(fixture("throw_caught.py").path)
        .output()
        .expect("pollscope runs");
    let text = String::from_utf8_lossy(&out.stdout);
    for line in [
        "   1  resilient.next() by <module>() line 14 -> yielded 'ready' at line 8 [GEN_SUSPENDED]",
        "   2  resilient.throw(ValueError) by <module>() line 15 -> yielded 'ready' at line 8 [GEN_SUSPENDED]",
        "   3  resilient.close() by <module>() line 16 -> raised GeneratorExit [GEN_CLOSED]",
    ] {
        assert!(text.lines().any(|l| l == line), "{line}\n{text}");
    }
}

#[test]
fn a_script_driving_nothing_says_so_and_a_killed_one_says_how_it_ended() {
    let run = |name: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_pollscope"))
            .args(["py", "step"])
            .arg(fixture(name).path)
            .output()
            .expect("pollscope runs")
    };
    let out = run("no_coroutine.py");
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the script drove no coroutine, generator or async generator"),
        "{err}"
    );
    // Its output is still shown.
    assert!(String::from_utf8_lossy(&out.stdout).contains("says: [0, 1, 4]"));

    let out = run("killed.py");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the script ended early: the interpreter was killed by signal 9"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("says: before"));
}
