//! A ratio retry budget (Finagle's `RetryBudget`): retries may be at most a
//! percentage of the requests of the last `window` seconds, plus a floor of
//! retries per second.

use retrysim_engine::Nanos;

use super::window::SlidingCounts;

/// Parameters, with Finagle's defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RatioBudgetConfig {
    /// Retries allowed per 100 requests (Finagle: 20).
    pub percent: f64,
    /// Retries allowed per second regardless (Finagle: 10).
    pub min_per_second: f64,
    /// Seconds of history (Finagle's TTL: 10).
    pub window_s: u32,
}

impl Default for RatioBudgetConfig {
    fn default() -> Self {
        Self {
            percent: 20.0,
            min_per_second: 10.0,
            window_s: 10,
        }
    }
}

/// One client's budget: requests (`a`) and retries (`b`) per second.
#[derive(Debug, Clone, PartialEq)]
pub struct RatioBudget {
    counts: SlidingCounts,
}

impl RatioBudget {
    /// An empty budget (only the floor is available at first).
    pub fn new(cfg: &RatioBudgetConfig) -> Self {
        Self {
            counts: SlidingCounts::new(cfg.window_s),
        }
    }

    /// A new request arrives (deposits into the budget).
    pub fn on_request(&mut self, now: Nanos) {
        self.counts.add_a(now);
    }

    /// Asks for a retry; true (and counted) if within budget.
    pub fn try_retry(&mut self, cfg: &RatioBudgetConfig, now: Nanos) -> bool {
        let (requests, retries) = self.counts.totals(now);
        let allowed = cfg.percent / 100.0 * requests as f64
            + cfg.min_per_second * self.counts.window_s() as f64;
        if (retries + 1) as f64 > allowed {
            return false;
        }
        self.counts.add_b(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use retrysim_engine::time::NANOS_PER_SEC;

    const S: Nanos = NANOS_PER_SEC;

    #[test]
    fn percent_of_recent_requests_plus_floor() {
        let cfg = RatioBudgetConfig {
            percent: 20.0,
            min_per_second: 0.5,
            window_s: 4,
        };
        let mut b = RatioBudget::new(&cfg);
        // Floor only: 0.5/s × 4 s = 2 retries.
        assert!(b.try_retry(&cfg, 0));
        assert!(b.try_retry(&cfg, 0));
        assert!(!b.try_retry(&cfg, 0));
        // 10 requests add 20 % = 2 more.
        for _ in 0..10 {
            b.on_request(S);
        }
        assert!(b.try_retry(&cfg, S));
        assert!(b.try_retry(&cfg, S));
        assert!(!b.try_retry(&cfg, S));
        // At 4 s the retries of second 0 leave the window: 2 more.
        assert!(b.try_retry(&cfg, 4 * S));
        assert!(b.try_retry(&cfg, 4 * S));
        assert!(!b.try_retry(&cfg, 4 * S));
        // At 5 s the requests of second 1 leave too: floor only, and the
        // two retries of second 1 and two of second 4 still count.
        assert!(!b.try_retry(&cfg, 5 * S));
        // Long silence empties the window.
        assert!(b.try_retry(&cfg, 100 * S));
    }
}
