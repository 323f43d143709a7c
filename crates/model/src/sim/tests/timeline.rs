//! Retry instants, Retry-After, timeouts, queues, deadlines, common random
//! numbers and memory.

use super::*;

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
