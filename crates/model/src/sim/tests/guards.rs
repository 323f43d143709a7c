//! Budgets and guards, exactly: retry quota, circuit breaker, adaptive and
//! gRPC throttling, ratio budget, money guard, and their regressions.

use super::*;

#[test]
fn retry_quota_runs_out_under_sustained_failure() {
    // Every attempt is a 5xx: each retry costs 5 of 12 tokens, so two
    // retries are granted in all (to the first two requests to fail),
    // then every request's next retry is refused.
    let service = r#"{"workers": {"service_time": {"kind": "constant", "value": 0.1}},
                      "outages": [{"start": 0, "end": 1000, "mode": "error"}]}"#;
    let s = full(
        &batch(5),
        service,
        "",
        r#"{"name": "p", "max_attempts": 3,
        "budget": {"retry_quota": {"initial": 12}}}"#,
    );
    let m = run_replication(&s, 0, 0);
    assert_eq!(m.attempts, 7);
    assert_eq!(refused(&m, FailureReason::BudgetRefused), 5);
    assert_eq!(refused(&m, FailureReason::AttemptsExhausted), 0);
}

#[test]
fn circuit_breaker_fails_fast_while_open() {
    // An outage until 10 s; the breaker opens after 4 failures and fails
    // requests fast for 30 s; requests after it closes succeed.
    let service = r#"{"workers": {"service_time": {"kind": "constant", "value": 0.1}},
                      "outages": [{"start": 0, "end": 10, "mode": "error"}]}"#;
    let workload = r#"{"kind": "open", "rate": [[0, 2]]}"#;
    let s = full(
        workload,
        service,
        "",
        r#"{"name": "p", "budget": {"circuit_breaker":
        {"window": 4, "minimum_calls": 4, "failure_rate": 0.5, "open_for": 30, "half_open_calls": 1}}}"#,
    );
    let m = run_replication(&s, 0, 0);
    assert_eq!(m.outcomes[Outcome::ServerError as usize], 4);
    assert!(
        refused(&m, FailureReason::CircuitOpen) > 40,
        "{:?}",
        m.failed
    );
    assert!(m.succeeded > 100);
    // No attempt was sent while open: attempts = arrivals − fast failures.
    assert_eq!(
        m.attempts,
        m.arrivals - refused(&m, FailureReason::CircuitOpen)
    );
}

#[test]
fn adaptive_throttling_rejects_locally_when_the_backend_rejects() {
    let service = r#"{"workers": {"service_time": {"kind": "constant", "value": 0.1}},
                      "outages": [{"start": 0, "end": 1000, "mode": "error"}]}"#;
    let workload = r#"{"kind": "open", "rate": [[0, 50]]}"#;
    let s = full(
        workload,
        service,
        "",
        r#"{"name": "p", "budget": {"adaptive_throttle": {}}}"#,
    );
    let m = run_replication(&s, 0, 0);
    let throttled = refused(&m, FailureReason::Throttled) as f64;
    // With no accepts, P(reject) = r/(r+1) → almost everything is
    // rejected locally once the window has filled.
    assert!(
        throttled / m.arrivals as f64 > 0.9,
        "{throttled} of {}",
        m.arrivals
    );
}

#[test]
fn grpc_throttle_and_ratio_budget_refuse_retries() {
    let service = r#"{"workers": {"service_time": {"kind": "constant", "value": 0.1}},
                      "outages": [{"start": 0, "end": 1000, "mode": "error"}]}"#;
    let s = full(
        &batch(10),
        service,
        "",
        r#"{"name": "p", "max_attempts": 3,
        "budget": {"grpc_throttle": {"max_tokens": 4, "token_ratio": 0.1}}}"#,
    );
    let m = run_replication(&s, 0, 0);
    // 4 tokens: the first failure leaves 3 (> 2, its retry is granted),
    // the second leaves 2 (= half: throttled), and so on down to 0.
    assert_eq!(
        (m.attempts, refused(&m, FailureReason::BudgetRefused)),
        (11, 10)
    );

    let s = full(
        &batch(10),
        service,
        "",
        r#"{"name": "p", "max_attempts": 3,
        "budget": {"ratio": {"percent": 20, "min_per_second": 0, "window": 10}}}"#,
    );
    let m = run_replication(&s, 0, 0);
    // 10 requests allow 2 retries.
    assert_eq!(
        (m.attempts, refused(&m, FailureReason::BudgetRefused)),
        (12, 10)
    );
}

/// 1 000 concurrent calls of $1 against a $100 daily limit.
fn money(accounting: &str) -> RunMetrics {
    let service = r#"{"workers": {"service_time": {"kind": "constant", "value": 1}}}"#;
    let policy = format!(
        r#"{{"name": "p", "budget": {{"money": {{"daily_limit": 100, "accounting": "{accounting}"}}}}}}"#
    );
    run_replication(&full(&batch(1000), service, DOLLAR, &policy), 0, 0)
}

