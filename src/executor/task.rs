//! One spawned task: its future and its waker in one allocation (as in every executor it is
//! measured against), and its bookkeeping.

use super::arena::{self, Arena};
use super::panic;
use super::waker::TaskWaker;
use crate::coro::{ChainCopy, Index, Lookup, Lookups, Root};
use std::alloc::Layout;
use std::cell::{RefCell, UnsafeCell};
use std::fmt::{Debug, Write};
use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering, fence};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

thread_local! {
    /// The `Debug` text of the value of the task that just completed on this thread.
    pub(crate) static VALUE: RefCell<String> = const { RefCell::new(String::new()) };
}

/// How a task's value is told, once its future is ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Value {
    /// `()`, what most tasks return: its text is known without formatting or [`VALUE`].
    Unit,
    /// The `Debug` text is in [`VALUE`].
    Text,
}

/// A task's future as the executor keeps it: its value's `Debug` text goes to [`VALUE`]
/// rather than being returned, so tasks of any output type live in one list and finishing
/// one allocates no `String` of its own.
pub(crate) trait Wrapped: Future<Output = Value> + 'static {
    /// The program's own future inside: its type (to find its layout in the debug info)
    /// and its address (to read its state).
    fn root(&self) -> (Root, *const u8);
}

/// What polling a task that has finished says (the executor never does).
const POLLED_FINISHED: &str = "the executor polled a finished task";

/// The one allocation of a task: its reference count, the waker other threads reach, and
/// the future only the executor's thread touches.
///
/// Counted by hand rather than in an `Arc` (whose weak count and `Wake` glue cost atomic
/// operations every task pays): the executor's [`Task`] holds one reference and each
/// clone of the task's `Waker` one more. The executor usually holds the last one, and then
/// frees the cell without an atomic operation (see [`Task::finish`]).
///
/// `repr(C)` with the head first: the executor reads the count and the waker through the
/// cell's address alone, without a call through the type-erased [`Body`].
#[repr(C)]
struct TaskCell<F> {
    head: Head,
    /// `None` once finished: a completed future is never polled again.
    future: UnsafeCell<Option<F>>,
}

/// The part of a cell that does not depend on its future's type.
struct Head {
    refs: AtomicUsize,
    waker: TaskWaker,
}

impl Head {
    /// True while the executor's is the only reference: no clone of the waker is alive,
    /// so no other thread can touch the cell, nor get a waker to do so. (Acquire: what a
    /// thread did with the clone it let go happens before.)
    fn sole(&self) -> bool {
        self.refs.load(Ordering::Acquire) == 1
    }
}

// SAFETY: other threads reach a cell only through its `Waker`, which touches its head
// alone (atomics and the `Send + Sync` shared state). `future` is polled and
// dropped only on the executor's thread (`Body`'s methods are `unsafe` for that reason),
// and always dropped there, by `Task::finish` (from `Task`'s `Drop` at the latest), before
// the executor lets go of its reference. So the last reference, on whatever thread it
// goes, frees a cell whose future is already gone.
unsafe impl<F> Send for TaskCell<F> {}
// SAFETY: as for `Send`.
unsafe impl<F> Sync for TaskCell<F> {}

impl<F: Wrapped> TaskCell<F> {
    /// The `Waker` functions of cells of this future type: the waker's data pointer is the
    /// cell's address.
    const VTABLE: RawWakerVTable = RawWakerVTable::new(
        Self::clone_waker,
        Self::wake,
        Self::wake_by_ref,
        Self::drop_waker,
    );

    unsafe fn clone_waker(data: *const ()) -> RawWaker {
        // SAFETY: `data` is a live cell's address: the waker being cloned holds a reference.
        let cell = unsafe { &*data.cast::<Self>() };
        // Relaxed, as `Arc::clone`: a new reference comes from an existing one, so nothing
        // needs ordering against it.
        if cell.head.refs.fetch_add(1, Ordering::Relaxed) > isize::MAX as usize {
            // As `Arc` does: a count this high means clones are being leaked in a loop.
            std::process::abort();
        }
        RawWaker::new(data, &Self::VTABLE)
    }

    unsafe fn wake(data: *const ()) {
        // SAFETY: the waker owns a reference, let go right after.
        unsafe {
            Self::wake_by_ref(data);
            Self::drop_waker(data);
        }
    }

    unsafe fn wake_by_ref(data: *const ()) {
        // SAFETY: as in `clone_waker`.
        let head = &unsafe { &*data.cast::<Self>() }.head;
        head.waker.wake_by_ref(head.sole());
    }

