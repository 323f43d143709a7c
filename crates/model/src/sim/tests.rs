//! Exact small cases of the simulation: retry instants, timeouts, faults,
//! outages, costs, guards, congestion, closed loops, contention, capacity.

use super::*;
use crate::outcome::FailureReason;

const S: Nanos = 1_000_000_000;

/// A scenario from the pieces that vary between tests.
fn scenario(workload: &str, service: &str, policy: &str) -> Scenario {
    let text = format!(
        r#"{{"name": "t", "duration": 100, "drain": 100,
            "workload": {workload}, "service": {service},
            "policies": [{policy}]}}"#
    );
    Scenario::from_json(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn batch(n: u32) -> String {
    format!(r#"{{"kind": "batch", "requests": {n}}}"#)
}

/// Attempts sent per 1 s bin, up to the last bin with any.
fn attempts_per_bin(m: &RunMetrics) -> Vec<u64> {
    trimmed(m.series.bins.iter().map(|b| b.attempts).collect())
}

fn trimmed(mut v: Vec<u64>) -> Vec<u64> {
    while v.last() == Some(&0) {
        v.pop();
    }
    v
}

#[test]
fn one_request_takes_latency_plus_service_time() {
    let s = full(
        &batch(1),
        r#"{"workers": {"service_time": {"kind": "constant", "value": 0.5}}}"#,
        r#""network": {"latency": {"kind": "constant", "value": 0.01}},"#,
        r#"{"name": "p"}"#,
    );
    let m = run_replication(&s, 0, 0);
    assert_eq!(
        (m.arrivals, m.succeeded, m.attempts, m.served),
        (1, 1, 1, 1)
    );
    assert_eq!(m.latency.mean(), Some(0.52e9));
    assert_eq!(m.success_by_attempt, vec![1]);
}

/// Two requests at t = 0 and one token: the second is refused at every
/// attempt and retries at exactly base·2^n.
#[test]
fn exponential_backoff_retries_at_exact_instants() {
    let s = scenario(
        &batch(2),
        r#"{"limiter": {"rate": 0.001, "burst": 1},
            "workers": {"service_time": {"kind": "constant", "value": 0.1}}}"#,
        r#"{"name": "p", "max_attempts": 4,
            "backoff": {"kind": "exponential", "base": 1, "factor": 2}}"#,
    );
    let m = run_replication(&s, 0, 0);
    // Attempts at 0 (both requests), then 1, 3 and 7 s.
    assert_eq!(attempts_per_bin(&m), vec![2, 1, 0, 1, 0, 0, 0, 1]);
    assert_eq!(m.outcomes[Outcome::RateLimited as usize], 4);
    assert_eq!(m.failed[FailureReason::AttemptsExhausted as usize], 1);
    assert_eq!(m.succeeded, 1);
}

#[test]
fn retry_after_is_obeyed_and_rounded_up_to_seconds() {
    // 0.3 token/s: the refused request is told "Retry-After: 4" (3.33 s
    // rounded up), waits 4 s instead of its 1 s backoff and gets in.
    let s = scenario(
        &batch(2),
        r#"{"limiter": {"rate": 0.3, "burst": 1},
            "workers": {"service_time": {"kind": "constant", "value": 0.5}}}"#,
        r#"{"name": "p", "max_attempts": 3, "backoff": {"kind": "constant", "base": 1},
            "retry_after": {"kind": "obey"}}"#,
    );
    let m = run_replication(&s, 0, 0);
    assert_eq!(m.succeeded, 2);
    assert_eq!(attempts_per_bin(&m), vec![2, 0, 0, 0, 1]);
    assert_eq!(m.latency.max(), Some(4 * S + S / 2));
    assert_eq!(m.success_by_attempt, vec![1, 1, 0]);
}

#[test]
fn ignoring_retry_after_retries_on_the_backoff() {
    let s = scenario(
        &batch(2),
        r#"{"limiter": {"rate": 0.3, "burst": 1},
            "workers": {"service_time": {"kind": "constant", "value": 0.5}}}"#,
        r#"{"name": "p", "max_attempts": 3, "backoff": {"kind": "constant", "base": 1}}"#,
    );
    let m = run_replication(&s, 0, 0);
    // Retries at 1 and 2 s are refused (0.3 and 0.6 token), the request fails.
    assert_eq!(attempts_per_bin(&m), vec![2, 1, 1]);
    assert_eq!(m.failed[FailureReason::AttemptsExhausted as usize], 1);
}

