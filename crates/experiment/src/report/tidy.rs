//! `summary.csv` and `replications.csv`: every figure in long format, one
//! value per row, for pandas, polars or R with no flattening
//! (docs/results.md lists the columns).
//!
//! Values are written in full precision (the shortest text that reads back
//! as the same `f64`), so a figure read from these files equals the one in
//! `summary.json` exactly, and a mean recomputed from `replications.csv`
//! equals the tool's. A figure a replication lacks (a latency without a
//! success, a recovery that never happened) is an empty field, never a 0.
//! Shares are fractions (0–1); the `unit` column says what each number is.

use std::fmt::Write;

use retrysim_model::Metric;

use super::csv::field;
use crate::summary::Summary;

/// `summary.csv`'s columns.
pub const SUMMARY_COLUMNS: &str = "policy,metric,mean,ci_low,ci_high,n,of,unit";

/// `replications.csv`'s columns.
pub const REPLICATION_COLUMNS: &str = "policy,replication,seed,metric,value,unit";

/// A value in full precision; empty when there is none.
pub fn exact(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x}"),
        _ => String::new(),
    }
}

/// `summary.csv`: one row per policy × figure, the figure's mean over
/// replications and its 95 % confidence interval.
pub fn render_summary(summary: &Summary) -> String {
    let mut out = format!("{SUMMARY_COLUMNS}\n");
    for p in &summary.policies {
        let name = field(&p.name);
        for (m, s) in p.metrics.iter() {
            writeln!(
                out,
                "{name},{m},{},{},{},{},{},{}",
                exact(s.mean),
                exact(s.ci95.map(|c| c[0])),
                exact(s.ci95.map(|c| c[1])),
                s.n,
                s.of,
                m.unit().name()
            )
            .unwrap();
        }
    }
    out
}

/// `replications.csv`: one row per policy × replication × figure. A
/// replication is named by its index and the scenario seed: `retrysim run
/// --seed S -r N` runs replications 0 … N−1 of seed S, and replication k
/// draws the same numbers in every run that includes it.
pub fn render_replications(summary: &Summary) -> String {
    let seed = summary.scenario.seed;
    let mut out = format!("{REPLICATION_COLUMNS}\n");
    for p in &summary.policies {
        let name = field(&p.name);
        for (k, values) in p.per_replication.iter().enumerate() {
            for m in Metric::ALL {
                writeln!(
                    out,
                    "{name},{k},{seed},{m},{},{}",
                    exact(values[m]),
                    m.unit().name()
                )
                .unwrap();
            }
        }
    }
    out
}
