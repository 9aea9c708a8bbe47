//! The `pollscope` command: the app by default, headless subcommands otherwise.
//! Argument parsing only; the work happens in `cli/` and the library.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("pollscope: {message}");
            ExitCode::FAILURE
        }
    }
}
