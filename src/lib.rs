//! pollscope makes async Rust visible: it steps an executor one poll at a time and
//! records every poll, wake, await point and worker thread as a compact event trace,
//! from which the state of every task at any moment is rebuilt.
//!
//! # Layout
//!
//! In the order the data flows: programs run on the executor, the executor records
//! events, one reading of the events gives the facts, and every view reads those facts.
//! Everything but `app/` is the core: it never imports egui, and builds, tests and
//! benchmarks headlessly.
//!
//! **What runs**
//! - [`program`]: a user's own program ([`Program`]: tasks, threads, a tokio runtime
//!   beside it), launched on the executor; [`record`] runs one headless; its source files.
//! - [`lessons`]: one file per built-in lesson; each runs on the executor and shows its
//!   own source.
//! - [`probe`]: `.at("label")` await points (file and line by `#[track_caller]`) and `say!`.
//! - [`worker`]: thread handles as futures (woken by the thread when it finishes) and the
//!   original's blocking join.
//! - [`http`]: blocking fetches on ureq with timeouts, a body cap and one typed error.
//! - [`server`]: the embedded loopback demo server (`std::net` + `httparse`, a thread per
//!   connection) with per-page latency and size profiles from `assets/profiles/`.
//!
//! **What steps and records**
//! - [`executor`]: the steppable executor. [`executor::Executor::step`] polls exactly one
//!   task once; two [`executor::Policy`]s (waker-driven, busy-poll); wakers that say who
//!   woke whom; panics in polls caught and recorded. [`executor::drive`] runs it to a
//!   limit (steps, time, a full trace) with the "whole round wasted" rule of busy polling.
//! - [`coro`]: the compiler's state machines, read from the binary's debug info a unit
//!   at a time, and the live futures' states and held locals read after each poll
//!   through reads that cannot fault.
//! - [`session`]: a program run on its own thread, driven by commands (the app uses it).
//! - [`watch`]: where a continuous run stops on its own: breakpoints on source lines, and
//!   the bigger steps (a task polled once more, a thread's wake).
//!
//! **The trace, and its one reading**
//! - [`trace`]: the 32-byte [`trace::Event`] and the [`trace::Trace`] that holds them;
//!   the executor's lock-free [`trace::Log`] and the [`trace::Recorder`] (clock, and the
//!   inbox other threads record into). [`trace::Reading`] is the one walk that turns
//!   events into facts (poll spans, suspensions with their await chain, wakes with their
//!   source, thread lives) and where the trace's grammar lives; [`trace::State`] is built
//!   from those facts, and [`trace::History`] keeps checkpoints of it so any earlier
//!   state is rebuilt (rewind).
//! - [`tracefile`]: native trace files (a header line, then the events as JSON Lines in
//!   [`tracefile::jsonl`], the schema in the README), saved atomically and loaded with
//!   every line checked; tokio-console recordings are loaded through the same door.
//!
//! **Views of the facts**
//! - [`why`]: one sentence per unfinished task saying why it is not running.
//! - [`lens`]: the same step in Python's words (`coro.send(None)`, `StopIteration`).
//! - [`lanes`]: the trace as lanes over time (a lane per task and per worker thread:
//!   polls, suspensions, queueing, thread lives) and wake arrows, for the timeline.
//! - [`chrome`]: export to the Chrome Trace Event Format for Perfetto UI and speedscope,
//!   streamed: written as the trace is read, a unit at a time.
//! - [`report`]: events, steps and task tables in words, shared by the CLI and the app.
//! - [`timing`]: sequential versus concurrent rounds (alternating order), fetches,
//!   statistics, and the chart and CSV of a run.
//! - [`text`]: every string made safe to show (controls escaped, long text cut) before it
//!   reaches the screen.
//! - [`bench`](mod@bench): the benchmarks behind `pollscope bench` (the executor against
//!   `futures::executor::LocalPool`, smol's `LocalExecutor` and tokio's `LocalSet`,
//!   rewind, state reading, stalls).
//! - [`app`]: the egui front end, a thin layer of panels over the core (the only module
//!   that imports egui); panels keep view state and turn clicks into actions.
//! - [`cli`]: the clap command line. It is in the library because it backs [`main`], which
//!   gives a user's own binary the same commands; `main.rs` only calls it.
//!
//! # Architecture: adding a source of traces
//!
//! A new source of traces (another runtime, another language's coroutines, a recording
//! from another tool) only produces [`trace::Event`]s: spawns, polls that start and end
//! on a named executor thread, wakes with their source, worker threads' lives. It does
//! not teach any view what the events mean. [`trace::Reading`] is the single place that
//! turns events into facts and checks their grammar (which polls may be open at once,
//! what a wake answers), so the task table, the why-sentences, the lanes, the Chrome
//! export, the state-machine panel and rewind all work for the new source once its
//! events are right. A file that does not follow the grammar is refused by the loader
//! with the line that broke it, from the same reading.
//!
//! # Looking at your own futures
//!
//! ```
//! use pollscope::executor::{Executor, Policy, Step};
//! use pollscope::trace::TaskState;
//! use pollscope::AtExt;
//!
//! let mut ex = Executor::new(Policy::WakerDriven);
//! let id = ex.spawn("mine", async { std::future::ready(3).at("three").await * 2 });
//! while let Step::Polled(_) = ex.step() {}
//! let state = pollscope::trace::History::from_trace(ex.snapshot());
//! let task = state.live().task(id).unwrap();
//! assert_eq!(task.polls, 1);
//! assert!(matches!(task.state, TaskState::Completed(_)));
//! ```

#[cfg(feature = "app")]
pub mod app;
pub mod bench;
pub mod chrome;
pub mod cli;
pub mod coro;
pub mod executor;
#[cfg(feature = "http")]
pub mod http;
pub mod lanes;
pub mod lens;
#[cfg(feature = "lessons")]
pub mod lessons;
mod prefetch;
pub mod probe;
pub mod program;
#[cfg(unix)]
pub mod python;
pub mod report;
#[cfg(feature = "server")]
pub mod server;
pub mod session;
pub mod stage;
pub mod text;
#[cfg(feature = "lessons")]
pub mod timing;
pub mod trace;
pub mod tracefile;
pub mod watch;
pub mod why;
pub mod worker;

pub use executor::drive;
pub use executor::{JoinError, JoinHandle, spawn};
pub use probe::{At, AtExt};
pub use program::{Program, Recording, record};
pub use tracefile::jsonl;

/// Runs a user's own program: call it from your binary's `main`.
///
/// With no arguments it opens the app on `program` (Step, Run, Reset, both policies,
/// rewind, save, export); `step [--policy waker|busy] [--steps N] [--json] [--lens
/// python]`, `export --format chrome|jsonl -o FILE`, `explain`, `replay FILE` and `open
/// FILE` do what `pollscope`'s commands of the same names do, for this program. Bad
/// arguments print a message and exit non-zero.
///
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     let program = pollscope::Program::new("my-demo")
///         .title("My first futures")
///         .task("answer", || async { 42 });
///     pollscope::main(program)
/// }
/// ```
pub fn main(program: Program) -> std::process::ExitCode {
    cli::program_main(program)
}

/// Opens the app on `program`, without the command line; returns when the window closes.
#[cfg(feature = "app")]
pub fn show(program: Program) -> Result<(), app::AppError> {
    app::show(program)
}
