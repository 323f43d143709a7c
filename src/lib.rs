//! retrysim as a library: run a retry-policy scenario from Rust and read
//! its results by policy and figure, without the command line.
//!
//! The `retrysim` command is built on the same crates; this facade is the
//! short way in for a program that wants the numbers (a test of your own
//! retry settings, a notebook kernel, a service that picks a policy):
//!
//! | step | call |
//! |---|---|
//! | a scenario from a file or a string | [`load`], [`Scenario::from_json`] |
//! | fewer replications, another seed | [`load_with`] and [`Overrides`] |
//! | run every policy, every replication | [`run`] → [`Results`] |
//! | one figure of one policy, mean and 95 % CI | [`Results::figure`] with a [`Metric`], or [`Results::figure_named`] |
//! | the headline table, every stored file's text, the charts | [`Results::headline`], [`Results::summary`], [`Results::charts`] |
//!
//! # Tutorial
//!
//! A scenario is the JSON of a file in `scenarios/` (every field is in
//! `docs/model.md`). This one sends 300 requests/s for 20 s at a service
//! that admits 200/s, and compares giving up with retrying three times
//! with full jitter:
//!
//! ```
//! use retrysim::{Metric, Scenario};
//!
//! let scenario = Scenario::from_json(r#"{
//!     "name": "overload", "duration": 20, "seed": 7, "replications": 4,
//!     "workload": {"kind": "open", "rate": [[0, 300]]},
//!     "service": {"limiter": {"rate": 200, "burst": 50},
//!                 "workers": {"service_time": {"kind": "constant", "value": 0.05}}},
//!     "policies": [
//!         {"name": "no-retry"},
//!         {"name": "full-jitter", "max_attempts": 3,
//!          "backoff": {"kind": "exponential", "base": 0.1},
//!          "jitter": {"kind": "full"}}
//!     ]
//! }"#)?;
//! let results = retrysim::run(&scenario);
//! assert_eq!(results.policies().collect::<Vec<_>>(), ["no-retry", "full-jitter"]);
//! # Ok::<(), retrysim::Error>(())
//! ```
//!
//! Every policy ran four times on the same arrivals (common random
//! numbers). A figure is a [`Stat`]: the mean over replications, its 95 %
//! confidence interval, and how many replications had a value (a recovery
//! that never came has none):
//!
//! ```
//! # use retrysim::{Metric, Scenario};
//! # let scenario = Scenario::from_json(r#"{
//! #     "name": "overload", "duration": 20, "seed": 7, "replications": 4,
//! #     "workload": {"kind": "open", "rate": [[0, 300]]},
//! #     "service": {"limiter": {"rate": 200, "burst": 50},
//! #                 "workers": {"service_time": {"kind": "constant", "value": 0.05}}},
//! #     "policies": [
//! #         {"name": "no-retry"},
//! #         {"name": "full-jitter", "max_attempts": 3,
//! #          "backoff": {"kind": "exponential", "base": 0.1},
//! #          "jitter": {"kind": "full"}}
//! #     ]
//! # }"#)?;
//! # let results = retrysim::run(&scenario);
//! let given_up = results.figure("no-retry", Metric::SuccessRate)?;
//! let retried = results.figure("full-jitter", Metric::SuccessRate)?;
//! // A third of the load is over the limit: giving up loses about that.
//! let lost = 1.0 - given_up.mean.unwrap();
//! assert!((0.28..0.38).contains(&lost), "{lost}");
//! // Retrying only moves the excess later: the limit still admits 200/s.
//! assert!(retried.mean.unwrap() < 0.85);
//! // It costs attempts, which is what a rate-limited API bills.
//! let amplification = results.figure("full-jitter", Metric::Amplification)?;
//! assert!(amplification.mean.unwrap() > 1.3);
//! let [low, high] = amplification.ci95.unwrap();
//! assert!(low <= amplification.mean.unwrap() && amplification.mean.unwrap() <= high);
//! # Ok::<(), retrysim::Error>(())
//! ```
//!
//! Figures have the names data files use, so a name typed by a person
//! works too, and a wrong one says what there is:
//!
//! ```
//! # let scenario = retrysim::Scenario::from_json(r#"{"name": "t", "duration": 2,
//! #   "replications": 2, "workload": {"kind": "open", "rate": [[0, 10]]},
//! #   "service": {"workers": {"service_time": {"kind": "constant", "value": 0.01}}},
//! #   "policies": [{"name": "no-retry"}]}"#)?;
//! # let results = retrysim::run(&scenario);
//! let p99 = results.figure_named("no-retry", "latency_p99_s")?;
//! assert_eq!(p99.n, 2);
//! let err = results.figure_named("no-retry", "p99").unwrap_err();
//! assert!(err.to_string().contains("did you mean latency_p99_s"), "{err}");
//! let err = results.figure("no-such-policy", retrysim::Metric::SuccessRate).unwrap_err();
//! assert!(err.to_string().contains("the policies are: no-retry"), "{err}");
//! # Ok::<(), retrysim::Error>(())
//! ```
//!
//! A shipped scenario is one [`load_with`] away; overriding the
//! replications keeps a quick look quick (the fingerprint in the results
//! records the override, so nothing mistakes it for the full run):
//!
//! ```no_run
//! use retrysim::{Metric, Overrides};
//!
//! let spike = retrysim::load_with(
//!     "scenarios/double11-spike.json",
//!     Overrides { replications: Some(3), seed: None },
//! )?;
//! let results = retrysim::run(&spike);
//! print!("{}", results.headline());
//! for policy in results.policies() {
//!     let recovery = results.figure(policy, Metric::UserRecoveryS)?;
//!     println!("{policy}: users recovered after {:?} s", recovery.mean);
//! }
//! for chart in results.charts()? {
//!     std::fs::write(&chart.name, &chart.png)?;
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! `examples/compare_policies.rs` is that program, runnable with
//! `cargo run --release --example compare_policies`.
//!
//! # What the facade leaves out
//! Sweeps, claims, stored results and their fingerprints live in
//! [`retrysim_experiment`]; the simulation itself (one replication, its
//! event queue) in [`retrysim_model`] and [`retrysim_engine`]. They are
//! re-exported whole so a program can go deeper without another
//! dependency.