#[test]
fn timeouts_end_attempts_but_the_service_still_does_the_work() {
    let s = scenario(
        &batch(1),
        r#"{"workers": {"service_time": {"kind": "constant", "value": 2}}}"#,
        r#"{"name": "p", "max_attempts": 2, "timeout": 1}"#,
    );
    let m = run_replication(&s, 0, 0);
    assert_eq!(m.outcomes[Outcome::Timeout as usize], 2);
    assert_eq!(attempts_per_bin(&m), vec![1, 1]);
    assert_eq!(m.failed[FailureReason::AttemptsExhausted as usize], 1);
    // Both abandoned attempts were served in full: duplicate work.
    assert_eq!(m.served, 2);
    assert_eq!(m.run_end, 100 * S, "run lasts at least the load duration");
}

#[test]
fn a_queued_attempt_times_out_and_a_full_queue_gives_503() {
    // One worker, room for one waiting: the first is served (3 s), the
    // second waits and times out at 2 s, the third gets 503 at once.
    let s = scenario(
        &batch(3),
        r#"{"workers": {"concurrency": 1, "queue_limit": 1,
                        "service_time": {"kind": "constant", "value": 3}}}"#,
        r#"{"name": "p", "timeout": 2}"#,
    );
    let m = run_replication(&s, 0, 0);
    assert_eq!(
        m.outcomes[Outcome::Timeout as usize],
        2,
        "first (3 s > 2 s) and queued"
    );
    assert_eq!(m.outcomes[Outcome::Unavailable as usize], 1);
    assert_eq!(m.succeeded, 0);
    assert_eq!(
        m.served, 2,
        "the queued attempt is still served after the first"
    );
}

#[test]
fn deadline_stops_retries_that_would_start_too_late() {
    let s = scenario(
        &batch(2),
        r#"{"limiter": {"rate": 0.001, "burst": 1},
            "workers": {"service_time": {"kind": "constant", "value": 0.1}}}"#,
        r#"{"name": "p", "max_attempts": 10, "deadline": 2.5,
            "backoff": {"kind": "constant", "base": 1}}"#,
    );
    let m = run_replication(&s, 0, 0);
    assert_eq!(attempts_per_bin(&m), vec![2, 1, 1]);
    assert_eq!(m.failed[FailureReason::Deadline as usize], 1);
}

#[test]
fn policies_share_arrivals_replications_do_not() {
    let text = r#"{"name": "t", "duration": 20,
        "workload": {"kind": "open", "rate": [[0, 300]], "clients": 7},
        "service": {"limiter": {"rate": 200, "burst": 10},
                    "workers": {"service_time": {"kind": "exponential", "mean": 0.2}}},
        "policies": [{"name": "a"}, {"name": "b", "max_attempts": 4,
                      "backoff": {"kind": "exponential", "base": 0.1}, "jitter": {"kind": "full"}}]}"#;
    let s = Scenario::from_json(text).unwrap();
    let arrivals = |p, r| {
        trimmed(
            run_replication(&s, p, r)
                .series
                .bins
                .iter()
                .map(|b| b.arrivals)
                .collect(),
        )
    };
    assert_eq!(arrivals(0, 3), arrivals(1, 3));
    assert_ne!(arrivals(0, 3), arrivals(0, 4));
    let (a, b) = (run_replication(&s, 0, 3), run_replication(&s, 1, 3));
    assert!(b.attempts > a.attempts && b.succeeded > a.succeeded);
}

#[test]
fn memory_follows_requests_in_flight_not_the_total() {
    let run = |duration: u32| {
        let text = format!(
            r#"{{"name": "t", "duration": {duration}, "workload": {{"kind": "open", "rate": [[0, 1000]]}},
                "service": {{"workers": {{"service_time": {{"kind": "exponential", "mean": 0.1}}}}}},
                "policies": [{{"name": "p"}}]}}"#
        );
        run_replication(&Scenario::from_json(&text).unwrap(), 0, 0)
    };
    let (short, long) = (run(10), run(200));
    assert!(long.arrivals > 15 * short.arrivals);
    // ~100 in flight on average either way (Little's law).
    assert!(
        long.peak_in_flight < short.peak_in_flight * 2,
        "{} vs {}",
        long.peak_in_flight,
        short.peak_in_flight
    );
    assert!(long.peak_pending_events < short.peak_pending_events * 2);
}

