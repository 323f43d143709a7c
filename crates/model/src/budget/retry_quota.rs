//! The AWS SDKs' retry quota ("standard" retry mode): a token bucket per
//! client that retries draw from and successes refill.

/// Parameters, with the AWS SDK defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryQuotaConfig {
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

impl Default for RetryQuotaConfig {
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

/// One client's quota.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryQuota {
    tokens: u32,
}

impl RetryQuota {
    /// A quota at its initial level.
    pub fn new(cfg: &RetryQuotaConfig) -> Self {
        Self {
            tokens: cfg.initial.min(cfg.capacity),
        }
    }

    /// Tokens left.
    pub fn tokens(&self) -> u32 {
        self.tokens
    }

    /// Asks for a retry after an error (or a timeout): the cost it took, or
    /// `None` when the quota cannot pay and the retry is refused.
    pub fn acquire(&mut self, cfg: &RetryQuotaConfig, after_timeout: bool) -> Option<u32> {
        let cost = if after_timeout {
            cfg.timeout_cost
        } else {
            cfg.retry_cost
        };
        if self.tokens < cost {
            return None;
        }
        self.tokens -= cost;
        Some(cost)
    }

    /// A request succeeded: refund what its last retry took, or add the
    /// increment if it needed no retry.
    pub fn on_success(&mut self, cfg: &RetryQuotaConfig, last_acquired: u32) {
        let refill = if last_acquired > 0 {
            last_acquired
        } else {
            cfg.success_increment
        };
        self.tokens = (self.tokens + refill).min(cfg.capacity);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_standard_mode_sequence() {
        let cfg = RetryQuotaConfig {
            initial: 12,
            ..Default::default()
        };
        let mut q = RetryQuota::new(&cfg);
        assert_eq!(q.acquire(&cfg, false), Some(5)); // 7 left
        assert_eq!(q.acquire(&cfg, true), None, "a timeout retry costs 10");
        assert_eq!(q.acquire(&cfg, false), Some(5)); // 2 left
        assert_eq!(q.acquire(&cfg, false), None);
        q.on_success(&cfg, 5); // the retried request succeeded: refund 5
        assert_eq!(q.tokens(), 7);
        q.on_success(&cfg, 0); // first-try success: +1
        assert_eq!(q.tokens(), 8);
    }

    #[test]
    fn never_above_capacity() {
        let cfg = RetryQuotaConfig::default();
        let mut q = RetryQuota::new(&cfg);
        q.on_success(&cfg, 0);
        q.on_success(&cfg, 10);
        assert_eq!(q.tokens(), 500);
        // 100 error retries drain a full quota.
        let granted = (0..200)
            .filter(|_| q.acquire(&cfg, false).is_some())
            .count();
        assert_eq!(granted, 100);
    }
}
