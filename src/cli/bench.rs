//! `pollscope bench ...`: benchmarks (run them with `--release`).

use super::args;
use super::output::{note, outln};
use super::timing::{self, TimingArgs};
use crate::bench;
use clap::{Args, Subcommand};
use std::process::ExitCode;

/// `pollscope bench [URL...]` times fetches; `pollscope bench
/// executor|rewind|frame|load|coro|stall|py` runs the other benchmarks.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchArgs {
    #[command(subcommand)]
    command: Option<BenchCommand>,
    #[command(flatten)]
    timing: TimingArgs,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// pollscope's executor, fully recorded, against futures' LocalPool on the same workload.
    Executor(ExecutorArgs),
    /// Rewind: rebuild the state at spread-out indices of a big recorded trace.
    Rewind(RewindArgs),
    /// The app: CPU time to build one frame over a big recorded trace (headless).
    Frame(FrameArgs),
    /// Trace files: save and load a big recorded trace.
    Load(LoadArgs),
    /// Debug info: time to read the binary's coroutine layouts, and what recording each
    /// task's state after every poll adds to a poll.
    Coro(CoroArgs),
    /// Keep-alive: timing against CPython's http.server (head and body in two writes),
    /// which would stall every reused request 40 ms without immediate ACKs. Exits non-zero
    /// on a stall.
    Stall(StallArgs),
    /// Python: what pollscope's tracer adds to each resume of a generator (recorded,
    /// running free), and how long one Step takes to come back.
    #[cfg(unix)]
    Py(PyArgs),
}

#[derive(Debug, Args)]
pub struct PyArgs {
    /// Generator resumes in the script.
    #[arg(long, default_value = "100000", value_parser = args::tasks, allow_negative_numbers = true)]
    resumes: usize,
    /// Steps timed, one resume each.
    #[arg(long, default_value = "1000", value_parser = args::tasks, allow_negative_numbers = true)]
    steps: usize,
    /// Rounds of each run; the fastest is reported.
    #[arg(long, default_value = "3", value_parser = args::rounds, allow_negative_numbers = true)]
    rounds: usize,
    /// The interpreter.
    #[arg(long, value_name = "PATH", default_value = "python3")]
    python: std::ffi::OsString,
    /// Print one JSON object instead of words.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct StallArgs {
    /// Rounds of each case; each runs both modes once, alternating which goes first.
    #[arg(long, default_value = "5", value_parser = args::rounds, allow_negative_numbers = true)]
    rounds: usize,
    /// The Python interpreter that runs the server.
    #[arg(long, value_name = "PATH", default_value = "python3")]
    python: std::path::PathBuf,
    /// Print one JSON object instead of words.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct CoroArgs {
    /// Tasks per round; each is an async block that awaits a yield once.
    #[arg(long, default_value = "100000", value_parser = args::tasks, allow_negative_numbers = true)]
    tasks: usize,
    /// Rounds of each variant; the fastest is reported.
    #[arg(long, default_value = "5", value_parser = args::rounds, allow_negative_numbers = true)]
    rounds: usize,
    /// Print one JSON object instead of words.
    #[arg(long)]
    json: bool,
    /// Time another program built on `pollscope::main` instead, from outside: its first
    /// poll's states (`PATH step --steps 1`) and its `states` listing.
    #[arg(long, value_name = "PATH")]
    binary: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// Tasks in the trace.
    #[arg(long, default_value = "10000", value_parser = args::tasks, allow_negative_numbers = true)]
    tasks: usize,
    /// Events in the trace (about).
    #[arg(long, default_value = "1000000", value_parser = args::events, allow_negative_numbers = true)]
    events: usize,
    /// Print one JSON object instead of words.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct FrameArgs {
    /// Tasks in the trace.
    #[arg(long, default_value = "10000", value_parser = args::tasks, allow_negative_numbers = true)]
    tasks: usize,
    /// Events in the trace (about).
    #[arg(long, default_value = "1000000", value_parser = args::events, allow_negative_numbers = true)]
    events: usize,
    /// Frames to time.
    #[arg(long, default_value = "100", value_parser = args::samples, allow_negative_numbers = true)]
    frames: usize,
    /// Move the scrubber one event back before every frame (rewinding).
    #[arg(long)]
    scrub: bool,
    /// With the timeline panel open (a lane per task and thread).
    #[arg(long)]
    timeline: bool,
    /// With the Stage panel open (the executor's queue, poll and parked tasks drawn).
    #[arg(long)]
    stage: bool,
    /// Print one JSON object instead of words.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct RewindArgs {
    /// Tasks in the trace.
    #[arg(long, default_value = "10000", value_parser = args::tasks, allow_negative_numbers = true)]
    tasks: usize,
    /// Events in the trace (about).
    #[arg(long, default_value = "1000000", value_parser = args::events, allow_negative_numbers = true)]
    events: usize,
    /// Indices to rebuild.
    #[arg(long, default_value = "200", value_parser = args::samples, allow_negative_numbers = true)]
    samples: usize,
    /// Print one JSON object instead of words.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ExecutorArgs {
    /// Tasks per run; each returns `Pending` once (waking itself), then `Ready`.
    #[arg(long, default_value = "100000", value_parser = args::tasks, allow_negative_numbers = true)]
    tasks: usize,
    /// Runs of each executor; the fastest is reported.
    #[arg(long, default_value = "5", value_parser = args::rounds, allow_negative_numbers = true)]
    rounds: usize,
    /// Read the binary's debug info first, so every task is looked up in it after its
    /// polls, as in the app (these tasks are no coroutines: nothing more is recorded).
    #[arg(long)]
    states: bool,
    /// pollscope's rounds alone, no peers: to profile them (`perf record`) with nothing
    /// else in the samples.
    #[arg(long)]
    alone: bool,
    /// Print one JSON object instead of words.
    #[arg(long)]
    json: bool,
}

