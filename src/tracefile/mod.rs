//! Native trace files: a header line, then the trace as JSON Lines in exactly the schema
//! of `pollscope step --json` ([`crate::tracefile::jsonl`]), so a saved run can be replayed, shared
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

mod console;
mod error;
mod header;
pub mod jsonl;
mod lines;
mod output;
mod temp;

pub use error::FileError;
pub use header::Header;
pub use lines::MAX_LINE;
pub use output::write_atomically;
pub use temp::remove_in_progress;
pub(crate) use temp::unique_suffix;

use crate::trace::Trace;
use jsonl::JsonEvent;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::Path;

/// The header's `format`: what makes a JSON Lines file a pollscope trace.
pub const FORMAT: &str = "pollscope-trace";

/// The newest format version this pollscope reads and the one it writes. Version 3 put
/// the event count in the header and an end line after the last event, so a file cut
/// short is refused instead of replaying part of a run; version 2 put the program (title,
/// explanation, every source file) in the header and a `parent` in spawn events. Versions
/// 1 and 2 are still read, with a warning that they cannot prove they are complete.
pub const VERSION: u32 = 3;

/// Writes `header`, every event of `trace`, and the end line. Buffer `out`: this writes
/// line by line.
pub fn write(out: &mut impl Write, header: &Header, trace: &Trace) -> io::Result<()> {
    let events = trace.len() as u64;
    out.write_all(&header::encode(header, events)?)?;
    out.write_all(b"\n")?;
    jsonl::write_events(out, trace, 0)?;
    out.write_all(&header::end_line(events)?)?;
    out.write_all(b"\n")
}

/// Saves a trace file at `path`, atomically: a reader (or a crash) sees the old file or
/// the complete new one, never half of it.
pub fn save(path: &Path, header: &Header, trace: &Trace) -> Result<(), FileError> {
    write_atomically(path, |out| write(out, header, trace))
}

/// Reads a trace file: its header and the trace, checked line by line.
///
/// Never panics, whatever the input; every problem is a [`FileError`] naming its line. A
/// line over [`lines::MAX_LINE`] (64 MiB) is refused without reading further, so a file with
/// no line breaks cannot take all memory.
/// Blank lines are skipped (an editor may add one at the end). A file of version 3 or
/// later must hold as many events as its header says and end with its end line; an older
/// file has neither, and loads with a warning in [`Header::warnings`]. Strings over
/// [`crate::trace::NAME_CAP`] / [`crate::trace::VALUE_CAP`] are cut, with a warning.
///
/// A tokio-console recording (console-subscriber's `recording_path`, first line `{"v":1}`)
/// is read too, as a trace of its tasks' polls, wakes and closes; what it cannot carry
/// over is counted in one of [`Header::warnings`].
pub fn read(mut input: impl BufRead) -> Result<(Header, Trace), FileError> {
    let mut buf = Vec::with_capacity(512);
    let mut line = 0usize;
    let mut header: Option<(Header, Option<u64>)> = None;
    let mut ended = false;
    let mut decoder = jsonl::Decoder::default();
    while lines::next_line(
        &mut input,
        &mut buf,
        line + 1,
        lines::MAX_LINE,
        "a pollscope trace",
    )? {
        line += 1;
        // Without its line ending, a line's errors point at its own columns, not the next line.
        let text = buf.trim_ascii_end();
        // An editor's byte-order mark before the header is not part of it.
        let text = match line {
            1 => text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text),
            _ => text,
        };
        if text.is_empty() {
            continue;
        }
        let Some((_, expected)) = &header else {
            // A tokio-console recording is read whole by its own reader.
            if console::is_header(text) {
                return console::read(line, text, input);
            }
            header = Some(header::decode(text)?);
            continue;
        };
        if ended {
            return Err(FileError::invalid(
                line,
                "content after the end line: the file was written over or appended to",
            ));
        }
        if let Some(count) = header::parse_end(line, text)? {
            let held = decoder.len() as u64;
            // Say which count disagrees: the header's, or the end line's with the file.
            let wrong = match *expected {
                Some(e) if e != count && count == held => Some(format!(
                    "the header counts {e} events, but the end line and the file {held}"
                )),
                Some(e) if e != count => Some(format!(
                    "the header counts {e} events, the end line {count}, and the file holds \
                     {held}"
                )),
                _ if count != held => Some(format!(
                    "the end line counts {count} events, but the file holds {held}"
                )),
                _ => None,
            };
            if let Some(wrong) = wrong {
                return Err(FileError::invalid(line, wrong));
            }
            ended = true;
            continue;
        }
        // Parsed first, so a line cut short is named as such, even where the end line was due.
        let json: JsonEvent =
            serde_json::from_slice(text).map_err(|e| FileError::from_json(line, &e))?;
        if expected.is_some_and(|e| decoder.len() as u64 >= e) {
            return Err(FileError::invalid(
                line,
                format!(
                    "more events than the {} the header counts",
                    expected.unwrap_or_default()
                ),
            ));
        }
        decoder.push(line, &json)?;
    }
    let (mut header, expected) = header.ok_or(FileError::Empty)?;
    let found = decoder.len() as u64;
    match expected {
        Some(expected) if found < expected || !ended => {
            return Err(FileError::Truncated { found, expected });
        }
        Some(_) => {}
        None => header.warnings.push(
            "an older trace file (before version 3): it has no event count, so pollscope \
             cannot tell whether it was cut short"
                .to_owned(),
        ),
    }
    let cut = decoder.cut_strings();
    let trace = decoder.finish();
    if cut > 0 {
        header.warnings.push(format!(
            "{cut} overlong string{} cut (names at {} bytes, values at {})",
            if cut == 1 { "" } else { "s" },
            crate::trace::NAME_CAP,
            crate::trace::VALUE_CAP
        ));
    }
    Ok((header, trace))
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
