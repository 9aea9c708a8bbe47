//! Running a program headless to its end and keeping what it did.

use super::{Program, ProgramError, ProgramInfo, Sources};
use crate::executor::Policy;
use crate::executor::drive::{self, End, Limits};
use crate::trace::Trace;

/// A finished headless run.
#[derive(Clone, Debug)]
pub struct Recording {
    /// Every event.
    pub trace: Trace,
    /// How the run ended.
    pub end: End,
    /// The program's description, with the text of every source file that could be read
    /// (the declared ones and those the run's await points were written in), ready for a
    /// trace file's header.
    pub info: ProgramInfo,
}

/// Runs `program` under `policy` until every task is done or none can be woken, with the
/// default [`Limits`] (a million polls, a minute of waiting) and the program's trace
/// limit, fetching from the demo server if it fetches.
pub fn record(program: &Program, policy: Policy) -> Result<Recording, ProgramError> {
    let limits = Limits {
        max_events: program.events_limit(),
        ..Limits::default()
    };
    record_with(program, policy, Vec::new(), limits)
}

/// [`record`] with page URLs and limits of your own.
///
/// Both wait for the binary's debug info to be read first (once per process, well under a
/// second), so the trace has the compiler's state of every coroutine after every poll;
/// without debug info they run all the same.
pub fn record_with(
    program: &Program,
    policy: Policy,
    urls: Vec<String>,
    limits: Limits,
) -> Result<Recording, ProgramError> {
    let _ = crate::coro::index();
    let mut launched = program.launch(policy, urls)?;
    let end = drive::drive(&mut launched.executor, limits);
    // The run is over: its trace is taken, not copied (a big one is most of the memory).
    let trace = launched.executor.take_trace();
    let mut sources = Sources::of(program.info());
    sources.discover(&trace);
    let info = ProgramInfo {
        sources: sources.to_files(),
        ..program.info().clone()
    };
    Ok(Recording { trace, end, info })
}
