//! `pollscope`'s own command line: the app on the built-in lessons by default, and the
//! headless commands over lessons, trace files, the demo server and the benchmarks.

use super::bench::{self, BenchArgs};
use super::export::{self, ExportOptions};
use super::replay::{self, ReplayArgs};
use super::serve::{self, ServeArgs};
use super::states::{self, StatesOptions};
use super::step::{self, StepOptions};
use super::{Subject, exit, explain};
use crate::executor::Policy;
use crate::lessons;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Step an async executor one poll at a time and watch every task, await point and waker.
#[derive(Debug, Parser)]
#[command(name = "pollscope", version, about)]
struct Cli {
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
        #[arg(long, value_parser = super::parse_policy)]
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
    Step {
        /// Lesson id (see `pollscope lessons`).
        lesson: String,
        #[command(flatten)]
        options: StepOptions,
    },
    /// List a lesson's async fns and blocks as the compiler laid them out: size, states
    /// with their lines, the locals each state holds (from the binary's debug info).
    States {
        /// Lesson id (see `pollscope lessons`).
        lesson: String,
        #[command(flatten)]
        options: StatesOptions,
    },
    /// Run the embedded demo server on loopback until interrupted.
    Serve(ServeArgs),
    /// Run a lesson headless and write its trace: a native trace file or Chrome trace JSON.
    Export {
        /// Lesson id (see `pollscope lessons`).
        lesson: String,
        #[command(flatten)]
        options: ExportOptions,
    },
    /// Print the task table of a saved trace file at any index, without running anything.
    Replay(ReplayArgs),
    /// Time the same fetches sequentially and concurrently (or: bench executor|rewind|frame|load).
    Bench(BenchArgs),
    /// A Python script's coroutines, stepped in CPython one resume at a time: `py SCRIPT`
    /// opens the app, `py step SCRIPT` prints each resume, `py export SCRIPT` saves the trace.
    #[cfg(unix)]
    Py(super::py::PyArgs),
}

/// The `pollscope` binary: parses the process's arguments and runs the command.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return super::parse_failed("pollscope", e),
    };
    exit("pollscope", run(cli))
}

/// The lesson with this id, as the subject of a command.
fn lesson(id: &str) -> Result<Subject, String> {
    let lesson = lessons::find(id).map_err(|e| e.to_string())?;
    Ok(Subject {
        program: lesson.program(),
        noun: "lesson",
    })
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    super::signals::clean_up_on_signals();
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
                // A lesson, or one of the original's experiments as a script (py:send_none).
                let catalog = crate::app::catalog();
                if !catalog.iter().any(|p| p.id() == id) {
                    let known: Vec<&str> = catalog.iter().map(crate::Program::id).collect();
                    return Err(format!(
                        "unknown lesson '{id}' (lessons and scripts: {})",
                        known.join(", ")
                    ));
                }
            }
            let startup = crate::app::Startup {
                lesson,
                policy,
                timing,
                ..crate::app::Startup::default()
            };
            crate::app::run(startup)
                .map(|()| ExitCode::SUCCESS)
                .map_err(|e| e.to_string())
        }
        Command::Open { file } => {
            // No display: said before a big file is read for nothing.
            crate::app::check_display(false).map_err(|e| e.to_string())?;
            // Loaded here first, so a bad file is a message on stderr, not an empty window.
            let (header, trace) = crate::tracefile::load(&file).map_err(|e| e.to_string())?;
            let startup = crate::app::Startup {
                lesson: header.program_id().map(str::to_owned),
                trace: Some((file, header, trace)),
                ..Default::default()
            };
            crate::app::run(startup)
                .map(|()| ExitCode::SUCCESS)
                .map_err(|e| e.to_string())
        }
        #[cfg(unix)]
        Command::Py(args) => super::py::run(args),
        Command::Lessons => {
            for lesson in lessons::all() {
                let origin = if lesson.experiment.starts_with(|c: char| c.is_ascii_digit()) {
                    format!("experiment {}", lesson.experiment)
                } else {
                    lesson.experiment.to_owned()
                };
                super::output::outln!("{:<18} {:<24} {}", lesson.id, origin, lesson.title)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { lesson: id } => explain::run(&lesson(&id)?),
        Command::Step {
            lesson: id,
            options,
        } => step::run(&lesson(&id)?, options),
        Command::States {
            lesson: id,
            options,
        } => states::run(&lesson(&id)?, options),
        Command::Serve(args) => serve::run(args),
        Command::Export {
            lesson: id,
            options,
        } => export::run(&lesson(&id)?, options),
        Command::Replay(args) => replay::run(args),
        Command::Bench(cmd) => bench::run(cmd),
    }
}
