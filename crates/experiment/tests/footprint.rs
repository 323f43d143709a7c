//! The resource estimate bounds what a run allocates: every replication of
//! every policy of mutated small scenarios (`tests/mutate`) is run under a
//! counting allocator, and its peak allocation must stay within the model's
//! per-replication footprint plus the metrics it hands back.

mod mutate;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use retrysim_model::{Scenario, Simulation, footprint};

struct Counting;

static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = NOW.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        NOW.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

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
            let before = NOW.load(Ordering::Relaxed);
            PEAK.store(before, Ordering::Relaxed);
            let metrics = Simulation::new(&s, policy, 0).run();
            let used = PEAK.load(Ordering::Relaxed) - before;
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
            let before = NOW.load(Ordering::Relaxed);
            PEAK.store(before, Ordering::Relaxed);
            drop(Simulation::new(&s, policy, 0).run());
            let used = (PEAK.load(Ordering::Relaxed) - before) as u64;
            assert!(
                used <= fp.run_bytes() + fp.result_bytes,
                "{name}: {used} B, estimated {fp:?}"
            );
        }
    }
}
