//! Shared by the trace file and export tests: run a lesson to its end (demo server and
//! worker threads included), temporary files that clean up after themselves.

#![allow(dead_code)]

#[cfg(feature = "lessons")]
use pollscope::{
    drive::{End, Limits},
    executor::Policy,
    lessons,
    trace::Trace,
};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

#[cfg(feature = "lessons")]
/// Runs lesson `id` until every task is done or none can be woken, parking while worker
/// threads work; at most `max_polls` polls (busy polling polls while it waits).
pub fn run_lesson(id: &str, policy: Policy, max_polls: usize) -> Trace {
    let program = lessons::find(id).unwrap().program();
    let limits = Limits {
        max_polls,
        ..Limits::default()
    };
    let recording = pollscope::program::record_with(&program, policy, Vec::new(), limits).unwrap();
    assert!(
        !matches!(recording.end, End::TimedOut { .. }),
        "lesson {id} timed out"
    );
    recording.trace
}

/// A path in the temp directory, unique to this process and call, removed on drop.
pub struct TempPath(pub PathBuf);

impl TempPath {
    pub fn new(tag: &str) -> TempPath {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        TempPath(
            std::env::temp_dir().join(format!("pollscope-test-{}-{n}-{tag}", std::process::id())),
        )
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        if self.0.is_dir() {
            let _ = std::fs::remove_dir_all(&self.0);
        } else {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}
