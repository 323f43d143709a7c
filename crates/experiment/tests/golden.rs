//! Golden snapshots: the whole `summary.json` of small seeded scenarios that
//! between them use every mechanism of the model. Any changed number fails
//! here; if the change is meant, review the diff and accept it
//! (`INSTA_UPDATE=always cargo test --test golden`, or `cargo insta review`),
//! and say in the commit why the numbers moved — and bump
//! `retrysim_model::MODEL_VERSION`, which
//! `the_model_version_moves_with_the_golden_numbers` below enforces.

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

/// The digest of the golden numbers each model version gave, newest last.
/// Moved numbers with an unchanged version would let a resumed sweep or a
/// merge take cells of the old model for the new one's. A version may keep
/// its predecessor's digest: a change can move numbers the goldens do not
/// reach (2: a circuit breaker's epoch no longer wraps at 2¹⁶).
const DIGESTS: &[(u32, &str)] = &[
    (
        1,
        "7b92dfdc1e7d38306940170d2f184de4a03882fdc333761f88dccacdebdee235",
    ),
    (
        2,
        "7b92dfdc1e7d38306940170d2f184de4a03882fdc333761f88dccacdebdee235",
    ),
];

/// The six golden summaries, without the lines that name the tool and the
/// fingerprint (which follow the version, not the numbers).
fn golden_numbers() -> String {
    let files = [
        "spike.json",
        "budgets.json",
        "faults.json",
        "metastable.json",
        "closed-contention.json",
        "call-graph.json",
    ];
    let mut all = String::new();
    for file in files {
        for line in summary_json(file).lines() {
            let key = line.trim_start();
            if !key.starts_with("\"tool\":") && !key.starts_with("\"fingerprint\":") {
                all.push_str(line);
                all.push('\n');
            }
        }
    }
    all
}

#[test]
fn the_model_version_moves_with_the_golden_numbers() {
    use sha2::{Digest, Sha256};
    let digest: String = Sha256::digest(golden_numbers())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let version = retrysim_model::MODEL_VERSION;
    let (newest, recorded) = *DIGESTS.last().expect("a digest per version");
    assert_eq!(
        version,
        newest,
        "DIGESTS in {} ends at version {newest} but MODEL_VERSION is {version}: \
         add ({version}, \"{digest}\")",
        file!()
    );
    assert_eq!(
        recorded,
        digest,
        "the golden numbers moved but MODEL_VERSION is still {version}. If the model \
         changed (a fix, another order of draws), set MODEL_VERSION in \
         crates/model/src/lib.rs to {} and append ({}, \"{digest}\") to DIGESTS in {}, so \
         sweeps and merges stop reusing the old model's cells. If only the golden \
         scenarios changed, replace the digest of version {version} instead.",
        version + 1,
        version + 1,
        file!()
    );
    assert!(
        DIGESTS.windows(2).all(|w| w[0].0 < w[1].0),
        "versions increase"
    );
}
