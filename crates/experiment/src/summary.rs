//! The result of running a scenario: every policy's figures over
//! replications, mean time series and pooled latency distribution.

use retrysim_model::Bin;
use retrysim_model::Histogram;
use retrysim_model::Outcome;
use retrysim_model::scenario::ScenarioSpec;
use retrysim_model::{ByMetric, Metric, Scalars};
use serde::{Deserialize, Serialize};

use crate::stats::Stat;

/// The whole result of a run, as written to `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Program and version that produced it.
    pub tool: String,
    /// Fingerprint of the scenario as run (every default filled in, seed and
    /// replications included) and of this format: see [`crate::fingerprint`].
    pub fingerprint: String,
    /// The scenario as run, every default filled in (seed and replications
    /// as overridden on the command line).
    pub scenario: ScenarioSpec,
    /// How recovery was measured.
    pub recovery: RecoveryInfo,
    /// One entry per policy, in the scenario's order.
    pub policies: Vec<PolicySummary>,
}

/// The recovery rule, restated in seconds for readers of the JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecoveryInfo {
    /// When the trouble starts.
    pub trigger_s: f64,
    /// A bin passes at or below this failure share.
    pub threshold: f64,
    /// How long every bin must pass.
    pub window_s: f64,
    /// Bin width.
    pub bin_s: f64,
    /// What the two signals are.
    pub signals: String,
    /// When the last trigger ends (recovery is also measured from here).
    pub trigger_end_s: f64,
    /// The scenario's triggers, for charts and readers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<TriggerInfo>,
    /// Where metastability was judged, when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metastable: Option<MetastableInfo>,
}

/// One trigger, in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriggerInfo {
    /// `load_spike`, `capacity_drop` or `outage`.
    pub kind: String,
    /// Start.
    pub start_s: f64,
    /// End.
    pub end_s: f64,
}

/// The metastability test, in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetastableInfo {
    /// Window start.
    pub from_s: f64,
    /// Window end (the end of the load).
    pub to_s: f64,
    /// Allowed shortfall of goodput below the offered load.
    pub margin: f64,
}

/// One policy's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicySummary {
    /// Policy name.
    pub name: String,
    /// Every figure: mean and 95 % CI over replications, in report order.
    pub metrics: ByMetric<Stat>,
    /// The per-replication values behind `metrics`, for paired comparisons
    /// between policies.
    #[serde(skip)]
    pub per_replication: Vec<Scalars>,
    /// Mean over replications, bin by bin.
    #[serde(skip)]
    pub series: Vec<SeriesRow>,
    /// Latency of every success of every replication, pooled.
    #[serde(skip)]
    pub latency: Histogram,
    /// A call graph's logical services, the entry first, each with its
    /// mean series (the attempts sent to it, its queue); empty for one
    /// service. Written to `services.csv`.
    #[serde(skip)]
    pub tiers: Vec<(String, Vec<SeriesRow>)>,
    /// Per service of a call graph, the entry first (empty for one service).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<ServiceSummary>,
    /// Per call edge of a call graph (empty for one service).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub edges: Vec<EdgeSummary>,
    /// Per priority class, high then low (empty unless the workload has
    /// low-priority requests).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<ClassSummary>,
}

/// One priority class's figures over replications (docs/model.md §12).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassSummary {
    /// `high` or `low`.
    pub name: String,
    /// Share of all requests that were of this class.
    pub share: Stat,
    /// Share of its requests that succeeded.
    pub success_rate: Stat,
    /// 99th percentile latency of its successes, in seconds.
    pub latency_p99_s: Stat,
}

/// One service's figures over replications (docs/model.md §12).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceSummary {
    /// The service's name.
    pub name: String,
    /// Attempts that reached it per request that entered the graph.
    pub load: Stat,
    /// Attempts that reached it.
    pub reached: Stat,
    /// Share of the attempts it answered that failed because a call failed
    /// (no value for a service that makes no calls).
    pub failed_share: Stat,
}

/// One call edge's figures over replications.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EdgeSummary {
    /// The calling service.
    pub from: String,
    /// The called service.
    pub to: String,
    /// Calls per request that entered the graph.
    pub calls_per_request: Stat,
    /// Share of calls that succeeded.
    pub success_rate: Stat,
    /// Attempts per call.
    pub attempts_per_call: Stat,
    /// Median latency of successful calls, in seconds.
    pub latency_p50_s: Stat,
    /// 99th percentile latency of successful calls, in seconds.
    pub latency_p99_s: Stat,
    /// Error recovery of the called service as its callers see it, in
    /// seconds (from the trigger).
    pub error_recovery_s: Stat,
    /// The same from the last trigger's end.
    pub error_recovery_after_end_s: Stat,
    /// Successful call attempts ÷ calls over the metastability window.
    pub goodput_ratio: Stat,
    /// Share of replications in which the called service stayed
    /// metastable.
    pub metastable: Stat,
}

