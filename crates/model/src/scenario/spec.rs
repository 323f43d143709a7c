//! The scenario file as written: serde types, seconds as `f64`, each part's
//! defaults beside its type. This module is the format's index: the
//! top-level [`ScenarioSpec`] is defined here, every other part is
//! re-exported from the module that validates it.
//!
//! [`ScenarioSpec::compile`] turns a spec into a [`Scenario`]; it checks the
//! parts in the order of the file and reports every invalid field at once.

use serde::{Deserialize, Serialize};

pub use super::graph::{
    CallModeSpec, CallsSpec, FailureStatusSpec, ReplicasSpec, RetryReplicaSpec,
};
pub use super::metrics::{MetastableSpec, MetricsSpec};
pub use super::network::{FaultsSpec, NetworkSpec};
pub use super::policy::{DelayMultiplierSpec, PolicySpec};
pub use super::service::{
    CongestionSpec, ContentionSpec, LimiterSpec, OutageModeSpec, OutageSpec, RetryAfterHeaderSpec,
    ServiceSpec, WorkersSpec,
};
pub use super::triggers::TriggerSpec;
pub use super::values::DurationSpec;
pub use super::workload::WorkloadSpec;
pub use crate::admission::ControlSpec;
pub use crate::backoff::BackoffSpec;
pub use crate::balancer::BalancerSpec;
pub use crate::budget::{
    AccountingSpec, AdaptiveThrottleSpec, BudgetSpec, CircuitBreakerSpec, GrpcThrottleSpec,
    MoneySpec, RatioSpec, RetryQuotaSpec,
};
pub use crate::cost::CostSpec;
pub use crate::hedge::HedgeSpec;
pub use crate::jitter::JitterSpec;
pub use crate::queue_order::QueueOrderSpec;
pub use crate::retry_after::{BeyondCapSpec, RetryAfterSpec};

use super::error::{Errors, ScenarioError};
use super::values::secs;
use super::{Scenario, graph, triggers};
use crate::cost::CostModel;
use crate::policy::Policy;
use crate::workload::Workload;

/// Most replications a scenario may ask for.
pub const MAX_REPLICATIONS: u32 = 100_000;

fn seed() -> u64 {
    1
}
fn replications() -> u32 {
    10
}
fn drain() -> f64 {
    300.0
}

/// A whole scenario file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    /// Short name; names the output folder. Letters, digits, `-`, `_`, `.`.
    pub name: String,
    /// What the scenario models and every assumption behind its numbers.
    #[serde(default)]
    pub description: String,
    /// Seed of every random stream (default 1).
    #[serde(default = "seed")]
    pub seed: u64,
    /// Replications per policy (default 10).
    #[serde(default = "replications")]
    pub replications: u32,
    /// Seconds of load: no request arrives at or after this time.
    pub duration: f64,
    /// Seconds the run may go on after the load ends for requests in flight
    /// to finish (default 300); what is still open then is `unfinished`.
    #[serde(default = "drain")]
    pub drain: f64,
    /// Time series and recovery settings.
    #[serde(default)]
    pub metrics: MetricsSpec,
    /// Where requests come from.
    pub workload: WorkloadSpec,
    /// The network between clients and service.
    #[serde(default)]
    pub network: NetworkSpec,
    /// The service the workload calls (the entry of the call graph).
    pub service: ServiceSpec,
    /// The other services of the call graph, each with a `name` that
    /// callers use in `calls.to` (default none: one service).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<ServiceSpec>,
    /// What served attempts cost (unpriced if absent).
    #[serde(default)]
    pub cost: Option<CostSpec>,
    /// What goes wrong, when and for how long: load spikes, capacity drops,
    /// outages (default none). Recovery and metastability are measured
    /// against them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<TriggerSpec>,
    /// The retry policies compared, each run on the same arrivals.
    pub policies: Vec<PolicySpec>,
    /// Axes for `retrysim sweep`: field path → list of values or
    /// `{"from", "to", "steps"}`. Ignored by `retrysim run`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Values given on the command line that replace the file's own, applied to
/// the spec before it is validated (so they are checked like the file).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Overrides {
    /// Replaces `replications`.
    pub replications: Option<u32>,
    /// Replaces `seed`.
    pub seed: Option<u64>,
}

impl ScenarioSpec {
    /// Whether the scenario names when trouble starts (`metrics.trigger` or
    /// `triggers`). Without one, recovery is measured from t = 0 and means
    /// nothing (a steady failure rate "never recovers"), so reports leave
    /// recovery out.
    pub fn names_a_trigger(&self) -> bool {
        self.metrics.trigger.is_some() || !self.triggers.is_empty()
    }

