//! The simulator against closed forms, judged by the confidence intervals it
//! reports.

use retrysim_experiment::run;
use retrysim_model::{Metric, Scenario};

/// Runs a scenario whose attempts fail independently with probability `p`
/// (a connection reset) and returns the summary.
fn independent_failures(p: f64, k: u32) -> retrysim_experiment::Summary {
    let text = format!(
        r#"{{"name": "analytic", "duration": 50, "replications": 20, "seed": 3,
            "workload": {{"kind": "open", "rate": [[0, 200]]}},
            "network": {{"latency": {{"kind": "constant", "value": 0.001}}, "faults": {{"reset": {p}}}}},
            "service": {{"workers": {{"service_time": {{"kind": "exponential", "mean": 0.05}}}}}},
            "policies": [{{"name": "k", "max_attempts": {k},
                          "backoff": {{"kind": "exponential", "base": 0.1}}, "jitter": {{"kind": "full"}}}}]}}"#
    );
    run(&Scenario::from_json(&text).unwrap(), &|| ())
}

fn check(summary: &retrysim_experiment::Summary, key: Metric, expected: f64) {
    let stat = summary.policies[0].get(key);
    let (mean, half) = (stat.mean.unwrap(), stat.half_width().unwrap());
    assert!(
        half > 0.0 && half < 0.01 * expected.max(0.1),
        "{key}: interval too wide to judge ({half})"
    );
    assert!(
        (mean - expected).abs() <= 2.0 * half,
        "{key}: simulated {mean} ± {half}, closed form {expected}"
    );
}

#[test]
fn success_rate_is_one_minus_p_to_the_k() {
    for (p, k) in [(0.3, 3), (0.5, 2), (0.1, 4)] {
        let s = independent_failures(p, k);
        let pk = f64::powi(p, k as i32);
        check(&s, Metric::SuccessRate, 1.0 - pk);
        // Attempts per request: 1 + p + … + p^(k−1) = (1 − p^k) / (1 − p).
        check(&s, Metric::Amplification, (1.0 - pk) / (1.0 - p));
    }
}
