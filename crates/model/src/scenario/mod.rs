//! Scenarios: the JSON file format ([`spec`]), its validation
//! ([`compile`]) and the validated [`Scenario`] the simulator runs.

pub mod compile;
pub mod error;
pub mod spec;

use retrysim_engine::Nanos;

pub use error::{FieldError, ScenarioError};
pub use spec::ScenarioSpec;

use crate::distribution::Duration;
use crate::policy::Policy;
use crate::recovery::RecoveryRule;
use crate::token_bucket::RetryAfterHeader;
use crate::workload::Workload;

/// The service's rate limiter.
#[derive(Debug, Clone, PartialEq)]
pub struct LimiterConfig {
    /// Tokens per second.
    pub rate: f64,
    /// Capacity.
    pub burst: f64,
    /// What a 429's `Retry-After` says.
    pub header: RetryAfterHeader,
}

/// The service's worker pool.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkersConfig {
    /// Attempts served at once; `None` for unbounded.
    pub concurrency: Option<u64>,
    /// Attempts allowed to wait; `None` for unbounded.
    pub queue_limit: Option<u64>,
    /// Service time of one attempt.
    pub service_time: Duration,
}

/// A validated scenario: every value in range, times in nanoseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The file's content with every default filled in (echoed in outputs).
    pub spec: ScenarioSpec,
    /// Name; names the output folder.
    pub name: String,
    /// Seed of every random stream.
    pub seed: u64,
    /// Replications per policy.
    pub replications: u32,
    /// No request arrives at or after this time.
    pub end_of_load: Nanos,
    /// How long after the end of load the run may continue.
    pub drain: Nanos,
    /// Time-series bin width.
    pub bin: Nanos,
    /// Recovery test.
    pub recovery: RecoveryRule,
    /// Arrivals.
    pub workload: Workload,
    /// Client instances.
    pub clients: u32,
    /// One-way network latency.
    pub latency: Duration,
    /// Rate limiter, if any.
    pub limiter: Option<LimiterConfig>,
    /// Worker pool.
    pub workers: WorkersConfig,
    /// Policies compared.
    pub policies: Vec<Policy>,
}

impl Scenario {
    /// Parses and validates a scenario from JSON text.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        compile::compile(parse(text)?)
    }

    /// Validates a scenario given as a JSON value (e.g. after a sweep has
    /// changed some fields). Positions are not available then.
    pub fn from_value(value: serde_json::Value) -> Result<Scenario, ScenarioError> {
        let spec: ScenarioSpec =
            serde_path_to_error::deserialize(value).map_err(|e| ScenarioError::Schema {
                path: display_path(e.path()),
                line: 0,
                column: 0,
                message: e.inner().to_string(),
            })?;
        compile::compile(spec)
    }
}

fn display_path(p: &serde_path_to_error::Path) -> String {
    let s = p.to_string();
    if s == "." { "(top level)".into() } else { s }
}

/// Parses JSON text into a [`ScenarioSpec`], with line:column and the field
/// path on every error.
pub fn parse(text: &str) -> Result<ScenarioSpec, ScenarioError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let spec: ScenarioSpec = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = display_path(e.path());
        let inner = e.into_inner();
        let (line, column) = (inner.line(), inner.column());
        let message = strip_position(&inner.to_string());
        match inner.classify() {
            serde_json::error::Category::Data => ScenarioError::Schema {
                path,
                line,
                column,
                message,
            },
            _ => ScenarioError::Syntax {
                line,
                column,
                message,
            },
        }
    })?;
    de.end().map_err(|e| ScenarioError::Syntax {
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    })?;
    Ok(spec)
}

/// serde_json appends " at line L column C"; we print the position first.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}
