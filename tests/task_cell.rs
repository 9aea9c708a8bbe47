//! A task's future and its waker share one allocation: the future is dropped on the
//! executor's thread even when another thread holds the last waker, a destructor that
//! panics is caught once, and a waker used after its executor is gone wakes nothing.
//! And a straight run reads the clock once per poll: a poll starts at the reading that
//! ended the one before. The cells' references to the executor's state are counted by
//! hand: what the executor shares with its wakers (its recorder among it) lives exactly as
//! long as the executor or the last waker, whichever goes last. A wake inside a poll with
//! no clone of the waker alive takes the executor's fast path and still queues the task
//! once, however often it is woken.

use pollscope::executor::{Executor, Outcome, Policy, Step, ValueText};
use pollscope::trace::{EventKind, Recorder};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex, mpsc};
use std::task::{Context, Poll, Waker};
use std::thread::{self, ThreadId};

/// Pending forever; hands its waker out and notes the thread it is dropped on.
struct Parked {
    waker_out: Option<mpsc::Sender<Waker>>,
    dropped_on: Arc<Mutex<Option<ThreadId>>>,
    /// Not `Send`: the future must never leave the executor's thread.
    _local: Rc<()>,
}

impl Future for Parked {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if let Some(out) = self.waker_out.take() {
            let _ = out.send(cx.waker().clone());
        }
        Poll::Pending
    }
}

impl Drop for Parked {
    fn drop(&mut self) {
        *self.dropped_on.lock().unwrap() = Some(thread::current().id());
    }
}

#[test]
fn the_future_is_dropped_on_the_executors_thread_while_another_holds_the_waker() {
    let dropped_on = Arc::new(Mutex::new(None));
    let (tx, rx) = mpsc::channel();
    let mut ex = Executor::new(Policy::WakerDriven);
    ex.spawn(
        "parked",
        Parked {
            waker_out: Some(tx),
            dropped_on: dropped_on.clone(),
            _local: Rc::new(()),
        },
    );
    assert!(matches!(ex.step(), Step::Polled(_)));
    let waker = rx.recv().expect("the poll handed its waker out");
    // The executor goes while a thread still holds the waker.
    drop(ex);
    assert_eq!(*dropped_on.lock().unwrap(), Some(thread::current().id()));
    // Waking and dropping the last reference on another thread touches no future.
    thread::spawn(move || {
        waker.wake_by_ref();
        waker.wake();
    })
    .join()
    .expect("a wake after the executor is gone does not panic");
}

/// Ready at once; its destructor panics.
struct Grenade;

impl Future for Grenade {
    type Output = u8;
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<u8> {
        Poll::Ready(7)
    }
}

impl Drop for Grenade {
    fn drop(&mut self) {
        panic!("destructor panicked");
    }
}

#[test]
fn a_destructor_that_panics_is_caught_and_not_run_twice() {
    let mut ex = Executor::new(Policy::WakerDriven);
    ex.spawn("grenade", Grenade);
    ex.spawn("after", async { 1 });
    let Step::Polled(first) = ex.step() else {
        panic!("a task was ready");
    };
    assert_eq!(first.outcome, Outcome::Ready { value: "7".into() });
    let Step::Polled(second) = ex.step() else {
        panic!("the second task was ready");
    };
    assert_eq!(second.outcome, Outcome::Ready { value: "1".into() });
    assert_eq!(ex.step(), Step::Done);
    // Dropping the executor drops no future a second time (that would panic here).
    drop(ex);
}

#[test]
fn unit_values_read_as_their_text() {
    let mut ex = Executor::new(Policy::WakerDriven);
    ex.spawn("unit", async {});
    let Step::Polled(p) = ex.step() else {
        panic!("a task was ready");
    };
    let Outcome::Ready { value } = p.outcome else {
        panic!("ready at once");
    };
    assert_eq!(value, ValueText::from("()"));
    assert_eq!(&*value, "()");
    assert_eq!(value.to_string(), "()");
    assert_eq!(format!("{value:?}"), "\"()\"");
    let trace = ex.snapshot();
    let complete = trace
        .events
        .iter()
        .find_map(|e| match e.kind {
            EventKind::Complete { value } => Some(value),
            _ => None,
        })
        .expect("a complete event");
    assert_eq!(trace.str(complete), "()");
}

