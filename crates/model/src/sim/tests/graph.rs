//! Services that call services: exact timelines, fan-out, amplification
//! across tiers, failure statuses and propagated deadlines.

use super::*;

const MS: Nanos = 1_000_000;

/// A scenario whose `service` and `services` come as JSON fragments, with
/// 10 ms of latency each way and a batch of `n` requests.
fn graph(n: u32, service: &str, services: &str, policy: &str) -> Scenario {
    graph_for(100.0, n, service, services, policy)
}

/// The same, with `duration` seconds of load.
fn graph_for(duration: f64, n: u32, service: &str, services: &str, policy: &str) -> Scenario {
    let text = format!(
        r#"{{"name": "t", "duration": {duration}, "drain": 100, "workload": {},
            "network": {{"latency": {{"kind": "constant", "value": 0.01}}}},
            "service": {service}, "services": [{services}], "policies": [{policy}]}}"#,
        batch(n)
    );
    Scenario::from_json(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn constant(name: &str, secs: f64) -> String {
    format!(
        r#"{{"name": "{name}", "workers": {{"service_time": {{"kind": "constant", "value": {secs}}}}}}}"#
    )
}

fn calling(to: &str, mode: &str, secs: f64) -> String {
    format!(
        r#"{{"workers": {{"service_time": {{"kind": "constant", "value": {secs}}}}},
            "calls": {{"to": [{to}], "mode": "{mode}"}}}}"#
    )
}

#[test]
fn a_two_tier_call_has_a_known_timeline() {
    // 0.01 up, 0.1 at the entry, then the call: 0.01 up, 0.2 at mid,
    // 0.01 back; the entry answers at 0.33 and the client has it at 0.34.
    let s = graph(
        1,
        &calling(r#""mid""#, "sequence", 0.1),
        &constant("mid", 0.2),
        r#"{"name": "p"}"#,
    );
    let m = run_replication(&s, 0, 0);
    assert_eq!(m.succeeded, 1);
    assert_eq!(m.latency.max(), Some(340 * MS));
    assert_eq!(m.edges.len(), 1);
    let e = &m.edges[0];
    assert_eq!((e.from.as_str(), e.to.as_str()), ("entry", "mid"));
    assert_eq!((e.calls, e.succeeded, e.attempts), (1, 1, 1));
    assert_eq!(e.latency.max(), Some(220 * MS));
    assert_eq!(m.services[1].reached, 1);
    assert_eq!(m.services[0].answered[Outcome::Success as usize], 1);
    assert_eq!(
        m.attempts, 1,
        "the workload's figures count the workload only"
    );
    assert_eq!(m.peak_in_flight, 1);
}

#[test]
fn a_parallel_fan_out_answers_with_its_slowest_call_and_a_sequence_with_their_sum() {
    let services = format!("{}, {}", constant("a", 0.2), constant("b", 0.5));
    let parallel = graph(
        1,
        &calling(r#""a", "b""#, "parallel", 0.1),
        &services,
        r#"{"name": "p"}"#,
    );
    let m = run_replication(&parallel, 0, 0);
    // 0.01 + 0.1 + max(0.22, 0.52) + 0.01.
    assert_eq!(m.latency.max(), Some(640 * MS));
    let sequence = graph(
        1,
        &calling(r#""a", "b""#, "sequence", 0.1),
        &services,
        r#"{"name": "p"}"#,
    );
    let m = run_replication(&sequence, 0, 0);
    // 0.01 + 0.1 + 0.22 + 0.52 + 0.01.
    assert_eq!(m.latency.max(), Some(860 * MS));
    assert_eq!(
        m.services.iter().map(|s| s.reached).collect::<Vec<_>>(),
        [1, 1, 1]
    );
}

/// Three tiers that each make `k` attempts, the bottom always failing.
fn three_tiers(k: u32, failure: &str) -> RunMetrics {
    let mid = format!(
        r#"{{"name": "mid", "workers": {{"service_time": {{"kind": "constant", "value": 0.01}}}},
            "calls": {{"to": ["bottom"], "failure_status": "{failure}"}}}}"#
    );
    let bottom = r#"{"name": "bottom", "workers": {"service_time": {"kind": "constant", "value": 0.01}},
                     "outages": [{"start": 0, "end": 1000, "mode": "error"}]}"#;
    let entry = format!(
        r#"{{"workers": {{"service_time": {{"kind": "constant", "value": 0.01}}}},
            "calls": {{"to": ["mid"], "failure_status": "{failure}"}}}}"#
    );
    let policy = format!(r#"{{"name": "p", "max_attempts": {k}}}"#);
    run_replication(
        &graph(10, &entry, &format!("{mid}, {bottom}"), &policy),
        0,
        0,
    )
}

