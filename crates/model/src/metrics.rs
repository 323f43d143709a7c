//! What one replication measures, and its per-replication scalar figures.

use retrysim_engine::Nanos;
use retrysim_engine::time::nanos_to_secs;

use crate::budget::GuardReport;
use crate::histogram::Histogram;
use crate::outcome::{FailureReason, Outcome};
use crate::recovery::{RecoveryRule, recovery_time};
use crate::timeseries::TimeSeries;

/// Counters, latency histogram and time series of one replication of one
/// policy. Its size depends on the number of bins and attempts per request,
/// never on the number of requests.
#[derive(Debug, Clone)]
pub struct RunMetrics {
    /// Requests that arrived.
    pub arrivals: u64,
    /// Requests that succeeded.
    pub succeeded: u64,
    /// Requests that failed, by reason (indexed by `FailureReason as usize`).
    pub failed: [u64; FailureReason::ALL.len()],
    /// Requests still open when the run stopped (count as not succeeded).
    pub unfinished: u64,
    /// Successes by the attempt that succeeded (index k − 1).
    pub success_by_attempt: Vec<u64>,
    /// Attempts sent.
    pub attempts: u64,
    /// Attempts that reached the service.
    pub attempts_at_service: u64,
    /// Attempts whose service completed (whether or not anyone still waited).
    pub served: u64,
    /// Attempts by outcome (indexed by `Outcome as usize`).
    pub outcomes: [u64; Outcome::ALL.len()],
    /// End-to-end latency of successful requests, arrival to success.
    pub latency: Histogram,
    /// Per-bin counters and gauges.
    pub series: TimeSeries,
    /// Events handled by the engine.
    pub events: u64,
    /// Time of the last event (or the drain limit if it was hit).
    pub run_end: Nanos,
    /// Most requests in flight at once.
    pub peak_in_flight: u64,
    /// Most events pending in the engine at once.
    pub peak_pending_events: u64,
    /// Dollars billed in all (every served attempt).
    pub cost_total: f64,
    /// Dollars of the attempts that delivered a request's success.
    pub cost_useful: f64,
    /// Served attempts whose response nobody used (abandoned or lost).
    pub duplicate_attempts: u64,
    /// Dollars of those.
    pub duplicate_cost: f64,
    /// Abandoned attempts the service dropped unserved (`cancel_on_timeout`).
    pub cancelled: u64,
    /// Whether the scenario prices attempts.
    pub priced: bool,
    /// Whether the service is a contended record (then `writes` counts).
    pub contention: bool,
    /// Conditional writes sent to a contended record: the work of the 2015
    /// backoff-and-jitter study.
    pub writes: u64,
    /// When the last request ended (succeeded or failed).
    pub last_end: Nanos,
    /// What the guards report at the end (money-guard overshoot).
    pub guards: GuardReport,
}

impl RunMetrics {
    /// Empty metrics for a policy allowing `max_attempts`.
    pub fn new(max_attempts: u32, bin: Nanos, expected_bins: usize) -> Self {
        Self {
            arrivals: 0,
            succeeded: 0,
            failed: [0; FailureReason::ALL.len()],
            unfinished: 0,
            success_by_attempt: vec![0; max_attempts as usize],
            attempts: 0,
            attempts_at_service: 0,
            served: 0,
            outcomes: [0; Outcome::ALL.len()],
            latency: Histogram::new(),
            series: TimeSeries::new(bin, expected_bins),
            events: 0,
            run_end: 0,
            peak_in_flight: 0,
            peak_pending_events: 0,
            cost_total: 0.0,
            cost_useful: 0.0,
            duplicate_attempts: 0,
            duplicate_cost: 0.0,
            cancelled: 0,
            priced: false,
            contention: false,
            writes: 0,
            last_end: 0,
            guards: GuardReport::default(),
        }
    }

    /// Requests that did not succeed (failed or unfinished).
    pub fn not_succeeded(&self) -> u64 {
        self.failed.iter().sum::<u64>() + self.unfinished
    }

