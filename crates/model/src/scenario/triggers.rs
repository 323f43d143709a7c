//! `triggers`: what goes wrong, when and for how long. Load spikes are
//! written into the open workload's rate, outages into the service's outage
//! windows, capacity drops into its capacity schedule.

use serde::{Deserialize, Serialize};

use super::error::Errors;
use super::graph::Group;
use super::service::{CapacityDrop, OutageModeSpec, ServiceConfig};
use super::values::{num_ok, secs, share};
use super::workload::{MAX_RATE, MAX_REQUESTS};
use crate::faults::Outage;
use crate::workload::Workload;

fn one() -> f64 {
    1.0
}

/// Something that goes wrong for a while: `start` and `duration` in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TriggerSpec {
    /// Requests arrive at `qps` instead of the open workload's rate.
    LoadSpike {
        /// Seconds.
        start: f64,
        /// Seconds.
        duration: f64,
        /// Requests per second during the spike.
        qps: f64,
    },
    /// The service keeps `capacity` (a share) of its workers and serves
    /// `slowdown` times slower (defaults 1: unchanged).
    CapacityDrop {
        /// Seconds.
        start: f64,
        /// Seconds.
        duration: f64,
        /// Share of the workers left.
        #[serde(default = "one")]
        capacity: f64,
        /// Factor on every service time drawn during the drop.
        #[serde(default = "one")]
        slowdown: f64,
        /// The service it strikes, by name (default the entry).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        service: Option<String>,
        /// Only this replica of it (default every replica).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        replica: Option<u32>,
    },
    /// Every attempt reaching the service fails as `mode` says.
    Outage {
        /// Seconds.
        start: f64,
        /// Seconds.
        duration: f64,
        /// How attempts fail.
        mode: OutageModeSpec,
        /// The service it strikes, by name (default the entry).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        service: Option<String>,
        /// Only this replica of it (default every replica).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        replica: Option<u32>,
    },
}

impl TriggerSpec {
    /// (start, duration) in seconds.
    pub fn window(&self) -> (f64, f64) {
        match *self {
            TriggerSpec::LoadSpike {
                start, duration, ..
            }
            | TriggerSpec::CapacityDrop {
                start, duration, ..
            }
            | TriggerSpec::Outage {
                start, duration, ..
            } => (start, duration),
        }
    }

    /// The name used in paths and reports.
    pub fn kind(&self) -> &'static str {
        match self {
            TriggerSpec::LoadSpike { .. } => "load_spike",
            TriggerSpec::CapacityDrop { .. } => "capacity_drop",
            TriggerSpec::Outage { .. } => "outage",
        }
    }
}

/// The instances a capacity drop or outage strikes: every replica of the
/// named service (the entry by default), or the one `replica`.
fn targets(
    errs: &mut Errors,
    i: usize,
    service: &Option<String>,
    replica: Option<u32>,
    groups: &[Group],
    names: &[String],
) -> std::ops::Range<usize> {
    let g = match service {
        None => 0,
        Some(name) => match names.iter().position(|n| n == name) {
            Some(g) => g,
            None => {
                errs.push(
                    format!("triggers[{i}].service"),
                    super::graph::unknown_service(name, names),
                );
                return 0..0;
            }
        },
    };
    let Some(group) = groups.get(g) else {
        return 0..0;
    };
    let first = group.first as usize;
    match replica {
        None => first..first + group.count as usize,
        Some(r) if r < group.count as u32 => first + r as usize..first + r as usize + 1,
        Some(r) => {
            errs.push(
                format!("triggers[{i}].replica"),
                format!(
                    "must be below the service's {} replicas (they count from 0), got {r}",
                    group.count
                ),
            );
            0..0
        }
    }
}

