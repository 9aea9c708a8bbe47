//! The timing comparison against a server nobody here wrote: CPython's `http.server`
//! (threading, HTTP/1.1 keep-alive, head and body in two writes; the script is
//! `assets/servers/slow_http_server.py`). Structure and the absence of the 40 ms
//! keep-alive stall, with generous margins; the figures are in the README.

#![cfg(feature = "lessons")]

use pollscope::http::FetchConfig;
use pollscope::timing::{self, Connections, Mode, Report, TimingConfig};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::AtomicBool;

/// The Python server, killed however the test ends.
struct Python(Child, String);

impl Drop for Python {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn python() -> Python {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/servers/slow_http_server.py"
    );
    let mut child = Command::new("python3")
        .arg(script)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    Python(child, base)
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
fn no_keep_alive_stall_in_either_connection_mode() {
    let server = python();
    // 20 + 30 + 40 + 50 = 140 ms one after another; 50 ms at once. A 40 ms stall per
    // request would add 160 ms to a sequential round.
    let targets: Vec<String> = [20, 30, 40, 50]
        .iter()
        .map(|ms| format!("{}/sleep/{ms}?bytes=2000", server.1))
        .collect();
    for connections in [Connections::Fresh, Connections::Pooled] {
        let report = report(targets.clone(), connections);
        let s = &report.summary;
        assert!(
            report
                .rounds
                .iter()
                .all(|r| r.requests.iter().all(|q| q.error.is_none()))
        );
        let sequential = s.sequential.unwrap().median;
        let concurrent = s.concurrent.unwrap().median;
        assert!(sequential >= 0.140, "{connections:?}: {sequential}");
        assert!(
            sequential < 0.140 * 1.4,
            "{connections:?}: a stall? {sequential}"
        );
        assert!(concurrent >= 0.050, "{connections:?}: {concurrent}");
        assert!(concurrent < 0.050 * 1.8, "{connections:?}: {concurrent}");
        // The ideals are exactly the sum and the longest of the single-request medians.
        let singles = singles(&report);
        let sum: f64 = singles.iter().sum();
        let longest = singles.iter().copied().fold(0.0, f64::max);
        assert!((s.ideal_sequential_s.unwrap() - sum).abs() < 1e-9);
        assert!((s.ideal_concurrent_s.unwrap() - longest).abs() < 1e-9);
        assert!(s.concurrent_efficiency.unwrap() <= 1.0);
        assert!(s.sequential_efficiency.unwrap() <= 1.0);
    }
}

#[test]
fn copies_of_one_url_are_each_a_request_of_their_own() {
    let server = python();
    let targets = vec![format!("{}/sleep/20", server.1); 8];
    let report = report(targets, Connections::Pooled);
    let s = &report.summary;
    let round = &report.rounds[0];
    let indexes: Vec<usize> = round
        .requests
        .iter()
        .filter(|q| q.mode == Mode::Sequential)
        .map(|q| q.index)
        .collect();
    assert_eq!(indexes, (0..8).collect::<Vec<_>>());
    // Eight requests one after another: the ideal is eight single times, not one.
    let ideal = s.ideal_sequential_s.unwrap();
    assert!(ideal >= 8.0 * 0.020, "{ideal}");
    assert!((ideal - singles(&report).iter().sum::<f64>()).abs() < 1e-9);
    assert!(s.sequential.unwrap().median < ideal * 1.4 + 0.02);
    assert!(s.concurrent.unwrap().median < 0.020 * 2.5 + 0.02);
}