#![deny(missing_docs)]

use std::path::{Path, PathBuf};

pub use retrysim_engine;
pub use retrysim_experiment;
pub use retrysim_experiment::{Stat, Summary};
pub use retrysim_model;
pub use retrysim_model::{MODEL_VERSION, Metric, Overrides, Scenario, ScenarioError, Unit};
pub use retrysim_plot::{Chart, PlotError};

/// What can go wrong, each saying how to put it right.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The scenario file could not be read.
    #[error("cannot read scenario file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The scenario is not valid JSON or breaks a rule of docs/model.md.
    #[error("{}: {source}", path.display())]
    Scenario {
        /// The file, or `<string>` for [`Scenario::from_json`].
        path: PathBuf,
        /// The error, with the field path and what was wrong.
        source: ScenarioError,
    },
    /// [`Results::figure`] was asked for a policy the scenario lacks.
    #[error("no policy is called {name:?}; the policies are: {}", known.join(", "))]
    NoSuchPolicy {
        /// The name asked for.
        name: String,
        /// The scenario's policies, in order.
        known: Vec<String>,
    },
    /// [`Results::figure_named`] was asked for a figure that does not exist.
    #[error("no figure is called {name:?}; {hint}")]
    NoSuchFigure {
        /// The name asked for.
        name: String,
        /// Near names, or every name.
        hint: String,
    },
}

impl From<ScenarioError> for Error {
    fn from(source: ScenarioError) -> Error {
        Error::Scenario {
            path: PathBuf::from("<string>"),
            source,
        }
    }
}

