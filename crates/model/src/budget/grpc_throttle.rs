//! gRPC retry throttling (gRFC A6): failures drain a token count, successes
//! refill it by `token_ratio`, and retries stop while it is at or below half.

use retrysim_engine::Nanos;
use serde::{Deserialize, Serialize};

use super::{Hooks, RetryAdvice, Ticket};
use crate::outcome::Outcome;
use crate::scenario::error::Errors;
use crate::scenario::values::num_ok;

/// gRPC retry throttling as written in a scenario: both fields required, as
/// in a gRPC service config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrpcThrottleSpec {
    /// Token count at the start and at most (0 < max_tokens ≤ 1000).
    pub max_tokens: f64,
    /// Refill per successful attempt (> 0, three decimals).
    pub token_ratio: f64,
}

impl GrpcThrottleSpec {
    /// Validates the spec; `at` names a field of the budget.
    pub(crate) fn compile(&self, errs: &mut Errors, at: &dyn Fn(&str) -> String) -> GrpcThrottle {
        let g = self;
        errs.check(
            num_ok(g.max_tokens) && g.max_tokens > 0.0 && g.max_tokens <= 1000.0,
            at("grpc_throttle.max_tokens"),
            || format!("must be > 0 and <= 1000 (gRFC A6), got {}", g.max_tokens),
        );
        errs.check(
            num_ok(g.token_ratio) && g.token_ratio >= 0.001 && g.token_ratio <= 1000.0,
            at("grpc_throttle.token_ratio"),
            || {
                format!(
                    "must be > 0 (at least 0.001) and <= 1000, got {}",
                    g.token_ratio
                )
            },
        );
        GrpcThrottle::new(g.max_tokens, g.token_ratio)
    }
}

/// One client's throttle, in thousandths of a token as gRPC specifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrpcThrottle {
    milli: i64,
    max_milli: i64,
    ratio_milli: i64,
}

impl Hooks for GrpcThrottle {
    fn on_outcome(&mut self, _now: Nanos, _ticket: &Ticket, outcome: Outcome, _cost: f64) {
        let success = outcome == Outcome::Success;
        if outcome.retryable() | success {
            self.record(success);
        }
    }

    fn before_retry(&mut self, _now: Nanos, _ticket: &mut Ticket, _failed: Outcome) -> RetryAdvice {
        if self.allows_retry() {
            RetryAdvice::Allow
        } else {
            RetryAdvice::Refuse
        }
    }
}

impl GrpcThrottle {
    /// A full throttle of `max_tokens`, refilled by `token_ratio` per success.
    pub fn new(max_tokens: f64, token_ratio: f64) -> Self {
        let max_milli = (max_tokens * 1000.0).round() as i64;
        Self {
            milli: max_milli,
            max_milli,
            ratio_milli: (token_ratio * 1000.0).round() as i64,
        }
    }

    /// Records an attempt's result: −1 token on failure, +ratio on success.
    pub fn record(&mut self, success: bool) {
        self.milli = if success {
            (self.milli + self.ratio_milli).min(self.max_milli)
        } else {
            (self.milli - 1000).max(0)
        };
    }

    /// Whether a retry may be sent now: only above half the maximum.
    pub fn allows_retry(&self) -> bool {
        2 * self.milli > self.max_milli
    }

    /// Current tokens.
    #[cfg(test)]
    pub fn tokens(&self) -> f64 {
        self.milli as f64 / 1000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_drain_to_half_then_retries_stop() {
        let mut t = GrpcThrottle::new(10.0, 0.1);
        for _ in 0..4 {
            t.record(false);
        }
        assert_eq!(t.tokens(), 6.0);
        assert!(t.allows_retry());
        t.record(false);
        assert_eq!(t.tokens(), 5.0);
        assert!(!t.allows_retry(), "at exactly half, retries are throttled");
        // Ten successes at 0.1 bring one token back.
        for _ in 0..10 {
            t.record(true);
        }
        assert_eq!(t.tokens(), 6.0);
        assert!(t.allows_retry());
        for _ in 0..100 {
            t.record(true);
        }
        assert_eq!(t.tokens(), 10.0, "capped at max_tokens");
        for _ in 0..20 {
            t.record(false);
        }
        assert_eq!(t.tokens(), 0.0, "never negative");
    }
}
