//! Call graphs from the command line (issue 14): each shipped call-graph
//! scenario runs and tells its story, and a scenario with one service
//! writes exactly what it wrote before call graphs existed.

mod common;

use common::{read, retrysim, text};
use std::path::Path;

fn run(file: &str, reps: &str, dir: &Path) -> String {
    let o = retrysim(&["run", file, "-r", reps, "-o", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{file}: {}", text(&o.stderr));
    text(&o.stdout)
}

/// `sweep.json` of a 2-replication sweep of `file`.
fn sweep(file: &str) -> serde_json::Value {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_str().unwrap();
    let o = retrysim(&["sweep", file, "-r", "2", "-q", "-o", dir]);
    assert!(o.status.success(), "{file}: {}", text(&o.stderr));
    serde_json::from_slice(&read(tmp.path(), "sweep.json")).unwrap()
}

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&read(dir, "summary.json")).unwrap()
}

/// Policy `name`'s `field` of every service, in order.
fn per_service(s: &serde_json::Value, name: &str, field: &str) -> Vec<f64> {
    let p = (s["policies"].as_array().unwrap().iter())
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no policy {name}"));
    (p["services"].as_array().unwrap().iter())
        .map(|s| s[field]["mean"].as_f64().unwrap())
        .collect()
}

#[test]
fn three_tier_amplification_costs_attempts_cubed_at_the_bottom_and_a_budget_far_less() {
    let tmp = tempfile::tempdir().unwrap();
    let stdout = run("scenarios/three-tier-amplification.json", "2", tmp.path());
    let s = summary(tmp.path());
    assert_eq!(per_service(&s, "no-retries", "load"), [1.0, 1.0, 1.0]);
    assert_eq!(
        per_service(&s, "3-attempts-every-tier", "load"),
        [3.0, 9.0, 27.0]
    );
    let budget = per_service(&s, "3-attempts-ratio-budget", "load");
    assert!(budget[2] > 1.2 && budget[2] < 2.0, "{budget:?}");
    let edges = &s["policies"][1]["edges"];
    assert_eq!(edges[1]["from"], "orders");
    assert_eq!(edges[1]["to"], "db");
    assert_eq!(edges[1]["attempts_per_call"]["mean"], 3.0);
    assert!(
        stdout.lines().any(|l| l.starts_with("policy")
            && l.split("  ")
                .filter(|c| !c.is_empty())
                .map(str::trim)
                .collect::<Vec<_>>()
                == ["policy", "api load", "orders load", "db load"]),
        "{stdout}"
    );
    let md = text(&read(tmp.path(), "summary.md"));
    assert!(
        md.contains("## Services") && md.contains("| 3-attempts-every-tier | orders → db |"),
        "{md}"
    );
    // Every service's series: db gets 27 attempts per request under the
    // retrying policy, bin by bin as in all.
    let csv = text(&read(tmp.path(), "services.csv"));
    let db_attempts: f64 = (csv.lines().skip(1))
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[0] == "3-attempts-every-tier" && f[1] == "db")
        .map(|f| f[4].parse::<f64>().unwrap())
        .sum();
    let requests = s["policies"][1]["metrics"]["requests"]["mean"]
        .as_f64()
        .unwrap();
    assert!(
        (db_attempts / requests - 27.0).abs() < 0.01,
        "{db_attempts} / {requests}"
    );
    let charts = ["tiers.png", "services.png"].map(|c| read(tmp.path(), c));
    for png in &charts {
        assert_eq!(&png[1..4], b"PNG");
    }
    // The charts are redrawn from the folder to the same bytes.
    for c in ["tiers.png", "services.png"] {
        std::fs::remove_file(tmp.path().join(c)).unwrap();
    }
    let o = retrysim(&["plot", tmp.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(read(tmp.path(), "tiers.png"), charts[0]);
    assert_eq!(read(tmp.path(), "services.png"), charts[1]);
}

#[test]
fn a_single_service_scenario_has_no_service_tables_or_tier_chart() {
    let tmp = tempfile::tempdir().unwrap();
    let stdout = run("tests/data/tiny-spike.json", "1", tmp.path());
    let s = summary(tmp.path());
    assert!(s["policies"][0].get("services").is_none());
    assert!(
        s["scenario"].get("services").is_none(),
        "the spec echo is unchanged"
    );
    for file in ["tiers.png", "services.png", "services.csv"] {
        assert!(!tmp.path().join(file).exists(), "{file}");
    }
    assert!(!stdout.contains("load |"));
}

#[test]
fn a_bad_call_graph_is_refused_naming_the_field() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("bad.json");
    let text_in = std::fs::read_to_string("scenarios/three-tier-amplification.json")
        .unwrap()
        .replace(r#""calls": {"to": ["db"]}"#, r#""calls": {"to": ["api"]}"#);
    std::fs::write(&file, text_in).unwrap();
    let o = retrysim(&["validate", file.to_str().unwrap()]);
    common::refused(
        &o,
        "services[0].calls.to: the calls form a cycle (api → orders → api)",
    );
}

#[test]
fn replicas_gray_failure_needs_a_balancer_that_sees_load_or_retries_elsewhere() {
    let s = sweep("scenarios/replicas-gray-failure.json");
    let cell = |balancer: &str, retry: &str, m: &str| -> f64 {
        let c = (s["cells"].as_array().unwrap().iter())
            .find(|c| {
                c["params"]["service.replicas.balancer"]["kind"] == balancer
                    && c["params"]["service.replicas.retry"] == retry
            })
            .unwrap_or_else(|| panic!("no cell {balancer} {retry}"));
        c["policies"][0]["metrics"][m]["mean"].as_f64().unwrap()
    };
    for blind in ["round_robin", "random"] {
        assert!(cell(blind, "any", "success_rate") < 0.99, "{blind}");
        assert!(cell(blind, "different", "success_rate") > 0.995, "{blind}");
        assert!(cell(blind, "different", "latency_p99_s") < cell(blind, "any", "latency_p99_s"));
    }
    for aware in ["least_outstanding", "power_of_choices"] {
        assert!(cell(aware, "any", "success_rate") > 0.995, "{aware}");
        assert!(cell(aware, "any", "amplification") < cell("round_robin", "any", "amplification"));
    }
}

#[test]
fn hedging_cuts_the_tail_and_a_fixed_hedge_storms_at_a_load_no_hedge_survives() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    run("scenarios/hedging.json", "2", &dir);
    let s = summary(&dir);
    let figure = |policy: &str, m: &str| -> f64 {
        let p = (s["policies"].as_array().unwrap().iter())
            .find(|p| p["name"] == policy)
            .unwrap();
        p["metrics"][m]["mean"].as_f64().unwrap()
    };
    assert!(figure("hedge-p95", "latency_p99_s") < 0.7 * figure("no-hedge", "latency_p99_s"));
    let extra = figure("hedge-p95", "amplification") - 1.0;
    assert!(
        extra > 0.03 && extra < 0.1,
        "a p95 hedge sends about 5 % more: {extra}"
    );
    assert!(figure("hedge-fixed-0.1s", "amplification") > figure("hedge-p95", "amplification"));
    // At 300 requests/s the fixed hedge overloads the service; no hedge
    // and the adaptive one do not.
    let mut spec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("scenarios/hedging.json").unwrap()).unwrap();
    spec["sweep"] = serde_json::json!({"workload.rate": [[[0, 300]]]});
    let file = tmp.path().join("hedging-300.json");
    std::fs::write(&file, spec.to_string()).unwrap();
    let out = tmp.path().join("sweep");
    let o = retrysim(&[
        "sweep",
        file.to_str().unwrap(),
        "-r",
        "2",
        "-q",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let sw: serde_json::Value = serde_json::from_slice(&read(&out, "sweep.json")).unwrap();
    let cell = &sw["cells"][0]["policies"];
    let success = |i: usize| cell[i]["metrics"]["success_rate"]["mean"].as_f64().unwrap();
    assert_eq!(cell[2]["name"], "hedge-fixed-0.1s");
    assert!(
        success(0) > 0.999 && success(1) > 0.999,
        "{} {}",
        success(0),
        success(1)
    );
    assert!(success(2) < 0.6, "{}", success(2));
}

#[test]
fn overload_control_breaks_the_storm_that_plain_fifo_sustains() {
    let s = sweep("scenarios/overload-control.json");
    let cell = |order: &str, control: &str, m: &str| -> f64 {
        let c = (s["cells"].as_array().unwrap().iter())
            .find(|c| {
                c["params"]["service.workers.queue_order"]["kind"] == order
                    && c["params"]["service.workers.control"]["kind"] == control
            })
            .unwrap_or_else(|| panic!("no cell {order} {control}"));
        c["policies"][0]["metrics"][m]["mean"].as_f64().unwrap()
    };
    // Plain FIFO: metastable, the storm outlives the spike.
    assert_eq!(cell("fifo", "none", "metastable"), 1.0);
    assert!(cell("fifo", "none", "success_rate") < 0.3);
    // Every controller, and LIFO alone, recovers and serves far more.
    let controls = ["codel", "aimd", "gradient", "early_rejection"];
    for control in controls {
        assert_eq!(cell("fifo", control, "metastable"), 0.0, "{control}");
        assert!(cell("fifo", control, "success_rate") > 0.45, "{control}");
    }
    assert_eq!(cell("lifo", "none", "metastable"), 0.0);
    // The gradient limit keeps the successes' tail shortest; LIFO alone
    // has the longest.
    let p99 = |order, control| cell(order, control, "latency_p99_s");
    for control in ["none", "codel", "aimd", "early_rejection"] {
        assert!(p99("fifo", "gradient") < p99("fifo", control), "{control}");
    }
    assert!(p99("lifo", "none") > 2.0);
}

#[test]
fn priority_classes_are_reported_and_low_priority_is_shed_first() {
    // The overload-control spike with 60 % of the requests low priority and
    // plain FIFO shedding low priority once 100 wait: the high-priority
    // load alone (80/s, 320/s in the spike) fits in the 400/s the service
    // serves, so every high-priority request succeeds and the storm that
    // plain FIFO sustains never starts.
    let tmp = tempfile::tempdir().unwrap();
    let mut spec: serde_json::Value =
        serde_json::from_slice(&std::fs::read("scenarios/overload-control.json").unwrap()).unwrap();
    spec["workload"]["low_priority_share"] = serde_json::json!(0.6);
    spec["service"]["workers"]["shed_low_above"] = serde_json::json!(100);
    let file = tmp.path().join("priorities.json");
    std::fs::write(&file, spec.to_string()).unwrap();
    let out = tmp.path().join("out");
    let stdout = run(file.to_str().unwrap(), "2", &out);
    assert!(stdout.contains("Priority classes:"), "{stdout}");
    let s = summary(&out);
    let classes = s["policies"][0]["classes"].as_array().unwrap();
    let figure = |i: usize, f: &str| classes[i][f]["mean"].as_f64().unwrap();
    assert_eq!(
        (classes[0]["name"].as_str(), classes[1]["name"].as_str()),
        (Some("high"), Some("low"))
    );
    assert!((figure(1, "share") - 0.6).abs() < 0.05);
    assert!(figure(0, "success_rate") > 0.999);
    assert!(figure(1, "success_rate") < 0.8);
    let metastable = s["policies"][0]["metrics"]["metastable"]["mean"].as_f64();
    assert_eq!(metastable, Some(0.0));
    let md = String::from_utf8(read(&out, "summary.md")).unwrap();
    assert!(md.contains("## Priority classes"), "{md}");
    // Without classes, no such figures.
    let plain = tmp.path().join("plain");
    run("scenarios/overload-control.json", "1", &plain);
    assert!(summary(&plain)["policies"][0].get("classes").is_none());
}

#[test]
fn recovery_and_metastability_are_reported_per_service_as_its_callers_see_it() {
    // Three tiers with db down from 10 s to 20 s only (a trigger): every
    // service, as its callers see it, fails for exactly the outage and
    // recovers when it ends (10 s after the trigger, at once after its end).
    let tmp = tempfile::tempdir().unwrap();
    let mut spec: serde_json::Value =
        serde_json::from_slice(&std::fs::read("scenarios/three-tier-amplification.json").unwrap())
            .unwrap();
    for s in spec["services"].as_array_mut().unwrap() {
        s.as_object_mut().unwrap().remove("outages");
    }
    spec["duration"] = serde_json::json!(60);
    spec["metrics"]["metastable"] = serde_json::json!({"margin": 0.1, "window": 20});
    spec["triggers"] = serde_json::json!([
        {"kind": "outage", "start": 10, "duration": 10, "mode": "error", "service": "db"}
    ]);
    let file = tmp.path().join("tiers.json");
    std::fs::write(&file, spec.to_string()).unwrap();
    let out = tmp.path().join("out");
    run(file.to_str().unwrap(), "2", &out);
    let s = summary(&out);
    for p in s["policies"].as_array().unwrap() {
        let edges = p["edges"].as_array().unwrap();
        assert_eq!(edges.len(), 2);
        for e in edges {
            let f = |k: &str| e[k]["mean"].as_f64();
            assert_eq!(f("error_recovery_s"), Some(10.0), "{e}");
            assert_eq!(f("error_recovery_after_end_s"), Some(0.0), "{e}");
            assert_eq!(f("metastable"), Some(0.0), "{e}");
        }
    }
    let md = String::from_utf8(read(&out, "summary.md")).unwrap();
    assert!(md.contains("## Recovery per service"), "{md}");
    assert!(md.contains("| orders → db | 10.0 ± <1 s |"), "{md}");
}
