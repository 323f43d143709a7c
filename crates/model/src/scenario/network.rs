//! `network`: latency between clients and service, and per-attempt faults
//! (docs/model.md §3).

use serde::{Deserialize, Serialize};

use super::error::Errors;
use super::values::{DurationSpec, share};
use crate::distribution::Duration;
use crate::faults::Faults;

/// The network between clients and service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkSpec {
    /// One-way latency, drawn per direction per attempt (default 0).
    pub latency: DurationSpec,
    /// Per-attempt faults, one draw per attempt (default none).
    pub faults: FaultsSpec,
}

impl Default for NetworkSpec {
    fn default() -> Self {
        Self {
            latency: DurationSpec::Constant { value: 0.0 },
            faults: FaultsSpec::default(),
        }
    }
}

/// Probabilities of the exclusive per-attempt faults (default 0 each).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultsSpec {
    /// The attempt never reaches the service; the client times out.
    pub drop: f64,
    /// The client gets a connection error after one round trip; the service
    /// never sees the attempt.
    pub reset: f64,
    /// The service gets, serves and bills the attempt, but the response is
    /// lost; the client times out.
    pub hang: f64,
}

/// The validated network.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NetworkConfig {
    /// One-way latency.
    pub latency: Duration,
    /// Per-attempt faults.
    pub faults: Faults,
}

impl NetworkSpec {
    /// Validates latency and fault shares.
    pub(crate) fn compile(&self, errs: &mut Errors) -> NetworkConfig {
        let latency = self.latency.compile(errs, "network.latency");
        let f = &self.faults;
        let faults = Faults {
            drop: share(errs, "network.faults.drop", f.drop),
            reset: share(errs, "network.faults.reset", f.reset),
            hang: share(errs, "network.faults.hang", f.hang),
        };
        errs.check(
            f.drop + f.reset + f.hang <= 1.0 || f.drop.is_nan(),
            "network.faults",
            || {
                format!(
                    "drop + reset + hang must be at most 1, got {}",
                    f.drop + f.reset + f.hang
                )
            },
        );
        NetworkConfig { latency, faults }
    }
}
