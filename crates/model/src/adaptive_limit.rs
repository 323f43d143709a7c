//! Concurrency limits that adapt (docs/model.md §12), as Netflix's
//! concurrency-limits library computes them: the service admits an attempt
//! only while fewer than `limit` are in it (waiting or in service), and
//! moves the limit with every latency it measures (arrival to the end of
//! the attempt's own work).
//!
//! - **AIMD**: a latency above `latency` multiplies the limit by `backoff`;
//!   any other adds one, while at least half the limit is in use
//!   (`AIMDLimit`).
//! - **Gradient**: the ratio of a long-term average latency to the latest
//!   one, times `tolerance`, clamped to [0.5, 1], scales the limit, plus a
//!   headroom of `queue` (`Gradient2Limit`): when latency rises above its
//!   long-term level the limit shrinks, when it is at that level the limit
//!   grows by `queue` per sample, smoothed by `smoothing`.

use crate::scenario::error::Errors;
use crate::scenario::values::{not_below, secs, within};
use retrysim_engine::Nanos;

/// Defaults of the settings, as `docs/model.md` §12 gives them.
pub(crate) mod defaults {
    pub fn initial() -> f64 {
        20.0
    }
    pub fn min() -> f64 {
        1.0
    }
    pub fn max() -> f64 {
        1000.0
    }
    pub fn backoff() -> f64 {
        0.9
    }
    pub fn smoothing() -> f64 {
        0.2
    }
    pub fn tolerance() -> f64 {
        1.5
    }
    pub fn queue() -> f64 {
        4.0
    }
    pub fn window() -> u32 {
        600
    }
}

/// The bounds every adaptive limit has.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LimitBounds {
    /// The limit at t = 0.
    pub initial: f64,
    /// It never goes below.
    pub min: f64,
    /// It never goes above.
    pub max: f64,
}

impl LimitBounds {
    /// Validates the bounds of the limit at `path` (`…workers.control`).
    pub(crate) fn compile(self, errs: &mut Errors, path: &str) -> Self {
        let min = within(errs, &format!("{path}.min"), self.min, 1.0, 1e6);
        let max = within(errs, &format!("{path}.max"), self.max, 1.0, 1e6);
        errs.check(not_below(max, min), format!("{path}.max"), || {
            format!("must be at least min ({min}), got {max}")
        });
        let initial = within(errs, &format!("{path}.initial"), self.initial, 1.0, 1e6);
        errs.check(
            not_below(initial, min) && not_below(max, initial),
            format!("{path}.initial"),
            || format!("must be between min ({min}) and max ({max}), got {initial}"),
        );
        LimitBounds { initial, min, max }
    }
}

/// An adaptive limit, validated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum LimitConfig {
    /// Additive increase, multiplicative decrease on a latency goal.
    Aimd {
        /// Latency goal.
        latency: Nanos,
        /// Factor after a slow attempt.
        backoff: f64,
        /// Bounds.
        bounds: LimitBounds,
    },
    /// Netflix's Gradient2.
    Gradient {
        /// Tolerance factor.
        tolerance: f64,
        /// Smoothing share.
        smoothing: f64,
        /// Headroom.
        queue: f64,
        /// Long-term window, in samples.
        window: u32,
        /// Bounds.
        bounds: LimitBounds,
    },
}

impl LimitConfig {
    /// AIMD at `path`, validated.
    pub(crate) fn aimd(
        errs: &mut Errors,
        path: &str,
        latency: f64,
        backoff: f64,
        bounds: LimitBounds,
    ) -> Self {
        LimitConfig::Aimd {
            latency: secs(errs, &format!("{path}.latency"), latency, true),
            backoff: within(errs, &format!("{path}.backoff"), backoff, 0.01, 0.99),
            bounds: bounds.compile(errs, path),
        }
    }

    /// The gradient limiter at `path`, validated.
    pub(crate) fn gradient(
        errs: &mut Errors,
        path: &str,
        (tolerance, smoothing, queue, window): (f64, f64, f64, u32),
        bounds: LimitBounds,
    ) -> Self {
        errs.check(
            (1..=1_000_000).contains(&window),
            format!("{path}.window"),
            || format!("must be between 1 and 1000000 samples, got {window}"),
        );
        LimitConfig::Gradient {
            tolerance: within(errs, &format!("{path}.tolerance"), tolerance, 1.0, 100.0),
            smoothing: within(errs, &format!("{path}.smoothing"), smoothing, 0.001, 1.0),
            queue: within(errs, &format!("{path}.queue"), queue, 0.0, 1e6),
            window,
            bounds: bounds.compile(errs, path),
        }
    }
}

/// Samples the long-term average is a plain mean of before it becomes an
/// exponential one (concurrency-limits' warm-up).
const WARMUP: u32 = 10;

