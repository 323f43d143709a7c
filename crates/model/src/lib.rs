//! The reference model of retrysim (see `docs/model.md`): clients with a
//! retry policy call a rate-limited service through a network, in virtual
//! time. This crate knows nothing of files, threads or plots: it turns a
//! validated [`Scenario`] and a replication index into [`RunMetrics`].
//!
//! ```
//! use retrysim_model::{Scenario, run_replication};
//! let scenario = Scenario::from_json(r#"{
//!     "name": "tiny", "duration": 5,
//!     "workload": {"kind": "open", "rate": [[0, 100]]},
//!     "service": {"limiter": {"rate": 50, "burst": 10},
//!                 "workers": {"service_time": {"kind": "constant", "value": 0.1}}},
//!     "policies": [{"name": "no-retry"}]
//! }"#).unwrap();
//! let m = run_replication(&scenario, 0, 0);
//! assert!(m.succeeded < m.arrivals); // the limiter turns some away
//! ```

pub mod backoff;
pub mod budget;
pub mod cost;
pub mod distribution;
pub mod faults;
pub mod histogram;
pub mod jitter;
pub mod metric;
pub mod metrics;
pub mod outcome;
pub mod policy;
pub mod rate_curve;
pub mod recovery;
pub mod request;
pub mod retry_after;
pub mod scenario;
pub mod sim;
pub mod timeseries;
pub mod token_bucket;
pub mod workers;
pub mod workload;

pub use metric::{ByMetric, Metric, Scalars};
pub use metrics::RunMetrics;
pub use outcome::{FailureReason, Outcome};
pub use policy::Policy;
pub use scenario::{Overrides, Scenario, ScenarioError, ScenarioSpec};
pub use sim::{Simulation, run_replication};
