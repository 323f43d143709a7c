//! Jitter: randomisation of a backoff delay, so that clients that failed
//! together do not retry together.

use rand::Rng;
use retrysim_engine::{Nanos, SimRng};
use serde::{Deserialize, Serialize};

use crate::scenario::error::Errors;
use crate::scenario::values::{num_ok, secs};

fn fraction() -> f64 {
    0.3
}
fn low() -> f64 {
    0.5
}
fn high() -> f64 {
    1.5
}

/// Jitter applied to the capped delay d, as written in a policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum JitterSpec {
    /// d.
    None {},
    /// U(0, d).
    Full {},
    /// d/2 + U(0, d/2).
    Equal {},
    /// min(cap, U(base, 3·previous)), previous starting at base.
    Decorrelated {},
    /// d + U(0, fraction·d) (fraction 0.3 by default, as in seed 000).
    Proportional {
        /// Largest share of d added.
        #[serde(default = "fraction")]
        fraction: f64,
    },
    /// d·U(low, high) (0.5 and 1.5 by default, as in seed 001).
    Multiplicative {
        /// Smallest factor.
        #[serde(default = "low")]
        low: f64,
        /// Largest factor.
        #[serde(default = "high")]
        high: f64,
    },
    /// d + U(0, max) with `max` in seconds.
    Additive {
        /// Largest addition, in seconds.
        max: f64,
    },
}

impl Default for JitterSpec {
    fn default() -> Self {
        JitterSpec::None {}
    }
}

impl JitterSpec {
    /// Validates the jitter of a policy whose backoff base is `base`; `at`
    /// names a field of the policy.
    pub(crate) fn compile(
        &self,
        errs: &mut Errors,
        at: &dyn Fn(&str) -> String,
        base: Nanos,
    ) -> Jitter {
        match *self {
            JitterSpec::None {} => Jitter::None,
            JitterSpec::Full {} => Jitter::Full,
            JitterSpec::Equal {} => Jitter::Equal,
            JitterSpec::Decorrelated {} => {
                errs.check(base > 0, at("jitter"), || {
                    "decorrelated jitter draws from [base, 3·previous]: give the policy a backoff with base > 0".into()
                });
                Jitter::Decorrelated
            }
            JitterSpec::Proportional { fraction } => {
                errs.check(
                    num_ok(fraction) && (0.0..=100.0).contains(&fraction),
                    at("jitter.fraction"),
                    || format!("must be between 0 and 100, got {fraction}"),
                );
                Jitter::Proportional { fraction }
            }
            JitterSpec::Multiplicative { low, high } => {
                errs.check(
                    num_ok(low) && (0.0..=100.0).contains(&low),
                    at("jitter.low"),
                    || format!("must be between 0 and 100, got {low}"),
                );
                errs.check(
                    num_ok(high) && high >= low && high <= 100.0,
                    at("jitter.high"),
                    || format!("must be between low ({low}) and 100, got {high}"),
                );
                Jitter::Multiplicative { low, high }
            }
            JitterSpec::Additive { max } => Jitter::Additive {
                max: secs(errs, &at("jitter.max"), max, false),
            },
        }
    }
}

/// A jitter kind (docs/model.md §5).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Jitter {
    /// The delay as it is.
    None,
    /// U(0, d): AWS's "full jitter".
    Full,
    /// d/2 + U(0, d/2): AWS's "equal jitter".
    Equal,
    /// d_n = min(cap, U(base, 3·d_{n-1})) with d_{-1} = base: AWS's
    /// "decorrelated jitter". Ignores the backoff curve, keeps its own state.
    Decorrelated,
    /// d + U(0, f·d): seed 000's "up to 30 % random jitter".
    Proportional {
        /// f.
        fraction: f64,
    },
    /// d·U(low, high): seed 001's bounded "0.5 – 1.5×".
    Multiplicative {
        /// Smallest factor.
        low: f64,
        /// Largest factor.
        high: f64,
    },
    /// d + U(0, max) with an absolute `max`: seed 001's unbounded example.
    Additive {
        /// Largest addition.
        max: Nanos,
    },
}

impl Jitter {
    /// Whether the jitter remembers the delay it drew last (decorrelated
    /// jitter does; the memory starts at the backoff's base).
    pub fn keeps_previous(&self) -> bool {
        matches!(self, Jitter::Decorrelated)
    }

