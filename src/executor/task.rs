//! One spawned task: its future, its waker and its bookkeeping.

use super::panic;
use super::waker::TaskWaker;
use crate::coro::{ChainCopy, Index, Lookup, Lookups, Root};
use std::cell::RefCell;
use std::fmt::{Debug, Write};
use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// The task's future; its value's `Debug` text goes to [`VALUE`] rather than being
/// returned, so finishing a task allocates no `String` of its own.
pub(crate) type BoxedFuture = Pin<Box<dyn Future<Output = ()>>>;

thread_local! {
    /// The `Debug` text of the value of the task that just completed on this thread.
    pub(crate) static VALUE: RefCell<String> = const { RefCell::new(String::new()) };
}

pub(crate) struct Task {
    /// `None` once finished: a completed future is never polled again.
    future: Option<BoxedFuture>,
    pub waker: Arc<TaskWaker>,
    pub polls: u32,
    /// Where the task's own future lives and how to find its coroutine layout.
    coro: Option<CoroRoot>,
    /// Its state after its last poll is owed (its debug info was still being read).
    pub owed: bool,
}

/// A task's future as the compiler's state machine sees it: its type (to find its
/// layout) and its address inside the task's box (to read its state).
pub(crate) struct CoroRoot {
    root: Root,
    ptr: *const u8,
    /// The future's type, once asked for: found, its debug info still being read, or not
    /// a coroutine the debug info describes.
    found: RefCell<Option<Lookup>>,
}

impl CoroRoot {
    /// The future of type `F` at `ptr`.
    pub fn new<F: Future>(ptr: *const F) -> CoroRoot {
        CoroRoot {
            root: Root::of::<F>(),
            ptr: ptr.cast(),
            found: RefCell::new(None),
        }
    }
}

/// What [`Task::capture_coro`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Capture {
    /// The chain is in the reading.
    Read,
    /// The future's debug info is still being read: its state is owed.
    Pending,
    /// Nothing to read: not a coroutine the debug info describes, or finished.
    Nothing,
}

impl Task {
    /// A task of a future that leaves its value's text in [`VALUE`] when it completes.
    pub fn new(future: BoxedFuture, waker: Arc<TaskWaker>, coro: Option<CoroRoot>) -> Task {
        Task {
            future: Some(future),
            waker,
            polls: 0,
            coro,
            owed: false,
        }
    }

    /// The stand-in for a task another runtime polls: it has no future here, so it
    /// counts as finished to this executor.
    pub fn foreign(waker: Arc<TaskWaker>) -> Task {
        Task {
            future: None,
            waker,
            polls: 0,
            coro: None,
            owed: false,
        }
    }

    /// Looks the future's type up in `index` (once it is found or known not to be there).
    /// With `wait`, the debug info describing it is read here if it has not been; without,
    /// it is asked for, to be read on the loader thread. Done before a poll: reading debug
    /// info allocates, and nothing may allocate between a poll and its capture.
    pub fn look_up_coro(&self, index: &Index, wait: bool, lookups: &mut Lookups) {
        if let Some(coro) = self.coro.as_ref() {
            let mut found = coro.found.borrow_mut();
            if matches!(*found, None | Some(Lookup::Pending)) {
                *found = Some(lookups.type_of(&coro.root, index, wait));
            }
        }
    }

    /// Copies the await chain the compiler's state machines show now into `reading` (see
    /// [`ChainCopy::capture`]), if [`look_up_coro`](Self::look_up_coro) found the type.
    pub fn capture_coro(&self, reading: &mut ChainCopy) -> Capture {
        if self.future.is_none() {
            return Capture::Nothing;
        }
        let Some(coro) = self.coro.as_ref() else {
            return Capture::Nothing;
        };
        match coro.found.borrow().as_ref() {
            Some(Lookup::Found(root)) => {
                // SAFETY: `ptr` points to the task's future inside its box, which is alive
                // (`future` is `Some`) and pinned; this runs on the executor's thread
                // between polls, so nothing polls or moves it meanwhile.
                unsafe { reading.capture(root, coro.ptr) };
                Capture::Read
            }
            Some(Lookup::Pending) => Capture::Pending,
            Some(Lookup::Unknown) | None => Capture::Nothing,
        }
    }

    /// The task's `Waker`, lent for one poll without touching the reference count: it
    /// shares the task's own reference, and is never dropped (a future that keeps the
    /// waker clones it, which counts).
    fn waker(&self) -> ManuallyDrop<Waker> {
        // SAFETY: `Arc::from_raw` on the pointer of a live `Arc` makes a second handle to
        // the same allocation without incrementing the count; wrapped in `ManuallyDrop`,
        // that handle never decrements it either. The task's own `Arc` keeps the
        // allocation alive for as long as the returned value is borrowed by the poll.
        ManuallyDrop::new(Waker::from(unsafe {
            Arc::from_raw(Arc::as_ptr(&self.waker))
        }))
    }

    pub fn is_finished(&self) -> bool {
        self.future.is_none()
    }

    /// Polls under `catch_unwind`; a panic comes back as its message. When the future
    /// completes, its value's text is in [`VALUE`].
    #[inline]
    pub fn poll(&mut self) -> Result<Poll<()>, String> {
        let waker = self.waker();
        let Some(future) = self.future.as_mut() else {
            return Err("the executor polled a finished task".to_owned());
        };
        let mut cx = Context::from_waker(&waker);
        panic::catching(|| future.as_mut().poll(&mut cx)).map_err(|p| panic::message(p.as_ref()))
    }

    /// Drops the future; a panicking destructor is caught too, it has nowhere to go.
    pub fn finish(&mut self) {
        if let Some(future) = self.future.take() {
            let _ = panic::catching(move || drop(future));
        }
    }

    /// The executor holds one reference; any more are clones held by futures, threads
    /// or timers, which may still wake the task.
    pub fn waker_held_elsewhere(&self) -> bool {
        Arc::strong_count(&self.waker) > 1
    }
}

/// Erases a future's output type: its value becomes its `Debug` text in [`VALUE`], so
/// tasks of any output type live in one list. Also says where the future lives.
pub(crate) fn boxed<F>(future: F) -> (BoxedFuture, CoroRoot)
where
    F: Future + 'static,
    F::Output: Debug,
{
    let boxed = Box::pin(DebugText { inner: future });
    let root = CoroRoot::new(&boxed.as_ref().get_ref().inner as *const F);
    (boxed, root)
}

/// Sets [`VALUE`] to `value`'s `Debug` text.
pub(crate) fn set_value<T: Debug>(value: &T) {
    VALUE.with(|text| {
        let mut text = text.borrow_mut();
        text.clear();
        // `()` is what most tasks return: its text is known without the formatter.
        if std::mem::size_of::<T>() == 0 && std::any::type_name::<T>() == "()" {
            text.push_str("()");
        } else {
            let _ = write!(text, "{value:?}");
        }
    });
}

pin_project_lite::pin_project! {
    /// Turns a future's output into its `Debug` text.
    struct DebugText<F> {
        #[pin]
        inner: F,
    }
}

impl<F> Future for DebugText<F>
where
    F: Future,
    F::Output: Debug,
{
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().inner.poll(cx).map(|value| set_value(&value))
    }
}
