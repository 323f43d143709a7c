//! gRPC retry throttling (gRFC A6): failures drain a token count, successes
//! refill it by `token_ratio`, and retries stop while it is at or below half.

/// Parameters (no gRPC default: the service config must give both).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GrpcThrottleConfig {
    /// Token count at the start and at most (gRPC: 0 < max_tokens ≤ 1000).
    pub max_tokens: f64,
    /// Refill per successful attempt (gRPC: > 0, three decimals).
    pub token_ratio: f64,
}

/// One client's throttle, in thousandths of a token as gRPC specifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrpcThrottle {
    milli: i64,
    max_milli: i64,
    ratio_milli: i64,
}

impl GrpcThrottle {
    /// A full throttle.
    pub fn new(cfg: &GrpcThrottleConfig) -> Self {
        let max_milli = (cfg.max_tokens * 1000.0).round() as i64;
        Self {
            milli: max_milli,
            max_milli,
            ratio_milli: (cfg.token_ratio * 1000.0).round() as i64,
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
    pub fn tokens(&self) -> f64 {
        self.milli as f64 / 1000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_drain_to_half_then_retries_stop() {
        let mut t = GrpcThrottle::new(&GrpcThrottleConfig {
            max_tokens: 10.0,
            token_ratio: 0.1,
        });
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
