//! The results schema's keys: every figure a replication reports, as an
//! enum. Model, experiment, claims, reports and charts all name figures
//! through [`Metric`]; the snake_case names are what files carry.

use std::ops::{Index, IndexMut};

use crate::outcome::{FailureReason, Outcome};

macro_rules! metrics {
    ($($(#[doc = $doc:literal])+ $variant:ident = $name:literal,)+) => {
        /// One figure of a replication (docs/model.md §7), in report order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Metric {
            $($(#[doc = $doc])+ $variant,)+
        }

        impl Metric {
            /// Every metric, in report order.
            pub const ALL: [Metric; [$(Metric::$variant),+].len()] = [$(Metric::$variant),+];

            /// The name used in files (`success_rate`, `latency_p99_s`, …).
            pub const fn name(self) -> &'static str {
                match self {
                    $(Metric::$variant => $name,)+
                }
            }
        }
    };
}

metrics! {
    /// Requests that arrived.
    Requests = "requests",
    /// Share of requests that succeeded.
    SuccessRate = "success_rate",
    /// Requests that succeeded.
    Succeeded = "succeeded",
    /// Requests that did not succeed (failed or unfinished).
    Failed = "failed",
    /// Requests whose last allowed attempt failed.
    FailedAttemptsExhausted = "failed_attempts_exhausted",
    /// Requests answered with a non-retryable 4xx.
    FailedNonRetryable = "failed_non_retryable",
    /// Requests whose next retry would have started after their deadline.
    FailedDeadline = "failed_deadline",
    /// Requests told to wait longer than the client's Retry-After cap.
    FailedRetryAfterTooLong = "failed_retry_after_too_long",
    /// Requests whose retry a budget refused.
    FailedBudgetRefused = "failed_budget_refused",
    /// Requests failed fast by an open circuit breaker.
    FailedCircuitOpen = "failed_circuit_open",
    /// Requests rejected locally by adaptive throttling.
    FailedThrottled = "failed_throttled",
    /// Requests still open when the run stopped.
    FailedUnfinished = "failed_unfinished",
    /// Share of successes on the first attempt.
    SuccessAtAttempt1 = "success_at_attempt_1",
    /// Share of successes on the second attempt.
    SuccessAtAttempt2 = "success_at_attempt_2",
    /// Share of successes on the third attempt.
    SuccessAtAttempt3 = "success_at_attempt_3",
    /// Share of successes on the fourth attempt or later.
    SuccessAtAttempt4Plus = "success_at_attempt_4plus",
    /// Attempts sent.
    Attempts = "attempts",
    /// Attempts per request.
    Amplification = "amplification",
    /// Attempts that reached the service, per request.
    ServiceLoad = "service_load",
    /// Mean latency of successful requests, in seconds.
    LatencyMeanS = "latency_mean_s",
    /// Median latency of successful requests, in seconds.
    LatencyP50S = "latency_p50_s",
    /// 90th percentile latency of successful requests, in seconds.
    LatencyP90S = "latency_p90_s",
    /// 99th percentile latency of successful requests, in seconds.
    LatencyP99S = "latency_p99_s",
    /// 99.9th percentile latency of successful requests, in seconds.
    LatencyP999S = "latency_p999_s",
    /// Largest latency of a successful request, in seconds.
    LatencyMaxS = "latency_max_s",
    /// Largest share of failed attempts in a bin with at least 10 attempts.
    PeakErrorShare = "peak_error_share",
    /// Seconds from the trigger until the share of failed attempts stays low.
    ErrorRecoveryS = "error_recovery_s",
    /// Seconds from the trigger until the share of failed requests stays low.
    UserRecoveryS = "user_recovery_s",
    /// Error recovery counted from the last trigger's end.
    ErrorRecoveryAfterEndS = "error_recovery_after_end_s",
    /// User recovery counted from the last trigger's end.
    UserRecoveryAfterEndS = "user_recovery_after_end_s",
    /// Successful attempts ÷ arriving requests at the end of the load.
    GoodputRatio = "goodput_ratio",
    /// 1 when goodput stayed short of the offered load, else 0.
    Metastable = "metastable",
    /// When the last request ended, in seconds.
    CompletionS = "completion_s",
    /// Conditional writes sent to a contended record.
    Writes = "writes",
    /// Attempts that succeeded.
    AttemptsSuccess = "attempts_success",
    /// Attempts refused by the limiter (429).
    AttemptsRateLimited429 = "attempts_rate_limited_429",
    /// Attempts refused by a full queue (503).
    AttemptsUnavailable503 = "attempts_unavailable_503",
    /// Attempts failed by an outage (other 5xx).
    AttemptsServerError5xx = "attempts_server_error_5xx",
    /// Attempts that timed out.
    AttemptsTimeout = "attempts_timeout",
    /// Attempts that met a connection error.
    AttemptsConnectionError = "attempts_connection_error",
    /// Attempts answered with a 4xx.
    AttemptsClientError4xx = "attempts_client_error_4xx",
    /// Conditional writes that lost to another (409).
    AttemptsConflict409 = "attempts_conflict_409",
    /// Dollars billed in all.
    CostTotal = "cost_total",
    /// Dollars of the attempts that delivered a success.
    CostUseful = "cost_useful",
    /// Dollars billed for anything else.
    CostWasted = "cost_wasted",
    /// Wasted ÷ useful dollars.
    RetryOverhead = "retry_overhead",
    /// Dollars billed per successful request.
    CostPerSuccess = "cost_per_success",
    /// Served attempts whose answer nobody used.
    DuplicateAttempts = "duplicate_attempts",
    /// Dollars of those.
    DuplicateCost = "duplicate_cost",
    /// How far a client's money guard let spend pass its daily limit.
    MoneyOvershoot = "money_overshoot",
    /// Abandoned attempts the service dropped unserved.
    Cancelled = "cancelled",
    /// Attempts whose service completed.
    Served = "served",
    /// Most requests in flight at once.
    PeakInFlight = "peak_in_flight",
    /// Events the engine handled.
    Events = "events",
}

/// How many metrics there are.
pub const METRICS: usize = Metric::ALL.len();

impl Metric {
    /// The metric of that name, if there is one.
    pub fn from_name(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Position in [`Metric::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// `failed_<reason>`.
    pub fn failed(reason: FailureReason) -> Metric {
        match reason {
            FailureReason::AttemptsExhausted => Metric::FailedAttemptsExhausted,
            FailureReason::NonRetryable => Metric::FailedNonRetryable,
            FailureReason::Deadline => Metric::FailedDeadline,
            FailureReason::RetryAfterTooLong => Metric::FailedRetryAfterTooLong,
            FailureReason::BudgetRefused => Metric::FailedBudgetRefused,
            FailureReason::CircuitOpen => Metric::FailedCircuitOpen,
            FailureReason::Throttled => Metric::FailedThrottled,
        }
    }

    /// `attempts_<outcome>`.
    pub fn attempts(outcome: Outcome) -> Metric {
        match outcome {
            Outcome::Success => Metric::AttemptsSuccess,
            Outcome::RateLimited => Metric::AttemptsRateLimited429,
            Outcome::Unavailable => Metric::AttemptsUnavailable503,
            Outcome::ServerError => Metric::AttemptsServerError5xx,
            Outcome::Timeout => Metric::AttemptsTimeout,
            Outcome::ConnectionError => Metric::AttemptsConnectionError,
            Outcome::ClientError => Metric::AttemptsClientError4xx,
            Outcome::Conflict => Metric::AttemptsConflict409,
        }
    }
}

/// What a figure's number counts, as data files say it (`unit` columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A share between 0 and 1 (never a percentage in data files).
    Fraction,
    /// Seconds.
    Seconds,
    /// A count of requests, attempts or events.
    Count,
    /// Dollars.
    Usd,
    /// A quotient of two counts or sums that may exceed 1 (attempts per
    /// request, wasted ÷ useful dollars).
    Ratio,
}

impl Unit {
    /// The name data files carry.
    pub const fn name(self) -> &'static str {
        match self {
            Unit::Fraction => "fraction",
            Unit::Seconds => "s",
            Unit::Count => "count",
            Unit::Usd => "usd",
            Unit::Ratio => "ratio",
        }
    }
}

impl Metric {
    /// The unit of the figure.
    pub const fn unit(self) -> Unit {
        use Metric::*;
        match self {
            SuccessRate
            | SuccessAtAttempt1
            | SuccessAtAttempt2
            | SuccessAtAttempt3
            | SuccessAtAttempt4Plus
            | PeakErrorShare
            | Metastable => Unit::Fraction,
            LatencyMeanS
            | LatencyP50S
            | LatencyP90S
            | LatencyP99S
            | LatencyP999S
            | LatencyMaxS
            | ErrorRecoveryS
            | UserRecoveryS
            | ErrorRecoveryAfterEndS
            | UserRecoveryAfterEndS
            | CompletionS => Unit::Seconds,
            CostTotal | CostUseful | CostWasted | CostPerSuccess | DuplicateCost
            | MoneyOvershoot => Unit::Usd,
            Amplification | ServiceLoad | GoodputRatio | RetryOverhead => Unit::Ratio,
            Requests
            | Succeeded
            | Failed
            | FailedAttemptsExhausted
            | FailedNonRetryable
            | FailedDeadline
            | FailedRetryAfterTooLong
            | FailedBudgetRefused
            | FailedCircuitOpen
            | FailedThrottled
            | FailedUnfinished
            | Attempts
            | Writes
            | AttemptsSuccess
            | AttemptsRateLimited429
            | AttemptsUnavailable503
            | AttemptsServerError5xx
            | AttemptsTimeout
            | AttemptsConnectionError
            | AttemptsClientError4xx
            | AttemptsConflict409
            | DuplicateAttempts
            | Cancelled
            | Served
            | PeakInFlight
            | Events => Unit::Count,
        }
    }
}

impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for Metric {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Metric {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Metric::from_name(&name).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown metric `{name}` (docs/model.md §7 lists them: success_rate, latency_p99_s, …)"
            ))
        })
    }
}

/// One value per metric, in [`Metric::ALL`] order; `T` is a replication's
/// `Option<f64>` (`None`: the figure does not exist in it, e.g. a latency
/// without a success) or a summary over replications.
#[derive(Debug, Clone, PartialEq)]
pub struct ByMetric<T>(Vec<T>);

impl<T> ByMetric<T> {
    /// A value for every metric, in [`Metric::ALL`] order.
    pub fn from_fn(mut f: impl FnMut(Metric) -> T) -> Self {
        ByMetric(Metric::ALL.into_iter().map(&mut f).collect())
    }

    /// `(metric, value)` in report order.
    pub fn iter(&self) -> impl Iterator<Item = (Metric, &T)> {
        Metric::ALL.into_iter().zip(&self.0)
    }
}

impl<T> Index<Metric> for ByMetric<T> {
    type Output = T;
    fn index(&self, m: Metric) -> &T {
        &self.0[m.index()]
    }
}

impl<T> IndexMut<Metric> for ByMetric<T> {
    fn index_mut(&mut self, m: Metric) -> &mut T {
        &mut self.0[m.index()]
    }
}

/// A replication's figures.
pub type Scalars = ByMetric<Option<f64>>;

/// Written as a map from metric name to value, in report order.
impl<T: serde::Serialize> serde::Serialize for ByMetric<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(METRICS))?;
        for (m, v) in self.iter() {
            map.serialize_entry(m.name(), v)?;
        }
        map.end()
    }
}

/// Read from a map that names every metric once, in any order: an unknown
/// or missing one is an error (results from another version of retrysim).
impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for ByMetric<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Visit<T> {
            type Value = ByMetric<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map from every metric name to its value")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut values: Vec<Option<T>> = Metric::ALL.iter().map(|_| None).collect();
                while let Some(m) = map.next_key::<Metric>()? {
                    if values[m.index()].replace(map.next_value()?).is_some() {
                        return Err(serde::de::Error::custom(format!(
                            "metric `{m}` appears twice"
                        )));
                    }
                }
                let missing: Vec<&str> = Metric::ALL
                    .iter()
                    .filter(|m| values[m.index()].is_none())
                    .map(|m| m.name())
                    .collect();
                if !missing.is_empty() {
                    return Err(serde::de::Error::custom(format!(
                        "no value for {} (written by another version of retrysim?)",
                        missing.join(", ")
                    )));
                }
                Ok(ByMetric(values.into_iter().flatten().collect()))
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_read_back() {
        for m in Metric::ALL {
            assert_eq!(Metric::from_name(m.name()), Some(m));
            assert_eq!(Metric::ALL[m.index()], m);
        }
        let mut names: Vec<_> = Metric::ALL.iter().map(|m| m.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), METRICS);
        assert_eq!(Metric::from_name("success"), None);
    }

    #[test]
    fn a_map_of_every_metric_reads_back_and_a_gap_is_an_error() {
        let all = ByMetric::from_fn(|m| m.index() as u32);
        let text = serde_json::to_string(&all).unwrap();
        assert!(
            text.starts_with(r#"{"requests":0,"success_rate":1,"#),
            "{text}"
        );
        let back: ByMetric<u32> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, all);
        let gap = text.replace(r#""success_rate":1,"#, "");
        let e = serde_json::from_str::<ByMetric<u32>>(&gap)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no value for success_rate"), "{e}");
        let unknown = text.replace(r#""success_rate":1,"#, r#""succes_rate":1,"#);
        let e = serde_json::from_str::<ByMetric<u32>>(&unknown)
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown metric `succes_rate`"), "{e}");
    }

    #[test]
    fn failure_and_outcome_metrics_follow_their_names() {
        for r in FailureReason::ALL {
            assert_eq!(Metric::failed(r).name(), format!("failed_{}", r.name()));
        }
        for o in Outcome::ALL {
            assert_eq!(Metric::attempts(o).name(), format!("attempts_{}", o.name()));
        }
    }
}