/// A scenario with everything spelled out: the extra top-level fields
/// (network, cost, …) come as a JSON fragment.
fn full(workload: &str, service: &str, extra: &str, policy: &str) -> Scenario {
    let text = format!(
        r#"{{"name": "t", "duration": 100, "drain": 100, "workload": {workload},
            "service": {service}, {extra} "policies": [{policy}]}}"#
    );
    Scenario::from_json(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

const FAST: &str = r#"{"workers": {"service_time": {"kind": "constant", "value": 0.5}}}"#;
/// $1 per served attempt: 1 000 000 output tokens at $1 per million.
const DOLLAR: &str = r#""cost": {"input_tokens": {"kind": "constant", "value": 0},
    "output_tokens": {"kind": "constant", "value": 1000000}, "price_in": 0, "price_out": 1},"#;

#[test]
fn dropped_attempts_time_out_and_cost_nothing() {
    let extra = format!(r#""network": {{"faults": {{"drop": 1}}}}, {DOLLAR}"#);
    let s = full(
        &batch(1),
        FAST,
        &extra,
        r#"{"name": "p", "max_attempts": 2, "timeout": 3}"#,
    );
    let m = run_replication(&s, 0, 0);
    assert_eq!(m.outcomes[Outcome::Timeout as usize], 2);
    assert_eq!(attempts_per_bin(&m), vec![1, 0, 0, 1]);
    assert_eq!((m.attempts_at_service, m.served, m.cost_total), (0, 0, 0.0));
}

#[test]
fn resets_fail_after_one_round_trip_unseen_by_the_service() {
    let extra =
        r#""network": {"latency": {"kind": "constant", "value": 0.25}, "faults": {"reset": 1}},"#;
    let s = full(
        &batch(1),
        FAST,
        extra,
        r#"{"name": "p", "max_attempts": 3, "backoff": {"kind": "constant", "base": 1}}"#,
    );
    let m = run_replication(&s, 0, 0);
    // Attempts at 0, 0.5 + 1 = 1.5, 1.5 + 0.5 + 1 = 3.
    assert_eq!(attempts_per_bin(&m), vec![1, 1, 0, 1]);
    assert_eq!(m.outcomes[Outcome::ConnectionError as usize], 3);
    assert_eq!(m.attempts_at_service, 0);
}

#[test]
fn hung_attempts_are_served_and_billed_but_the_client_times_out() {
    let extra = format!(r#""network": {{"faults": {{"hang": 1}}}}, {DOLLAR}"#);
    let s = full(
        &batch(1),
        FAST,
        &extra,
        r#"{"name": "p", "max_attempts": 3, "timeout": 2}"#,
    );
    let m = run_replication(&s, 0, 0);
    assert_eq!(m.outcomes[Outcome::Timeout as usize], 3);
    assert_eq!((m.served, m.duplicate_attempts), (3, 3));
    assert_eq!(
        (m.cost_total, m.cost_useful, m.duplicate_cost),
        (3.0, 0.0, 3.0)
    );
    assert_eq!(m.failed[FailureReason::AttemptsExhausted as usize], 1);
}

#[test]
fn outage_windows_fail_attempts_that_reach_the_service_inside_them() {
    // 5xx until t = 5 s; seed 001 waits 1.5× after a 5xx: retries at
    // 0 + 1.5, 1.5 + 3 = 4.5, 4.5 + 6 = 10.5 (the last succeeds).
    let service = r#"{"workers": {"service_time": {"kind": "constant", "value": 0.5}},
                      "outages": [{"start": 0, "end": 5, "mode": "error"}]}"#;
    let s = full(
        &batch(1),
        service,
        DOLLAR,
        r#"{"name": "p", "max_attempts": 5,
        "backoff": {"kind": "exponential", "base": 1}, "delay_multiplier": {"server_error_5xx": 1.5}}"#,
    );
    let m = run_replication(&s, 0, 0);
    assert_eq!(attempts_per_bin(&m), vec![1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
    assert_eq!(m.outcomes[Outcome::ServerError as usize], 3);
    assert_eq!(m.success_by_attempt, vec![0, 0, 0, 1, 0]);
    assert_eq!(
        (m.cost_total, m.cost_useful),
        (1.0, 1.0),
        "5xx attempts cost nothing"
    );
    assert_eq!(m.latency.max(), Some(11 * S));

    for (mode, outcome) in [
        ("drop", Outcome::Timeout),
        ("reset", Outcome::ConnectionError),
        ("hang", Outcome::Timeout),
    ] {
        let service = format!(
            r#"{{"workers": {{"service_time": {{"kind": "constant", "value": 0.5}}}},
            "outages": [{{"start": 0, "end": 5, "mode": "{mode}"}}]}}"#
        );
        let s = full(
            &batch(1),
            &service,
            DOLLAR,
            r#"{"name": "p", "timeout": 2}"#,
        );
        let m = run_replication(&s, 0, 0);
        assert_eq!(m.outcomes[outcome as usize], 1, "{mode}");
        let billed = if mode == "hang" { 1.0 } else { 0.0 };
        assert_eq!(m.cost_total, billed, "{mode}");
    }
}

