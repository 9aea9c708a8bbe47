//! Every task tokio spawns is in the trace (tokio's task hooks, `--cfg tokio_unstable`):
//! a pollscope task whose three `tokio::spawn`ed children talk over an mpsc channel and a
//! TCP connection on 127.0.0.1, one of them spawning a connection handler of its own.
//!
//! Run with `RUSTFLAGS="--cfg tokio_unstable" cargo test --features tokio --test
//! tokio_tasks` (its own target dir: the flag rebuilds every dependency).
#![cfg(all(feature = "tokio", tokio_unstable))]

use pollscope::AtExt;
#[path = "fixtures/tokio-app/src/program.rs"]
mod tokio_app;

use pollscope::drive::End;
use pollscope::executor::{Policy, Step};
use pollscope::program::Program;
use pollscope::trace::{EventKind, ExecThread, History, State, TaskState, Trace};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// Accepts one connection and hands it to a handler task of its own, as servers do.
async fn acceptor(listener: TcpListener, tx: mpsc::Sender<String>) -> usize {
    let Ok((stream, _)) = listener.accept().await else {
        return 0;
    };
    let handler = tokio::spawn(async move {
        let mut line = String::new();
        let _ = BufReader::new(stream).read_line(&mut line).await;
        let line = line.trim().to_owned();
        let _ = tx.send(format!("got {line}")).await;
        line.len()
    });
    handler.await.unwrap_or(0)
}

async fn client(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)).await else {
        return false;
    };
    // Long enough for the counter to be waiting for the parent's word when the first
    // message reaches the parent.
    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    stream.write_all(b"hello\n").await.is_ok()
}

async fn counter(tx: mpsc::Sender<String>, go: tokio::sync::oneshot::Receiver<()>) -> u32 {
    // Waits for the parent's word (a wake by a pollscope task).
    let _ = go.await;
    // Long enough for the parent to be waiting on the channel when the message comes.
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    for _ in 0..3 {
        tokio::task::yield_now().await;
    }
    let _ = tx.send("counted 3".to_owned()).await;
    3
}

