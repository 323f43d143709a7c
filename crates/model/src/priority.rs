//! What a replication measures per priority class, when the workload has
//! two (docs/model.md §12): empty otherwise, so outputs stay as they were.

use crate::histogram::Histogram;

/// The classes' names, by index: `[high, low]`.
pub const CLASS_NAMES: [&str; 2] = ["high", "low"];

/// One priority class's counters.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ClassRun {
    /// Requests of the class that arrived.
    pub arrivals: u64,
    /// Those that succeeded.
    pub succeeded: u64,
    /// Latency of the successes, arrival to success.
    pub latency: Histogram,
}

/// One class's figures in one replication (`None`: no request of it).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ClassScalars {
    /// Share of all requests that were of this class.
    pub share: Option<f64>,
    /// Share of its requests that succeeded.
    pub success_rate: Option<f64>,
    /// 99th percentile latency of its successes, in seconds.
    pub latency_p99_s: Option<f64>,
}

impl ClassRun {
    /// Its figures, given all requests that arrived.
    pub fn scalars(&self, arrivals: u64) -> ClassScalars {
        let share = |x: u64, of: u64| (of > 0).then(|| x as f64 / of as f64);
        ClassScalars {
            share: share(self.arrivals, arrivals),
            success_rate: share(self.succeeded, self.arrivals),
            latency_p99_s: self.latency.quantile(0.99).map(|n| n as f64 / 1e9),
        }
    }
}
