//! Native trace files: a header line, then the trace as JSON Lines in exactly the schema
//! of `pollscope step --json` ([`crate::jsonl`]), so a saved run can be replayed, shared
//! and processed by any JSON tool.
//!
//! ```
//! use pollscope::executor::{Executor, Policy, Step};
//! use pollscope::tracefile::{self, Header};
//!
//! let mut ex = Executor::new(Policy::WakerDriven);
//! ex.spawn("two", async { 2 });
//! while let Step::Polled(_) = ex.step() {}
//! let trace = ex.snapshot();
//!
//! let mut file = Vec::new();
//! tracefile::write(&mut file, &Header::for_policy(Policy::WakerDriven), &trace).unwrap();
//! let (header, loaded) = tracefile::read(&file[..]).unwrap();
//! assert_eq!(header.policy, Some(Policy::WakerDriven));
//! assert_eq!(loaded.events, trace.events);
//! ```

mod error;
mod header;

pub use error::FileError;
pub use header::Header;

use crate::jsonl::{self, JsonEvent};
use crate::trace::Trace;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The header's `format`: what makes a JSON Lines file a pollscope trace.
pub const FORMAT: &str = "pollscope-trace";

/// The newest format version this pollscope reads and the one it writes. Version 2 put
/// the program (title, explanation, every source file) in the header and a `parent` in
/// spawn events; version 1 files are still read.
pub const VERSION: u32 = 2;

/// Writes `header` and every event of `trace`. Buffer `out`: this writes line by line.
pub fn write(out: &mut impl Write, header: &Header, trace: &Trace) -> io::Result<()> {
    out.write_all(&header::encode(header)?)?;
    out.write_all(b"\n")?;
    jsonl::write_events(out, trace, 0)
}

/// Saves a trace file at `path`, atomically: a reader (or a crash) sees the old file or
/// the complete new one, never half of it.
pub fn save(path: &Path, header: &Header, trace: &Trace) -> Result<(), FileError> {
    write_atomically(path, |out| write(out, header, trace))
}

/// Writes a file through `fill` into a temporary file beside `path`, flushes it to disk,
/// then renames it over `path`. On failure the temporary file is removed and `path` is
/// left as it was.
pub fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> Result<(), FileError> {
    let fail = |e| FileError::io(Some(path.to_owned()), true, e);
    let name = path.file_name().ok_or_else(|| {
        fail(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the path does not name a file",
        ))
    })?;
    // Same directory, so the rename never crosses file systems (which would not be atomic).
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        unique_suffix()
    ));
    let file = File::options()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(fail)?;
    let written = (|| {
        let mut out = BufWriter::with_capacity(1 << 16, file);
        fill(&mut out)?;
        let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(e));
    }
    sync_dir(dir);
    Ok(())
}

/// Makes the rename itself durable. Best effort: not every platform can open a directory,
/// and the file is already complete either way.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// `pid.counter`: unique among concurrent writers of this process and of others.
pub(crate) fn unique_suffix() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{}.{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Reads a trace file: its header and the trace, checked line by line.
///
/// Never panics, whatever the input; every problem is a [`FileError`] naming its line.
/// Blank lines are skipped (an editor may add one at the end).
pub fn read(mut input: impl BufRead) -> Result<(Header, Trace), FileError> {
    let mut buf = Vec::with_capacity(512);
    let mut line = 0usize;
    let mut header = None;
    let mut decoder = jsonl::Decoder::default();
    loop {
        buf.clear();
        let n = input
            .read_until(b'\n', &mut buf)
            .map_err(|e| FileError::io(None, false, e))?;
        if n == 0 {
            break;
        }
        line += 1;
        // Without its line ending, a line's errors point at its own columns, not the next line.
        let text = buf.trim_ascii_end();
        if text.is_empty() {
            continue;
        }
        if header.is_none() {
            header = Some(header::decode(text)?);
            continue;
        }
        let json: JsonEvent =
            serde_json::from_slice(text).map_err(|e| FileError::from_json(line, &e))?;
        decoder.push(line, &json)?;
    }
    let header = header.ok_or(FileError::Empty)?;
    Ok((header, decoder.finish()))
}

/// Reads the trace file at `path` (see [`read`]).
pub fn load(path: &Path) -> Result<(Header, Trace), FileError> {
    let with_path = |e: FileError| match e {
        FileError::Io {
            path: None,
            writing,
            source,
        } => FileError::io(Some(path.to_owned()), writing, source),
        other => other,
    };
    let file = File::open(path).map_err(|e| FileError::io(Some(path.to_owned()), false, e))?;
    read(BufReader::with_capacity(1 << 16, file)).map_err(with_path)
}