#[test]
fn retries_at_every_tier_multiply_to_k_to_the_power_of_the_tiers_at_the_bottom() {
    for k in [1, 2, 3, 4] {
        let m = three_tiers(k, "server_error_5xx");
        let k = k as u64;
        assert_eq!(m.succeeded, 0);
        assert_eq!(m.attempts, 10 * k, "the clients' own attempts");
        let reached: Vec<u64> = m.services.iter().map(|s| s.reached).collect();
        assert_eq!(reached, [10 * k, 10 * k * k, 10 * k * k * k], "k = {k}");
        assert_eq!(
            m.edges[1].calls,
            10 * k * k,
            "mid calls bottom once per attempt it serves"
        );
    }
}

#[test]
fn a_non_retryable_failure_status_stops_the_retries_above() {
    // Only the bottom edge retries: 4 attempts at the bottom per request,
    // one at every tier above.
    let m = three_tiers(4, "client_error_4xx");
    let reached: Vec<u64> = m.services.iter().map(|s| s.reached).collect();
    assert_eq!(reached, [10, 10, 40]);
    assert_eq!(m.failed[FailureReason::NonRetryable as usize], 10);
}

#[test]
fn a_propagated_deadline_ends_the_calls_when_the_caller_stops_waiting() {
    // The bottom never answers; the client waits 1 s, the call 20 s.
    let bottom = r#"{"name": "db", "workers": {"service_time": {"kind": "constant", "value": 0.01}},
                     "outages": [{"start": 0, "end": 1000, "mode": "drop"}]}"#;
    let run = |propagate: bool| {
        let entry = format!(
            r#"{{"workers": {{"service_time": {{"kind": "constant", "value": 0.01}}}},
                "calls": {{"to": ["db"], "propagate_deadline": {propagate},
                           "policy": {{"name": "call", "timeout": 20}}}}}}"#
        );
        let policy = r#"{"name": "p", "timeout": 1}"#;
        run_replication(&graph_for(0.5, 1, &entry, bottom, policy), 0, 0)
    };
    let alone = run(false);
    assert_eq!(alone.edges[0].outcomes[Outcome::Timeout as usize], 1);
    // The call went out at 0.02 and timed out 20 s later.
    assert_eq!(alone.run_end, 20 * S + 20 * MS);
    let propagated = run(true);
    assert_eq!(
        propagated.run_end, S,
        "the call's timeout is the client's deadline"
    );
    assert_eq!(
        propagated.failed[FailureReason::AttemptsExhausted as usize],
        1
    );
}

#[test]
fn a_caller_that_stopped_waiting_makes_no_propagated_calls() {
    // The client waits 0.05 s; the entry's own work takes 0.1 s, so its
    // deadline has passed before the call would go out.
    let entry = r#"{"workers": {"service_time": {"kind": "constant", "value": 0.1}},
                    "calls": {"to": ["db"], "propagate_deadline": true}}"#;
    let m = run_replication(
        &graph(
            1,
            entry,
            &constant("db", 0.01),
            r#"{"name": "p", "timeout": 0.05}"#,
        ),
        0,
        0,
    );
    assert_eq!(m.services[1].reached, 0);
    assert_eq!(m.edges[0].failed[FailureReason::Deadline as usize], 1);
    assert_eq!(m.services[0].answered[Outcome::ServerError as usize], 1);
}

#[test]
fn a_caller_holds_its_worker_until_its_calls_are_done() {
    // One worker at the entry, 0 s of its own work, each call 1 s: the
    // second request waits for the first one's call.
    let entry = r#"{"workers": {"concurrency": 1, "service_time": {"kind": "constant", "value": 0}},
                    "calls": {"to": ["db"]}}"#;
    let m = run_replication(
        &graph(2, entry, &constant("db", 1.0), r#"{"name": "p"}"#),
        0,
        0,
    );
    // First: 0.01 + 0.01 + 1 + 0.01 + 0.01; the second starts at 1.03.
    assert_eq!(m.latency.max(), Some(2 * S + 60 * MS));
}

