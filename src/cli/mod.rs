//! Command-line interface: argument definitions and dispatch.

mod bench;
mod serve;
mod step;

use clap::{Parser, Subcommand};
use pollscope::executor::Policy;
use pollscope::lessons;
use std::process::ExitCode;

/// Step an async executor one poll at a time and watch every task, await point and waker.
#[derive(Debug, Parser)]
#[command(name = "pollscope", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Open the app (the default when no command is given).
    Gui,
    /// List the built-in lessons.
    Lessons,
    /// Run a lesson headless, printing one line per poll and a final task table.
    Step(step::StepArgs),
    /// Run the embedded demo server on loopback until interrupted.
    Serve(serve::ServeArgs),
    /// Benchmarks.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

/// Runs the parsed command. `Err` is a message for stderr.
pub fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command.unwrap_or(Command::Gui) {
        Command::Gui => crate::app::run().map(|()| ExitCode::SUCCESS),
        Command::Lessons => {
            for lesson in lessons::all() {
                println!(
                    "{:<18} {:<10} {}",
                    lesson.id,
                    format!("exp. {}", lesson.experiment),
                    lesson.title
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Step(args) => step::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Bench(cmd) => bench::run(cmd),
    }
}

/// Parses `--policy`.
fn parse_policy(s: &str) -> Result<Policy, String> {
    s.parse()
}
