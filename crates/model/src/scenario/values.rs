//! Checks shared by every part of the scenario format: seconds, shares,
//! bounded numbers and distributions. Each records a [`FieldError`] naming
//! the field and the rule, and returns a usable value either way, so that
//! validation goes on and reports every bad field at once.
//!
//! [`FieldError`]: super::FieldError

use retrysim_engine::Nanos;
use retrysim_engine::time::{MAX_SECS, secs_to_nanos};
use serde::{Deserialize, Serialize};

use super::error::Errors;
use crate::distribution::Duration;

/// A distribution of durations in seconds (also used for token counts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum DurationSpec {
    /// Always `value`.
    Constant {
        /// The value.
        value: f64,
    },
    /// Uniform on `[low, high]`.
    Uniform {
        /// Smallest value.
        low: f64,
        /// Largest value.
        high: f64,
    },
    /// Exponential with mean `mean`.
    Exponential {
        /// The mean.
        mean: f64,
    },
    /// Lognormal given by its median and 99th percentile.
    Lognormal {
        /// The median.
        median: f64,
        /// The 99th percentile (at least the median).
        p99: f64,
    },
}

impl DurationSpec {
    /// Validates a distribution of seconds at `path`.
    pub(crate) fn compile(&self, errs: &mut Errors, path: &str) -> Duration {
        match *self {
            DurationSpec::Constant { value } => {
                Duration::Constant(secs(errs, &format!("{path}.value"), value, false))
            }
            DurationSpec::Uniform { low, high } => {
                secs(errs, &format!("{path}.low"), low, false);
                secs(errs, &format!("{path}.high"), high, false);
                errs.check(not_below(high, low), format!("{path}.high"), || {
                    format!("must be >= low ({low}), got {high}")
                });
                Duration::Uniform {
                    low,
                    span: (high - low).max(0.0),
                }
            }
            DurationSpec::Exponential { mean } => {
                secs(errs, &format!("{path}.mean"), mean, true);
                Duration::Exponential { mean }
            }
            DurationSpec::Lognormal { median, p99 } => {
                secs(errs, &format!("{path}.median"), median, true);
                secs(errs, &format!("{path}.p99"), p99, true);
                errs.check(not_below(p99, median), format!("{path}.p99"), || {
                    format!("must be >= median ({median}), got {p99}")
                });
                errs.check(
                    !(p99 > 0.0 && median > 0.0 && p99 / median > 1e6),
                    format!("{path}.p99"),
                    || format!("p99 / median must be <= 1e6, got {}", p99 / median),
                );
                if median > 0.0 && p99 >= median {
                    Duration::lognormal(median, p99)
                } else {
                    Duration::Constant(0)
                }
            }
        }
    }

    /// Validates a distribution of counts (tokens) at `path`: the same
    /// shapes and rules as durations, worded as counts.
    pub(crate) fn compile_amount(&self, errs: &mut Errors, path: &str) -> Duration {
        let mut sub = Errors::default();
        let out = self.compile(&mut sub, path);
        for e in sub.0 {
            errs.push(e.path, e.message.replace("a number of seconds", "a count"));
        }
        out
    }
}

/// Whether `v` is a usable number (not NaN or infinite).
pub(crate) fn num_ok(v: f64) -> bool {
    v.is_finite()
}

/// `a >= b`, or either is NaN (a NaN is reported by the field's own check).
pub(crate) fn not_below(a: f64, b: f64) -> bool {
    a.partial_cmp(&b) != Some(std::cmp::Ordering::Less)
}

/// A share in [0, 1].
pub(crate) fn share(errs: &mut Errors, path: &str, v: f64) -> f64 {
    errs.check(num_ok(v) && (0.0..=1.0).contains(&v), path, || {
        format!("must be a share between 0 and 1, got {v}")
    });
    v
}

/// A finite number in `[lo, hi]`.
pub(crate) fn within(errs: &mut Errors, path: &str, v: f64, lo: f64, hi: f64) -> f64 {
    errs.check(num_ok(v) && v >= lo && v <= hi, path, || {
        format!("must be between {lo} and {hi}, got {v}")
    });
    v
}

/// Seconds ≥ 0 (or > 0 with `positive`), converted to nanoseconds.
pub(crate) fn secs(errs: &mut Errors, path: &str, v: f64, positive: bool) -> Nanos {
    let ok = num_ok(v) && v <= MAX_SECS && if positive { v > 0.0 } else { v >= 0.0 };
    let rule = if positive { "> 0" } else { ">= 0" };
    errs.check(ok, path, || {
        format!("must be a number of seconds {rule} and <= {MAX_SECS:e}, got {v}")
    });
    let ns = secs_to_nanos(v).unwrap_or(0);
    if ok && positive && ns == 0 {
        errs.push(path, format!("must be at least 1 ns, got {v}"));
    }
    ns
}