    /// The spec with `overrides` applied.
    pub fn with(mut self, overrides: Overrides) -> ScenarioSpec {
        if let Some(r) = overrides.replications {
            self.replications = r;
        }
        if let Some(s) = overrides.seed {
            self.seed = s;
        }
        self
    }

    /// Validates the spec, reporting every invalid field at once.
    pub fn compile(self) -> Result<Scenario, ScenarioError> {
        let mut errs = Errors::default();
        let s = &self;
        errs.check(
            !s.name.is_empty()
                && s.name.len() <= 100
                && s.name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                && !s.name.starts_with('.'),
            "name",
            || format!("must be 1-100 letters, digits, '-', '_' or '.' (it names the output folder), got {:?}", s.name),
        );
        errs.check(
            (1..=MAX_REPLICATIONS).contains(&s.replications),
            "replications",
            || {
                format!(
                    "must be between 1 and {MAX_REPLICATIONS}, got {}",
                    s.replications
                )
            },
        );
        let end_of_load = secs(&mut errs, "duration", s.duration, true);
        let drain = secs(&mut errs, "drain", s.drain, false);
        let binning = s
            .metrics
            .compile_binning(&mut errs, s.duration, s.drain, &s.triggers);
        let (mut workload, clients) = s.workload.compile(&mut errs, s.duration);
        let low_priority_share = s.workload.low_priority_share(&mut errs);
        let network = s.network.compile(&mut errs);
        let cost = s.cost.as_ref().map(|c| c.compile(&mut errs));
        let mean_cost = cost.as_ref().map(CostModel::mean);
        let mut services = vec![s.service.compile(&mut errs, "service")];
        for (i, spec) in s.services.iter().enumerate() {
            services.push(spec.compile(&mut errs, &format!("services[{i}]")));
        }
        let specs: Vec<&ServiceSpec> = std::iter::once(&s.service).chain(&s.services).collect();
        let names = graph::compile(&mut errs, &specs, &mut services, mean_cost);
        let (mut services, groups, service_names) =
            graph::expand(&mut errs, &specs, services, &names);
        triggers::compile(
            &mut errs,
            &s.triggers,
            s.duration,
            &mut workload,
            &mut services,
            &groups,
            &names,
        );
        let edges: usize = (services.iter())
            .map(|c| c.calls.as_ref().map_or(0, |c| c.to.len()))
            .sum();
        errs.check(edges <= graph::MAX_EDGES, "services", || {
            format!(
                "at most {} calls in the whole graph, every replica of a calling service counted, got {edges}",
                graph::MAX_EDGES
            )
        });
        let recovery = s
            .metrics
            .compile_recovery(&mut errs, &binning, &s.triggers, end_of_load);

        errs.check(!s.policies.is_empty(), "policies", || {
            "must list at least one policy".into()
        });
        let policies: Vec<Policy> = s
            .policies
            .iter()
            .enumerate()
            .map(|(i, p)| p.compile(&mut errs, &format!("policies[{i}]"), mean_cost))
            .collect();
        if let Workload::Closed { think, .. } = &workload {
            // Users whose requests can end at the instant they start would
            // send requests without end while time stands still.
            use crate::footprint::{AtOnce, closed_cycle_s};
            for (i, p) in policies.iter().enumerate() {
                let (cycle, instant) = closed_cycle_s(think.mean_secs(), &network, &services[0], p);
                if cycle <= 0.0 {
                    let why = match instant {
                        AtOnce::Guard => format!(
                            "policies[{i}] has a guard that fails requests without sending them"
                        ),
                        AtOnce::Unserved => "network.latency of 0 and a service that may answer without serving (limiter, queue_limit, control, outages, client_error_share, contention or reset faults)".into(),
                        AtOnce::Nothing => "network.latency and service time of 0".into(),
                    };
                    errs.push(
                        "workload.think",
                        format!("a think time of 0 with {why} lets users send requests without end at one instant: give workload.think a mean above 0"),
                    );
                    break;
                }
            }
        }
        let mut seen = std::collections::HashMap::new();
        for (i, p) in s.policies.iter().enumerate() {
            if let Some(j) = seen.insert(p.name.as_str(), i) {
                seen.insert(p.name.as_str(), j); // keep the first
                errs.push(
                    format!("policies[{i}].name"),
                    format!("{:?} is already the name of policies[{j}]", p.name),
                );
            }
        }

        if !errs.0.is_empty() {
            return Err(ScenarioError::Invalid(errs.0));
        }
        Ok(Scenario {
            name: self.name.clone(),
            seed: self.seed,
            replications: self.replications,
            end_of_load,
            drain,
            bin: binning.bin,
            recovery,
            workload,
            clients,
            low_priority_share,
            network,
            cost,
            services,
            groups,
            group_names: names,
            service_names,
            policies,
            spec: self,
        })
    }
}
