//! `pollscope bench [URL...]`: the original's comparison, sequential versus concurrent,
//! made honest (alternating order, connections as a stated choice, ideal limits), with a
//! progress bar on a terminal and a chart for a slide.

use super::args;
use super::interrupt;
use super::output::{note, outln, write_output};
use crate::http::FetchConfig;
use crate::server::MAX_PAGES;
use crate::server::{DemoServer, Profile, ServerConfig};
use crate::timing::{self, Connections, Mode, Progress, Report, Round, TimingConfig};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// The original's totals over 4 pages × 15 runs, over the internet.
const ORIGINAL_SEQUENTIAL_S: f64 = 23.5;
const ORIGINAL_CONCURRENT_S: f64 = 17.6;

#[derive(Debug, Args)]
pub struct TimingArgs {
    /// Pages to fetch; without any, the embedded demo server's pages are used.
    #[arg(value_name = "URL")]
    urls: Vec<String>,
    /// Rounds; each runs every mode once, alternating which goes first.
    #[arg(long, default_value = "5", value_parser = args::rounds, allow_negative_numbers = true)]
    rounds: usize,
    /// Per-request timeout in seconds (connect, response and body each).
    #[arg(long, default_value = "10", value_parser = args::timeout, allow_negative_numbers = true)]
    timeout: Duration,
    /// Demo server profile when no URL is given: a built-in name (seed, wide) or a file
    /// (default: seed).
    #[arg(long, conflicts_with = "urls")]
    profile: Option<String>,
    /// Also time lazy futures awaited one by one, and the original's blocking join.
    #[arg(long)]
    extra: bool,
    /// `fresh`: a new connection for every request in every mode (as the original's
    /// `requests.get`); `pooled`: one pool per mode, warmed before timing, reused.
    #[arg(long, default_value = "fresh", value_parser = parse_connections)]
    connections: Connections,
    /// Also write the round chart and the latest round's Gantt chart as one SVG here
    /// (`-` for standard output).
    #[arg(long, value_name = "FILE")]
    plot: Option<PathBuf>,
    /// Print the rounds and summary as one JSON object.
    #[arg(long)]
    json: bool,
}

fn parse_connections(s: &str) -> Result<Connections, String> {
    s.parse()
}

