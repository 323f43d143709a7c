//! A client's retry policy: how many attempts, how long each may take, and
//! how long to wait between them.

use retrysim_engine::{Nanos, SimRng};

use crate::backoff::Backoff;
use crate::budget::Guards;
use crate::hedge::Hedge;
use crate::jitter::Jitter;
use crate::outcome::Outcome;
use crate::retry_after::RetryAfterPolicy;

/// A validated retry policy (read-only; see [`crate::ScenarioSpec`] for
/// the fields as written).
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Name shown in reports.
    pub(crate) name: String,
    /// Attempts allowed per request, the first try included (≥ 1).
    pub(crate) max_attempts: u32,
    /// Per-attempt timeout.
    pub(crate) timeout: Nanos,
    /// Overall deadline per request, from its arrival.
    pub(crate) deadline: Option<Nanos>,
    /// Un-jittered delays.
    pub(crate) backoff: Backoff,
    /// Randomisation of the delays.
    pub(crate) jitter: Jitter,
    /// Reaction to `Retry-After`.
    pub(crate) retry_after: RetryAfterPolicy,
    /// Factor on the jittered delay, by the outcome that failed.
    pub(crate) delay_multiplier: [f64; Outcome::ALL.len()],
    /// Whether the service drops abandoned attempts it has not started.
    pub(crate) cancel_on_timeout: bool,
    /// Budgets and guards, per client instance, in the order they act.
    pub(crate) guards: Guards,
    /// Hedged requests, if any.
    pub(crate) hedge: Option<Hedge>,
}

impl Policy {
    /// The name shown in reports.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Attempts allowed per request, the first try included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The wait before retry `retry` (0 = first retry) after `failed`, or
    /// `None` when the `Retry-After` policy gives up. `previous` is the
    /// request's last jittered delay (for decorrelated jitter), starting at
    /// the base. `double_base` is the money guard's strict mode.
    #[inline]
    pub(crate) fn retry_delay(
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
            guards: Guards::default(),
            hedge: None,
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

    use crate::retry_after::BeyondCap;
    use crate::scenario::error::Errors;
    use crate::scenario::spec::PolicySpec;
    use proptest::prelude::*;
    use serde_json::json;

    fn backoff() -> impl Strategy<Value = serde_json::Value> {
        prop_oneof![
            Just(json!({"kind": "none"})),
            (0.0f64..2.0).prop_map(|b| json!({"kind": "constant", "base": b})),
            (0.0f64..2.0).prop_map(|b| json!({"kind": "linear", "base": b, "cap": 5})),
            (0.01f64..2.0, 1.0f64..3.0).prop_map(
                |(b, f)| json!({"kind": "exponential", "base": b, "factor": f, "cap": 8})
            ),
        ]
    }

    fn jitter() -> impl Strategy<Value = serde_json::Value> {
        prop_oneof![
            Just(json!({"kind": "none"})),
            Just(json!({"kind": "full"})),
            Just(json!({"kind": "equal"})),
            Just(json!({"kind": "decorrelated"})),
            Just(json!({"kind": "proportional"})),
            Just(json!({"kind": "multiplicative"})),
            (0.0f64..2.0).prop_map(|m| json!({"kind": "additive", "max": m})),
        ]
    }

    fn retry_after() -> impl Strategy<Value = serde_json::Value> {
        prop_oneof![
            Just(json!({"kind": "ignore"})),
            Just(json!({"kind": "obey"})),
            (0.0f64..6.0).prop_map(|c| json!({"kind": "obey", "cap": c, "beyond_cap": "give_up"})),
            (0.0f64..6.0).prop_map(|c| json!({"kind": "obey", "cap": c, "beyond_cap": "use_cap"})),
            (0.0f64..6.0).prop_map(|e| json!({"kind": "clamp", "extra": e})),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

        /// The wait before a retry is the backoff (its base doubled in
        /// strict mode, capped), jittered, times the outcome's multiplier,
        /// then put through the Retry-After rule — every rule spelled out,
        /// so that a branch that drifts fails.
        #[test]
        fn the_wait_is_backoff_then_jitter_then_multiplier_then_retry_after(
            backoff in backoff(), jitter in jitter(), rule in retry_after(),
            factor in prop_oneof![Just(1.0), 0.0f64..3.0], retry in 0u32..8, double in any::<bool>(),
            ra_ms in prop::option::of(0u64..10_000), draw in any::<u64>(),
        ) {
            let spec: PolicySpec = serde_json::from_value(json!({
                "name": "p", "backoff": backoff, "jitter": jitter, "retry_after": rule,
                "delay_multiplier": {"rate_limited_429": factor}
            })).unwrap();
            let mut errs = Errors::default();
            let p = spec.compile(&mut errs, "policies[0]", None);
            // Decorrelated jitter needs a base > 0.
            prop_assume!(errs.0.is_empty());
            let ra = ra_ms.map(|ms| ms * 1_000_000);
            let mut delay = p.backoff.delay(retry);
            if double {
                delay = delay.saturating_mul(2).min(p.backoff.cap);
            }
            let (mut rng, mut copy) = (stream(draw, 0, 3), stream(draw, 0, 3));
            let (mut previous, mut previous_copy) = (p.backoff.base, p.backoff.base);
            let mut jittered = p.jitter.apply(delay, p.backoff.base, p.backoff.cap, &mut previous_copy, &mut copy);
            if factor != 1.0 {
                jittered = retrysim_engine::time::delay_to_nanos(jittered as f64 * factor / 1e9);
            }
            if p.jitter == Jitter::None && factor == 1.0 {
                prop_assert_eq!(jittered, delay, "no jitter, no multiplier: the backoff itself");
            }
            let wait = p.retry_delay(retry, Outcome::RateLimited, double, &mut previous, ra, &mut rng);
            prop_assert_eq!(previous, previous_copy, "decorrelated jitter remembers the same delay");
            let expected = match (p.retry_after, ra) {
                (_, None) => Some(jittered),
                (RetryAfterPolicy::Ignore, Some(_)) => Some(jittered),
                (RetryAfterPolicy::Obey { cap: None, .. }, Some(ra)) => Some(jittered.max(ra)),
                (RetryAfterPolicy::Obey { cap: Some(cap), .. }, Some(ra)) if ra <= cap => Some(jittered.max(ra)),
                (RetryAfterPolicy::Obey { beyond_cap: BeyondCap::GiveUp, .. }, Some(_)) => None,
                (RetryAfterPolicy::Obey { cap: Some(cap), beyond_cap: BeyondCap::UseCap }, Some(_)) => Some(jittered.max(cap)),
                (RetryAfterPolicy::Clamp { extra }, Some(ra)) => Some(jittered.max(ra.min(jittered + extra))),
            };
            prop_assert_eq!(wait, expected);
            // The promises in plain words: an obeyed Retry-After within the
            // cap is never undercut, and nothing waits less than the jitter.
            if let (Some(w), Some(ra), RetryAfterPolicy::Obey { cap, .. }) = (wait, ra, p.retry_after)
                && cap.is_none_or(|c| ra <= c)
            {
                prop_assert!(w >= ra);
            }
            if let Some(w) = wait {
                prop_assert!(w >= jittered);
            }
        }
    }
}
