//! Runs the `retrysim` binary on real scenario files and checks what a user
//! would see: files written, tables printed, errors and exit codes.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{read, refused, retrysim, sweep, text};

fn tiny() -> String {
    format!("{}/tests/data/tiny-spike.json", env!("CARGO_MANIFEST_DIR"))
}

fn run_into(dir: &Path, extra: &[&str]) -> Output {
    let scenario = tiny();
    let mut args = vec!["run", scenario.as_str(), "--out", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = retrysim(&args);
    assert!(o.status.success(), "run failed: {}", text(&o.stderr));
    o
}

#[test]
fn run_writes_summary_markdown_and_timeseries() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run_into(tmp.path(), &["--quiet"]);
    assert!(o.stdout.is_empty(), "--quiet prints nothing");

    let summary: serde_json::Value =
        serde_json::from_slice(&read(tmp.path(), "summary.json")).unwrap();
    assert_eq!(summary["scenario"]["name"], "tiny-spike");
    let policies = summary["policies"].as_array().unwrap();
    let names: Vec<_> = policies
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["no-retry", "constant-1s", "exp-full-jitter"]);
    for p in policies {
        let m = &p["metrics"];
        let rate = m["success_rate"]["mean"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&rate));
        let [lo, hi] = [0, 1].map(|i| m["success_rate"]["ci95"][i].as_f64().unwrap());
        assert!(lo <= rate && rate <= hi, "mean inside its CI");
        assert_eq!(m["success_rate"]["of"], 3);
        assert!(m["amplification"]["mean"].as_f64().unwrap() >= 1.0);
        assert!(m.get("error_recovery_s").is_some() && m.get("user_recovery_s").is_some());
    }
    // Retrying succeeds more often than not retrying, on the same arrivals.
    let rate = |i: usize| {
        policies[i]["metrics"]["success_rate"]["mean"]
            .as_f64()
            .unwrap()
    };
    assert!(rate(2) > rate(0));

    let csv = text(&read(tmp.path(), "timeseries.csv"));
    let mut lines = csv.lines();
    let header: Vec<_> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        &header[..4],
        ["policy", "t_start_s", "arrivals", "attempts"]
    );
    assert!(header.contains(&"rate_limited_429") && header.contains(&"attempt_error_share"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert!(rows.iter().all(|r| r.len() == header.len()));
    for name in names {
        let n = rows.iter().filter(|r| r[0] == name).count();
        assert!(n >= 30, "{name}: {n} bins for a 30 s load");
    }
    // Arrivals are the same for every policy (common random numbers).
    let arrivals = |name: &str| {
        rows.iter()
            .filter(|r| r[0] == name)
            .take(30)
            .map(|r| r[2])
            .collect::<Vec<_>>()
    };
    assert_eq!(arrivals("no-retry"), arrivals("exp-full-jitter"));

    let md = text(&read(tmp.path(), "summary.md"));
    assert!(md.starts_with("# tiny-spike\n"));
    assert!(md.contains("| policy | success | attempts / request |"));
    assert!(md.contains("| exp-full-jitter |"));
    assert!(md.contains("*User recovery*"));
}

#[test]
fn run_prints_the_headline_table() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run_into(tmp.path(), &["-r", "2"]);
    let out = text(&o.stdout);
    assert!(
        out.contains("tiny-spike: 2 replications per policy, random seed 5"),
        "{out}"
    );
    assert!(out.contains("error recovery"), "{out}");
    // An aligned table, not Markdown: every row of the headline starts its
    // columns at the same place.
    assert!(!out.contains("| constant-1s |"), "{out}");
    let rows: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("policy"))
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(rows.len(), 5, "header, rule, three policies: {out}");
    // Where the second column starts, in characters (the rule is `─`).
    let col = |l: &str| {
        let c: Vec<char> = l.chars().collect();
        (1..c.len()).find(|&i| c[i] != ' ' && c[i - 1] == ' ' && c[i - 2] == ' ')
    };
    assert!(rows.iter().all(|r| col(r) == col(rows[0])), "{out}");
    // The file keeps the Markdown.
    let md = text(&read(tmp.path(), "summary.md"));
    assert!(md.contains("| constant-1s |"), "{md}");
}

#[test]
fn same_seed_gives_identical_bytes_on_any_thread_count() {
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    run_into(dirs[0].path(), &["-q", "-j", "1"]);
    run_into(dirs[1].path(), &["-q", "-j", "2"]);
    run_into(dirs[2].path(), &["-q", "-j", "2"]);
    for name in ["summary.json", "summary.md", "timeseries.csv"] {
        let a = read(dirs[0].path(), name);
        assert_eq!(a, read(dirs[1].path(), name), "{name}: 1 vs 2 threads");
        assert_eq!(a, read(dirs[2].path(), name), "{name}: run twice");
    }
    // And a different seed gives different results.
    let other = tempfile::tempdir().unwrap();
    run_into(other.path(), &["-q", "--seed", "6"]);
    assert_ne!(
        read(dirs[0].path(), "summary.json"),
        read(other.path(), "summary.json")
    );
}

