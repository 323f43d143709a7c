//! Scenarios: the JSON file format ([`spec`]), split by concept — workload,
//! network, service, policies (with their backoff, jitter and budgets),
//! triggers, metrics — each part beside its defaults and its validation;
//! and the validated, read-only [`Scenario`] the simulator runs.

pub(crate) mod error;
pub(crate) mod graph;
mod metrics;
mod network;
mod parse;
mod policy;
mod service;
pub mod spec;
mod triggers;
pub(crate) mod values;
mod workload;

#[cfg(test)]
mod tests;

use retrysim_engine::Nanos;

pub use error::{FieldError, ScenarioError};
pub(crate) use network::NetworkConfig;
pub(crate) use service::{CapacityDrop, ServiceConfig};
pub use spec::{MAX_REPLICATIONS, Overrides, ScenarioSpec};

use crate::cost::CostModel;
use crate::policy::Policy;
use crate::recovery::RecoveryRule;
use crate::workload::Workload;

/// A validated scenario: every value in range, times in nanoseconds. It is
/// read-only: to change a value, change the [`ScenarioSpec`] and validate
/// again ([`ScenarioSpec::with`] applies command-line overrides).
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The file's content with every default filled in (echoed in outputs).
    pub(crate) spec: ScenarioSpec,
    pub(crate) name: String,
    pub(crate) seed: u64,
    pub(crate) replications: u32,
    /// No request arrives at or after this time.
    pub(crate) end_of_load: Nanos,
    /// How long after the end of load the run may continue.
    pub(crate) drain: Nanos,
    /// Time-series bin width.
    pub(crate) bin: Nanos,
    pub(crate) recovery: RecoveryRule,
    pub(crate) workload: Workload,
    /// Client instances.
    pub(crate) clients: u32,
    /// Share of requests of low priority.
    pub(crate) low_priority_share: f64,
    pub(crate) network: NetworkConfig,
    /// Cost per served attempt, if priced.
    pub(crate) cost: Option<CostModel>,
    /// The service instances (every replica one), by id; the workload
    /// calls logical service 0, whose first instance is 0.
    pub(crate) services: Vec<ServiceConfig>,
    /// The logical services (a replicated one is a group of instances),
    /// by logical id: the targets of calls.
    pub(crate) groups: Vec<graph::Group>,
    /// The logical services' names, by logical id.
    pub(crate) group_names: Vec<String>,
    /// The instances' names, by id (`entry` unless `service.name` says
    /// otherwise; a replica is `name/i`).
    pub(crate) service_names: Vec<String>,
    pub(crate) policies: Vec<Policy>,
}

impl Scenario {
    /// Parses and validates a scenario from JSON text.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        parse::parse(text)?.compile()
    }

    /// Parses JSON text, applies `overrides`, then validates.
    pub fn from_json_with(text: &str, overrides: Overrides) -> Result<Scenario, ScenarioError> {
        parse::parse(text)?.with(overrides).compile()
    }

    /// Validates a scenario given as a JSON value (e.g. after a sweep has
    /// changed some fields). Positions are not available then.
    pub fn from_value(value: serde_json::Value) -> Result<Scenario, ScenarioError> {
        let spec: ScenarioSpec = serde_path_to_error::deserialize(&value).map_err(|e| {
            let path = parse::display_path(e.path());
            let message = parse::plain_words(&e.inner().to_string());
            ScenarioError::Schema {
                // As for a file: the value inside an object with a
                // `kind`, not the object.
                path: parse::deeper_path(&value, &path, &message).unwrap_or(path),
                line: 0,
                column: 0,
                message,
            }
        })?;
        parse::objects_written_as_objects(&value, &spec)?;
        spec.compile()
    }

    /// The scenario as written, every default filled in.
    pub fn spec(&self) -> &ScenarioSpec {
        &self.spec
    }

    /// Its name (letters, digits, `-`, `_`, `.`): names the output folder.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The seed of every random stream.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Replications per policy.
    pub fn replications(&self) -> u32 {
        self.replications
    }

    /// The policies compared, in the file's order.
    pub fn policies(&self) -> &[Policy] {
        &self.policies
    }

    /// Whether the scenario uses anything of docs/model.md §12: more than
    /// one service instance (calls or replicas), hedging, a queue order
    /// other than FIFO, overload control or priority classes. The
    /// simulation compiles their checks away when it does not.
    pub(crate) fn is_rich(&self) -> bool {
        self.services.len() > 1
            || self.low_priority_share > 0.0
            || self.policies.iter().any(|p| p.hedge.is_some())
            || self.services.iter().any(|s| {
                let w = &s.workers;
                w.queue_order != crate::queue_order::QueueOrder::Fifo
                    || w.control != crate::admission::ControlConfig::None
                    || w.shed_low_above.is_some()
            })
    }

    /// At most how many time-series bins a replication has: the load
    /// and the drain, plus the bin of the last event and the one its
    /// gauges close.
    pub fn bins(&self) -> u64 {
        (self.end_of_load + self.drain) / self.bin.max(1) + 2
    }

    /// The services' names, the entry first: one unless the scenario
    /// has a call graph.
    pub fn service_names(&self) -> &[String] {
        &self.service_names
    }

    /// Time-series bin width.
    pub fn bin(&self) -> Nanos {
        self.bin
    }

    /// How recovery and metastability are measured.
    pub fn recovery(&self) -> &RecoveryRule {
        &self.recovery
    }
}
