//! Timing statistics on synthetic rounds: exact values.

#![cfg(feature = "lessons")]

use pollscope::timing::{Mode, Round, Span, Stats, Summary};

fn span(url: &str, mode: Mode, start_s: f64, end_s: f64, ok: bool) -> Span {
    Span {
        url: url.to_owned(),
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
    assert_eq!(s.concurrent_efficiency, Some(3.0 / 2.5));
    assert_eq!(s.sequential_efficiency, Some(4.5 / 5.0));
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