    unsafe fn drop_waker(data: *const ()) {
        let cell = data.cast::<Self>();
        // SAFETY: the waker owns a reference; it is let go once, here.
        unsafe {
            if (*cell).head.refs.fetch_sub(1, Ordering::Release) != 1 {
                return;
            }
            fence(Ordering::Acquire);
            // The executor's reference went first, so the future is gone (see `Send`).
            let shared = (*cell).head.waker.shared;
            std::ptr::drop_in_place(cell.cast_mut());
            arena::free(
                NonNull::new_unchecked(cell.cast_mut()).cast(),
                Layout::new::<Self>(),
            );
            shared.release();
        }
    }
}

/// A cell with its future's type erased.
trait Body {
    /// Polls under `catch_unwind`; a panic comes back as its message.
    ///
    /// # Safety
    /// On the executor's thread only, never during another call of this cell's methods.
    unsafe fn poll(&self) -> Result<Poll<Value>, String>;

    /// Drops the future in place (it is pinned); the slot is empty after, even if its
    /// destructor panics.
    ///
    /// # Safety
    /// As for [`poll`](Body::poll).
    unsafe fn drop_future(&self);

    /// See [`Wrapped::root`]; `None` once the future is gone.
    ///
    /// # Safety
    /// As for [`poll`](Body::poll).
    unsafe fn root(&self) -> Option<(Root, *const u8)>;
}

impl<F: Wrapped> Body for TaskCell<F> {
    unsafe fn poll(&self) -> Result<Poll<Value>, String> {
        let data = (self as *const Self).cast::<()>();
        // SAFETY: the vtable's functions are this cell type's. The waker is borrowed, not
        // counted: `ManuallyDrop` keeps it from letting go of a reference it does not own,
        // and the task's own reference keeps the cell alive through the poll; a future that
        // keeps the waker clones it, which counts.
        let waker =
            ManuallyDrop::new(unsafe { Waker::from_raw(RawWaker::new(data, &Self::VTABLE)) });
        // SAFETY: the caller's contract: nothing else touches `future` meanwhile.
        let slot = unsafe { &mut *self.future.get() };
        let Some(future) = slot.as_mut() else {
            return Err(POLLED_FINISHED.to_owned());
        };
        // SAFETY: the future lives in the cell's allocation, which never moves, and it is
        // never moved out of it: `drop_future` drops it in place.
        let future = unsafe { Pin::new_unchecked(future) };
        let mut cx = Context::from_waker(&waker);
        panic::catching(|| future.poll(&mut cx)).map_err(|p| panic::message(p.as_ref()))
    }

    unsafe fn drop_future(&self) {
        /// Empties the slot without dropping what it holds, also on unwind, so a
        /// destructor that panics leaves no half-dropped future to be dropped again.
        struct Empty<F>(*mut Option<F>);
        impl<F> Drop for Empty<F> {
            fn drop(&mut self) {
                // SAFETY: the slot's value was dropped in place just before.
                unsafe { std::ptr::write(self.0, None) }
            }
        }
        let slot = self.future.get();
        // SAFETY: the caller's contract: nothing else touches `future` meanwhile.
        if let Some(future) = unsafe { (*slot).as_mut() } {
            let future: *mut F = future;
            let _empty = Empty(slot);
            // SAFETY: dropped exactly once, in place (it is pinned), and the slot is
            // emptied right after without touching it again.
            unsafe { std::ptr::drop_in_place(future) };
        }
    }

    unsafe fn root(&self) -> Option<(Root, *const u8)> {
        // SAFETY: the caller's contract: nothing else touches `future` meanwhile.
        unsafe { &*self.future.get() }.as_ref().map(F::root)
    }
}

pub(crate) struct Task {
    /// The cell (carved from the executor's arena, see `arena.rs`) while the task is
    /// unfinished: this handle holds one of its references. `None` once the task finished
    /// (its future dropped and the reference let go at once, so a finished task keeps no
    /// memory of its own) and for a stand-in. Not `Send`: the executor's thread alone
    /// drops futures.
    body: Option<NonNull<dyn Body>>,
    pub polls: u32,
    /// Its state after its last poll is owed (its debug info was still being read).
    pub owed: bool,
    /// The future's type, once asked for: found, its debug info still being read, or not
    /// a coroutine the debug info describes.
    found: Option<Lookup>,
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
    /// A task of `future`, woken through `waker`.
    pub fn new<F: Wrapped>(arena: &mut Arena, waker: TaskWaker, future: F) -> Task {
        Task {
            body: Some(cell(arena, waker, future)),
            polls: 0,
            owed: false,
            found: None,
        }
    }

