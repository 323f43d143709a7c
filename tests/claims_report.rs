//! `report.json` of `retrysim check`: the figures behind each verdict are
//! the run's own figures, and the verdict follows from them by the rule the
//! report names, so a notebook can recompute it or see how near it is to
//! flipping.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{read, retrysim, text};
use serde_json::Value;

/// `check` on every shipped claim and `run` on the spike, both at 3
/// replications under seed 5.
fn report_and_spike(dir: &Path) -> (Vec<Value>, Value, String) {
    let (report, spike) = (dir.join("claims"), dir.join("spike"));
    let o = retrysim(&[
        "check",
        "-q",
        "-r",
        "3",
        "-s",
        "5",
        "-o",
        report.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = retrysim(&[
        "run",
        "scenarios/double11-spike.json",
        "-r",
        "3",
        "-s",
        "5",
        "-q",
        "--no-plots",
        "-o",
        spike.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let report: Value = serde_json::from_slice(&read(&report, "report.json")).unwrap();
    let summary: Value = serde_json::from_slice(&read(&spike, "summary.json")).unwrap();
    let replications = text(&read(&spike, "replications.csv"));
    (report.as_array().unwrap().clone(), summary, replications)
}

/// The rule, applied again here from its written definition.
fn verdict_from(rule: &Value, figure: &Value) -> Option<&'static str> {
    let num = |v: &Value| v.as_f64();
    let (mean, lo, hi) = (
        num(&figure["mean"]),
        num(&figure["ci_low"]),
        num(&figure["ci_high"]),
    );
    let bound = num(&rule["bound"]);
    let (low, high) = (num(&rule["low"]), num(&rule["high"]));
    let held = match rule["kind"].as_str().unwrap() {
        "ci_meets" => {
            let (lo, hi) = (lo.or(mean).unwrap(), hi.or(mean).unwrap());
            hi >= low.unwrap() && lo <= high.unwrap()
        }
        "mean_within" => mean.is_some_and(|m| m >= low.unwrap() && m <= high.unwrap()),
        "ci_below" => hi.unwrap() < bound.unwrap(),
        "ci_above" => lo.unwrap() > bound.unwrap(),
        "at_least" => mean.unwrap() >= bound.unwrap(),
        "at_most" => mean.unwrap() <= bound.unwrap(),
        "stated" => return None,
        other => panic!("a rule the docs do not list: {other}"),
    };
    Some(if held { "reproduced" } else { "refuted" })
}

#[test]
fn every_verdict_follows_from_its_first_figure_by_its_rule() {
    let tmp = tempfile::tempdir().unwrap();
    let (report, _, _) = report_and_spike(tmp.path());
    assert_eq!(report.len(), 22, "one entry per shipped claim file");
    let mut stated = 0;
    for r in &report {
        let id = r["claim"]["id"].as_str().unwrap();
        assert!(r["error"].is_null(), "{id}: {}", r["error"]);
        let f = &r["finding"];
        assert_eq!(r["matches_pin"], f["verdict"] == r["claim"]["expected"]);
        match verdict_from(&f["rule"], &f["figures"][0]) {
            Some(v) => assert_eq!(f["verdict"], v, "{id}: {f}"),
            None => {
                stated += 1;
                assert_eq!(r["claim"]["check"]["kind"], "analytic", "{id}");
            }
        }
        for fig in f["figures"].as_array().unwrap() {
            let unit = fig["unit"].as_str().unwrap();
            assert!(
                ["fraction", "s", "count", "usd", "ratio"].contains(&unit),
                "{id}: {fig}"
            );
        }
    }
    // Only the two closed forms that combine several figures are stated.
    assert_eq!(stated, 2);
}

#[test]
fn a_claims_figures_are_the_runs_own() {
    let tmp = tempfile::tempdir().unwrap();
    let (report, summary, replications) = report_and_spike(tmp.path());
    let stat = |policy: &str, metric: &str| -> Value {
        summary["policies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == policy)
            .unwrap()["metrics"][metric]
            .clone()
    };
    let on_spike: Vec<&Value> = report
        .iter()
        .filter(|r| r["claim"]["scenario"] == "../double11-spike.json")
        .collect();
    assert!(
        on_spike.len() >= 4,
        "the spike's claims: {}",
        on_spike.len()
    );
    let mut kinds = std::collections::BTreeSet::new();
    for r in on_spike {
        let (check, f) = (&r["claim"]["check"], &r["finding"]);
        let metric = check["metric"].as_str().unwrap();
        let figures = f["figures"].as_array().unwrap();
        // Each policy's figure is the run's, to the last bit.
        let policies: Vec<&str> = match check["kind"].as_str().unwrap() {
            "compare" => vec![
                check["left"].as_str().unwrap(),
                check["right"].as_str().unwrap(),
            ],
            _ => vec![check["policy"].as_str().unwrap()],
        };
        for p in &policies {
            let fig = figures
                .iter()
                .find(|g| g["name"] == format!("{p}: {metric}"))
                .unwrap_or_else(|| panic!("no figure for {p} in {f}"));
            let s = stat(p, metric);
            assert_eq!(fig["mean"], s["mean"], "{p} {metric}");
            assert_eq!(fig["ci_low"], s["ci95"][0], "{p} {metric}");
            assert_eq!(fig["ci_high"], s["ci95"][1], "{p} {metric}");
            assert_eq!((&fig["n"], &fig["of"]), (&s["n"], &s["of"]));
        }
        kinds.insert(f["rule"]["kind"].as_str().unwrap().to_string());
        if f["rule"]["kind"] == "ci_above" || f["rule"]["kind"] == "ci_below" {
            // The paired difference, recomputed from replications.csv.
            let per = |p: &str| -> BTreeMap<String, f64> {
                replications
                    .lines()
                    .map(|l| l.split(',').collect::<Vec<_>>())
                    .filter(|c| c[0] == p && c[3] == metric)
                    .map(|c| (c[1].to_string(), c[4].parse().unwrap()))
                    .collect()
            };
            let (l, rr) = (per(policies[0]), per(policies[1]));
            let d: Vec<f64> = l.iter().map(|(k, v)| v - rr[k]).collect();
            assert_eq!(d.len(), 3);
            let mean = d.iter().sum::<f64>() / 3.0;
            assert_eq!(figures[0]["mean"].as_f64(), Some(mean), "{f}");
            let sd = (d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 2.0).sqrt();
            let half = 4.303 * sd / 3f64.sqrt(); // t(0.975, 2 dof)
            let lo = figures[0]["ci_low"].as_f64().unwrap();
            assert!((lo - (mean - half)).abs() < 1e-9, "{lo} vs {}", mean - half);
        }
        if f["rule"]["kind"] == "at_least" {
            let ratio = stat(policies[0], metric)["mean"].as_f64().unwrap()
                / stat(policies[1], metric)["mean"].as_f64().unwrap();
            assert_eq!(figures[0]["mean"].as_f64(), Some(ratio));
            assert_eq!(f["rule"]["bound"], check["value"]);
        }
    }
    // The spike's claims exercise a band, a range, a paired and a ratio rule.
    let want = ["at_least", "ci_above", "ci_meets", "mean_within"];
    assert!(want.iter().all(|k| kinds.contains(*k)), "{kinds:?}");
}
