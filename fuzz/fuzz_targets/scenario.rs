//! Any bytes: the loader must give a scenario or an error, the estimate
//! must refuse what is too big, and what fits must simulate without a
//! panic. Seed the corpus with the shipped scenarios:
//! `cargo +nightly fuzz run scenario ../scenarios`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use retrysim_experiment::resources::{Estimate, Limits};
use retrysim_model::Scenario;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(scenario) = Scenario::from_json(text) else {
        return;
    };
    let limits = Limits {
        memory: 256 << 20,
        attempts: 3e5,
    };
    if Estimate::of(&scenario, 1).check(limits).is_ok() {
        let summary = retrysim_experiment::run(&scenario, &|| ());
        let _ = retrysim_experiment::report::json::render(&summary);
    }
});