    /// The largest share of failed attempts in any bin with at least 10
    /// attempts (what a dashboard's error-rate panel peaks at).
    pub fn peak_error_share(&self) -> Option<f64> {
        self.series
            .bins
            .iter()
            .filter(|b| b.attempts >= 10)
            .filter_map(|b| b.attempt_error_share())
            .reduce(f64::max)
    }

    /// Recovery time on the error signal (share of attempts failing).
    pub fn error_recovery(&self, rule: RecoveryRule) -> Option<Nanos> {
        let signal: Vec<Option<f64>> = self
            .series
            .bins
            .iter()
            .map(|b| b.attempt_error_share())
            .collect();
        recovery_time(&signal, self.series.width, rule, self.run_end)
    }

    /// Recovery time on the user signal (share of arriving requests that
    /// finally failed).
    pub fn user_recovery(&self, rule: RecoveryRule) -> Option<Nanos> {
        let signal: Vec<Option<f64>> = self
            .series
            .bins
            .iter()
            .map(|b| b.request_failure_share())
            .collect();
        recovery_time(&signal, self.series.width, rule, self.run_end)
    }

    /// The replication's scalar figures, in report order. `None` means the
    /// figure does not exist in this replication (no success to take a
    /// latency of; never recovered).
    pub fn scalars(&self, rule: RecoveryRule) -> Vec<(&'static str, Option<f64>)> {
        let n = self.arrivals as f64;
        let share = |x: u64, of: u64| (of > 0).then(|| x as f64 / of as f64);
        let lat = |q: f64| self.latency.quantile(q).map(nanos_to_secs);
        let by_k = |k: usize| self.success_by_attempt.get(k).copied().unwrap_or(0);
        let four_plus: u64 = self.success_by_attempt.iter().skip(3).sum();
        let mut v = vec![
            ("requests", Some(n)),
            ("success_rate", share(self.succeeded, self.arrivals)),
            ("succeeded", Some(self.succeeded as f64)),
            ("failed", Some(self.not_succeeded() as f64)),
        ];
        for r in FailureReason::ALL {
            v.push((failure_key(r), Some(self.failed[r as usize] as f64)));
        }
        v.extend([
            ("failed_unfinished", Some(self.unfinished as f64)),
            ("success_at_attempt_1", share(by_k(0), self.succeeded)),
            ("success_at_attempt_2", share(by_k(1), self.succeeded)),
            ("success_at_attempt_3", share(by_k(2), self.succeeded)),
            ("success_at_attempt_4plus", share(four_plus, self.succeeded)),
            ("attempts", Some(self.attempts as f64)),
            ("amplification", share(self.attempts, self.arrivals)),
            (
                "service_load",
                share(self.attempts_at_service, self.arrivals),
            ),
            ("latency_mean_s", self.latency.mean().map(|m| m / 1e9)),
            ("latency_p50_s", lat(0.5)),
            ("latency_p90_s", lat(0.9)),
            ("latency_p99_s", lat(0.99)),
            ("latency_p999_s", lat(0.999)),
            ("latency_max_s", self.latency.max().map(nanos_to_secs)),
            ("peak_error_share", self.peak_error_share()),
            (
                "error_recovery_s",
                self.error_recovery(rule).map(nanos_to_secs),
            ),
            (
                "user_recovery_s",
                self.user_recovery(rule).map(nanos_to_secs),
            ),
            (
                "error_recovery_after_end_s",
                self.error_recovery(rule.after_end()).map(nanos_to_secs),
            ),
            (
                "user_recovery_after_end_s",
                self.user_recovery(rule.after_end()).map(nanos_to_secs),
            ),
            (
                "goodput_ratio",
                rule.metastable.and_then(|w| w.goodput_ratio(&self.series)),
            ),
            (
                "metastable",
                rule.metastable
                    .and_then(|w| w.is_metastable(&self.series))
                    .map(|b| if b { 1.0 } else { 0.0 }),
            ),
            ("completion_s", Some(nanos_to_secs(self.last_end))),
            ("writes", self.contention.then_some(self.writes as f64)),
        ]);
        for o in Outcome::ALL {
            v.push((outcome_key(o), Some(self.outcomes[o as usize] as f64)));
        }
        let priced = |x: f64| self.priced.then_some(x);
        let wasted = self.cost_total - self.cost_useful;
        v.extend([
            ("cost_total", priced(self.cost_total)),
            ("cost_useful", priced(self.cost_useful)),
            ("cost_wasted", priced(wasted)),
            (
                "retry_overhead",
                if self.priced && self.cost_useful > 0.0 {
                    Some(wasted / self.cost_useful)
                } else {
                    None
                },
            ),
            (
                "cost_per_success",
                if self.priced && self.succeeded > 0 {
                    Some(self.cost_total / self.succeeded as f64)
                } else {
                    None
                },
            ),
            ("duplicate_attempts", Some(self.duplicate_attempts as f64)),
            ("duplicate_cost", priced(self.duplicate_cost)),
            ("money_overshoot", self.guards.money_overshoot),
            ("cancelled", Some(self.cancelled as f64)),
            ("served", Some(self.served as f64)),
            ("peak_in_flight", Some(self.peak_in_flight as f64)),
            ("events", Some(self.events as f64)),
        ]);
        v
    }
}

