//! `summary.csv` and `replications.csv`: long-format data for notebooks.
//! Every figure in them must equal `summary.json`'s, and a mean recomputed
//! from the replications must equal the tool's own.

mod common;

use std::collections::BTreeMap;

use common::{read, run_tiny, text};

/// Splits a CSV line; the tiny scenario's policy names need no quoting.
fn rows(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let t = text(bytes);
    let mut lines = t.lines();
    let header = lines.next().unwrap().split(',').map(String::from).collect();
    let body = lines
        .map(|l| {
            assert!(
                !l.contains('"'),
                "a quoted field the test does not parse: {l}"
            );
            l.split(',').map(String::from).collect()
        })
        .collect();
    (header, body)
}

/// A run of the tiny spike with four replications: its folder and
/// `summary.json`.
fn four_replications() -> (tempfile::TempDir, serde_json::Value) {
    let tmp = tempfile::tempdir().unwrap();
    let o = run_tiny(tmp.path(), &["-r", "4", "-q", "--no-plots"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let json = serde_json::from_slice(&read(tmp.path(), "summary.json")).unwrap();
    (tmp, json)
}

/// Policy × metric → (replication, value), in file order.
type ByFigure = BTreeMap<(String, String), Vec<(usize, Option<f64>)>>;

fn value(field: &str) -> Option<f64> {
    (!field.is_empty()).then(|| field.parse().unwrap())
}

fn json_num(v: &serde_json::Value) -> Option<f64> {
    v.as_f64()
}

#[test]
fn summary_csv_holds_exactly_the_figures_of_summary_json() {
    let (tmp, json) = four_replications();
    let (header, body) = rows(&read(tmp.path(), "summary.csv"));
    assert_eq!(
        header.join(","),
        "policy,metric,mean,ci_low,ci_high,n,of,unit"
    );
    let policies = json["policies"].as_array().unwrap();
    let metrics_per_policy = policies[0]["metrics"].as_object().unwrap().len();
    assert_eq!(body.len(), policies.len() * metrics_per_policy);
    let mut with_ci = 0;
    for r in &body {
        let p = policies
            .iter()
            .find(|p| p["name"] == r[0].as_str())
            .unwrap();
        let s = &p["metrics"][&r[1]];
        assert!(s.is_object(), "{} has no {} in summary.json", r[0], r[1]);
        assert_eq!(value(&r[2]), json_num(&s["mean"]), "{} {}", r[0], r[1]);
        let ci = s["ci95"].as_array();
        assert_eq!(
            value(&r[3]),
            ci.and_then(|c| c[0].as_f64()),
            "{} {}",
            r[0],
            r[1]
        );
        assert_eq!(
            value(&r[4]),
            ci.and_then(|c| c[1].as_f64()),
            "{} {}",
            r[0],
            r[1]
        );
        with_ci += ci.is_some() as usize;
        assert_eq!(r[5], s["n"].to_string());
        assert_eq!(r[6], s["of"].to_string());
        if r[7] == "fraction"
            && let Some(m) = value(&r[2])
        {
            assert!(
                (0.0..=1.0).contains(&m),
                "{} {} = {m} is not a fraction",
                r[0],
                r[1]
            );
        }
    }
    assert!(
        with_ci > body.len() / 2,
        "only {with_ci} rows have an interval"
    );
    let unit = |metric: &str| body.iter().find(|r| r[1] == metric).unwrap()[7].clone();
    assert_eq!(unit("success_rate"), "fraction");
    assert_eq!(unit("latency_p99_s"), "s");
    assert_eq!(unit("attempts"), "count");
    assert_eq!(unit("amplification"), "ratio");
    assert_eq!(unit("cost_total"), "usd");
}

#[test]
fn replications_csv_recomputes_every_mean_of_the_summary() {
    let (tmp, json) = four_replications();
    let seed = json["scenario"]["seed"].to_string();
    let (header, body) = rows(&read(tmp.path(), "replications.csv"));
    assert_eq!(
        header.join(","),
        "policy,replication,seed,metric,value,unit"
    );
    let mut values = ByFigure::new();
    for r in &body {
        assert_eq!(r[2], seed);
        values
            .entry((r[0].clone(), r[3].clone()))
            .or_default()
            .push((r[1].parse().unwrap(), value(&r[4])));
    }
    let policies = json["policies"].as_array().unwrap();
    assert_eq!(
        values.len(),
        policies.len() * policies[0]["metrics"].as_object().unwrap().len()
    );
    for ((policy, metric), vs) in &values {
        assert_eq!(vs.iter().map(|v| v.0).collect::<Vec<_>>(), vec![0, 1, 2, 3]);
        let present: Vec<f64> = vs.iter().filter_map(|v| v.1).collect();
        let s = &policies
            .iter()
            .find(|p| p["name"] == policy.as_str())
            .unwrap()["metrics"][metric];
        assert_eq!(
            present.len().to_string(),
            s["n"].to_string(),
            "{policy} {metric}"
        );
        // The same sum in the same order: the same bits.
        let mean =
            (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64);
        assert_eq!(mean, s["mean"].as_f64(), "{policy} {metric}");
    }
}

#[test]
fn a_replication_is_the_same_in_every_run_that_includes_it() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for (dir, r) in [(&a, "4"), (&b, "2")] {
        let o = run_tiny(dir.path(), &["-r", r, "-q", "--no-plots"]);
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    let (_, four) = rows(&read(a.path(), "replications.csv"));
    let (_, two) = rows(&read(b.path(), "replications.csv"));
    let first_two: Vec<_> = four.iter().filter(|r| r[1] == "0" || r[1] == "1").collect();
    assert_eq!(first_two.len(), two.len());
    for (x, y) in first_two.iter().zip(&two) {
        assert_eq!(*x, y);
    }
}

#[test]
fn sweep_replications_recompute_every_mean_of_sweep_json() {
    let tmp = tempfile::tempdir().unwrap();
    let o = common::sweep(tmp.path(), &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&read(tmp.path(), "sweep.json")).unwrap();
    let (header, body) = rows(&read(tmp.path(), "sweep-replications.csv"));
    assert_eq!(
        header.join(","),
        "cell,service.limiter.rate,policies[*].max_attempts,policy,replication,seed,metric,value,unit"
    );
    // cell × policy × metric → values in replication order.
    let mut values: BTreeMap<(String, String, String), Vec<f64>> = BTreeMap::new();
    for r in &body {
        let v = values
            .entry((r[0].clone(), r[3].clone(), r[6].clone()))
            .or_default();
        if let Some(x) = value(&r[7]) {
            v.push(x);
        }
    }
    let cells = json["cells"].as_array().unwrap();
    let mut checked = 0;
    for cell in cells {
        let index = cell["index"].to_string();
        for p in cell["policies"].as_array().unwrap() {
            assert!(p.get("replications").is_none(), "sweep.json stays lean");
            for (metric, s) in p["metrics"].as_object().unwrap() {
                let name = p["name"].as_str().unwrap().to_string();
                let present = &values[&(index.clone(), name, metric.clone())];
                let mean = (!present.is_empty())
                    .then(|| present.iter().sum::<f64>() / present.len() as f64);
                assert_eq!(mean, s["mean"].as_f64(), "cell {index} {metric}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, values.len());
    for r in &body {
        let cell = &cells[r[0].parse::<usize>().unwrap()];
        assert_eq!(r[5], cell["seed"].to_string(), "the cell's seed");
    }
}
