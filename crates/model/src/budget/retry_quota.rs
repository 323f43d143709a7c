//! The AWS SDKs' retry quota ("standard" retry mode): a token bucket per
//! client that retries draw from and successes refill.

use retrysim_engine::Nanos;
use serde::{Deserialize, Serialize};

use super::{Hooks, RetryAdvice, Ticket};
use crate::outcome::Outcome;
use crate::scenario::error::Errors;

/// The retry quota as written in a scenario (defaults: the AWS SDKs').
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryQuotaSpec {
    /// Largest quota (AWS: 500).
    pub capacity: u32,
    /// Quota at the start (AWS: full, 500).
    pub initial: u32,
    /// Cost of a retry after an error (AWS `RETRY_COST`: 5).
    pub retry_cost: u32,
    /// Cost of a retry after a timeout (AWS `RETRY_TIMEOUT_COST`: 10).
    pub timeout_cost: u32,
    /// Refill when a request succeeds without a retry (AWS
    /// `NO_RETRY_INCREMENT`: 1).
    pub success_increment: u32,
}

impl Default for RetryQuotaSpec {
    fn default() -> Self {
        Self {
            capacity: 500,
            initial: 500,
            retry_cost: 5,
            timeout_cost: 10,
            success_increment: 1,
        }
    }
}

impl RetryQuotaSpec {
    /// Validates the spec; `at` names a field of the budget.
    pub(crate) fn compile(&self, errs: &mut Errors, at: &dyn Fn(&str) -> String) -> RetryQuota {
        let q = self;
        errs.check(q.capacity >= 1, at("retry_quota.capacity"), || {
            format!("must be at least 1, got {}", q.capacity)
        });
        errs.check(q.initial <= q.capacity, at("retry_quota.initial"), || {
            format!(
                "must be at most capacity ({}), got {}",
                q.capacity, q.initial
            )
        });
        RetryQuota::new(*q)
    }
}

/// One client's quota.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryQuota {
    cfg: RetryQuotaSpec,
    tokens: u32,
}

impl Hooks for RetryQuota {
    fn before_retry(&mut self, _now: Nanos, ticket: &mut Ticket, failed: Outcome) -> RetryAdvice {
        match self.acquire(failed == Outcome::Timeout) {
            Some(cost) => {
                ticket.quota_taken = cost;
                RetryAdvice::Allow
            }
            None => RetryAdvice::Refuse,
        }
    }

    fn on_success(&mut self, ticket: &Ticket) {
        self.refund(ticket.quota_taken);
    }

    fn retry_dropped(&mut self, _now: Nanos, ticket: &mut Ticket) {
        self.tokens = self
            .tokens
            .saturating_add(ticket.quota_taken)
            .min(self.cfg.capacity);
        ticket.quota_taken = 0;
    }
}

impl RetryQuota {
    /// A quota at its initial level.
    pub fn new(cfg: RetryQuotaSpec) -> Self {
        Self {
            cfg,
            tokens: cfg.initial.min(cfg.capacity),
        }
    }

    /// Tokens left.
    #[cfg(test)]
    pub fn tokens(&self) -> u32 {
        self.tokens
    }

    /// Asks for a retry after an error (or a timeout): the cost it took, or
    /// `None` when the quota cannot pay and the retry is refused.
    pub fn acquire(&mut self, after_timeout: bool) -> Option<u32> {
        let cost = if after_timeout {
            self.cfg.timeout_cost
        } else {
            self.cfg.retry_cost
        };
        if self.tokens < cost {
            return None;
        }
        self.tokens -= cost;
        Some(cost)
    }

    /// A request succeeded: refund what its last retry took, or add the
    /// increment if it needed no retry.
    pub fn refund(&mut self, last_acquired: u32) {
        let refill = if last_acquired > 0 {
            last_acquired
        } else {
            self.cfg.success_increment
        };
        self.tokens = self.tokens.saturating_add(refill).min(self.cfg.capacity);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_standard_mode_sequence() {
        let cfg = RetryQuotaSpec {
            initial: 12,
            ..Default::default()
        };
        let mut q = RetryQuota::new(cfg);
        assert_eq!(q.acquire(false), Some(5)); // 7 left
        assert_eq!(q.acquire(true), None, "a timeout retry costs 10");
        assert_eq!(q.acquire(false), Some(5)); // 2 left
        assert_eq!(q.acquire(false), None);
        q.refund(5); // the retried request succeeded: refund 5
        assert_eq!(q.tokens(), 7);
        q.refund(0); // first-try success: +1
        assert_eq!(q.tokens(), 8);
    }

    #[test]
    fn never_above_capacity() {
        let cfg = RetryQuotaSpec::default();
        let mut q = RetryQuota::new(cfg);
        q.refund(0);
        q.refund(10);
        assert_eq!(q.tokens(), 500);
        // 100 error retries drain a full quota.
        let granted = (0..200).filter(|_| q.acquire(false).is_some()).count();
        assert_eq!(granted, 100);
    }
}
