//! The temporary file an atomic write goes through: named so it fits any legal target
//! name, removed by a signal handler if the process is stopped mid-write, and swept by
//! the next write beside the same target if the process was killed outright.
//!
//! Its name is `.{target}.{pid}.{n}.tmp` (the target's name cut short if the whole would
//! pass the 255 bytes file systems allow), so litter is recognised by its target, and by
//! a writer that no longer runs.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The longest file name most file systems take, in bytes.
const NAME_MAX: usize = 255;

/// `pid.counter`: unique among concurrent writers of this process and of others.
pub(crate) fn unique_suffix() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{}.{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// The start of every temporary name for `target` (`.{target}.`), cut so that a whole
/// temporary name fits [`NAME_MAX`].
fn prefix(target: &str) -> String {
    // Room for the pid, the counter and `.tmp`: 10 + 1 + 20 + 4 digits and dots at most.
    let room = NAME_MAX - 2 - 36;
    let mut end = target.len().min(room);
    while !target.is_char_boundary(end) {
        end -= 1;
    }
    format!(".{}.", &target[..end])
}

/// A fresh temporary path beside `target` in `dir`.
pub(super) fn path_for(dir: &Path, target: &std::ffi::OsStr) -> PathBuf {
    let mut name = OsString::from(prefix(&target.to_string_lossy()));
    name.push(format!("{}.tmp", unique_suffix()));
    dir.join(name)
}

/// Removes temporary files beside `target` left by writers that no longer run (a
/// `kill -9` mid-write): only names of this pattern, for this target, whose process is
/// gone. Best effort; returns how many went.
pub(super) fn sweep(dir: &Path, target: &std::ffi::OsStr) -> usize {
    let prefix = prefix(&target.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            continue;
        };
        let Some(middle) = name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(".tmp"))
        else {
            continue;
        };
        // `pid.counter`, both numbers, or it is not ours.
        let Some((pid, counter)) = middle.split_once('.') else {
            continue;
        };
        let (Ok(pid), true) = (
            pid.parse::<u32>(),
            !counter.is_empty() && counter.bytes().all(|b| b.is_ascii_digit()),
        ) else {
            continue;
        };
        let regular = entry.file_type().is_ok_and(|t| t.is_file());
        if regular && pid != std::process::id() && !alive(pid) {
            removed += usize::from(std::fs::remove_file(entry.path()).is_ok());
        }
    }
    removed
}

/// Whether process `pid` exists (a zombie counts: its parent may still be writing).
fn alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return false;
        };
        // SAFETY: signal 0 only checks that the process exists; nothing is sent.
        let r = unsafe { libc::kill(pid, 0) };
        r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

#[cfg(unix)]
mod in_progress {
    use std::ffi::{CString, c_char};
    use std::sync::atomic::{AtomicPtr, Ordering};

    /// The temporary file being written now, as a C string a signal handler can unlink.
    /// Its memory is never freed once published: a handler may be reading it.
    static WRITING: AtomicPtr<c_char> = AtomicPtr::new(std::ptr::null_mut());

    /// Publishes `path` as the file being written.
    pub fn start(path: &std::path::Path) {
        use std::os::unix::ffi::OsStrExt;
        if let Ok(c) = CString::new(path.as_os_str().as_bytes()) {
            WRITING.store(c.into_raw(), Ordering::SeqCst);
        }
    }

    /// The write is over (renamed or removed): nothing to clean up.
    pub fn done() {
        // Leaked on purpose (a few bytes a write): a handler may hold the pointer.
        WRITING.store(std::ptr::null_mut(), Ordering::SeqCst);
    }

    /// Removes the file being written, if any. Async-signal-safe: one atomic swap and
    /// `unlink`.
    pub fn remove() {
        let p = WRITING.swap(std::ptr::null_mut(), Ordering::SeqCst);
        if !p.is_null() {
            // SAFETY: `p` came from `CString::into_raw` and is never freed.
            unsafe {
                libc::unlink(p);
            }
        }
    }
}

#[cfg(not(unix))]
mod in_progress {
    pub fn start(_: &std::path::Path) {}
    pub fn done() {}
    pub fn remove() {}
}

pub(super) use in_progress::{done, start};

/// Removes the temporary file of a write in progress. Safe to call from a signal handler
/// (the CLI calls it on SIGINT, SIGTERM and SIGHUP before the process ends).
pub fn remove_in_progress() {
    in_progress::remove();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_temporary_name_fits_255_bytes_for_any_target_name() {
        for len in [1, 200, 240, 243, 255] {
            let target = "é".repeat(len / 2) + &"x".repeat(len % 2);
            let path = path_for(Path::new("/tmp"), target.as_ref());
            let name = path.file_name().map_or(0, |n| n.len());
            assert!(name <= NAME_MAX, "{len}: {name}");
            assert!(path.to_string_lossy().ends_with(".tmp"));
        }
    }
}