async fn parent() -> Vec<String> {
    let Ok(listener) = TcpListener::bind("127.0.0.1:0").await else {
        return vec!["no listener".to_owned()];
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    let (tx, mut rx) = mpsc::channel(4);
    let accepting = tokio::spawn(acceptor(listener, tx.clone()));
    let connecting = tokio::spawn(client(port));
    let (go_tx, go_rx) = tokio::sync::oneshot::channel();
    let counting = tokio::spawn(counter(tx, go_rx));
    let mut go = Some(go_tx);
    let mut got = Vec::new();
    while let Some(message) = rx.recv().at("rx.recv()").await {
        got.push(message);
        // The first message in: the counter may go.
        if let Some(go) = go.take() {
            let _ = go.send(());
        }
    }
    let _ = (accepting.await, connecting.await, counting.await);
    // A blocking closure on tokio's pool: a worker thread of the trace.
    let sum = tokio::task::spawn_blocking(|| (1..=4).sum::<u32>())
        .await
        .unwrap_or(0);
    got.push(format!("blocking {sum}"));
    // A task that panics: tokio ends it, and its JoinHandle says so.
    let boom = tokio::spawn(async { panic!("boom in a tokio task") });
    got.push(format!("panicked {}", boom.await.is_err()));
    got.sort();
    got
}

const SOURCE: &str = include_str!("tokio_tasks.rs");

fn live(trace: &Trace) -> State {
    History::from_trace(trace.clone()).live().clone()
}

#[test]
fn every_task_tokio_spawns_is_in_the_trace_under_its_parent() {
    let program = Program::new("tokio-tree").task("parent", parent).tokio();
    let recording = pollscope::record(&program, Policy::WakerDriven).unwrap();
    assert_eq!(recording.end, End::Done);
    let trace = &recording.trace;
    let state = live(trace);
    let names: Vec<&str> = state.tasks.iter().map(|t| trace.str(t.name)).collect();
    assert_eq!(names.len(), 6, "{names:?}");
    assert_eq!(names[0], "parent");
    assert!(
        names[1..]
            .iter()
            .all(|n| n.starts_with("tokio@tokio_tasks.rs:")),
        "{names:?}"
    );
    // The three children under the pollscope task; the handler under the acceptor.
    let spawned_at = |needle: &str| {
        let line = SOURCE
            .lines()
            .position(|l| l.contains(needle))
            .expect(needle)
            + 1;
        let name = format!("tokio@tokio_tasks.rs:{line}");
        let task = state.tasks.iter().find(|t| trace.str(t.name) == name);
        task.unwrap_or_else(|| panic!("no {name} in {names:?}"))
    };
    let accepting = spawned_at("tokio::spawn(acceptor(");
    for child in [
        "tokio::spawn(acceptor(",
        "tokio::spawn(client(",
        "tokio::spawn(counter(",
    ] {
        assert_eq!(spawned_at(child).parent.map(|p| p.0), Some(0), "{child}");
    }
    assert_eq!(
        spawned_at("let handler = tokio::spawn(").parent,
        Some(accepting.id)
    );
    // Every tokio task was polled on a worker thread, and finished; the one that
    // panicked ended by its panic.
    let boom = spawned_at("tokio::spawn(async { panic!(").id;
    for task in &state.tasks[1..] {
        match task.state {
            TaskState::Panicked(message) if task.id == boom => {
                assert!(trace.str(message).starts_with("boom in a tokio task (at "));
            }
            TaskState::Completed(_) if task.id != boom => {}
            other => panic!("{} {other:?}", trace.str(task.name)),
        }
        assert!(task.polls >= 1);
    }
    let worker_polls = trace
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::PollStart { on } if on != ExecThread::MAIN))
        .count();
    let tokio_polls: u32 = state.tasks[1..].iter().map(|t| t.polls).sum();
    assert_eq!(worker_polls, tokio_polls as usize);
    // The timeline: a lane per worker thread that polled, holding exactly those polls.
    let lanes = pollscope::lanes::build(trace);
    let worker_spans: usize = lanes
        .lanes
        .iter()
        .filter(|l| matches!(l.kind, pollscope::lanes::LaneKind::Worker(_)))
        .map(|l| l.spans.len())
        .sum();
    assert_eq!(worker_spans, worker_polls);
    // The channel's sends, inside tokio tasks, woke the receiving pollscope task.
    let wakers: Vec<String> = trace
        .events
        .iter()
        .filter(|e| e.task.0 == 0)
        .filter_map(|e| match e.kind {
            EventKind::Wake { by } => Some(pollscope::jsonl::wake_source_text(trace, by)),
            _ => None,
        })
        .collect();
    assert!(
        wakers
            .iter()
            .any(|w| w.starts_with("task:") && w != "task:0"),
        "{wakers:?}\n{}",
        {
            let mut out = Vec::new();
            let _ = pollscope::jsonl::write_events(&mut out, trace, 0);
            String::from_utf8_lossy(&out).into_owned()
        }
    );
    // Who woke tokio's tasks (tokio's instrumentation): the counter, by the parent's
    // oneshot send; the handler reading its socket, by the I/O driver on a worker thread.
    let counter = spawned_at("tokio::spawn(counter(").id;
    let wakers_of = |task: pollscope::trace::TaskId| -> Vec<String> {
        trace
            .events
            .iter()
            .filter(|e| e.task == task)
            .filter_map(|e| match e.kind {
                EventKind::Wake { by } => Some(pollscope::jsonl::wake_source_text(trace, by)),
                _ => None,
            })
            .collect()
    };
    assert!(
        wakers_of(counter).contains(&"task:0".to_owned()),
        "{:?}",
        wakers_of(counter)
    );
    // The handler's end wakes the acceptor awaiting its `JoinHandle`, inside its poll.
    let handler = spawned_at("let handler = tokio::spawn(").id;
    assert!(
        wakers_of(accepting.id).contains(&format!("task:{}", handler.0)),
        "{:?}",
        wakers_of(accepting.id)
    );
    // The parent's value: both messages, one over TCP.
    let TaskState::Completed(value) = state.tasks[0].state else {
        panic!("the parent did not complete: {:?}", state.tasks[0].state);
    };
    assert_eq!(
        trace.str(value),
        r#"["blocking 10", "counted 3", "got hello", "panicked true"]"#
    );
    // The blocking closure: a thread started by the parent, finished.
    let started: Vec<_> = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::ThreadSpawn { name, .. } => Some((e.task, trace.str(name).to_owned())),
            _ => None,
        })
        .collect();
    assert_eq!(started.len(), 1, "{started:?}");
    assert_eq!(started[0].0.0, 0, "started by the parent");
    assert!(
        started[0].1.starts_with("spawn_blocking@tokio_tasks.rs:"),
        "{started:?}"
    );
    assert!(
        trace
            .events
            .iter()
            .any(|e| matches!(e.kind, EventKind::ThreadFinish { .. }))
    );
    // Said once: tokio's futures are out of reach for the compiler's states.
    let notes = trace
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Say { .. }))
        .count();
    assert_eq!(notes, 1);
}

