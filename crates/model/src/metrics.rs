//! What one replication measures, and its per-replication scalar figures.

use retrysim_engine::Nanos;
use retrysim_engine::time::nanos_to_secs;

use crate::budget::GuardReport;
use crate::call_metrics::{EdgeRun, ServiceRun, TierRun};
use crate::histogram::Histogram;
use crate::metric::{Metric, Scalars};
use crate::outcome::{FailureReason, Outcome};
use crate::priority::ClassRun;
use crate::recovery::{RecoveryRule, recovery_time};
use crate::timeseries::TimeSeries;

/// Counters, latency histogram and time series of one replication of one
/// policy. Its size depends on the number of bins and attempts per request,
/// never on the number of requests.
#[derive(Debug, Clone)]
#[non_exhaustive]
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
    /// Per service, the entry first (empty unless services call services).
    pub services: Vec<ServiceRun>,
    /// Per call edge, in the order of the services and their calls (empty
    /// unless services call services).
    pub edges: Vec<EdgeRun>,
    /// Per priority class, high then low (empty unless the workload has
    /// low-priority requests).
    pub classes: Vec<ClassRun>,
    /// Per logical service of a call graph, the entry first: the attempts
    /// sent to it and its instances' gauges over time (empty without a
    /// graph).
    pub tiers: Vec<TierRun>,
}

