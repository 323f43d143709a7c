//! `policies[i]`: one retry policy as written (docs/model.md §5). Its backoff,
//! jitter, Retry-After reaction and budgets are specified and validated in
//! their own modules.

use serde::{Deserialize, Serialize};

use super::error::Errors;
use super::values::{secs, within};
use crate::backoff::BackoffSpec;
use crate::budget::BudgetSpec;
use crate::hedge::HedgeSpec;
use crate::jitter::JitterSpec;
use crate::outcome::Outcome;
use crate::policy::Policy;
use crate::retry_after::RetryAfterSpec;

/// Most attempts per request.
pub const MAX_ATTEMPTS: u32 = 1_000;

fn one_attempt() -> u32 {
    1
}
fn thirty_seconds() -> f64 {
    30.0
}

/// One retry policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    /// Name shown in reports (unique within the scenario).
    pub name: String,
    /// Attempts per request, the first included (default 1: no retry).
    #[serde(default = "one_attempt")]
    pub max_attempts: u32,
    /// Per-attempt timeout in seconds (default 30).
    #[serde(default = "thirty_seconds")]
    pub timeout: f64,
    /// Overall deadline per request in seconds from its arrival (default none).
    #[serde(default)]
    pub deadline: Option<f64>,
    /// Un-jittered delay before each retry (default none: retry at once).
    #[serde(default)]
    pub backoff: BackoffSpec,
    /// Randomisation of that delay (default none).
    #[serde(default)]
    pub jitter: JitterSpec,
    /// Reaction to a 429's `Retry-After` (default ignore).
    #[serde(default)]
    pub retry_after: RetryAfterSpec,
    /// Factor on the jittered delay after each kind of failure (default 1;
    /// seed 001 waits 1.5× after a 5xx).
    #[serde(default)]
    pub delay_multiplier: DelayMultiplierSpec,
    /// Whether the service drops an attempt the client has abandoned if it
    /// has not started serving it (default false: abandoned work is served
    /// and billed).
    #[serde(default)]
    pub cancel_on_timeout: bool,
    /// Retry budgets and guards, per client instance (default none).
    #[serde(default)]
    pub budget: BudgetSpec,
    /// Hedged requests: more copies of an attempt that is slow to answer
    /// (default none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hedge: Option<HedgeSpec>,
}

/// Factors on the jittered delay, per failure kind (default 1 each).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DelayMultiplierSpec {
    /// After a 429.
    pub rate_limited_429: f64,
    /// After a 503.
    pub unavailable_503: f64,
    /// After another 5xx.
    pub server_error_5xx: f64,
    /// After a timeout.
    pub timeout: f64,
    /// After a connection error.
    pub connection_error: f64,
}

impl Default for DelayMultiplierSpec {
    fn default() -> Self {
        Self {
            rate_limited_429: 1.0,
            unavailable_503: 1.0,
            server_error_5xx: 1.0,
            timeout: 1.0,
            connection_error: 1.0,
        }
    }
}

impl PolicySpec {
    /// Validates the policy at path `path` (`policies[i]`); `mean_cost` is the mean dollars of an
    /// attempt when the scenario is priced (the money guard's default
    /// estimate).
    pub(crate) fn compile(&self, errs: &mut Errors, path: &str, mean_cost: Option<f64>) -> Policy {
        let p = self;
        let at = |f: &str| format!("{path}.{f}");
        errs.check(!p.name.trim().is_empty(), at("name"), || {
            "must not be empty".into()
        });
        errs.check(
            p.name.chars().count() <= 100 && !p.name.chars().any(char::is_control),
            at("name"),
            || {
                format!(
                    "must be at most 100 characters and on one line (it heads table rows and CSV fields), got {:?}",
                    p.name
                )
            },
        );
        errs.check(
            (1..=MAX_ATTEMPTS).contains(&p.max_attempts),
            at("max_attempts"),
            || {
                format!(
                    "must be between 1 and {MAX_ATTEMPTS} (it counts the first try), got {}",
                    p.max_attempts
                )
            },
        );
        let timeout = secs(errs, &at("timeout"), p.timeout, true);
        let deadline = p.deadline.map(|d| secs(errs, &at("deadline"), d, true));
        let backoff = p.backoff.compile(errs, &at);
        let jitter = p.jitter.compile(errs, &at, backoff.base);
        let retry_after = p.retry_after.compile(errs, &at);
        let m = &p.delay_multiplier;
        let mut delay_multiplier = [1.0; Outcome::ALL.len()];
        for (o, v, name) in [
            (Outcome::RateLimited, m.rate_limited_429, "rate_limited_429"),
            (Outcome::Unavailable, m.unavailable_503, "unavailable_503"),
            (Outcome::ServerError, m.server_error_5xx, "server_error_5xx"),
            (Outcome::Timeout, m.timeout, "timeout"),
            (
                Outcome::ConnectionError,
                m.connection_error,
                "connection_error",
            ),
        ] {
            delay_multiplier[o as usize] = within(
                errs,
                &at(&format!("delay_multiplier.{name}")),
                v,
                0.0,
                1000.0,
            );
        }
        Policy {
            name: p.name.clone(),
            max_attempts: p.max_attempts,
            timeout,
            deadline,
            backoff,
            jitter,
            retry_after,
            delay_multiplier,
            cancel_on_timeout: p.cancel_on_timeout,
            guards: p.budget.compile(errs, path, mean_cost),
            hedge: p.hedge.as_ref().map(|h| h.compile(errs, &at)),
        }
    }
}