#[test]
fn the_tokio_fixtures_connection_handlers_appear_under_the_server_that_accepted_them() {
    let recording = pollscope::record(&tokio_app::program(), Policy::WakerDriven).unwrap();
    assert_eq!(recording.end, End::Done);
    let trace = &recording.trace;
    let state = live(trace);
    let names: Vec<&str> = state.tasks.iter().map(|t| trace.str(t.name)).collect();
    assert_eq!(
        names.len(),
        7,
        "the server, three clients, three handlers: {names:?}"
    );
    let source = include_str!("fixtures/tokio-app/src/server.rs");
    let line = source
        .lines()
        .position(|l| l.contains("tokio::spawn(handle("))
        .map(|i| i + 1)
        .unwrap_or_default();
    let handlers: Vec<_> = state
        .tasks
        .iter()
        .filter(|t| trace.str(t.name) == format!("tokio@server.rs:{line}"))
        .collect();
    assert_eq!(handlers.len(), 3, "{names:?}");
    for handler in handlers {
        assert_eq!(handler.parent.map(|p| p.0), Some(0), "under the server");
        assert!(matches!(handler.state, TaskState::Completed(_)));
    }
}

#[test]
fn stepped_every_step_is_one_poll_of_one_task_tokios_included() {
    let program = Program::new("tokio-tree")
        .task("parent", parent)
        .stepped(true);
    let mut launched = program.launch(Policy::WakerDriven, Vec::new()).unwrap();
    let ex = &mut launched.executor;
    let mut seen = 0;
    let mut tokio_steps = 0;
    let mut own_steps = 0;
    for _ in 0..100_000 {
        match ex.step() {
            Step::Polled(polled) => {
                let trace = ex.trace();
                let starts = trace.events[seen..]
                    .iter()
                    .filter(|e| matches!(e.kind, EventKind::PollStart { .. }))
                    .count();
                assert_eq!(starts, 1, "one poll per step");
                seen = trace.events.len();
                if polled.task.0 == 0 {
                    own_steps += 1;
                } else {
                    tokio_steps += 1;
                }
            }
            Step::Idle => ex.park(std::time::Duration::from_millis(20)),
            Step::Done => break,
            Step::Stalled => panic!("stalled"),
        }
    }
    assert!(
        own_steps >= 2 && tokio_steps >= 4,
        "{own_steps} {tokio_steps}"
    );
    let trace = ex.snapshot();
    // One poll at a time across the whole program: no poll starts while another is open.
    let mut open = 0;
    for event in &trace.events {
        match event.kind {
            EventKind::PollStart { .. } => {
                open += 1;
                assert_eq!(open, 1, "two polls at once");
            }
            EventKind::PollEnd { .. } => open -= 1,
            _ => {}
        }
    }
    let state = live(&trace);
    assert_eq!(state.tasks.len(), 6);
    let TaskState::Completed(value) = state.tasks[0].state else {
        panic!("the parent did not complete: {:?}", state.tasks[0].state);
    };
    assert_eq!(
        trace.str(value),
        r#"["blocking 10", "counted 3", "got hello", "panicked true"]"#
    );
}

