//! `retrysim bench`: the engine's speed, measured.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use rand::Rng;
use retrysim_engine::{EventQueue, stream};
use retrysim_model::{Metric, Overrides, run_replication};

use crate::cli::BenchArgs;
use crate::scenario_file;

pub fn run(args: BenchArgs) -> Result<ExitCode> {
    bare_queue(args.queue_size as usize);
    let scenario = scenario_file::load(&args.scenario, Default::default())?;
    println!(
        "\nscenario {} — one replication per policy, one thread:",
        scenario.name()
    );
    println!(
        "{:<28} {:>12} {:>12} {:>10} {:>12} {:>12} {:>9}",
        "policy", "events", "attempts", "seconds", "events/s", "attempts/s", "pending"
    );
    let (mut ev, mut at, mut secs) = (0u64, 0u64, 0f64);
    for (i, p) in scenario.policies().iter().enumerate() {
        let t = Instant::now();
        let m = run_replication(&scenario, i, 0);
        let s = t.elapsed().as_secs_f64();
        println!(
            "{:<28} {:>12} {:>12} {:>10.3} {:>12} {:>12} {:>9}",
            p.name(),
            m.events,
            m.attempts,
            s,
            rate(m.events as f64 / s),
            rate(m.attempts as f64 / s),
            m.peak_pending_events
        );
        ev += m.events;
        at += m.attempts;
        secs += s;
    }
    println!(
        "{:<28} {:>12} {:>12} {:>10.3} {:>12} {:>12}",
        "all policies",
        ev,
        at,
        secs,
        rate(ev as f64 / secs),
        rate(at as f64 / secs)
    );
    if let Some(kib) = peak_rss_kib() {
        println!("peak resident memory: {:.1} MiB", kib as f64 / 1024.0);
    }
    if args.scaling {
        let overrides = Overrides {
            replications: Some(args.replications),
            seed: None,
        };
        scaling(&scenario_file::load(&args.scenario, overrides)?)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Hold model: keep `size` events pending, pop one and schedule one at a
/// random later time, many times.
fn bare_queue(size: usize) {
    let mut rng = stream(1, 0, 0);
    let mut q: EventQueue<u64> = EventQueue::with_capacity(size + 1);
    for i in 0..size as u64 {
        q.schedule(rng.random_range(0..1_000_000), i);
    }
    let n = 20_000_000u64;
    let t = Instant::now();
    let mut checksum = 0u64;
    for _ in 0..n {
        let (now, e) = q.pop().expect("queue never empties");
        checksum = checksum.wrapping_add(e);
        q.schedule(now + rng.random_range(0..1_000_000), e);
    }
    let s = t.elapsed().as_secs_f64();
    println!(
        "bare event queue, {size} pending: {} pop+schedule pairs in {s:.3} s = {} events/s ({:.1} ns/event) [checksum {checksum}]",
        n,
        rate(n as f64 / s),
        1e9 * s / n as f64
    );
}

fn scaling(s: &retrysim_model::Scenario) -> Result<()> {
    let reps = s.replications();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut times = Vec::new();
    for threads in [1, cores] {
        let pool = crate::commands::thread_pool(Some(threads))?;
        let t = Instant::now();
        let summary = pool.install(|| retrysim_experiment::run(s, &|| ()));
        let secs = t.elapsed().as_secs_f64();
        let attempts: f64 = summary
            .policies
            .iter()
            .filter_map(|p| p.get(Metric::Attempts).mean)
            .sum::<f64>()
            * reps as f64;
        println!(
            "{threads} thread(s): {} replications × {} policies in {secs:.2} s = {} attempts/s",
            reps,
            s.policies().len(),
            rate(attempts / secs)
        );
        times.push(secs);
    }
    println!("speed-up on {cores} cores: {:.2}×", times[0] / times[1]);
    Ok(())
}

fn rate(x: f64) -> String {
    if x >= 1e6 {
        format!("{:.2} M", x / 1e6)
    } else {
        format!("{:.1} k", x / 1e3)
    }
}

/// Peak resident set size of this process (Linux), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