#[test]
fn reserve_mode_never_overspends() {
    let m = money("reserve");
    assert_eq!(m.cost_total, 100.0);
    assert_eq!(m.guards.money_overshoot, Some(0.0));
    assert_eq!(refused(&m, FailureReason::BudgetRefused), 900);
}

#[test]
fn post_mode_overshoot_is_reported_not_hidden() {
    // All 1 000 calls are in flight when the first settles: all pass.
    let m = money("post");
    assert_eq!(m.cost_total, 1000.0);
    assert_eq!(m.guards.money_overshoot, Some(900.0));
}

/// A half-open breaker counted a trial as soon as it let an attempt through;
/// when adaptive throttling (after it) then refused the attempt, the trial
/// never got a result, and with every trial counted the breaker stayed
/// half-open for good: no attempt was sent after the outage.
#[test]
fn regression_a_breaker_and_a_throttle_recover_together_after_an_outage() {
    let text = r#"{"name": "stuck", "duration": 120, "seed": 3, "replications": 4, "drain": 30,
        "workload": {"kind": "open", "rate": [[0, 100]]},
        "network": {"latency": {"kind": "constant", "value": 0.01}},
        "service": {"workers": {"service_time": {"kind": "constant", "value": 0.01}}},
        "triggers": [{"kind": "outage", "start": 10, "duration": 20, "mode": "error"}],
        "policies": [{"name": "p", "max_attempts": 3, "backoff": {"kind": "constant", "base": 0.1},
            "budget": {"circuit_breaker": {"open_for": 5}, "adaptive_throttle": {"k": 1.2}}}]}"#;
    let s = Scenario::from_json(text).unwrap();
    for rep in 0..4 {
        let m = run_replication(&s, 0, rep);
        // The last 60 s of load, well after the outage (6 000 requests):
        // attempts are sent again and most requests succeed (the throttle
        // still remembers the outage for a while); stuck, none were sent.
        let late: u64 = m.series.bins[60..120].iter().map(|b| b.attempts).sum();
        let ok: u64 = m.series.bins[60..120].iter().map(|b| b.succeeded).sum();
        assert!(
            late > 3_000,
            "replication {rep}: {late} attempts after the outage"
        );
        assert!(
            ok > 3_000,
            "replication {rep}: {ok} successes after the outage"
        );
    }
}

/// The money guard's reservation travelled in the request as an f32, so
/// releasing it left a residue: with a $10 limit and $0.02 calls, only 499
/// calls were let through. Reservations now release exactly.
#[test]
fn regression_reserving_reaches_the_limit_exactly() {
    let service = r#"{"workers": {"service_time": {"kind": "lognormal", "median": 2, "p99": 8}}}"#;
    let cents = r#""cost": {"input_tokens": {"kind": "constant", "value": 0},
        "output_tokens": {"kind": "constant", "value": 20000}, "price_in": 0, "price_out": 1},"#;
    let policy =
        r#"{"name": "p", "budget": {"money": {"daily_limit": 10, "accounting": "reserve"}}}"#;
    // About 60 calls in flight: reservations are made and released all
    // the time, and a refused call is retried by nobody.
    let spread = r#"{"kind": "batch", "requests": 1000, "spread": 30}"#;
    let m = run_replication(&full(spread, service, cents, policy), 0, 0);
    assert_eq!(m.succeeded, 500, "500 calls of $0.02 fit in $10");
    assert!((m.cost_total - 10.0).abs() < 1e-5, "{}", m.cost_total);
}

/// A retry the budget allowed but the client then gave up on (past the
/// deadline) used to keep its charge: the budget ran dry on retries that
/// were never sent.
#[test]
fn regression_a_retry_given_up_after_the_budget_allowed_it_costs_nothing() {
    // Every attempt fails; the 1 s backoff puts every first retry past the
    // 0.5 s deadline. With a quota of 10 tokens (5 per retry), the first two
    // requests used to take them all and the rest were `budget_refused`.
    let service = r#"{"workers": {"service_time": {"kind": "constant", "value": 0.1}},
                      "outages": [{"start": 0, "end": 1000, "mode": "error"}]}"#;
    let policy = r#"{"name": "p", "max_attempts": 3, "deadline": 0.5,
        "backoff": {"kind": "constant", "base": 1},
        "budget": {"retry_quota": {"initial": 10, "capacity": 10}}}"#;
    let m = run_replication(&full(&batch(5), service, "", policy), 0, 0);
    assert_eq!(m.failed[FailureReason::Deadline as usize], 5);
    assert_eq!(m.failed[FailureReason::BudgetRefused as usize], 0);
    // And the ratio budget: a floor of 1 retry in its window serves every
    // request's retry decision, since none is sent.
    let policy = r#"{"name": "p", "max_attempts": 3, "deadline": 0.5,
        "backoff": {"kind": "constant", "base": 1},
        "budget": {"ratio": {"percent": 0, "min_per_second": 0.1, "window": 10}}}"#;
    let m = run_replication(&full(&batch(5), service, "", policy), 0, 0);
    assert_eq!(m.failed[FailureReason::Deadline as usize], 5);
    assert_eq!(m.failed[FailureReason::BudgetRefused as usize], 0);
}
