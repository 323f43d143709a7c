//! What the run charts draw: a view of a [`StoredRun`] shaped for drawing
//! (series as points, triggers as labelled windows, a guard's limit over
//! all client instances). Figures are the results schema's own [`Stat`]s,
//! looked up by [`Metric`]; every policy has every one.

use retrysim_experiment::Stat;
use retrysim_experiment::stored::{CdfPoint, StoredRun, TierRow};
use retrysim_model::{ByMetric, Metric};

/// One bin of a policy's mean time series.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Point {
    /// Bin start in seconds.
    pub t: f64,
    /// Requests arriving in the bin.
    pub arrivals: f64,
    /// Attempts sent in the bin.
    pub attempts: f64,
    /// Share of those that failed (`None` when none was sent).
    pub failed_share: Option<f64>,
    /// Dollars billed up to the bin's end.
    pub cumulative_spend: f64,
}

/// One policy's results.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyResults {
    /// Name.
    pub name: String,
    /// Every figure.
    pub figures: ByMetric<Stat>,
    /// Mean time series.
    pub series: Vec<Point>,
    /// Latency CDF.
    pub cdf: Vec<CdfPoint>,
    /// Money-guard daily limit over all client instances, if guarded.
    pub money_limit: Option<f64>,
    /// A call graph's services, the entry first, with their load (attempts
    /// per request that entered); empty for one service.
    pub services: Vec<(String, Stat)>,
    /// A call graph's services, the entry first, with their series; empty
    /// for one service.
    pub tiers: Vec<(String, Vec<TierRow>)>,
}

impl PolicyResults {
    /// The figure `m`.
    pub fn figure(&self, m: Metric) -> &Stat {
        &self.figures[m]
    }
}

/// Everything the run charts need.
#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    /// Scenario name (for titles).
    pub scenario: String,
    /// Replications per policy.
    pub replications: u32,
    /// Seconds of the trigger.
    pub trigger_s: f64,
    /// The scenario's triggers: (kind in words, start, end) in seconds.
    pub triggers: Vec<(String, f64, f64)>,
    /// Recovery threshold (share).
    pub threshold: f64,
    /// Bin width in seconds.
    pub bin_s: f64,
    /// Whether attempts are priced.
    pub priced: bool,
    /// Whether the scenario names a trigger (else recovery is left out).
    pub triggered: bool,
    /// Policies in scenario order.
    pub policies: Vec<PolicyResults>,
}

impl Results {
    /// The charts' view of a run's stored results.
    pub fn of(run: &StoredRun) -> Results {
        let s = &run.summary;
        let spec = &s.scenario;
        let clients = match &spec.workload {
            retrysim_model::scenario::spec::WorkloadSpec::Open { clients, .. }
            | retrysim_model::scenario::spec::WorkloadSpec::Closed { clients, .. }
            | retrysim_model::scenario::spec::WorkloadSpec::Batch { clients, .. } => *clients,
        };
        let policies = s
            .policies
            .iter()
            .enumerate()
            .map(|(i, p)| PolicyResults {
                name: p.name.clone(),
                figures: p.metrics.clone(),
                series: run.series[i]
                    .iter()
                    .map(|r| Point {
                        t: r.start_s,
                        arrivals: r.arrivals,
                        attempts: r.attempts,
                        failed_share: r.attempt_error_share,
                        cumulative_spend: r.cumulative_spend,
                    })
                    .collect(),
                cdf: run.latency[i].clone(),
                money_limit: spec
                    .policies
                    .get(i)
                    .and_then(|p| p.budget.money.as_ref())
                    .map(|m| m.daily_limit * clients as f64),
                services: (p.services.iter())
                    .map(|s| (s.name.clone(), s.load.clone()))
                    .collect(),
                tiers: run.tiers.get(i).cloned().unwrap_or_default(),
            })
            .collect();
        Results {
            scenario: spec.name.clone(),
            replications: spec.replications,
            trigger_s: s.recovery.trigger_s,
            triggers: s
                .recovery
                .triggers
                .iter()
                .map(|t| (t.kind.replace('_', " "), t.start_s, t.end_s))
                .collect(),
            threshold: s.recovery.threshold,
            bin_s: s.recovery.bin_s,
            priced: spec.cost.is_some(),
            triggered: spec.names_a_trigger(),
            policies,
        }
    }

    /// The end of the time axis: the last bin in which requests still
    /// arrived or any policy still sent at least 0.2 % of the busiest bin's
    /// attempts (at least the trigger plus a bin). A few stragglers (a
    /// request in one replication retrying for another minute) would
    /// otherwise stretch the axis over a long flat tail.
    pub fn active_until(&self) -> f64 {
        let points = || self.policies.iter().flat_map(|p| p.series.iter());
        let peak = points().map(|pt| pt.attempts).fold(0.0f64, f64::max);
        let last = points()
            .filter(|pt| pt.arrivals > 0.0 || (pt.attempts > 0.0 && pt.attempts >= 0.002 * peak))
            .map(|pt| pt.t + self.bin_s)
            .fold(0.0f64, f64::max);
        last.max(self.trigger_s + self.bin_s)
    }
}