/// A batch of `n` requests against two replicas of the entry, replica 1
/// failing every attempt with a 5xx.
fn two_replicas(n: u32, attempts: u32, balancer: &str, retry: &str) -> RunMetrics {
    let text = format!(
        r#"{{"name": "t", "duration": 100, "drain": 100, "workload": {},
            "service": {{"workers": {{"service_time": {{"kind": "constant", "value": 0.01}}}},
                        "replicas": {{"count": 2, "balancer": {balancer}, "retry": "{retry}"}}}},
            "triggers": [{{"kind": "outage", "start": 0, "duration": 1000, "mode": "error",
                           "replica": 1}}],
            "policies": [{{"name": "p", "max_attempts": {attempts}}}]}}"#,
        batch(n)
    );
    let s = Scenario::from_json(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    run_replication(&s, 0, 0)
}

#[test]
fn random_retries_over_two_replicas_with_one_down_succeed_with_one_minus_a_half_to_the_attempts() {
    let n = 20_000;
    for k in 1..=4u32 {
        let m = two_replicas(n, k, r#"{"kind": "random"}"#, "any");
        let p = m.succeeded as f64 / n as f64;
        let expected = 1.0 - 0.5f64.powi(k as i32);
        // Binomial: 4 standard deviations.
        let sd = (expected * (1.0 - expected) / n as f64).sqrt();
        assert!(
            (p - expected).abs() < 4.0 * sd + 1e-12,
            "k = {k}: {p} vs {expected}"
        );
        assert_eq!(m.services.len(), 2);
        assert_eq!(m.services[0].name, "entry/0");
    }
    // Retrying on a different replica always reaches the healthy one.
    let m = two_replicas(1000, 2, r#"{"kind": "random"}"#, "different");
    assert_eq!(m.succeeded, 1000);
    let m = two_replicas(1000, 1, r#"{"kind": "random"}"#, "different");
    assert!(m.succeeded < 600 && m.succeeded > 400, "{}", m.succeeded);
}

#[test]
fn round_robin_alternates_replicas_request_by_request() {
    // Requests alternate 0, 1, 0, 1: half of them meet the failing one.
    let m = two_replicas(10, 1, r#"{"kind": "round_robin"}"#, "any");
    assert_eq!(m.succeeded, 5);
    assert_eq!((m.services[0].reached, m.services[1].reached), (5, 5));
    // A retry in turn may land on the failing one again; one sent
    // elsewhere cannot.
    let m = two_replicas(10, 2, r#"{"kind": "round_robin"}"#, "any");
    assert!(m.succeeded < 10 && m.succeeded > 5, "{}", m.succeeded);
    let m = two_replicas(10, 2, r#"{"kind": "round_robin"}"#, "different");
    assert_eq!(m.succeeded, 10);
    // Each request succeeds on replica 0 once; each that met replica 1
    // first sent one retry.
    assert_eq!(m.services[0].reached, 10);
    assert_eq!(m.attempts, 10 + m.services[1].reached);
}

#[test]
fn least_outstanding_sends_work_away_from_a_slow_replica() {
    // Replica 1 is ten times slower (a gray failure): least outstanding
    // sends it far fewer attempts than round robin's half.
    let run = |balancer: &str| {
        let text = format!(
            r#"{{"name": "t", "duration": 20, "drain": 20,
                "workload": {{"kind": "open", "rate": [[0, 200]]}},
                "service": {{"workers": {{"concurrency": 8, "service_time": {{"kind": "constant", "value": 0.01}}}},
                            "replicas": {{"count": 2, "balancer": {{"kind": "{balancer}"}}}}}},
                "triggers": [{{"kind": "capacity_drop", "start": 0, "duration": 100, "slowdown": 10,
                               "replica": 1}}],
                "policies": [{{"name": "p", "timeout": 5}}]}}"#
        );
        let s = Scenario::from_json(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        run_replication(&s, 0, 0)
    };
    let rr = run("round_robin");
    let lo = run("least_outstanding");
    let share = |m: &RunMetrics| m.services[1].reached as f64 / m.arrivals as f64;
    assert!((share(&rr) - 0.5).abs() < 0.01, "{}", share(&rr));
    assert!(share(&lo) < 0.3, "{}", share(&lo));
    assert!(lo.latency.quantile(0.99) < rr.latency.quantile(0.99));
}

#[test]
fn a_hedge_that_wins_answers_from_the_fast_replica() {
    // Replica 0 is ten times slower (1 s instead of 0.1 s). Round robin
    // sends the first copy there; after 0.2 s the hedge goes to replica 1
    // and answers at 0.3 s. No network latency.
    let run = |hedge: &str| {
        let text = format!(
            r#"{{"name": "t", "duration": 10, "drain": 10, "workload": {},
                "service": {{"workers": {{"service_time": {{"kind": "constant", "value": 0.1}}}},
                            "replicas": {{"count": 2}}}},
                "triggers": [{{"kind": "capacity_drop", "start": 0, "duration": 100, "slowdown": 10,
                               "replica": 0}}],
                "policies": [{{"name": "p" {hedge}}}]}}"#,
            batch(1)
        );
        run_replication(
            &Scenario::from_json(&text).unwrap_or_else(|e| panic!("{e}")),
            0,
            0,
        )
    };
    let plain = run("");
    assert_eq!(plain.latency.max(), Some(S));
    let hedged = run(r#", "hedge": {"delay": 0.2}"#);
    assert_eq!(hedged.latency.max(), Some(300 * MS));
    assert_eq!(hedged.attempts, 2, "both copies count as attempts");
    assert_eq!(hedged.served, 2, "the losing copy is still served");
    assert_eq!(hedged.outcomes[Outcome::Success as usize], 1);
}

#[test]
fn losing_copies_still_queued_are_dropped_only_with_cancel_losers() {
    // One worker, two requests at t = 0, 1 s each; both hedge at 0.5 s and
    // their copies queue behind the second request.
    let run = |cancel: bool| {
        let policy =
            format!(r#"{{"name": "p", "hedge": {{"delay": 0.5, "cancel_losers": {cancel}}}}}"#);
        let service =
            r#"{"workers": {"concurrency": 1, "service_time": {"kind": "constant", "value": 1}}}"#;
        run_replication(&full(&batch(2), service, "", &policy), 0, 0)
    };
    let kept = run(false);
    assert_eq!((kept.succeeded, kept.served, kept.cancelled), (2, 4, 0));
    assert_eq!(kept.latency.max(), Some(2 * S));
    assert_eq!(kept.duplicate_attempts, 2);
    // At 2 s the worker frees before B's answer reaches its client: A's
    // copy (A won at 1 s) is dropped, B's copy still looks wanted and is
    // served.
    let dropped = run(true);
    assert_eq!(
        (dropped.succeeded, dropped.served, dropped.cancelled),
        (2, 3, 1)
    );
    assert_eq!(dropped.latency.max(), Some(2 * S));
}

#[test]
fn a_failed_copy_waits_for_the_others_and_the_attempt_fails_with_the_last() {
    // Two replicas, replica 1 down (5xx at once). The first copy goes to
    // replica 0 (slow, 1 s); the hedge to replica 1 fails at once, and the
    // attempt waits for the first copy: success at 1 s, one 5xx counted.
    let text = format!(
        r#"{{"name": "t", "duration": 10, "drain": 10, "workload": {},
            "service": {{"workers": {{"service_time": {{"kind": "constant", "value": 1}}}},
                        "replicas": {{"count": 2}}}},
            "triggers": [{{"kind": "outage", "start": 0, "duration": 100, "mode": "error", "replica": 1}}],
            "policies": [{{"name": "p", "hedge": {{"delay": 0.2, "max_copies": 3}}}}]}}"#,
        batch(1)
    );
    let m = run_replication(&Scenario::from_json(&text).unwrap(), 0, 0);
    assert_eq!(m.succeeded, 1);
    assert_eq!(m.latency.max(), Some(S));
    // Copies at 0, 0.2 (replica 1: 5xx) and 0.4 (replica 1 again: the
    // hedge avoids only the first copy's replica).
    assert_eq!(m.attempts, 3);
    assert_eq!(m.outcomes[Outcome::ServerError as usize], 2);
}
