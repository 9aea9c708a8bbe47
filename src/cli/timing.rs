//! `pollscope bench [URL...]`: the original's comparison, sequential versus concurrent,
//! made honest (alternating order, fresh connections, ideal limits).

use crate::http::FetchConfig;
use crate::server::{DemoServer, Profile, ServerConfig};
use crate::timing::{self, Mode, Report, Round, TimingConfig};
use clap::Args;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct TimingArgs {
    /// Pages to fetch; without any, the embedded demo server's pages are used.
    #[arg(value_name = "URL")]
    urls: Vec<String>,
    /// Rounds; each runs every mode once, alternating which goes first.
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// Per-request timeout in seconds (connect, response and body each).
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
    /// Demo server profile when no URL is given: a built-in name (seed, wide) or a file.
    #[arg(long, default_value = "seed")]
    profile: String,
    /// Also time lazy futures awaited one by one, and the original's blocking join.
    #[arg(long)]
    extra: bool,
    /// Print the rounds and summary as one JSON object.
    #[arg(long)]
    json: bool,
}

pub fn run(args: TimingArgs) -> Result<ExitCode, String> {
    if args.rounds == 0 {
        return Err("--rounds must be at least 1".to_owned());
    }
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        return Err(format!(
            "--timeout must be a positive number of seconds, not {}",
            args.timeout
        ));
    }
    let timeout = Duration::from_secs_f64(args.timeout);
    let fetch = FetchConfig {
        connect_timeout: timeout,
        response_timeout: timeout,
        body_timeout: timeout,
        ..FetchConfig::default()
    };
    // The server (if any) lives until the run ends.
    let (targets, _server, origin) = if args.urls.is_empty() {
        let profile = Profile::load(&args.profile).map_err(|e| e.to_string())?;
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
    };
    let modes = timing::order(1, args.extra);
    if !args.json {
        println!(
            "{} targets x {} rounds ({origin}); the first mode alternates each round",
            config.targets.len(),
            config.rounds
        );
        let mut header = format!("{:>5}  {:<11}", "round", "first");
        for mode in &modes {
            header.push_str(&format!(" {:>18}", mode.title()));
        }
        println!("{header}  failed");
    }
    let stop = AtomicBool::new(false);
    let rounds = timing::run(&config, &stop, |round| {
        if args.json {
            eprintln!("round {}/{} done", round.round, config.rounds);
        } else {
            println!("{}", row(round, &modes));
        }
    });
    let report = Report::new(rounds);
    if args.json {
        println!("{}", report.to_json());
    } else {
        print_summary(&report);
    }
    Ok(ExitCode::SUCCESS)
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

fn print_summary(report: &Report) {
    let s = &report.summary;
    println!();
    let line = |mode: Mode, stats: Option<timing::Stats>, ideal: Option<f64>| {
        if let Some(stats) = stats {
            let all: f64 = report.rounds.iter().filter_map(|r| r.total(mode)).sum();
            let ideal = ideal.map_or(String::new(), |i| format!(", ideal {i:.3} s"));
            println!(
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
        let efficiency = s.concurrent_efficiency.map_or(String::new(), |e| {
            format!("; concurrent at {:.0}% of its ideal", e * 100.0)
        });
        println!("speed-up {speedup:.2}x (median sequential / median concurrent){efficiency}");
    }
}
