//! Export to the Chrome Trace Event Format, the JSON that Perfetto UI
//! (<https://ui.perfetto.dev>), `chrome://tracing` (catapult's trace viewer) and
//! speedscope open.
//!
//! The layout, in two processes:
//! - `pollscope` (`pid` 1):
//!   - the executor's thread (`tid` 0): one slice per poll, named after the task; inside
//!     it, one slice per instrumented future (`.at(..)`) polled, nested as they were
//!     polled (outermost first) with `file` and `line`; and instants for say-lines,
//!     panics, thread joins and wakes made inside polls;
//!   - one thread per worker thread (`tid` 1000 + its number): a slice from its start
//!     until after the wake it made when it finished, with that wake inside;
//!   - a thread per thread pollscope did not start that woke a task, after the workers;
//! - `tasks` (`pid` 2): one thread per task (`tid` = the task's number, named after it),
//!   where its life holds its polls and its suspensions, and each suspension holds the
//!   await chain it is suspended in, outermost first, with `file` and `line` and the
//!   compiler's coroutine state (future, state, held locals) where debug info gave one;
//! - an arrow (flow `s`/`f`, `id` = the wake's sequence number) from each wake that
//!   caused a poll, starting inside the slice the waker was in and ending inside the poll.
//!
//! Only `B`/`E` slices (and `X` for those that last no time) carry the structure, so
//! speedscope, which reads nothing else, shows one row per task too. Polls also list the
//! coroutine states recorded after them in `args.coro`.
//!
//! Timestamps are microseconds, the format's unit, with exactly three decimals written
//! from integer nanoseconds; `displayTimeUnit` is `ns`, so catapult compares them to the
//! nanosecond.
//!
//! The file is written as the trace is read ([`crate::trace::Reading`]), in two passes:
//! `tables` gathers what the slices written first must say (how each task's life ends,
//! what each worker thread did), `stream` writes each track's slices as soon as they are
//! known, a unit at a time (`unit`, in the order `order` gives). Memory holds what is
//! still open and a few words per task and thread, whatever the trace's length.

mod micros;
mod order;
mod render;
mod stream;
mod tables;
mod threads;
mod tracks;
mod unit;

use std::io::{self, Write};
use unit::Track;

/// The process of the executor's and the worker threads' tracks.
const PID: u32 = 1;
/// The process with one track per task.
const TASKS_PID: u32 = 2;
/// The executor's thread.
const EXECUTOR: Track = Track { pid: PID, tid: 0 };
/// Worker thread `n` is `tid` `WORKER_TID_BASE + n`, clear of the executor's.
const WORKER_TID_BASE: u64 = 1000;

/// Writes `trace` as one Chrome Trace Event Format JSON object,
/// `{"traceEvents":[...],"displayTimeUnit":"ns"}`, and returns how many events it holds.
pub fn write(out: &mut impl Write, trace: &crate::trace::Trace) -> io::Result<usize> {
    write_program(out, trace, None)
}

/// [`write`](fn@write), naming the program that ran in the file's `otherData` (which Perfetto UI
/// shows as the trace's metadata): `{"program":id,"title":..}`.
pub fn write_program(
    out: &mut impl Write,
    trace: &crate::trace::Trace,
    program: Option<&crate::program::ProgramInfo>,
) -> io::Result<usize> {
    // Two passes: the first gathers what the slices written first need to say (how
    // lives end, what threads did), the second writes as it reads.
    let tables = tables::scan(trace);
    out.write_all(b"{\"traceEvents\":[\n")?;
    let mut writer = render::Writer::new(out, trace, &tables);
    writer.metadata()?;
    let writer = stream::Stream::new(trace, &tables, writer).run()?;
    let count = writer.count;
    out.write_all(b"\n],\"displayTimeUnit\":\"ns\"")?;
    if let Some(program) = program {
        let other = serde_json::json!({"program": program.id, "title": program.title});
        write!(out, ",\"otherData\":{other}")?;
    }
    out.write_all(b"}\n")?;
    Ok(count)
}