#[test]
fn a_bigger_step_runs_a_stepped_program_until_one_of_tokios_tasks_is_polled_again() {
    use pollscope::session::{Command, Session};
    use std::time::{Duration, Instant};
    let mut session = Session::start(|| {});
    session.send(Command::Reset {
        program: Program::new("tokio-tree")
            .task("parent", parent)
            .stepped(true),
        policy: Policy::WakerDriven,
        urls: Vec::new(),
        limit: 1_000_000,
    });
    let mut timeline = History::new();
    // The parent's first poll spawns tokio's tasks 1, 2 and 3.
    session.send(Command::Step);
    let deadline = Instant::now() + Duration::from_secs(30);
    while timeline.live().tasks.len() < 4 {
        session.sync(&mut timeline);
        assert!(Instant::now() < deadline, "no tokio tasks");
        std::thread::sleep(Duration::from_millis(5));
    }
    session.send(Command::StepTask(pollscope::trace::TaskId(2)));
    let stop = loop {
        session.sync(&mut timeline);
        let status = session.status();
        if let Some(stop) = status.stop.clone().filter(|_| !status.running) {
            break stop;
        }
        assert!(Instant::now() < deadline, "no stop: {status:?}");
        std::thread::sleep(Duration::from_millis(5));
    };
    session.sync(&mut timeline);
    assert_eq!(stop.task.0, 2);
    assert!(
        stop.message.starts_with("task 2 (tokio@tokio_tasks.rs:"),
        "{}",
        stop.message
    );
    let last_poll = timeline
        .trace()
        .events
        .iter()
        .rev()
        .find(|e| matches!(e.kind, EventKind::PollStart { .. }))
        .map(|e| e.task.0);
    assert_eq!(last_poll, Some(2));
}

/// Two `spawn_local` tasks of a `LocalSet` run by a pollscope task: one counts three
/// yields and sends, the other receives and spawns one more local task; a third panics.
async fn local_set_parent() -> String {
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async {
            let (tx, mut rx) = mpsc::channel::<u32>(1);
            let sender = tokio::task::spawn_local(async move {
                for _ in 0..3 {
                    tokio::task::yield_now().await;
                }
                let _ = tx.send(3).await;
                "sent"
            });
            let receiver = tokio::task::spawn_local(async move {
                let got = rx.recv().await.unwrap_or(0);
                let inner = tokio::task::spawn_local(async move { got * 2 });
                inner.await.unwrap_or(0)
            });
            let boom = tokio::task::spawn_local(async { panic!("boom in a local task") });
            let sent = sender.await.unwrap_or("lost");
            let doubled = receiver.await.unwrap_or(0);
            format!("{sent} {doubled} panicked {}", boom.await.is_err())
        })
        .await
}

