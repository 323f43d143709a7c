//! The resource estimate bounds what a run allocates: every replication of
//! every policy of mutated small scenarios (`tests/mutate`) is run under a
//! counting allocator, and its peak allocation must stay within the model's
//! per-replication footprint plus the metrics it hands back.

mod mutate;

mod counting;

use retrysim_model::{Scenario, Simulation, footprint};

/// One test, so that no other test allocates while it counts.
#[test]
fn the_estimate_bounds_what_a_replication_allocates() {
    shipped_scenarios_shrunk();
    mutated_scenarios();
}

fn mutated_scenarios() {
    let bases = mutate::shipped();
    let mut checked = 0;
    let mut worst: f64 = 0.0;
    for n in 0..600u64 {
        let text = mutate::case(&bases, n);
        let Ok(s) = Scenario::from_json(&text) else {
            continue;
        };
        let fp = footprint::of(&s);
        if fp.run_bytes() > 64 << 20 || fp.attempts > 2e5 {
            continue;
        }
        let bound = fp.run_bytes() + fp.result_bytes;
        for policy in s.policies() {
            let (used, metrics) = counting::peak_of(|| Simulation::new(&s, policy, 0).run());
            drop(metrics);
            assert!(
                used as u64 <= bound,
                "case {n}, policy {}: allocated {used} B at the peak, estimated at most {bound} B\n{text}",
                policy.name()
            );
            worst = worst.max(used as f64 / bound as f64);
            checked += 1;
        }
    }
    eprintln!(
        "{checked} replications within the estimate; the closest used {:.0} % of it",
        worst * 100.0
    );
    assert!(checked > 100, "only {checked} replications checked");
}

fn shipped_scenarios_shrunk() {
    for (name, s) in mutate::shipped() {
        let text = serde_json::to_string(&mutate::shrink(s)).unwrap();
        let s = Scenario::from_json(&text).unwrap();
        let fp = footprint::of(&s);
        for policy in s.policies() {
            let (used, metrics) = counting::peak_of(|| Simulation::new(&s, policy, 0).run());
            drop(metrics);
            let used = used as u64;
            assert!(
                used <= fp.run_bytes() + fp.result_bytes,
                "{name}: {used} B, estimated {fp:?}"
            );
        }
    }
}
