//! Timestamps as the format wants them: microseconds, written from integer nanoseconds.

use std::fmt;

/// Nanoseconds shown as microseconds with exactly three decimals (`1234.567`).
///
/// Written from the integer, never through `f64` division, so two events one nanosecond
/// apart stay one nanosecond apart in the file and no float noise (`0.30000000000000004`)
/// creeps in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Micros(pub u64);

impl fmt::Display for Micros {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03}", self.0 / 1_000, self.0 % 1_000)
    }
}

#[cfg(test)]
mod tests {
    use super::Micros;

    #[test]
    fn three_decimals_from_the_integer() {
        assert_eq!(Micros(0).to_string(), "0.000");
        assert_eq!(Micros(7).to_string(), "0.007");
        assert_eq!(Micros(1_234_567).to_string(), "1234.567");
        assert_eq!(Micros(300).to_string(), "0.300");
        assert_eq!(Micros(u64::MAX).to_string(), "18446744073709551.615");
    }
}
