//! Backoff curves: the un-jittered delay before each retry.

use retrysim_engine::Nanos;
use retrysim_engine::time::delay_to_nanos;
use serde::{Deserialize, Serialize};

use crate::scenario::error::Errors;
use crate::scenario::values::{not_below, num_ok, secs};

fn two() -> f64 {
    2.0
}

/// Un-jittered delay before retry n = 0, 1, 2, … as written in a policy.
// Variants without fields are written `{}` so that serde rejects unknown
// fields in them too (`{"kind": "none", "base": 1}` is an error).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum BackoffSpec {
    /// Retry at once.
    None {},
    /// `base` seconds every time.
    Constant {
        /// Seconds.
        base: f64,
        /// Largest delay in seconds (default none).
        #[serde(default)]
        cap: Option<f64>,
    },
    /// `base·(n + 1)` seconds.
    Linear {
        /// Seconds.
        base: f64,
        /// Largest delay in seconds (default none).
        #[serde(default)]
        cap: Option<f64>,
    },
    /// `min(cap, base·factor^n)` seconds (factor 2 by default).
    Exponential {
        /// Seconds.
        base: f64,
        /// Growth per retry (default 2).
        #[serde(default = "two")]
        factor: f64,
        /// Largest delay in seconds (default none).
        #[serde(default)]
        cap: Option<f64>,
    },
}

impl Default for BackoffSpec {
    fn default() -> Self {
        BackoffSpec::None {}
    }
}

impl BackoffSpec {
    /// Validates the backoff of a policy; `at` names a field of the policy.
    pub(crate) fn compile(&self, errs: &mut Errors, at: &dyn Fn(&str) -> String) -> Backoff {
        let cap = |errs: &mut Errors, cap: Option<f64>, base: f64| match cap {
            None => Nanos::MAX,
            Some(c) => {
                let ns = secs(errs, &at("backoff.cap"), c, false);
                errs.check(not_below(c, base), at("backoff.cap"), || {
                    format!("must be >= base ({base}), got {c}")
                });
                ns
            }
        };
        match *self {
            BackoffSpec::None {} => Backoff::NONE,
            BackoffSpec::Constant { base, cap: c } => Backoff {
                curve: Curve::Constant,
                base: secs(errs, &at("backoff.base"), base, false),
                cap: cap(errs, c, base),
            },
            BackoffSpec::Linear { base, cap: c } => Backoff {
                curve: Curve::Linear,
                base: secs(errs, &at("backoff.base"), base, false),
                cap: cap(errs, c, base),
            },
            BackoffSpec::Exponential {
                base,
                factor,
                cap: c,
            } => {
                errs.check(
                    num_ok(factor) && (1.0..=100.0).contains(&factor),
                    at("backoff.factor"),
                    || format!("must be between 1 and 100, got {factor}"),
                );
                Backoff {
                    curve: Curve::Exponential { factor },
                    base: secs(errs, &at("backoff.base"), base, false),
                    cap: cap(errs, c, base),
                }
            }
        }
    }
}

/// The shape of the delay before retry `n` (n = 0 for the first retry).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Curve {
    /// Retry at once.
    None,
    /// `base` every time (what seed 000 calls "linear backoff").
    Constant,
    /// `base·(n + 1)`.
    Linear,
    /// `base·factor^n`.
    Exponential {
        /// Growth per retry.
        factor: f64,
    },
}

/// A backoff curve with its base and cap (the cap bounds the un-jittered
/// delay of every kind; jitter is applied after it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// The curve's shape.
    pub curve: Curve,
    /// The base delay.
    pub base: Nanos,
    /// The largest un-jittered delay (`Nanos::MAX` when uncapped).
    pub cap: Nanos,
}

impl Backoff {
    /// No delay at all.
    pub const NONE: Backoff = Backoff {
        curve: Curve::None,
        base: 0,
        cap: Nanos::MAX,
    };

    /// The capped, un-jittered delay before retry `n`.
    #[inline]
    pub fn delay(&self, n: u32) -> Nanos {
        let raw = match self.curve {
            Curve::None => 0,
            Curve::Constant => self.base,
            Curve::Linear => self.base.saturating_mul(n as u64 + 1),
            Curve::Exponential { factor } => {
                delay_to_nanos(self.base as f64 * factor.powi(n as i32) / 1e9)
            }
        };
        raw.min(self.cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Nanos = 1_000_000_000;

    fn b(curve: Curve, cap: Nanos) -> Backoff {
        Backoff {
            curve,
            base: S,
            cap,
        }
    }

    #[test]
    fn each_curve_gives_its_formula() {
        let seq = |bk: Backoff| (0..5).map(|n| bk.delay(n) / S).collect::<Vec<_>>();
        assert_eq!(seq(Backoff::NONE), vec![0, 0, 0, 0, 0]);
        assert_eq!(seq(b(Curve::Constant, Nanos::MAX)), vec![1, 1, 1, 1, 1]);
        assert_eq!(seq(b(Curve::Linear, Nanos::MAX)), vec![1, 2, 3, 4, 5]);
        assert_eq!(
            seq(b(Curve::Exponential { factor: 2.0 }, Nanos::MAX)),
            vec![1, 2, 4, 8, 16]
        );
        assert_eq!(
            seq(b(Curve::Exponential { factor: 3.0 }, Nanos::MAX)),
            vec![1, 3, 9, 27, 81]
        );
    }

    #[test]
    fn cap_bounds_every_kind() {
        assert_eq!(
            b(Curve::Exponential { factor: 2.0 }, 5 * S).delay(10),
            5 * S
        );
        assert_eq!(b(Curve::Linear, 3 * S).delay(10), 3 * S);
        // A huge exponent saturates instead of overflowing.
        assert_eq!(
            b(Curve::Exponential { factor: 2.0 }, 60 * S).delay(1_000),
            60 * S
        );
    }
}
