//! Command-line interface: argument definitions and dispatch.

mod bench;
mod explain;
mod export;
mod replay;
mod serve;
mod step;
mod timing;

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
    Gui {
        /// Start on this lesson instead of the last one used.
        #[arg(long)]
        lesson: Option<String>,
        /// Start with this policy: `waker` or `busy`.
        #[arg(long, value_parser = parse_policy)]
        policy: Option<Policy>,
        /// Open the timing panel and start a sequential-vs-concurrent run at once.
        #[arg(long)]
        timing: bool,
    },
    /// Open a saved trace file in the app: replay and rewind it without running anything.
    Open {
        /// A file saved by the app or by `pollscope export --format jsonl`.
        file: std::path::PathBuf,
    },
    /// List the built-in lessons.
    Lessons,
    /// Print a lesson's explanation, its await points, its code and its Python equivalent.
    Explain {
        /// Lesson id (see `pollscope lessons`).
        lesson: String,
    },
    /// Run a lesson headless, printing one line per poll and a final task table.
    Step(step::StepArgs),
    /// Run the embedded demo server on loopback until interrupted.
    Serve(serve::ServeArgs),
    /// Run a lesson headless and write its trace: a native trace file or Chrome trace JSON.
    Export(export::ExportArgs),
    /// Print the task table of a saved trace file at any index, without running anything.
    Replay(replay::ReplayArgs),
    /// Time the same fetches sequentially and concurrently (or: bench executor|rewind|frame).
    Bench(bench::BenchArgs),
}

/// Runs the parsed command. `Err` is a message for stderr.
pub fn run(cli: Cli) -> Result<ExitCode, String> {
    let gui = Command::Gui {
        lesson: None,
        policy: None,
        timing: false,
    };
    match cli.command.unwrap_or(gui) {
        Command::Gui {
            lesson,
            policy,
            timing,
        } => {
            if let Some(id) = &lesson {
                lessons::find(id).map_err(|e| e.to_string())?;
            }
            let startup = pollscope::app::Startup {
                lesson,
                policy,
                timing,
                trace: None,
            };
            pollscope::app::run(startup).map(|()| ExitCode::SUCCESS)
        }
        Command::Open { file } => {
            // Loaded here first, so a bad file is a message on stderr, not an empty window.
            let (header, trace) = pollscope::tracefile::load(&file).map_err(|e| e.to_string())?;
            let startup = pollscope::app::Startup {
                lesson: header.lesson.clone(),
                trace: Some((file, header, trace)),
                ..Default::default()
            };
            pollscope::app::run(startup).map(|()| ExitCode::SUCCESS)
        }
        Command::Lessons => {
            for lesson in lessons::all() {
                let origin = if lesson.experiment.starts_with(|c: char| c.is_ascii_digit()) {
                    format!("experiment {}", lesson.experiment)
                } else {
                    lesson.experiment.to_owned()
                };
                println!("{:<18} {:<24} {}", lesson.id, origin, lesson.title);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { lesson } => explain::run(&lesson),
        Command::Step(args) => step::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Export(args) => export::run(args),
        Command::Replay(args) => replay::run(args),
        Command::Bench(cmd) => bench::run(cmd),
    }
}

/// Parses `--policy`.
fn parse_policy(s: &str) -> Result<Policy, String> {
    s.parse()
}
