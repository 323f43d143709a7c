//! `--max-memory` and `--max-attempts`: what a run may cost before it is
//! refused, checked before anything runs (docs/model.md §11).

use clap::Args;
use retrysim_experiment::resources::{Estimate, Limits, TooBig};

/// The limits' defaults: a laptop's share of memory, and a bound on
/// attempts about four times the largest shipped scenario's (a quarter of
/// an hour of one core at a million attempts a second, if every attempt
/// the bound allows were sent).
pub const DEFAULT_MEMORY: &str = "4G";
/// See [`DEFAULT_MEMORY`].
pub const DEFAULT_ATTEMPTS: &str = "1e9";

#[derive(Debug, Clone, Copy, Args)]
pub struct LimitArgs {
    /// Refuse a run estimated to need more memory than this, e.g. 512M, 16G.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = DEFAULT_MEMORY)]
    pub max_memory: u64,
    /// Refuse a run that may send more attempts than this over all policies
    /// and replications (requests × max_attempts), e.g. 5e9.
    #[arg(long, value_name = "N", value_parser = parse_count, default_value = DEFAULT_ATTEMPTS)]
    pub max_attempts: f64,
}

impl LimitArgs {
    /// `Ok` when `estimate` is within the limits, else the refusal.
    pub fn check(&self, estimate: &Estimate) -> Result<(), TooBig> {
        estimate.check(Limits {
            memory: self.max_memory,
            attempts: self.max_attempts,
        })
    }
}

/// A byte count: a number with an optional K, M, G or T (powers of 1024;
/// a trailing "B" or "iB" is accepted too).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let upper = t.to_ascii_uppercase();
    let digits = upper.trim_end_matches('B').trim_end_matches('I');
    let (number, shift) = match digits.chars().last() {
        Some('K') => (&digits[..digits.len() - 1], 10),
        Some('M') => (&digits[..digits.len() - 1], 20),
        Some('G') => (&digits[..digits.len() - 1], 30),
        Some('T') => (&digits[..digits.len() - 1], 40),
        _ => (digits, 0),
    };
    let v: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("expected a size such as 512M or 16G, got {s:?}"))?;
    let bytes = v * (1u64 << shift) as f64;
    if !(bytes.is_finite() && bytes >= 1.0 && bytes < u64::MAX as f64) {
        return Err(format!("expected a size from 1 byte to 16E, got {s:?}"));
    }
    Ok(bytes as u64)
}

/// A positive count, in plain or scientific notation (5e9).
pub fn parse_count(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("expected a number such as 5e9, got {s:?}"))?;
    if !(v.is_finite() && v >= 1.0) {
        return Err(format!("expected a number of at least 1, got {s:?}"));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_size("4G"), Ok(4 << 30));
        assert_eq!(parse_size("512m"), Ok(512 << 20));
        assert_eq!(parse_size("1.5GiB"), Ok(3 << 29));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("0").is_err());
        assert!(parse_size("lots").is_err());
        assert!(parse_size("1e30T").is_err());
        assert_eq!(parse_count("5e9"), Ok(5e9));
        assert!(parse_count("-1").is_err());
        assert!(parse_count("inf").is_err());
    }
}
