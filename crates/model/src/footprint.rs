//! What a replication may cost before it runs: the memory it may hold at
//! its peak, the memory of the results it hands back, and the attempts it
//! may send (docs/model.md §11). The figures are conservative estimates
//! from the validated scenario; `retrysim` refuses a run whose estimate is
//! over the user's limits, naming the fields that make it large.

use std::mem::size_of;

use retrysim_engine::time::nanos_to_secs;

use crate::histogram::Histogram;
use crate::request::{Extras, Request};
use crate::scenario::Scenario;
use crate::scenario::{NetworkConfig, ServiceConfig};
use crate::timeseries::Bin;
use crate::workers::Job;
use crate::workload::Workload;

/// What holds a run's memory, and the scenario fields that set its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Request slots in flight.
    Requests,
    /// Pending events and queued attempts.
    Events,
    /// Budget and guard state of every client instance.
    Guards,
    /// Closed-loop users.
    Users,
    /// The time series and histograms of one replication.
    Metrics,
}

impl Part {
    /// The scenario fields that make this part large.
    pub fn fields(self) -> &'static str {
        match self {
            Part::Requests => {
                "workload (requests in flight) and the policies' timeout and max_attempts"
            }
            Part::Events => "workload and the policies' max_attempts",
            Part::Guards => {
                "workload.clients × the policies' budget windows (circuit_breaker.window, ratio.window, adaptive_throttle.window)"
            }
            Part::Users => "workload.users",
            Part::Metrics => "(duration + drain) / metrics.bin",
        }
    }

    /// What it is, in a few words.
    pub fn what(self) -> &'static str {
        match self {
            Part::Requests => "requests in flight",
            Part::Events => "pending events and queued attempts",
            Part::Guards => "guard state of every client instance",
            Part::Users => "closed-loop users",
            Part::Metrics => "time series bins",
        }
    }
}

/// The estimate for a scenario: the largest of its policies' replications
/// for memory, the sum over its policies for work.
#[derive(Debug, Clone, PartialEq)]
pub struct Footprint {
    /// Peak bytes one replication of the largest policy may hold, by part.
    pub parts: Vec<(Part, u64)>,
    /// Bytes of the metrics one replication hands back.
    pub result_bytes: u64,
    /// Time-series bins per replication.
    pub bins: u64,
    /// Requests one replication may generate (a bound, not the mean).
    pub requests: f64,
    /// Attempts one replication of every policy may send, at most.
    pub attempts: f64,
}

impl Footprint {
    /// Peak bytes of one replication.
    pub fn run_bytes(&self) -> u64 {
        self.parts
            .iter()
            .fold(0u64, |sum, (_, b)| sum.saturating_add(*b))
    }

    /// The part that holds the most memory.
    pub fn largest(&self) -> Part {
        self.parts
            .iter()
            .max_by_key(|(_, b)| *b)
            .map_or(Part::Metrics, |(p, _)| *p)
    }
}

/// Growing vectors may hold twice what they use.
const GROWTH: f64 = 2.0;

/// Events a request may have pending at once besides its attempts' service
/// steps: its attempt's timeout and its network step.
const EVENTS_PER_REQUEST: f64 = 2.0;

/// Attempts of one request the estimate lets be at the service at once
/// (the live one and ones it abandoned after a timeout, still queued or in
/// service). Far more happen only in a service that never catches up.
const ATTEMPTS_AT_SERVICE: f64 = 4.0;

/// Bytes of one pending event in the radix heap: its time and the event.
const EVENT_BYTES: f64 = size_of::<(retrysim_engine::Nanos, crate::sim::Event)>() as f64;

/// The radix heap keeps events in many buckets that each keep the capacity
/// they once needed, as events move from bucket to bucket.
const BUCKET_SLACK: f64 = 2.0;

/// The engine's and simulation's fixed overhead (radix heap buckets,
/// streams, services).
const FIXED_BYTES: f64 = 512.0 * 1024.0;

