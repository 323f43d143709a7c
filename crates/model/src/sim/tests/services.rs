//! Congestion, closed loops, the contended record and capacity drops.

use super::*;

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

#[test]
fn under_overload_lifo_serves_callers_still_waiting_and_fifo_serves_none() {
    // Twice the load one worker can serve, callers wait 1.5 s: a FIFO queue
    // grows until every request waits past its timeout; LIFO serves the
    // newest. One is served per second, and it succeeds if it waited under
    // 0.5 s: the newest of Poisson(2) arrivals did with probability
    // 1 − e⁻¹, so about 0.63 / 2 ≈ 0.32 of the requests succeed.
    let run = |order: &str| {
        let service = format!(
            r#"{{"workers": {{"concurrency": 1, "queue_order": {order},
                             "service_time": {{"kind": "constant", "value": 1}}}}}}"#
        );
        let workload = r#"{"kind": "open", "rate": [[0, 2]]}"#;
        let m = run_replication(
            &full(workload, &service, "", r#"{"name": "p", "timeout": 1.5}"#),
            0,
            0,
        );
        m.succeeded as f64 / m.arrivals as f64
    };
    let fifo = run(r#"{"kind": "fifo"}"#);
    let lifo = run(r#"{"kind": "lifo"}"#);
    let adaptive = run(r#"{"kind": "adaptive_lifo", "above": 3}"#);
    assert!(fifo < 0.05, "{fifo}");
    assert!((lifo - 0.316).abs() < 0.05, "{lifo}");
    assert!((adaptive - 0.316).abs() < 0.05, "{adaptive}");
}

#[test]
fn codel_keeps_a_fifo_queue_short_under_overload() {
    // The overload of the LIFO test: with CoDel (target 0.1 s, interval
    // 0.5 s) the FIFO queue is cut back with 503s and the attempts served
    // have waited less: about 28 % succeed where plain FIFO serves under
    // 5 % (LIFO: 32 %; at most 50 % could).
    let service = r#"{"workers": {"concurrency": 1, "control": {"kind": "codel", "target": 0.1, "interval": 0.5},
                                 "service_time": {"kind": "constant", "value": 1}}}"#;
    let workload = r#"{"kind": "open", "rate": [[0, 2]]}"#;
    let m = run_replication(
        &full(workload, service, "", r#"{"name": "p", "timeout": 1.5}"#),
        0,
        0,
    );
    let success = m.succeeded as f64 / m.arrivals as f64;
    assert!(success > 0.2, "{success}");
    assert!(
        m.outcomes[Outcome::Unavailable as usize] > m.arrivals / 4,
        "CoDel refused with 503s"
    );
    // The default settings parse and are RFC 8289's.
    let s = full(
        workload,
        &service.replace(r#", "target": 0.1, "interval": 0.5"#, ""),
        "",
        r#"{"name": "p"}"#,
    );
    let crate::admission::ControlConfig::Codel(c) = s.services[0].workers.control else {
        panic!("CoDel expected");
    };
    assert_eq!((c.target, c.interval), (5_000_000, 100_000_000));
}
