//! The trace file benchmark: save and load a big recorded trace.

use crate::tracefile::{self, FileError, Header};
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;

/// Timings of one save and one load of a big recorded trace.
#[derive(Clone, Debug, Serialize)]
pub struct LoadBench {
    /// Events in the trace.
    pub events: usize,
    /// Size of the file.
    pub bytes: u64,
    /// Time to save it (atomically, synced to disk).
    pub save_ms: f64,
    /// Time to load and check it.
    pub load_ms: f64,
}

/// Records a trace of about `events` events over `tasks` tasks, saves it to a temporary
/// file, loads it back, and times both. The file is removed afterwards.
pub fn load(tasks: usize, events: usize) -> Result<LoadBench, FileError> {
    // Each yield costs about seven events (see `bench::rewind`).
    let yields = (events / tasks.max(1) / 7).max(1);
    let trace = super::yield_trace(tasks, yields);
    let path = bench_path();
    let header = Header::for_policy(crate::executor::Policy::WakerDriven);
    let result = (|| {
        let start = Instant::now();
        tracefile::save(&path, &header, &trace)?;
        let save_ms = start.elapsed().as_secs_f64() * 1e3;
        let bytes = std::fs::metadata(&path)
            .map_err(|e| FileError::io(Some(path.clone()), false, e))?
            .len();
        let start = Instant::now();
        let (_, loaded) = tracefile::load(&path)?;
        let load_ms = start.elapsed().as_secs_f64() * 1e3;
        Ok(LoadBench {
            events: loaded.len(),
            bytes,
            save_ms,
            load_ms,
        })
    })();
    let _ = std::fs::remove_file(&path);
    result
}

fn bench_path() -> PathBuf {
    std::env::temp_dir().join(format!(
        "pollscope-bench-{}.jsonl",
        tracefile::unique_suffix()
    ))
}