/// Writes `content` as a scenario, runs it, and returns (exit code, stderr,
/// whether any output appeared).
fn run_bad(content: &str) -> (i32, String, bool) {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("bad.json");
    std::fs::write(&file, content).unwrap();
    let out = tmp.path().join("out");
    let o = retrysim(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    (o.status.code().unwrap(), text(&o.stderr), out.exists())
}

fn tiny_with(from: &str, to: &str) -> String {
    let s = std::fs::read_to_string(tiny()).unwrap();
    assert!(s.contains(from), "fixture lacks {from}");
    s.replacen(from, to, 1)
}

#[test]
fn malformed_json_names_file_line_and_column() {
    let (code, err, wrote) = run_bad(&tiny_with(r#""seed": 5,"#, r#""seed": 5"#));
    assert_eq!(code, 2);
    assert!(!wrote, "no partial output");
    assert!(
        err.contains("bad.json:5:3: malformed JSON: expected `,` or `}`"),
        "{err}"
    );
    assert!(!err.contains("panicked"));
}

#[test]
fn unknown_field_names_file_position_and_path() {
    let (code, err, wrote) = run_bad(&tiny_with(
        r#""max_attempts": 5, "backoff": { "kind": "constant""#,
        r#""max_attempt": 5, "backoff": { "kind": "constant""#,
    ));
    assert_eq!(code, 2);
    assert!(!wrote);
    assert!(err.contains("bad.json:"), "{err}");
    assert!(
        err.contains("policies[1].max_attempt: unknown field `max_attempt`"),
        "{err}"
    );
}

#[test]
fn out_of_range_value_names_field_rule_and_value() {
    let (code, err, wrote) = run_bad(&tiny_with(r#""rate": 600"#, r#""rate": -5"#));
    assert_eq!(code, 2);
    assert!(!wrote);
    assert!(
        err.contains("bad.json: invalid scenario: service.limiter.rate: must be > 0"),
        "{err}"
    );
    assert!(err.contains("got -5"), "{err}");
}

#[test]
fn missing_file_is_a_clear_error() {
    let o = retrysim(&["run", "no/such/file.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("cannot read scenario file no/such/file.json"));
}

#[test]
fn validate_checks_every_shipped_scenario() {
    let files = shipped_scenarios();
    assert!(!files.is_empty());
    let mut args = vec!["validate".to_string()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    let o = retrysim(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout)
            .lines()
            .filter(|l| l.starts_with("ok: "))
            .count(),
        files.len()
    );
}

#[test]
fn validate_fails_on_a_bad_file() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("bad.json");
    std::fs::write(&file, tiny_with(r#""burst": 600"#, r#""burst": 0"#)).unwrap();
    let o = retrysim(&["validate", &tiny(), file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stdout).contains("ok: "));
    assert!(text(&o.stderr).contains("service.limiter.burst: must be between 1 and 1e6"));
}

#[test]
fn help_explains_every_run_option_and_its_default() {
    let o = retrysim(&["run", "--help"]);
    let h = text(&o.stdout);
    for s in [
        "--replications",
        "--seed",
        "--threads",
        "--out",
        "--quiet",
        "default: all cores",
        "output/<scenario name>",
        "--force",
        "--max-memory",
        "[default: 4G]",
        "--max-attempts",
    ] {
        assert!(h.contains(s), "run --help lacks {s}:\n{h}");
    }
    let o = retrysim(&["--help"]);
    assert!(text(&o.stdout).contains("retrysim run scenarios/double11-spike.json"));
}

#[test]
fn bad_replications_flag_is_refused() {
    let o = retrysim(&["run", &tiny(), "-r", "0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("invalid scenario: --replications: must be between 1"),
        "{}",
        text(&o.stderr)
    );
}

/// `check -r 0` used to run and exit 1 with a message about verdicts.
#[test]
fn regression_check_refuses_zero_replications_as_bad_input() {
    let o = retrysim(&["check", "scenarios/claims/s0-1.json", "-r", "0", "-q"]);
    refused(&o, "--replications: must be between 1 and 100000, got 0");
}

fn shipped_scenarios() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
    files.sort();
    files
}

fn summary_of(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&read(dir, "summary.json")).unwrap()
}

#[test]
fn every_shipped_scenario_runs() {
    for file in shipped_scenarios() {
        let tmp = tempfile::tempdir().unwrap();
        let o = retrysim(&[
            "run",
            file.to_str().unwrap(),
            "-r",
            "1",
            "-q",
            "-o",
            tmp.path().to_str().unwrap(),
        ]);
        assert!(
            o.status.success(),
            "{}: {}",
            file.display(),
            text(&o.stderr)
        );
        let spec: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let summary = summary_of(tmp.path());
        let policies = summary["policies"].as_array().unwrap();
        assert_eq!(
            policies.len(),
            spec["policies"].as_array().unwrap().len(),
            "{}",
            file.display()
        );
        for p in policies {
            let rate = p["metrics"]["success_rate"]["mean"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&rate), "{}", file.display());
            let priced = p["metrics"]["cost_total"]["mean"].as_f64();
            assert_eq!(
                priced.is_some(),
                spec.get("cost").is_some(),
                "{}: cost iff priced",
                file.display()
            );
        }
        let md = text(&read(tmp.path(), "summary.md"));
        assert_eq!(
            md.contains("## Cost"),
            spec.get("cost").is_some(),
            "{}",
            file.display()
        );
    }
}

/// Runs a shipped scenario with `reps` replications into a temporary
/// folder; fails the test if the run fails.
fn run_shipped(file: &str, reps: &str) -> (tempfile::TempDir, Output) {
    let tmp = tempfile::tempdir().unwrap();
    let o = retrysim(&["run", file, "-r", reps, "-o", tmp.path().to_str().unwrap()]);
    assert!(o.status.success(), "{file}: {}", text(&o.stderr));
    (tmp, o)
}

#[test]
fn budget_race_reserve_holds_the_limit_and_post_overshoot_is_reported() {
    let (tmp, _) = run_shipped("scenarios/budget-race.json", "3");
    let summary = summary_of(tmp.path());
    let metric = |policy: usize, key: &str| {
        summary["policies"][policy]["metrics"][key]["mean"]
            .as_f64()
            .unwrap()
    };
    // Reserve: never above the $10 limit (each call costs $0.02).
    assert!(
        metric(0, "cost_total") <= 10.0 + 1e-9,
        "{}",
        metric(0, "cost_total")
    );
    assert_eq!(metric(0, "money_overshoot"), 0.0);
    // Post: the calls in flight all passed the check.
    assert!(metric(1, "cost_total") > 10.5);
    assert!(metric(1, "money_overshoot") > 0.5);
    let md = text(&read(tmp.path(), "summary.md"));
    assert!(md.contains("guard overshoot"));
}

const CHARTS: [&str; 4] = [
    "timeline.png",
    "outcomes.png",
    "latency_cdf.png",
    "attempts.png",
];

/// Decodes a PNG: (width, height, share of pixels that are not white,
/// number of distinct colours).
fn inspect_png(bytes: &[u8]) -> (u32, u32, f64, usize) {
    let decoder = png::Decoder::new(bytes);
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("decodes");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let px: Vec<&[u8]> = buf[..info.buffer_size()].chunks(3).collect();
    let inked = px.iter().filter(|p| **p != [255, 255, 255]).count();
    let colours: std::collections::BTreeSet<&[u8]> = px.iter().copied().collect();
    (
        info.width,
        info.height,
        inked as f64 / px.len() as f64,
        colours.len(),
    )
}

#[test]
fn run_draws_every_chart_and_plot_redraws_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    run_into(tmp.path(), &["-q"]);
    let mut first = Vec::new();
    for name in CHARTS {
        let bytes = read(tmp.path(), name);
        let (w, h, inked, colours) = inspect_png(&bytes);
        assert_eq!(w, 1600, "{name}");
        assert!(h >= 600, "{name}: height {h}");
        assert!(inked > 0.02, "{name}: only {inked} of the pixels are drawn");
        assert!(
            colours >= 8,
            "{name}: {colours} colours: policies are not told apart"
        );
        first.push(bytes);
    }
    assert!(
        !tmp.path().join("cost.png").exists(),
        "unpriced scenario: no cost chart"
    );
    for name in CHARTS {
        std::fs::remove_file(tmp.path().join(name)).unwrap();
    }
    for _ in 0..2 {
        let o = retrysim(&["plot", tmp.path().to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        for (name, bytes) in CHARTS.iter().zip(&first) {
            assert_eq!(&read(tmp.path(), name), bytes, "{name} redrawn differs");
        }
    }
}

#[test]
fn priced_scenarios_get_a_cost_chart_and_no_plots_skips_charts() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_str().unwrap();
    let o = retrysim(&[
        "run",
        "scenarios/budget-race.json",
        "-r",
        "2",
        "-q",
        "-o",
        dir,
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let (w, h, inked, _) = inspect_png(&read(tmp.path(), "cost.png"));
    assert_eq!((w, h), (1600, 1000));
    assert!(inked > 0.02);

    let bare = tempfile::tempdir().unwrap();
    run_into(bare.path(), &["-q", "--no-plots"]);
    assert!(bare.path().join("summary.json").exists());
    assert!(CHARTS.iter().all(|c| !bare.path().join(c).exists()));
}

#[test]
fn plot_on_a_folder_without_results_says_what_is_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let o = retrysim(&["plot", tmp.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("summary.json") && err.contains("written by `retrysim run`"),
        "{err}"
    );
}

/// Writes a claim file (and runs `retrysim check` on it with extra args).
fn check_claim(dir: &Path, claim: &serde_json::Value, extra: &[&str]) -> Output {
    let file = dir.join("claim.json");
    std::fs::write(&file, serde_json::to_string_pretty(claim).unwrap()).unwrap();
    let out = dir.join("out");
    let mut args = vec![
        "check",
        file.to_str().unwrap(),
        "-q",
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    retrysim(&args)
}

fn shipped_claim(name: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/claims")
        .join(name);
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    if let Some(s) = v.get("scenario").and_then(|s| s.as_str()) {
        // Make the scenario path absolute: the copy lives elsewhere.
        let abs = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios/claims")
            .join(s);
        v["scenario"] = serde_json::Value::String(abs.display().to_string());
    }
    v
}

#[test]
fn check_passes_when_verdicts_match_their_pins() {
    let tmp = tempfile::tempdir().unwrap();
    let o = check_claim(tmp.path(), &shipped_claim("s1-7.json"), &["-r", "3"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let report: serde_json::Value =
        serde_json::from_slice(&read(&tmp.path().join("out"), "report.json")).unwrap();
    assert_eq!(report[0]["finding"]["verdict"], "reproduced");
    assert_eq!(report[0]["matches_pin"], true);
    assert!(report[0]["error"].is_null());
    let md = text(&read(&tmp.path().join("out"), "report.md"));
    assert!(md.contains("| S1-7 |") && md.contains("## Why each verdict"));
}

/// `check` refused a folder an older retrysim had written (no marker) and
/// told the user to pass --force, which it did not take.
#[test]
fn regression_check_takes_force_for_a_folder_it_did_not_write() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("report.md"), "an older report").unwrap();
    let o = check_claim(tmp.path(), &shipped_claim("s0-8.json"), &[]);
    refused(&o, "or pass --force");
    let o = check_claim(tmp.path(), &shipped_claim("s0-8.json"), &["--force"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_ne!(text(&read(&out, "report.md")), "an older report");
}

#[test]
fn check_fails_when_a_pinned_verdict_changes() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["s0-8.json", "s1-7.json"] {
        let mut claim = shipped_claim(name);
        let flipped = if claim["expected"] == "refuted" {
            "reproduced"
        } else {
            "refuted"
        };
        claim["expected"] = serde_json::Value::String(flipped.into());
        let o = check_claim(tmp.path(), &claim, &["-r", "3"]);
        assert_eq!(o.status.code(), Some(1), "{name}");
        let err = text(&o.stderr);
        assert!(
            err.contains(&format!(
                "pinned {}",
                if flipped == "refuted" {
                    "Refuted"
                } else {
                    "Reproduced"
                }
            )),
            "{err}"
        );
        assert!(
            err.contains("1 of 1 claims differ from their pinned verdict"),
            "{err}"
        );
    }
}

#[test]
fn check_reports_broken_claim_and_scenario_files() {
    let tmp = tempfile::tempdir().unwrap();
    let mut claim = shipped_claim("s1-7.json");
    claim["check"]["policy"] = "no-such-policy".into();
    let o = check_claim(tmp.path(), &claim, &["-r", "2"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("has no policy `no-such-policy`"),
        "{}",
        text(&o.stderr)
    );

    let bad_scenario = tmp.path().join("bad.json");
    std::fs::write(&bad_scenario, "{ \"name\": ").unwrap();
    claim["scenario"] = bad_scenario.display().to_string().into();
    let o = check_claim(tmp.path(), &claim, &[]);
    refused(&o, "bad.json:1:");

    let file = tmp.path().join("claim.json");
    std::fs::write(&file, "{\"id\": \"X\", \"sorce\": 1}").unwrap();
    let o = retrysim(&["check", file.to_str().unwrap(), "-q"]);
    refused(&o, "unknown field `sorce`");
}

#[test]
fn every_shipped_claim_is_well_formed_and_covers_the_claims_list() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/claims");
    let mut ids = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(e.unwrap().path()).unwrap()).unwrap();
        assert!(
            v["reason"].as_str().unwrap().len() > 80,
            "{}: the reason must explain",
            v["id"]
        );
        ids.push(
            v["id"]
                .as_str()
                .unwrap()
                .split(['a', 'b', 'c'])
                .next()
                .unwrap()
                .to_string(),
        );
    }
    for id in (1..=9)
        .map(|i| format!("S0-{i}"))
        .chain((1..=7).map(|i| format!("S1-{i}")))
    {
        assert!(ids.contains(&id), "no claim file checks {id}");
    }
}

#[test]
fn sharded_sweep_merges_into_the_same_bytes_as_the_whole_sweep() {
    let whole = tempfile::tempdir().unwrap();
    let o = sweep(whole.path(), &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let csv = read(whole.path(), "sweep.csv");
    assert_eq!(
        text(&csv).lines().next().unwrap(),
        "cell,service.limiter.rate,policies[*].max_attempts,policy,metric,mean,ci_low,ci_high,n,of,unit"
    );
    let replications = read(whole.path(), "sweep-replications.csv");
    assert_eq!(
        text(&replications).lines().next().unwrap(),
        "cell,service.limiter.rate,policies[*].max_attempts,policy,replication,seed,metric,value,unit"
    );

    let shards: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    for (k, dir) in shards.iter().enumerate() {
        let shard = format!("{}/3", k + 1);
        let o = sweep(dir.path(), &["--shard", &shard]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        assert!(
            !dir.path().join("sweep.csv").exists(),
            "a shard writes a partial result only"
        );
    }
    let merged = tempfile::tempdir().unwrap();
    let mut args = vec!["merge", "-o", merged.path().to_str().unwrap()];
    args.extend(shards.iter().map(|d| d.path().to_str().unwrap()));
    let o = retrysim(&args);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(read(merged.path(), "sweep.csv"), csv);
    assert_eq!(read(merged.path(), "sweep-replications.csv"), replications);
    assert_eq!(
        read(merged.path(), "sweep.json"),
        read(whole.path(), "sweep.json")
    );
    // The 2-D sweep's heatmaps come out the same too.
    for chart in ["sweep-success_rate.png", "sweep-error_recovery_s.png"] {
        let png = read(whole.path(), chart);
        assert_eq!(read(merged.path(), chart), png, "{chart}");
        let (w, _, inked, _) = inspect_png(&png);
        assert_eq!(w, 1600);
        assert!(inked > 0.05, "{chart}: a heatmap is mostly ink");
    }

    // A missing shard is named; a shard given twice duplicates cells.
    let o = retrysim(&[
        "merge",
        "-o",
        merged.path().to_str().unwrap(),
        shards[0].path().to_str().unwrap(),
    ]);
    refused(&o, "cells missing");
    let s0 = shards[0].path().to_str().unwrap();
    let o = retrysim(&[
        "merge",
        "-o",
        merged.path().to_str().unwrap(),
        s0,
        s0,
        shards[1].path().to_str().unwrap(),
        shards[2].path().to_str().unwrap(),
    ]);
    refused(&o, "duplicated cells");
}

#[test]
fn a_cell_gives_the_same_numbers_alone_and_inside_a_sweep() {
    let grid = tempfile::tempdir().unwrap();
    assert!(sweep(grid.path(), &[]).status.success());
    let alone = tempfile::tempdir().unwrap();
    let scenario = tiny();
    let o = retrysim(&[
        "sweep",
        &scenario,
        "--set",
        "service.limiter.rate=650",
        "--set",
        "policies[*].max_attempts=3",
        "-r",
        "2",
        "-q",
        "-o",
        alone.path().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    // Cell 3 of the 2 × 2 grid is (650, 3); alone it is cell 0.
    assert_eq!(
        read(&grid.path().join("cells"), "cell-000003.json"),
        read(&alone.path().join("cells"), "cell-000000.json")
    );
}

/// A cell file's text without its per-replication arrays (which
/// sweep.json leaves out).
fn without_replications(cell: &str) -> String {
    let key = "\"replications\":[";
    let mut out = String::new();
    let mut rest = cell;
    while let Some(at) = rest.find(key) {
        out.push_str(&rest[..at]);
        let mut depth = 0;
        let mut end = rest.len();
        for (i, c) in rest[at + key.len() - 1..].char_indices() {
            match c {
                '[' => depth += 1,
                ']' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                end = at + key.len() - 1 + i + 1;
                break;
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// sweep.json used to carry its cells' figures one unit in the last place
/// off: they were read back with serde_json's fast, inexact float parser.
/// Compared as written, digit for digit.
#[test]
fn regression_sweep_json_carries_its_cells_figures_to_the_last_digit() {
    let dir = tempfile::tempdir().unwrap();
    assert!(sweep(dir.path(), &[]).status.success());
    let numbers = |s: &str| -> Vec<String> {
        s.split(|c: char| !(c.is_ascii_digit() || ".eE+-".contains(c)))
            .filter(|t| t.chars().any(|c| c.is_ascii_digit()))
            .map(str::to_string)
            .collect()
    };
    let doc = text(&read(dir.path(), "sweep.json"));
    let per_cell: Vec<&str> = doc.split("\"policies\": [").skip(1).collect();
    assert_eq!(per_cell.len(), 4);
    for (i, part) in per_cell.iter().enumerate() {
        let part = part.split("\"index\":").next().unwrap();
        let cell = text(&read(dir.path(), &format!("cells/cell-{i:06}.json")));
        let stored = without_replications(cell.split("\"policies\":[").nth(1).unwrap());
        let (a, b) = (numbers(part), numbers(&stored));
        assert!(a.len() > 100, "{} numbers", a.len());
        assert_eq!(a, b, "cell {i}");
    }
}

#[test]
fn resumed_sweep_skips_complete_cells_and_redoes_broken_ones() {
    let dir = tempfile::tempdir().unwrap();
    assert!(sweep(dir.path(), &[]).status.success());
    let csv = read(dir.path(), "sweep.csv");
    let cells = dir.path().join("cells");
    std::fs::write(cells.join("cell-000001.json"), "{\"key\": \"trunc").unwrap();
    std::fs::remove_file(cells.join("cell-000002.json")).unwrap();
    // A complete cell, re-serialised with other whitespace: the same
    // result in bytes no run writes, so a rewrite would show.
    let complete = cells.join("cell-000000.json");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&complete).unwrap()).unwrap();
    let marked = serde_json::to_string_pretty(&v).unwrap() + "\n";
    std::fs::write(&complete, &marked).unwrap();
    let scenario = tiny();
    let o = retrysim(&[
        "sweep",
        &scenario,
        "--set",
        "service.limiter.rate=500,650",
        "--set",
        "policies[*].max_attempts=1,3",
        "-r",
        "2",
        "-o",
        dir.path().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains(
            "4 cells (2 already complete; 1 recomputed: their files were broken or incomplete)"
        ),
        "{err}"
    );
    assert_eq!(
        text(&std::fs::read(&complete).unwrap()),
        marked,
        "a complete cell is reused, not recomputed"
    );
    assert_eq!(read(dir.path(), "sweep.csv"), csv);
}

#[test]
fn bad_sweep_paths_and_values_name_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = tiny();
    let out = dir.path().to_str().unwrap();
    let o = retrysim(&[
        "sweep",
        &scenario,
        "--set",
        "servce.limiter.rate=1,2",
        "-o",
        out,
    ]);
    refused(&o, "servce.limiter.rate: the scenario has no `servce`");
    let o = retrysim(&[
        "sweep",
        &scenario,
        "--set",
        "service.limiter.rate=600,-5",
        "-o",
        out,
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("sweep cell service.limiter.rate=-5")
            && err.contains("service.limiter.rate: must be > 0"),
        "{err}"
    );
    assert!(
        !dir.path().join("cells").exists(),
        "nothing runs when a cell is invalid"
    );
    let o = retrysim(&["sweep", &scenario, "-o", out]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("nothing to sweep"));
}

#[test]
fn a_results_folder_is_not_mixed_with_another_scenarios_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_str().unwrap();
    run_into(tmp.path(), &["-q", "-r", "1"]);
    // Another scenario into the same folder: refused, nothing changed.
    let before = read(tmp.path(), "summary.json");
    let o = retrysim(&[
        "run",
        "scenarios/budget-race.json",
        "-r",
        "1",
        "-q",
        "-o",
        dir,
    ]);
    refused(&o, "holds the results of `run tiny-spike`");
    assert_eq!(read(tmp.path(), "summary.json"), before);
    // With --force it is replaced; the priced run adds cost.png …
    let o = retrysim(&[
        "run",
        "scenarios/budget-race.json",
        "-r",
        "1",
        "-q",
        "--force",
        "-o",
        dir,
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(tmp.path().join("cost.png").exists());
    // … and an unpriced run without charts leaves none of them behind.
    let o = retrysim(&[
        "run",
        &tiny(),
        "-r",
        "1",
        "-q",
        "--force",
        "--no-plots",
        "-o",
        dir,
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(!tmp.path().join("cost.png").exists() && !tmp.path().join("timeline.png").exists());
    // The same scenario again needs no --force.
    run_into(tmp.path(), &["-q", "-r", "1"]);
    // A folder of someone else's files is refused.
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join("notes.txt"), "mine").unwrap();
    let o = retrysim(&["run", &tiny(), "-q", "-o", other.path().to_str().unwrap()]);
    refused(&o, "was not written by retrysim");
}

/// The mean of `key` for policy `policy` in sweep cell `cell`.
fn cell_mean(sweep: &serde_json::Value, cell: usize, policy: &str, key: &str) -> Option<f64> {
    sweep["cells"][cell]["policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == policy)
        .unwrap_or_else(|| panic!("no policy {policy}"))["metrics"][key]["mean"]
        .as_f64()
}

/// Sweeps a shipped scenario into a temporary folder; returns its sweep.json.
fn sweep_shipped(file: &str, extra: &[&str]) -> (tempfile::TempDir, serde_json::Value) {
    let tmp = tempfile::tempdir().unwrap();
    let mut args = vec!["sweep", file, "-q", "-o", tmp.path().to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = retrysim(&args);
    assert!(o.status.success(), "{file}: {}", text(&o.stderr));
    let v = serde_json::from_slice(&read(tmp.path(), "sweep.json")).unwrap();
    (tmp, v)
}

#[test]
fn metastable_spike_storm_outlives_the_spike_unless_a_budget_stops_it() {
    let (tmp, o) = run_shipped("scenarios/metastable-spike.json", "2");
    assert!(text(&o.stdout).contains("After the trigger"));
    let s = summary_of(tmp.path());
    let fig = |p: usize, k: &str| s["policies"][p]["metrics"][k]["mean"].as_f64();
    assert_eq!(
        fig(0, "metastable"),
        Some(1.0),
        "immediate retries stay down"
    );
    assert_eq!(
        fig(1, "metastable"),
        Some(1.0),
        "backoff alone does not cut load"
    );
    assert_eq!(fig(2, "metastable"), Some(0.0), "the retry quota recovers");
    assert!(fig(2, "user_recovery_after_end_s").is_some());
    assert_eq!(s["recovery"]["triggers"][0]["kind"], "load_spike");
    assert_eq!(s["recovery"]["trigger_end_s"], 40.0);
    let md = text(&read(tmp.path(), "summary.md"));
    assert!(md.contains("## After the trigger") && md.contains("load spike 30–40 s"));
    assert!(!read(tmp.path(), "timeline.png").is_empty());
}

#[test]
fn capacity_drop_grid_finds_where_the_service_stops_recovering() {
    let (tmp, v) = sweep_shipped(
        "scenarios/capacity-drop.json",
        &[
            "--set",
            "triggers[0].capacity=0.9,0.3",
            "--set",
            "triggers[0].duration=5,20",
            "-r",
            "1",
        ],
    );
    // Cells in grid order: (0.9, 5), (0.9, 20), (0.3, 5), (0.3, 20).
    assert_eq!(
        cell_mean(&v, 1, "immediate-retries", "metastable"),
        Some(0.0)
    );
    assert_eq!(
        cell_mean(&v, 3, "immediate-retries", "metastable"),
        Some(1.0)
    );
    assert_eq!(cell_mean(&v, 3, "retry-quota", "metastable"), Some(0.0));
    assert!(!read(tmp.path(), "sweep-metastable.png").is_empty());
    // Re-running resumes (nothing to compute) and prints the overview.
    let o = retrysim(&[
        "sweep",
        "scenarios/capacity-drop.json",
        "--set",
        "triggers[0].capacity=0.9,0.3",
        "--set",
        "triggers[0].duration=5,20",
        "-r",
        "1",
        "-o",
        tmp.path().to_str().unwrap(),
    ]);
    let out = text(&o.stdout);
    assert!(
        out.contains("runs metastable at the end of the load"),
        "{out}"
    );
    // The cell's name wraps within its column: its values stand on the
    // row's first line.
    let lines: Vec<&str> = out.lines().collect();
    let row = lines
        .windows(2)
        .find(|w| {
            w[0].starts_with("triggers[0].capacity=0.3,")
                && w[1].starts_with("triggers[0].duration=20")
        })
        .map(|w| w[0].trim_start_matches("triggers[0].capacity=0.3,"))
        .unwrap_or_else(|| panic!("{out}"));
    let cells: Vec<&str> = row
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        cells,
        ["1 of 1 runs", "1 of 1 runs", "0 of 1 runs"],
        "{out}"
    );
}

#[test]
fn contention_jitter_saves_work_and_time_against_no_jitter() {
    let (tmp, v) = sweep_shipped(
        "scenarios/contention-jitter.json",
        &["--set", "workload.requests=10,60", "-r", "3"],
    );
    for p in ["no-backoff", "exponential", "exp-full-jitter"] {
        assert_eq!(cell_mean(&v, 1, p, "success_rate"), Some(1.0), "{p}");
    }
    let writes = |p| cell_mean(&v, 1, p, "writes").unwrap();
    let done = |p| cell_mean(&v, 1, p, "completion_s").unwrap();
    assert!(writes("no-backoff") > writes("exp-full-jitter"));
    assert!(writes("exponential") > writes("exp-full-jitter"));
    assert!(done("exponential") > 2.0 * done("exp-full-jitter"));
    // More clients, more work.
    assert!(cell_mean(&v, 0, "no-backoff", "writes").unwrap() < writes("no-backoff"));
    assert!(!read(tmp.path(), "sweep-writes-and-completion.png").is_empty());
}

#[test]
fn client_count_spreads_budgets_so_thin_they_bite_minutes_late() {
    let (tmp, v) = sweep_shipped(
        "scenarios/client-count.json",
        &["--set", "workload.clients=10,1000", "-r", "1"],
    );
    assert_eq!(cell_mean(&v, 0, "no-budget", "metastable"), Some(1.0));
    assert_eq!(
        cell_mean(&v, 0, "no-budget", "user_recovery_after_end_s"),
        None,
        "never"
    );
    // The budgets end the storm from 10 instances and from 1 000, but from
    // 1 000 it takes minutes instead of seconds.
    for p in ["retry-quota", "circuit-breaker"] {
        let after = |c| cell_mean(&v, c, p, "user_recovery_after_end_s").unwrap();
        assert!(
            after(0) < 60.0 && after(1) > 120.0,
            "{p}: {} vs {}",
            after(0),
            after(1)
        );
        assert_eq!(cell_mean(&v, 1, p, "metastable"), Some(0.0), "{p}");
    }
    assert!(!read(tmp.path(), "sweep-user_recovery_after_end_s.png").is_empty());
}

#[test]
fn open_vs_closed_only_the_open_system_stays_down() {
    let (tmp, v) = sweep_shipped("scenarios/open-vs-closed.json", &["-r", "1"]);
    assert_eq!(v["cells"][0]["params"]["workload"]["kind"], "open");
    for p in ["immediate-retries", "exp-backoff-full-jitter"] {
        assert_eq!(cell_mean(&v, 0, p, "metastable"), Some(1.0), "{p} open");
        assert_eq!(cell_mean(&v, 1, p, "metastable"), Some(0.0), "{p} closed");
    }
    // The closed system's load fell with the service: fewer requests.
    assert!(
        cell_mean(&v, 1, "immediate-retries", "requests")
            < cell_mean(&v, 0, "immediate-retries", "requests")
    );
    let csv = text(&read(tmp.path(), "sweep.csv"));
    assert!(
        csv.contains(r#""{""kind"":""closed"""#),
        "workload quoted in CSV"
    );
    // `plot` on a sweep folder redraws its charts from sweep.json.
    let chart = read(tmp.path(), "sweep-goodput_ratio.png");
    std::fs::remove_file(tmp.path().join("sweep-goodput_ratio.png")).unwrap();
    let o = retrysim(&["plot", tmp.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(read(tmp.path(), "sweep-goodput_ratio.png"), chart);
}

#[test]
fn regression_bench_refuses_a_missing_scenario_before_timing_anything() {
    let o = retrysim(&["bench", "no/such/scenario.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("no/such/scenario.json"));
    assert!(
        !text(&o.stdout).contains("bare event queue"),
        "it timed the bare loop first: {}",
        text(&o.stdout)
    );
}

/// The README's smallest scenario read as a step at t = 10 s, but its rate
/// ramped from t = 0 and crossed the limit at 4.4 s (rates interpolate).
#[test]
fn regression_readme_smallest_scenario_steps_at_its_trigger() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let at = readme
        .find("The smallest useful one")
        .expect("the README shows it");
    let block = &readme[at..];
    let start = block.find("```json\n").unwrap() + "```json\n".len();
    let json = &block[start..start + block[start..].find("```").unwrap()];
    let scenario: serde_json::Value = serde_json::from_str(json).unwrap();
    let trigger = scenario["metrics"]["trigger"].as_f64().unwrap();
    let limit = scenario["service"]["limiter"]["rate"].as_f64().unwrap();
    let points: Vec<(f64, f64)> = scenario["workload"]["rate"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
        .collect();
    // Piecewise linear: below the limit at every point up to the trigger
    // means below it at every instant before it.
    assert!(
        points.iter().all(|&(t, r)| t > trigger || r < limit),
        "the load crosses the limit before the trigger: {points:?}"
    );
    assert!(points.iter().any(|&(_, r)| r > limit), "it never overloads");
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("tiny.json");
    std::fs::write(&file, json).unwrap();
    let o = retrysim(&["validate", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
}

/// Errors blamed the object around a wrong value (`workload` for
/// `workload.rate`), suggested a backoff for a jitter, blamed
/// `metrics.trigger` for a trigger's start the author wrote in `triggers`,
/// and gave no hint for `max_retries`.
#[test]
fn regression_errors_name_the_field_the_author_wrote() {
    let cases = [
        (
            tiny_with(
                r#""rate": [[0, 20], [5, 20], [8, 1500], [12, 1500], [16, 500], [30, 500]]"#,
                r#""rate": 80"#,
            ),
            "workload.rate: invalid type: integer `80`, expected a list",
        ),
        (
            tiny_with(
                r#""kind": "constant", "base": 1"#,
                r#""kind": "constant", "base": "1s""#,
            ),
            "policies[1].backoff.base: invalid type: string \"1s\"",
        ),
        (
            tiny_with(r#""jitter": { "kind": "full" }"#, r#""jitter": "full""#),
            r#"e.g. {"kind": "full"}"#,
        ),
        (
            tiny_with(
                r#""max_attempts": 5, "backoff": { "kind": "constant""#,
                r#""max_retries": 4, "backoff": { "kind": "constant""#,
            ),
            "did you mean `max_attempts`? It counts the first try too",
        ),
        (
            tiny_with(
                r#""metrics": { "bin": 1, "trigger": 5,"#,
                r#""triggers": [{"kind": "load_spike", "start": -5, "duration": 2, "qps": 100}], "metrics": { "bin": 1,"#,
            ),
            "triggers[0].start: must be a number of seconds >= 0",
        ),
    ];
    for (scenario, want) in cases {
        let (code, err, wrote) = run_bad(&scenario);
        assert_eq!(code, 2, "{err}");
        assert!(!wrote);
        assert!(err.contains(want), "wanted {want:?} in: {err}");
        assert!(!err.contains("metrics.trigger"), "{err}");
        // A value inside an object with a `kind` is placed at the value,
        // not at the end of the object serde blames.
        for value in [r#""rate": 80"#, r#""base": "1s""#] {
            if let Some(at) = scenario.find(value) {
                let start = at + value.find(": ").unwrap() + 2;
                let line = scenario[..start].matches('\n').count() + 1;
                let column = start - scenario[..start].rfind('\n').map_or(0, |i| i + 1) + 1;
                assert!(
                    err.contains(&format!(":{line}:{column}: ")),
                    "{line}:{column} in {err}"
                );
            }
        }
    }
    // A claim file given where a scenario belongs.
    let claim = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/claims/s0-1.json");
    let o = retrysim(&["validate", claim.to_str().unwrap()]);
    refused(
        &o,
        "this is a claim file, not a scenario: judge it with `retrysim check",
    );
    // A bad --set value has no position to give, and says none.
    let tmp = tempfile::tempdir().unwrap();
    let o = retrysim(&[
        "sweep",
        &tiny(),
        "--set",
        "service.limiter.rate=abc",
        "-q",
        "-o",
        tmp.path().join("s").to_str().unwrap(),
    ]);
    refused(
        &o,
        "sweep cell service.limiter.rate=\"abc\": service.limiter.rate: invalid type",
    );
    // Inside an object with a `kind`, the field itself is named.
    let o = retrysim(&[
        "sweep",
        &tiny(),
        "--set",
        "policies[1].backoff.base=abc",
        "-q",
        "-o",
        tmp.path().join("s2").to_str().unwrap(),
    ]);
    refused(
        &o,
        ": policies[1].backoff.base: invalid type: string \"abc\"",
    );
}

/// Without a trigger the headline printed recovery columns measured from
/// t = 0 (`0.000 ± 0 s`, or `never` for a steady failure rate) and "Recovery
/// from the trigger at 0 s".
#[test]
fn regression_no_trigger_means_no_recovery_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("untriggered.json");
    std::fs::write(
        &file,
        tiny_with(r#""bin": 1, "trigger": 5,"#, r#""bin": 1,"#),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = retrysim(&[
        "run",
        file.to_str().unwrap(),
        "-r",
        "2",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    let md = text(&read(&out, "summary.md"));
    for shown in [&stdout, &md] {
        assert!(!shown.contains("error recovery"), "{shown}");
        assert!(!shown.contains("from the trigger at"), "{shown}");
        assert!(shown.contains("the scenario names no trigger"), "{shown}");
    }
    // The figures stay in the data, and the chart drops its two panels.
    let summary = summary_of(&out);
    assert!(summary["policies"][0]["metrics"]["error_recovery_s"].is_object());
    let (_, untriggered_h, _, _) = inspect_png(&read(&out, "outcomes.png"));
    let with = tmp.path().join("with");
    let o = run_into(&with, &["-r", "2"]);
    assert!(o.status.success());
    let (_, triggered_h, _, _) = inspect_png(&read(&with, "outcomes.png"));
    assert!(
        untriggered_h < triggered_h,
        "{untriggered_h} vs {triggered_h}"
    );
}

#[test]
fn regression_check_on_a_scenario_file_says_to_run_it() {
    let o = retrysim(&["check", "scenarios/double11-spike.json"]);
    refused(
        &o,
        "this is a scenario, not a claim: run it with `retrysim run",
    );
    // A broken claim file gives its location once, in front.
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("bad-claim.json");
    std::fs::write(&f, r#"{"id": "x", "claim": "c", "bogus": 1}"#).unwrap();
    let o = retrysim(&["check", f.to_str().unwrap()]);
    refused(&o, "bad-claim.json:1:");
    assert!(
        !text(&o.stderr).contains(" at line "),
        "{}",
        text(&o.stderr)
    );
}
