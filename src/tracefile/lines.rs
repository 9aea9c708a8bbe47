//! Lines of a file read with a bound: a file without line breaks (or `/dev/zero`, or a
//! header followed by gigabytes of zeros) is refused at the bound instead of growing
//! memory until the machine ends the process.

use super::FileError;
use std::io::{BufRead, Read};

/// The longest line any trace file holds, by far: a line is one event, and its strings are
/// capped at a few KiB ([`crate::trace::VALUE_CAP`]); a console recording's lines are
/// shorter still.
pub const MAX_LINE: usize = 64 << 20;

/// Reads the next line into `buf` (line ending trimmed) and returns whether there was
/// one. A line over `max` bytes is refused as line `line`, saying what the file is not
/// (`what`: "a trace file", "a tokio-console recording").
pub(super) fn next_line(
    input: &mut impl BufRead,
    buf: &mut Vec<u8>,
    line: usize,
    max: usize,
    what: &str,
) -> Result<bool, FileError> {
    buf.clear();
    // One byte over the limit, plus the newline, tells a line at the limit from a longer one.
    let limit = (max as u64).saturating_add(2);
    let n = input
        .by_ref()
        .take(limit)
        .read_until(b'\n', buf)
        .map_err(|e| FileError::io(None, false, e))?;
    if n == 0 {
        return Ok(false);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    if buf.len() > max {
        let size = if max >= 1 << 20 {
            format!("{} MiB", max >> 20)
        } else {
            format!("{max} bytes")
        };
        return Err(FileError::invalid(
            line,
            format!("line longer than {size}: not {what} (read stopped there)"),
        ));
    }
    Ok(true)
}
