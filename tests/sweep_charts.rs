//! What a sweep shows: every policy in its charts, "never" where a policy
//! never recovered, the figure asked for on the terminal, a cost chart
//! when attempts are priced.

mod common;

use std::path::Path;

use common::{read, refused, retrysim, text, tiny_edited};

/// How many pixels of the PNG have exactly `colour`.
fn pixels_of(png_bytes: &[u8], colour: [u8; 3]) -> usize {
    let decoder = png::Decoder::new(png_bytes);
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("decodes");
    buf[..info.buffer_size()]
        .chunks(3)
        .filter(|p| *p == colour)
        .count()
}

fn tiny_sweep(out: &Path, extra: &[&str]) -> std::process::Output {
    let scenario = format!("{}/tests/data/tiny-spike.json", env!("CARGO_MANIFEST_DIR"));
    let mut args = vec![
        "sweep",
        scenario.as_str(),
        "-r",
        "2",
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    retrysim(&args)
}

#[test]
fn regression_a_policy_that_never_recovers_is_still_drawn() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sweep");
    // 500 requests/s sustained against a limiter of 100 or 200/s, and no
    // drain: every policy is still failing when the run ends.
    let file = tiny_edited(tmp.path(), "undrained", |s| s["drain"] = 0.into());
    let o = retrysim(&[
        "sweep",
        &file,
        "--set",
        "service.limiter.rate=100,200",
        "-r",
        "2",
        "-q",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let sweep: serde_json::Value = serde_json::from_slice(&read(&out, "sweep.json")).unwrap();
    let cells = sweep["cells"].as_array().unwrap();
    let never: Vec<usize> = (0..3)
        .filter(|&p| {
            cells
                .iter()
                .all(|c| c["policies"][p]["metrics"]["error_recovery_s"]["mean"].is_null())
        })
        .collect();
    assert!(
        !never.is_empty(),
        "some policy should never recover: {sweep}"
    );
    // Before, such a policy had no bar, no legend entry and no word.
    let png = read(&out, "sweep-error_recovery_s.png");
    for p in never {
        let c = retrysim_plot::policy_colour(p);
        assert!(
            pixels_of(&png, [c.0, c.1, c.2]) > 100,
            "policy {p} is not drawn"
        );
    }
}

#[test]
fn sweep_prints_the_figure_it_is_asked_for() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sweep");
    let o = tiny_sweep(
        &out,
        &[
            "--set",
            "service.limiter.rate=500,650",
            "--figure",
            "latency_p99_s",
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(
        stdout.contains("latency_p99_s (mean ± 95 % CI)"),
        "{stdout}"
    );
    assert!(stdout.contains("service.limiter.rate=650"), "{stdout}");
    // Aligned columns, not Markdown.
    assert!(!stdout.contains("|---|"), "{stdout}");
    assert!(
        stdout
            .lines()
            .any(|l| l.contains(" s ") || l.ends_with(" s")),
        "{stdout}"
    );
    let bad = tiny_sweep(
        &out,
        &["--set", "service.limiter.rate=500", "--figure", "p99"],
    );
    refused(&bad, "did you mean latency_p99_s");
}

#[test]
fn a_priced_sweep_draws_the_cost_per_success() {
    let tmp = tempfile::tempdir().unwrap();
    let priced = tiny_edited(tmp.path(), "priced", |s| {
        s["cost"] = serde_json::json!({
            "input_tokens": {"kind": "constant", "value": 500},
            "output_tokens": {"kind": "constant", "value": 250},
            "price_in": 0.15, "price_out": 0.6
        })
    });
    let out = tmp.path().join("priced-sweep");
    let o = retrysim(&[
        "sweep",
        &priced,
        "--set",
        "service.limiter.rate=500,650",
        "-r",
        "2",
        "-q",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(out.join("sweep-cost_per_success.png").exists());
    // Another sweep forced into the folder leaves no chart of the old one.
    let o = tiny_sweep(
        &out,
        &["--set", "service.limiter.rate=500,650", "-q", "--force"],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(out.join("sweep-success_rate.png").exists());
    assert!(
        !out.join("sweep-cost_per_success.png").exists(),
        "regression: a stale chart of the priced sweep is left"
    );
    // Unpriced, there is no such chart.
    let plain = tmp.path().join("plain-sweep");
    let o = tiny_sweep(&plain, &["--set", "service.limiter.rate=500,650", "-q"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(plain.join("sweep-success_rate.png").exists());
    assert!(!plain.join("sweep-cost_per_success.png").exists());
}

#[test]
fn regression_a_sweep_without_a_trigger_charts_no_recovery() {
    let tmp = tempfile::tempdir().unwrap();
    let untriggered = tiny_edited(tmp.path(), "untriggered", |s| {
        s["metrics"].as_object_mut().unwrap().remove("trigger");
    });
    let out = tmp.path().join("sweep");
    let o = retrysim(&[
        "sweep",
        &untriggered,
        "--set",
        "service.limiter.rate=500,650",
        "-r",
        "2",
        "-q",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(out.join("sweep-success_rate.png").exists());
    for recovery in ["sweep-error_recovery_s.png", "sweep-user_recovery_s.png"] {
        assert!(
            !out.join(recovery).exists(),
            "{recovery} drawn without a trigger"
        );
    }
    // Redrawn from sweep.json, the same charts.
    let o = retrysim(&["plot", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(!out.join("sweep-user_recovery_s.png").exists());
}
