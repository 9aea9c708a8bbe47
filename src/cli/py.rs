//! `pollscope py`: a Python script under pollscope's tracer — in the app, stepped
//! headless one resume per line, or exported.

use super::output::{self, Lines};
use super::step::print_details;
use crate::executor::Policy;
use crate::lens::Lens;
use crate::python::{PyRun, PyStep, Script};
use crate::trace::{EventKind, History, Recorder, TaskId};
use crate::tracefile::{self, Header};
use crate::{jsonl, report};
use clap::{Args, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// How long a headless run may go on in all.
const LIMIT: Duration = Duration::from_secs(600);

/// `pollscope py [SCRIPT | step SCRIPT | export SCRIPT]`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct PyArgs {
    #[command(subcommand)]
    action: Option<PyAction>,
    #[command(flatten)]
    script: ScriptArgs,
}

/// A script and its interpreter.
#[derive(Debug, Args)]
struct ScriptArgs {
    /// The Python script.
    script: Option<PathBuf>,
    /// The interpreter (3.11 or newer).
    #[arg(long, value_name = "PATH")]
    python: Option<OsString>,
    /// The script's own arguments, after `--`.
    #[arg(last = true, value_name = "ARGS")]
    args: Vec<String>,
}

#[derive(Debug, Subcommand)]
enum PyAction {
    /// Run the script headless, one line per resume, then a task table.
    Step {
        #[command(flatten)]
        script: ScriptArgs,
        /// Print the trace as JSON Lines instead of words.
        #[arg(long)]
        json: bool,
        /// Words: `rust` (polls, Pending, Ready) or `python` (send, yield, StopIteration).
        #[arg(long, default_value = "python", value_parser = super::parse_lens)]
        lens: Lens,
    },
    /// Run the script headless and write its trace.
    Export {
        #[command(flatten)]
        script: ScriptArgs,
        /// `jsonl` (a native trace file) or `chrome` (Perfetto UI, speedscope).
        #[arg(long, value_enum)]
        format: Format,
        /// The file to write: `-` for standard output.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: PathBuf,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Jsonl,
    Chrome,
}

impl ScriptArgs {
    fn script(self) -> Result<Script, String> {
        let path = self
            .script
            .ok_or("which script? pollscope py SCRIPT.py (or py step SCRIPT.py)")?;
        let mut script = Script::new(path);
        script.args = self.args;
        if let Some(python) = self.python {
            script.python = python;
        }
        Ok(script)
    }
}

/// Runs `pollscope py ...`.
pub fn run(args: PyArgs) -> Result<ExitCode, String> {
    match args.action {
        None => {
            let script = args.script.script()?;
            super::open_python(script)
        }
        Some(PyAction::Step { script, json, lens }) => step(&script.script()?, json, lens),
        Some(PyAction::Export {
            script,
            format,
            output,
        }) => export(&script.script()?, format, &output),
    }
}

/// Said when a script ends having driven nothing pollscope can step.
const NO_COROUTINE: &str =
    "the script drove no coroutine, generator or async generator: only its output is shown";

/// Steps the script one resume at a time, printing each.
fn step(script: &Script, json: bool, lens: Lens) -> Result<ExitCode, String> {
    let mut run = PyRun::start(script, Recorder::new()).map_err(|e| e.to_string())?;
    let mut out = Lines::new();
    let mut history = History::new();
    let mut printed = 0;
    let mut resumes = 0;
    if !json {
        out.line(format_args!(
            "python {}: {}",
            script.path.display(),
            script.info().display_title()
        ));
    }
    let deadline = std::time::Instant::now() + LIMIT;
    let end = loop {
        out.check()?;
        let state = run.step(Duration::from_secs(1));
        history.trace_mut().extend(run.take_delta());
        history.catch_up();
        if !json {
            for seq in printed..history.len() {
                let trace = history.trace();
                let event = trace.events[seq];
                match event.kind {
                    EventKind::PollEnd { .. } => {
                        resumes += 1;
                        let line = resume_line(&history, seq, event.task, lens);
                        out.line(format_args!("{resumes:>4}  {line}"));
                    }
                    EventKind::Refused { .. } => {
                        let line = report::event_text(trace, &event);
                        out.line(format_args!("   -  {line}"));
                    }
                    _ => {}
                }
            }
            print_details(&mut out, &history, printed);
        }
        printed = history.len();
        match state {
            PyStep::Exited(exit) => break exit,
            _ if std::time::Instant::now() > deadline => {
                return Err("the script ran for 10 minutes: stopped".to_owned());
            }
            _ => {}
        }
    };
    if history.live().tasks.is_empty() && end.error.is_none() {
        output::note(NO_COROUTINE);
    }
    if json {
        out.write(|mut w| jsonl::write_events(&mut w, history.trace(), 0));
    } else {
        out.line(format_args!(""));
        let table = report::task_table(history.trace(), history.live(), lens);
        out.write(|w| w.write_all(table.as_bytes()));
    }
    out.finish()?;
    exit_result(&end, &run.stderr())
}

/// One resume in words, from its end event at `seq`.
fn resume_line(history: &History, seq: usize, task: TaskId, lens: Lens) -> String {
    let trace = history.trace();
    // The states of the chain are recorded right after the poll's end.
    let upto = trace.events[seq + 1..]
        .iter()
        .position(|e| {
            !matches!(
                e.kind,
                EventKind::CoroState { .. } | EventKind::CoroLocals { .. }
            )
        })
        .map_or(trace.len(), |n| seq + 1 + n);
    // Almost always the resume ends the batch: the live state, no rebuild.
    let rebuilt;
    let state = if upto == history.len() {
        history.live()
    } else {
        rebuilt = history.state_at(upto);
        &rebuilt
    };
    let Some(view) = state.task(task) else {
        return format!("task {task}");
    };
    let name = trace.str(view.name);
    let input = view.input.map_or("send(None)".to_owned(), |(text, _)| {
        trace.str(text).to_owned()
    });
    let driver = view
        .input
        .and_then(|(_, at)| trace.await_point(at))
        .map(|p| {
            let func = p.label.split(':').next().unwrap_or(p.label);
            format!("{func}() line {}", p.line)
        });
    let at = view
        .await_point()
        .and_then(|p| trace.await_point(p))
        .map(|p| format!("line {}", p.line));
    let outcome = match trace.events.get(seq).map(|e| e.kind) {
        Some(EventKind::PollEnd { result, .. }) => result,
        _ => return format!("{name}: ?"),
    };
    // What the resume handed out: its yielded value just before the end, or the value
    // or error just after it.
    let detail = trace.events[seq..]
        .iter()
        .take(3)
        .chain(trace.events[..seq].iter().rev().take(4))
        .filter(|e| e.task == task)
        .find_map(|e| match e.kind {
            EventKind::Yielded { value } | EventKind::Complete { value } => Some(value),
            EventKind::Panic { message } => Some(message),
            _ => None,
        })
        .map_or("?", |s| trace.str(s));
    let state_word = view
        .coro
        .first()
        .and_then(|f| trace.await_point(f.state))
        .map(|p| p.label.to_owned());
    // The kind's own word: CORO_CLOSED, GEN_CLOSED, AGEN_CLOSED.
    // (The state here is the resume's end, before the task's end is applied.)
    let closed = match crate::lens::task_state_word(Lens::Python, trace, view) {
        w if w.starts_with("AGEN_") => "AGEN_CLOSED",
        w if w.starts_with("GEN_") => "GEN_CLOSED",
        _ => "CORO_CLOSED",
    };
    match lens {
        Lens::Python => {
            let by = driver.map(|d| format!(" by {d}")).unwrap_or_default();
            match outcome {
                crate::trace::PollResult::Pending => format!(
                    "{name}.{input}{by} -> yielded {} at {} [{}]",
                    detail,
                    at.unwrap_or_else(|| "?".to_owned()),
                    state_word.unwrap_or_else(|| "SUSPENDED".to_owned())
                ),
                // An async generator's end reaches its driver as StopAsyncIteration.
                crate::trace::PollResult::Ready if closed == "AGEN_CLOSED" => {
                    format!("{name}.{input}{by} -> StopAsyncIteration [{closed}]")
                }
                crate::trace::PollResult::Ready => {
                    format!("{name}.{input}{by} -> StopIteration({detail}) [{closed}]")
                }
                crate::trace::PollResult::Panicked => {
                    format!("{name}.{input}{by} -> raised {detail} [{closed}]")
                }
            }
        }
        Lens::Rust => format!(
            "task {task} {name}: poll returns {}{}",
            outcome.name(),
            at.map(|a| format!(" at {a}")).unwrap_or_default()
        ),
    }
}

/// Runs the script to its end and writes its trace.
fn export(script: &Script, format: Format, path: &std::path::Path) -> Result<ExitCode, String> {
    let mut run = PyRun::start(script, Recorder::new()).map_err(|e| e.to_string())?;
    let state = run.run_to_end(LIMIT);
    let trace = run.take_trace();
    let info = script.info();
    let mut count = trace.len();
    let to_stdout = output::write_output(path, |mut out| match format {
        Format::Jsonl => {
            let header = Header::for_program(info.clone(), Policy::WakerDriven);
            tracefile::write(&mut out, &header, &trace)
        }
        Format::Chrome => {
            count = crate::chrome::write_program(&mut out, &trace, Some(&info))?;
            Ok(())
        }
    })?;
    let what = match format {
        Format::Jsonl => "events",
        Format::Chrome => "Chrome trace events",
    };
    output::say_written(count, what, path, to_stdout)?;
    match state {
        PyStep::Exited(exit) => exit_result(&exit, &run.stderr()),
        _ => Err("the script ran for 10 minutes: stopped, the trace so far is written".to_owned()),
    }
}

/// The script's end as the command's: an error that ended it is the command's error.
fn exit_result(exit: &crate::python::Exit, stderr: &str) -> Result<ExitCode, String> {
    match &exit.error {
        Some((why, _)) if exit.cut_short => Err(format!("the script ended early: {why}")),
        Some((error, line)) => {
            let at = line.map(|l| format!(" (line {l})")).unwrap_or_default();
            // The interpreter's own words (a traceback) say more than the last line.
            if !stderr.trim().is_empty() {
                output::note(stderr.trim_end());
            }
            Err(format!("the script raised {error}{at}"))
        }
        None if exit.code != 0 => Err(format!("the script exited with status {}", exit.code)),
        None => Ok(ExitCode::SUCCESS),
    }
}