    /// The stand-in for a task another runtime polls: it has no future here, so it
    /// counts as finished to this executor.
    pub fn foreign() -> Task {
        Task {
            body: None,
            polls: 0,
            owed: false,
            found: None,
        }
    }

    fn body(&self) -> Option<&dyn Body> {
        // SAFETY: this handle's reference keeps the cell alive while it is here.
        self.body.map(|b| unsafe { &*b.as_ptr() })
    }

    /// The head of the cell (see [`TaskCell`]).
    fn head(&self) -> Option<&Head> {
        // SAFETY: this handle's reference keeps the cell alive while it is here.
        self.body.map(|b| unsafe { head_of(b) })
    }

    /// The task's waker state (its id, its flag, the executor it wakes); `None` once
    /// finished.
    pub fn waker(&self) -> Option<&TaskWaker> {
        self.head().map(|h| &h.waker)
    }

    /// Clears the waker's flag as a poll starts: a wake from then on asks for another poll.
    /// A wake from another thread sets the flag and then posts to the inbox, which the
    /// executor reads after this store: the store needs a full fence, which waits for the
    /// store buffer (full of the trace's writes) to drain. With no clone of the waker alive
    /// no other thread can wake the task, and a plain store does.
    pub fn clear_woken(&self) {
        if let Some(head) = self.head() {
            let order = if head.sole() {
                Ordering::Relaxed
            } else {
                Ordering::SeqCst
            };
            head.waker.woken.store(false, order);
        }
    }

    /// The data pointer of the task's `Waker`: a waker with it is this task's (null once
    /// finished).
    pub fn waker_data(&self) -> *const () {
        self.body
            .map_or(std::ptr::null(), |b| b.as_ptr().cast_const().cast())
    }

    /// References to the task: the executor's own, and one per clone of its waker (none
    /// counted once finished).
    pub fn references(&self) -> usize {
        self.head().map_or(0, |h| h.refs.load(Ordering::Acquire))
    }

    /// Looks the future's type up in `index` (once it is found or known not to be there).
    /// With `wait`, the debug info describing it is read here if it has not been; without,
    /// it is asked for, to be read on the loader thread. Done before a poll: reading debug
    /// info allocates, and nothing may allocate between a poll and its capture.
    pub fn look_up_coro(&mut self, index: &Index, wait: bool, lookups: &mut Lookups) {
        if !matches!(self.found, None | Some(Lookup::Pending)) {
            return;
        }
        let Some(body) = self.body() else { return };
        // SAFETY: the executor calls this on its thread, between polls.
        if let Some((root, _)) = unsafe { body.root() } {
            self.found = Some(lookups.type_of(&root, index, wait));
        }
    }

    /// Copies the await chain the compiler's state machines show now into `reading` (see
    /// [`ChainCopy::capture`]), if [`look_up_coro`](Self::look_up_coro) found the type.
    pub fn capture_coro(&self, reading: &mut ChainCopy) -> Capture {
        let Some(body) = self.body() else {
            return Capture::Nothing;
        };
        match &self.found {
            Some(Lookup::Found(root)) => {
                // SAFETY: the executor calls this on its thread, between polls.
                let Some((_, ptr)) = (unsafe { body.root() }) else {
                    return Capture::Nothing;
                };
                // SAFETY: `ptr` points to the task's future inside its cell, which is alive
                // (not finished) and pinned; this runs on the executor's thread between
                // polls, so nothing polls or moves it meanwhile.
                unsafe { reading.capture(root, ptr) };
                Capture::Read
            }
            Some(Lookup::Pending) => Capture::Pending,
            Some(Lookup::Unknown) | None => Capture::Nothing,
        }
    }

    pub fn is_finished(&self) -> bool {
        self.body.is_none()
    }

    /// Polls under `catch_unwind`; a panic comes back as its message. When the future
    /// completes, its value's text is in [`VALUE`].
    #[inline]
    pub fn poll(&mut self) -> Result<Poll<Value>, String> {
        match self.body() {
            // SAFETY: `Task` is not `Send` (it holds a raw pointer), so this runs on the
            // executor's thread, and `&mut self` rules out any other call on the cell now.
            Some(body) => unsafe { body.poll() },
            None => Err(POLLED_FINISHED.to_owned()),
        }
    }