#[test]
fn malformed_requests_get_a_4xx_and_are_never_retried() {
    let service = r#"{"workers": {"service_time": {"kind": "constant", "value": 0.5}}, "client_error_share": 1}"#;
    let s = full(
        &batch(3),
        service,
        DOLLAR,
        r#"{"name": "p", "max_attempts": 5}"#,
    );
    let m = run_replication(&s, 0, 0);
    assert_eq!(m.outcomes[Outcome::ClientError as usize], 3);
    assert_eq!(m.failed[FailureReason::NonRetryable as usize], 3);
    assert_eq!((m.attempts, m.cost_total), (3, 0.0));
}

#[test]
fn cost_of_each_outcome() {
    // Two requests, one token: the first succeeds ($1), the second gets
    // 429s (free) until it gives up. A third times out in service and is
    // billed anyway.
    let service = r#"{"limiter": {"rate": 0.001, "burst": 2},
        "workers": {"service_time": {"kind": "constant", "value": 0.5}}}"#;
    let s = full(
        &batch(3),
        service,
        DOLLAR,
        r#"{"name": "p", "max_attempts": 2, "timeout": 0.4}"#,
    );
    let m = run_replication(&s, 0, 0);
    // Burst 2: two attempts served but both time out (0.5 s > 0.4 s);
    // the other three attempts are 429s.
    assert_eq!(m.outcomes[Outcome::RateLimited as usize], 4);
    assert_eq!(m.outcomes[Outcome::Timeout as usize], 2);
    assert_eq!(
        (m.served, m.cost_total, m.cost_useful, m.duplicate_cost),
        (2, 2.0, 0.0, 2.0)
    );
    let sc = m.scalars(s.recovery);
    assert_eq!(sc[crate::Metric::CostWasted], Some(2.0));
    assert_eq!(
        sc[crate::Metric::RetryOverhead],
        None,
        "no useful cost to divide by"
    );
}

