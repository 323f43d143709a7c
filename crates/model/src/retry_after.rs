//! What a client does with the `Retry-After` of a 429.

use retrysim_engine::Nanos;
use serde::{Deserialize, Serialize};

use crate::scenario::error::Errors;
use crate::scenario::values::secs;

fn clamp_extra() -> f64 {
    5.0
}

/// Reaction to `Retry-After`, as written in a policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RetryAfterSpec {
    /// Wait the jittered backoff only.
    Ignore {},
    /// Wait max(jittered backoff, Retry-After); beyond `cap` seconds give up
    /// or wait the cap.
    Obey {
        /// Largest Retry-After honoured, in seconds (default none).
        #[serde(default)]
        cap: Option<f64>,
        /// What to do beyond it (default `give_up`).
        #[serde(default)]
        beyond_cap: BeyondCapSpec,
    },
    /// max(backoff, min(Retry-After, backoff + extra)), extra 5 s by default.
    Clamp {
        /// Seconds.
        #[serde(default = "clamp_extra")]
        extra: f64,
    },
}

/// What to do when `Retry-After` exceeds the cap, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BeyondCapSpec {
    /// Fail the request.
    #[default]
    GiveUp,
    /// Wait the cap.
    UseCap,
}

impl Default for RetryAfterSpec {
    fn default() -> Self {
        RetryAfterSpec::Ignore {}
    }
}

impl RetryAfterSpec {
    /// Validates the policy's reaction; `at` names a field of the policy.
    pub(crate) fn compile(
        &self,
        errs: &mut Errors,
        at: &dyn Fn(&str) -> String,
    ) -> RetryAfterPolicy {
        match *self {
            RetryAfterSpec::Ignore {} => RetryAfterPolicy::Ignore,
            RetryAfterSpec::Obey { cap, beyond_cap } => RetryAfterPolicy::Obey {
                cap: cap.map(|c| secs(errs, &at("retry_after.cap"), c, false)),
                beyond_cap: match beyond_cap {
                    BeyondCapSpec::GiveUp => BeyondCap::GiveUp,
                    BeyondCapSpec::UseCap => BeyondCap::UseCap,
                },
            },
            RetryAfterSpec::Clamp { extra } => RetryAfterPolicy::Clamp {
                extra: secs(errs, &at("retry_after.extra"), extra, false),
            },
        }
    }
}

/// What to do when `Retry-After` exceeds the client's cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BeyondCap {
    /// Fail the request (reason `retry_after_too_long`).
    GiveUp,
    /// Wait the cap instead.
    UseCap,
}

/// A client's `Retry-After` policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfterPolicy {
    /// Wait the jittered backoff; ignore the header.
    Ignore,
    /// Wait `max(jittered backoff, Retry-After)`, with an optional cap.
    Obey {
        /// Largest Retry-After honoured.
        cap: Option<Nanos>,
        /// What to do beyond it.
        beyond_cap: BeyondCap,
    },
    /// AWS SDKs: `max(backoff, min(Retry-After, backoff + extra))`.
    Clamp {
        /// Most added to the backoff.
        extra: Nanos,
    },
}

impl RetryAfterPolicy {
    /// The wait before the retry, or `None` if the client gives up.
    /// `backoff` is the jittered delay; `retry_after` the header, if any.
    #[inline]
    pub fn wait(&self, backoff: Nanos, retry_after: Option<Nanos>) -> Option<Nanos> {
        let Some(ra) = retry_after else {
            return Some(backoff);
        };
        match *self {
            RetryAfterPolicy::Ignore => Some(backoff),
            RetryAfterPolicy::Obey { cap: None, .. } => Some(backoff.max(ra)),
            RetryAfterPolicy::Obey {
                cap: Some(cap),
                beyond_cap,
            } => {
                if ra <= cap {
                    Some(backoff.max(ra))
                } else {
                    match beyond_cap {
                        BeyondCap::GiveUp => None,
                        BeyondCap::UseCap => Some(backoff.max(cap)),
                    }
                }
            }
            RetryAfterPolicy::Clamp { extra } => {
                Some(backoff.max(ra.min(backoff.saturating_add(extra))))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Nanos = 1_000_000_000;

    #[test]
    fn ignore_and_missing_header_use_the_backoff() {
        assert_eq!(
            RetryAfterPolicy::Ignore.wait(2 * S, Some(9 * S)),
            Some(2 * S)
        );
        let obey = RetryAfterPolicy::Obey {
            cap: None,
            beyond_cap: BeyondCap::GiveUp,
        };
        assert_eq!(obey.wait(2 * S, None), Some(2 * S));
    }

    #[test]
    fn obey_waits_the_longer_of_the_two() {
        let obey = RetryAfterPolicy::Obey {
            cap: None,
            beyond_cap: BeyondCap::GiveUp,
        };
        assert_eq!(obey.wait(2 * S, Some(9 * S)), Some(9 * S));
        assert_eq!(obey.wait(12 * S, Some(9 * S)), Some(12 * S));
    }

    #[test]
    fn obey_cap_gives_up_or_uses_the_cap() {
        let give_up = RetryAfterPolicy::Obey {
            cap: Some(5 * S),
            beyond_cap: BeyondCap::GiveUp,
        };
        assert_eq!(give_up.wait(S, Some(6 * S)), None);
        assert_eq!(give_up.wait(S, Some(5 * S)), Some(5 * S));
        let use_cap = RetryAfterPolicy::Obey {
            cap: Some(5 * S),
            beyond_cap: BeyondCap::UseCap,
        };
        assert_eq!(use_cap.wait(S, Some(60 * S)), Some(5 * S));
    }

    #[test]
    fn clamp_as_the_aws_sdks_do() {
        let clamp = RetryAfterPolicy::Clamp { extra: 5 * S };
        // Retry-After far beyond backoff + 5 s: backoff + 5 s.
        assert_eq!(clamp.wait(S, Some(60 * S)), Some(6 * S));
        // Within: Retry-After.
        assert_eq!(clamp.wait(S, Some(3 * S)), Some(3 * S));
        // Shorter than the backoff: the backoff.
        assert_eq!(clamp.wait(4 * S, Some(S)), Some(4 * S));
    }
}