/// One service's adaptive limit.
#[derive(Debug, Clone)]
pub(crate) struct AdaptiveLimit {
    config: LimitConfig,
    limit: f64,
    /// Gradient: the long-term average latency, in seconds, and the samples
    /// it has taken.
    long: f64,
    samples: u32,
}

impl AdaptiveLimit {
    pub fn new(config: LimitConfig) -> Self {
        let limit = match config {
            LimitConfig::Aimd { bounds, .. } | LimitConfig::Gradient { bounds, .. } => {
                bounds.initial
            }
        };
        Self {
            config,
            limit,
            long: 0.0,
            samples: 0,
        }
    }

    /// Whether an attempt arriving with `in_flight` others in the service
    /// is admitted.
    pub fn admits(&self, in_flight: u64) -> bool {
        (in_flight as f64) < self.limit.floor()
    }

    /// The limit now.
    #[cfg(test)]
    pub fn limit(&self) -> f64 {
        self.limit
    }

    /// An attempt's latency (arrival to the end of its work), with
    /// `in_flight` attempts in the service.
    pub fn sample(&mut self, latency: Nanos, in_flight: u64) {
        let inflight = in_flight as f64;
        match self.config {
            LimitConfig::Aimd {
                latency: goal,
                backoff,
                bounds,
            } => {
                if latency > goal {
                    self.limit *= backoff;
                } else if inflight * 2.0 >= self.limit {
                    self.limit += 1.0;
                }
                self.limit = self.limit.clamp(bounds.min, bounds.max);
            }
            LimitConfig::Gradient {
                tolerance,
                smoothing,
                queue,
                window,
                bounds,
            } => {
                let short = (latency as f64 / 1e9).max(1e-9);
                self.samples = self.samples.saturating_add(1);
                self.long = if self.samples <= WARMUP {
                    self.long + (short - self.long) / self.samples as f64
                } else {
                    let factor = 2.0 / (window as f64 + 1.0);
                    self.long * (1.0 - factor) + short * factor
                };
                // Latency back to normal after a long overload: bring the
                // long-term average down faster than smoothing would.
                if self.long / short > 2.0 {
                    self.long *= 0.95;
                }
                // An idle service learns nothing about its capacity.
                if inflight < self.limit / 2.0 {
                    return;
                }
                let gradient = (tolerance * self.long / short).clamp(0.5, 1.0);
                let estimate = self.limit * gradient + queue;
                let limit = self.limit * (1.0 - smoothing) + estimate * smoothing;
                self.limit = limit.clamp(bounds.min, bounds.max);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Nanos = 1_000_000;

    fn aimd() -> AdaptiveLimit {
        AdaptiveLimit::new(LimitConfig::Aimd {
            latency: 100 * MS,
            backoff: 0.5,
            bounds: LimitBounds {
                initial: 10.0,
                min: 2.0,
                max: 12.0,
            },
        })
    }

    #[test]
    fn aimd_adds_one_when_busy_and_fast_and_halves_when_slow() {
        let mut l = aimd();
        assert!(l.admits(9) && !l.admits(10));
        l.sample(50 * MS, 4); // fewer than half in use: no growth
        assert_eq!(l.limit(), 10.0);
        l.sample(50 * MS, 5);
        l.sample(50 * MS, 6);
        l.sample(50 * MS, 6);
        assert_eq!(l.limit(), 12.0, "capped at max");
        l.sample(150 * MS, 12);
        assert_eq!(l.limit(), 6.0);
        for _ in 0..5 {
            l.sample(150 * MS, 12);
        }
        assert_eq!(l.limit(), 2.0, "floored at min");
    }

    fn gradient() -> AdaptiveLimit {
        AdaptiveLimit::new(LimitConfig::Gradient {
            tolerance: 1.5,
            smoothing: 0.2,
            queue: 4.0,
            window: 600,
            bounds: LimitBounds {
                initial: 20.0,
                min: 1.0,
                max: 1000.0,
            },
        })
    }

    #[test]
    fn gradient_grows_at_steady_latency_and_shrinks_when_it_rises() {
        let mut l = gradient();
        // Steady 10 ms at full use: gradient 1, +queue × smoothing each.
        for _ in 0..10 {
            l.sample(10 * MS, 1000);
        }
        assert!(
            (l.limit() - (20.0 + 10.0 * 0.8)).abs() < 1e-9,
            "{}",
            l.limit()
        );
        // Latency four times the average: gradient 1.5/4 → 0.5 (clamped).
        let before = l.limit();
        l.sample(40 * MS, 1000);
        let expected = before * 0.8 + (before * 0.5 + 4.0) * 0.2;
        assert!((l.limit() - expected).abs() < 1e-9);
        // Idle: unchanged.
        let before = l.limit();
        l.sample(40 * MS, 1);
        assert_eq!(l.limit(), before);
    }
}
