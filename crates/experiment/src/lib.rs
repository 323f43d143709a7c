//! Runs retrysim scenarios as Monte Carlo experiments: every policy for R
//! replications in parallel (rayon), figures reduced to means with 95 %
//! confidence intervals, and rendered as JSON, Markdown and CSV text.
//!
//! Determinism: replications are reduced in a fixed order, so the same
//! scenario and seed give the same bytes on any number of threads.

pub mod claims;
pub mod replicate;
pub mod report;
pub mod stats;
pub mod stored;
pub mod summary;
pub mod sweep;

pub use replicate::run;
pub use stats::Stat;
pub use summary::{PolicySummary, SeriesRow, Summary};
