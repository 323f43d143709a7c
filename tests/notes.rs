//! The sentences under the headline that say when a row means less than it
//! looks: a guard that never refused anything, rows identical for a reason.

mod common;

use std::path::Path;

use common::{read, retrysim, text, tiny_edited};

/// The tiny spike with `clients` client instances and four policies: plain
/// full jitter, the same with a retry quota, and two that differ from plain
/// only in what they do with Retry-After.
fn scenario(dir: &Path, clients: u32) -> String {
    tiny_edited(dir, &format!("clients-{clients}"), |s| {
        s["workload"]["clients"] = clients.into();
        let plain = serde_json::json!({
            "name": "plain", "max_attempts": 5,
            "backoff": {"kind": "exponential", "base": 1, "cap": 60}, "jitter": {"kind": "full"}
        });
        let with = |name: &str, field: &str, value: serde_json::Value| {
            let mut p = plain.clone();
            p["name"] = name.into();
            p[field] = value;
            p
        };
        s["policies"] = serde_json::json!([
            plain,
            with("quota", "budget", serde_json::json!({"retry_quota": {}})),
            with("obey", "retry_after", serde_json::json!({"kind": "obey"})),
            with("clamp", "retry_after", serde_json::json!({"kind": "clamp"})),
        ]);
    })
}

/// Runs it and returns what the terminal and summary.md said.
fn run(dir: &Path, clients: u32) -> (String, String) {
    let file = scenario(dir, clients);
    let out = dir.join(format!("out-{clients}"));
    let o = retrysim(&[
        "run",
        &file,
        "-r",
        "2",
        "--no-plots",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    (text(&o.stdout), text(&read(&out, "summary.md")))
}

#[test]
fn a_retry_quota_spread_over_many_instances_is_said_to_have_never_acted() {
    let tmp = tempfile::tempdir().unwrap();
    // 2 000 instances hold 200 000 retries' worth of tokens between them:
    // far more than the spike's failures, so the quota never refuses.
    let (stdout, md) = run(tmp.path(), 2000);
    for shown in [&stdout, &md] {
        assert!(
            shown.contains("quota: its retry quota refused nothing in any of the 2 replications"),
            "{shown}"
        );
        assert!(
            shown.contains("plain and quota gave exactly the same figures"),
            "{shown}"
        );
    }
    assert!(
        md.contains("they differ only in `budget.retry_quota`"),
        "{md}"
    );
    // One instance runs out of tokens: the quota acts and nothing is said.
    let (stdout, md) = run(tmp.path(), 1);
    for shown in [&stdout, &md] {
        assert!(!shown.contains("refused nothing"), "{shown}");
        assert!(!shown.contains("plain and quota"), "{shown}");
    }
}

#[test]
fn retry_after_policies_that_tie_are_explained() {
    let tmp = tempfile::tempdir().unwrap();
    let (stdout, md) = run(tmp.path(), 10);
    for shown in [&stdout, &md] {
        assert!(
            shown.contains("obey and clamp gave exactly the same figures"),
            "{shown}"
        );
        assert!(
            shown.contains("rounds the wait for a token up to whole"),
            "{shown}"
        );
    }
    assert!(md.contains("they differ only in `retry_after`,"), "{md}");
    // Told the exact wait they still tie (a token frees within a second),
    // but the note no longer blames the rounding.
    let file = scenario(tmp.path(), 10);
    let mut s: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    s["service"]["limiter"]["retry_after"] = "exact".into();
    std::fs::write(&file, serde_json::to_vec(&s).unwrap()).unwrap();
    let out = tmp.path().join("exact");
    let o = retrysim(&[
        "run",
        &file,
        "-r",
        "2",
        "--no-plots",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(stdout.contains("obey and clamp gave"), "{stdout}");
    assert!(stdout.contains("longer wait than its backoff"), "{stdout}");
    assert!(!stdout.contains("rounds the wait"), "{stdout}");
}
