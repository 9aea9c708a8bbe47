//! Where the commands' words and files go, without ever panicking on the way: stdout that
//! may be a closed pipe or a full disk, and `-o FILE` that may be `-`, a FIFO, a device or
//! a symlink.

use std::io::{self, Write};
use std::path::Path;

/// The error text that means "the reader went away": the command ends quietly with
/// [`BROKEN_PIPE_EXIT`], as a Unix tool that `head` or `less` stopped reading does.
pub(super) const BROKEN_PIPE: &str = "\u{0}broken pipe";

/// 128 + SIGPIPE: what a shell shows for a tool the signal ended.
pub(super) const BROKEN_PIPE_EXIT: u8 = 141;

/// The one-line message for a failed write to stdout (or the quiet [`BROKEN_PIPE`]).
pub(super) fn stdout_error(e: io::Error) -> String {
    if e.kind() == io::ErrorKind::BrokenPipe {
        BROKEN_PIPE.to_owned()
    } else if e.to_string() == STDOUT_CLOSED {
        STDOUT_CLOSED.to_owned()
    } else {
        format!("cannot write to standard output: {e}")
    }
}

/// True when the shell closed stdout (`>&-`). The standard library opens `/dev/null` in
/// place of a closed standard descriptor when the process starts (read-write, as no shell
/// redirection does), so what is written there would vanish while the command reports
/// success. Descriptor 1 on `/dev/null` opened read-write is taken for that.
fn stdout_closed() -> bool {
    // Asked at every line written: found out once, as it cannot change.
    static CLOSED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *CLOSED.get_or_init(stdout_closed_now)
}

fn stdout_closed_now() -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // SAFETY: F_GETFL only reads descriptor 1's flags; -1 means it is not open at all.
        let flags = unsafe { libc::fcntl(1, libc::F_GETFL) };
        if flags == -1 {
            return true;
        }
        if flags & libc::O_ACCMODE != libc::O_RDWR {
            return false;
        }
        let null = std::fs::metadata("/dev/null").map(|m| m.rdev()).ok();
        let fd1 = std::fs::metadata("/proc/self/fd/1").map(|m| m.rdev()).ok();
        null.is_some() && null == fd1
    }
    #[cfg(not(unix))]
    false
}

/// The message for a closed stdout.
const STDOUT_CLOSED: &str = "standard output is closed (>&-): nothing could be written there";

/// Set when a command's file output goes to stdout (`--plot -`): its words go to stderr,
/// so stdout holds the file alone.
static WORDS_TO_STDERR: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Sends the command's words ([`print`], `outln!`) to stderr from now on.
#[cfg_attr(not(feature = "app"), allow(dead_code))]
pub(super) fn words_to_stderr() {
    WORDS_TO_STDERR.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Writes `text` to stdout (stderr after [`words_to_stderr`]) and flushes it, so a full
/// disk is noticed here, not lost.
pub(super) fn print(text: &str) -> Result<(), String> {
    if WORDS_TO_STDERR.load(std::sync::atomic::Ordering::Relaxed) {
        let mut err = io::stderr().lock();
        return err
            .write_all(text.as_bytes())
            .and_then(|()| err.flush())
            .map_err(|e| format!("cannot write to standard error: {e}"));
    }
    if stdout_closed() {
        return Err(STDOUT_CLOSED.to_owned());
    }
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(stdout_error)
}

/// `println!` that returns the write's failure (as [`stdout_error`]) instead of panicking.
macro_rules! outln {
    () => {
        $crate::cli::output::print("\n")
    };
    ($($arg:tt)*) => {
        $crate::cli::output::print(&format!("{}\n", format_args!($($arg)*)))
    };
}
pub(super) use outln;

/// A line on stderr. If even stderr cannot be written there is no one left to tell, so
/// the failure is ignored rather than panicking as `eprintln!` would.
pub(super) fn note(text: &str) {
    let _ = writeln!(io::stderr().lock(), "{text}");
}

/// Writes a command's output file: `-` is stdout; anything else goes through
/// [`crate::tracefile::write_atomically`] (a regular file replaced atomically, a FIFO or
/// device written in place, a symlink followed). Returns whether the output was stdout, so
/// the command keeps its own words off it.
pub(super) fn write_output(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<bool, String> {
    if path.as_os_str() == "-" {
        if stdout_closed() {
            return Err(STDOUT_CLOSED.to_owned());
        }
        let stdout = io::stdout().lock();
        let mut out = io::BufWriter::with_capacity(1 << 16, stdout);
        fill(&mut out)
            .and_then(|()| out.flush())
            .map_err(stdout_error)?;
        return Ok(true);
    }
    crate::tracefile::write_atomically(path, |out| fill(out)).map_err(|e| {
        if e.io_kind() == Some(io::ErrorKind::BrokenPipe) {
            BROKEN_PIPE.to_owned()
        } else {
            e.to_string()
        }
    })?;
    Ok(false)
}

/// Stdout for a run's lines, buffered, keeping the first write error instead of
/// panicking or dropping it: the run checks it after every step and stops.
pub(super) struct Lines {
    out: std::io::BufWriter<std::io::StdoutLock<'static>>,
    failed: Option<std::io::Error>,
}

impl Lines {
    pub(super) fn new() -> Lines {
        // A closed stdout fails the first write, as a full one does.
        let failed = stdout_closed().then(|| io::Error::other(STDOUT_CLOSED));
        Lines {
            out: std::io::BufWriter::new(std::io::stdout().lock()),
            failed,
        }
    }

    /// Writes with `f` unless an earlier write failed.
    pub(super) fn write(&mut self, f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) {
        if self.failed.is_none()
            && let Err(e) = f(&mut self.out)
        {
            self.failed = Some(e);
        }
    }

    pub(super) fn line(&mut self, text: std::fmt::Arguments<'_>) {
        self.write(|w| writeln!(w, "{text}"));
    }

    /// Flushes what the step wrote (so a reader sees each step as it happens) and turns a
    /// failed write into the command's error.
    pub(super) fn check(&mut self) -> Result<(), String> {
        self.write(|w| w.flush());
        match self.failed.take() {
            Some(e) => Err(stdout_error(e)),
            None => Ok(()),
        }
    }

    pub(super) fn finish(mut self) -> Result<(), String> {
        self.check()
    }
}

/// Says what an export wrote: on stdout, or on stderr when the trace itself went to
/// stdout (so the words do not corrupt it).
pub(super) fn say_written(
    count: usize,
    what: &str,
    path: &Path,
    to_stdout: bool,
) -> Result<(), String> {
    if to_stdout {
        note(&format!("wrote {count} {what} to standard output"));
        Ok(())
    } else {
        outln!("wrote {count} {what} to {}", path.display())
    }
}
