//! The service's rate limiter: a token bucket in exact integer arithmetic.

use retrysim_engine::Nanos;
use retrysim_engine::time::NANOS_PER_SEC;

/// Token amounts are kept in pico-tokens (10⁻¹² token). With the rate in
/// milli-tokens per second, one nanosecond refills exactly `rate_milli`
/// pico-tokens, so refills never accumulate rounding error.
const ONE: u128 = 1_000_000_000_000;

/// How the limiter fills the `Retry-After` of a 429.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfterHeader {
    /// Time until one token is available, rounded up to whole seconds, as HTTP
    /// sends it (the default).
    Header,
    /// The exact time until one token is available.
    Exact,
    /// No `Retry-After` at all.
    None,
}

/// A token bucket with `burst` capacity refilled continuously at `rate`
/// tokens per second, full at t = 0.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    rate_milli: u128,
    capacity: u128,
    tokens: u128,
    last: Nanos,
    header: RetryAfterHeader,
}

/// The limiter's answer to one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// A token was taken.
    Admitted,
    /// 429, with the `Retry-After` the response carries (if any).
    Rejected { retry_after: Option<Nanos> },
}

impl TokenBucket {
    /// A full bucket. `rate` is rounded to 1/1000 token per second; `burst`
    /// to 10⁻¹² token. The caller validated `rate > 0` and `burst >= 1`.
    pub fn new(rate: f64, burst: f64, header: RetryAfterHeader) -> Self {
        let rate_milli = ((rate * 1000.0).round() as u128).max(1);
        let capacity = (burst * ONE as f64).round() as u128;
        Self {
            rate_milli,
            capacity,
            tokens: capacity,
            last: 0,
            header,
        }
    }

    /// Tokens available at `now` (not earlier than the last call), as a float.
    pub fn tokens_at(&self, now: Nanos) -> f64 {
        self.refilled(now) as f64 / ONE as f64
    }

    #[inline]
    fn refilled(&self, now: Nanos) -> u128 {
        let elapsed = now.saturating_sub(self.last) as u128;
        (self.tokens + elapsed * self.rate_milli).min(self.capacity)
    }

    /// Takes one token at `now`, or says when one will be available.
    #[inline]
    pub fn try_take(&mut self, now: Nanos) -> Admission {
        self.tokens = self.refilled(now);
        self.last = self.last.max(now);
        if self.tokens >= ONE {
            self.tokens -= ONE;
            return Admission::Admitted;
        }
        let retry_after = match self.header {
            RetryAfterHeader::None => None,
            RetryAfterHeader::Exact | RetryAfterHeader::Header => {
                let missing = ONE - self.tokens;
                let wait = missing.div_ceil(self.rate_milli) as Nanos;
                Some(if self.header == RetryAfterHeader::Header {
                    wait.div_ceil(NANOS_PER_SEC) * NANOS_PER_SEC
                } else {
                    wait
                })
            }
        };
        Admission::Rejected { retry_after }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Nanos = NANOS_PER_SEC;

    #[test]
    fn starts_full_and_admits_burst_then_rejects() {
        let mut b = TokenBucket::new(10.0, 3.0, RetryAfterHeader::Exact);
        for _ in 0..3 {
            assert_eq!(b.try_take(0), Admission::Admitted);
        }
        // Empty: one token takes 1/10 s to come back.
        assert_eq!(
            b.try_take(0),
            Admission::Rejected {
                retry_after: Some(S / 10)
            }
        );
    }

    #[test]
    fn refills_continuously_and_caps_at_burst() {
        let mut b = TokenBucket::new(10.0, 3.0, RetryAfterHeader::Exact);
        for _ in 0..3 {
            b.try_take(0);
        }
        // 0.25 s later: 2.5 tokens.
        assert_eq!(b.tokens_at(S / 4), 2.5);
        assert_eq!(b.try_take(S / 4), Admission::Admitted);
        assert_eq!(b.try_take(S / 4), Admission::Admitted);
        // 0.5 token left: the next one is 0.05 s away.
        assert_eq!(
            b.try_take(S / 4),
            Admission::Rejected {
                retry_after: Some(S / 20)
            }
        );
        // Long idle: never more than burst.
        assert_eq!(b.tokens_at(1_000 * S), 3.0);
    }

    #[test]
    fn header_rounds_retry_after_up_to_whole_seconds() {
        let mut b = TokenBucket::new(0.4, 1.0, RetryAfterHeader::Header);
        assert_eq!(b.try_take(0), Admission::Admitted);
        // Exact wait 2.5 s, sent as "Retry-After: 3".
        assert_eq!(
            b.try_take(0),
            Admission::Rejected {
                retry_after: Some(3 * S)
            }
        );
        let mut fast = TokenBucket::new(6000.0, 1.0, RetryAfterHeader::Header);
        fast.try_take(0);
        assert_eq!(
            fast.try_take(0),
            Admission::Rejected {
                retry_after: Some(S)
            }
        );
        let mut none = TokenBucket::new(1.0, 1.0, RetryAfterHeader::None);
        none.try_take(0);
        assert_eq!(none.try_take(0), Admission::Rejected { retry_after: None });
    }

    #[test]
    fn fractional_rates_are_exact_to_a_millitoken() {
        let mut b = TokenBucket::new(2.5, 1.0, RetryAfterHeader::Exact);
        assert_eq!(b.try_take(0), Admission::Admitted);
        assert_eq!(
            b.try_take(399_999_999),
            Admission::Rejected {
                retry_after: Some(1)
            }
        );
        assert_eq!(b.try_take(400_000_000), Admission::Admitted);
    }

    /// Over random arrival sequences, no window [a, b] admits more than
    /// burst + rate·(b − a) attempts.
    #[test]
    fn no_window_admits_more_than_burst_plus_rate_times_length() {
        use rand::Rng;
        for seed in 0..20 {
            let mut rng = retrysim_engine::stream(seed, 0, 0);
            let rate = rng.random_range(1.0..500.0);
            let burst = rng.random_range(1.0..50.0f64).floor();
            let mut b = TokenBucket::new(rate, burst, RetryAfterHeader::Exact);
            let mut t = 0u64;
            let mut admitted = Vec::new();
            for _ in 0..3_000 {
                // Twice the rate on average: the bucket runs dry and refills.
                t += rng.random_range(0..(S / rate as u64).max(1));
                if b.try_take(t) == Admission::Admitted {
                    admitted.push(t);
                }
            }
            let rate_exact = (rate * 1000.0).round() / 1000.0;
            for i in 0..admitted.len() {
                for j in i..admitted.len().min(i + 200) {
                    let window = (admitted[j] - admitted[i]) as f64 / 1e9;
                    let count = (j - i + 1) as f64;
                    assert!(
                        count <= burst + rate_exact * window + 1e-9,
                        "seed {seed}: {count} in {window} s"
                    );
                }
            }
        }
    }
}