/// Runs the comparison and prints it. Ctrl-C stops it after the request in flight and
/// reports the rounds completed.
pub fn run(args: TimingArgs) -> Result<ExitCode, String> {
    let chart_to_stdout = args.plot.as_deref() == Some(std::path::Path::new("-"));
    if chart_to_stdout && args.json {
        return Err(
            "--json and --plot - both want standard output: write the chart to a file \
             (--plot chart.svg)"
                .to_owned(),
        );
    }
    if chart_to_stdout {
        // Standard output holds the SVG alone; the table and the summary go to stderr.
        super::output::words_to_stderr();
    }
    if args.urls.len() > MAX_PAGES {
        return Err(format!(
            "{} URLs given: at most {MAX_PAGES} (each is a thread in the concurrent modes)",
            args.urls.len()
        ));
    }
    let fetch = FetchConfig {
        connect_timeout: args.timeout,
        response_timeout: args.timeout,
        body_timeout: args.timeout,
        ..FetchConfig::default()
    };
    let profile_name = args.profile.as_deref().unwrap_or("seed");
    // The server (if any) lives until the run ends.
    let seed = args.urls.is_empty() && profile_name == "seed";
    let (targets, _server, origin) = if args.urls.is_empty() {
        let profile = Profile::load(profile_name).map_err(|e| e.to_string())?;
        let server =
            DemoServer::start(ServerConfig { port: 0, profile }).map_err(|e| e.to_string())?;
        let urls = server.page_urls().into_iter().map(|(_, u)| u).collect();
        let origin = format!("demo server, profile {}", server.profile().name);
        (urls, Some(server), origin)
    } else {
        (args.urls, None, "given URLs".to_owned())
    };
    let config = TimingConfig {
        targets,
        rounds: args.rounds,
        fetch,
        extra_modes: args.extra,
        connections: args.connections,
    };
    let modes = timing::order(1, args.extra);
    if !args.json {
        outln!(
            "{} targets x {} rounds ({origin}, {} connections); the first mode alternates \
             each round",
            config.targets.len(),
            config.rounds,
            config.connections.word()
        )?;
        let mut header = format!("{:>5}  {:<11}", "round", "first");
        for mode in &modes {
            header.push_str(&format!(" {:>18}", mode.title()));
        }
        outln!("{header}  failed")?;
    }
    let stop = interrupt::install();
    // A bar on stderr, one step a request; hidden when stderr is not a terminal.
    let requests = (config.targets.len() * modes.len() * config.rounds) as u64;
    let bar = ProgressBar::new(requests);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} requests, round {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(format!("1/{}", config.rounds));
    let mut latest: Vec<timing::Fetch> = Vec::new();
    let mut printed = Ok(());
    let rounds = timing::run_observed(&config, stop, |progress| match progress {
        Progress::Request(_) => bar.inc(1),
        Progress::Round(round) => {
            latest = round.requests.clone();
            bar.set_message(format!(
                "{}/{}",
                (round.round + 1).min(config.rounds),
                config.rounds
            ));
            if !args.json && printed.is_ok() {
                printed = bar.suspend(|| outln!("{}", row(round, &modes)));
            }
        }
    });
    bar.finish_and_clear();
    printed?;
    let interrupted = interrupt::requested();
    if interrupted {
        note(&format!(
            "interrupted: {} of {} rounds completed",
            rounds.len(),
            config.rounds
        ));
    }
    let report = Report::new(rounds);
    if args.json {
        let mut json = report.to_json();
        json["summary"]["connections"] = config.connections.word().into();
        json["summary"]["interrupted"] = interrupted.into();
        json["summary"]["never_answered"] = dead_targets(&report)
            .iter()
            .map(|(url, _)| url.as_str())
            .collect::<Vec<_>>()
            .into();
        outln!("{json}")?;
    } else if !report.rounds.is_empty() && report.summary.unanswered.is_empty() {
        print_summary(&report, config.connections)?;
        if seed {
            print_original(&report)?;
        }
    }
    if let Some(path) = &args.plot
        && !report.rounds.is_empty()
    {
        let svg = timing::svg(&report, &latest, config.connections).map_err(|e| e.to_string())?;
        let to_stdout = write_output(path, |out| out.write_all(svg.as_bytes()))?;
        if !args.json && !to_stdout {
            outln!("chart written to {}", path.display())?;
        }
    }
    if let Some(error) = unanswered(&report) {
        return Err(error);
    }
    if let Some(error) = never_answered(&report) {
        return Err(error);
    }
    if interrupted {
        return Ok(ExitCode::from(interrupt::INTERRUPTED_EXIT));
    }
    Ok(ExitCode::SUCCESS)
}

/// The refusal for a run in which a mode never got an answer: its totals time failures,
/// so there is no comparison to make.
fn unanswered(report: &Report) -> Option<String> {
    let modes = &report.summary.unanswered;
    if modes.is_empty() {
        return None;
    }
    let names: Vec<&str> = modes.iter().map(|m| m.title()).collect();
    let first_error = report
        .rounds
        .iter()
        .flat_map(|r| &r.requests)
        .find_map(|s| s.error.as_deref())
        .unwrap_or("no response");
    Some(format!(
        "no request succeeded in {} ({first_error}): no speed-up to report",
        names.join(", ")
    ))
}

/// The targets that failed in every request of every round, with their first error.
fn dead_targets(report: &Report) -> Vec<(String, String)> {
    let requests = || report.rounds.iter().flat_map(|r| &r.requests);
    let positions = requests().map(|f| f.index + 1).max().unwrap_or(0);
    (0..positions)
        .filter(|&i| {
            requests()
                .filter(|f| f.index == i)
                .all(|f| f.error.is_some())
        })
        .filter_map(|i| {
            let first = requests().find(|f| f.index == i)?;
            Some((first.url.clone(), first.error.clone().unwrap_or_default()))
        })
        .collect()
}