impl RunMetrics {
    /// Empty metrics for a policy allowing `max_attempts`.
    pub(crate) fn new(max_attempts: u32, bin: Nanos, expected_bins: usize) -> Self {
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
            services: Vec::new(),
            edges: Vec::new(),
            classes: Vec::new(),
            tiers: Vec::new(),
        }
    }

    /// Completes every tier's series at the end of a run with the attempts
    /// sent to it: the entry's are the workload's (whose gauges are already
    /// the entry's), any other's its callers' (its gauges were read into it
    /// bin by bin).
    pub(crate) fn sum_tiers(&mut self) {
        let Some((entry, rest)) = self.tiers.split_first_mut() else {
            return;
        };
        entry.series.bins.clone_from(&self.series.bins);
        for b in &mut entry.series.bins {
            (b.tokens, b.spend, b.in_flight) = (0.0, 0.0, 0);
        }
        for e in &self.edges {
            let Some(tier) = e.to_tier.checked_sub(1).and_then(|t| rest.get_mut(t)) else {
                continue;
            };
            for (i, b) in e.series.bins.iter().enumerate() {
                let t = tier.series.bin(i);
                t.arrivals += b.arrivals;
                t.attempts += b.attempts;
                for (x, y) in t.outcomes.iter_mut().zip(b.outcomes) {
                    *x += y;
                }
                t.succeeded += b.succeeded;
                t.failed += b.failed;
            }
        }
    }

    /// Makes room for the counters of a call graph: `services` by name,
    /// `edges` as (caller, callee, callee's logical id), `tiers` (the
    /// logical services) as (name, first instance, instances).
    pub(crate) fn add_graph(
        &mut self,
        services: &[String],
        edges: &[(String, String, usize)],
        tiers: impl Iterator<Item = (String, usize, usize)>,
    ) {
        self.tiers = tiers
            .map(|(name, first, count)| TierRun {
                name,
                instances: first..first + count,
                series: TimeSeries::new(self.series.width, 0),
            })
            .collect();
        self.services = services
            .iter()
            .map(|name| ServiceRun {
                name: name.clone(),
                ..ServiceRun::default()
            })
            .collect();
        self.edges = edges
            .iter()
            .map(|(from, to, tier)| EdgeRun {
                from: from.clone(),
                to: to.clone(),
                to_tier: *tier,
                series: TimeSeries::new(self.series.width, 0),
                ..EdgeRun::default()
            })
            .collect();
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

    /// The replication's figures. `None` means the figure does not exist
    /// in this replication (no success to take a latency of; never
    /// recovered; unpriced).
    pub fn scalars(&self, rule: RecoveryRule) -> Scalars {
        let n = self.arrivals as f64;
        let count = |x: u64| Some(x as f64);
        let share = |x: u64, of: u64| (of > 0).then(|| x as f64 / of as f64);
        let lat = |q: f64| self.latency.quantile(q).map(nanos_to_secs);
        let by_k = |k: usize| self.success_by_attempt.get(k).copied().unwrap_or(0);
        let secs = |t: Option<Nanos>| t.map(nanos_to_secs);
        let priced = |x: f64| self.priced.then_some(x);
        let wasted = self.cost_total - self.cost_useful;
        let failed = |r: FailureReason| count(self.failed[r as usize]);
        let attempts = |o: Outcome| count(self.outcomes[o as usize]);
        Scalars::from_fn(|m| match m {
            Metric::Requests => Some(n),
            Metric::SuccessRate => share(self.succeeded, self.arrivals),
            Metric::Succeeded => count(self.succeeded),
            Metric::Failed => count(self.not_succeeded()),
            Metric::FailedAttemptsExhausted => failed(FailureReason::AttemptsExhausted),
            Metric::FailedNonRetryable => failed(FailureReason::NonRetryable),
            Metric::FailedDeadline => failed(FailureReason::Deadline),
            Metric::FailedRetryAfterTooLong => failed(FailureReason::RetryAfterTooLong),
            Metric::FailedBudgetRefused => failed(FailureReason::BudgetRefused),
            Metric::FailedCircuitOpen => failed(FailureReason::CircuitOpen),
            Metric::FailedThrottled => failed(FailureReason::Throttled),
            Metric::FailedUnfinished => count(self.unfinished),
            Metric::SuccessAtAttempt1 => share(by_k(0), self.succeeded),
            Metric::SuccessAtAttempt2 => share(by_k(1), self.succeeded),
            Metric::SuccessAtAttempt3 => share(by_k(2), self.succeeded),
            Metric::SuccessAtAttempt4Plus => {
                share(self.success_by_attempt.iter().skip(3).sum(), self.succeeded)
            }
            Metric::Attempts => count(self.attempts),
            Metric::Amplification => share(self.attempts, self.arrivals),
            Metric::ServiceLoad => share(self.attempts_at_service, self.arrivals),
            Metric::LatencyMeanS => self.latency.mean().map(|m| m / 1e9),
            Metric::LatencyP50S => lat(0.5),
            Metric::LatencyP90S => lat(0.9),
            Metric::LatencyP99S => lat(0.99),
            Metric::LatencyP999S => lat(0.999),
            Metric::LatencyMaxS => secs(self.latency.max()),
            Metric::PeakErrorShare => self.peak_error_share(),
            Metric::ErrorRecoveryS => secs(self.error_recovery(rule)),
            Metric::UserRecoveryS => secs(self.user_recovery(rule)),
            Metric::ErrorRecoveryAfterEndS => secs(self.error_recovery(rule.after_end())),
            Metric::UserRecoveryAfterEndS => secs(self.user_recovery(rule.after_end())),
            Metric::GoodputRatio => rule.metastable.and_then(|w| w.goodput_ratio(&self.series)),
            Metric::Metastable => rule
                .metastable
                .and_then(|w| w.is_metastable(&self.series))
                .map(|b| if b { 1.0 } else { 0.0 }),
            Metric::CompletionS => Some(nanos_to_secs(self.last_end)),
            Metric::Writes => self.contention.then_some(self.writes as f64),
            Metric::AttemptsSuccess => attempts(Outcome::Success),
            Metric::AttemptsRateLimited429 => attempts(Outcome::RateLimited),
            Metric::AttemptsUnavailable503 => attempts(Outcome::Unavailable),
            Metric::AttemptsServerError5xx => attempts(Outcome::ServerError),
            Metric::AttemptsTimeout => attempts(Outcome::Timeout),
            Metric::AttemptsConnectionError => attempts(Outcome::ConnectionError),
            Metric::AttemptsClientError4xx => attempts(Outcome::ClientError),
            Metric::AttemptsConflict409 => attempts(Outcome::Conflict),
            Metric::CostTotal => priced(self.cost_total),
            Metric::CostUseful => priced(self.cost_useful),
            Metric::CostWasted => priced(wasted),
            Metric::RetryOverhead => {
                (self.priced && self.cost_useful > 0.0).then(|| wasted / self.cost_useful)
            }
            Metric::CostPerSuccess => {
                (self.priced && self.succeeded > 0).then(|| self.cost_total / self.succeeded as f64)
            }
            Metric::DuplicateAttempts => count(self.duplicate_attempts),
            Metric::DuplicateCost => priced(self.duplicate_cost),
            Metric::MoneyOvershoot => self.guards.money_overshoot,
            Metric::Cancelled => count(self.cancelled),
            Metric::Served => count(self.served),
            Metric::PeakInFlight => count(self.peak_in_flight),
            Metric::Events => count(self.events),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_divide_by_the_right_counts() {
        let mut m = RunMetrics::new(5, 1_000_000_000, 0);
        m.arrivals = 10;
        m.succeeded = 8;
        m.failed[FailureReason::AttemptsExhausted as usize] = 1;
        m.unfinished = 1;
        m.success_by_attempt = vec![4, 2, 1, 1, 0];
        m.attempts = 25;
        let s = m.scalars(RecoveryRule {
            trigger: 0,
            trigger_end: 0,
            threshold: 0.05,
            window: 1,
            metastable: None,
            trigger_scoped: None,
        });
        assert_eq!(s[Metric::SuccessRate], Some(0.8));
        assert_eq!(s[Metric::Failed], Some(2.0));
        assert_eq!(s[Metric::SuccessAtAttempt1], Some(0.5));
        assert_eq!(s[Metric::SuccessAtAttempt4Plus], Some(0.125));
        assert_eq!(s[Metric::Amplification], Some(2.5));
        assert_eq!(s[Metric::LatencyP99S], None);
    }
}
