//! Timing rounds against the demo server: the order alternates, failures are recorded and
//! the run goes on, a stop ends the run after the current round, and the JSON has the
//! documented shape.

#![cfg(feature = "lessons")]

use pollscope::http::FetchConfig;
use pollscope::server::{DemoServer, ServerConfig};
use pollscope::timing::{self, Mode, Report, TimingConfig};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

fn config(targets: Vec<String>, rounds: usize, extra: bool) -> TimingConfig {
    TimingConfig {
        targets,
        rounds,
        fetch: FetchConfig {
            connect_timeout: Duration::from_secs(5),
            response_timeout: Duration::from_secs(5),
            body_timeout: Duration::from_secs(5),
            ..FetchConfig::default()
        },
        extra_modes: extra,
        connections: timing::Connections::Fresh,
    }
}

fn fast_targets(server: &DemoServer) -> Vec<String> {
    (1..=4)
        .map(|i| server.url(&format!("/delay/{}?bytes={}", 10 * i, 1000 * i)))
        .collect()
}

#[test]
fn the_first_mode_alternates() {
    assert_eq!(
        timing::order(1, false),
        [Mode::Sequential, Mode::Concurrent]
    );
    assert_eq!(
        timing::order(2, false),
        [Mode::Concurrent, Mode::Sequential]
    );
    assert_eq!(
        timing::order(3, true),
        [
            Mode::Sequential,
            Mode::Concurrent,
            Mode::SequentialAwaits,
            Mode::BlockingJoin
        ]
    );
    let server = DemoServer::start(ServerConfig::default()).unwrap();
    let rounds = timing::run(
        &config(fast_targets(&server), 4, false),
        &AtomicBool::new(false),
        |_| {},
    );
    let firsts: Vec<_> = rounds.iter().map(|r| r.first().unwrap()).collect();
    assert_eq!(
        firsts,
        [
            Mode::Sequential,
            Mode::Concurrent,
            Mode::Sequential,
            Mode::Concurrent
        ]
    );
    for r in &rounds {
        assert_eq!(r.requests.len(), 8);
        let bytes: u64 = r.requests.iter().filter_map(|s| s.bytes).sum();
        assert_eq!(bytes, 2 * (1000 + 2000 + 3000 + 4000));
        // The latency is a floor for every request.
        for s in &r.requests {
            assert!(s.end_s - s.start_s >= 0.010, "{s:?}");
        }
    }
}

#[test]
fn one_unreachable_target_fails_in_every_round_and_the_run_goes_on() {
    let server = DemoServer::start(ServerConfig::default()).unwrap();
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut targets = fast_targets(&server);
    targets[2] = format!("http://127.0.0.1:{closed}/gone");
    let rounds = timing::run(&config(targets, 3, true), &AtomicBool::new(false), |_| {});
    assert_eq!(rounds.len(), 3);
    for round in &rounds {
        for mode in timing::order(round.round, true) {
            let spans: Vec<_> = round.requests.iter().filter(|s| s.mode == mode).collect();
            assert_eq!(spans.len(), 4, "{mode:?}");
            assert_eq!(
                spans.iter().filter(|s| s.bytes.is_some()).count(),
                3,
                "{mode:?}"
            );
            let failed: Vec<_> = spans.iter().filter_map(|s| s.error.as_deref()).collect();
            assert_eq!(failed.len(), 1);
            assert!(failed[0].starts_with("connection refused"), "{failed:?}");
        }
    }
}

#[test]
fn a_stop_ends_the_run_after_the_current_round() {
    let server = DemoServer::start(ServerConfig::default()).unwrap();
    let stop = AtomicBool::new(false);
    let mut seen = 0;
    let rounds = timing::run(&config(fast_targets(&server), 50, false), &stop, |_| {
        seen += 1;
        stop.store(true, Ordering::Relaxed);
    });
    assert_eq!(rounds.len(), 1);
    assert_eq!(seen, 1);
}

#[test]
fn the_json_has_the_documented_shape() {
    let server = DemoServer::start(ServerConfig::default()).unwrap();
    let rounds = timing::run(
        &config(fast_targets(&server), 2, false),
        &AtomicBool::new(false),
        |_| {},
    );
    let json = Report::new(rounds).to_json();
    let round = &json["rounds"][1];
    assert_eq!(round["round"], 2);
    assert_eq!(round["first"], "concurrent");
    assert!(round["sequential_s"].as_f64().unwrap() > 0.0);
    assert!(round["concurrent_s"].as_f64().unwrap() > 0.0);
    let request = &round["requests"][0];
    for key in ["url", "mode", "start_s", "end_s", "bytes", "error"] {
        assert!(request.get(key).is_some(), "request lacks {key}: {request}");
    }
    assert_eq!(request["mode"], "concurrent");
    assert!(request["error"].is_null());
    let summary = &json["summary"];
    for key in [
        "sequential_median_s",
        "concurrent_median_s",
        "speedup",
        "ideal_sequential_s",
        "ideal_concurrent_s",
    ] {
        assert!(
            summary[key].as_f64().is_some(),
            "summary lacks {key}: {summary}"
        );
    }
}