#[test]
fn cancel_on_timeout_drops_abandoned_work_before_service() {
    // One worker busy for 3 s; the second attempt waits, times out at
    // 1 s and is not served when its turn comes.
    let service =
        r#"{"workers": {"concurrency": 1, "service_time": {"kind": "constant", "value": 3}}}"#;
    let policy =
        |cancel| format!(r#"{{"name": "p", "timeout": 1, "cancel_on_timeout": {cancel}}}"#);
    let m = run_replication(&full(&batch(2), service, DOLLAR, &policy(true)), 0, 0);
    assert_eq!((m.served, m.cancelled, m.cost_total), (1, 1, 1.0));
    let m = run_replication(&full(&batch(2), service, DOLLAR, &policy(false)), 0, 0);
    assert_eq!((m.served, m.cancelled, m.cost_total), (2, 0, 2.0));
}

fn refused(m: &RunMetrics, r: FailureReason) -> u64 {
    m.failed[r as usize]
}

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

#[test]
fn congestion_adds_the_slope_for_every_other_attempt_in_service() {
    // Three attempts start together on unbounded workers: 1 s, then
    // 1 + 0.5, then 1 + 2·0.5 seconds.
    let service = r#"{"workers": {"service_time": {"kind": "constant", "value": 1},
                                  "congestion": {"slope": 0.5}}}"#;
    let m = run_replication(&full(&batch(3), service, "", r#"{"name": "p"}"#), 0, 0);
    assert_eq!(m.succeeded, 3);
    assert_eq!(m.latency.mean(), Some(1.5e9));
    assert_eq!(m.latency.max(), Some(2 * S));
    // With one worker there is never another attempt in service.
    let service = r#"{"workers": {"concurrency": 1, "service_time": {"kind": "constant", "value": 1},
                                  "congestion": {"slope": 0.5}}}"#;
    let m = run_replication(&full(&batch(3), service, "", r#"{"name": "p"}"#), 0, 0);
    assert_eq!(m.latency.max(), Some(3 * S), "1 + 1 + 1 s, no slope");
}

#[test]
fn a_closed_loop_never_has_more_requests_in_flight_than_users() {
    let workload =
        r#"{"kind": "closed", "users": 5, "think": {"kind": "exponential", "mean": 0.2}}"#;
    let service = r#"{"workers": {"service_time": {"kind": "constant", "value": 0.5}}}"#;
    let m = run_replication(&full(workload, service, "", r#"{"name": "p"}"#), 0, 0);
    assert!(m.peak_in_flight <= 5, "{}", m.peak_in_flight);
    // Each user loops: about 100 s / (0.5 s + 0.2 s) requests per user.
    assert!(m.arrivals > 5 * 100, "{}", m.arrivals);
    assert_eq!(m.arrivals, m.succeeded);
    // A user whose request fails thinks and tries a new one: retries and
    // failures do not add users.
    let service = r#"{"limiter": {"rate": 2, "burst": 1},
                      "workers": {"service_time": {"kind": "constant", "value": 0.5}}}"#;
    let m = run_replication(
        &full(
            workload,
            service,
            "",
            r#"{"name": "p", "max_attempts": 3,
        "backoff": {"kind": "constant", "base": 0.1}}"#,
        ),
        0,
        0,
    );
    assert!(m.peak_in_flight <= 5);
    assert!(m.failed.iter().sum::<u64>() > 0 && m.succeeded > 0);
}

/// `n` clients at t = 0 on one contended record, 10 ms one way.
fn on_record(n: u32, policy: &str) -> RunMetrics {
    let latency = r#""network": {"latency": {"kind": "constant", "value": 0.01}},"#;
    run_replication(
        &full(&batch(n), r#"{"contention": {}}"#, latency, policy),
        0,
        0,
    )
}

#[test]
fn contention_the_second_of_two_writes_on_the_same_read_conflicts() {
    // Both read version 0 at 10 ms; both writes arrive at 30 ms. The
    // first scheduled wins; the second conflicts (409), retries at once
    // (its answer is back at 40 ms), reads version 1 at 50 ms and its
    // write wins at 70 ms; the answer is back at 80 ms.
    let m = on_record(2, r#"{"name": "p", "max_attempts": 2}"#);
    assert_eq!(m.succeeded, 2);
    assert_eq!(
        m.success_by_attempt,
        vec![1, 1],
        "one on the 1st, one on the 2nd"
    );
    assert_eq!(m.outcomes[Outcome::Conflict as usize], 1);
    assert_eq!((m.writes, m.served), (3, 3), "work = writes sent");
    assert_eq!(
        m.last_end,
        80 * S / 1000,
        "completion: the last client done"
    );
    assert_eq!(m.latency.max(), Some(80 * S / 1000));
}

#[test]
fn contention_without_retries_only_the_first_write_wins() {
    let m = on_record(3, r#"{"name": "p"}"#);
    assert_eq!(m.succeeded, 1);
    assert_eq!(m.outcomes[Outcome::Conflict as usize], 2);
    assert_eq!(
        m.failed[FailureReason::AttemptsExhausted as usize],
        2,
        "a conflict is retryable: the requests failed for want of attempts"
    );
}

#[test]
fn contention_abandoned_writes_are_still_applied_and_billed() {
    // Both read at 10 ms and write at 30 ms, after their 25 ms timeout:
    // the record does not know the clients left, so both writes are
    // served (the first wins) and neither answer is used.
    let m = on_record(2, r#"{"name": "p", "timeout": 0.025}"#);
    assert_eq!(m.writes, 2);
    assert_eq!(m.duplicate_attempts, 2, "both writes served, nobody waited");
    assert_eq!(m.outcomes[Outcome::Timeout as usize], 2);
    assert_eq!(m.succeeded, 0);
}

#[test]
fn a_capacity_drop_removes_workers_and_slows_service_for_its_window() {
    // 2 workers, 1 s each; 4 requests at 0. From 0.5 s to 2.5 s one worker
    // is left and service is 2× slower. Jobs 0 and 1 finish at 1 s; only
    // one worker may take job 2 (1 s × 2 → 3 s); job 3 starts when the
    // second worker comes back at 2.5 s, at full speed (→ 3.5 s).
    let service = r#"{"workers": {"concurrency": 2,
                      "service_time": {"kind": "constant", "value": 1}}}"#;
    let drop = r#""triggers": [{"kind": "capacity_drop", "start": 0.5, "duration": 2,
                                "capacity": 0.5, "slowdown": 2}],"#;
    let m = run_replication(&full(&batch(4), service, drop, r#"{"name": "p"}"#), 0, 0);
    assert_eq!(m.succeeded, 4);
    assert_eq!(m.last_end, 3 * S + S / 2);
    assert_eq!(m.latency.mean(), Some((1.0 + 1.0 + 3.0 + 3.5) / 4.0 * 1e9));
    assert_eq!(m.latency.max(), Some(3 * S + S / 2));
    // Without the drop: two rounds of 1 s.
    let m = run_replication(&full(&batch(4), service, "", r#"{"name": "p"}"#), 0, 0);
    assert_eq!(m.last_end, 2 * S);
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
