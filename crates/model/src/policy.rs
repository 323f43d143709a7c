//! A client's retry policy: how many attempts, how long each may take, and
//! how long to wait between them.

use retrysim_engine::{Nanos, SimRng};

use crate::backoff::Backoff;
use crate::jitter::Jitter;
use crate::retry_after::RetryAfterPolicy;

/// A validated retry policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Name shown in reports.
    pub name: String,
    /// Attempts allowed per request, the first try included (≥ 1).
    pub max_attempts: u32,
    /// Per-attempt timeout.
    pub timeout: Nanos,
    /// Overall deadline per request, from its arrival.
    pub deadline: Option<Nanos>,
    /// Un-jittered delays.
    pub backoff: Backoff,
    /// Randomisation of the delays.
    pub jitter: Jitter,
    /// Reaction to `Retry-After`.
    pub retry_after: RetryAfterPolicy,
}

impl Policy {
    /// The wait before retry `retry` (0 = first retry), or `None` when the
    /// `Retry-After` policy gives up. `previous` is the request's last
    /// jittered delay (for decorrelated jitter), starting at the base.
    #[inline]
    pub fn retry_delay(
        &self,
        retry: u32,
        previous: &mut Nanos,
        retry_after: Option<Nanos>,
        rng: &mut SimRng,
    ) -> Option<Nanos> {
        let delay = self.backoff.delay(retry);
        let jittered = self
            .jitter
            .apply(delay, self.backoff.base, self.backoff.cap, previous, rng);
        self.retry_after.wait(jittered, retry_after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backoff::Curve;
    use retrysim_engine::stream;

    const S: Nanos = 1_000_000_000;

    #[test]
    fn backoff_then_jitter_then_retry_after() {
        let p = Policy {
            name: "p".into(),
            max_attempts: 5,
            timeout: 30 * S,
            deadline: None,
            backoff: Backoff {
                curve: Curve::Exponential { factor: 2.0 },
                base: S,
                cap: 4 * S,
            },
            jitter: Jitter::None,
            retry_after: RetryAfterPolicy::Obey {
                cap: None,
                beyond_cap: crate::retry_after::BeyondCap::GiveUp,
            },
        };
        let mut rng = stream(1, 0, 3);
        let mut prev = S;
        let waits: Vec<_> = (0..4)
            .map(|n| p.retry_delay(n, &mut prev, Some(3 * S), &mut rng).unwrap() / S)
            .collect();
        // max(min(4, 2^n), 3): Retry-After wins early, the capped backoff later.
        assert_eq!(waits, vec![3, 3, 4, 4]);
    }
}
