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
    // Load first: a missing scenario is an error before anything is timed.
    let scenario = scenario_file::load(&args.scenario, Default::default())?;
    let bare_ns = bare_queue(args.queue_size as usize);
    println!(
        "\nscenario {} — one replication per policy, one thread (seconds: CPU time of this thread):",
        scenario.name()
    );
    println!(
        "{:<28} {:>12} {:>12} {:>9} {:>11} {:>11} {:>9} {:>8}",
        "policy", "events", "attempts", "cpu s", "ns/event", "ns/attempt", "× bare", "pending"
    );
    let (mut ev, mut at, mut cpu, mut wall) = (0u64, 0u64, 0f64, 0f64);
    for (i, p) in scenario.policies().iter().enumerate() {
        let (t, c) = (Instant::now(), thread_cpu_s());
        let m = run_replication(&scenario, i, 0);
        let s = cpu_since(c).unwrap_or_else(|| t.elapsed().as_secs_f64());
        wall += t.elapsed().as_secs_f64();
        println!(
            "{:<28} {:>12} {:>12} {:>9.3} {:>11.1} {:>11.1} {:>9.2} {:>8}",
            p.name(),
            m.events,
            m.attempts,
            s,
            1e9 * s / m.events.max(1) as f64,
            1e9 * s / m.attempts.max(1) as f64,
            1e9 * s / m.events.max(1) as f64 / bare_ns,
            m.peak_pending_events
        );
        ev += m.events;
        at += m.attempts;
        cpu += s;
    }
    println!(
        "{:<28} {:>12} {:>12} {:>9.3} {:>11.1} {:>11.1} {:>9.2}",
        "all policies",
        ev,
        at,
        cpu,
        1e9 * cpu / ev.max(1) as f64,
        1e9 * cpu / at.max(1) as f64,
        1e9 * cpu / ev.max(1) as f64 / bare_ns
    );
    println!(
        "= {} simulated attempts per CPU-second, {} events per CPU-second",
        rate(at as f64 / cpu),
        rate(ev as f64 / cpu)
    );
    busy_warning("the runs above", cpu, wall, 1);
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

/// Why wall-clock figures of a timed run may mean little.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Doubt {
    /// Other work shared the cores.
    Busy,
    /// Too short for the process clock (10 ms ticks) to judge.
    TooShort,
}

/// Warns when `cpu` seconds of work on `threads` threads took noticeably
/// more than `cpu / threads` of wall time: other work shared the cores, and
/// wall-clock figures (a speed-up above all) mean little.
fn busy_warning(what: &str, cpu: f64, wall: f64, threads: usize) -> Option<Doubt> {
    if wall < 0.5 {
        println!("note: {what} took {wall:.2} s, too short to tell whether the machine was busy");
        return Some(Doubt::TooShort);
    }
    let share = cpu / (wall * threads as f64);
    if share < 0.9 {
        println!(
            "note: {what} got {:.0} % of {threads} core(s) — the machine was busy; CPU-time figures stand, wall-clock ones do not",
            100.0 * share
        );
        return Some(Doubt::Busy);
    }
    None
}

/// CPU time this thread has used, in seconds (Linux; `None` elsewhere).
fn thread_cpu_s() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns as f64 / 1e9)
}

/// CPU time this process has used, in seconds (Linux; `None` elsewhere).
fn process_cpu_s() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces): utime and
    // stime are the 12th and 13th, in clock ticks (100 per second on Linux).
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// Thread CPU seconds since `start`.
fn cpu_since(start: Option<f64>) -> Option<f64> {
    Some(thread_cpu_s()? - start?)
}