impl PolicySummary {
    /// The figure `m` (every policy has every figure; its mean is `None`
    /// where no replication had a value).
    pub fn get(&self, m: Metric) -> &Stat {
        &self.metrics[m]
    }
}

/// One bin of the mean time series.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeriesRow {
    /// Bin start in seconds.
    pub start_s: f64,
    /// Mean requests arriving.
    pub arrivals: f64,
    /// Mean attempts sent.
    pub attempts: f64,
    /// Mean attempts sent in this bin, by outcome.
    pub outcomes: [f64; Outcome::ALL.len()],
    /// Mean requests arriving here that succeeded.
    pub succeeded: f64,
    /// Mean requests arriving here that failed or were unfinished.
    pub failed: f64,
    /// Mean requests in flight at the bin's end.
    pub in_flight: f64,
    /// Mean queue length at the bin's end.
    pub queue: f64,
    /// Mean attempts in service at the bin's end.
    pub in_service: f64,
    /// Mean limiter tokens at the bin's end.
    pub tokens: f64,
    /// Mean dollars billed in the bin.
    pub spend: f64,
    /// Mean dollars billed up to the bin's end.
    pub cumulative_spend: f64,
    /// Pooled share of attempts sent here that failed.
    pub attempt_error_share: Option<f64>,
    /// Pooled share of requests arriving here that finally failed.
    pub request_failure_share: Option<f64>,
}

/// Sums bins over replications, exactly for counters, in replication order
/// for gauges.
#[derive(Debug, Default)]
pub(crate) struct SeriesSum {
    bins: Vec<Bin>,
    tokens: Vec<f64>,
    spend: Vec<f64>,
    /// Replications whose run lasted into each bin: gauges (in flight,
    /// queue, tokens) are averaged over these only, since a finished run has
    /// no state to read.
    reached: Vec<u32>,
}

impl SeriesSum {
    pub(crate) fn add(&mut self, bins: &[Bin]) {
        if bins.len() > self.bins.len() {
            self.bins.resize(bins.len(), Bin::default());
            self.tokens.resize(bins.len(), 0.0);
            self.spend.resize(bins.len(), 0.0);
            self.reached.resize(bins.len(), 0);
        }
        for (i, b) in bins.iter().enumerate() {
            let s = &mut self.bins[i];
            s.arrivals += b.arrivals;
            s.attempts += b.attempts;
            for (a, x) in s.outcomes.iter_mut().zip(b.outcomes) {
                *a += x;
            }
            s.succeeded += b.succeeded;
            s.failed += b.failed;
            s.in_flight += b.in_flight;
            s.queue += b.queue;
            s.in_service += b.in_service;
            self.tokens[i] += b.tokens;
            self.spend[i] += b.spend;
            self.reached[i] += 1;
        }
    }

    /// Bins summed so far.
    pub(crate) fn len(&self) -> usize {
        self.bins.len()
    }

    /// The mean series, `len` bins long: counters are means over all
    /// replications (a finished run counts zero), gauges means over the
    /// replications still running in the bin; past every run's end the last
    /// gauges carry forward.
    pub(crate) fn mean(&self, replications: u32, bin_s: f64, len: usize) -> Vec<SeriesRow> {
        let r = replications as f64;
        let mut cumulative = 0.0;
        let mut out: Vec<SeriesRow> = Vec::with_capacity(len);
        for i in 0..len {
            let Some(b) = self.bins.get(i) else {
                let mut row = out.last().cloned().unwrap_or_default();
                row = SeriesRow {
                    start_s: i as f64 * bin_s,
                    in_flight: row.in_flight,
                    queue: row.queue,
                    in_service: row.in_service,
                    tokens: row.tokens,
                    cumulative_spend: row.cumulative_spend,
                    ..SeriesRow::default()
                };
                out.push(row);
                continue;
            };
            let g = self.reached[i].max(1) as f64;
            cumulative += self.spend[i] / r;
            out.push(SeriesRow {
                start_s: i as f64 * bin_s,
                arrivals: b.arrivals as f64 / r,
                attempts: b.attempts as f64 / r,
                outcomes: b.outcomes.map(|x| x as f64 / r),
                succeeded: b.succeeded as f64 / r,
                failed: b.failed as f64 / r,
                in_flight: b.in_flight as f64 / g,
                queue: b.queue as f64 / g,
                in_service: b.in_service as f64 / g,
                tokens: self.tokens[i] / g,
                spend: self.spend[i] / r,
                cumulative_spend: cumulative,
                attempt_error_share: b.attempt_error_share(),
                request_failure_share: b.request_failure_share(),
            });
        }
        out
    }
}
