//! Tasks that spawn tasks: [`spawn`] inside a poll adds a child task to the executor
//! polling it and returns a [`JoinHandle`], a future of the child's typed output.

use super::context::with_current;
use super::held::HeldWaker;
use super::panic;
use super::task;
use crate::trace::{Holder, TaskId};
use std::cell::RefCell;
use std::fmt::{self, Debug};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

/// Why a child task gave its parent no value.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JoinError {
    /// The child's poll panicked; the executor caught it and goes on.
    Panicked {
        /// The child.
        task: TaskId,
        /// The panic message (and where it happened, when known).
        message: String,
    },
    /// The child was dropped before it finished (its executor was reset or dropped).
    Dropped {
        /// The child.
        task: TaskId,
    },
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Panicked { task, message } => write!(f, "task {task} panicked: {message}"),
            JoinError::Dropped { task } => write!(f, "task {task} was dropped before it finished"),
        }
    }
}

impl std::error::Error for JoinError {}

/// What the child and its handle share. `Rc`, not `Arc`: both live on the executor's thread.
struct Slot<T> {
    result: Option<Result<T, JoinError>>,
    /// The task awaiting the handle, its waker held by the child.
    waiter: Option<HeldWaker>,
}

impl<T> Slot<T> {
    fn fill(slot: &RefCell<Slot<T>>, result: Result<T, JoinError>) {
        let waiter = {
            let mut slot = slot.borrow_mut();
            slot.result = Some(result);
            slot.waiter.take()
        };
        // Woken after the borrow ends: the wake records an event, and the waiter may be
        // polled by code that reads the slot.
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    }
}

/// A child task's output, as a future: `Ok(value)` when the child returns, `Err` if it
/// panicked. Dropping the handle detaches the child; it still runs to its end.
#[must_use = "a JoinHandle does nothing unless awaited; dropping it detaches the task"]
pub struct JoinHandle<T> {
    task: TaskId,
    slot: Rc<RefCell<Slot<T>>>,
}

impl<T> JoinHandle<T> {
    /// The child task's id.
    pub fn task(&self) -> TaskId {
        self.task
    }

    /// True once the child has finished (returned or panicked).
    pub fn is_finished(&self) -> bool {
        self.slot.borrow().result.is_some()
    }
}

impl<T> Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("task", &self.task)
            .field("finished", &self.is_finished())
            .finish()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = self.slot.borrow_mut();
        match slot.result.take() {
            Some(result) => Poll::Ready(result),
            None => {
                if !slot
                    .waiter
                    .as_ref()
                    .is_some_and(|w| w.will_wake(cx.waker()))
                {
                    slot.waiter = Some(HeldWaker::new(cx.waker(), Holder::Task(self.task)));
                }
                Poll::Pending
            }
        }
    }
}

/// Spawns `future` as a new task of the executor polling the current task, named `name`
/// and recorded as the current task's child. It is first polled after the current poll
/// returns, like any newly spawned task.
///
/// # Panics
///
/// Outside a poll of a pollscope executor there is no executor to spawn on: this panics
/// with a message saying so (as `tokio::spawn` does outside a runtime).
///
/// ```
/// use pollscope::executor::{Executor, Policy, Step};
///
/// let mut ex = Executor::new(Policy::WakerDriven);
/// ex.spawn("parent", async {
///     let child = pollscope::spawn("child", async { 20 });
///     child.await.unwrap() + 1
/// });
/// while let Step::Polled(_) = ex.step() {}
/// let trace = ex.snapshot();
/// let state = pollscope::trace::History::from_trace(trace).live().clone();
/// assert_eq!(state.tasks[1].parent, Some(pollscope::trace::TaskId(0)));
/// ```
pub fn spawn<F>(name: &str, future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: Debug + 'static,
{
    let spawned = with_current(|current| {
        // The log numbers every task, tokio's included, in the order it records them.
        let id = TaskId(current.local.borrow().log.tasks_spawned());
        let slot = Rc::new(RefCell::new(Slot {
            result: None,
            waiter: None,
        }));
        let child = Child {
            task: id,
            inner: future,
            slot: Some(slot.clone()),
        };
        let mut local = current.local.borrow_mut();
        let task = super::new_task(current.shared, &mut local, id, name, current.task, child);
        local.spawned.push((id, task));
        JoinHandle { task: id, slot }
    });
    match spawned {
        Some(handle) => handle,
        None => panic!(
            "pollscope::spawn(\"{name}\", ..) was called outside a task: it spawns on the \
             executor polling the current task, so call it inside a future that a pollscope \
             executor polls"
        ),
    }
}

/// The child's future: hands its value (or its panic) to the handle.
struct Child<F: Future> {
    task: TaskId,
    /// Pinned where the child is (see `poll`).
    inner: F,
    /// Taken when the result is handed over.
    slot: Option<Rc<RefCell<Slot<F::Output>>>>,
}

impl<F: Future> Future for Child<F>
where
    F::Output: Debug,
{
    type Output = task::Value;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<task::Value> {
        // SAFETY: `inner` is structurally pinned: it is never moved out of a pinned
        // `Child` (not in `Drop` either, which touches `slot` only), and `Child` is
        // `Unpin` only when `F` is. The other fields are not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above.
        let inner = unsafe { Pin::new_unchecked(&mut this.inner) };
        match panic::catching(|| inner.poll(cx)) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => {
                let told = task::set_value(&value);
                if let Some(slot) = this.slot.take() {
                    Slot::fill(&slot, Ok(value));
                }
                Poll::Ready(told)
            }
            Err(payload) => {
                let message = panic::message_keeping_location(payload.as_ref());
                if let Some(slot) = this.slot.take() {
                    Slot::fill(
                        &slot,
                        Err(JoinError::Panicked {
                            task: this.task,
                            message,
                        }),
                    );
                }
                // The executor records the panic and finishes the task as for any other.
                std::panic::resume_unwind(payload)
            }
        }
    }
}

impl<F: Future> Drop for Child<F> {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            // Only the waiter's waker is touched: it is safe to call during teardown.
            Slot::fill(&slot, Err(JoinError::Dropped { task: self.task }));
        }
    }
}

impl<F> task::Wrapped for Child<F>
where
    F: Future + 'static,
    F::Output: Debug + 'static,
{
    fn root(&self) -> (crate::coro::Root, *const u8) {
        (
            crate::coro::Root::of::<F>(),
            (&self.inner as *const F).cast(),
        )
    }
}