#[test]
fn a_local_sets_tasks_are_in_the_trace_polled_on_a_thread_of_their_own() {
    let program = Program::new("tokio-local")
        .task("local", local_set_parent)
        .tokio();
    let recording = pollscope::record(&program, Policy::WakerDriven).unwrap();
    assert_eq!(recording.end, End::Done);
    let trace = &recording.trace;
    // The trace keeps its grammar: no poll opens over another on the same thread.
    let mut reading = pollscope::trace::Reading::new();
    for e in &trace.events {
        reading.step(e, |_| {}).unwrap();
    }
    let state = live(trace);
    let names: Vec<&str> = state.tasks.iter().map(|t| trace.str(t.name)).collect();
    assert_eq!(names.len(), 5, "{names:?}");
    let spawned_at = |needle: &str| {
        let line = SOURCE
            .lines()
            .position(|l| l.contains(needle))
            .expect(needle)
            + 1;
        let name = format!("spawn_local@tokio_tasks.rs:{line}");
        let task = state.tasks.iter().find(|t| trace.str(t.name) == name);
        task.unwrap_or_else(|| panic!("no {name} in {names:?}"))
    };
    let sender = spawned_at("let sender = tokio::task::spawn_local(");
    let receiver = spawned_at("let receiver = tokio::task::spawn_local(");
    let inner = spawned_at("let inner = tokio::task::spawn_local(");
    let boom = spawned_at("let boom = tokio::task::spawn_local(");
    assert_eq!(sender.parent.map(|p| p.0), Some(0));
    assert_eq!(receiver.parent.map(|p| p.0), Some(0));
    assert_eq!(boom.parent.map(|p| p.0), Some(0));
    assert_eq!(
        inner.parent,
        Some(receiver.id),
        "spawned inside the receiver's poll"
    );
    // Three yields and the send: four polls, the future's drop not counted as one.
    assert_eq!(sender.polls, 4);
    assert!(
        matches!(sender.state, TaskState::Completed(_)),
        "{:?}",
        sender.state
    );
    assert!(matches!(receiver.state, TaskState::Completed(_)));
    assert!(matches!(inner.state, TaskState::Completed(_)));
    let TaskState::Panicked(message) = boom.state else {
        panic!("{:?}", boom.state);
    };
    assert!(trace.str(message).starts_with("boom in a local task"));
    // Every local poll on the set's own thread number, none on a worker's.
    for task in &state.tasks[1..] {
        let ons: Vec<ExecThread> = trace
            .events
            .iter()
            .filter(|e| e.task == task.id)
            .filter_map(|e| match e.kind {
                EventKind::PollStart { on } => Some(on),
                _ => None,
            })
            .collect();
        assert_eq!(ons.len(), task.polls as usize);
        assert!(ons.iter().all(|on| on.is_local_set()), "{ons:?}");
    }
    // The send woke the receiver.
    let woke_receiver = trace.events.iter().any(|e| {
        e.task == receiver.id
            && matches!(e.kind, EventKind::Wake { by }
                if pollscope::jsonl::wake_source_text(trace, by) == format!("task:{}", sender.id.0))
    });
    assert!(woke_receiver);
    // The timeline gives the set a lane of its own.
    let lanes = pollscope::lanes::build(trace);
    assert!(lanes.lanes.iter().any(|l| l.name == "local set 1"));
    let TaskState::Completed(value) = state.tasks[0].state else {
        panic!("{:?}", state.tasks[0].state);
    };
    assert_eq!(trace.str(value), r#""sent 6 panicked true""#);
}

#[test]
fn stepped_a_local_sets_polls_run_inside_the_step_of_the_task_that_runs_the_set() {
    let program = Program::new("tokio-local")
        .task("local", local_set_parent)
        .stepped(true);
    let mut launched = program.launch(Policy::WakerDriven, Vec::new()).unwrap();
    let ex = &mut launched.executor;
    let mut steps = 0;
    for _ in 0..10_000 {
        match ex.step() {
            Step::Polled(polled) => {
                assert_eq!(polled.task.0, 0, "only the set's runner is stepped");
                steps += 1;
            }
            Step::Idle => ex.park(std::time::Duration::from_millis(20)),
            Step::Done => break,
            Step::Stalled => panic!("stalled"),
        }
    }
    let trace = ex.snapshot();
    let state = live(&trace);
    assert_eq!(state.tasks.len(), 5);
    let local_polls: u32 = state.tasks[1..].iter().map(|t| t.polls).sum();
    assert!(
        local_polls > steps,
        "{local_polls} local polls in {steps} steps"
    );
    let TaskState::Completed(value) = state.tasks[0].state else {
        panic!("{:?}", state.tasks[0].state);
    };
    assert_eq!(trace.str(value), r#""sent 6 panicked true""#);
}