/// Validates `triggers` against a load of `duration` seconds and applies
/// them: load spikes to the open workload's rate, outages and capacity drops
/// (in time order; they may not overlap) to the service instances they
/// strike (`groups` and `names` are the logical services).
pub(crate) fn compile(
    errs: &mut Errors,
    triggers: &[TriggerSpec],
    duration: f64,
    workload: &mut Workload,
    services: &mut [ServiceConfig],
    groups: &[Group],
    names: &[String],
) {
    let mut drops: Vec<Vec<(usize, CapacityDrop)>> = vec![Vec::new(); services.len()];
    for (i, t) in triggers.iter().enumerate() {
        let at = |f: &str| format!("triggers[{i}].{f}");
        let (start_s, duration_s) = t.window();
        let start = secs(errs, &at("start"), start_s, false);
        let length = secs(errs, &at("duration"), duration_s, true);
        errs.check(
            !num_ok(duration) || !num_ok(start_s) || start_s < duration,
            at("start"),
            || format!("must be within the load (< duration {duration}), got {start_s}"),
        );
        let end = start.saturating_add(length);
        match *t {
            TriggerSpec::LoadSpike { qps, .. } => {
                errs.check(
                    num_ok(qps) && (0.0..=MAX_RATE).contains(&qps),
                    at("qps"),
                    || format!("must be between 0 and {MAX_RATE:e} requests per second, got {qps}"),
                );
                match workload {
                    Workload::Open { rate } => {
                        if errs.0.is_empty() {
                            *rate = rate.with_step(start_s, start_s + duration_s, qps);
                            let expected = rate.integral(0.0, duration);
                            errs.check(expected <= MAX_REQUESTS, at("qps"), || {
                                format!("would generate about {expected:.3e} requests per replication; the limit is {MAX_REQUESTS:e}")
                            });
                        }
                    }
                    _ => errs.push(
                        format!("triggers[{i}]"),
                        "a load spike needs an open workload (workload.kind \"open\"); \
                         for closed or batch workloads raise `users` or `requests` instead"
                            .into(),
                    ),
                }
            }
            TriggerSpec::CapacityDrop {
                capacity,
                slowdown,
                ref service,
                replica,
                ..
            } => {
                let where_ = super::graph::path_of(
                    (service.as_ref())
                        .and_then(|n| names.iter().position(|m| m == n))
                        .unwrap_or(0),
                );
                let targets = targets(errs, i, service, replica, groups, names);
                let Some(service) = services.get(targets.start) else {
                    continue;
                };
                let concurrency = service.workers.concurrency;
                let capacity = share(errs, &at("capacity"), capacity);
                errs.check(
                    num_ok(slowdown) && (1.0..=1000.0).contains(&slowdown),
                    at("slowdown"),
                    || format!("must be a factor between 1 (unchanged) and 1000, got {slowdown}"),
                );
                if service.contention {
                    errs.push(
                        format!("triggers[{i}]"),
                        format!("a capacity drop needs a worker pool ({where_}.workers), not a contended record"),
                    );
                }
                errs.check(
                    capacity >= 1.0 || concurrency.is_some(),
                    at("capacity"),
                    || format!("a share of unbounded workers is still unbounded: set {where_}.workers.concurrency, or use `slowdown`"),
                );
                let drop = CapacityDrop {
                    start,
                    end,
                    concurrency: concurrency.map(|c| (c as f64 * capacity).round() as u64),
                    slowdown,
                };
                for k in targets {
                    drops[k].push((i, drop));
                }
            }
            TriggerSpec::Outage {
                mode,
                ref service,
                replica,
                ..
            } => {
                for k in targets(errs, i, service, replica, groups, names) {
                    services[k].outages.push(Outage {
                        start,
                        end,
                        mode: mode.compile(),
                    });
                }
            }
        }
    }
    for (service, mut drops) in services.iter_mut().zip(drops) {
        drops.sort_by_key(|(_, d)| d.start);
        for w in drops.windows(2) {
            let ((_, a), (j, b)) = (&w[0], &w[1]);
            errs.check(b.start >= a.end, format!("triggers[{j}].start"), || {
                "capacity drops must not overlap: start this one after the previous one ends".into()
            });
        }
        service.capacity_drops = drops.into_iter().map(|(_, d)| d).collect();
    }
}
