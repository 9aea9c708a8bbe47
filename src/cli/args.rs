//! The number arguments, validated the same way wherever a flag appears: a plain message
//! with the allowed range instead of a panic, a capacity overflow or memory eaten until the
//! system kills the process. The ranges are generous; they exist to stop accidents.

// The benchmarks' flags exist only in `pollscope`'s own binary (feature `app`).
#![cfg_attr(not(feature = "app"), allow(dead_code))]

use std::time::Duration;

/// The longest timeout: a day. Longer is a typo, and past about 10^10 seconds the
/// conversion to a `Duration` would overflow.
pub const MAX_TIMEOUT_S: f64 = 86_400.0;

/// Rounds of any benchmark.
pub const MAX_ROUNDS: u64 = 10_000;

/// Polls a run may make (`--steps`).
pub const MAX_STEPS: u64 = 1_000_000_000;

/// Tasks of a generated benchmark workload: each costs memory up front.
pub const MAX_TASKS: u64 = 1_000_000;

/// Events of a generated benchmark trace, and of `--trace-limit`: past this the trace
/// alone needs gigabytes.
pub const MAX_EVENTS: u64 = 100_000_000;

/// Samples and frames of a benchmark.
pub const MAX_SAMPLES: u64 = 1_000_000;

/// A whole number in `min..=max`, with a message that names the range. A negative number
/// gets the same plain message (clap hands it over as a value: see `allow_negative_numbers`
/// where the flags are defined).
fn whole(s: &str, min: u64, max: u64) -> Result<u64, String> {
    let range = || format!("a whole number from {min} to {}", group(max));
    let digits = s.trim().replace('_', "");
    let n: u64 = match digits.parse() {
        Ok(n) => n,
        // Digits past u64: a whole number, far out of range.
        Err(_) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            return Err(format!("{s} is out of range: use {}", range()));
        }
        Err(_) => return Err(format!("{s:?} is not {}", range())),
    };
    if !(min..=max).contains(&n) {
        return Err(format!("{} is out of range: use {}", group(n), range()));
    }
    Ok(n)
}

/// `1234567` as `1,234,567`, for ranges a reader takes in at a glance.
fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn usize_in(s: &str, min: u64, max: u64) -> Result<usize, String> {
    whole(s, min, max).and_then(|n| usize::try_from(n).map_err(|e| e.to_string()))
}

/// `--timeout`: seconds, more than 0 and at most a day; fractions allowed.
pub fn timeout(s: &str) -> Result<Duration, String> {
    let seconds: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= MAX_TIMEOUT_S) {
        return Err(format!(
            "{s} is out of range: use a number of seconds above 0 and at most {} (a day)",
            group(MAX_TIMEOUT_S as u64)
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// `--rounds`: at least 1.
pub fn rounds(s: &str) -> Result<usize, String> {
    usize_in(s, 1, MAX_ROUNDS)
}

/// `--steps`: at least 1 poll.
pub fn steps(s: &str) -> Result<usize, String> {
    usize_in(s, 1, MAX_STEPS)
}

/// `--tasks` of a benchmark.
pub fn tasks(s: &str) -> Result<usize, String> {
    usize_in(s, 1, MAX_TASKS)
}

/// `--events` of a benchmark, and `--trace-limit`.
pub fn events(s: &str) -> Result<usize, String> {
    usize_in(s, 1, MAX_EVENTS)
}

/// `--samples` and `--frames` of a benchmark.
pub fn samples(s: &str) -> Result<usize, String> {
    usize_in(s, 1, MAX_SAMPLES)
}

/// `--at` of `replay`: any index (checked against the trace's length once it is loaded).
pub fn index(s: &str) -> Result<usize, String> {
    usize_in(s, 0, u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_enforced_with_plain_messages() {
        assert_eq!(steps("5"), Ok(5));
        assert_eq!(
            steps("-1").unwrap_err(),
            "\"-1\" is not a whole number from 1 to 1,000,000,000"
        );
        assert_eq!(
            steps("0").unwrap_err(),
            "0 is out of range: use a whole number from 1 to 1,000,000,000"
        );
        assert!(tasks("18446744073709551615").is_err());
        assert!(rounds("0").is_err());
        assert_eq!(events("1_000"), Ok(1000));
    }

    #[test]
    fn timeouts_are_finite_positive_and_at_most_a_day() {
        assert_eq!(timeout("0.5"), Ok(Duration::from_millis(500)));
        for bad in ["0", "-3", "1e300", "inf", "NaN", "86401", "soon"] {
            assert!(timeout(bad).is_err(), "{bad}");
        }
        assert_eq!(timeout("86400"), Ok(Duration::from_secs(86_400)));
    }
}
