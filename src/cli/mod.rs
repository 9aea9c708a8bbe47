//! The command line: `pollscope`'s own commands ([`main`]) and the ones a user's program
//! gets from [`crate::main`]. Argument definitions and dispatch only; the work happens in
//! the library. Every failure is one line on stderr and a non-zero exit.

mod args;
#[cfg(feature = "app")]
mod bench;
mod explain;
mod export;
#[cfg(feature = "app")]
mod interrupt;
mod output;
mod program;
#[cfg(all(unix, feature = "app"))]
mod py;
mod replay;
#[cfg(feature = "app")]
mod serve;
mod signals;
mod states;
mod step;
#[cfg(feature = "app")]
mod timing;
#[cfg(feature = "app")]
mod tool;

pub use program::program_main;
#[cfg(feature = "app")]
pub use tool::main;

use crate::executor::Policy;
use crate::lens::Lens;
use crate::program::Program;
use std::process::ExitCode;

/// The program a command runs, and what to call it in messages (`lesson`, `program`).
#[derive(Debug)]
pub struct Subject {
    /// The program.
    pub program: Program,
    /// `lesson` for a built-in lesson, `program` for the user's own.
    pub noun: &'static str,
}

impl Subject {
    /// Refuses page URLs for a program that fetches nothing.
    fn check_urls(&self, urls: &[String]) -> Result<(), String> {
        // Each page is a worker thread of the run: the bound of `bench` and of a server
        // profile's pages.
        let max = MAX_URLS;
        if urls.len() > max {
            return Err(format!(
                "{} URLs given: at most {max} (each is fetched on a worker thread of its own)",
                urls.len()
            ));
        }
        if self.program.is_fetching() || urls.is_empty() {
            return Ok(());
        }
        Err(format!(
            "{} {} fetches nothing: --url does not apply",
            self.noun,
            self.program.id()
        ))
    }
}

/// The most `--url`s a command takes (`server::MAX_PAGES`, which `bench` uses).
const MAX_URLS: usize = 1024;

/// Parses `--policy`.
fn parse_policy(s: &str) -> Result<Policy, String> {
    s.parse()
}

/// Parses `--lens`.
fn parse_lens(s: &str) -> Result<Lens, String> {
    s.parse()
}

/// A command line that did not parse into a command: `--help` and `--version` are written
/// as every output is, so a failed write (a full disk, a closed stdout) is reported with a
/// failure code instead of passing for success; other errors are clap's own (exit 2).
fn parse_failed(name: &str, e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let text = e.render().to_string();
            exit(name, output::print(&text).map(|()| ExitCode::SUCCESS))
        }
        _ => e.exit(),
    }
}

/// Turns a command's result into the process's exit: a message on stderr, prefixed with
/// the command's name, and a failure code; a reader that went away (a closed pipe) ends
/// the process quietly.
fn exit(name: &str, result: Result<ExitCode, String>) -> ExitCode {
    // Whatever is still buffered must reach its reader, or the failure be told.
    let result = result.and_then(|code| {
        use std::io::Write;
        std::io::stdout()
            .flush()
            .map_err(output::stdout_error)
            .map(|()| code)
    });
    match result {
        Ok(code) => code,
        Err(message) if message == output::BROKEN_PIPE => ExitCode::from(output::BROKEN_PIPE_EXIT),
        Err(message) => {
            output::note(&format!("{name}: {message}"));
            ExitCode::FAILURE
        }
    }
}

/// Opens the app on a Python script.
#[cfg(all(unix, feature = "app"))]
fn open_python(script: crate::python::Script) -> Result<ExitCode, String> {
    let startup = crate::app::Startup {
        python: Some(script),
        ..crate::app::Startup::default()
    };
    crate::app::run(startup)
        .map(|()| ExitCode::SUCCESS)
        .map_err(|e| e.to_string())
}
