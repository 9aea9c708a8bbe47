//! Timing statistics on synthetic rounds: exact values.

#![cfg(feature = "lessons")]

use pollscope::timing::{Fetch, Mode, Round, Stats, Summary};

fn span(url: &str, mode: Mode, start_s: f64, end_s: f64, ok: bool) -> Fetch {
    Fetch {
        url: url.to_owned(),
        index: usize::from(url == "b"),
        mode,
        start_s,
        end_s,
        bytes: ok.then_some(100),
        error: (!ok).then(|| "http status 500".to_owned()),
    }
}

fn round(n: usize, seq: f64, conc: f64, singles: [(f64, bool); 2]) -> Round {
    let [(a, a_ok), (b, b_ok)] = singles;
    Round {
        round: n,
        order: vec![Mode::Sequential, Mode::Concurrent],
        totals: vec![(Mode::Sequential, seq), (Mode::Concurrent, conc)],
        requests: vec![
            span("a", Mode::Sequential, 0.0, a, a_ok),
            span("b", Mode::Sequential, a, a + b, b_ok),
            span("a", Mode::Concurrent, 0.0, a, a_ok),
            span("b", Mode::Concurrent, 0.0, b, b_ok),
        ],
    }
}

#[test]
fn stats_of_odd_and_even_counts() {
    let s = Stats::of(&[3.0, 1.0, 2.0]).unwrap();
    assert_eq!((s.min, s.median, s.mean, s.max), (1.0, 2.0, 2.0, 3.0));
    let s = Stats::of(&[4.0, 1.0, 2.0, 3.0]).unwrap();
    assert_eq!((s.min, s.median, s.mean, s.max), (1.0, 2.5, 2.5, 4.0));
    assert_eq!(Stats::of(&[]), None);
}

#[test]
fn summary_speedup_and_ideals() {
    let rounds = [
        round(1, 4.0, 2.0, [(1.0, true), (3.0, true)]),
        round(2, 5.0, 2.5, [(2.0, true), (3.0, true)]),
        round(3, 6.0, 3.0, [(1.5, true), (4.0, true)]),
    ];
    let s = Summary::of(&rounds);
    assert_eq!(s.sequential.unwrap().median, 5.0);
    assert_eq!(s.concurrent.unwrap().median, 2.5);
    assert_eq!(s.speedup, Some(2.0));
    // Single-request medians: a = 1.5, b = 3.0.
    assert_eq!(s.ideal_sequential_s, Some(4.5));
    assert_eq!(s.ideal_concurrent_s, Some(3.0));
    // The concurrent median (2.5) beat its ideal (3.0): noise, so the efficiency stops at
    // 100 % and says so.
    assert_eq!(s.concurrent_efficiency, Some(1.0));
    assert!(s.concurrent_beat_ideal);
    assert_eq!(s.sequential_efficiency, Some(4.5 / 5.0));
    assert!(!s.sequential_beat_ideal);
    assert_eq!(s.sequential_awaits, None);
}

#[test]
fn failed_requests_do_not_count_towards_the_ideals() {
    let rounds = [
        round(1, 4.0, 2.0, [(1.0, true), (9.0, false)]),
        round(2, 4.0, 2.0, [(1.0, true), (3.0, true)]),
    ];
    let s = Summary::of(&rounds);
    assert_eq!(s.ideal_sequential_s, Some(4.0));
    assert_eq!(s.ideal_concurrent_s, Some(3.0));
}

/// A round of `n` copies of one URL: sequential requests of `single` seconds one after
/// another, concurrent ones all overlapping.
fn copies(round_no: usize, n: usize, single: f64, concurrent: f64) -> Round {
    let mut requests = Vec::new();
    for index in 0..n {
        let start = index as f64 * single;
        requests.push(Fetch {
            url: "http://host/same".to_owned(),
            index,
            mode: Mode::Sequential,
            start_s: start,
            end_s: start + single,
            bytes: Some(10),
            error: None,
        });
        requests.push(Fetch {
            url: "http://host/same".to_owned(),
            index,
            mode: Mode::Concurrent,
            start_s: 0.0,
            end_s: concurrent,
            bytes: Some(10),
            error: None,
        });
    }
    Round {
        round: round_no,
        order: vec![Mode::Sequential, Mode::Concurrent],
        totals: vec![
            (Mode::Sequential, n as f64 * single),
            (Mode::Concurrent, concurrent),
        ],
        requests,
    }
}

#[test]
fn copies_of_one_url_count_once_each_in_the_ideals() {
    // 64 copies of one URL at 0.144 s: a sequential round makes 64 requests one after
    // another, so its ideal is 64 x 0.144 s, not the time of one.
    let rounds: Vec<Round> = (1..=3).map(|r| copies(r, 64, 0.144, 0.2)).collect();
    let s = Summary::of(&rounds);
    let ideal = s.ideal_sequential_s.unwrap();
    assert!((ideal - 64.0 * 0.144).abs() < 1e-9, "{ideal}");
    assert!((s.ideal_concurrent_s.unwrap() - 0.144).abs() < 1e-9);
    assert_eq!(s.sequential_efficiency, Some(1.0));
    assert!(s.concurrent_efficiency.unwrap() <= 1.0);
    assert!(!s.concurrent_beat_ideal);
}

#[test]
fn efficiency_never_exceeds_one_hundred_percent() {
    // Concurrent measured faster than the longest single request: noise, flagged.
    let rounds: Vec<Round> = (1..=3).map(|r| copies(r, 4, 0.5, 0.4)).collect();
    let s = Summary::of(&rounds);
    assert_eq!(s.concurrent_efficiency, Some(1.0));
    assert!(s.concurrent_beat_ideal);
    assert_eq!(s.ideal_concurrent_s, Some(0.5));
}
