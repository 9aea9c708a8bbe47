//! pollscope makes async Rust visible: it steps an executor one poll at a time and
//! records every poll, wake, await point and worker thread as a compact event trace,
//! from which the state of every task at any moment is rebuilt.
//!
//! # Layout
//!
//! The core never imports egui; it builds, tests and benchmarks headlessly.
//!
//! - [`executor`]: the steppable executor. [`executor::Executor::step`] polls exactly one
//!   task once; two [`executor::Policy`]s (waker-driven, busy-poll); wakers that say who
//!   woke whom; panics in polls caught and recorded.
//! - [`trace`]: the 32-byte [`trace::Event`], the executor's own lock-free [`trace::Log`],
//!   the [`trace::Recorder`] (clock, and the inbox other threads record into), the
//!   [`trace::State`] rebuilt from events, and the checkpointed [`trace::History`]
//!   that rebuilds any earlier state (rewind).
//! - [`probe`]: `.at("label")` await points (file and line by `#[track_caller]`) and `say!`.
//! - [`worker`]: thread handles as futures (woken by the thread when it finishes) and the
//!   original's blocking join.
//! - [`http`]: blocking fetches on ureq with timeouts, a body cap and one typed error.
//! - [`server`]: the embedded loopback demo server (`std::net` + `httparse`, a thread per
//!   connection) with per-page latency and size profiles from `assets/profiles/`.
//! - [`session`]: a lesson run on its own thread, driven by commands (the app uses it).
//! - [`watch`]: where a continuous run stops on its own: breakpoints on source lines, and
//!   the bigger steps (a task polled once more, a thread's wake).
//! - [`why`]: one sentence per unfinished task saying why it is not running.
//! - [`lessons`]: one file per lesson; each runs on the executor and shows its own source.
//! - [`lens`]: the same step in Python's words (`coro.send(None)`, `StopIteration`).
//! - [`timing`]: sequential versus concurrent rounds (alternating order), spans, statistics.
//! - [`jsonl`]: the trace as JSON Lines (the schema in the README).
//! - [`tracefile`]: native trace files (a header line, then the JSON Lines), saved
//!   atomically and loaded with every line checked.
//! - [`chrome`]: export to the Chrome Trace Event Format for Perfetto UI and speedscope.
//! - [`lanes`]: the trace as lanes over time (a lane per task and per worker thread: polls,
//!   suspensions, queueing, thread lives) and wake arrows, for the timeline.
//! - [`text`]: every string made safe to show (controls escaped, long text cut) before it
//!   reaches the screen.
//! - [`report`]: events, steps and task tables in words, shared by the CLI and the app.
//! - [`bench`]: the executor benchmark against `futures::executor::LocalPool`.
//! - [`app`]: the egui front end, a thin layer of panels over the core (the only module
//!   that imports egui).
//! - `main.rs` and `cli/` (binary only): the clap CLI, a thin shell over the library.
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
pub mod probe;
pub mod program;
pub mod report;
#[cfg(feature = "server")]
pub mod server;
pub mod session;
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
pub fn show(program: Program) -> Result<(), String> {
    app::show(program)
}
