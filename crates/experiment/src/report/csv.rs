//! `timeseries.csv`: tidy, one row per policy × bin, means over replications.

use std::fmt::Write;

use retrysim_model::outcome::Outcome;

use crate::summary::Summary;

/// Column names, in order.
pub fn header() -> String {
    let mut cols = vec!["policy", "t_start_s", "arrivals", "attempts"];
    cols.extend(Outcome::ALL.iter().map(|o| o.name()));
    cols.extend([
        "requests_succeeded",
        "requests_failed",
        "in_flight",
        "queue",
        "in_service",
        "limiter_tokens",
        "spend_usd",
        "cumulative_spend_usd",
        "attempt_error_share",
        "request_failure_share",
    ]);
    cols.join(",")
}

fn opt(v: Option<f64>) -> String {
    v.map_or(String::new(), |x| x.to_string())
}

/// Quotes a field if it needs it (policy names are free text).
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The whole CSV.
pub fn render(summary: &Summary) -> String {
    let mut out = header();
    out.push('\n');
    for p in &summary.policies {
        let name = field(&p.name);
        for r in &p.series {
            write!(out, "{name},{},{},{}", r.start_s, r.arrivals, r.attempts).unwrap();
            for o in r.outcomes {
                write!(out, ",{o}").unwrap();
            }
            writeln!(
                out,
                ",{},{},{},{},{},{},{},{},{},{}",
                r.succeeded,
                r.failed,
                r.in_flight,
                r.queue,
                r.in_service,
                r.tokens,
                r.spend,
                r.cumulative_spend,
                opt(r.attempt_error_share),
                opt(r.request_failure_share)
            )
            .unwrap();
        }
    }
    out
}
