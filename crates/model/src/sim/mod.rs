//! One replication of one policy: components wired by events.
//!
//! The simulation holds one component per role, each in its own file:
//! the workload ([`workload`]: arrivals, closed-loop users), the client
//! ([`client`]: an attempt's life, the retry decision, the guards), the
//! network ([`network`]: latency and faults, both ways), the services by
//! id ([`service`]: limiter, outages, workers or a contended record,
//! congestion, capacity drops) and billing ([`billing`]). This file holds
//! the loop and the time-series gauges.
//!
//! # Event flow of one attempt
//! `Arrival` (or a retry's `Send`) → the client's guards → the network's
//! fault draw and uplink latency → `Reach` the service → outage window →
//! limiter (429) → 4xx for a malformed request → workers (start, queue, or
//! 503) → `Done` frees the worker and bills the attempt → `Response` reaches
//! the client after the downlink latency. A `Timeout` fires at the attempt's
//! deadline. The client then succeeds, retries (`Send` after the backoff)
//! or fails the request.
//!
//! # Timers that never fire are never scheduled
//! Most attempts answer long before their timeout. Whenever the time of an
//! attempt's response becomes known (a 429, 503 or reset at once, or a
//! service start), the simulator compares it with the attempt deadline: if it
//! comes first, only the response is scheduled; otherwise only the timeout
//! (the service still does, and bills, the work). An attempt waiting in the
//! queue has an unknown finish, so its timeout is armed then, and skipped by
//! generation if the response wins. This is exactly equivalent to arming
//! every timeout and cancelling most, at a fraction of the heap traffic.

mod billing;
mod calls;
mod client;
mod event;
mod network;
mod role;
mod routing;
mod service;
mod workload;

#[cfg(test)]
mod tests;

use retrysim_engine::{EventQueue, Nanos, Process};

pub(crate) use event::{ENTRY, Event, ServiceId};

use crate::metrics::RunMetrics;
use crate::outcome::Outcome;
use crate::policy::Policy;
use crate::priority::ClassRun;
use crate::scenario::Scenario;
use crate::workers::Job;
use calls::Graph;
use client::Client;
use network::Network;
use service::Service;
use workload::Source;

/// Random stream purposes (docs/model.md §1): each component draws from its own.
pub(crate) mod purpose {
    /// Arrival times and each request's client instance.
    pub const ARRIVALS: u64 = 0;
    /// Network latency.
    pub const NETWORK: u64 = 1;
    /// Service times.
    pub const SERVICE: u64 = 2;
    /// Retry jitter.
    pub const JITTER: u64 = 3;
    /// Per-attempt network faults.
    pub const FAULTS: u64 = 4;
    /// Per-request properties: token counts, malformed (4xx) or not.
    pub const REQUESTS: u64 = 5;
    /// The client guards' own draws.
    pub const GUARDS: u64 = 6;
    /// Each request's priority class.
    pub const PRIORITY: u64 = 56;

    /// Service `k` of a call graph (k ≥ 1; the entry draws from
    /// [`SERVICE`]): purposes 8 to 8 + 31.
    pub const fn service(k: u64) -> u64 {
        if k == 0 { SERVICE } else { 8 + k }
    }

    /// The workload's client's load balancer, when the entry has replicas.
    pub const BALANCER: u64 = 7;

    /// Call edge `k` (role k ≥ 1, k ≤ 63) draws its jitter from this
    /// purpose, its guards' draws from the next and its balancer's from the
    /// one after: purposes 64 + 3k to 66 + 3k.
    pub const fn edge(k: u64) -> u64 {
        64 + 3 * k
    }
}

/// "No Retry-After header" in a response.
pub(crate) const NO_RETRY_AFTER: Nanos = Nanos::MAX;

/// The world of one replication of one policy. `RICH` says whether the
/// scenario uses any part of docs/model.md §12 — call graphs, replicas,
/// hedging, a queue order other than FIFO, overload control or priority
/// classes: without them (`false`) their checks compile away from the hot
/// path, and a one-service scenario runs the code it ran before they
/// existed.
pub(crate) struct World<'a, const RICH: bool> {
    /// Where requests come from.
    source: Source<'a>,
    /// The client population: requests in flight, policy, guards.
    client: Client<'a>,
    /// Latency and faults between client and services.
    network: Network<'a>,
    /// The services, by [`ServiceId`].
    services: Vec<Service<'a>>,
    /// The calls in progress, when services call services.
    graph: Option<Graph>,
    /// The entry's replicas: instances `0 .. entry_replicas`.
    entry_replicas: ServiceId,
    /// Whether the workload has two priority classes.
    priorities: bool,
    metrics: RunMetrics,
    /// Bin width.
    bin: Nanos,
    /// End of the current bin: gauges are read when time passes it.
    next_gauge: Nanos,
    /// No request arrives at or after this time.
    end_of_load: Nanos,
    /// The run stops here at the latest.
    until: Nanos,
}