#[test]
fn a_straight_run_starts_each_poll_at_the_reading_that_ended_the_last() {
    let mut ex = Executor::new(Policy::WakerDriven);
    for i in 0..50u32 {
        ex.spawn("t", async move {
            pollscope::executor::yield_now().await;
            i
        });
    }
    let (step, polls) = ex.run_until_stalled();
    assert_eq!((step, polls), (Step::Done, 100));
    let trace = ex.snapshot();
    let mut last_end = None;
    let mut shared = 0;
    for e in &trace.events {
        match e.kind {
            EventKind::PollStart { .. } => {
                if let Some(end) = last_end {
                    assert_eq!(e.t_ns, end, "a poll starts where the last one ended");
                    shared += 1;
                }
            }
            EventKind::PollEnd { .. } => last_end = Some(e.t_ns),
            _ => {}
        }
    }
    assert_eq!(shared, 99);
}

/// Pending until woken by hand; hands its waker out on the first poll.
struct Handed(Option<mpsc::Sender<Waker>>);

impl Future for Handed {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.0.take() {
            Some(out) => {
                let _ = out.send(cx.waker().clone());
                Poll::Pending
            }
            None => Poll::Ready(()),
        }
    }
}

#[test]
fn the_shared_state_lives_until_the_executor_and_the_last_waker_are_gone() {
    let recorder = Recorder::new();
    let (tx, rx) = mpsc::channel();
    let mut ex = Executor::with_recorder(Policy::WakerDriven, recorder.clone());
    // More tasks than the executor takes references for at once, all finished and freed
    // on its thread, and one whose waker another thread keeps.
    for i in 0..3000u32 {
        ex.spawn("t", async move {
            pollscope::executor::yield_now().await;
            i
        });
    }
    ex.spawn("handed", Handed(Some(tx)));
    let (_, polls) = ex.run_until_stalled();
    assert_eq!(polls, 6001);
    let waker = rx.recv().expect("the poll handed its waker out");
    let clone = waker.clone();
    drop(ex);
    // The executor is gone; its wakers keep the state they reach (the recorder) alive.
    assert_eq!(Arc::strong_count(&recorder), 2);
    drop(clone);
    assert_eq!(Arc::strong_count(&recorder), 2);
    thread::spawn(move || waker.wake())
        .join()
        .expect("the last waker goes on another thread");
    assert_eq!(Arc::strong_count(&recorder), 1, "nothing leaked");
}

#[test]
fn an_executor_whose_tasks_all_finished_leaves_nothing_behind() {
    let recorder = Recorder::new();
    let mut ex = Executor::with_recorder(Policy::WakerDriven, recorder.clone());
    let (tx, rx) = mpsc::channel();
    ex.spawn("handed", Handed(Some(tx)));
    ex.spawn("unit", async {});
    assert_eq!(ex.run_until_stalled().1, 2);
    // Woken from another thread, the task finishes; its waker's clone goes before the
    // executor does, so the executor frees its cell.
    let waker = rx.recv().expect("the poll handed its waker out");
    thread::spawn(move || waker.wake())
        .join()
        .expect("a wake from another thread");
    ex.park(std::time::Duration::from_secs(1));
    assert_eq!(ex.run_until_stalled(), (Step::Done, 1));
    drop(ex);
    assert_eq!(Arc::strong_count(&recorder), 1, "nothing leaked");
}

/// Pending `rounds` times; each time a thread of its own holds a clone of the waker, wakes
/// it and drops the clone, racing the executor's own bookkeeping.
struct Bounced {
    rounds: u32,
}

impl Future for Bounced {
    type Output = u32;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        if self.rounds == 0 {
            return Poll::Ready(7);
        }
        self.rounds -= 1;
        let waker = cx.waker().clone();
        let keep = cx.waker().clone();
        thread::spawn(move || {
            waker.wake_by_ref();
            drop(keep);
            waker.wake();
        });
        Poll::Pending
    }
}

