//! `timeseries.csv`: tidy, one row per policy × bin, means over replications.

use std::fmt::Write;

use retrysim_model::Outcome;

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

/// A number with at most 6 significant digits, no float noise
/// (`1.2842250000000002` → `1.28423`), integers without decimals.
pub fn num(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return if x.is_finite() {
            "0".into()
        } else {
            x.to_string()
        };
    }
    if x.fract() == 0.0 && x.abs() < 1e15 {
        return format!("{}", x as i64);
    }
    let magnitude = x.abs().log10().floor() as i32;
    let decimals = (5 - magnitude).clamp(0, 12) as usize;
    let s = format!("{x:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".into() } else { s }
}

/// An optional share: empty when the bin had nothing to divide.
fn opt(v: Option<f64>) -> String {
    v.map_or(String::new(), num)
}

/// Quotes a field if it needs it (policy names are free text).
pub fn field(s: &str) -> String {
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
            write!(
                out,
                "{name},{},{},{}",
                num(r.start_s),
                num(r.arrivals),
                num(r.attempts)
            )
            .unwrap();
            for o in r.outcomes {
                write!(out, ",{}", num(o)).unwrap();
            }
            writeln!(
                out,
                ",{},{},{},{},{},{},{},{},{},{}",
                num(r.succeeded),
                num(r.failed),
                num(r.in_flight),
                num(r.queue),
                num(r.in_service),
                num(r.tokens),
                num(r.spend),
                num(r.cumulative_spend),
                opt(r.attempt_error_share),
                opt(r.request_failure_share)
            )
            .unwrap();
        }
    }
    out
}

/// `services.csv`'s columns: one row per policy × service × bin, the
/// attempts sent to the service and its queue (a call graph only).
pub const SERVICES_COLUMNS: [&str; 10] = [
    "policy",
    "service",
    "t_start_s",
    "arrivals",
    "attempts",
    "attempts_success",
    "attempts_failed",
    "attempt_error_share",
    "queue",
    "in_service",
];

/// `services.csv`, for a run whose services call services (`None`
/// otherwise).
pub fn render_services(summary: &Summary) -> Option<String> {
    if summary.policies.first()?.tiers.is_empty() {
        return None;
    }
    let mut out = SERVICES_COLUMNS.join(",");
    out.push('\n');
    for p in &summary.policies {
        let name = field(&p.name);
        for (service, rows) in &p.tiers {
            let service = field(service);
            for r in rows {
                let ok = r.outcomes[Outcome::Success as usize];
                let failed: f64 = r.outcomes.iter().sum::<f64>() - ok;
                writeln!(
                    out,
                    "{name},{service},{},{},{},{},{},{},{},{}",
                    num(r.start_s),
                    num(r.arrivals),
                    num(r.attempts),
                    num(ok),
                    num(failed),
                    opt(r.attempt_error_share),
                    num(r.queue),
                    num(r.in_service)
                )
                .unwrap();
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::num;

    #[test]
    fn numbers_without_float_noise() {
        assert_eq!(num(1.2842250000000002), "1.28423");
        assert_eq!(num(4028.8842250000002), "4028.88");
        assert_eq!(num(6000.0), "6000");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(0.000012345678), "0.0000123457");
        assert_eq!(num(-2.5), "-2.5");
    }
}