impl<'a, const RICH: bool> World<'a, RICH> {
    /// A fresh world for `policy` in `replication` (seeded from the scenario
    /// seed): every policy sees the same arrivals in the same replication.
    pub fn new(scenario: &'a Scenario, policy: &'a Policy, replication: u64) -> Self {
        let seed = scenario.seed;
        let expected_bins = scenario.bins() as usize;
        let mut metrics = RunMetrics::new(
            policy.max_attempts,
            scenario.bin,
            expected_bins.min(1 << 16),
        );
        metrics.priced = scenario.cost.is_some();
        metrics.contention = scenario.services[ENTRY as usize].contention;
        let client = Client::new(scenario, policy, seed, replication);
        let mut services: Vec<Service> = (scenario.services.iter().enumerate())
            .map(|(k, config)| Service::new(config, k as u64, seed, replication))
            .collect();
        for role in client.roles.iter() {
            let p = role.policy;
            let cancels = p.cancel_on_timeout || p.hedge.as_ref().is_some_and(|h| h.cancel_losers);
            for replica in 0..role.replicas {
                services[(role.target + replica) as usize].cancels |= cancels;
            }
        }
        let graph = (services.len() > 1).then(|| {
            let tiers = (scenario.groups.iter().zip(&scenario.group_names))
                .map(|(g, name)| (name.clone(), g.first as usize, g.count as usize));
            metrics.add_graph(&scenario.service_names, &client.edge_names(scenario), tiers);
            Graph::new(
                scenario
                    .services
                    .iter()
                    .map(|s| s.calls.as_ref().map_or(0, |c| c.to.len())),
            )
        });
        if scenario.low_priority_share > 0.0 {
            metrics.classes = vec![ClassRun::default(), ClassRun::default()];
        }
        Self {
            source: Source::new(scenario, seed, replication),
            client,
            network: Network::new(&scenario.network, seed, replication),
            services,
            graph,
            entry_replicas: scenario.groups[ENTRY as usize].count,
            priorities: scenario.low_priority_share > 0.0,
            metrics,
            bin: scenario.bin,
            next_gauge: scenario.bin,
            end_of_load: scenario.end_of_load,
            until: scenario.end_of_load + scenario.drain,
        }
    }

    /// Runs to the end (all requests done, or the drain limit) and returns
    /// the metrics.
    pub fn run(mut self) -> RunMetrics {
        let mut queue = EventQueue::with_capacity(1024);
        self.source.start(&mut queue);
        for (svc, service) in self.services.iter().enumerate() {
            service.schedule_capacity_drops(svc as ServiceId, self.until, &mut queue);
        }
        let until = self.until;
        let out = retrysim_engine::run(&mut self, &mut queue, until, u64::MAX);
        let end = if out.hit_time_limit {
            self.until
        } else {
            out.end.max(self.end_of_load)
        };
        self.metrics.peak_pending_events = out.peak_pending as u64;
        self.finish(end, out.events)
    }

    fn finish(mut self, end: Nanos, events: u64) -> RunMetrics {
        // Nothing happens after the last event: the gauges of the bin that
        // contains it are the final state.
        self.read_gauges(end.next_multiple_of(self.bin).max(self.bin));
        let in_flight = self.in_flight();
        let m = &mut self.metrics;
        if !m.services.is_empty() {
            let entry = &m.services[..self.entry_replicas as usize];
            m.attempts_at_service = entry.iter().map(|s| s.reached).sum();
        }
        m.events = events;
        m.run_end = end;
        m.unfinished = in_flight;
        for r in self.client.requests.iter_live() {
            match r.role {
                0 => m.series.at(r.arrival).failed += 1,
                k => m.edges[k as usize - 1].series.at(r.arrival).failed += 1,
            }
        }
        m.sum_tiers();
        m.guards = self.client.roles.get(0).guards.report();
        self.metrics
    }

