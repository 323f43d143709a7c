//! What a replication measures per service and per call edge when
//! services call services (docs/model.md §12). Empty for a scenario with
//! one service, so its outputs stay as they were.

use crate::histogram::Histogram;
use crate::outcome::{FailureReason, Outcome};

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

/// One call edge's counters: a calling service as a client of another.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct EdgeRun {
    /// The calling service's name.
    pub from: String,
    /// The called service's name.
    pub to: String,
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
}

impl EdgeRun {
    /// Calls that failed, for any reason.
    pub fn failed_calls(&self) -> u64 {
        self.failed.iter().sum()
    }
}
