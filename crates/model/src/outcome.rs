//! How an attempt ends, and why a request fails.

/// How one attempt ends, from the client's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Outcome {
    /// 2xx: the request succeeded.
    Success,
    /// 429 from the rate limiter.
    RateLimited,
    /// 503 from a full queue.
    Unavailable,
    /// Another 5xx (outages).
    ServerError,
    /// No response within the attempt timeout.
    Timeout,
    /// Connection reset or refused.
    ConnectionError,
    /// 400/401/403: never retried.
    ClientError,
    /// 409: a conditional write lost to another write (contention service);
    /// retryable.
    Conflict,
}

impl Outcome {
    /// Every outcome, in report order.
    pub const ALL: [Outcome; 8] = [
        Outcome::Success,
        Outcome::RateLimited,
        Outcome::Unavailable,
        Outcome::ServerError,
        Outcome::Timeout,
        Outcome::ConnectionError,
        Outcome::ClientError,
        Outcome::Conflict,
    ];

    /// The name used in reports and files.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::RateLimited => "rate_limited_429",
            Outcome::Unavailable => "unavailable_503",
            Outcome::ServerError => "server_error_5xx",
            Outcome::Timeout => "timeout",
            Outcome::ConnectionError => "connection_error",
            Outcome::ClientError => "client_error_4xx",
            Outcome::Conflict => "conflict_409",
        }
    }

    /// Whether a client retries this outcome by default: 429, 5xx, timeouts
    /// and connection errors yes; 4xx never.
    #[inline]
    pub fn retryable(self) -> bool {
        !matches!(self, Outcome::Success | Outcome::ClientError)
    }
}

/// Why a request finally failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum FailureReason {
    /// The last allowed attempt failed.
    AttemptsExhausted,
    /// A non-retryable outcome (4xx).
    NonRetryable,
    /// The next retry would start after the request's deadline.
    Deadline,
    /// `Retry-After` exceeded the client's cap and the policy gives up.
    RetryAfterTooLong,
    /// A retry budget refused the retry.
    BudgetRefused,
    /// The circuit breaker was open.
    CircuitOpen,
    /// Client-side adaptive throttling rejected it locally.
    Throttled,
}

impl FailureReason {
    /// Every reason, in report order.
    pub const ALL: [FailureReason; 7] = [
        FailureReason::AttemptsExhausted,
        FailureReason::NonRetryable,
        FailureReason::Deadline,
        FailureReason::RetryAfterTooLong,
        FailureReason::BudgetRefused,
        FailureReason::CircuitOpen,
        FailureReason::Throttled,
    ];

    /// The name used in reports and files.
    pub fn name(self) -> &'static str {
        match self {
            FailureReason::AttemptsExhausted => "attempts_exhausted",
            FailureReason::NonRetryable => "non_retryable",
            FailureReason::Deadline => "deadline",
            FailureReason::RetryAfterTooLong => "retry_after_too_long",
            FailureReason::BudgetRefused => "budget_refused",
            FailureReason::CircuitOpen => "circuit_open",
            FailureReason::Throttled => "throttled",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_set_is_the_default_of_the_model() {
        let retryable: Vec<_> = Outcome::ALL.iter().filter(|o| o.retryable()).collect();
        assert_eq!(
            retryable,
            [
                &Outcome::RateLimited,
                &Outcome::Unavailable,
                &Outcome::ServerError,
                &Outcome::Timeout,
                &Outcome::ConnectionError,
                &Outcome::Conflict,
            ]
        );
        for (i, o) in Outcome::ALL.iter().enumerate() {
            assert_eq!(*o as usize, i, "ALL is in discriminant order");
        }
        for (i, r) in FailureReason::ALL.iter().enumerate() {
            assert_eq!(*r as usize, i, "ALL is in discriminant order");
        }
    }
}