/// The refusal for a run in which some targets never answered: the summary above leaves
/// them out of the ideal, and the totals time their failures, so the speed-up printed is
/// not the one asked for.
fn never_answered(report: &Report) -> Option<String> {
    let dead = dead_targets(report);
    let (url, error) = dead.first()?;
    let more = match dead.len() {
        1 => String::new(),
        n => format!(" and {} more", n - 1),
    };
    Some(format!(
        "{url}{more} never answered in any round ({error}): left out of the ideal, and its \
         failures timed in the totals, so the speed-up above is not of the pages asked for"
    ))
}

/// The original's experiment beside this run's, with why they differ.
fn print_original(report: &Report) -> Result<(), String> {
    let total = |mode: Mode| -> f64 { report.rounds.iter().filter_map(|r| r.total(mode)).sum() };
    let (sequential, concurrent) = (total(Mode::Sequential), total(Mode::Concurrent));
    let n = report.rounds.len();
    outln!()?;
    outln!(
        "{:<50} sequential {ORIGINAL_SEQUENTIAL_S:>5.1} s, concurrent {ORIGINAL_CONCURRENT_S:>5.1} s ({:.2}x)",
        "the original, 4 pages x 15 runs over the internet:",
        ORIGINAL_SEQUENTIAL_S / ORIGINAL_CONCURRENT_S
    )?;
    let speedup = if concurrent > 0.0 {
        format!(" ({:.2}x)", sequential / concurrent)
    } else {
        String::new()
    };
    outln!(
        "{:<50} sequential {sequential:>5.1} s, concurrent {concurrent:>5.1} s{speedup}",
        format!("here, 4 pages x {n} runs on loopback:")
    )?;
    outln!(
        "they differ: the demo server's latencies are fixed and loopback adds no network \
         time, so nothing varies between runs; the original's pages came over the internet, \
         with its noise and its warm-up, and its concurrent Request joined each thread in a \
         blocking poll"
    )?;
    Ok(())
}

fn row(round: &Round, modes: &[Mode]) -> String {
    let first = round.first().map_or("-", Mode::title);
    let mut line = format!("{:>5}  {first:<11}", round.round);
    for &mode in modes {
        let total = round
            .total(mode)
            .map_or("-".to_owned(), |t| format!("{t:.3} s"));
        line.push_str(&format!(" {total:>18}"));
    }
    let failed = round.requests.iter().filter(|s| s.error.is_some()).count();
    line.push_str(&format!("  {failed}"));
    if let Some(error) = round.requests.iter().find_map(|s| s.error.as_deref()) {
        line.push_str(&format!(" ({error})"));
    }
    line
}

fn print_summary(report: &Report, connections: Connections) -> Result<(), String> {
    use std::fmt::Write as _;
    let s = &report.summary;
    let mut out = String::new();
    let _ = writeln!(out);
    let _ = writeln!(out, "connections: {}", connections.word());
    let mut line = |mode: Mode, stats: Option<timing::Stats>, ideal: Option<f64>| {
        if let Some(stats) = stats {
            let all: f64 = report.rounds.iter().filter_map(|r| r.total(mode)).sum();
            let ideal = ideal.map_or(String::new(), |i| format!(", ideal {i:.3} s"));
            let _ = writeln!(
                out,
                "{:<18} {all:.3} s in all; per round median {:.3} s (min {:.3}, mean {:.3}, max {:.3}){ideal}",
                format!("{}:", mode.title()),
                stats.median,
                stats.min,
                stats.mean,
                stats.max
            );
        }
    };
    line(Mode::Sequential, s.sequential, s.ideal_sequential_s);
    line(Mode::Concurrent, s.concurrent, s.ideal_concurrent_s);
    line(Mode::SequentialAwaits, s.sequential_awaits, None);
    line(Mode::BlockingJoin, s.blocking_join, None);
    if let Some(speedup) = s.speedup {
        let efficiency = match s.concurrent_efficiency {
            Some(_) if s.concurrent_beat_ideal => {
                "; concurrent below its ideal (noise: the ideal is a lower bound)".to_owned()
            }
            Some(e) => format!("; concurrent at {:.0}% of its ideal", e * 100.0),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "speed-up {speedup:.2}x (median sequential / median concurrent){efficiency}"
        );
    }
    super::output::print(&out)
}
