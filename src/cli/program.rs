//! The command line of a user's own binary (`pollscope::main(program)`): the app by
//! default, and `step`, `export`, `explain`, `replay`, `open` for that one program.

use super::explain;
use super::export::{self, ExportOptions};
use super::replay::{self, ReplayArgs};
use super::states::{self, StatesOptions};
use super::step::{self, StepOptions};
use super::{Subject, exit};
use crate::executor::Policy;
use crate::program::Program;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Step this program's executor one poll at a time and watch every task, await point and waker.
#[derive(Debug, Parser)]
struct ProgramCli {
    #[command(subcommand)]
    command: Option<ProgramCommand>,
}

#[derive(Debug, Subcommand)]
enum ProgramCommand {
    /// Open the app on this program (the default when no command is given).
    Gui {
        /// Start with this policy: `waker` or `busy`.
        #[arg(long, value_parser = super::parse_policy)]
        policy: Option<Policy>,
    },
    /// Run the program headless, printing one line per poll and a final task table.
    Step(StepOptions),
    /// Run the program headless and write its trace: a native trace file or Chrome trace JSON.
    Export(ExportOptions),
    /// Print the program's explanation, its await points and its code.
    Explain,
    /// List the program's async fns and blocks as the compiler laid them out: size,
    /// states with their lines, the locals each state holds (from debug info).
    States(StatesOptions),
    /// Print the task table of a saved trace file at any index, without running anything.
    Replay(ReplayArgs),
    /// Open a saved trace file in the app: replay and rewind it without running anything.
    Open {
        /// A file saved by the app or by `export --format jsonl`.
        file: PathBuf,
    },
}

/// Runs the command line of a user's binary for `program`: parses the process's
/// arguments, runs the command, and returns the exit code (bad arguments: clap's message
/// and exit code 2; a failed command: one line on stderr and code 1).
pub fn program_main(program: Program) -> ExitCode {
    super::signals::clean_up_on_signals();
    let name = binary_name().unwrap_or_else(|| program.id().to_owned());
    let about = format!(
        "{} — stepped one poll at a time by pollscope",
        program.info().display_title()
    );
    let command = ProgramCli::command()
        .name(name.clone())
        .bin_name(name.clone())
        .about(about);
    let cli = match command
        .try_get_matches()
        .and_then(|m| ProgramCli::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(e) => return super::parse_failed(&name, e),
    };
    let subject = Subject {
        program,
        noun: "program",
    };
    let result = match cli.command.unwrap_or(ProgramCommand::Gui { policy: None }) {
        ProgramCommand::Gui { policy } => gui(subject.program, policy),
        ProgramCommand::Step(options) => step::run(&subject, options),
        ProgramCommand::Export(options) => export::run(&subject, options),
        ProgramCommand::Explain => explain::run(&subject),
        ProgramCommand::States(options) => states::run(&subject, options),
        ProgramCommand::Replay(args) => replay::run(args),
        ProgramCommand::Open { file } => open(subject.program, file),
    };
    exit(&name, result)
}

/// The name the binary was started by (`my-demo`), for messages and `--help`.
fn binary_name() -> Option<String> {
    let arg0 = std::env::args_os().next()?;
    let stem = std::path::Path::new(&arg0).file_stem()?;
    Some(stem.to_string_lossy().into_owned())
}

#[cfg(feature = "app")]
fn gui(program: Program, policy: Option<Policy>) -> Result<ExitCode, String> {
    let startup = crate::app::Startup {
        policy,
        ..crate::app::Startup::program(program)
    };
    crate::app::run(startup)
        .map(|()| ExitCode::SUCCESS)
        .map_err(|e| e.to_string())
}

#[cfg(feature = "app")]
fn open(program: Program, file: PathBuf) -> Result<ExitCode, String> {
    crate::app::check_display(true).map_err(|e| e.to_string())?;
    // Loaded here first, so a bad file is a message on stderr, not an empty window.
    let (header, trace) = crate::tracefile::load(&file).map_err(|e| e.to_string())?;
    let startup = crate::app::Startup {
        trace: Some((file, header, trace)),
        ..crate::app::Startup::program(program)
    };
    crate::app::run(startup)
        .map(|()| ExitCode::SUCCESS)
        .map_err(|e| e.to_string())
}

#[cfg(not(feature = "app"))]
fn gui(_program: Program, _policy: Option<Policy>) -> Result<ExitCode, String> {
    Err(no_app())
}

#[cfg(not(feature = "app"))]
fn open(_program: Program, _file: PathBuf) -> Result<ExitCode, String> {
    Err(no_app())
}

#[cfg(not(feature = "app"))]
fn no_app() -> String {
    "this build has no app (pollscope's cargo feature `app` is off); \
     try `step`, `export` or `explain`"
        .to_owned()
}
