//! What a client does with the `Retry-After` of a 429.

use retrysim_engine::Nanos;

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
        cap: Option<Nanos>,
        beyond_cap: BeyondCap,
    },
    /// AWS SDKs: `max(backoff, min(Retry-After, backoff + extra))`.
    Clamp { extra: Nanos },
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