#[test]
fn wakers_cloned_woken_and_dropped_on_other_threads_free_every_cell_once() {
    let recorder = Recorder::new();
    let mut ex = Executor::with_recorder(Policy::WakerDriven, recorder.clone());
    for _ in 0..200 {
        ex.spawn("bounced", Bounced { rounds: 5 });
    }
    ex.run(std::time::Duration::from_secs(60))
        .expect("every task finishes");
    let values = ex
        .trace()
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Complete { .. }))
        .count();
    assert_eq!(values, 200);
    drop(ex);
    // The threads may still be letting their clones go: the state goes with the last.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while Arc::strong_count(&recorder) > 1 && std::time::Instant::now() < deadline {
        thread::sleep(std::time::Duration::from_millis(5));
    }
    assert_eq!(Arc::strong_count(&recorder), 1, "nothing leaked");
}

/// Ready on its second poll; on its first it hands a clone of its waker out and wakes
/// itself, so it finishes while another thread still holds a reference to its cell.
struct FinishesWhileHeld(Option<mpsc::Sender<Waker>>);

impl Future for FinishesWhileHeld {
    type Output = u8;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u8> {
        match self.0.take() {
            Some(out) => {
                let _ = out.send(cx.waker().clone());
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            None => Poll::Ready(5),
        }
    }
}

#[test]
fn a_task_that_finishes_while_its_waker_is_held_elsewhere_is_let_go_once() {
    let recorder = Recorder::new();
    let mut ex = Executor::with_recorder(Policy::WakerDriven, recorder.clone());
    let (tx, rx) = mpsc::channel();
    ex.spawn("held", FinishesWhileHeld(Some(tx)));
    assert_eq!(ex.run_until_stalled(), (Step::Done, 2));
    let waker = rx.recv().expect("the first poll handed its waker out");
    // Finished is finished: nothing is left to poll, and the waker still works.
    assert_eq!(ex.unfinished(), 0);
    assert_eq!(ex.step(), Step::Done);
    waker.wake_by_ref();
    assert_eq!(ex.step(), Step::Done);
    drop(ex);
    assert_eq!(
        Arc::strong_count(&recorder),
        2,
        "the waker keeps the state alive"
    );
    thread::spawn(move || drop(waker))
        .join()
        .expect("the last reference goes on another thread");
    assert_eq!(Arc::strong_count(&recorder), 1, "let go exactly once");
}

/// Wakes itself `wakes` times in its first poll (through the borrowed waker, or through
/// clones when `clone`), then stays pending without waking.
struct WakesItself {
    wakes: usize,
    clone: bool,
    polled: bool,
}

impl Future for WakesItself {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if !self.polled {
            self.polled = true;
            for _ in 0..self.wakes {
                if self.clone {
                    // A clone alive: the wake takes the path other threads' wakes take.
                    let held = cx.waker().clone();
                    held.wake_by_ref();
                } else {
                    cx.waker().wake_by_ref();
                }
            }
        }
        Poll::Pending
    }
}

#[test]
fn a_task_woken_twice_in_one_poll_is_polled_once_more() {
    for clone in [false, true] {
        let mut ex = Executor::new(Policy::WakerDriven);
        ex.spawn(
            "twice",
            WakesItself {
                wakes: 3,
                clone,
                polled: false,
            },
        );
        let (end, polls) = ex.run_until_stalled();
        // The first poll, the one its wakes asked for, and no third: the task is queued
        // once however many wakes came in one poll.
        assert_eq!((end, polls), (Step::Stalled, 2), "clone: {clone}");
        let trace = ex.snapshot();
        let wakes = trace
            .events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Wake { .. }))
            .count();
        assert_eq!(wakes, 3, "every wake is recorded (clone: {clone})");
    }
}

#[test]
fn a_child_spawned_by_a_poll_that_unwinds_past_the_executor_is_freed_with_it() {
    let recorder = Recorder::new();
    let mut ex = Executor::with_recorder(Policy::WakerDriven, recorder.clone());
    ex.spawn("parent", async {
        let _child = pollscope::spawn("child", async { 1u32 });
        std::future::pending::<()>().await;
    });
    // The hook runs the poll (which spawns the child), then panics: outside the future's
    // own, caught panic, so it unwinds out of `step` before the child is adopted.
    ex.set_poll_hook(Box::new(|poll: &mut dyn FnMut()| {
        poll();
        panic!("the hook fails after the poll");
    }));
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| ex.step()));
    assert!(unwound.is_err(), "the hook's panic leaves step");
    drop(ex);
    // The child's cell went with the executor, and with it its reference to the state.
    assert_eq!(Arc::strong_count(&recorder), 1, "nothing leaked");
}
