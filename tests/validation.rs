//! The simulator against queueing theory: each check compares a simulated
//! mean, with its 95 % confidence interval over replications, to a closed
//! form. docs/validation.md lists them with the latest agreement.

use retrysim_experiment::{Summary, run};
use retrysim_model::{Metric, Scenario};

/// A single-station queue: Poisson arrivals at `lambda`, `servers`
/// exponential servers of rate `mu`, unbounded queue, no limiter, no retry,
/// no network delay, timeouts far beyond any wait.
fn queue(lambda: f64, mu: f64, servers: u32, duration: f64, seed: u64) -> Summary {
    let text = format!(
        r#"{{"name": "mmc", "duration": {duration}, "replications": 10, "seed": {seed}, "drain": 10000,
            "workload": {{"kind": "open", "rate": [[0, {lambda}]]}},
            "service": {{"workers": {{"concurrency": {servers},
                         "service_time": {{"kind": "exponential", "mean": {}}}}}}},
            "policies": [{{"name": "p", "timeout": 1000000}}]}}"#,
        1.0 / mu
    );
    run(&Scenario::from_json(&text).unwrap(), &|| ())
}

/// Asserts the simulated `key` is within 2 CI half-widths (plus `slack`,
/// relative) of `expected`, and that the interval is tight enough to mean
/// something.
fn agrees(s: &Summary, key: Metric, expected: f64, slack: f64) -> (f64, f64) {
    let st = s.policies[0].get(key);
    let (mean, half) = (st.mean.unwrap(), st.half_width().unwrap());
    println!("{key}: simulated {mean:.4} ± {half:.4}, theory {expected:.4}");
    assert!(
        half < 0.05 * expected,
        "{key}: interval ±{half} too wide to judge {expected}"
    );
    assert!(
        (mean - expected).abs() <= 2.0 * half + slack * expected,
        "{key}: simulated {mean} ± {half}, theory {expected}"
    );
    (mean, half)
}

/// The time average of a gauge over the first `duration` 1 s bins (gauges
/// are read at every bin's end).
fn gauge_mean(
    s: &Summary,
    duration: f64,
    gauge: impl Fn(&retrysim_experiment::SeriesRow) -> f64,
) -> f64 {
    let bins: Vec<f64> = s.policies[0]
        .series
        .iter()
        .take(duration as usize)
        .map(gauge)
        .collect();
    bins.iter().sum::<f64>() / bins.len() as f64
}

/// Erlang C: the probability that an arrival waits in an M/M/c queue with
/// offered load a = λ/μ.
fn erlang_c(c: u32, a: f64) -> f64 {
    let mut term = 1.0;
    let mut sum = 1.0; // k = 0
    for k in 1..c {
        term *= a / k as f64;
        sum += term;
    }
    let last = term * a / c as f64 * (c as f64 / (c as f64 - a));
    last / (sum + last)
}

#[test]
fn mm1_sojourn_time_matches_1_over_mu_minus_lambda() {
    let mu = 10.0;
    for (rho, duration) in [(0.5, 2_000.0), (0.8, 4_000.0), (0.95, 60_000.0)] {
        let lambda = rho * mu;
        let s = queue(lambda, mu, 1, duration, 11);
        // Sojourn W = 1/(μ − λ); the histogram mean is exact.
        agrees(&s, Metric::LatencyMeanS, 1.0 / (mu - lambda), 0.0);
        // Waiting time Wq = ρ/(μ − λ), from the queue-length gauge: Wq = Lq/λ.
        let wq = rho / (mu - lambda);
        let wq_sim = gauge_mean(&s, duration, |r| r.queue) / lambda;
        println!("M/M/1 at ρ = {rho}: Wq from the queue gauge {wq_sim:.4}, theory {wq:.4}");
        assert!((wq_sim - wq).abs() < 0.1 * wq, "Wq {wq_sim} vs {wq}");
    }
}

#[test]
fn mmc_waiting_time_matches_erlang_c() {
    let (mu, c) = (10.0, 4u32);
    for rho in [0.5, 0.8, 0.95] {
        let lambda = rho * c as f64 * mu;
        let a = lambda / mu;
        let wq = erlang_c(c, a) / (c as f64 * mu - lambda);
        let duration = if rho > 0.9 { 8_000.0 } else { 2_000.0 };
        let s = queue(lambda, mu, c, duration, 12);
        agrees(&s, Metric::LatencyMeanS, wq + 1.0 / mu, 0.0);
        // The waiting time measured independently, from the queue-length
        // gauge and Little's law for the queue: Wq = Lq / λ.
        let wq_sim = gauge_mean(&s, duration, |r| r.queue) / lambda;
        println!("M/M/{c} at ρ = {rho}: Wq from the queue gauge {wq_sim:.4}, Erlang C {wq:.4}");
        assert!(
            (wq_sim - wq).abs() < 0.1 * wq + 0.002,
            "Wq {wq_sim} vs {wq}"
        );
    }
}

#[test]
fn erlang_c_formula_itself() {
    // c = 1 reduces to ρ; a known table value: c = 2, a = 1 → 1/3.
    assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-12);
    assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
}

#[test]
fn littles_law_holds_in_flight_equals_throughput_times_time_in_system() {
    let (lambda, mu, c) = (30.0, 10.0, 4u32);
    let s = queue(lambda, mu, c, 2_000.0, 13);
    let p = &s.policies[0];
    let w = p.get(Metric::LatencyMeanS).mean.unwrap();
    let throughput = p.get(Metric::Succeeded).mean.unwrap() / 2_000.0;
    // L: the time average of requests in flight, read at every bin's end.
    let l = gauge_mean(&s, 2_000.0, |r| r.in_flight);
    let rel = (l - throughput * w).abs() / (throughput * w);
    println!("Little: L = {l:.4}, λW = {:.4}", throughput * w);
    assert!(rel < 0.03, "L = {l}, λW = {}", throughput * w);
}

#[test]
fn token_bucket_admits_min_of_offered_and_rate_in_the_long_run() {
    for (offered, rate) in [(50.0, 200.0), (500.0, 200.0)] {
        let text = format!(
            r#"{{"name": "tb", "duration": 500, "replications": 5,
                "workload": {{"kind": "open", "rate": [[0, {offered}]]}},
                "service": {{"limiter": {{"rate": {rate}, "burst": 20}},
                             "workers": {{"service_time": {{"kind": "constant", "value": 0.01}}}}}},
                "policies": [{{"name": "p"}}]}}"#
        );
        let s = run(&Scenario::from_json(&text).unwrap(), &|| ());
        let admitted = s.policies[0].get(Metric::Succeeded).mean.unwrap() / 500.0;
        let expected = f64::min(offered, rate);
        println!("token bucket: offered {offered}/s, rate {rate}/s: admitted {admitted:.3}/s");
        // Burst adds at most 20 over 500 s (0.04/s).
        assert!(
            (admitted - expected).abs() < 0.02 * expected,
            "offered {offered}, rate {rate}: admitted {admitted}/s"
        );
    }
}
