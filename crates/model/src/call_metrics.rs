//! What a replication measures per service and per call edge when
//! services call services (docs/model.md §12). Empty for a scenario with
//! one service, so its outputs stay as they were.

use retrysim_engine::Nanos;

use crate::histogram::Histogram;
use crate::outcome::{FailureReason, Outcome};
use crate::recovery::{RecoveryRule, recovery_time};
use crate::timeseries::TimeSeries;

/// One service's counters.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ServiceRun {
    /// The service's name.
    pub name: String,
    /// Attempts that reached it, from every caller.
    pub reached: u64,
    /// Attempts whose own work it completed.
    pub served: u64,
    /// A service that makes calls: its answers by outcome, once its calls
    /// are done (success, or the calls' failure status).
    pub answered: [u64; Outcome::ALL.len()],
}

/// One logical service's time series (a replicated service's instances
/// together): the attempts sent to it, by send time, as its callers count
/// them, and its instances' gauges summed.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct TierRun {
    /// The service's name.
    pub name: String,
    /// Its instances' ids.
    pub instances: std::ops::Range<usize>,
    /// Arrivals are the requests (entry) or calls into it; attempts,
    /// outcomes, successes and failures those of its callers; queue and
    /// in service its own.
    pub series: TimeSeries,
}

/// One call edge's counters: a calling service as a client of another.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct EdgeRun {
    /// The calling service's name.
    pub from: String,
    /// The called service's name.
    pub to: String,
    /// The called service's logical id (its place in `RunMetrics::tiers`).
    pub to_tier: usize,
    /// Calls made (requests of this edge).
    pub calls: u64,
    /// Calls that succeeded.
    pub succeeded: u64,
    /// Calls that failed, by reason (indexed by `FailureReason as usize`).
    pub failed: [u64; FailureReason::ALL.len()],
    /// Attempts sent.
    pub attempts: u64,
    /// Attempts by outcome (indexed by `Outcome as usize`).
    pub outcomes: [u64; Outcome::ALL.len()],
    /// Latency of the calls that succeeded, from the call to its success.
    pub latency: Histogram,
    /// The edge's calls (as arrivals), attempts and outcomes over time,
    /// counted as the workload's are (its gauges stay 0).
    pub series: TimeSeries,
}

/// One service's figures in one replication (`None`: no value, e.g. no
/// request arrived).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ServiceScalars {
    /// Attempts that reached it per request that entered the graph: the
    /// amplification at this tier.
    pub load: Option<f64>,
    /// Attempts that reached it.
    pub reached: Option<f64>,
    /// A service that makes calls: share of the attempts it answered that
    /// failed because a call failed (`None` for one that makes none).
    pub failed_share: Option<f64>,
}

/// One call edge's figures in one replication.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EdgeScalars {
    /// Calls made per request that entered the graph.
    pub calls_per_request: Option<f64>,
    /// Share of calls that succeeded.
    pub success_rate: Option<f64>,
    /// Attempts per call (the edge's own amplification).
    pub attempts_per_call: Option<f64>,
    /// Median latency of successful calls, in seconds.
    pub latency_p50_s: Option<f64>,
    /// 99th percentile latency of successful calls, in seconds.
    pub latency_p99_s: Option<f64>,
    /// Error recovery of the called service as its callers see it: the
    /// workload's rule applied to the share of the edge's attempts that
    /// failed, in seconds (`None`: never).
    pub error_recovery_s: Option<f64>,
    /// The same after the last trigger's end.
    pub error_recovery_after_end_s: Option<f64>,
    /// Successful call attempts ÷ calls made over the metastability
    /// window (with triggers only).
    pub goodput_ratio: Option<f64>,
    /// 1 if that fell more than the margin short, else 0.
    pub metastable: Option<f64>,
}

impl ServiceRun {
    /// Its figures, given the requests that entered the graph.
    pub fn scalars(&self, arrivals: u64) -> ServiceScalars {
        let answered: u64 = self.answered.iter().sum();
        let failed = answered - self.answered[Outcome::Success as usize];
        ServiceScalars {
            load: share(self.reached, arrivals),
            reached: Some(self.reached as f64),
            failed_share: share(failed, answered),
        }
    }
}

impl EdgeRun {
    /// Its figures, given the requests that entered the graph, the
    /// recovery rule and the end of the run.
    pub fn scalars(&self, arrivals: u64, rule: RecoveryRule, run_end: Nanos) -> EdgeScalars {
        let secs = |q: f64| self.latency.quantile(q).map(|n| n as f64 / 1e9);
        let signal: Vec<Option<f64>> = (self.series.bins.iter())
            .map(|b| b.attempt_error_share())
            .collect();
        let recovery =
            |rule| recovery_time(&signal, self.series.width, rule, run_end).map(|n| n as f64 / 1e9);
        let window = rule.metastable;
        EdgeScalars {
            calls_per_request: share(self.calls, arrivals),
            success_rate: share(self.succeeded, self.calls),
            attempts_per_call: share(self.attempts, self.calls),
            latency_p50_s: secs(0.5),
            latency_p99_s: secs(0.99),
            error_recovery_s: recovery(rule),
            error_recovery_after_end_s: recovery(rule.after_end()),
            goodput_ratio: window.and_then(|w| w.goodput_ratio(&self.series)),
            metastable: window
                .and_then(|w| w.is_metastable(&self.series))
                .map(|m| m as u8 as f64),
        }
    }
}

fn share(x: u64, of: u64) -> Option<f64> {
    (of > 0).then(|| x as f64 / of as f64)
}
