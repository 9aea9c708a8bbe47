//! Ctrl-C for commands that can stop early and still report: the first press asks the
//! work to stop (after what is in flight) so what is done can be printed; a second press
//! ends the process at once, as Ctrl-C usually does.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set by the first Ctrl-C.
static STOP: AtomicBool = AtomicBool::new(false);

/// The exit code of a command stopped by Ctrl-C: 128 + SIGINT, as a shell reports it.
pub(super) const INTERRUPTED_EXIT: u8 = 130;

/// Installs the handler (once) and returns the flag it sets.
pub(super) fn install() -> &'static AtomicBool {
    #[cfg(unix)]
    {
        static INSTALLED: std::sync::Once = std::sync::Once::new();
        INSTALLED.call_once(|| {
            let handler = on_interrupt as extern "C" fn(libc::c_int);
            // SAFETY: the handler only touches an atomic and calls `_exit`, both
            // async-signal-safe.
            unsafe {
                libc::signal(libc::SIGINT, handler as libc::sighandler_t);
            }
        });
    }
    &STOP
}

#[cfg(unix)]
extern "C" fn on_interrupt(_: libc::c_int) {
    if STOP.swap(true, Ordering::SeqCst) {
        crate::tracefile::remove_in_progress();
        // SAFETY: `_exit` is async-signal-safe; the user asked twice.
        unsafe { libc::_exit(i32::from(INTERRUPTED_EXIT)) }
    }
}

/// Whether Ctrl-C was pressed.
pub(super) fn requested() -> bool {
    STOP.load(Ordering::SeqCst)
}
