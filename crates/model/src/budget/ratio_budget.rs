//! A ratio retry budget (Finagle's `RetryBudget`): retries may be at most a
//! percentage of the requests of the last `window` seconds, plus a floor of
//! retries per second.

use retrysim_engine::Nanos;
use serde::{Deserialize, Serialize};

use super::window::SlidingCounts;
use super::{Hooks, RetryAdvice, Ticket};
use crate::outcome::Outcome;
use crate::scenario::error::Errors;
use crate::scenario::values::within;

/// The ratio budget as written in a scenario (defaults: Finagle's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RatioSpec {
    /// Retries per 100 requests.
    pub percent: f64,
    /// Retries per second allowed regardless.
    pub min_per_second: f64,
    /// Seconds of history (Finagle's TTL).
    pub window: u32,
}

impl Default for RatioSpec {
    fn default() -> Self {
        Self {
            percent: 20.0,
            min_per_second: 10.0,
            window: 10,
        }
    }
}

impl RatioSpec {
    /// Validates the spec; `at` names a field of the budget.
    pub(crate) fn compile(&self, errs: &mut Errors, at: &dyn Fn(&str) -> String) -> RatioBudget {
        let r = self;
        RatioBudget::new(RatioBudgetConfig {
            percent: within(errs, &at("ratio.percent"), r.percent, 0.0, 1e6),
            min_per_second: within(
                errs,
                &at("ratio.min_per_second"),
                r.min_per_second,
                0.0,
                1e9,
            ),
            window_s: within(errs, &at("ratio.window"), r.window as f64, 1.0, 3600.0) as u32,
        })
    }
}

/// Validated parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RatioBudgetConfig {
    /// Retries allowed per 100 requests.
    pub percent: f64,
    /// Retries allowed per second regardless.
    pub min_per_second: f64,
    /// Seconds of history.
    pub window_s: u32,
}

/// One client's budget: requests (`a`) and retries (`b`) per second.
#[derive(Debug, Clone, PartialEq)]
pub struct RatioBudget {
    cfg: RatioBudgetConfig,
    counts: SlidingCounts,
}

impl Hooks for RatioBudget {
    fn heap_bytes(&self) -> usize {
        self.counts.heap_bytes()
    }
    fn on_request(&mut self, now: Nanos) {
        self.deposit(now);
    }

    fn before_retry(&mut self, now: Nanos, _ticket: &mut Ticket, _failed: Outcome) -> RetryAdvice {
        if self.try_retry(now) {
            RetryAdvice::Allow
        } else {
            RetryAdvice::Refuse
        }
    }

    fn retry_dropped(&mut self, now: Nanos, _ticket: &mut Ticket) {
        self.counts.remove_b(now);
    }
}

impl RatioBudget {
    /// An empty budget (only the floor is available at first).
    pub fn new(cfg: RatioBudgetConfig) -> Self {
        Self {
            cfg,
            counts: SlidingCounts::new(cfg.window_s),
        }
    }

    /// A new request arrives (deposits into the budget).
    pub fn deposit(&mut self, now: Nanos) {
        self.counts.add_a(now);
    }

    /// Asks for a retry; true (and counted) if within budget.
    pub fn try_retry(&mut self, now: Nanos) -> bool {
        let (requests, retries) = self.counts.totals(now);
        let allowed = self.cfg.percent / 100.0 * requests as f64
            + self.cfg.min_per_second * self.counts.window_s() as f64;
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
        let mut b = RatioBudget::new(cfg);
        // Floor only: 0.5/s × 4 s = 2 retries.
        assert!(b.try_retry(0));
        assert!(b.try_retry(0));
        assert!(!b.try_retry(0));
        // 10 requests add 20 % = 2 more.
        for _ in 0..10 {
            b.deposit(S);
        }
        assert!(b.try_retry(S));
        assert!(b.try_retry(S));
        assert!(!b.try_retry(S));
        // At 4 s the retries of second 0 leave the window: 2 more.
        assert!(b.try_retry(4 * S));
        assert!(b.try_retry(4 * S));
        assert!(!b.try_retry(4 * S));
        // At 5 s the requests of second 1 leave too: floor only, and the
        // two retries of second 1 and two of second 4 still count.
        assert!(!b.try_retry(5 * S));
        // Long silence empties the window.
        assert!(b.try_retry(100 * S));
    }

    /// With every request failing, the floor is spent in the first second
    /// of each window and the percentage trickles in between: the spikes
    /// every 10 s in three-tier-amplification's services.png, as Finagle's
    /// leaky bucket with its reserve behaves.
    #[test]
    fn the_floor_is_a_reserve_spent_in_a_burst_every_window() {
        // Finagle's defaults, as RatioSpec::default() has them.
        let mut b = RatioBudget::new(RatioBudgetConfig {
            percent: 20.0,
            min_per_second: 10.0,
            window_s: 10,
        });
        let mut per_second = Vec::new();
        for second in 0..21u64 {
            let mut allowed = 0;
            for _ in 0..100 {
                b.deposit(second * S);
                // Each request fails and asks for a retry.
                if b.try_retry(second * S) {
                    allowed += 1;
                }
            }
            per_second.push(allowed);
        }
        // The whole reserve of 100 at once (the 20 % of the first
        // requests is within it); then 20 % of the requests, of two seconds
        // at first; when second 0's retries leave the window, the reserve
        // again.
        let window = [vec![100, 40], vec![20; 8]].concat();
        let expected = [window.clone(), window, vec![100]].concat();
        assert_eq!(per_second, expected);
    }
}
