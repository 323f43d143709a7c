//! Invariants that must hold for every valid scenario, over randomly
//! generated ones; and a scenario loader that never panics.

use proptest::prelude::*;
use retrysim_model::FailureReason;
use retrysim_model::scenario::spec::BudgetSpec;
use retrysim_model::{Scenario, ScenarioError, run_replication};
use serde_json::{Value, json};

/// A random valid scenario: every feature of the model may appear.
fn scenario() -> impl Strategy<Value = Value> {
    let workload = prop_oneof![
        (1u64..150, 0.0f64..5.0).prop_map(
            |(n, spread)| json!({"kind": "batch", "requests": n, "spread": spread, "clients": 3})
        ),
        (1.0f64..150.0)
            .prop_map(|q| json!({"kind": "open", "rate": [[0, q], [2, q * 2.0]], "clients": 2})),
    ];
    let limiter = prop_oneof![
        Just(Value::Null),
        (
            1.0f64..300.0,
            1.0f64..40.0,
            prop_oneof![Just("header"), Just("exact"), Just("none")]
        )
            .prop_map(|(r, b, h)| json!({"rate": r, "burst": b, "retry_after": h})),
    ];
    let backoff = prop_oneof![
        Just(json!({"kind": "none"})),
        (0.0f64..1.0).prop_map(|b| json!({"kind": "constant", "base": b})),
        (0.0f64..1.0).prop_map(|b| json!({"kind": "linear", "base": b, "cap": 5})),
        (0.01f64..1.0, 1.0f64..3.0)
            .prop_map(|(b, f)| json!({"kind": "exponential", "base": b, "factor": f, "cap": 5})),
    ];
    let jitter = prop_oneof![
        Just(json!({"kind": "none"})),
        Just(json!({"kind": "full"})),
        Just(json!({"kind": "equal"})),
        Just(json!({"kind": "proportional"})),
        Just(json!({"kind": "multiplicative"})),
        (0.0f64..2.0).prop_map(|m| json!({"kind": "additive", "max": m})),
    ];
    let retry_after = prop_oneof![
        Just(json!({"kind": "ignore"})),
        Just(json!({"kind": "obey", "cap": 2, "beyond_cap": "give_up"})),
        Just(json!({"kind": "clamp"})),
    ];
    let budget = prop_oneof![
        Just(json!({})),
        Just(json!({"retry_quota": {"initial": 20}})),
        Just(json!({"grpc_throttle": {"max_tokens": 5, "token_ratio": 0.5}})),
        Just(json!({"ratio": {"min_per_second": 1}})),
        Just(
            json!({"circuit_breaker": {"window": 10, "minimum_calls": 5, "open_for": 1, "half_open_calls": 2}})
        ),
        Just(json!({"adaptive_throttle": {"window": 5}})),
        Just(json!({"money": {"daily_limit": 0.05, "estimate": 0.001, "accounting": "post"}})),
    ];
    (
        workload,
        limiter,
        (prop::option::of(1u64..10), prop::option::of(0u64..10), 0.01f64..0.5),
        (0.0f64..0.2, 0.0f64..0.2, 0.0f64..0.2, 0.0f64..0.3),
        (1u32..6, 0.05f64..3.0, backoff, jitter, retry_after, budget, any::<bool>()),
        any::<u64>(),
        (0u8..4, 0.0f64..1.0, 1.0f64..3.0),
    )
        .prop_map(|(workload, limiter, (conc, qlim, st), (drop, reset, hang, bad), policy, seed, trouble)| {
            let (attempts, timeout, backoff, jitter, retry_after, budget, cancel) = policy;
            let mut service = json!({
                "workers": {"service_time": {"kind": "exponential", "mean": st}},
                "outages": [{"start": 1, "end": 1.5, "mode": "error"}, {"start": 2, "end": 2.5, "mode": "hang"}],
                "client_error_share": bad / 3.0,
            });
            if let Some(c) = conc {
                service["workers"]["concurrency"] = json!(c);
            }
            if let Some(q) = qlim {
                service["workers"]["queue_limit"] = json!(q);
            }
            if !limiter.is_null() {
                service["limiter"] = limiter;
            }
            // 0: nothing more; 1: a capacity drop; 2: an outage trigger;
            // 3: a contended record instead of workers.
            let (kind, share, slowdown) = trouble;
            let mut triggers = json!([]);
            match kind {
                1 => {
                    let capacity = if conc.is_some() { share } else { 1.0 };
                    triggers = json!([{"kind": "capacity_drop", "start": 0.5, "duration": 2,
                                       "capacity": capacity, "slowdown": slowdown}]);
                }
                2 => triggers = json!([{"kind": "outage", "start": 3, "duration": 0.5, "mode": "reset"}]),
                3 => {
                    let map = service.as_object_mut().unwrap();
                    map.remove("workers");
                    map.insert("contention".into(), json!({}));
                }
                _ => {}
            }
            json!({
                "triggers": triggers,
                "name": "prop", "duration": 4, "drain": 10000, "seed": seed, "replications": 2,
                "workload": workload,
                "network": {"latency": {"kind": "exponential", "mean": 0.01},
                            "faults": {"drop": drop, "reset": reset, "hang": hang}},
                "service": service,
                "cost": {"input_tokens": {"kind": "uniform", "low": 10, "high": 100},
                         "output_tokens": {"kind": "constant", "value": 50}, "price_in": 1, "price_out": 2},
                "policies": [{"name": "p", "max_attempts": attempts, "timeout": timeout, "backoff": backoff,
                              "jitter": jitter, "retry_after": retry_after, "budget": budget,
                              "cancel_on_timeout": cancel}]
            })
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    #[test]
    fn every_request_ends_exactly_once_and_counts_add_up(doc in scenario()) {
        let s = Scenario::from_value(doc.clone()).map_err(|e| TestCaseError::fail(format!("{e}\n{doc}")))?;
        let m = run_replication(&s, 0, 0);
        let failed: u64 = m.failed.iter().sum();
        prop_assert_eq!(m.unfinished, 0, "a long drain lets every request finish");
        prop_assert_eq!(m.arrivals, m.succeeded + failed + m.unfinished);
        // Every attempt ended with exactly one outcome.
        prop_assert_eq!(m.attempts, m.outcomes.iter().sum::<u64>());
        prop_assert_eq!(m.succeeded, m.success_by_attempt.iter().sum::<u64>());
        prop_assert_eq!(m.succeeded, m.outcomes[0]);
        prop_assert!(m.attempts_at_service <= m.attempts);
        prop_assert!(m.served <= m.attempts_at_service);
        // A contended record serves one write per read that got its answer.
        prop_assert!(m.writes <= m.attempts_at_service);
        let spec = s.spec();
        prop_assert!(spec.service.contention.is_some() || m.writes == 0);
        // Requests failed for a reason their policy can produce.
        if spec.policies[0].budget == BudgetSpec::default() {
            for r in [FailureReason::BudgetRefused, FailureReason::CircuitOpen, FailureReason::Throttled] {
                prop_assert_eq!(m.failed[r as usize], 0);
            }
        }
        // Costs are non-negative and add up.
        prop_assert!(m.cost_useful >= 0.0 && m.cost_total >= m.cost_useful - 1e-9);
        prop_assert!(m.duplicate_cost <= m.cost_total + 1e-9);
        let spend: f64 = m.series.bins.iter().map(|b| b.spend).sum();
        prop_assert!((spend - m.cost_total).abs() < 1e-6 * m.cost_total.max(1.0));
        // The limiter never holds more than its burst, nor less than nothing.
        if let Some(l) = &spec.service.limiter {
            prop_assert!(m.series.bins.iter().all(|b| b.tokens >= 0.0 && b.tokens <= l.burst + 1e-9));
        }
        // Bins add up to the totals.
        prop_assert_eq!(m.series.bins.iter().map(|b| b.arrivals).sum::<u64>(), m.arrivals);
        prop_assert_eq!(m.series.bins.iter().map(|b| b.attempts).sum::<u64>(), m.attempts);
    }

    #[test]
    fn results_do_not_depend_on_the_number_of_threads(doc in scenario()) {
        let s = Scenario::from_value(doc).unwrap();
        let render = |threads| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let summary = pool.install(|| retrysim_experiment::run(&s, &|| ()));
            retrysim_experiment::report::json::render(&summary) + &retrysim_experiment::report::csv::render(&summary)
        };
        prop_assert_eq!(render(1), render(2));
    }

    #[test]
    fn stored_results_read_back_as_they_were_written(doc in scenario()) {
        use retrysim_experiment::{report, stored::StoredRun};
        let s = Scenario::from_value(doc).unwrap();
        let summary = retrysim_experiment::run(&s, &|| ());
        let read = StoredRun::read(
            &report::json::render(&summary),
            &report::csv::render(&summary),
            &report::latency::render(&summary),
        );
        prop_assert_eq!(read.map_err(|e| TestCaseError::fail(e.to_string()))?, StoredRun::of(&summary));
    }

    #[test]
    fn the_loader_never_panics_on_arbitrary_text(text in ".{0,400}") {
        let _ = Scenario::from_json(&text);
    }

    #[test]
    fn the_loader_never_panics_on_arbitrary_json(v in arbitrary_json()) {
        let _ = Scenario::from_json(&v.to_string());
        let _ = Scenario::from_value(v);
    }

    #[test]
    fn the_loader_names_a_field_for_any_absurd_number(doc in scenario(), pick in any::<prop::sample::Index>(),
        value in prop_oneof![Just(-1e308), Just(-1.0), Just(0.0), Just(1e-300), Just(1e15), Just(1e308)]) {
        // Replace one number anywhere in a valid scenario.
        let mut doc = doc;
        let mut leaves = Vec::new();
        collect_numbers(&doc, String::new(), &mut leaves);
        let path = &leaves[pick.index(leaves.len())];
        set_pointer(&mut doc, path, json!(value));
        // Refused or not, never a panic; refused, the error names the field
        // that was changed (a cross-field rule may name others too).
        let field = dotted(path);
        let paths: Vec<String> = match Scenario::from_value(doc) {
            Ok(_) => return Ok(()),
            Err(ScenarioError::Invalid(errors)) => errors.into_iter().map(|e| e.path).collect(),
            Err(ScenarioError::Schema { path, .. }) => vec![path],
            Err(e @ ScenarioError::Syntax { .. }) => return Err(TestCaseError::fail(format!("a JSON value is never malformed text: {e}"))),
        };
        prop_assert!(paths.iter().any(|p| names(p, &field)), "{field} = {value}: errors at {paths:?}");
    }
}

/// Any JSON value, nested a few levels, with the scenario's own field names
/// among the keys so that the loader gets past the first unknown field.
fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<f64>().prop_filter_map("finite", |x| serde_json::Number::from_f64(x)
            .map(Value::Number)),
        any::<i64>().prop_map(|x| json!(x)),
        "[a-z_]{0,8}".prop_map(Value::String),
    ];
    let key = prop_oneof![
        Just("name".to_string()),
        Just("duration".to_string()),
        Just("workload".to_string()),
        Just("service".to_string()),
        Just("policies".to_string()),
        Just("kind".to_string()),
        Just("rate".to_string()),
        Just("workers".to_string()),
        Just("service_time".to_string()),
        "[a-z_]{1,8}",
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    /// In the simulator, consecutive attempts of a request are at least the
    /// constant backoff apart (sends read from 1 ms bins).
    #[test]
    fn attempts_are_never_sent_before_their_backoff(base_ms in 5u64..800, attempts in 2u32..6) {
        let doc = json!({
            "name": "gaps", "duration": 1, "drain": 100, "metrics": {"bin": 0.001},
            "workload": {"kind": "batch", "requests": 1},
            "service": {"workers": {"service_time": {"kind": "constant", "value": 0.001}},
                        "outages": [{"start": 0, "end": 1000, "mode": "error"}]},
            "policies": [{"name": "p", "max_attempts": attempts,
                          "backoff": {"kind": "constant", "base": base_ms as f64 / 1000.0}}]
        });
        let s = Scenario::from_value(doc).unwrap();
        let m = run_replication(&s, 0, 0);
        let sends: Vec<usize> = m.series.bins.iter().enumerate()
            .flat_map(|(i, b)| std::iter::repeat_n(i, b.attempts as usize)).collect();
        prop_assert_eq!(sends.len() as u32, attempts);
        for w in sends.windows(2) {
            prop_assert!((w[1] - w[0]) as u64 + 1 >= base_ms, "sends at {:?} ms, backoff {base_ms} ms", sends);
        }
    }
}

fn collect_numbers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Number(_) => out.push(at),
        Value::Object(m) => m
            .iter()
            .for_each(|(k, x)| collect_numbers(x, format!("{at}/{k}"), out)),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| collect_numbers(x, format!("{at}/{i}"), out)),
        _ => {}
    }
}

/// `/policies/0/backoff/base` → `policies[0].backoff.base`.
fn dotted(pointer: &str) -> String {
    let mut out = String::new();
    for part in pointer.split('/').skip(1) {
        if part.parse::<usize>().is_ok() {
            out.push_str(&format!("[{part}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(part);
        }
    }
    out
}

/// Whether an error at `path` names `field`: the field itself, or the
/// whole it is part of (`workload.rate` for a point of the rate curve).
fn names(path: &str, field: &str) -> bool {
    field == path
        || field.starts_with(&format!("{path}."))
        || field.starts_with(&format!("{path}["))
}

fn set_pointer(v: &mut Value, pointer: &str, new: Value) {
    if let Some(slot) = v.pointer_mut(pointer) {
        *slot = new;
    }
}
