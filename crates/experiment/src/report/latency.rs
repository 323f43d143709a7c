//! `latency.csv`: each policy's end-to-end latency CDF (successes of every
//! replication pooled), for charts and notebooks.

use std::fmt::Write;

use retrysim_engine::time::nanos_to_secs;

use super::csv::num;
use crate::summary::Summary;

/// `policy,latency_s,cumulative_share`, one row per non-empty histogram
/// bucket (upper bound of the bucket, share of successes at or below it).
pub fn render(summary: &Summary) -> String {
    let mut out = String::from("policy,latency_s,cumulative_share\n");
    for p in &summary.policies {
        let name = super::csv::field(&p.name);
        for (ns, share) in p.latency.cdf() {
            writeln!(out, "{name},{},{}", num(nanos_to_secs(ns)), num(share)).unwrap();
        }
    }
    out
}
