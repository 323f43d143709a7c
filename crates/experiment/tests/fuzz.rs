//! The loader and short simulations never panic, whatever the mutator
//! makes of the shipped scenarios (`tests/mutate`). The suite runs a few
//! hundred cases; `scripts/fuzz` runs 100 000 or more in release:
//! `RETRYSIM_FUZZ_CASES` sets how many, `RETRYSIM_FUZZ_FROM` the first case.

mod mutate;

use std::panic::{AssertUnwindSafe, catch_unwind};

use retrysim_experiment::resources::{Estimate, Limits};
use retrysim_model::Scenario;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn loader_and_short_runs_never_panic() {
    let cases = env("RETRYSIM_FUZZ_CASES", 400);
    let from = env("RETRYSIM_FUZZ_FROM", 0);
    let bases = mutate::shipped();
    // A short simulation: what fits in these runs; the rest must be refused
    // by the estimate with a message, which is checked too.
    let limits = Limits {
        memory: 256 << 20,
        attempts: 3e5,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let (mut invalid, mut refused, mut ran) = (0u64, 0u64, 0u64);
    for n in from..from + cases {
        let text = mutate::case(&bases, n);
        let outcome = catch_unwind(AssertUnwindSafe(|| match Scenario::from_json(&text) {
            Err(e) => {
                assert!(!e.to_string().is_empty(), "an error says what is wrong");
                0
            }
            Ok(s) => {
                let estimate = Estimate::of(&s, 1);
                if let Err(why) = estimate.check(limits) {
                    assert!(why.to_string().contains("raise the limit"), "{why}");
                    return 1;
                }
                let summary = pool.install(|| retrysim_experiment::run(&s, &|| ()));
                use retrysim_experiment::report;
                for rendered in [
                    report::json::render(&summary),
                    report::csv::render(&summary),
                    report::latency::render(&summary),
                    report::markdown::render(&summary),
                ] {
                    assert!(!rendered.is_empty());
                }
                2
            }
        }));
        match outcome {
            Ok(0) => invalid += 1,
            Ok(1) => refused += 1,
            Ok(_) => ran += 1,
            Err(_) => panic!("fuzz case {n} panicked; its input:\n{text}"),
        }
    }
    eprintln!(
        "fuzz cases {from}..{}: {invalid} invalid, {refused} refused by the estimate, {ran} simulated",
        from + cases
    );
    // The mutator must reach every stage, or it tests nothing.
    assert!(invalid > cases / 10, "{invalid} of {cases} invalid");
    assert!(ran > cases / 10, "{ran} of {cases} simulated");
    // And the estimate's refusal path (22 of the first 400 cases).
    assert!(
        refused > cases / 100,
        "{refused} of {cases} refused by the estimate"
    );
}

#[test]
fn shrunk_bases_are_valid() {
    for (name, s) in mutate::shipped() {
        let text = serde_json::to_string(&mutate::shrink(s)).unwrap();
        if let Err(e) = Scenario::from_json(&text) {
            panic!("{name} shrunk: {e}");
        }
    }
}
