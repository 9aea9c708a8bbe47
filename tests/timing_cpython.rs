//! The timing comparison against a server nobody here wrote: CPython's `http.server`
//! (threading, HTTP/1.1 keep-alive, head and body in two writes; the script is
//! `assets/servers/slow_http_server.py`). Only what holds on any machine however loaded:
//! every request answered, each in its place, no total below the server's sleeps, the
//! ideals made of the single-request medians. Whether reused connections stall 40 ms is
//! a wall-clock upper bound, so a benchmark's: `pollscope bench stall` (the figures are
//! in the README).
//!
//! Needs `python3` (or the interpreter `POLLSCOPE_PYTHON` names); without it each test
//! fails with one line saying what was not checked.

#![cfg(feature = "lessons")]

use pollscope::bench::{PythonServer, StallBenchError};
use pollscope::http::FetchConfig;
use pollscope::timing::{self, Connections, Mode, Report, TimingConfig};
use std::sync::atomic::AtomicBool;

/// The interpreter: `POLLSCOPE_PYTHON`, or `python3`.
fn interpreter() -> String {
    std::env::var("POLLSCOPE_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// What was not checked, and why: a test that returns it fails with exactly its line
/// (`Error: ` and the text, unquoted; no panic, no backtrace).
struct NotChecked(String);

impl std::fmt::Debug for NotChecked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// CPython's server, stopped however the test ends; if it cannot run, the one line
/// saying what was not checked.
fn server(what: &str) -> Result<PythonServer, NotChecked> {
    PythonServer::start(interpreter().as_ref())
        .map_err(|e| NotChecked(format!("{e}: {what} was not checked")))
}

fn report(targets: Vec<String>, connections: Connections) -> Report {
    let config = TimingConfig {
        targets,
        rounds: 3,
        fetch: FetchConfig::default(),
        extra_modes: false,
        connections,
    };
    Report::new(timing::run(&config, &AtomicBool::new(false), |_| {}))
}

/// Each position's median sequential request time, recomputed from the spans.
fn singles(report: &Report) -> Vec<f64> {
    let n = report.rounds[0].requests.len() / 2;
    (0..n)
        .map(|i| {
            let mut t: Vec<f64> = report
                .rounds
                .iter()
                .flat_map(|r| &r.requests)
                .filter(|s| s.mode == Mode::Sequential && s.index == i)
                .map(|s| s.end_s - s.start_s)
                .collect();
            t.sort_by(f64::total_cmp);
            t[t.len() / 2]
        })
        .collect()
}

#[test]
fn timing_against_cpython_in_either_connection_mode() -> Result<(), NotChecked> {
    let server = server("the timing against CPython's http.server")?;
    // 20 + 30 + 40 + 50 = 140 ms one after another; 50 ms at once. Whether a round comes
    // near those (no 40 ms keep-alive stall) is `pollscope bench stall`'s to say.
    let targets: Vec<String> = [20, 30, 40, 50]
        .iter()
        .map(|&ms| server.sleep_url(ms, Some(2000)))
        .collect();
    for connections in [Connections::Fresh, Connections::Pooled] {
        let report = report(targets.clone(), connections);
        let s = &report.summary;
        assert_eq!(report.rounds.len(), 3, "{connections:?}");
        for round in &report.rounds {
            let failed: Vec<_> = round
                .requests
                .iter()
                .filter(|q| q.error.is_some())
                .collect();
            assert!(failed.is_empty(), "{connections:?}: {failed:?}");
            assert_eq!(round.requests.len(), 8, "{connections:?}");
        }
        // A request to /sleep/20 cannot take less than 20 ms, however fast the machine.
        let sequential = s.sequential.unwrap().median;
        let concurrent = s.concurrent.unwrap().median;
        assert!(sequential >= 0.140, "{connections:?}: {sequential}");
        assert!(concurrent >= 0.050, "{connections:?}: {concurrent}");
        // The ideals are exactly the sum and the longest of the single-request medians.
        let singles = singles(&report);
        for (single, ms) in singles.iter().zip([20, 30, 40, 50]) {
            assert!(*single >= ms as f64 / 1e3, "{connections:?}: {singles:?}");
        }
        let sum: f64 = singles.iter().sum();
        let longest = singles.iter().copied().fold(0.0, f64::max);
        assert!((s.ideal_sequential_s.unwrap() - sum).abs() < 1e-9);
        assert!((s.ideal_concurrent_s.unwrap() - longest).abs() < 1e-9);
        assert!(s.concurrent_efficiency.unwrap() <= 1.0);
        assert!(s.sequential_efficiency.unwrap() <= 1.0);
    }
    Ok(())
}

#[test]
fn copies_of_one_url_are_each_a_request_of_their_own() -> Result<(), NotChecked> {
    let server = server("copies of one URL against CPython's http.server")?;
    let targets = vec![server.sleep_url(20, None); 8];
    let report = report(targets, Connections::Pooled);
    let s = &report.summary;
    for round in &report.rounds {
        assert!(round.requests.iter().all(|q| q.error.is_none()));
        let indexes: Vec<usize> = round
            .requests
            .iter()
            .filter(|q| q.mode == Mode::Sequential)
            .map(|q| q.index)
            .collect();
        assert_eq!(indexes, (0..8).collect::<Vec<_>>());
    }
    // Eight requests one after another: the ideal is eight single times, not one.
    let ideal = s.ideal_sequential_s.unwrap();
    assert!(ideal >= 8.0 * 0.020, "{ideal}");
    assert!((ideal - singles(&report).iter().sum::<f64>()).abs() < 1e-9);
    assert!(s.sequential.unwrap().median >= 8.0 * 0.020);
    assert!(s.concurrent.unwrap().median >= 0.020);
    assert!(s.sequential_efficiency.unwrap() <= 1.0);
    assert!(s.concurrent_efficiency.unwrap() <= 1.0);
    Ok(())
}

#[test]
fn a_missing_interpreter_is_named() {
    let e = PythonServer::start("/nonexistent/python3".as_ref()).unwrap_err();
    assert!(matches!(e, StallBenchError::NotFound { .. }), "{e:?}");
    assert_eq!(e.to_string(), "/nonexistent/python3 not found");
}
