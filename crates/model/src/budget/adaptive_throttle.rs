//! Client-side adaptive throttling (Google SRE book, "Handling Overload"):
//! reject locally with probability max(0, (requests − K·accepts) /
//! (requests + 1)) over the last `window` seconds.

use rand::Rng;
use retrysim_engine::{Nanos, SimRng};
use serde::{Deserialize, Serialize};

use super::window::SlidingCounts;
use super::{Hooks, Ticket};
use crate::outcome::{FailureReason, Outcome};
use crate::scenario::error::Errors;
use crate::scenario::values::within;

/// Adaptive throttling as written in a scenario (defaults: the SRE book's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdaptiveThrottleSpec {
    /// Accepts multiplier K.
    pub k: f64,
    /// Seconds of history.
    pub window: u32,
}

impl Default for AdaptiveThrottleSpec {
    fn default() -> Self {
        Self {
            k: 2.0,
            window: 120,
        }
    }
}

impl AdaptiveThrottleSpec {
    /// Validates the spec; `at` names a field of the budget.
    pub(crate) fn compile(
        &self,
        errs: &mut Errors,
        at: &dyn Fn(&str) -> String,
    ) -> AdaptiveThrottle {
        AdaptiveThrottle::new(AdaptiveThrottleConfig {
            k: within(errs, &at("adaptive_throttle.k"), self.k, 0.001, 1000.0),
            window_s: within(
                errs,
                &at("adaptive_throttle.window"),
                self.window as f64,
                1.0,
                3600.0,
            ) as u32,
        })
    }
}

/// Validated parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdaptiveThrottleConfig {
    /// Accepts multiplier K.
    pub k: f64,
    /// Seconds of history.
    pub window_s: u32,
}

/// One client's requests (`a`) and accepts (`b`) per second.
#[derive(Debug, Clone, PartialEq)]
pub struct AdaptiveThrottle {
    cfg: AdaptiveThrottleConfig,
    counts: SlidingCounts,
}

impl Hooks for AdaptiveThrottle {
    fn heap_bytes(&self) -> usize {
        self.counts.heap_bytes()
    }
    fn may_refuse_attempts(&self) -> bool {
        true
    }
    fn before_attempt(
        &mut self,
        now: Nanos,
        _ticket: &mut Ticket,
        rng: &mut SimRng,
    ) -> Result<(), FailureReason> {
        let p = self.reject_probability(now);
        self.count_request(now);
        if p > 0.0 && rng.random::<f64>() < p {
            return Err(FailureReason::Throttled);
        }
        Ok(())
    }

    fn on_outcome(&mut self, now: Nanos, _ticket: &Ticket, outcome: Outcome, _cost: f64) {
        if outcome == Outcome::Success || outcome == Outcome::ClientError {
            self.on_accept(now);
        }
    }
}

impl AdaptiveThrottle {
    /// Empty history.
    pub fn new(cfg: AdaptiveThrottleConfig) -> Self {
        Self {
            cfg,
            counts: SlidingCounts::new(cfg.window_s),
        }
    }

    /// The probability that an attempt at `now` is rejected locally.
    pub fn reject_probability(&mut self, now: Nanos) -> f64 {
        let (requests, accepts) = self.counts.totals(now);
        let r = requests as f64;
        ((r - self.cfg.k * accepts as f64) / (r + 1.0)).max(0.0)
    }

    /// Counts an attempt the application asked for (rejected or not).
    pub fn count_request(&mut self, now: Nanos) {
        self.counts.add_a(now);
    }

    /// Counts an attempt the backend accepted.
    pub fn on_accept(&mut self, now: Nanos) {
        self.counts.add_b(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use retrysim_engine::time::NANOS_PER_SEC;

    const S: Nanos = NANOS_PER_SEC;

    #[test]
    fn sre_formula() {
        let cfg = AdaptiveThrottleConfig {
            k: 2.0,
            window_s: 10,
        };
        let mut t = AdaptiveThrottle::new(cfg);
        assert_eq!(t.reject_probability(0), 0.0);
        for _ in 0..9 {
            t.count_request(0);
        }
        for _ in 0..2 {
            t.on_accept(0);
        }
        // (9 − 2·2) / (9 + 1) = 0.5
        assert_eq!(t.reject_probability(0), 0.5);
        for _ in 0..3 {
            t.on_accept(S);
        }
        // accepts 5: 9 − 10 < 0 → 0.
        assert_eq!(t.reject_probability(S), 0.0);
        // After the window, everything is forgotten.
        assert_eq!(t.reject_probability(11 * S), 0.0);
        t.count_request(11 * S);
        assert_eq!(t.reject_probability(11 * S), 0.5);
    }
}
