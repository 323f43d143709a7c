//! Golden snapshots: the whole `summary.json` of small seeded scenarios that
//! between them use every mechanism of the model. Any changed number fails
//! here; if the change is meant, review the diff and accept it
//! (`INSTA_UPDATE=always cargo test --test golden`, or `cargo insta review`),
//! and say in the commit why the numbers moved.

use retrysim_experiment::{report, run};
use retrysim_model::Scenario;

fn summary_json(file: &str) -> String {
    let path = format!("{}/tests/golden/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let scenario = Scenario::from_json(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    report::json::render(&run(&scenario, &|| ()))
}

/// A spike over a token bucket with Retry-After: full and decorrelated
/// jitter, an obeyed Retry-After with a cap, lognormal latency.
#[test]
fn golden_spike() {
    insta::assert_snapshot!(summary_json("spike.json"));
}

/// An outage trigger under load over four client instances, priced: each
/// budget and guard in its own policy.
#[test]
fn golden_budgets() {
    insta::assert_snapshot!(summary_json("budgets.json"));
}

/// Network faults, a hanging outage, malformed requests, a deadline, a
/// delay multiplier, cancelled abandoned work, a batch workload.
#[test]
fn golden_faults() {
    insta::assert_snapshot!(summary_json("faults.json"));
}

/// Congestion and a capacity drop: immediate and jittered retries stay
/// metastable, a retry quota recovers.
#[test]
fn golden_metastable() {
    insta::assert_snapshot!(summary_json("metastable.json"));
}

/// Closed-loop users on one contended record.
#[test]
fn golden_closed_contention() {
    insta::assert_snapshot!(summary_json("closed-contention.json"));
}

/// A call graph: sequence and parallel calls, an inherited and an own
/// call policy, guards per edge, a propagated deadline, a downstream
/// outage and a bounded queue.
#[test]
fn golden_call_graph() {
    insta::assert_snapshot!(summary_json("call-graph.json"));
}
