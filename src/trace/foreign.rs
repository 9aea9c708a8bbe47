//! Which task of another runtime (tokio) this thread is polling, as that runtime's hooks
//! report it: a pollscope waker called during such a poll names that task as the waker,
//! and a task spawned during it names it as the parent.

use std::cell::Cell;

thread_local! {
    static POLLING: Cell<Option<u64>> = const { Cell::new(None) };
    /// Set when the task being polled ended inside the poll (its runtime said so).
    static ENDED: Cell<bool> = const { Cell::new(false) };
    /// The message of a panic inside the poll of the task being polled.
    static PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Notes a panic on this thread (from the panic hook) if one of the other runtime's
/// tasks is being polled here: if the task ends in this poll, it ended by this panic.
pub(crate) fn panicked(message: impl FnOnce() -> String) {
    if polling().is_some() {
        let _ = PANIC.try_with(|p| p.replace(Some(message())));
    }
}

/// Takes the message of a panic inside the poll that is over, if any.
#[cfg_attr(not(all(feature = "tokio", tokio_unstable)), allow(dead_code))]
pub(crate) fn take_panic() -> Option<String> {
    PANIC.try_with(|p| p.take()).ok().flatten()
}

/// The other runtime's task being polled on this thread, by that runtime's number.
#[inline]
pub(crate) fn polling() -> Option<u64> {
    POLLING.try_with(Cell::get).ok().flatten()
}

/// Marks this thread as polling `key` (`None`: no longer); returns whether the task
/// ended inside the poll that is over.
#[cfg_attr(not(all(feature = "tokio", tokio_unstable)), allow(dead_code))]
pub(crate) fn set_polling(key: Option<u64>) -> bool {
    let _ = POLLING.try_with(|p| p.set(key));
    ENDED.try_with(|e| e.replace(false)).unwrap_or(false)
}

/// Notes that `key` ended: inside its own poll on this thread, true (the poll's end says
/// so); otherwise false (it ended outside any poll: cancelled).
#[cfg_attr(not(all(feature = "tokio", tokio_unstable)), allow(dead_code))]
pub(crate) fn ended(key: u64) -> bool {
    if polling() == Some(key) {
        let _ = ENDED.try_with(|e| e.set(true));
        true
    } else {
        false
    }
}