/// Hold model: keep `size` events pending, pop one and schedule one at a
/// random later time, many times. Returns CPU nanoseconds per event.
fn bare_queue(size: usize) -> f64 {
    let mut rng = stream(1, 0, 0);
    let mut q: EventQueue<u64> = EventQueue::with_capacity(size + 1);
    for i in 0..size as u64 {
        q.schedule(rng.random_range(0..1_000_000), i);
    }
    let n = 20_000_000u64;
    let (t, c) = (Instant::now(), thread_cpu_s());
    let mut checksum = 0u64;
    for _ in 0..n {
        let (now, e) = q.pop().expect("queue never empties");
        checksum = checksum.wrapping_add(e);
        q.schedule(now + rng.random_range(0..1_000_000), e);
    }
    let s = cpu_since(c).unwrap_or_else(|| t.elapsed().as_secs_f64());
    println!(
        "bare event queue, {size} pending: {} pop+schedule pairs in {s:.3} CPU s = {} events/s ({:.1} ns/event) [checksum {checksum}]",
        n,
        rate(n as f64 / s),
        1e9 * s / n as f64
    );
    1e9 * s / n as f64
}

fn scaling(s: &retrysim_model::Scenario) -> Result<()> {
    let reps = s.replications();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut times = Vec::new();
    let mut doubt: Option<Doubt> = None;
    for threads in [1, cores] {
        let pool = crate::commands::thread_pool(Some(threads))?;
        let (t, c) = (Instant::now(), process_cpu_s());
        let summary = pool.install(|| retrysim_experiment::run(s, &|| ()));
        let secs = t.elapsed().as_secs_f64();
        if let (Some(a), Some(b)) = (c, process_cpu_s()) {
            // A busy machine outweighs a short run.
            match busy_warning(&format!("the {threads}-thread run"), b - a, secs, threads) {
                Some(Doubt::Busy) => doubt = Some(Doubt::Busy),
                Some(Doubt::TooShort) if doubt.is_none() => doubt = Some(Doubt::TooShort),
                _ => {}
            }
        }
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
    println!("{}", speedup_line(cores, times[0] / times[1], doubt));
    Ok(())
}

/// The speed-up verdict: a busy machine or too short a run makes it
/// meaningless, and below 1× (more threads, slower) something else was
/// competing or the work was too small to share, which the reader should be
/// told rather than left to believe.
fn speedup_line(cores: usize, speedup: f64, doubt: Option<Doubt>) -> String {
    let cores = if cores == 1 {
        "1 core".to_string()
    } else {
        format!("{cores} cores")
    };
    match doubt {
        Some(Doubt::Busy) => {
            format!("speed-up on {cores}: {speedup:.2}× (not meaningful: the machine was busy)")
        }
        Some(Doubt::TooShort) => format!(
            "speed-up on {cores}: {speedup:.2}× (not meaningful: the runs were too short to time; \
             give more with --replications)"
        ),
        None if cores != "1 core" && speedup < 1.0 => format!(
            "speed-up on {cores}: {speedup:.2}× — slower with more threads: another process \
             took the cores during the run, or there are too few replications × policies to \
             share (give more with --replications); re-run on an idle machine before trusting it"
        ),
        None => format!("speed-up on {cores}: {speedup:.2}×"),
    }
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

#[cfg(test)]
mod tests {
    use super::{Doubt, speedup_line};

    #[test]
    fn a_speed_up_below_one_is_never_printed_bare() {
        assert!(speedup_line(2, 0.91, None).contains("slower with more threads"));
        assert!(speedup_line(2, 0.91, Some(Doubt::Busy)).contains("machine was busy"));
        assert_eq!(speedup_line(2, 1.9, None), "speed-up on 2 cores: 1.90×");
        // One core: 1 thread against 1 thread says nothing either way.
        assert_eq!(speedup_line(1, 0.98, None), "speed-up on 1 core: 0.98×");
    }

    #[test]
    fn regression_a_short_run_is_not_called_busy() {
        let line = speedup_line(2, 1.2, Some(Doubt::TooShort));
        assert!(line.contains("too short to time"), "{line}");
        assert!(!line.contains("busy"), "{line}");
    }
}
