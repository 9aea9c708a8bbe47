//! "Why isn't it running?": the sentence each unfinished task gets, from the trace alone.

#![cfg(feature = "lessons")]

use pollscope::executor::{Policy, Step};
use pollscope::lessons;
use pollscope::trace::{EventKind, History, TaskId};
use pollscope::why::{Context, sentence};
use std::net::TcpListener;

/// A server that accepts and never answers: worker threads stay busy.
fn silent_url() -> String {
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", silent.local_addr().unwrap());
    std::thread::spawn(move || {
        let held: Vec<_> = silent.incoming().collect();
        drop(held);
    });
    url
}

/// Runs `lesson` for `steps` polls; returns its timeline.
fn after(lesson: &str, urls: Vec<String>, steps: usize) -> History {
    let program = lessons::find(lesson).unwrap().program();
    let mut launched = program.launch(Policy::WakerDriven, urls).unwrap();
    for _ in 0..steps {
        if !matches!(launched.executor.step(), Step::Polled(_)) {
            break;
        }
    }
    History::from_trace(launched.executor.snapshot())
}

fn why(timeline: &History, task: u32, cx: Context) -> String {
    sentence(timeline.trace(), timeline.live(), TaskId(task), cx).expect("unfinished")
}

#[test]
fn a_task_waiting_on_a_thread_names_the_thread() {
    let url = silent_url();
    let timeline = after("threads", vec![url.clone(), url], 3);
    let line = include_str!("../src/lessons/threads.rs")
        .lines()
        .position(|l| l.contains(".at(\"handle.await\")"))
        .unwrap()
        + 1;
    let trace = timeline.trace();
    let thread = trace
        .events
        .iter()
        .find_map(|e| match e.kind {
            EventKind::ThreadSpawn { name, .. } if e.task == TaskId(0) => {
                Some(trace.str(name).to_owned())
            }
            _ => None,
        })
        .unwrap();
    let now = timeline.live().t_ns + 212_000_000;
    let text = why(
        &timeline,
        0,
        Context {
            now_ns: now,
            stalled: false,
        },
    );
    let started = timeline.live().threads[0].started_ns;
    assert_eq!(
        text,
        format!(
            "suspended at `handle.await` (line {line}), waiting for thread {thread}, running \
             for {}; that thread will wake it",
            pollscope::report::duration(now - started)
        )
    );
    // The total waits for no thread of its own: whoever holds its waker wakes it.
    let total = why(&timeline, 2, Context::default());
    assert!(
        total.starts_with("suspended at `all pages fetched`")
            && total.contains("waiting for whoever holds its waker"),
        "{total}"
    );
}

#[test]
fn futures_are_lazy_and_wait_their_turn() {
    let timeline = after("threads", vec![silent_url()], 0);
    assert_eq!(
        why(&timeline, 0, Context::default()),
        "never polled yet: futures are lazy; next in line"
    );
    assert_eq!(
        why(&timeline, 1, Context::default()),
        "never polled yet: futures are lazy; queued behind task 0"
    );
}

#[test]
fn a_woken_task_says_who_woke_it_and_where_it_is_in_the_queue() {
    // `event-loop`: tasks that wake themselves and yield.
    let timeline = after("event-loop", Vec::new(), 2);
    let state = timeline.live();
    let scheduled: Vec<_> = state
        .tasks
        .iter()
        .filter(|t| t.state == pollscope::trace::TaskState::Scheduled)
        .map(|t| t.id.0)
        .collect();
    assert_eq!(scheduled, [0, 1], "both woke themselves");
    let now = state.t_ns + 300_000_000;
    let first = why(
        &timeline,
        0,
        Context {
            now_ns: now,
            stalled: false,
        },
    );
    assert!(first.starts_with("woken by itself "), "{first}");
    // Task 2, spawned before either woke, has not had its first poll yet.
    assert!(first.ends_with(" ago, queued behind task 2"), "{first}");
    let second = why(
        &timeline,
        1,
        Context {
            now_ns: now,
            stalled: false,
        },
    );
    assert!(
        second.ends_with(" ago, queued behind task 0 and 1 more"),
        "{second}"
    );
}

#[test]
fn a_task_nobody_can_wake_is_stalled_once_the_executor_knows() {
    let timeline = after("lost-waker", Vec::new(), 10);
    let stuck = timeline
        .live()
        .tasks
        .iter()
        .find(|t| !t.state.is_finished())
        .unwrap()
        .id;
    let text = why(
        &timeline,
        stuck.0,
        Context {
            now_ns: 0,
            stalled: true,
        },
    );
    assert!(
        text.starts_with(
            "stalled: nobody holds its waker — it can never run again (suspended at `"
        ),
        "{text}"
    );
}

#[test]
fn a_blocking_poll_is_running_and_blocks_the_executor() {
    let timeline = after("blocking-sleep", Vec::new(), 3);
    // Just after the sleeper's poll started.
    let (index, start) = timeline
        .trace()
        .events
        .iter()
        .enumerate()
        .find(|(_, e)| e.task == TaskId(1) && matches!(e.kind, EventKind::PollStart { .. }))
        .map(|(i, e)| (i, e.t_ns))
        .unwrap();
    let state = timeline.state_at(index + 1);
    let cx = Context {
        now_ns: start + 150_000_000,
        stalled: false,
    };
    let text = sentence(timeline.trace(), &state, TaskId(1), cx).unwrap();
    assert_eq!(
        text,
        "running: inside its poll for 150.0 ms — blocking the executor, no other task can run"
    );
    // Finished tasks have no sentence.
    let end = timeline.live();
    let done = end.tasks.iter().find(|t| t.state.is_finished()).unwrap();
    assert_eq!(
        sentence(timeline.trace(), end, done.id, Context::default()),
        None
    );
}

#[test]
fn a_task_polled_on_a_runtimes_worker_thread_is_running_beside_the_executor() {
    use pollscope::trace::{Event, ExecThread, TraceBuilder};
    let mut b = TraceBuilder::new();
    let name = b.intern("tokio@main.rs:3");
    for (t_ns, task, kind) in [
        (
            0,
            0,
            EventKind::Spawn {
                name,
                parent: TaskId::NONE,
            },
        ),
        (
            0,
            1,
            EventKind::Spawn {
                name,
                parent: TaskId::NONE,
            },
        ),
        (10, 0, EventKind::PollStart { on: ExecThread(2) }),
        (
            20,
            1,
            EventKind::PollStart {
                on: ExecThread::MAIN,
            },
        ),
    ] {
        b.push(Event {
            t_ns,
            task: TaskId(task),
            kind,
        });
    }
    let timeline = History::from_trace(b.finish());
    let cx = Context {
        now_ns: 200_000_010,
        stalled: false,
    };
    // Long, but on tokio's worker: it blocks nobody pollscope runs.
    assert_eq!(
        why(&timeline, 0, cx),
        "running on worker thread 2: inside its poll for 200.0 ms, beside the executor's own"
    );
    assert!(why(&timeline, 1, cx).contains("blocking the executor"));
}