    /// Drops the future (a panicking destructor is caught too: it has nowhere to go) and
    /// lets the cell go; the last waker clone frees it if one is still held. Freed here,
    /// its slot goes to `arena` for reuse when given (the executor's, during a run).
    pub fn finish(&mut self, arena: Option<&mut Arena>) {
        // Taken first: from here on the task is finished, whatever happens to the cell.
        let Some(cell) = self.body.take() else {
            return;
        };
        // SAFETY: this handle's reference, let go below, keeps the cell alive until then.
        let (body, head) = unsafe { (&*cell.as_ptr(), head_of(cell)) };
        // SAFETY: as for `poll`.
        let _ = panic::catching(|| unsafe { body.drop_future() });
        let refs = &head.refs;
        // The last reference (no waker clone alive, the common case) is seen with a load:
        // no other thread can make a new one without holding one. Acquire: what a thread
        // that let its clone go did to the cell happens before the free.
        if refs.load(Ordering::Acquire) != 1 && refs.fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        fence(Ordering::Acquire);
        let shared = head.waker.shared;
        let layout = Layout::for_value(body);
        // SAFETY: the last reference: nothing else reaches the cell, which `cell` made
        // with this layout (the vtable's size and alignment are the cell type's).
        unsafe {
            std::ptr::drop_in_place(cell.as_ptr());
            match arena {
                Some(arena) => arena.recycle(cell.cast(), layout),
                None => arena::free(cell.cast(), layout),
            }
        }
        // SAFETY: `Task` is not `Send`, so this is the executor's thread, and the executor
        // is alive: it drops its tasks before letting its references go.
        unsafe { shared.give_back() };
    }

    /// The executor holds one reference; any more are clones held by futures, threads
    /// or timers, which may still wake the task.
    pub fn waker_held_elsewhere(&self) -> bool {
        self.references() > 1
    }
}

impl std::fmt::Debug for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Task")
            .field("finished", &self.is_finished())
            .field("polls", &self.polls)
            .finish_non_exhaustive()
    }
}

impl Drop for Task {
    /// The future goes on the executor's thread, whoever holds the last waker.
    fn drop(&mut self) {
        self.finish(None);
    }
}

/// The head of `cell`, read through its address alone.
///
/// # Safety
/// `cell` is alive for `'a`.
unsafe fn head_of<'a>(cell: NonNull<dyn Body>) -> &'a Head {
    // SAFETY: every cell is a `repr(C)` `TaskCell` whose first field is its `Head`; the
    // caller keeps it alive.
    unsafe { &*cell.as_ptr().cast::<Head>() }
}

/// A new cell holding `future`, with the one reference its [`Task`] takes.
fn cell<F: Wrapped>(arena: &mut Arena, waker: TaskWaker, future: F) -> NonNull<dyn Body> {
    let cell = arena
        .alloc(Layout::new::<TaskCell<F>>())
        .cast::<TaskCell<F>>();
    // SAFETY: fresh memory with the cell type's layout.
    unsafe {
        cell.write(TaskCell {
            head: Head {
                refs: AtomicUsize::new(1),
                waker,
            },
            future: UnsafeCell::new(Some(future)),
        })
    };
    cell
}

/// Tells `value`: `()` as such, anything else as its `Debug` text in [`VALUE`].
pub(crate) fn set_value<T: Debug>(value: &T) -> Value {
    // Decided at compile time: the type's size and name are constants.
    if std::mem::size_of::<T>() == 0 && std::any::type_name::<T>() == "()" {
        return Value::Unit;
    }
    VALUE.with(|text| {
        let mut text = text.borrow_mut();
        text.clear();
        let _ = write!(text, "{value:?}");
    });
    Value::Text
}

pin_project_lite::pin_project! {
    /// A spawned future whose output becomes its `Debug` text.
    pub(crate) struct DebugText<F> {
        #[pin]
        inner: F,
    }
}

impl<F> DebugText<F> {
    pub fn new(inner: F) -> Self {
        DebugText { inner }
    }
}

impl<F> Future for DebugText<F>
where
    F: Future,
    F::Output: Debug,
{
    type Output = Value;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Value> {
        self.project().inner.poll(cx).map(|value| set_value(&value))
    }
}

impl<F> Wrapped for DebugText<F>
where
    F: Future + 'static,
    F::Output: Debug,
{
    fn root(&self) -> (Root, *const u8) {
        (Root::of::<F>(), (&self.inner as *const F).cast())
    }
}