/// The figure called `name` in data files; a wrong name gets the near ones
/// (`p99` → `latency_p99_s`) or the list of all.
pub fn metric_named(name: &str) -> Result<Metric, Error> {
    Metric::from_name(name).ok_or_else(|| {
        let near: Vec<&str> = Metric::ALL
            .iter()
            .map(|m| m.name())
            .filter(|n| n.contains(name) || name.contains(n))
            .collect();
        let hint = if near.is_empty() {
            let all: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
            format!("the figures are: {}", all.join(", "))
        } else {
            format!("did you mean {}?", near.join(", "))
        };
        Error::NoSuchFigure {
            name: name.to_string(),
            hint,
        }
    })
}

/// Reads and validates a scenario file.
pub fn load(path: impl AsRef<Path>) -> Result<Scenario, Error> {
    load_with(path, Overrides::default())
}

/// Reads a scenario file and validates it with `overrides` (replications,
/// seed) applied, as `retrysim run -r N -s S` does.
pub fn load_with(path: impl AsRef<Path>, overrides: Overrides) -> Result<Scenario, Error> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Scenario::from_json_with(&text, overrides).map_err(|source| Error::Scenario {
        path: path.to_path_buf(),
        source,
    })
}

/// Runs every policy of `scenario` for its replications, in parallel on
/// rayon's global pool (install your own pool around the call to choose
/// the threads). The same scenario and seed give the same results on any
/// number of threads.
pub fn run(scenario: &Scenario) -> Results {
    Results {
        summary: retrysim_experiment::run(scenario, &|| ()),
    }
}

/// The results of [`run`]: every figure of every policy, looked up by
/// policy name and [`Metric`].
#[derive(Debug, Clone)]
pub struct Results {
    summary: Summary,
}

impl Results {
    /// The policies' names, in the scenario's order.
    pub fn policies(&self) -> impl Iterator<Item = &str> {
        self.summary.policies.iter().map(|p| p.name.as_str())
    }

    /// Figure `metric` of policy `policy`: mean, 95 % CI and how many
    /// replications had a value.
    pub fn figure(&self, policy: &str, metric: Metric) -> Result<&Stat, Error> {
        self.summary
            .policies
            .iter()
            .find(|p| p.name == policy)
            .map(|p| p.get(metric))
            .ok_or_else(|| Error::NoSuchPolicy {
                name: policy.to_string(),
                known: self.policies().map(str::to_string).collect(),
            })
    }

    /// [`Results::figure`] with the figure's name as data files write it
    /// (`success_rate`, `user_recovery_s`, `latency_p99_s`, …).
    pub fn figure_named(&self, policy: &str, name: &str) -> Result<&Stat, Error> {
        self.figure(policy, metric_named(name)?)
    }

    /// The headline table as Markdown (success, attempts per request,
    /// latency and, when the scenario names a trigger, recovery), with the
    /// notes on rows that mean less than they look.
    pub fn headline(&self) -> String {
        let mut out = retrysim_experiment::report::markdown::headline(&self.summary);
        for note in retrysim_experiment::report::notes::policy_notes(&self.summary) {
            out.push('\n');
            out.push_str(&note);
            out.push('\n');
        }
        out
    }

    /// The charts `retrysim run` draws, as PNG bytes.
    pub fn charts(&self) -> Result<Vec<Chart>, PlotError> {
        retrysim_plot::render_run(&retrysim_experiment::stored::StoredRun::of(&self.summary))
    }

    /// Everything, as the experiment crate keeps it: the scenario as run,
    /// its fingerprint, every policy's figures and series; render it with
    /// [`retrysim_experiment::report`] (`report::json::render` is
    /// `summary.json`).
    pub fn summary(&self) -> &Summary {
        &self.summary
    }
}

/// The README's Rust code, compiled and run as a doctest so that the
/// README cannot drift from the library.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
