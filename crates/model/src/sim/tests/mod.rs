//! Exact small cases of the simulation, by topic: retry instants and
//! timeouts (`timeline`), faults, outages and costs (`faults`), budgets and
//! guards (`guards`), congestion, closed loops, contention and capacity
//! (`services`). The helpers that build their scenarios are here.

use super::*;
use crate::outcome::FailureReason;

mod faults;
mod graph;
mod guards;
mod overload;
mod rich;
mod services;
mod timeline;

const S: Nanos = 1_000_000_000;

/// A scenario from the pieces that vary between tests.
fn scenario(workload: &str, service: &str, policy: &str) -> Scenario {
    let text = format!(
        r#"{{"name": "t", "duration": 100, "drain": 100,
            "workload": {workload}, "service": {service},
            "policies": [{policy}]}}"#
    );
    Scenario::from_json(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn batch(n: u32) -> String {
    format!(r#"{{"kind": "batch", "requests": {n}}}"#)
}

/// Attempts sent per 1 s bin, up to the last bin with any.
fn attempts_per_bin(m: &RunMetrics) -> Vec<u64> {
    trimmed(m.series.bins.iter().map(|b| b.attempts).collect())
}

fn trimmed(mut v: Vec<u64>) -> Vec<u64> {
    while v.last() == Some(&0) {
        v.pop();
    }
    v
}

/// A scenario with everything spelled out: the extra top-level fields
/// (network, cost, …) come as a JSON fragment.
fn full(workload: &str, service: &str, extra: &str, policy: &str) -> Scenario {
    let text = format!(
        r#"{{"name": "t", "duration": 100, "drain": 100, "workload": {workload},
            "service": {service}, {extra} "policies": [{policy}]}}"#
    );
    Scenario::from_json(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

const FAST: &str = r#"{"workers": {"service_time": {"kind": "constant", "value": 0.5}}}"#;
/// $1 per served attempt: 1 000 000 output tokens at $1 per million.
const DOLLAR: &str = r#""cost": {"input_tokens": {"kind": "constant", "value": 0},
    "output_tokens": {"kind": "constant", "value": 1000000}, "price_in": 0, "price_out": 1},"#;

fn refused(m: &RunMetrics, r: FailureReason) -> u64 {
    m.failed[r as usize]
}
