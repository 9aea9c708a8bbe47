//! Wakes from many threads while the executor polls: every poll's `wasted` flag agrees
//! with the trace, and under the waker-driven policy no poll is ever wasted — however the
//! wakes interleave with the polls.

use pollscope::executor::{Executor, Policy, Step};
use pollscope::trace::{History, TaskId};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// Pending `polls` times, handing its newest waker to the threads that hammer it.
struct Hammered {
    left: u32,
    slot: Arc<Mutex<Option<Waker>>>,
}

impl Future for Hammered {
    type Output = u32;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        if self.left == 0 {
            return Poll::Ready(0);
        }
        self.left -= 1;
        *self.slot.lock().unwrap() = Some(cx.waker().clone());
        Poll::Pending
    }
}

#[test]
fn wasted_polls_agree_with_the_trace_under_a_storm_of_wakes() {
    let mut ex = Executor::new(Policy::WakerDriven);
    let slot = Arc::new(Mutex::new(None::<Waker>));
    let task = ex.spawn(
        "hammered",
        Hammered {
            left: 3_000,
            slot: slot.clone(),
        },
    );
    let stop = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let slot = slot.clone();
            let stop = stop.clone();
            std::thread::Builder::new()
                .name(format!("waker-{i}"))
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        let waker = slot.lock().unwrap().clone();
                        if let Some(waker) = waker {
                            waker.wake();
                        }
                        // Wakes as fast as a busy thread makes them, not faster than the
                        // executor can take them in.
                        std::thread::yield_now();
                    }
                })
                .unwrap()
        })
        .collect();
    let mut wasted = 0u32;
    let mut polls = 0u32;
    loop {
        match ex.step() {
            Step::Polled(p) => {
                polls += 1;
                wasted += u32::from(p.wasted);
            }
            Step::Idle => ex.park(Duration::from_millis(5)),
            Step::Done | Step::Stalled => break,
        }
    }
    stop.store(true, Ordering::Relaxed);
    for thread in threads {
        thread.join().unwrap();
    }
    let timeline = History::from_trace(ex.snapshot());
    let view = timeline.live().task(task).unwrap();
    assert_eq!(polls, 3_001);
    assert_eq!(view.polls, polls);
    assert_eq!(
        view.wasted, wasted,
        "the trace and the executor count wasted polls alike"
    );
    assert_eq!(wasted, 0, "a woken task's poll is never wasted");
    assert_eq!(view.id, TaskId(0));
}
