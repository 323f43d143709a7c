//! A client's retry policy: how many attempts, how long each may take, and
//! how long to wait between them.

use retrysim_engine::{Nanos, SimRng};

use crate::backoff::Backoff;
use crate::budget::GuardsConfig;
use crate::jitter::Jitter;
use crate::outcome::Outcome;
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
    /// Factor on the jittered delay, by the outcome that failed.
    pub delay_multiplier: [f64; Outcome::ALL.len()],
    /// Whether the service drops abandoned attempts it has not started.
    pub cancel_on_timeout: bool,
    /// Budgets and guards, per client instance.
    pub guards: GuardsConfig,
}

impl Policy {
    /// The wait before retry `retry` (0 = first retry) after `failed`, or
    /// `None` when the `Retry-After` policy gives up. `previous` is the
    /// request's last jittered delay (for decorrelated jitter), starting at
    /// the base. `double_base` is the money guard's strict mode.
    #[inline]
    pub fn retry_delay(
        &self,
        retry: u32,
        failed: Outcome,
        double_base: bool,
        previous: &mut Nanos,
        retry_after: Option<Nanos>,
        rng: &mut SimRng,
    ) -> Option<Nanos> {
        let mut delay = self.backoff.delay(retry);
        if double_base {
            delay = delay.saturating_mul(2).min(self.backoff.cap);
        }
        let mut jittered =
            self.jitter
                .apply(delay, self.backoff.base, self.backoff.cap, previous, rng);
        let factor = self.delay_multiplier[failed as usize];
        if factor != 1.0 {
            jittered = retrysim_engine::time::delay_to_nanos(jittered as f64 * factor / 1e9);
        }
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
            delay_multiplier: [1.0; Outcome::ALL.len()],
            cancel_on_timeout: false,
            guards: GuardsConfig::default(),
        };
        let mut rng = stream(1, 0, 3);
        let mut prev = S;
        let mut waits = |p: &Policy, failed, double| -> Vec<Nanos> {
            (0..4)
                .map(|n| {
                    p.retry_delay(n, failed, double, &mut prev, Some(3 * S), &mut rng)
                        .unwrap()
                        / S
                })
                .collect()
        };
        // max(min(4, 2^n), 3): Retry-After wins early, the capped backoff later.
        assert_eq!(waits(&p, Outcome::RateLimited, false), vec![3, 3, 4, 4]);
        // Strict mode doubles the base (still capped).
        assert_eq!(waits(&p, Outcome::RateLimited, true), vec![3, 4, 4, 4]);
        // Seed 001 waits 1.5× after a 5xx: applied to the jittered delay.
        let mut q = p.clone();
        q.delay_multiplier[Outcome::ServerError as usize] = 1.5;
        q.backoff.cap = 60 * S;
        assert_eq!(waits(&q, Outcome::ServerError, false), vec![3, 3, 6, 12]);
        assert_eq!(waits(&q, Outcome::RateLimited, false), vec![3, 3, 4, 8]);
    }
}