/// `failed_<reason>`.
pub fn failure_key(r: FailureReason) -> &'static str {
    match r {
        FailureReason::AttemptsExhausted => "failed_attempts_exhausted",
        FailureReason::NonRetryable => "failed_non_retryable",
        FailureReason::Deadline => "failed_deadline",
        FailureReason::RetryAfterTooLong => "failed_retry_after_too_long",
        FailureReason::BudgetRefused => "failed_budget_refused",
        FailureReason::CircuitOpen => "failed_circuit_open",
        FailureReason::Throttled => "failed_throttled",
    }
}

/// `attempts_<outcome>`.
pub fn outcome_key(o: Outcome) -> &'static str {
    match o {
        Outcome::Success => "attempts_success",
        Outcome::RateLimited => "attempts_rate_limited_429",
        Outcome::Unavailable => "attempts_unavailable_503",
        Outcome::ServerError => "attempts_server_error_5xx",
        Outcome::Timeout => "attempts_timeout",
        Outcome::ConnectionError => "attempts_connection_error",
        Outcome::ClientError => "attempts_client_error_4xx",
        Outcome::Conflict => "attempts_conflict_409",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_names() {
        for r in FailureReason::ALL {
            assert_eq!(failure_key(r), format!("failed_{}", r.name()));
        }
        for o in Outcome::ALL {
            assert_eq!(outcome_key(o), format!("attempts_{}", o.name()));
        }
    }

    #[test]
    fn scalars_divide_by_the_right_counts() {
        let mut m = RunMetrics::new(5, 1_000_000_000, 0);
        m.arrivals = 10;
        m.succeeded = 8;
        m.failed[FailureReason::AttemptsExhausted as usize] = 1;
        m.unfinished = 1;
        m.success_by_attempt = vec![4, 2, 1, 1, 0];
        m.attempts = 25;
        let s: std::collections::BTreeMap<_, _> = m
            .scalars(RecoveryRule {
                trigger: 0,
                trigger_end: 0,
                threshold: 0.05,
                window: 1,
                metastable: None,
                trigger_scoped: None,
            })
            .into_iter()
            .collect();
        assert_eq!(s["success_rate"], Some(0.8));
        assert_eq!(s["failed"], Some(2.0));
        assert_eq!(s["success_at_attempt_1"], Some(0.5));
        assert_eq!(s["success_at_attempt_4plus"], Some(0.125));
        assert_eq!(s["amplification"], Some(2.5));
        assert_eq!(s["latency_p99_s"], None);
    }
}
