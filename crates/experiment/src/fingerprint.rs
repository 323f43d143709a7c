//! Fingerprints: what made a stored result. Every result retrysim stores
//! (`summary.json`, a sweep's manifest and cells, a folder's marker) names
//! the fingerprint of the fully resolved scenario that made it — every
//! default filled in, overrides and sweep values applied, the seed and
//! replications included — of the format it is written in and of the
//! model's version ([`MODEL_VERSION`]), so results of an older model never
//! pass for this one's. Anything that reuses or merges results compares
//! fingerprints first.

use retrysim_model::{MODEL_VERSION, ScenarioSpec};
use sha2::{Digest, Sha256};

/// The version of the stored-result formats; part of every fingerprint, so
/// results of another format never pass for this one.
pub const RESULTS_FORMAT: u32 = 3;

/// `sha256:<hex>` of the format and model versions and the spec's JSON.
pub fn of(spec: &ScenarioSpec) -> String {
    of_bytes(&serde_json::to_vec(spec).expect("a spec serialises"))
}

/// `sha256:<hex>` of the format and model versions and `bytes` (for results made by
/// more than one scenario, such as a claims report).
pub fn of_bytes(bytes: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(format!(
        "retrysim results format {RESULTS_FORMAT}, model {MODEL_VERSION}\n"
    ));
    h.update(bytes);
    let digest = h.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(extra: &str) -> ScenarioSpec {
        retrysim_model::Scenario::from_json(&format!(
            r#"{{"name": "f", "duration": 5, {extra}
                "workload": {{"kind": "batch", "requests": 1}},
                "service": {{"workers": {{"service_time": {{"kind": "constant", "value": 1}}}}}},
                "policies": [{{"name": "p"}}]}}"#
        ))
        .unwrap()
        .spec()
        .clone()
    }

    #[test]
    fn a_fingerprint_follows_every_resolved_value_and_nothing_else() {
        let a = of(&spec(""));
        assert!(a.starts_with("sha256:") && a.len() == 7 + 64, "{a}");
        assert_eq!(a, of(&spec("")), "stable");
        // A default written out is the same scenario.
        assert_eq!(a, of(&spec(r#""seed": 1, "replications": 10,"#)));
        assert_ne!(a, of(&spec(r#""seed": 2,"#)));
        assert_ne!(a, of(&spec(r#""replications": 3,"#)));
        assert_ne!(a, of(&spec(r#""drain": 301,"#)));
    }
}
