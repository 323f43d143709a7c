//! The two compilations of the simulation agree: a scenario that uses
//! nothing of docs/model.md §12 gives the same metrics in `World<true>`,
//! which checks for every feature, as in `World<false>`, which it runs.

use super::*;

#[test]
fn the_plain_world_and_the_rich_world_give_the_same_metrics() {
    // Retries, a limiter with Retry-After, a bounded queue, faults, guards
    // and a trigger: every plain path.
    let text = r#"{"name": "t", "seed": 9, "duration": 30, "drain": 30,
        "workload": {"kind": "open", "clients": 3, "rate": [[0, 200]]},
        "network": {"latency": {"kind": "lognormal", "median": 0.002, "p99": 0.01},
                    "faults": {"drop": 0.01, "reset": 0.01}},
        "service": {"limiter": {"rate": 150, "burst": 20},
                    "workers": {"concurrency": 10, "queue_limit": 50,
                                "service_time": {"kind": "exponential", "mean": 0.05}}},
        "triggers": [{"kind": "capacity_drop", "start": 10, "duration": 5, "capacity": 0.5}],
        "policies": [{"name": "p", "max_attempts": 4, "timeout": 0.5,
                      "backoff": {"kind": "exponential", "base": 0.05}, "jitter": {"kind": "full"},
                      "retry_after": {"kind": "obey"}, "budget": {"retry_quota": {}}}]}"#;
    let s = Scenario::from_json(text).unwrap();
    assert!(!s.is_rich());
    let p = &s.policies[0];
    let plain = World::<false>::new(&s, p, 0).run();
    let rich = World::<true>::new(&s, p, 0).run();
    assert!(plain.attempts > 5_000 && plain.succeeded > 0);
    assert_eq!(format!("{plain:?}"), format!("{rich:?}"));
}
