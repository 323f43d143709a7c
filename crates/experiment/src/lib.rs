//! Runs retrysim scenarios as Monte Carlo experiments and keeps their
//! results: every policy for R replications in parallel (rayon), figures
//! reduced to means with 95 % confidence intervals ([`run`] → [`Summary`]),
//! rendered as JSON, Markdown and CSV text ([`report`]), read back typed
//! ([`stored`]), swept over a grid of parameter values and stored cell by
//! cell ([`sweep`]), and judged against the seed documents' claims
//! ([`claims`]). Reading and writing files is the caller's business.
//!
//! Determinism: replications are reduced in a fixed order, so the same
//! scenario and seed give the same bytes on any number of threads.
//!
//! ```
//! use retrysim_experiment::{report, run};
//! use retrysim_model::{Metric, Scenario};
//!
//! let scenario = Scenario::from_json(r#"{
//!     "name": "tiny", "duration": 5, "replications": 3,
//!     "workload": {"kind": "open", "rate": [[0, 100]]},
//!     "service": {"limiter": {"rate": 50, "burst": 10},
//!                 "workers": {"service_time": {"kind": "constant", "value": 0.1}}},
//!     "policies": [{"name": "no-retry"}]
//! }"#).unwrap();
//! let summary = run(&scenario, &|| ());
//! let success = summary.policies[0].get(Metric::SuccessRate);
//! assert_eq!((success.n, success.of), (3, 3));
//! assert!(success.ci95.is_some());
//! assert!(report::markdown::headline(&summary).contains("| no-retry |"));
//! ```

#![deny(missing_docs)]

pub mod claims;
pub mod fingerprint;
mod replicate;
pub mod report;
pub mod resources;
mod stats;
pub mod stored;
mod summary;
pub mod sweep;

pub use replicate::run;
pub use stats::{Stat, t975};
pub use summary::{MetastableInfo, PolicySummary, RecoveryInfo, SeriesRow, Summary, TriggerInfo};
