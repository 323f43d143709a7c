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

use retrysim_model::{Metric, Scalars};

use super::csv::field;
use crate::stats::Stat;
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

/// The columns after `metric` of a figure's row: `mean,ci_low,ci_high,n,of,unit`,
/// numbers written by `format`.
pub fn stat_fields(m: Metric, s: &Stat, format: impl Fn(Option<f64>) -> String) -> String {
    format!(
        "{},{},{},{},{},{}",
        format(s.mean),
        format(s.ci95.map(|c| c[0])),
        format(s.ci95.map(|c| c[1])),
        s.n,
        s.of,
        m.unit().name()
    )
}

/// One row per replication × figure: `PREFIX,k,seed,metric,value,unit`.
pub fn write_replications(out: &mut String, prefix: &str, seed: u64, replications: &[Scalars]) {
    for (k, values) in replications.iter().enumerate() {
        for m in Metric::ALL {
            writeln!(
                out,
                "{prefix},{k},{seed},{m},{},{}",
                exact(values[m]),
                m.unit().name()
            )
            .unwrap();
        }
    }
}

/// `summary.csv`: one row per policy × figure, the figure's mean over
/// replications and its 95 % confidence interval.
pub fn render_summary(summary: &Summary) -> String {
    let mut out = format!("{SUMMARY_COLUMNS}\n");
    for p in &summary.policies {
        let name = field(&p.name);
        for (m, s) in p.metrics.iter() {
            writeln!(out, "{name},{m},{}", stat_fields(m, s, exact)).unwrap();
        }
    }
    out
}

/// `replications.csv`: one row per policy × replication × figure. A
/// replication is named by its index and the scenario seed: `retrysim run
/// --seed S -r N` runs replications 0 … N−1 of seed S, and replication k
/// draws the same numbers in every run that includes it.
pub fn render_replications(summary: &Summary) -> String {
    let mut out = format!("{REPLICATION_COLUMNS}\n");
    for p in &summary.policies {
        write_replications(
            &mut out,
            &field(&p.name),
            summary.scenario.seed,
            &p.per_replication,
        );
    }
    out
}
