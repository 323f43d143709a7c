//! Results you can trust (issue 13): sweeps that know their scenario,
//! output folders that one run owns, inputs refused before they run away.
//! Each test is named after the item of the issue it guards.

mod common;

use std::path::Path;
use std::process::Output;

use common::{read, refused, retrysim, run_tiny, text};

fn ok(o: Output) -> Output {
    assert!(o.status.success(), "{}", text(&o.stderr));
    o
}

fn tiny_text() -> String {
    std::fs::read_to_string(format!(
        "{}/tests/data/tiny-spike.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// Writes `content` as `name` in `dir` and returns its path.
fn file(dir: &Path, name: &str, content: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path.to_str().unwrap().to_string()
}

/// `retrysim sweep SCENARIO` over the 2 × 2 test grid at 2 replications.
fn sweep(scenario: &str, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "sweep",
        scenario,
        "--set",
        "service.limiter.rate=500,650",
        "--set",
        "policies[*].max_attempts=1,3",
        "-r",
        "2",
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    retrysim(&args)
}

#[test]
fn regression_13_1_a_resumed_sweep_recomputes_the_cells_of_a_changed_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = file(tmp.path(), "s.json", &tiny_text());
    let out = tmp.path().join("out");
    ok(sweep(&scenario, &out, &["-q"]));
    // The network latency changes; the old cells must not come back.
    let edited = tiny_text().replace(
        r#""median": 0.02, "p99": 0.05"#,
        r#""median": 0.2, "p99": 0.5"#,
    );
    std::fs::write(&scenario, &edited).unwrap();
    let o = ok(sweep(&scenario, &out, &[]));
    assert!(
        text(&o.stderr).contains(
            "0 already complete; 4 recomputed: the scenario, seed or replications changed"
        ),
        "{}",
        text(&o.stderr)
    );
    let fresh = tmp.path().join("fresh");
    ok(sweep(&scenario, &fresh, &["-q"]));
    assert_eq!(read(&out, "sweep.json"), read(&fresh, "sweep.json"));
    // Another seed is another sweep too.
    let o = ok(sweep(&scenario, &out, &["-s", "99"]));
    assert!(
        text(&o.stderr).contains("4 recomputed"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn regression_13_1_merge_refuses_shards_of_other_seeds_or_scenarios() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = file(tmp.path(), "s.json", &tiny_text());
    let edited = file(
        tmp.path(),
        "edited.json",
        &tiny_text().replace(r#""burst": 600"#, r#""burst": 300"#),
    );
    let made = std::cell::Cell::new(0);
    let shard = |k: &str, scenario: &str, extra: &[&str]| {
        made.set(made.get() + 1);
        let dir = tmp.path().join(format!("shard-{}", made.get()));
        let mut args = vec!["--shard", k, "-q"];
        args.extend_from_slice(extra);
        ok(sweep(scenario, &dir, &args));
        dir.to_str().unwrap().to_string()
    };
    let (a, b) = (
        shard("1/2", &scenario, &[]),
        shard("2/2", &scenario, &["-s", "99"]),
    );
    let out = tmp.path().join("merged");
    let o = retrysim(&["merge", &a, &b, "-o", out.to_str().unwrap()]);
    refused(
        &o,
        "are shards of different sweeps: seed is 5 here and 99 there",
    );
    let c = shard("2/2", &edited, &[]);
    let o = retrysim(&["merge", &a, &c, "-o", out.to_str().unwrap()]);
    refused(
        &o,
        "the scenario differs at service.limiter.burst (600.0 here, 300.0 there)",
    );
    // A cell file planted from another scenario is named.
    let d = shard("2/2", &scenario, &[]);
    let other = shard("1/2", &edited, &[]);
    std::fs::copy(
        Path::new(&other).join("cells/cell-000002.json"),
        Path::new(&a).join("cells/cell-000002.json"),
    )
    .unwrap();
    let o = retrysim(&["merge", &a, &d, "-o", out.to_str().unwrap()]);
    refused(
        &o,
        "was computed from another scenario, seed, replication count or model version",
    );
    assert!(!out.exists(), "a refused merge writes nothing");
}

/// Damages cell 1 of a finished sweep with `damage`: a merge must refuse
/// it saying `refusal`, and a resume must recompute it and give the file
/// `output` back byte for byte.
fn damaged_cell_is_refused_then_recomputed(
    damage: impl FnOnce(&mut serde_json::Value),
    refusal: &str,
    output: &str,
) {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = file(tmp.path(), "s.json", &tiny_text());
    let out = tmp.path().join("out");
    ok(sweep(&scenario, &out, &["-q"]));
    let before = read(&out, output);
    let cell = out.join("cells/cell-000001.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&cell).unwrap()).unwrap();
    damage(&mut v);
    std::fs::write(&cell, v.to_string()).unwrap();
    let o = retrysim(&[
        "merge",
        out.to_str().unwrap(),
        "-o",
        tmp.path().join("m").to_str().unwrap(),
    ]);
    refused(&o, refusal);
    let o = ok(sweep(&scenario, &out, &[]));
    assert!(
        text(&o.stderr).contains("1 recomputed: their files were broken or incomplete"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(read(&out, output), before, "every row of {output} is back");
}

#[test]
fn regression_13_1_a_cell_without_its_policies_is_not_complete() {
    damaged_cell_is_refused_then_recomputed(
        |v| v["policies"] = serde_json::json!([]),
        "lacks some of the scenario's policies",
        "sweep.csv",
    );
}

/// A cell file of the current format whose policies lost their
/// per-replication values cannot make sweep-replications.csv: a merge
/// refuses it and a resume recomputes it.
#[test]
fn a_cell_without_its_replications_is_not_complete() {
    damaged_cell_is_refused_then_recomputed(
        |v| {
            for p in v["policies"].as_array_mut().unwrap() {
                p.as_object_mut().unwrap().remove("replications").unwrap();
            }
        },
        "lacks some of the scenario's policies or replications",
        "sweep-replications.csv",
    );
}

#[test]
fn regression_13_1_merged_output_can_be_merged_again() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = file(tmp.path(), "s.json", &tiny_text());
    let whole = tmp.path().join("whole");
    ok(sweep(&scenario, &whole, &["-q"]));
    let shards: Vec<String> = (1..=3)
        .map(|k| {
            let dir = tmp.path().join(format!("shard-{k}"));
            ok(sweep(
                &scenario,
                &dir,
                &["-q", "--shard", &format!("{k}/3")],
            ));
            dir.to_str().unwrap().to_string()
        })
        .collect();
    let first = tmp.path().join("first");
    let mut args = vec!["merge", "-o", first.to_str().unwrap()];
    args.extend(shards[..2].iter().map(String::as_str));
    refused(&retrysim(&args), "cells missing");
    // The three merged, then that merge merged again on its own.
    let again = tmp.path().join("again");
    ok(retrysim(&[
        "merge",
        &shards[0],
        &shards[1],
        &shards[2],
        "-o",
        first.to_str().unwrap(),
    ]));
    ok(retrysim(&[
        "merge",
        first.to_str().unwrap(),
        "-o",
        again.to_str().unwrap(),
    ]));
    for name in ["sweep.json", "sweep.csv", "sweep-manifest.json"] {
        assert_eq!(read(&again, name), read(&whole, name), "{name}");
    }
}

/// Makes the sweep in `dir` look as if another model had computed it: its
/// manifest says `model` (none at all for `None`, as manifests written
/// before the version was kept) and its cells carry another fingerprint, as
/// cells of a model with other numbers would.
fn made_by_model(dir: &Path, model: Option<u64>) {
    let path = dir.join("sweep-manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let o = m.as_object_mut().unwrap();
    match model {
        Some(v) => o.insert("model".into(), v.into()),
        None => o.remove("model"),
    };
    std::fs::write(&path, serde_json::to_string_pretty(&m).unwrap()).unwrap();
    for cell in std::fs::read_dir(dir.join("cells")).unwrap() {
        let path = cell.unwrap().path();
        let mut c: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        c["fingerprint"] = format!("sha256:{}", "0".repeat(64)).into();
        std::fs::write(&path, serde_json::to_string_pretty(&c).unwrap()).unwrap();
    }
}

#[test]
fn regression_a_resumed_sweep_recomputes_the_cells_of_another_model() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = file(tmp.path(), "s.json", &tiny_text());
    let out = tmp.path().join("out");
    ok(sweep(&scenario, &out, &["-q"]));
    let fresh = read(&out, "sweep.json");
    let manifest: serde_json::Value =
        serde_json::from_slice(&read(&out, "sweep-manifest.json")).unwrap();
    assert_eq!(
        manifest["model"].as_u64(),
        Some(retrysim::MODEL_VERSION as u64),
        "the manifest names the model that computed its cells"
    );
    made_by_model(&out, None);
    let o = ok(sweep(&scenario, &out, &[]));
    assert!(
        text(&o.stderr).contains(&format!(
            "0 already complete; 4 recomputed: its cells were computed by model version 0, \
             and this retrysim's model is version {}",
            retrysim::MODEL_VERSION
        )),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(read(&out, "sweep.json"), fresh);
}

#[test]
fn regression_merge_refuses_shards_of_another_model() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = file(tmp.path(), "s.json", &tiny_text());
    let shard = |k: &str| {
        let dir = tmp.path().join(format!("shard-{}", &k[..1]));
        ok(sweep(&scenario, &dir, &["--shard", k, "-q"]));
        dir
    };
    let (a, b) = (shard("1/2"), shard("2/2"));
    let out = tmp.path().join("merged");
    let merge = || {
        retrysim(&[
            "merge",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
    };
    let now = retrysim::MODEL_VERSION as u64;
    made_by_model(&b, Some(now + 1));
    refused(
        &merge(),
        &format!(
            "are shards of different sweeps: they were computed by different models \
             (model version {now} here, {} there",
            now + 1
        ),
    );
    made_by_model(&a, Some(now + 1));
    refused(
        &merge(),
        &format!(
            "cannot be merged by this retrysim: its cells were computed by model version {}, \
             and this retrysim's model is version {now}",
            now + 1
        ),
    );
    assert!(!out.exists(), "a refused merge writes nothing");
}

#[test]
fn regression_13_2_a_folder_in_use_by_another_run_is_refused_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    ok(run_tiny(&out, &["-q", "-r", "1"]));
    let before = read(&out, "summary.json");
    // Another process holds the folder (as a run in progress does).
    let lock = std::fs::File::create(out.join(".retrysim-lock")).unwrap();
    lock.try_lock().unwrap();
    let o = run_tiny(&out, &["-q", "-r", "1", "-s", "9"]);
    refused(&o, "is in use by another retrysim run");
    assert_eq!(read(&out, "summary.json"), before, "nothing was touched");
    let o = sweep("tests/data/tiny-spike.json", &out, &["-q"]);
    refused(&o, "is in use by another retrysim run");
    drop(lock);
    ok(run_tiny(&out, &["-q", "-r", "1", "-s", "9"]));
    assert_ne!(read(&out, "summary.json"), before);
}

#[test]
fn regression_13_3_temporary_files_never_follow_a_planted_link() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let victim = tmp.path().join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    ok(run_tiny(&out, &["-q", "-r", "1", "--no-plots"]));
    // Links where retrysim once put its temporary files, and in place of a
    // result: none may write through to the victim.
    for name in [".summary.json.tmp", ".summary.md.tmp", "latency.csv"] {
        let link = out.join(name);
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&victim, &link).unwrap();
    }
    ok(run_tiny(&out, &["-q", "-r", "1", "--no-plots"]));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(
        !out.join("latency.csv").is_symlink(),
        "the link was replaced by the result"
    );
}

#[test]
fn regression_13_4_an_interrupted_run_is_recognised_and_redone() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let dir = out.to_str().unwrap();
    ok(run_tiny(&out, &["-q", "-r", "1"]));
    // What a run killed while writing leaves: an incomplete marker and its
    // temporary files.
    let marker = out.join(".retrysim-results");
    let m = std::fs::read_to_string(&marker).unwrap();
    assert!(m.contains("\"complete\": true"), "{m}");
    std::fs::write(
        &marker,
        m.replace("\"complete\": true", "\"complete\": false"),
    )
    .unwrap();
    let debris = out.join(".summary.json.retrysim-tmp-4242-0");
    std::fs::write(&debris, "half a summa").unwrap();
    // A reader refuses it …
    refused(&retrysim(&["plot", dir]), "holds an interrupted run");
    // … and the next run redoes it without --force, clearing the debris.
    ok(run_tiny(&out, &["-q", "-r", "1"]));
    assert!(!debris.exists());
    assert!(
        std::fs::read_to_string(&marker)
            .unwrap()
            .contains("\"complete\": true")
    );
    ok(retrysim(&["plot", dir]));
}

#[test]
fn regression_13_4_an_unwritable_output_folder_is_found_before_running() {
    let tmp = tempfile::tempdir().unwrap();
    let blocker = file(tmp.path(), "a-file", "not a folder");
    let out = format!("{blocker}/out");
    let o = retrysim(&["run", "tests/data/tiny-spike.json", "-o", &out]);
    refused(&o, "cannot create output folder");
    assert!(
        !text(&o.stderr).contains("running"),
        "refused before the simulation: {}",
        text(&o.stderr)
    );
}

#[test]
fn regression_13_7_sweep_claims_its_folder_like_run() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("notes.txt"), "mine").unwrap();
    let o = sweep("tests/data/tiny-spike.json", tmp.path(), &["-q"]);
    refused(&o, "was not written by retrysim");
    assert!(
        !tmp.path().join(".retrysim-lock").exists(),
        "a refused folder is left as it was"
    );
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("notes.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn regression_13_7_thread_counts_are_bounded() {
    let o = retrysim(&[
        "run",
        "tests/data/tiny-spike.json",
        "-j",
        "100000",
        "-q",
        "--no-plots",
    ]);
    refused(&o, "at most 1024 threads");
}

#[test]
fn regression_13_7_a_policy_name_must_fit_on_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = file(
        tmp.path(),
        "bad.json",
        &tiny_text().replace(r#""name": "no-retry""#, r#""name": "no\nretry""#),
    );
    refused(
        &retrysim(&["validate", &bad]),
        "policies[0].name: must be at most 100 characters and on one line",
    );
}

#[test]
fn regression_13_7_a_list_where_an_object_belongs_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = file(
        tmp.path(),
        "bad.json",
        &tiny_text().replace(
            r#"{ "name": "no-retry" }"#,
            r#"{ "name": "no-retry", "budget": [[]] }"#,
        ),
    );
    refused(
        &retrysim(&["validate", &bad]),
        "policies[0].budget: expected an object {…}, got a list",
    );
}

#[test]
fn regression_13_7_validate_checks_the_sweep_block() {
    let tmp = tempfile::tempdir().unwrap();
    let with = |sweep: &str| {
        file(
            tmp.path(),
            "s.json",
            &tiny_text().replacen("{\n", &format!("{{\n  \"sweep\": {sweep},\n"), 1),
        )
    };
    let good = with(r#"{"service.limiter.rate": [500, 600, 700]}"#);
    let o = ok(retrysim(&["validate", &good]));
    assert!(
        text(&o.stdout).contains("a sweep of 3 cells"),
        "{}",
        text(&o.stdout)
    );
    refused(
        &retrysim(&["validate", &with(r#"{"service.limitr.rate": [500]}"#)]),
        "the scenario has no `service.limitr`",
    );
    refused(
        &retrysim(&["validate", &with(r#"{"service.limiter.rate": [-1]}"#)]),
        "sweep cell service.limiter.rate=-1: service.limiter.rate: must be > 0",
    );
}

#[test]
fn regression_13_7_duplicate_policy_names_are_found_in_linear_time() {
    // 100 000 policies, the last a duplicate of the first: named, not
    // compared pair by pair (that took minutes at 10⁵).
    let mut v: serde_json::Value = serde_json::from_str(&tiny_text()).unwrap();
    let mut policies: Vec<serde_json::Value> = (0..100_000)
        .map(|i| serde_json::json!({"name": format!("p{i}")}))
        .collect();
    policies.push(serde_json::json!({"name": "p0"}));
    v["policies"] = serde_json::Value::Array(policies);
    let tmp = tempfile::tempdir().unwrap();
    let bad = file(tmp.path(), "many.json", &v.to_string());
    refused(
        &retrysim(&["validate", &bad]),
        "policies[100000].name: \"p0\" is already the name of policies[0]",
    );
}

#[test]
fn regression_13_7_an_endless_or_binary_input_is_refused_with_its_place() {
    refused(&retrysim(&["validate", "/dev/zero"]), "larger than 16 MiB");
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("latin1.json");
    let mut bytes = tiny_text().into_bytes();
    let at = bytes.windows(8).position(|w| w == b"tiny-spi").unwrap();
    bytes[at + 2] = 0xE9; // "ti\xe9y": Latin-1, not UTF-8
    std::fs::write(&path, bytes).unwrap();
    refused(
        &retrysim(&["validate", path.to_str().unwrap()]),
        "latin1.json:2:14: not UTF-8 text",
    );
}

/// A small base for the resource and integer tests: 100 requests from one
/// client against 10 workers, one policy.
fn small(change: impl FnOnce(&mut serde_json::Value)) -> serde_json::Value {
    let mut v = serde_json::json!({
        "name": "small", "seed": 3, "replications": 2, "duration": 10, "drain": 10,
        "workload": {"kind": "batch", "requests": 100, "spread": 5},
        "service": {"workers": {"concurrency": 10,
                                "service_time": {"kind": "constant", "value": 0.01}}},
        "policies": [{"name": "p", "max_attempts": 3, "timeout": 1}]
    });
    change(&mut v);
    v
}

/// Runs `scenario` and returns its summary.json.
fn run_small(scenario: &serde_json::Value, extra: &[&str]) -> serde_json::Value {
    let tmp = tempfile::tempdir().unwrap();
    let f = file(tmp.path(), "s.json", &scenario.to_string());
    let out = tmp.path().join("out");
    let mut args = vec!["run", &f, "-q", "--no-plots", "-o", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    ok(retrysim(&args));
    serde_json::from_slice(&read(&out, "summary.json")).unwrap()
}

fn metric(summary: &serde_json::Value, name: &str) -> Option<f64> {
    summary["policies"][0]["metrics"][name]["mean"].as_f64()
}

#[test]
fn regression_13_5_runs_that_cannot_fit_are_refused_with_the_fields_responsible() {
    let tmp = tempfile::tempdir().unwrap();
    // Each would abort with an allocation failure (exit 134) or exhaust the
    // machine; each is refused before any folder is made.
    let cases: [(&str, serde_json::Value, &str); 4] = [
        (
            "breaker",
            small(|v| {
                v["workload"]["clients"] = 1_000_000.into();
                v["policies"][0]["budget"] =
                    serde_json::json!({"circuit_breaker": {"window": 1_000_000}});
            }),
            "guard state of every client instance",
        ),
        (
            "ratio",
            small(|v| {
                v["workload"]["clients"] = 10_000_000.into();
                v["policies"][0]["budget"] = serde_json::json!({"ratio": {"window": 3600}});
            }),
            "ratio.window",
        ),
        (
            "batch",
            small(|v| v["workload"]["requests"] = 100_000_000.into()),
            "set by workload",
        ),
        (
            "bins",
            small(|v| {
                v["duration"] = 999_980.into();
                v["metrics"] = serde_json::json!({"bin": 1});
                v["policies"] = (0..300)
                    .map(|i| serde_json::json!({"name": format!("p{i}")}))
                    .collect();
            }),
            "time-series bins × policies",
        ),
    ];
    for (name, scenario, why) in cases {
        let f = file(tmp.path(), &format!("{name}.json"), &scenario.to_string());
        let out = tmp.path().join(format!("out-{name}"));
        for args in [
            vec!["validate", &f],
            vec!["run", &f, "-q", "-o", out.to_str().unwrap()],
        ] {
            let o = retrysim(&args);
            refused(&o, "of memory, over the limit of 4 GiB");
            refused(&o, why);
            refused(&o, "--max-memory");
        }
        assert!(
            !out.exists(),
            "{name}: nothing is written for a refused run"
        );
    }
}

#[test]
fn regression_13_5_work_without_end_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    // A closed loop whose users never let time pass.
    let closed = small(|v| {
        v["workload"] = serde_json::json!({"kind": "closed", "users": 10,
                                           "think": {"kind": "constant", "value": 0}});
        v["service"]["workers"]["service_time"] =
            serde_json::json!({"kind": "constant", "value": 0});
    });
    let f = file(tmp.path(), "closed.json", &closed.to_string());
    refused(
        &retrysim(&["validate", &f]),
        "workload.think: a think time of 0",
    );
    // A saturated closed system is fine while every request is served …
    let saturated = small(|v| {
        v["workload"] = serde_json::json!({"kind": "closed", "users": 10,
                                           "think": {"kind": "constant", "value": 0}});
    });
    let f = file(tmp.path(), "saturated.json", &saturated.to_string());
    ok(retrysim(&["validate", &f]));
    // … but not when a limiter may answer at once, with no latency.
    let mut limited = saturated.clone();
    limited["service"]["limiter"] = serde_json::json!({"rate": 10, "burst": 10});
    let f = file(tmp.path(), "limited.json", &limited.to_string());
    refused(
        &retrysim(&["validate", &f]),
        "a service that may answer without serving",
    );
    // Latency does not help when a breaker fails requests without sending.
    let breaker = small(|v| {
        v["workload"] = serde_json::json!({"kind": "closed", "users": 10,
                                           "think": {"kind": "constant", "value": 0}});
        v["network"] = serde_json::json!({"latency": {"kind": "constant", "value": 0.01}});
        v["policies"][0]["budget"] = serde_json::json!({"circuit_breaker": {}});
    });
    let f = file(tmp.path(), "breaker.json", &breaker.to_string());
    refused(
        &retrysim(&["validate", &f]),
        "has a guard that fails requests without sending them",
    );
    // 1 000 attempts with no backoff × 10⁶ requests that all fail, 10 times.
    let storm = small(|v| {
        v["replications"] = 10.into();
        v["workload"]["requests"] = 1_000_000.into();
        v["service"]["outages"] = serde_json::json!([{"start": 0, "end": 1e6, "mode": "error"}]);
        v["policies"][0] =
            serde_json::json!({"name": "p", "max_attempts": 1000, "backoff": {"kind": "none"}});
    });
    let f = file(tmp.path(), "storm.json", &storm.to_string());
    let o = retrysim(&[
        "run",
        &f,
        "-q",
        "-o",
        tmp.path().join("o").to_str().unwrap(),
    ]);
    refused(&o, "may send up to 1.000e10 attempts");
    refused(&o, "--max-attempts");
    // The limits are the user's to raise; the estimate is shown by validate.
    let o = ok(retrysim(&[
        "validate",
        &f,
        "--max-attempts",
        "2e10",
        "--max-memory",
        "64G",
    ]));
    assert!(
        text(&o.stdout).contains("up to 1.000e10 attempts"),
        "{}",
        text(&o.stdout)
    );
    refused(
        &retrysim(&["validate", &f, "--max-memory", "lots"]),
        "expected a size such as 512M",
    );
}

#[test]
fn regression_13_6_a_retry_quota_at_the_largest_capacity_still_pays_for_retries() {
    let quota = |capacity: u64| {
        small(|v| {
            v["service"]["outages"] =
                serde_json::json!([{"start": 0, "end": 1e6, "mode": "error"}]);
            v["policies"][0]["budget"] = serde_json::json!({"retry_quota": {
                "capacity": capacity, "initial": capacity,
                "retry_cost": 4294967295u64, "timeout_cost": 4294967295u64,
                "success_increment": 4294967295u64}});
        })
    };
    // Full at u32::MAX: the first retry is paid for, then the quota is empty.
    let s = run_small(&quota(4_294_967_295), &[]);
    let per_request = metric(&s, "amplification").unwrap();
    assert!(per_request > 1.0 && per_request < 1.1, "{per_request}");
    let tmp = tempfile::tempdir().unwrap();
    let f = file(tmp.path(), "q.json", &quota(4_294_967_296).to_string());
    refused(&retrysim(&["validate", &f]), "retry_quota.capacity");
}

#[test]
fn regression_13_6_a_service_slower_than_the_horizon_never_serves() {
    // 10⁹ s of service slowed 20-fold overflowed `now + service` and the
    // requests "succeeded" in 0 s.
    let s = run_small(
        &small(|v| {
            v["service"]["workers"]["service_time"] =
                serde_json::json!({"kind": "constant", "value": 1e9});
            v["triggers"] = serde_json::json!([{"kind": "capacity_drop", "start": 0, "duration": 5,
                                                "capacity": 1, "slowdown": 20}]);
            v["policies"][0]["timeout"] = 1e9.into();
        }),
        &[],
    );
    assert_eq!(metric(&s, "success_rate"), Some(0.0));
}

#[test]
fn regression_13_6_every_integer_field_at_its_maximum_validates_or_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let fields: [(&str, &str); 14] = [
        ("/replications", "replications"),
        ("/seed", ""),
        ("/workload/requests", "workload.requests"),
        ("/workload/clients", "workload.clients"),
        ("/policies/0/max_attempts", "policies[0].max_attempts"),
        ("/service/workers/concurrency", ""),
        ("/service/workers/queue_limit", ""),
        (
            "/policies/0/budget/circuit_breaker/window",
            "circuit_breaker.window",
        ),
        (
            "/policies/0/budget/circuit_breaker/minimum_calls",
            "circuit_breaker.minimum_calls",
        ),
        ("/policies/0/budget/circuit_breaker/half_open_calls", ""),
        ("/policies/0/budget/ratio/window", "ratio.window"),
        (
            "/policies/0/budget/adaptive_throttle/window",
            "adaptive_throttle.window",
        ),
        ("/policies/0/budget/retry_quota/retry_cost", ""),
        ("/policies/0/budget/retry_quota/success_increment", ""),
    ];
    for (pointer, refusal) in fields {
        for max in [u32::MAX as u64, u64::MAX] {
            let scenario = small(|v| {
                v["policies"][0]["budget"] = serde_json::json!({
                    "circuit_breaker": {}, "ratio": {}, "adaptive_throttle": {},
                    "retry_quota": {}, "grpc_throttle": {"max_tokens": 10, "token_ratio": 0.1}});
                let (parent, key) = pointer.rsplit_once('/').unwrap();
                v.pointer_mut(parent).unwrap()[key] = max.into();
            });
            let f = file(tmp.path(), "edge.json", &scenario.to_string());
            let o = retrysim(&["validate", &f]);
            let said = text(&o.stderr);
            assert!(!said.contains("panicked"), "{pointer}={max}: {said}");
            match o.status.code() {
                Some(0) => {
                    // Valid: it must also run (in seconds) without a panic.
                    let out = tmp.path().join("edge-out");
                    let o = retrysim(&[
                        "run",
                        &f,
                        "-q",
                        "--no-plots",
                        "--force",
                        "-o",
                        out.to_str().unwrap(),
                    ]);
                    assert!(
                        o.status.code() == Some(0) || o.status.code() == Some(2),
                        "{pointer}={max}: {}",
                        text(&o.stderr)
                    );
                    assert!(!text(&o.stderr).contains("panicked"), "{pointer}={max}");
                }
                // A refusal names the field (its last part at least, or
                // the fuller path given) and says what was wrong.
                Some(2) => {
                    let field = pointer.rsplit('/').next().unwrap();
                    assert!(
                        said.contains(field) && (refusal.is_empty() || said.contains(refusal)),
                        "{pointer}={max} is refused without naming {field:?} / {refusal:?}: {said}"
                    );
                    assert!(
                        said.contains("expected a whole number")
                            || said.contains("at most")
                            || said.contains("over the limit")
                            || said.contains("must be"),
                        "{pointer}={max} is refused without saying why: {said}"
                    );
                }
                other => panic!("{pointer}={max}: exit {other:?}: {said}"),
            }
        }
    }
}
