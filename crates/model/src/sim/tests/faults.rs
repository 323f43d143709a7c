//! Network faults, outages, malformed requests, the cost of each outcome
//! and cancelling abandoned work.

use super::*;

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
