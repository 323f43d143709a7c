//! Runs a scenario through the `retrysim` library and says which policy
//! brought users back first and which sent the fewest attempts.
//!
//! ```sh
//! cargo run --release --example compare_policies                      # the Double-11 spike, 3 replications
//! cargo run --release --example compare_policies -- scenarios/capacity-drop.json 5
//! ```

use retrysim::{Metric, Overrides, Stat};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/double11-spike.json").to_string()
    });
    let replications = match args.next() {
        Some(r) => r
            .parse()
            .map_err(|_| format!("replications: expected a whole number, got {r:?}"))?,
        None => 3,
    };
    let scenario = retrysim::load_with(
        &path,
        Overrides {
            replications: Some(replications),
            seed: None,
        },
    )?;
    eprintln!(
        "running {}: {} policies × {replications} replications",
        scenario.name(),
        scenario.policies().len()
    );
    let results = retrysim::run(&scenario);
    println!("{}", results.headline());

    // The best policy by one figure (`sign` -1 when higher is better); a
    // policy without a value in every replication (a recovery that did not
    // always come) is never the best.
    let best = |metric: Metric, sign: f64| -> Result<Option<(String, Stat)>, retrysim::Error> {
        let mut best: Option<(String, Stat)> = None;
        for policy in results.policies() {
            let s = results.figure(policy, metric)?;
            let (Some(m), true) = (s.mean, s.n == s.of) else {
                continue;
            };
            let beats = |b: &Stat| b.mean.is_none_or(|b| sign * m < sign * b);
            if best.as_ref().is_none_or(|(_, b)| beats(b)) {
                best = Some((policy.to_string(), s.clone()));
            }
        }
        Ok(best)
    };
    if let Some((policy, s)) = best(Metric::SuccessRate, -1.0)? {
        println!(
            "most requests succeeded with {policy}: {:.2} %",
            100.0 * s.mean.unwrap_or_default()
        );
    }
    match best(Metric::UserRecoveryS, 1.0)? {
        Some((policy, s)) => println!(
            "users recovered first with {policy}: {:.1} s after the trigger",
            s.mean.unwrap_or_default()
        ),
        None => println!("no policy's users recovered in every replication"),
    }
    if let Some((policy, s)) = best(Metric::Amplification, 1.0)? {
        println!(
            "fewest attempts per request: {policy}, {:.2}",
            s.mean.unwrap_or_default()
        );
    }
    Ok(())
}