    /// The workload's requests in flight (calls between services are not
    /// counted).
    fn in_flight(&self) -> u64 {
        self.client.requests.live() - self.graph.as_ref().map_or(0, |g| g.calls_live)
    }

    /// Records the gauges of every bin that ended at or before `now`: the
    /// requests in flight and the entry service's queue, workers and tokens.
    #[cold]
    fn read_gauges(&mut self, now: Nanos) {
        while self.next_gauge <= now {
            let in_flight = self.in_flight();
            let entry = &self.services[..self.entry_replicas as usize];
            let bin = self.metrics.series.at(self.next_gauge - 1);
            bin.in_flight = in_flight;
            bin.queue = entry.iter().map(Service::queued).sum();
            bin.in_service = entry.iter().map(Service::busy).sum();
            bin.tokens = entry.iter().map(|s| s.tokens_at(self.next_gauge)).sum();
            if RICH {
                // Every other service's gauges, its replicas together.
                for tier in self.metrics.tiers.iter_mut().skip(1) {
                    let instances = &self.services[tier.instances.clone()];
                    let b = tier.series.at(self.next_gauge - 1);
                    b.queue = instances.iter().map(Service::queued).sum();
                    b.in_service = instances.iter().map(Service::busy).sum();
                }
            }
            self.next_gauge += self.bin;
        }
    }
}

impl<const RICH: bool> Process for World<'_, RICH> {
    type Event = Event;

    #[inline]
    fn handle(&mut self, now: Nanos, event: Event, q: &mut EventQueue<Event>) {
        if now >= self.next_gauge {
            self.read_gauges(now);
        }
        match event {
            Event::Arrival => self.on_arrival(now, q),
            Event::UserArrival { user } => self.on_user_arrival(now, user, q),
            Event::Send { req, generation } => {
                if self.client.requests.is_current(req, generation) {
                    self.start_attempt(now, req, q);
                }
            }
            Event::Reach {
                svc,
                req,
                generation,
                cost,
                flags,
            } => {
                let job = Job {
                    request: req,
                    generation,
                    cost,
                    low: flags & event::LOW != 0,
                };
                self.on_reach(now, svc, job, flags & event::BAD != 0, q)
            }
            Event::Done {
                svc,
                req,
                generation,
                cost,
                low,
            } => {
                let job = Job {
                    request: req,
                    generation,
                    cost,
                    low,
                };
                self.on_done(now, svc, job, q)
            }
            Event::Response {
                req,
                generation,
                outcome,
            } => self.on_response(now, req, generation, outcome, q),
            Event::Hedge { req, generation } => self.on_hedge(now, req, generation, q),
            Event::Timeout { req, generation } => {
                if self.client.requests.is_current(req, generation) {
                    self.end_attempt(now, req, Outcome::Timeout, NO_RETRY_AFTER, q);
                }
            }
            Event::Write {
                svc,
                req,
                generation,
                version,
            } => self.on_write(now, svc, req, generation, version, q),
            Event::Capacity { svc, drop, begin } => self.on_capacity(now, svc, drop, begin, q),
        }
        if self.source.has_finished_users() {
            self.reschedule_users(now, q);
        }
    }
}

/// One replication of one policy of a scenario, ready to run: a fresh
/// world seeded from the scenario seed, so that every policy sees the same
/// arrivals in the same replication.
pub struct Simulation<'a>(Worlds<'a>);

/// The world, compiled for what the scenario uses.
enum Worlds<'a> {
    Plain(World<'a, false>),
    Rich(World<'a, true>),
}

impl<'a> Simulation<'a> {
    /// Replication `replication` of `policy` (one of the scenario's).
    pub fn new(scenario: &'a Scenario, policy: &'a Policy, replication: u64) -> Self {
        Self(if scenario.is_rich() {
            Worlds::Rich(World::new(scenario, policy, replication))
        } else {
            Worlds::Plain(World::new(scenario, policy, replication))
        })
    }

    /// Runs to the end (all requests done, or the drain limit) and returns
    /// the metrics.
    pub fn run(self) -> RunMetrics {
        match self.0 {
            Worlds::Plain(w) => w.run(),
            Worlds::Rich(w) => w.run(),
        }
    }
}

/// Runs replication `replication` of the scenario's policy `policy`.
pub fn run_replication(scenario: &Scenario, policy: usize, replication: u64) -> RunMetrics {
    Simulation::new(scenario, &scenario.policies[policy], replication).run()
}
