//! Loading and validating scenarios: errors name the field and the rule.

use super::*;
use retrysim_engine::Nanos;

const GOOD: &str = r#"{
  "name": "ok",
  "duration": 10,
  "workload": {"kind": "open", "rate": [[0, 100]]},
  "service": {"limiter": {"rate": 50, "burst": 5},
          "workers": {"service_time": {"kind": "constant", "value": 0.1}}},
  "policies": [{"name": "a"}, {"name": "b", "max_attempts": 3,
            "backoff": {"kind": "exponential", "base": 0.5},
            "jitter": {"kind": "full"}}]
}"#;

fn err(text: &str) -> String {
    Scenario::from_json(text)
        .expect_err("should be refused")
        .to_string()
}

#[test]
fn a_good_file_loads_with_defaults_filled_in() {
    let s = Scenario::from_json(GOOD).unwrap();
    assert_eq!((s.seed, s.replications, s.policies.len()), (1, 10, 2));
    assert_eq!(s.policies[1].timeout, 30_000_000_000);
    assert_eq!(s.spec.drain, 300.0);
    assert_eq!(s.recovery.threshold, 0.05);
}

#[test]
fn malformed_json_names_line_and_column() {
    let text = GOOD.replace(r#""duration": 10,"#, r#""duration": 10"#);
    assert_eq!(err(&text), "4:3: malformed JSON: expected `,` or `}`");
}

#[test]
fn unknown_field_names_its_path_and_position() {
    let text = GOOD.replace(r#""max_attempts": 3"#, r#""max_atempts": 3"#);
    let e = err(&text);
    assert!(e.starts_with("7:"), "{e}");
    assert!(
        e.contains("policies[1].max_atempts: unknown field `max_atempts`"),
        "{e}"
    );
    assert!(e.contains("expected one of"), "{e}");
}

#[test]
fn wrong_type_and_missing_field_name_their_path() {
    let e = err(&GOOD.replace(r#""duration": 10"#, r#""duration": "ten""#));
    assert!(
        e.contains("duration: invalid type: string \"ten\", expected a number"),
        "{e}"
    );
    let e = err(&GOOD.replace(r#""rate": [[0, 100]]"#, r#""rate": 100"#));
    assert!(e.contains("expected a list"), "{e}");
    let e = err(&GOOD.replace(r#"{"kind": "full"}"#, r#""full""#));
    assert!(
        e.contains("expected an object with a \"kind\" field"),
        "{e}"
    );
    assert_eq!(
        err("  \n"),
        "1:1: malformed JSON: the file is empty: a scenario is a JSON object"
    );
    let e = err(&GOOD.replace(r#""duration": 10,"#, ""));
    assert!(e.contains("missing field `duration`"), "{e}");
    let e = err(&GOOD.replace(r#""kind": "full""#, r#""kind": "fulll""#));
    assert!(
        e.contains("policies[1].jitter") && e.contains("unknown variant `fulll`"),
        "{e}"
    );
}

#[test]
fn out_of_range_values_name_field_rule_and_value() {
    let e = err(&GOOD.replace(r#""rate": 50"#, r#""rate": -5"#));
    assert_eq!(
        e,
        "service.limiter.rate: must be > 0 (at least 0.001) and <= 1e8 tokens per second, got -5"
    );
    let e = err(&GOOD.replace(r#""max_attempts": 3"#, r#""max_attempts": 0"#));
    assert!(
        e.starts_with("policies[1].max_attempts: must be between 1 and 1000"),
        "{e}"
    );
}

#[test]
fn every_invalid_field_is_reported_at_once() {
    let text = GOOD
        .replace(r#""duration": 10"#, r#""duration": -1"#)
        .replace(r#"{"name": "a"}"#, r#"{"name": "b"}"#);
    match Scenario::from_json(&text) {
        Err(ScenarioError::Invalid(errors)) => {
            let paths: Vec<_> = errors.iter().map(|e| e.path.as_str()).collect();
            assert_eq!(paths, ["duration", "policies[1].name"]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn fields_on_kinds_that_take_none_are_refused() {
    let e = err(&GOOD.replace(
        r#"{"name": "a"}"#,
        r#"{"name": "a", "backoff": {"kind": "none", "base": 1}}"#,
    ));
    assert!(
        e.contains("policies[0].backoff: unknown field `base`"),
        "{e}"
    );
    let e = err(&GOOD.replace(
        r#"{"kind": "full"}"#,
        r#"{"kind": "full", "fraction": 0.3}"#,
    ));
    assert!(
        e.contains("policies[1].jitter: unknown field `fraction`"),
        "{e}"
    );
}

#[test]
fn cross_field_rules() {
    let e = err(&GOOD
        .replace(
            r#""jitter": {"kind": "full"}"#,
            r#""jitter": {"kind": "decorrelated"}"#,
        )
        .replace(r#""backoff": {"kind": "exponential", "base": 0.5},"#, ""));
    assert!(e.contains("policies[1].jitter: decorrelated jitter"), "{e}");
    let e = err(&GOOD.replace(r#""base": 0.5}"#, r#""base": 2, "cap": 1}"#));
    assert!(
        e.contains("policies[1].backoff.cap: must be >= base (2), got 1"),
        "{e}"
    );
    let e = err(&GOOD.replace(r#"[[0, 100]]"#, r#"[[5, 100], [2, 10]]"#));
    assert!(
        e.contains("workload.rate[1][0]: times must not decrease"),
        "{e}"
    );
    let e = err(&GOOD.replace(r#""name": "ok""#, r#""name": "../x""#));
    assert!(e.starts_with("name: must be 1-100 letters"), "{e}");
}

fn with_triggers(triggers: &str) -> String {
    GOOD.replace(
        r#""duration": 10,"#,
        &format!(r#""duration": 100, "triggers": {triggers},"#),
    )
}

#[test]
fn triggers_become_rate_steps_outages_and_capacity_windows() {
    const S: Nanos = 1_000_000_000;
    let s = Scenario::from_json(&with_triggers(
        r#"[{"kind": "load_spike", "start": 10, "duration": 5, "qps": 900},
            {"kind": "outage", "start": 30, "duration": 2, "mode": "error"}]"#,
    ))
    .unwrap();
    let Workload::Open { rate } = &s.workload else {
        panic!("open")
    };
    assert_eq!(
        (rate.rate_at(9.0), rate.rate_at(12.0), rate.rate_at(16.0)),
        (100.0, 900.0, 100.0)
    );
    assert_eq!(
        (s.services[0].outages[0].start, s.services[0].outages[0].end),
        (30 * S, 32 * S)
    );
    // Recovery counts from the first start and from the last end.
    assert_eq!(
        (s.recovery.trigger, s.recovery.trigger_end),
        (10 * S, 32 * S)
    );
    // Metastability is judged on the last 30 s of load (70..100 s),
    // which start at least 30 s after the last trigger ended.
    let w = s.recovery.metastable.unwrap();
    assert_eq!((w.from, w.to, w.margin), (70 * S, 100 * S, 0.1));
    // A trigger ending too late to judge: no metastability verdict.
    let s = Scenario::from_json(&with_triggers(
        r#"[{"kind": "outage", "start": 50, "duration": 10, "mode": "drop"}]"#,
    ))
    .unwrap();
    assert_eq!(s.recovery.metastable, None);
    // Without triggers, none either, and the trigger defaults to 0.
    let s = Scenario::from_json(GOOD).unwrap();
    assert_eq!((s.recovery.trigger, s.recovery.metastable), (0, None));
}

#[test]
fn trigger_errors_name_the_trigger_and_field() {
    let e = err(&with_triggers(
        r#"[{"kind": "capacity_drop", "start": 10, "duration": 5, "capacity": 0.5}]"#,
    ));
    assert!(
        e.contains("triggers[0].capacity: a share of unbounded workers"),
        "{e}"
    );
    let e = err(&with_triggers(
        r#"[{"kind": "capacity_drop", "start": 10, "duration": 5, "slowdown": 0.5},
            {"kind": "capacity_drop", "start": 12, "duration": 5, "slowdown": 2}]"#,
    ));
    assert!(
        e.contains("triggers[0].slowdown: must be a factor between 1"),
        "{e}"
    );
    assert!(
        e.contains("triggers[1].start: capacity drops must not overlap"),
        "{e}"
    );
    let e = err(&with_triggers(
        r#"[{"kind": "outage", "start": 200, "duration": 1, "mode": "drop"}]"#,
    ));
    assert!(
        e.contains("triggers[0].start: must be within the load"),
        "{e}"
    );
    let e = err(&with_triggers(
        r#"[{"kind": "load_spike", "start": 1, "duration": 1}]"#,
    ));
    assert!(e.contains("triggers[0]: missing field `qps`"), "{e}");
    let closed = with_triggers(r#"[{"kind": "load_spike", "start": 1, "duration": 1, "qps": 5}]"#)
        .replace(
            r#"{"kind": "open", "rate": [[0, 100]]}"#,
            r#"{"kind": "closed", "users": 5, "think": {"kind": "constant", "value": 1}}"#,
        );
    assert!(err(&closed).contains("triggers[0]: a load spike needs an open workload"));
}

#[test]
fn a_service_is_workers_or_a_contended_record() {
    let both = GOOD.replace(r#""limiter""#, r#""contention": {}, "limiter""#);
    assert!(err(&both).contains("service: give either `workers` or `contention`"));
    let neither = GOOD.replace(
        r#""workers": {"service_time": {"kind": "constant", "value": 0.1}}"#,
        r#""client_error_share": 0"#,
    );
    assert!(
        err(&neither).contains("service: needs `workers`"),
        "{}",
        err(&neither)
    );
    let record = GOOD.replace(
        r#""workers": {"service_time": {"kind": "constant", "value": 0.1}}"#,
        r#""contention": {}"#,
    );
    assert!(Scenario::from_json(&record).unwrap().services[0].contention);
}

#[test]
fn runaway_scenarios_are_refused_before_running() {
    let e = err(&GOOD
        .replace(r#"[[0, 100]]"#, r#"[[0, 100000000]]"#)
        .replace(r#""duration": 10"#, r#""duration": 100000"#));
    assert!(e.contains("workload.rate: would generate about"), "{e}");
    let e = err(&GOOD.replace(
        r#""duration": 10"#,
        r#""duration": 10, "metrics": {"bin": 0.0001}"#,
    ));
    assert!(e.contains("metrics.bin:"), "{e}");
}

/// GOOD with the entry's `calls` and a `services` list spliced in.
fn with_graph(calls: &str, services: &str) -> String {
    GOOD.replace(
        r#""workers": {"service_time": {"kind": "constant", "value": 0.1}}},"#,
        &format!(
            r#""workers": {{"service_time": {{"kind": "constant", "value": 0.1}}}}, "calls": {calls}}},
               "services": [{services}],"#
        ),
    )
}

const DB: &str =
    r#"{"name": "db", "workers": {"service_time": {"kind": "constant", "value": 0.1}}}"#;

#[test]
fn a_call_graph_loads_with_names_and_edges() {
    let s = Scenario::from_json(&with_graph(r#"{"to": ["db"]}"#, DB)).unwrap();
    assert_eq!(s.service_names(), ["entry", "db"]);
    let calls = s.services[0].calls.as_ref().unwrap();
    assert_eq!(calls.to, [1]);
    assert_eq!(calls.failure, crate::outcome::Outcome::ServerError);
    assert!(calls.policy.is_none() && !calls.parallel && !calls.propagate_deadline);
}

#[test]
fn call_graph_errors_name_the_field_and_the_rule() {
    let e = err(&with_graph(r#"{"to": ["dv"]}"#, DB));
    assert!(
        e.contains(
            r#"service.calls.to[0]: no service is named "dv"; the services are "entry", "db""#
        ),
        "{e}"
    );
    assert!(
        e.contains(r#"services[0].name: "db" is never called"#),
        "{e}"
    );
    let e = err(&with_graph(r#"{"to": ["entry"]}"#, DB));
    assert!(
        e.contains("service.calls.to[0]: \"entry\" is the service itself"),
        "{e}"
    );
    let looping = DB.replace(
        r#""name": "db","#,
        r#""name": "db", "calls": {"to": ["entry"]},"#,
    );
    let e = err(&with_graph(r#"{"to": ["db"]}"#, &looping));
    assert!(
        e.contains("the calls form a cycle (entry → db → entry)"),
        "{e}"
    );
    let unnamed = DB.replace(r#""name": "db", "#, "");
    let e = err(&with_graph(r#"{"to": ["db"]}"#, &unnamed));
    assert!(
        e.contains("services[0].name: every service in `services` needs a name"),
        "{e}"
    );
    let twice = format!("{DB}, {DB}");
    let e = err(&with_graph(r#"{"to": ["db"]}"#, &twice));
    assert!(
        e.contains(r#"services[1].name: "db" is already the name of services[0]"#),
        "{e}"
    );
    let e = err(&with_graph(r#"{"to": []}"#, DB));
    assert!(
        e.contains("service.calls.to: must name 1 to 16 services, got 0"),
        "{e}"
    );
    // A call policy is checked like any policy, at its own path.
    let e = err(&with_graph(
        r#"{"to": ["db"], "policy": {"name": "c", "max_attempts": 0}}"#,
        DB,
    ));
    assert!(
        e.contains("service.calls.policy.max_attempts: must be between 1 and 1000"),
        "{e}"
    );
    // A downstream service is checked at its own path.
    let slow = DB.replace(r#""value": 0.1"#, r#""value": -1"#);
    let e = err(&with_graph(r#"{"to": ["db"]}"#, &slow));
    assert!(e.contains("services[0].workers.service_time.value"), "{e}");
}

#[test]
fn the_estimate_counts_every_tier_of_a_call_graph() {
    // Three tiers of 4 attempts: 4 + 16 + 64 attempts per request.
    let mid = DB.replace(
        r#""name": "db","#,
        r#""name": "mid", "calls": {"to": ["db"]},"#,
    );
    let text = with_graph(r#"{"to": ["mid"]}"#, &format!("{mid}, {DB}"))
        .replace(r#""max_attempts": 3"#, r#""max_attempts": 4"#)
        .replace(r#"{"name": "a"}, "#, "");
    let s = Scenario::from_json(&text).unwrap();
    assert_eq!(
        graph::worst_fan_in(&s.services, &s.groups, 4),
        [1.0, 4.0, 16.0]
    );
    let fp = crate::footprint::of(&s);
    let one = crate::footprint::of(
        &Scenario::from_json(
            &GOOD
                .replace(r#""max_attempts": 3"#, r#""max_attempts": 4"#)
                .replace(r#"{"name": "a"}, "#, ""),
        )
        .unwrap(),
    );
    assert_eq!(fp.attempts, 21.0 * one.attempts);
}

#[test]
fn replica_and_trigger_target_errors_name_the_field() {
    let replicated = |replicas: &str| {
        with_graph(
            r#"{"to": ["db"]}"#,
            &DB.replace(
                r#""name": "db","#,
                &format!(r#""name": "db", "replicas": {replicas},"#),
            ),
        )
    };
    let e = err(&replicated(r#"{"count": 0}"#));
    assert!(
        e.contains("services[0].replicas.count: must be between 1 and 16, got 0"),
        "{e}"
    );
    let e = err(&replicated(
        r#"{"count": 2, "balancer": {"kind": "power_of_choices", "d": 3}}"#,
    ));
    assert!(
        e.contains("services[0].replicas.balancer.d: must be between 1 and the 2 replicas, got 3"),
        "{e}"
    );
    let ok = Scenario::from_json(&replicated(r#"{"count": 3, "retry": "different"}"#)).unwrap();
    assert_eq!(ok.service_names(), ["entry", "db/0", "db/1", "db/2"]);
    assert_eq!(ok.groups[1].first, 1);
    assert_eq!(ok.groups[1].count, 3);
    let strike = |target: &str| {
        replicated(r#"{"count": 3}"#).replacen(
            r#""policies""#,
            &format!(r#""triggers": [{{"kind": "outage", "start": 1, "duration": 2, "mode": "drop", {target}}}], "policies""#),
            1,
        )
    };
    let s = Scenario::from_json(&strike(r#""service": "db", "replica": 2"#)).unwrap();
    let outages: Vec<usize> = s.services.iter().map(|c| c.outages.len()).collect();
    assert_eq!(outages, [0, 0, 0, 1]);
    let s = Scenario::from_json(&strike(r#""service": "db""#)).unwrap();
    let outages: Vec<usize> = s.services.iter().map(|c| c.outages.len()).collect();
    assert_eq!(outages, [0, 1, 1, 1]);
    let e = err(&strike(r#""service": "dbb""#));
    assert!(
        e.contains(r#"triggers[0].service: no service is named "dbb""#),
        "{e}"
    );
    let e = err(&strike(r#""service": "db", "replica": 3"#));
    assert!(
        e.contains("triggers[0].replica: must be below the service's 3 replicas"),
        "{e}"
    );
}

#[test]
fn hedge_errors_name_the_field() {
    let text = GOOD.replace(
        r#"{"name": "a"}"#,
        r#"{"name": "a", "hedge": {"delay": 0.1, "quantile": 1.5, "max_copies": 1, "budget_percent": -1}}"#,
    );
    let e = err(&text);
    assert!(
        e.contains("policies[0].hedge.quantile: must be a quantile strictly between 0 and 1"),
        "{e}"
    );
    assert!(
        e.contains("policies[0].hedge.max_copies: must be between 2 and 10"),
        "{e}"
    );
    assert!(e.contains("policies[0].hedge.budget_percent"), "{e}");
    let ok = GOOD.replace(
        r#"{"name": "a"}"#,
        r#"{"name": "a", "hedge": {"delay": 0.1}}"#,
    );
    let s = Scenario::from_json(&ok).unwrap();
    let h = s.policies[0].hedge.as_ref().unwrap();
    assert_eq!(
        (h.delay, h.max_copies, h.cancel_losers, h.quantile),
        (100_000_000, 2, false, None)
    );
}

#[test]
fn a_capacity_drop_on_a_downstream_service_names_that_service_in_its_hint() {
    let text = with_graph(r#"{"to": ["db"]}"#, DB).replacen(
        r#""policies""#,
        r#""triggers": [{"kind": "capacity_drop", "start": 1, "duration": 2, "capacity": 0.5, "service": "db"}], "policies""#,
        1,
    );
    let e = err(&text);
    assert!(e.contains("triggers[0].capacity: a share of unbounded workers is still unbounded: set services[0].workers.concurrency"), "{e}");
}

#[test]
fn overload_control_errors_name_the_field() {
    let with = |control: &str| {
        GOOD.replace(
            r#""workers": {"service_time""#,
            &format!(r#""workers": {{"control": {control}, "service_time""#),
        )
    };
    let e = err(&with(
        r#"{"kind": "early_rejection", "start": 10, "full": 5}"#,
    ));
    assert!(
        e.contains("service.workers.control.full: must be above start (10), got 5"),
        "{e}"
    );
    let e = err(&with(
        r#"{"kind": "aimd", "latency": 0, "backoff": 1.5, "min": 10, "max": 5}"#,
    ));
    assert!(e.contains("service.workers.control.latency"), "{e}");
    assert!(e.contains("service.workers.control.backoff"), "{e}");
    assert!(
        e.contains("service.workers.control.max: must be at least min"),
        "{e}"
    );
    let e = err(&with(r#"{"kind": "aimd"}"#));
    assert!(
        e.contains("service.workers.control") && e.contains("latency"),
        "{e}"
    );
    let e = err(&with(r#"{"kind": "gradient", "window": 0}"#));
    assert!(e.contains("service.workers.control.window"), "{e}");
    let e = err(&with(r#"{"kind": "red"}"#));
    assert!(e.contains("unknown variant `red`"), "{e}");
    let e = err(&GOOD.replace(
        r#""rate": [[0, 100]]}"#,
        r#""rate": [[0, 100]], "low_priority_share": 1.5}"#,
    ));
    assert!(
        e.contains("workload.low_priority_share: must be a share between 0 and 1"),
        "{e}"
    );
    // Defaults.
    let s = Scenario::from_json(&with(r#"{"kind": "gradient"}"#)).unwrap();
    let crate::admission::ControlConfig::Limit(crate::adaptive_limit::LimitConfig::Gradient {
        tolerance,
        smoothing,
        queue,
        window,
        bounds,
    }) = s.services[0].workers.control
    else {
        panic!("a gradient limit expected");
    };
    assert_eq!((tolerance, smoothing, queue, window), (1.5, 0.2, 4.0, 600));
    assert_eq!(
        (bounds.initial, bounds.min, bounds.max),
        (20.0, 1.0, 1000.0)
    );
}