pub fn run(args: BenchArgs) -> Result<ExitCode, String> {
    let Some(cmd) = args.command else {
        return timing::run(args.timing);
    };
    match cmd {
        BenchCommand::Executor(args) => {
            if args.states {
                pollscope_coro_index()?;
            }
            let r = bench::executor_with(args.tasks, args.rounds, !args.alone);
            if args.json {
                let json = serde_json::json!({
                    "tasks": r.tasks,
                    "polls": r.polls,
                    "events": r.events,
                    "ns_per_poll": r.ns_per_poll,
                    "localpool_ns_per_poll": r.localpool_ns_per_poll,
                    "ratio": r.ratio,
                    "peers": r.peers,
                });
                outln!("{json}")?;
            } else {
                debug_build_note();
                outln!(
                    "tasks: {}  polls: {}  events recorded: {}",
                    r.tasks,
                    r.polls,
                    r.events
                )?;
                outln!("pollscope (recording):  {:8.1} ns per poll", r.ns_per_poll)?;
                for peer in &r.peers {
                    outln!(
                        "{:<30} {:8.1} ns per poll   pollscope {:.2}x",
                        peer.name,
                        peer.ns_per_poll,
                        peer.ratio
                    )?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        BenchCommand::Frame(args) => frame(args),
        BenchCommand::Stall(args) => stall(args),
        #[cfg(unix)]
        BenchCommand::Py(args) => python(args),
        BenchCommand::Coro(args) if args.binary.is_some() => coro_binary(args),
        BenchCommand::Coro(args) => {
            let r = bench::coro(args.tasks, args.rounds).map_err(|e| e.to_string())?;
            if args.json {
                outln!("{}", serde_json::to_string(&r).map_err(|e| e.to_string())?)?;
            } else {
                debug_build_note();
                outln!(
                    "debug info: {} units opened in {:.1} ms; first poll with its unit read: {:.1} ms; {} units read in all, {} coroutine layouts",
                    r.units,
                    r.index_ms,
                    r.first_poll_ms,
                    r.units_read,
                    r.layouts
                )?;
                outln!(
                    "{} tasks: {:.1} ns per poll recording states, {:.1} without: {:+.1} ns",
                    r.tasks,
                    r.ns_per_poll_states,
                    r.ns_per_poll_plain,
                    r.added_ns
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        BenchCommand::Load(args) => {
            let r = bench::load(args.tasks, args.events).map_err(|e| e.to_string())?;
            if args.json {
                let json = serde_json::json!({"events": r.events, "bytes": r.bytes,
                    "save_ms": r.save_ms, "load_ms": r.load_ms});
                outln!("{json}")?;
            } else {
                debug_build_note();
                outln!("trace: {} events, {} bytes on disk", r.events, r.bytes)?;
                outln!(
                    "save (atomic, synced): {:.0} ms; load (every line checked): {:.0} ms",
                    r.save_ms,
                    r.load_ms
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        BenchCommand::Rewind(args) => {
            let r = bench::rewind(args.tasks, args.events, args.samples);
            if args.json {
                outln!("{}", serde_json::to_string(&r).map_err(|e| e.to_string())?)?;
            } else {
                debug_build_note();
                outln!(
                    "trace: {} events, {} tasks, {} checkpoints (built in {:.0} ms)",
                    r.events,
                    r.tasks,
                    r.checkpoints,
                    r.build_ms
                )?;
                outln!(
                    "state at an index, {} samples: median {:.2} ms, max {:.2} ms",
                    r.samples,
                    r.median_ms,
                    r.max_ms
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn coro_binary(args: CoroArgs) -> Result<ExitCode, String> {
    let Some(path) = args.binary else {
        return Err("bench coro --binary needs a path".to_owned());
    };
    let r = bench::coro_binary(&path, args.rounds).map_err(|e| e.to_string())?;
    if args.json {
        outln!("{}", serde_json::to_string(&r).map_err(|e| e.to_string())?)?;
    } else {
        outln!(
            "{}: {:.0} MB, {} units of debug info, opened in {:.1} ms",
            r.binary,
            r.size_mb,
            r.units,
            r.open_ms
        )?;
        outln!(
            "first poll's states (`step --steps 1`, from start): median {:.0} ms, max {:.0} ms",
            r.first_states_ms[0],
            r.first_states_ms[1]
        )?;
        outln!(
            "`states` ({} futures): median {:.0} ms, max {:.0} ms ({} runs each)",
            r.states_listed,
            r.states_ms[0],
            r.states_ms[1],
            r.rounds
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(unix)]
fn python(args: PyArgs) -> Result<ExitCode, String> {
    let r = bench::python(&args.python, args.resumes, args.steps, args.rounds)
        .map_err(|e| e.to_string())?;
    if args.json {
        outln!("{}", serde_json::to_string(&r).map_err(|e| e.to_string())?)?;
    } else {
        outln!(
            "Python {}: {} generator resumes, fastest of {} rounds",
            r.python,
            r.resumes,
            args.rounds
        )?;
        outln!(
            "  untraced {:.3} s, traced and recorded {:.3} s ({} events): {:.1} µs added per resume",
            r.untraced_s,
            r.traced_s,
            r.events,
            r.per_resume_us
        )?;
        outln!(
            "  Step (one resume, until the next pause): median {:.0} µs, slowest {:.0} µs over {} steps",
            r.step_median_us,
            r.step_max_us,
            r.steps
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn stall(args: StallArgs) -> Result<ExitCode, String> {
    let r = bench::stall(&args.python, args.rounds).map_err(|e| e.to_string())?;
    if args.json {
        outln!("{}", serde_json::to_string(&r).map_err(|e| e.to_string())?)?;
    } else {
        outln!(
            "CPython's http.server ({}, {}), {} round{} per case; a stall is over {:.0} ms a \
             request (one adds {:.0})",
            r.python,
            r.python_version,
            r.rounds,
            if r.rounds == 1 { "" } else { "s" },
            r.limit_ms,
            bench::STALL_MS
        )?;
        for case in &r.cases {
            outln!("{}:", case.name)?;
            outln!("  {}", case.verdict)?;
        }
        let stalled = r.cases.iter().filter(|c| c.stall).count();
        if stalled == 0 {
            outln!("no stall in any case")?;
        } else {
            outln!("stall in {stalled} of {} cases", r.cases.len())?;
        }
    }
    Ok(if r.stall {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn frame(args: FrameArgs) -> Result<ExitCode, String> {
    let panels = crate::app::frame_bench::Panels {
        scrub: args.scrub,
        timeline: args.timeline,
        stage: args.stage,
    };
    let r = crate::app::frame_bench::frames(args.tasks, args.events, args.frames, panels);
    if args.json {
        outln!("{}", serde_json::to_string(&r).map_err(|e| e.to_string())?)?;
    } else {
        debug_build_note();
        outln!(
            "trace: {} events, {} tasks; {} frames",
            r.events,
            r.tasks,
            r.frames
        )?;
        outln!(
            "one frame: median {:.2} ms, max {:.2} ms",
            r.median_ms,
            r.max_ms
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn debug_build_note() {
    if cfg!(debug_assertions) {
        note("note: this is a debug build; run with --release for real figures");
    }
}

fn pollscope_coro_index() -> Result<(), String> {
    crate::coro::index()
        .map(|_| ())
        .map_err(ToString::to_string)
}