    /// Jitters `delay` (the capped backoff). `previous` is the last delay this
    /// request drew, initialised to `base`; decorrelated jitter reads and
    /// updates it, the others leave it alone.
    #[inline]
    pub fn apply(
        &self,
        delay: Nanos,
        base: Nanos,
        cap: Nanos,
        previous: &mut Nanos,
        rng: &mut SimRng,
    ) -> Nanos {
        let d = delay as f64;
        match *self {
            Jitter::None => delay,
            Jitter::Full => (d * rng.random::<f64>()) as Nanos,
            Jitter::Equal => delay / 2 + ((d / 2.0) * rng.random::<f64>()) as Nanos,
            Jitter::Decorrelated => {
                let hi = previous.saturating_mul(3) as f64;
                let lo = base as f64;
                let drawn = (lo + (hi - lo).max(0.0) * rng.random::<f64>()) as Nanos;
                let next = drawn.min(cap);
                *previous = next;
                next
            }
            Jitter::Proportional { fraction } => {
                delay.saturating_add((d * fraction * rng.random::<f64>()) as Nanos)
            }
            Jitter::Multiplicative { low, high } => {
                (d * (low + (high - low) * rng.random::<f64>())) as Nanos
            }
            Jitter::Additive { max } => {
                delay.saturating_add((max as f64 * rng.random::<f64>()) as Nanos)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use retrysim_engine::stream;

    const S: Nanos = 1_000_000_000;

    /// Draws `n` jittered values of a 4 s delay, returns (min, mean, max) in seconds.
    fn stats(j: Jitter, n: usize) -> (f64, f64, f64) {
        let mut rng = stream(9, 0, 3);
        let mut prev = S;
        let v: Vec<f64> = (0..n)
            .map(|_| {
                prev = S;
                j.apply(4 * S, S, 60 * S, &mut prev, &mut rng) as f64 / 1e9
            })
            .collect();
        let min = v.iter().cloned().fold(f64::MAX, f64::min);
        let max = v.iter().cloned().fold(f64::MIN, f64::max);
        (min, v.iter().sum::<f64>() / n as f64, max)
    }

    fn assert_range_and_mean(j: Jitter, lo: f64, hi: f64, mean: f64) {
        let (mn, m, mx) = stats(j, 100_000);
        assert!(
            mn >= lo && mx <= hi,
            "{j:?}: range [{mn}, {mx}] outside [{lo}, {hi}]"
        );
        // Spread covers most of the range: the draw is really random.
        assert!(mx - mn > 0.95 * (hi - lo), "{j:?}: spread [{mn}, {mx}]");
        assert!(
            (m - mean).abs() < 0.02 * mean.max(1.0),
            "{j:?}: mean {m}, want {mean}"
        );
    }

    #[test]
    fn none_keeps_the_delay() {
        let mut rng = stream(1, 0, 3);
        let mut prev = S;
        assert_eq!(
            Jitter::None.apply(4 * S, S, 60 * S, &mut prev, &mut rng),
            4 * S
        );
    }

    #[test]
    fn each_jitter_has_its_range_and_mean() {
        assert_range_and_mean(Jitter::Full, 0.0, 4.0, 2.0);
        assert_range_and_mean(Jitter::Equal, 2.0, 4.0, 3.0);
        assert_range_and_mean(Jitter::Proportional { fraction: 0.3 }, 4.0, 5.2, 4.6);
        assert_range_and_mean(
            Jitter::Multiplicative {
                low: 0.5,
                high: 1.5,
            },
            2.0,
            6.0,
            4.0,
        );
        assert_range_and_mean(Jitter::Additive { max: 10 * S }, 4.0, 14.0, 9.0);
        // Decorrelated from previous = base = 1 s: U(1, 3).
        assert_range_and_mean(Jitter::Decorrelated, 1.0, 3.0, 2.0);
    }

    #[test]
    fn decorrelated_depends_on_the_previous_delay_and_caps_itself() {
        let mut rng = stream(2, 0, 3);
        // From previous = 10 s the draw is U(1, 30), capped at 20.
        let mut hits_cap = 0;
        let mut sum = 0.0;
        for _ in 0..10_000 {
            let mut prev = 10 * S;
            let d = Jitter::Decorrelated.apply(0, S, 20 * S, &mut prev, &mut rng);
            assert!((S..=20 * S).contains(&d));
            assert_eq!(prev, d, "decorrelated remembers its own draw");
            hits_cap += (d == 20 * S) as u32;
            sum += d as f64 / 1e9;
        }
        // P(U(1,30) > 20) = 10/29.
        let share = hits_cap as f64 / 10_000.0;
        assert!((share - 10.0 / 29.0).abs() < 0.02, "{share}");
        // Mean of min(20, U(1,30)) = (19/29)·10.5 + (10/29)·20 ≈ 13.78.
        assert!((sum / 10_000.0 - 13.776).abs() < 0.2, "{}", sum / 10_000.0);

        // A chain grows on average by 1.5× per step until the cap.
        let mut prev = S;
        let chain: Vec<Nanos> = (0..50)
            .map(|_| Jitter::Decorrelated.apply(0, S, 60 * S, &mut prev, &mut rng))
            .collect();
        assert!(chain.iter().all(|&d| (S..=60 * S).contains(&d)));
        assert!(
            chain[20..].iter().any(|&d| d > 20 * S),
            "chain should climb: {chain:?}"
        );
    }
}
