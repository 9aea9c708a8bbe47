//! Who holds a task's waker when its poll returns `Pending`: recorded on the poll's end,
//! written as `held_by` in JSON Lines, and read back the same.

use pollscope::executor::{Executor, Policy, Step};
use pollscope::trace::{EventKind, Held, Holder, PollResult, TaskId, Trace};
use pollscope::worker;
use std::future::poll_fn;
use std::task::Poll;

/// Each pending poll's holders, by task, in order.
fn holders(trace: &Trace) -> Vec<(TaskId, Vec<Holder>, bool)> {
    trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::PollEnd {
                result: PollResult::Pending,
                held,
                ..
            } => Some((e.task, held.holders(trace), held == Held::Nobody)),
            _ => None,
        })
        .collect()
}

fn run(ex: &mut Executor) {
    for _ in 0..10_000 {
        match ex.step() {
            Step::Polled(_) => {}
            Step::Idle => ex.park(std::time::Duration::from_millis(20)),
            Step::Done | Step::Stalled => break,
        }
    }
}

#[test]
fn a_thread_a_child_a_yield_and_a_lost_waker_each_hold_what_they_hold() {
    let mut ex = Executor::new(Policy::WakerDriven);
    // Awaits a worker thread, which holds its waker until it ends.
    ex.spawn("on-thread", async {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let handle = worker::spawn("slow-worker", move || {
            let _ = rx.recv_timeout(std::time::Duration::from_secs(5));
            Ok::<u32, String>(7)
        });
        // The thread goes on once the task has parked on its handle.
        let mut handle = std::pin::pin!(handle);
        let mut tx = Some(tx);
        poll_fn(|cx| match handle.as_mut().poll(cx) {
            Poll::Pending => {
                if let Some(tx) = tx.take() {
                    std::thread::spawn(move || {
                        std::thread::sleep(std::time::Duration::from_millis(30));
                        let _ = tx.send(());
                    });
                }
                Poll::Pending
            }
            ready => ready,
        })
        .await
        .map_err(|e| e.to_string())
    });
    // Awaits a child, which holds its waker; then yields (holding nothing: back in line).
    ex.spawn("parent", async {
        let child = pollscope::spawn("child", async {
            pollscope::executor::yield_now().await;
            5u32
        });
        let value = child.await.unwrap_or(0);
        pollscope::executor::yield_now().await;
        value
    });
    // Returns Pending once without keeping its waker, then ends (woken from outside).
    ex.spawn("forgetful", async {
        let mut first = true;
        poll_fn(|_| {
            if std::mem::take(&mut first) {
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        })
        .await
    });
    run(&mut ex);
    let trace = ex.snapshot();
    let held = holders(&trace);
    let of = |task: u32| -> Vec<&(TaskId, Vec<Holder>, bool)> {
        held.iter().filter(|(t, ..)| t.0 == task).collect()
    };
    // The worker thread (thread 0) holds the first task's waker.
    assert_eq!(
        of(0)[0].1,
        vec![Holder::Thread(pollscope::trace::ThreadNo(0))]
    );
    // The parent: first held by its child (task 3), then by nobody but itself (yield).
    let parent = of(1);
    assert_eq!(parent[0].1, vec![Holder::Task(TaskId(3))]);
    assert_eq!(parent.last().unwrap().1, vec![Holder::Yield]);
    // The child's yield.
    assert_eq!(of(3)[0].1, vec![Holder::Yield]);
    // Nobody holds the forgetful task's waker.
    assert!(of(2)[0].2, "{:?}", of(2));
    // The same in JSON Lines, and read back the same.
    let mut out = Vec::new();
    pollscope::jsonl::write_events(&mut out, &trace, 0).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains(r#""held_by":["thread:slow-worker"]"#),
        "{text}"
    );
    assert!(text.contains(r#""held_by":["task:3"]"#));
    assert!(text.contains(r#""held_by":["yield"]"#));
    assert!(text.contains(r#""held_by":[]"#));
    let header = pollscope::tracefile::Header::for_policy(Policy::WakerDriven);
    let mut file = Vec::new();
    pollscope::tracefile::write(&mut file, &header, &trace).unwrap();
    let (_, loaded) = pollscope::tracefile::read(&file[..]).unwrap();
    assert_eq!(loaded.events, trace.events);
}

#[test]
fn a_held_by_naming_a_thread_never_started_is_refused_with_its_line() {
    let mut ex = Executor::new(Policy::WakerDriven);
    ex.spawn("t", async {
        let handle = worker::spawn("w", || Ok::<u32, String>(1));
        handle.await.map_err(|e| e.to_string())
    });
    run(&mut ex);
    let trace = ex.snapshot();
    let header = pollscope::tracefile::Header::for_policy(Policy::WakerDriven);
    let mut file = Vec::new();
    pollscope::tracefile::write(&mut file, &header, &trace).unwrap();
    let text = String::from_utf8(file).unwrap();
    let damaged = text.replace(r#""held_by":["thread:w"]"#, r#""held_by":["thread:nope"]"#);
    if damaged == text {
        // The thread ended before the task parked: nothing to damage.
        return;
    }
    let line = damaged
        .lines()
        .position(|l| l.contains("thread:nope"))
        .unwrap()
        + 1;
    let err = pollscope::tracefile::read(damaged.as_bytes()).unwrap_err();
    assert!(
        err.to_string().contains(&format!("line {line}")) && err.to_string().contains("nope"),
        "{err}"
    );
}
