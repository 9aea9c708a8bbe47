//! Signals that end a command leave no temporary file behind: an output being written
//! atomically (`tracefile::write_atomically`) is removed before the process ends.

/// Makes the signals that end a command (SIGINT, SIGTERM, SIGHUP) remove the temporary
/// file of an output being written before the process ends as the signal says; and a
/// file grown past the size limit (SIGXFSZ) a failed write, which removes it too, instead
/// of a core dump.
pub(super) fn clean_up_on_signals() {
    #[cfg(unix)]
    {
        let handler = on_ending_signal as extern "C" fn(libc::c_int);
        // SAFETY: the handler only calls async-signal-safe functions (`unlink`, `signal`,
        // `raise`); ignoring SIGXFSZ turns it into EFBIG from `write`.
        unsafe {
            for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
                libc::signal(sig, handler as libc::sighandler_t);
            }
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        }
    }
}

#[cfg(unix)]
extern "C" fn on_ending_signal(sig: libc::c_int) {
    crate::tracefile::remove_in_progress();
    // SAFETY: back to the default action and raised again: the process ends as the signal
    // asks, with the status a shell expects.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
}