/// The footprint of `scenario` (see the module docs).
pub fn of(scenario: &Scenario) -> Footprint {
    let load_s = nanos_to_secs(scenario.end_of_load);
    let run_s = nanos_to_secs(scenario.end_of_load + scenario.drain);
    // A call graph keeps a series per edge and per logical service, and a
    // latency histogram per edge; priority classes one per class.
    let edges: usize = (scenario.services.iter())
        .filter_map(|s| s.calls.as_ref())
        .map(|c| c.to.len())
        .sum();
    let (series, histograms) = if scenario.services.len() > 1 {
        let n = 1 + edges + scenario.groups.len();
        (n as f64, 1.0 + edges as f64)
    } else {
        (1.0, 1.0)
    };
    let histograms = histograms
        + if scenario.low_priority_share > 0.0 {
            2.0
        } else {
            0.0
        };
    let bins = scenario.bins() as f64 * series;

    // Requests a replication of `policy` may generate, how many live at
    // once at most, and the closed-loop users.
    let load = |policy: &crate::Policy| -> (f64, f64, f64) {
        match &scenario.workload {
            Workload::Batch { requests, .. } => (*requests as f64, *requests as f64, 0.0),
            Workload::Open { rate } => {
                // Poisson counts: the mean plus a wide margin.
                let mean = rate.integral(0.0, load_s);
                (mean + 10.0 * mean.sqrt() + 100.0, rate.peak(), 0.0)
            }
            Workload::Closed { users, think } => {
                let (cycle, _) = closed_cycle_s(
                    think.mean_secs(),
                    &scenario.network,
                    &scenario.services[crate::sim::ENTRY as usize],
                    policy,
                );
                let bound = if cycle > 0.0 {
                    *users as f64 * (run_s / cycle + 1.0) * 1.5 + 100.0
                } else {
                    f64::INFINITY
                };
                (bound, *users as f64, *users as f64)
            }
        }
    };
    let mut requests_max: f64 = 0.0;

    let mut parts_max: Vec<(Part, u64)> = Vec::new();
    let mut attempts = 0.0;
    let slot = (size_of::<Request>() + size_of::<Extras>() + size_of::<u32>()) as f64;
    for policy in &scenario.policies {
        let (requests, in_flight_cap, users) = load(policy);
        requests_max = requests_max.max(requests);
        // A hedged attempt may send up to `max_copies` copies.
        let copies = policy.hedge.as_ref().map_or(1, |h| h.max_copies) as f64;
        let tries = policy.max_attempts as f64 * copies;
        // In a call graph every entry attempt may cause calls at every tier
        // below, each with its own attempts: the worst path's product.
        let tiers: f64 = crate::scenario::graph::worst_fan_in(
            &scenario.services,
            &scenario.groups,
            policy.max_attempts,
        )
        .iter()
        .sum();
        attempts += requests * tries * tiers;
        // How long a request may live: its deadline, or its attempts'
        // timeouts and capped backoffs.
        let backoff = if policy.backoff.cap == u64::MAX {
            f64::INFINITY
        } else {
            // Decorrelated jitter may reach three times the capped delay.
            3.0 * nanos_to_secs(policy.backoff.cap)
        };
        let lifetime = match policy.deadline {
            Some(d) => nanos_to_secs(d),
            None => tries * (nanos_to_secs(policy.timeout) + backoff),
        };
        let in_flight = match &scenario.workload {
            Workload::Open { .. } => {
                let by_rate = in_flight_cap * lifetime * 1.5;
                if by_rate.is_nan() {
                    requests
                } else {
                    requests.min(by_rate.max(1000.0))
                }
            }
            Workload::Batch { .. } | Workload::Closed { .. } => in_flight_cap,
        };
        // Attempts abandoned by their clients may still wait in a service
        // queue after their request ended.
        let live_attempts = in_flight * tries.min(ATTEMPTS_AT_SERVICE) * tiers;
        let per_client: f64 = policy.guards.bytes_per_client() as f64;
        let parts = [
            (Part::Requests, in_flight * tiers * slot * GROWTH),
            (
                Part::Events,
                (in_flight * EVENTS_PER_REQUEST + live_attempts)
                    * EVENT_BYTES
                    * GROWTH
                    * BUCKET_SLACK
                    + live_attempts * size_of::<Job>() as f64 * GROWTH
                    + FIXED_BYTES,
            ),
            (Part::Guards, scenario.clients as f64 * per_client),
            (Part::Users, users * 3.0 * size_of::<u32>() as f64 * GROWTH),
            (
                Part::Metrics,
                metrics_bytes(bins, histograms, policy.max_attempts),
            ),
        ];
        let parts: Vec<(Part, u64)> = parts.iter().map(|&(p, b)| (p, bytes(b))).collect();
        let total = |ps: &[(Part, u64)]| ps.iter().fold(0u64, |s, (_, b)| s.saturating_add(*b));
        if total(&parts) >= total(&parts_max) {
            parts_max = parts;
        }
    }
    let max_attempts = scenario
        .policies
        .iter()
        .map(|p| p.max_attempts)
        .max()
        .unwrap_or(1);
    Footprint {
        parts: parts_max,
        result_bytes: bytes(metrics_bytes(bins, histograms, max_attempts)),
        bins: scenario.bins(),
        requests: requests_max,
        attempts,
    }
}

/// Why a closed-loop request may end at the instant it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AtOnce {
    /// A guard of the policy fails it without sending it.
    Guard,
    /// No latency, and the service may answer without serving.
    Unserved,
    /// No latency and no service time.
    Nothing,
}

/// The mean time a closed-loop user of `policy` needs per request at the
/// least, and if that may be zero, why: its think time, plus (unless a
/// guard may fail the request unsent) a round trip, plus (unless the
/// service may answer without serving: a limiter, a queue limit, outages,
/// malformed requests, a contended record, reset faults) the service time.
pub(crate) fn closed_cycle_s(
    think_s: f64,
    network: &NetworkConfig,
    service: &ServiceConfig,
    policy: &crate::Policy,
) -> (f64, AtOnce) {
    if policy.guards.may_refuse_attempts() {
        return (think_s, AtOnce::Guard);
    }
    let round_trip = 2.0 * network.latency.mean_secs();
    let unserved = service.limiter.is_some()
        || service.workers.queue_limit.is_some()
        || service.workers.control != crate::admission::ControlConfig::None
        || service.workers.shed_low_above.is_some()
        || !service.outages.is_empty()
        || service.client_error_share > 0.0
        || service.contention
        || network.faults.reset > 0.0;
    if unserved {
        (think_s + round_trip, AtOnce::Unserved)
    } else {
        let serve = service.workers.service_time.mean_secs();
        (think_s + round_trip + serve, AtOnce::Nothing)
    }
}

/// One replication's metrics: the series (grown by doubling) and the
/// latency histogram.
fn metrics_bytes(bins: f64, histograms: f64, max_attempts: u32) -> f64 {
    bins * size_of::<Bin>() as f64 * GROWTH
        + histograms * Histogram::BYTES as f64
        + max_attempts as f64 * size_of::<u64>() as f64
}

/// A float byte count as a saturating integer.
fn bytes(b: f64) -> u64 {
    if b.is_nan() || b >= u64::MAX as f64 {
        u64::MAX
    } else {
        b.max(0.0).ceil() as u64
    }
}
