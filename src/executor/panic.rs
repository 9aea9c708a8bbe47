//! Panics inside polls are caught and recorded; this keeps them from also being printed.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{self, PanicHookInfo};
use std::sync::Once;

thread_local! {
    /// Set while a poll (or a worker closure) runs under `catch_unwind`: its panics are
    /// expected, recorded in the trace, and not noise for stderr.
    static CATCHING: Cell<bool> = const { Cell::new(false) };
    /// Where the last caught panic happened, taken by [`message`].
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

/// Installs (once per process) a panic hook that stays quiet for caught panics and
/// otherwise defers to the hook that was there before.
pub(crate) fn install_quiet_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info: &PanicHookInfo<'_>| {
            // A panic in a poll of one of tokio's tasks: tokio catches it and ends the task;
            // the trace says it ended by this panic.
            crate::trace::foreign::panicked(|| {
                let text = info
                    .payload_as_str()
                    .unwrap_or("panic with a non-string payload");
                match info.location() {
                    Some(l) => format!("{text} (at {}:{})", l.file(), l.line()),
                    None => text.to_owned(),
                }
            });
            if CATCHING.with(Cell::get) {
                if let Some(l) = info.location() {
                    let at = format!("{}:{}", l.file(), l.line());
                    LOCATION.with(|c| c.replace(Some(at)));
                }
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f` with the quiet hook active for this thread. (The hook is installed by every
/// executor and worker before their first `catching`; a location left by a panic is
/// always taken by [`message`], so nothing needs resetting on the way in.)
#[inline]
pub(crate) fn catching<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    let was = CATCHING.with(|c| c.replace(true));
    let result = panic::catch_unwind(panic::AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(was));
    result
}

/// The panic's message, with the location where it happened when known; the location is
/// left for [`message`] to take again (a panic that is caught and then resumed).
pub(crate) fn message_keeping_location(payload: &(dyn Any + Send)) -> String {
    let location = LOCATION.with(|c| c.borrow().clone());
    let text = message(payload);
    LOCATION.with(|c| c.replace(location));
    text
}

/// The panic's message, with the location where it happened when known.
pub fn message(payload: &(dyn Any + Send)) -> String {
    let text = if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_owned()
    };
    match LOCATION.with(RefCell::take) {
        Some(at) => format!("{text} (at {at})"),
        None => text,
    }
}
