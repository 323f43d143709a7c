//! The reference model of retrysim (`docs/model.md`): clients with a retry
//! policy call a rate-limited service through a network, in virtual time.
//! This crate knows nothing of files, threads or plots.
//!
//! # A tour: scenario → simulation → metrics
//!
//! A [`Scenario`] is validated from JSON (the file format is
//! [`scenario::spec`]; every error names the field and the rule). A
//! [`Simulation`] runs one replication of one policy of it: the workload's
//! requests go through the client (its policy and guards), the network and
//! the service, each a component of the simulation; every policy of a
//! scenario sees the same arrivals in the same replication. The run comes
//! back as [`RunMetrics`] — counters, a latency histogram, a time series —
//! and [`RunMetrics::scalars`] reduces it to one value per [`Metric`], the
//! keys every report and chart uses.
//!
//! ```
//! use retrysim_model::{Metric, Scenario, Simulation};
//!
//! let scenario = Scenario::from_json(r#"{
//!     "name": "tiny", "duration": 5, "seed": 7,
//!     "workload": {"kind": "open", "rate": [[0, 100]]},
//!     "service": {"limiter": {"rate": 50, "burst": 10},
//!                 "workers": {"service_time": {"kind": "constant", "value": 0.1}}},
//!     "policies": [{"name": "no-retry"},
//!                  {"name": "retry", "max_attempts": 4,
//!                   "backoff": {"kind": "exponential", "base": 0.2},
//!                   "jitter": {"kind": "full"}}]
//! }"#).unwrap();
//!
//! let [once, retried] = [0, 1].map(|p| {
//!     let policy = &scenario.policies()[p];
//!     Simulation::new(&scenario, policy, 0).run()
//! });
//! assert_eq!(once.arrivals, retried.arrivals, "same arrivals for both policies");
//! assert!(once.succeeded < once.arrivals, "the limiter turns some away");
//! assert!(retried.succeeded > once.succeeded, "retries get some of them in");
//!
//! let figures = retried.scalars(*scenario.recovery());
//! let rate = figures[Metric::SuccessRate].unwrap();
//! assert!(rate > 0.5 && rate <= 1.0);
//! assert_eq!(Metric::SuccessRate.name(), "success_rate");
//! ```
//!
//! Bad input is refused with every invalid field at once:
//!
//! ```
//! use retrysim_model::Scenario;
//! let e = Scenario::from_json(r#"{"name": "x", "duration": -1,
//!     "workload": {"kind": "batch", "requests": 1},
//!     "service": {"workers": {"service_time": {"kind": "constant", "value": 1}}},
//!     "policies": [{"name": "p", "max_attempts": 0}]}"#).unwrap_err();
//! assert!(e.to_string().contains("duration: must be a number of seconds > 0"));
//! assert!(e.to_string().contains("policies[0].max_attempts: must be between 1 and 1000"));
//! ```
//!
//! The same scenario, seed and replication always give the same metrics:
//! every component draws from its own random stream
//! (`retrysim_engine::stream`), and the engine orders ties by scheduling
//! order.

#![deny(missing_docs)]

mod adaptive_limit;
mod admission;
mod backoff;
mod balancer;
mod budget;
mod call_metrics;
mod codel;
mod cost;
mod distribution;
mod early_rejection;
mod faults;
pub mod footprint;
mod hedge;
mod histogram;
mod jitter;
mod metric;
mod metrics;
mod outcome;
mod policy;
mod priority;
mod queue_order;
mod rate_curve;
mod recovery;
mod request;
mod retry_after;
pub mod scenario;
mod sim;
mod timeseries;
mod token_bucket;
mod workers;
mod workload;

pub use backoff::{Backoff, Curve};
pub use budget::GuardReport;
pub use call_metrics::{EdgeRun, EdgeScalars, ServiceRun, ServiceScalars, TierRun};
pub use histogram::Histogram;
pub use metric::{ByMetric, METRICS, Metric, Scalars, Unit};
pub use metrics::RunMetrics;
pub use outcome::{FailureReason, Outcome};
pub use policy::Policy;
pub use priority::{CLASS_NAMES, ClassRun, ClassScalars};
pub use recovery::{RecoveryRule, SteadyWindow, TriggerScope};
pub use retrysim_engine::Nanos;
pub use scenario::{FieldError, Overrides, Scenario, ScenarioError, ScenarioSpec};
pub use sim::{Simulation, run_replication};
pub use timeseries::{Bin, TimeSeries};

/// The version of the model's numbers. A change that gives some resolved
/// scenario other results — a bug fixed, a stream drawn from in another
/// order, an event handled differently — bumps it. It is part of every
/// stored result's fingerprint, so results an older model made are never
/// reused by a resumed sweep or merged with this one's.
/// `crates/experiment/tests/golden.rs` fails when the golden numbers move
/// and this has not, and says what to do. History: 1, the first recorded;
/// 2, a circuit breaker's epoch no longer wraps after 2¹⁶ state changes.
pub const MODEL_VERSION: u32 = 2;
