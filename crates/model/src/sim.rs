//! One replication of one policy: the event handlers that tie workload,
//! network, limiter, workers, client and its guards together.
//!
//! # Event flow of one attempt
//! `Send` (or the request's `Arrival`) → guards (circuit breaker, adaptive
//! throttling, money guard) → network fault draw → `Reach` the service after
//! the uplink latency → outage window → limiter (429) → 4xx for a malformed
//! request → workers (start, queue, or 503) → `Done` frees the worker and
//! bills the attempt → `Response` reaches the client after the downlink
//! latency. A `Timeout` fires at the attempt's deadline.
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

use rand::Rng;
use retrysim_engine::{EventQueue, Nanos, Process, SimRng, stream};

use crate::budget::money_guard::Level;
use crate::budget::{ClientGuards, GuardsConfig};
use crate::faults::{Fault, OutageMode, outage_at};
use crate::jitter::Jitter;
use crate::metrics::RunMetrics;
use crate::outcome::{FailureReason, Outcome};
use crate::policy::Policy;
use crate::request::{Extras, Request, Requests};
use crate::retry_after::RetryAfterPolicy;
use crate::scenario::Scenario;
use crate::token_bucket::{Admission, TokenBucket};
use crate::workers::{Arrival, Job, Workers};
use crate::workload::Arrivals;

/// Random stream purposes (MODEL.md §1): each component draws from its own.
pub mod purpose {
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
    /// Client guards' own draws (adaptive throttling).
    pub const GUARDS: u64 = 6;
}

/// "No Retry-After header" in a response.
pub const NO_RETRY_AFTER: Nanos = Nanos::MAX;

/// Everything that can happen. 16 bytes, `Copy`; no allocation per event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
    /// The next request of the workload arrives.
    Arrival,
    /// A closed-loop user sends its next request.
    UserArrival { user: u32 },
    /// A retry timer fires: send the next attempt.
    Send { req: u32, generation: u32 },
    /// An attempt reaches the service, carrying what it costs if served and
    /// whether it is malformed.
    Reach {
        req: u32,
        generation: u32,
        cost: f32,
        bad: bool,
    },
    /// The service finishes an attempt and bills it.
    Done {
        req: u32,
        generation: u32,
        cost: f32,
    },
    /// A response reaches the client (a 429's `Retry-After` travels in the
    /// request's slot, which only this response can still reach).
    Response {
        req: u32,
        generation: u32,
        outcome: Outcome,
    },
    /// The attempt timeout fires.
    Timeout { req: u32, generation: u32 },
    /// Contention service: an attempt's conditional write reaches the
    /// record, carrying the version its read saw.
    Write {
        req: u32,
        generation: u32,
        version: u32,
    },
    /// Capacity drop `drop` begins or ends.
    Capacity { drop: u32, begin: bool },
}

/// The world of one replication of one policy.
pub struct Simulation<'a> {
    scenario: &'a Scenario,
    policy: &'a Policy,
    arrivals: Arrivals<'a>,
    rng_arrivals: SimRng,
    rng_network: SimRng,
    rng_service: SimRng,
    rng_jitter: SimRng,
    rng_faults: SimRng,
    rng_requests: SimRng,
    rng_guards: SimRng,
    bucket: Option<TokenBucket>,
    workers: Workers,
    requests: Requests,
    /// One entry per client instance when the policy has guards, else empty.
    guards: Vec<ClientGuards>,
    metrics: RunMetrics,
    /// End of the current bin: gauges are read when time passes it.
    next_gauge: Nanos,
    /// Closed loop: the user of each request slot.
    user_of: Vec<u32>,
    /// Closed loop: users whose request just ended, to be rescheduled.
    finished_users: Vec<u32>,
    /// Contention service: the record's version, bumped by every write that
    /// succeeds.
    version: u32,
    /// Factor on service times (a capacity drop's slowdown; 1 outside).
    slowdown: f64,
    /// Whether requests carry [`Extras`]: prices, guards, decorrelated
    /// jitter or an obeyed Retry-After need them; nothing else reads them.
    uses_extras: bool,
    /// Whether the policy's jitter remembers its previous delay.
    keeps_previous: bool,
    /// Whether the policy reads Retry-After.
    reads_retry_after: bool,
}

impl<'a> Simulation<'a> {
    /// A fresh world for `policy` in `replication` (seeded from the scenario
    /// seed): every policy sees the same arrivals in the same replication.
    pub fn new(scenario: &'a Scenario, policy: &'a Policy, replication: u64) -> Self {
        let seed = scenario.seed;
        let expected_bins = ((scenario.end_of_load + scenario.drain) / scenario.bin) as usize + 1;
        let guards = if policy.guards.is_empty() {
            Vec::new()
        } else {
            (0..scenario.clients)
                .map(|_| ClientGuards::new(&policy.guards))
                .collect()
        };
        let mut metrics = RunMetrics::new(
            policy.max_attempts,
            scenario.bin,
            expected_bins.min(1 << 16),
        );
        metrics.priced = scenario.cost.is_some();
        metrics.contention = scenario.contention;
        Self {
            scenario,
            policy,
            arrivals: Arrivals::new(&scenario.workload, scenario.end_of_load),
            rng_arrivals: stream(seed, replication, purpose::ARRIVALS),
            rng_network: stream(seed, replication, purpose::NETWORK),
            rng_service: stream(seed, replication, purpose::SERVICE),
            rng_jitter: stream(seed, replication, purpose::JITTER),
            rng_faults: stream(seed, replication, purpose::FAULTS),
            rng_requests: stream(seed, replication, purpose::REQUESTS),
            rng_guards: stream(seed, replication, purpose::GUARDS),
            bucket: scenario
                .limiter
                .as_ref()
                .map(|l| TokenBucket::new(l.rate, l.burst, l.header)),
            workers: Workers::new(scenario.workers.concurrency, scenario.workers.queue_limit),
            requests: Requests::default(),
            guards,
            metrics,
            next_gauge: scenario.bin,
            user_of: Vec::new(),
            finished_users: Vec::new(),
            version: 0,
            slowdown: 1.0,
            uses_extras: scenario.cost.is_some()
                || !policy.guards.is_empty()
                || matches!(policy.jitter, Jitter::Decorrelated)
                || policy.retry_after != RetryAfterPolicy::Ignore,
            keeps_previous: matches!(policy.jitter, Jitter::Decorrelated),
            reads_retry_after: policy.retry_after != RetryAfterPolicy::Ignore,
        }
    }

    /// Runs to the end (all requests done, or the drain limit) and returns
    /// the metrics.
    pub fn run(mut self) -> RunMetrics {
        let mut queue = EventQueue::with_capacity(1024);
        if let Some(t) = self.arrivals.next(&mut self.rng_arrivals) {
            queue.schedule(t, Event::Arrival);
        }
        if let crate::workload::Workload::Closed { users, think } = &self.scenario.workload {
            for user in 0..*users {
                let t = think.sample(&mut self.rng_arrivals);
                if t < self.scenario.end_of_load {
                    queue.schedule(t, Event::UserArrival { user });
                }
            }
        }
        let until = self.scenario.end_of_load + self.scenario.drain;
        for (i, d) in self.scenario.capacity_drops.iter().enumerate() {
            for (at, begin) in [(d.start, true), (d.end, false)] {
                if at < until {
                    queue.schedule(
                        at,
                        Event::Capacity {
                            drop: i as u32,
                            begin,
                        },
                    );
                }
            }
        }
        let out = retrysim_engine::run(&mut self, &mut queue, until, u64::MAX);
        let end = if out.hit_time_limit {
            until
        } else {
            out.end.max(self.scenario.end_of_load)
        };
        self.metrics.peak_pending_events = out.peak_pending as u64;
        self.finish(end, out.events)
    }

    fn finish(mut self, end: Nanos, events: u64) -> RunMetrics {
        // Nothing happens after the last event: the gauges of the bin that
        // contains it are the final state.
        self.read_gauges(
            end.next_multiple_of(self.scenario.bin)
                .max(self.scenario.bin),
        );
        let m = &mut self.metrics;
        m.events = events;
        m.run_end = end;
        m.unfinished = self.requests.live();
        for r in self.requests.iter_live() {
            m.series.at(r.arrival).failed += 1;
        }
        if let Some(cfg) = &self.policy.guards.money {
            let over = self
                .guards
                .iter()
                .filter_map(|g| g.money.as_ref())
                .map(|g| g.day_spent() - cfg.daily_limit)
                .fold(0.0f64, f64::max);
            m.money_overshoot = Some(over);
        }
        self.metrics
    }

    /// Records the gauges of every bin that ended at or before `now`.
    #[cold]
    fn read_gauges(&mut self, now: Nanos) {
        while self.next_gauge <= now {
            let tokens = self
                .bucket
                .as_ref()
                .map_or(0.0, |b| b.tokens_at(self.next_gauge));
            let bin = self.metrics.series.at(self.next_gauge - 1);
            bin.in_flight = self.requests.live();
            bin.queue = self.workers.queued() as u64;
            bin.in_service = self.workers.busy();
            bin.tokens = tokens;
            self.next_gauge += self.scenario.bin;
        }
    }

    /// A closed-loop user's request arrives.
    fn on_user_arrival(&mut self, now: Nanos, user: u32, q: &mut EventQueue<Event>) {
        let req = self.new_request(now);
        let slot = req as usize;
        if self.user_of.len() <= slot {
            self.user_of.resize(slot + 1, 0);
        }
        self.user_of[slot] = user;
        self.start_attempt(now, req, q);
    }

    /// Users whose request ended think, then send the next one.
    #[cold]
    fn reschedule_users(&mut self, now: Nanos, q: &mut EventQueue<Event>) {
        let crate::workload::Workload::Closed { think, .. } = &self.scenario.workload else {
            return;
        };
        for user in std::mem::take(&mut self.finished_users) {
            let t = now + think.sample(&mut self.rng_arrivals);
            if t < self.scenario.end_of_load {
                q.schedule(t, Event::UserArrival { user });
            }
        }
    }

    fn on_arrival(&mut self, now: Nanos, q: &mut EventQueue<Event>) {
        let req = self.new_request(now);
        self.start_attempt(now, req, q);
        if let Some(t) = self.arrivals.next(&mut self.rng_arrivals) {
            q.schedule(t, Event::Arrival);
        }
    }

    /// Creates a request arriving at `now`: its client instance, cost and
    /// malformedness drawn, counted in the metrics and the ratio budget.
    fn new_request(&mut self, now: Nanos) -> u32 {
        let s = self.scenario;
        let client = if s.clients > 1 {
            self.rng_arrivals.random_range(0..s.clients)
        } else {
            0
        };
        let cost = s
            .cost
            .as_ref()
            .map_or(0.0, |c| c.sample(&mut self.rng_requests)) as f32;
        let bad =
            s.client_error_share > 0.0 && self.rng_requests.random::<f64>() < s.client_error_share;
        let extras = self.uses_extras.then_some(Extras {
            client,
            cost,
            previous_delay: self.policy.backoff.base,
            retry_after: NO_RETRY_AFTER,
            ..Extras::default()
        });
        let req = self.requests.insert(
            Request {
                arrival: now,
                bad,
                ..Request::default()
            },
            extras,
        );
        self.metrics.arrivals += 1;
        self.metrics.peak_in_flight = self.metrics.peak_in_flight.max(self.requests.live());
        self.metrics.series.at(now).arrivals += 1;
        if let Some(ratio) = self
            .guards
            .get_mut(client as usize)
            .and_then(|g| g.ratio.as_mut())
        {
            ratio.on_request(now);
        }
        req
    }

    /// The guards consulted before every attempt: circuit breaker, adaptive
    /// throttling, money guard. `Err` fails the request.
    fn pre_attempt_guards(&mut self, now: Nanos, req: u32) -> Result<(), FailureReason> {
        let cfg: &GuardsConfig = &self.policy.guards;
        let r = self.requests.extras_mut(req);
        let g = &mut self.guards[r.client as usize];
        if let (Some(c), Some(b)) = (&cfg.circuit_breaker, g.circuit_breaker.as_mut()) {
            r.breaker_epoch = b.allow(c, now).ok_or(FailureReason::CircuitOpen)?;
        }
        if let (Some(c), Some(t)) = (&cfg.adaptive_throttle, g.adaptive_throttle.as_mut()) {
            let p = t.reject_probability(c, now);
            t.on_request(now);
            if p > 0.0 && self.rng_guards.random::<f64>() < p {
                return Err(FailureReason::Throttled);
            }
        }
        if let (Some(c), Some(m)) = (&cfg.money, g.money.as_mut()) {
            r.reserved = m.admit(c, now).ok_or(FailureReason::BudgetRefused)? as f32;
        }
        Ok(())
    }

    /// Sends the next attempt of `req`, unless a guard refuses it.
    fn start_attempt(&mut self, now: Nanos, req: u32, q: &mut EventQueue<Event>) {
        if !self.guards.is_empty()
            && let Err(reason) = self.pre_attempt_guards(now, req)
        {
            return self.fail(now, req, reason);
        }
        let policy = self.policy;
        let bin = self.metrics.series.index(now);
        let r = self.requests.get_mut(req);
        r.attempts += 1;
        r.attempt_bin = bin as u32;
        r.timeout_armed = false;
        r.hang = false;
        let mut deadline = now + policy.timeout;
        if let Some(d) = policy.deadline {
            deadline = deadline.min(r.arrival + d);
        }
        r.attempt_deadline = deadline;
        let (generation, bad) = (r.generation, r.bad);
        let cost = self.cost_of(req);
        self.metrics.attempts += 1;
        self.metrics.series.bin(bin).attempts += 1;
        let fault = if self.scenario.faults.any() {
            self.scenario.faults.draw(&mut self.rng_faults)
        } else {
            Fault::None
        };
        match fault {
            Fault::Drop => self.arm_timeout(req, q),
            Fault::Reset => {
                let at = now + self.scenario.latency.sample(&mut self.rng_network);
                self.respond(
                    at,
                    req,
                    generation,
                    Outcome::ConnectionError,
                    NO_RETRY_AFTER,
                    q,
                );
            }
            Fault::None | Fault::Hang => {
                if fault == Fault::Hang {
                    self.requests.get_mut(req).hang = true;
                    self.arm_timeout(req, q);
                }
                let arrive = now + self.scenario.latency.sample(&mut self.rng_network);
                if arrive >= deadline {
                    self.arm_timeout(req, q);
                }
                q.schedule(
                    arrive,
                    Event::Reach {
                        req,
                        generation,
                        cost,
                        bad,
                    },
                );
            }
        }
    }

    /// Schedules the current attempt's timeout unless already scheduled.
    #[inline]
    fn arm_timeout(&mut self, req: u32, q: &mut EventQueue<Event>) {
        let r = self.requests.get_mut(req);
        if !r.timeout_armed {
            r.timeout_armed = true;
            q.schedule(
                r.attempt_deadline,
                Event::Timeout {
                    req,
                    generation: r.generation,
                },
            );
        }
    }

    fn on_reach(&mut self, now: Nanos, job: Job, bad: bool, q: &mut EventQueue<Event>) {
        let (req, generation) = (job.request, job.generation);
        self.metrics.attempts_at_service += 1;
        let current = self.requests.is_current(req, generation);
        if self.policy.cancel_on_timeout && !current {
            self.metrics.cancelled += 1;
            return;
        }
        if !self.scenario.outages.is_empty()
            && let Some(mode) = outage_at(&self.scenario.outages, now)
        {
            match mode {
                OutageMode::Drop => {
                    if current {
                        self.arm_timeout(req, q);
                    }
                    return;
                }
                OutageMode::Reset => {
                    return self.respond(
                        now,
                        req,
                        generation,
                        Outcome::ConnectionError,
                        NO_RETRY_AFTER,
                        q,
                    );
                }
                OutageMode::Error => {
                    return self.respond(
                        now,
                        req,
                        generation,
                        Outcome::ServerError,
                        NO_RETRY_AFTER,
                        q,
                    );
                }
                OutageMode::Hang => {
                    if current {
                        self.requests.get_mut(req).hang = true;
                        self.arm_timeout(req, q);
                    }
                }
            }
        }
        if let Some(bucket) = self.bucket.as_mut()
            && let Admission::Rejected { retry_after } = bucket.try_take(now)
        {
            let ra = retry_after.unwrap_or(NO_RETRY_AFTER);
            return self.respond(now, req, generation, Outcome::RateLimited, ra, q);
        }
        if bad {
            return self.respond(
                now,
                req,
                generation,
                Outcome::ClientError,
                NO_RETRY_AFTER,
                q,
            );
        }
        if self.scenario.contention {
            return self.on_read(now, req, generation, q);
        }
        match self.workers.arrive(job) {
            Arrival::Started => self.start_service(now, job, q),
            Arrival::Queued => {
                if current {
                    self.arm_timeout(req, q);
                }
            }
            Arrival::Refused => self.respond(
                now,
                req,
                generation,
                Outcome::Unavailable,
                NO_RETRY_AFTER,
                q,
            ),
        }
    }

    fn start_service(&mut self, now: Nanos, job: Job, q: &mut EventQueue<Event>) {
        let workers = &self.scenario.workers;
        let mut service = workers.service_time.sample(&mut self.rng_service);
        if self.slowdown != 1.0 {
            service = (service as f64 * self.slowdown) as Nanos;
        }
        if workers.congestion_slope > 0 {
            // Congestion: slower for every other attempt in service.
            let others = self.workers.busy().saturating_sub(1);
            service = service.saturating_add(workers.congestion_slope.saturating_mul(others));
        }
        let done = now + service;
        q.schedule(
            done,
            Event::Done {
                req: job.request,
                generation: job.generation,
                cost: job.cost,
            },
        );
        self.respond(
            done,
            job.request,
            job.generation,
            Outcome::Success,
            NO_RETRY_AFTER,
            q,
        );
    }

    /// Contention service: the read of attempt `generation` of `req` reaches
    /// the record now. Its answer goes back, and the conditional write comes
    /// in, one network latency each; the write carries the version read.
    fn on_read(&mut self, now: Nanos, req: u32, generation: u32, q: &mut EventQueue<Event>) {
        if !self.requests.is_current(req, generation) {
            return; // abandoned before its read: no write will follow
        }
        if self.requests.get(req).hang {
            return self.arm_timeout(req, q);
        }
        let back = now + self.scenario.latency.sample(&mut self.rng_network);
        if back >= self.requests.get(req).attempt_deadline {
            return self.arm_timeout(req, q);
        }
        let write = back + self.scenario.latency.sample(&mut self.rng_network);
        self.metrics.writes += 1;
        // The write's answer time is unknown until it lands: arm the
        // timeout now (skipped by generation if the answer wins).
        self.arm_timeout(req, q);
        q.schedule(
            write,
            Event::Write {
                req,
                generation,
                version: self.version,
            },
        );
    }

    /// Contention service: a conditional write reaches the record. It wins
    /// if no other write won since its read; the service applies it whether
    /// or not the client still waits.
    fn on_write(
        &mut self,
        now: Nanos,
        req: u32,
        generation: u32,
        version: u32,
        q: &mut EventQueue<Event>,
    ) {
        let outcome = if version == self.version {
            self.version = self.version.wrapping_add(1);
            Outcome::Success
        } else {
            Outcome::Conflict
        };
        let cost = self.cost_of(req);
        self.bill(now, req, generation, cost);
        self.respond(now, req, generation, outcome, NO_RETRY_AFTER, q);
    }

    /// Dollars one served attempt of `req` costs (0 when unpriced, without
    /// touching the request's extras).
    #[inline]
    fn cost_of(&self, req: u32) -> f32 {
        if self.metrics.priced {
            self.requests.extras(req).cost
        } else {
            0.0
        }
    }

    /// A served attempt is billed; unused if its client stopped waiting.
    fn bill(&mut self, now: Nanos, req: u32, generation: u32, cost: f32) {
        let m = &mut self.metrics;
        m.served += 1;
        m.cost_total += cost as f64;
        m.series.at(now).spend += cost as f64;
        if !self.requests.is_current(req, generation) || self.requests.get(req).hang {
            m.duplicate_attempts += 1;
            m.duplicate_cost += cost as f64;
        }
    }

    /// A capacity drop begins (fewer workers, slower service) or ends (queued
    /// attempts start on the workers that come back).
    #[cold]
    fn on_capacity(&mut self, now: Nanos, drop: u32, begin: bool, q: &mut EventQueue<Event>) {
        let d = self.scenario.capacity_drops[drop as usize];
        if begin {
            self.workers.set_concurrency(d.concurrency);
            self.slowdown = d.slowdown;
            return;
        }
        self.workers
            .set_concurrency(self.scenario.workers.concurrency);
        self.slowdown = 1.0;
        let mut next = self.workers.start_next();
        while let Some(job) = next {
            if self.policy.cancel_on_timeout
                && !self.requests.is_current(job.request, job.generation)
            {
                // The worker drops it and takes the next queued job, if any.
                self.metrics.cancelled += 1;
                next = self.workers.finish();
                continue;
            }
            self.start_service(now, job, q);
            next = self.workers.start_next();
        }
    }

    /// The service answers at `at`; the answer reaches the client one
    /// downlink latency later, unless the client has stopped waiting or the
    /// response is lost.
    fn respond(
        &mut self,
        at: Nanos,
        req: u32,
        generation: u32,
        outcome: Outcome,
        retry_after: Nanos,
        q: &mut EventQueue<Event>,
    ) {
        if !self.requests.is_current(req, generation) {
            return; // the client gave up on this attempt already
        }
        if self.requests.get(req).hang {
            return self.arm_timeout(req, q);
        }
        let t = at + self.scenario.latency.sample(&mut self.rng_network);
        if t < self.requests.get(req).attempt_deadline {
            if self.reads_retry_after && outcome == Outcome::RateLimited {
                self.requests.extras_mut(req).retry_after = retry_after;
            }
            q.schedule(
                t,
                Event::Response {
                    req,
                    generation,
                    outcome,
                },
            );
        } else {
            self.arm_timeout(req, q);
        }
    }

    fn on_done(
        &mut self,
        now: Nanos,
        req: u32,
        generation: u32,
        cost: f32,
        q: &mut EventQueue<Event>,
    ) {
        self.bill(now, req, generation, cost);
        let mut next = self.workers.finish();
        while let Some(job) = next {
            if self.policy.cancel_on_timeout
                && !self.requests.is_current(job.request, job.generation)
            {
                self.metrics.cancelled += 1;
                next = self.workers.finish();
                continue;
            }
            self.start_service(now, job, q);
            break;
        }
    }

    /// The guards that learn from every attempt's result.
    fn post_attempt_guards(&mut self, now: Nanos, req: u32, outcome: Outcome) {
        let cfg: &GuardsConfig = &self.policy.guards;
        let r = *self.requests.extras(req);
        let g = &mut self.guards[r.client as usize];
        let success = outcome == Outcome::Success;
        let accepted = success || outcome == Outcome::ClientError;
        if let (Some(c), Some(b)) = (&cfg.circuit_breaker, g.circuit_breaker.as_mut()) {
            b.record(c, now, r.breaker_epoch, !accepted);
        }
        if let Some(t) = g.grpc_throttle.as_mut()
            && outcome.retryable() | success
        {
            t.record(success);
        }
        if accepted && let Some(t) = g.adaptive_throttle.as_mut() {
            t.on_accept(now);
        }
        if let Some(m) = g.money.as_mut() {
            // What the client knows it spent: the bill on success, the
            // reservation (an estimate) on a timeout that may have been
            // billed, nothing for a refusal.
            let cost = match outcome {
                Outcome::Success => r.cost as f64,
                Outcome::Timeout => cfg.money.as_ref().map_or(0.0, |c| c.estimate),
                _ => 0.0,
            };
            m.settle(now, r.reserved as f64, cost);
        }
    }

    /// The current attempt of `req` ended with `outcome`.
    fn end_attempt(
        &mut self,
        now: Nanos,
        req: u32,
        outcome: Outcome,
        retry_after: Nanos,
        q: &mut EventQueue<Event>,
    ) {
        let r = self.requests.get_mut(req);
        r.generation = r.generation.wrapping_add(1);
        let bin = r.attempt_bin as usize;
        self.metrics.outcomes[outcome as usize] += 1;
        self.metrics.series.bin(bin).outcomes[outcome as usize] += 1;
        if !self.guards.is_empty() {
            self.post_attempt_guards(now, req, outcome);
        }
        if outcome == Outcome::Success {
            self.succeed(now, req);
        } else {
            let ra = (retry_after != NO_RETRY_AFTER).then_some(retry_after);
            self.after_failure(now, req, outcome, ra, q);
        }
    }

    /// The budgets that ration retries; false refuses this retry.
    fn retry_budget_allows(&mut self, now: Nanos, req: u32, failed: Outcome) -> bool {
        let cfg: &GuardsConfig = &self.policy.guards;
        let r = self.requests.extras_mut(req);
        let g = &mut self.guards[r.client as usize];
        if let Some(t) = &g.grpc_throttle
            && !t.allows_retry()
        {
            return false;
        }
        if let (Some(c), Some(b)) = (&cfg.ratio, g.ratio.as_mut())
            && !b.try_retry(c, now)
        {
            return false;
        }
        if let (Some(c), Some(quota)) = (&cfg.retry_quota, g.retry_quota.as_mut()) {
            match quota.acquire(c, failed == Outcome::Timeout) {
                Some(cost) => r.quota_acquired = cost as u16,
                None => return false,
            }
        }
        true
    }

    /// The retry decision (MODEL.md §5): retryable? attempts left? budget?
    /// would the retry start before the deadline?
    fn after_failure(
        &mut self,
        now: Nanos,
        req: u32,
        outcome: Outcome,
        retry_after: Option<Nanos>,
        q: &mut EventQueue<Event>,
    ) {
        if !outcome.retryable() {
            return self.fail(now, req, FailureReason::NonRetryable);
        }
        let policy = self.policy;
        if self.requests.get(req).attempts as u32 >= policy.max_attempts {
            return self.fail(now, req, FailureReason::AttemptsExhausted);
        }
        let mut strict = false;
        if !self.guards.is_empty() {
            if !self.retry_budget_allows(now, req, outcome) {
                return self.fail(now, req, FailureReason::BudgetRefused);
            }
            let client = self.requests.extras(req).client as usize;
            if let (Some(c), Some(m)) = (&policy.guards.money, &self.guards[client].money) {
                strict = c.strict && m.level(c) == Level::Critical;
            }
        }
        let mut previous = if self.keeps_previous {
            self.requests.extras(req).previous_delay
        } else {
            policy.backoff.base
        };
        let r = self.requests.get_mut(req);
        let retry = r.attempts as u32 - 1;
        let Some(wait) = policy.retry_delay(
            retry,
            outcome,
            strict,
            &mut previous,
            retry_after,
            &mut self.rng_jitter,
        ) else {
            return self.fail(now, req, FailureReason::RetryAfterTooLong);
        };
        let at = now.saturating_add(wait);
        if let Some(d) = policy.deadline
            && at >= r.arrival + d
        {
            return self.fail(now, req, FailureReason::Deadline);
        }
        let generation = r.generation;
        if self.keeps_previous {
            self.requests.extras_mut(req).previous_delay = previous;
        }
        q.schedule(at, Event::Send { req, generation });
    }

    fn succeed(&mut self, now: Nanos, req: u32) {
        let r = *self.requests.get(req);
        let cost = self.cost_of(req);
        let m = &mut self.metrics;
        m.succeeded += 1;
        m.cost_useful += cost as f64;
        m.latency.record(now - r.arrival);
        m.success_by_attempt[r.attempts as usize - 1] += 1;
        m.series.at(r.arrival).succeeded += 1;
        if let Some(c) = &self.policy.guards.retry_quota {
            let x = *self.requests.extras(req);
            if let Some(quota) = self
                .guards
                .get_mut(x.client as usize)
                .and_then(|g| g.retry_quota.as_mut())
            {
                quota.on_success(c, x.quota_acquired as u32);
            }
        }
        self.request_ended(now, req);
    }

    /// Frees a finished request's slot; a closed-loop user starts thinking.
    fn request_ended(&mut self, now: Nanos, req: u32) {
        self.metrics.last_end = now;
        if let Some(&user) = self.user_of.get(req as usize)
            && matches!(
                self.scenario.workload,
                crate::workload::Workload::Closed { .. }
            )
        {
            self.finished_users.push(user);
        }
        self.requests.remove(req);
    }

    fn fail(&mut self, now: Nanos, req: u32, reason: FailureReason) {
        let arrival = self.requests.get(req).arrival;
        self.metrics.failed[reason as usize] += 1;
        self.metrics.series.at(arrival).failed += 1;
        self.request_ended(now, req);
    }
}

impl Process for Simulation<'_> {
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
                if self.requests.is_current(req, generation) {
                    self.start_attempt(now, req, q);
                }
            }
            Event::Reach {
                req,
                generation,
                cost,
                bad,
            } => self.on_reach(
                now,
                Job {
                    request: req,
                    generation,
                    cost,
                },
                bad,
                q,
            ),
            Event::Done {
                req,
                generation,
                cost,
            } => self.on_done(now, req, generation, cost, q),
            Event::Response {
                req,
                generation,
                outcome,
            } => {
                if self.requests.is_current(req, generation) {
                    // Only a 429 carries Retry-After, and only a policy that
                    // reads it stored it.
                    let retry_after = if self.reads_retry_after && outcome == Outcome::RateLimited {
                        self.requests.extras(req).retry_after
                    } else {
                        NO_RETRY_AFTER
                    };
                    self.end_attempt(now, req, outcome, retry_after, q);
                }
            }
            Event::Timeout { req, generation } => {
                if self.requests.is_current(req, generation) {
                    self.end_attempt(now, req, Outcome::Timeout, NO_RETRY_AFTER, q);
                }
            }
            Event::Write {
                req,
                generation,
                version,
            } => self.on_write(now, req, generation, version, q),
            Event::Capacity { drop, begin } => self.on_capacity(now, drop, begin, q),
        }
        if !self.finished_users.is_empty() {
            self.reschedule_users(now, q);
        }
    }
}

/// Runs replication `replication` of the scenario's policy `policy`.
pub fn run_replication(scenario: &Scenario, policy: usize, replication: u64) -> RunMetrics {
    Simulation::new(scenario, &scenario.policies[policy], replication).run()
}

#[cfg(test)]
mod size_tests {
    #[test]
    fn events_stay_small() {
        assert!(std::mem::size_of::<super::Event>() <= 16);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{FailureReason, Outcome};
    use crate::scenario::Scenario;

    const S: Nanos = 1_000_000_000;

    /// A scenario from the pieces that vary between tests.
    fn scenario(workload: &str, service: &str, policy: &str) -> Scenario {
        let text = format!(
            r#"{{"name": "t", "duration": 100, "drain": 100,
                "workload": {workload}, "service": {service},
                "policies": [{policy}]}}"#
        );
        Scenario::from_json(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    fn batch(n: u32) -> String {
        format!(r#"{{"kind": "batch", "requests": {n}}}"#)
    }

    /// Attempts sent per 1 s bin, up to the last bin with any.
    fn attempts_per_bin(m: &RunMetrics) -> Vec<u64> {
        trimmed(m.series.bins.iter().map(|b| b.attempts).collect())
    }

    fn trimmed(mut v: Vec<u64>) -> Vec<u64> {
        while v.last() == Some(&0) {
            v.pop();
        }
        v
    }

    #[test]
    fn one_request_takes_latency_plus_service_time() {
        let mut s = scenario(
            &batch(1),
            r#"{"workers": {"service_time": {"kind": "constant", "value": 0.5}}}"#,
            r#"{"name": "p"}"#,
        );
        s.latency = crate::distribution::Duration::Constant(S / 100);
        let m = run_replication(&s, 0, 0);
        assert_eq!(
            (m.arrivals, m.succeeded, m.attempts, m.served),
            (1, 1, 1, 1)
        );
        assert_eq!(m.latency.mean(), Some(0.52e9));
        assert_eq!(m.success_by_attempt, vec![1]);
    }

    /// Two requests at t = 0 and one token: the second is refused at every
    /// attempt and retries at exactly base·2^n.
    #[test]
    fn exponential_backoff_retries_at_exact_instants() {
        let s = scenario(
            &batch(2),
            r#"{"limiter": {"rate": 0.001, "burst": 1},
                "workers": {"service_time": {"kind": "constant", "value": 0.1}}}"#,
            r#"{"name": "p", "max_attempts": 4,
                "backoff": {"kind": "exponential", "base": 1, "factor": 2}}"#,
        );
        let m = run_replication(&s, 0, 0);
        // Attempts at 0 (both requests), then 1, 3 and 7 s.
        assert_eq!(attempts_per_bin(&m), vec![2, 1, 0, 1, 0, 0, 0, 1]);
        assert_eq!(m.outcomes[Outcome::RateLimited as usize], 4);
        assert_eq!(m.failed[FailureReason::AttemptsExhausted as usize], 1);
        assert_eq!(m.succeeded, 1);
    }

    #[test]
    fn retry_after_is_obeyed_and_rounded_up_to_seconds() {
        // 0.3 token/s: the refused request is told "Retry-After: 4" (3.33 s
        // rounded up), waits 4 s instead of its 1 s backoff and gets in.
        let s = scenario(
            &batch(2),
            r#"{"limiter": {"rate": 0.3, "burst": 1},
                "workers": {"service_time": {"kind": "constant", "value": 0.5}}}"#,
            r#"{"name": "p", "max_attempts": 3, "backoff": {"kind": "constant", "base": 1},
                "retry_after": {"kind": "obey"}}"#,
        );
        let m = run_replication(&s, 0, 0);
        assert_eq!(m.succeeded, 2);
        assert_eq!(attempts_per_bin(&m), vec![2, 0, 0, 0, 1]);
        assert_eq!(m.latency.max(), Some(4 * S + S / 2));
        assert_eq!(m.success_by_attempt, vec![1, 1, 0]);
    }

    #[test]
    fn ignoring_retry_after_retries_on_the_backoff() {
        let s = scenario(
            &batch(2),
            r#"{"limiter": {"rate": 0.3, "burst": 1},
                "workers": {"service_time": {"kind": "constant", "value": 0.5}}}"#,
            r#"{"name": "p", "max_attempts": 3, "backoff": {"kind": "constant", "base": 1}}"#,
        );
        let m = run_replication(&s, 0, 0);
        // Retries at 1 and 2 s are refused (0.3 and 0.6 token), the request fails.
        assert_eq!(attempts_per_bin(&m), vec![2, 1, 1]);
        assert_eq!(m.failed[FailureReason::AttemptsExhausted as usize], 1);
    }

    #[test]
    fn timeouts_end_attempts_but_the_service_still_does_the_work() {
        let s = scenario(
            &batch(1),
            r#"{"workers": {"service_time": {"kind": "constant", "value": 2}}}"#,
            r#"{"name": "p", "max_attempts": 2, "timeout": 1}"#,
        );
        let m = run_replication(&s, 0, 0);
        assert_eq!(m.outcomes[Outcome::Timeout as usize], 2);
        assert_eq!(attempts_per_bin(&m), vec![1, 1]);
        assert_eq!(m.failed[FailureReason::AttemptsExhausted as usize], 1);
        // Both abandoned attempts were served in full: duplicate work.
        assert_eq!(m.served, 2);
        assert_eq!(m.run_end, 100 * S, "run lasts at least the load duration");
    }

    #[test]
    fn a_queued_attempt_times_out_and_a_full_queue_gives_503() {
        // One worker, room for one waiting: the first is served (3 s), the
        // second waits and times out at 2 s, the third gets 503 at once.
        let s = scenario(
            &batch(3),
            r#"{"workers": {"concurrency": 1, "queue_limit": 1,
                            "service_time": {"kind": "constant", "value": 3}}}"#,
            r#"{"name": "p", "timeout": 2}"#,
        );
        let m = run_replication(&s, 0, 0);
        assert_eq!(
            m.outcomes[Outcome::Timeout as usize],
            2,
            "first (3 s > 2 s) and queued"
        );
        assert_eq!(m.outcomes[Outcome::Unavailable as usize], 1);
        assert_eq!(m.succeeded, 0);
        assert_eq!(
            m.served, 2,
            "the queued attempt is still served after the first"
        );
    }

    #[test]
    fn deadline_stops_retries_that_would_start_too_late() {
        let s = scenario(
            &batch(2),
            r#"{"limiter": {"rate": 0.001, "burst": 1},
                "workers": {"service_time": {"kind": "constant", "value": 0.1}}}"#,
            r#"{"name": "p", "max_attempts": 10, "deadline": 2.5,
                "backoff": {"kind": "constant", "base": 1}}"#,
        );
        let m = run_replication(&s, 0, 0);
        assert_eq!(attempts_per_bin(&m), vec![2, 1, 1]);
        assert_eq!(m.failed[FailureReason::Deadline as usize], 1);
    }

    #[test]
    fn policies_share_arrivals_replications_do_not() {
        let text = r#"{"name": "t", "duration": 20,
            "workload": {"kind": "open", "rate": [[0, 300]], "clients": 7},
            "service": {"limiter": {"rate": 200, "burst": 10},
                        "workers": {"service_time": {"kind": "exponential", "mean": 0.2}}},
            "policies": [{"name": "a"}, {"name": "b", "max_attempts": 4,
                          "backoff": {"kind": "exponential", "base": 0.1}, "jitter": {"kind": "full"}}]}"#;
        let s = Scenario::from_json(text).unwrap();
        let arrivals = |p, r| {
            trimmed(
                run_replication(&s, p, r)
                    .series
                    .bins
                    .iter()
                    .map(|b| b.arrivals)
                    .collect(),
            )
        };
        assert_eq!(arrivals(0, 3), arrivals(1, 3));
        assert_ne!(arrivals(0, 3), arrivals(0, 4));
        let (a, b) = (run_replication(&s, 0, 3), run_replication(&s, 1, 3));
        assert!(b.attempts > a.attempts && b.succeeded > a.succeeded);
    }

    #[test]
    fn memory_follows_requests_in_flight_not_the_total() {
        let run = |duration: u32| {
            let text = format!(
                r#"{{"name": "t", "duration": {duration}, "workload": {{"kind": "open", "rate": [[0, 1000]]}},
                    "service": {{"workers": {{"service_time": {{"kind": "exponential", "mean": 0.1}}}}}},
                    "policies": [{{"name": "p"}}]}}"#
            );
            run_replication(&Scenario::from_json(&text).unwrap(), 0, 0)
        };
        let (short, long) = (run(10), run(200));
        assert!(long.arrivals > 15 * short.arrivals);
        // ~100 in flight on average either way (Little's law).
        assert!(
            long.peak_in_flight < short.peak_in_flight * 2,
            "{} vs {}",
            long.peak_in_flight,
            short.peak_in_flight
        );
        assert!(long.peak_pending_events < short.peak_pending_events * 2);
    }

    /// A scenario with everything spelled out: the extra top-level fields
    /// (network, cost, …) come as a JSON fragment.
    fn full(workload: &str, service: &str, extra: &str, policy: &str) -> Scenario {
        let text = format!(
            r#"{{"name": "t", "duration": 100, "drain": 100, "workload": {workload},
                "service": {service}, {extra} "policies": [{policy}]}}"#
        );
        Scenario::from_json(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    const FAST: &str = r#"{"workers": {"service_time": {"kind": "constant", "value": 0.5}}}"#;
    /// $1 per served attempt: 1 000 000 output tokens at $1 per million.
    const DOLLAR: &str = r#""cost": {"input_tokens": {"kind": "constant", "value": 0},
        "output_tokens": {"kind": "constant", "value": 1000000}, "price_in": 0, "price_out": 1},"#;

    #[test]
    fn dropped_attempts_time_out_and_cost_nothing() {
        let extra = format!(r#""network": {{"faults": {{"drop": 1}}}}, {DOLLAR}"#);
        let s = full(
            &batch(1),
            FAST,
            &extra,
            r#"{"name": "p", "max_attempts": 2, "timeout": 3}"#,
        );
        let m = run_replication(&s, 0, 0);
        assert_eq!(m.outcomes[Outcome::Timeout as usize], 2);
        assert_eq!(attempts_per_bin(&m), vec![1, 0, 0, 1]);
        assert_eq!((m.attempts_at_service, m.served, m.cost_total), (0, 0, 0.0));
    }

    #[test]
    fn resets_fail_after_one_round_trip_unseen_by_the_service() {
        let extra = r#""network": {"latency": {"kind": "constant", "value": 0.25}, "faults": {"reset": 1}},"#;
        let s = full(
            &batch(1),
            FAST,
            extra,
            r#"{"name": "p", "max_attempts": 3, "backoff": {"kind": "constant", "base": 1}}"#,
        );
        let m = run_replication(&s, 0, 0);
        // Attempts at 0, 0.5 + 1 = 1.5, 1.5 + 0.5 + 1 = 3.
        assert_eq!(attempts_per_bin(&m), vec![1, 1, 0, 1]);
        assert_eq!(m.outcomes[Outcome::ConnectionError as usize], 3);
        assert_eq!(m.attempts_at_service, 0);
    }

    #[test]
    fn hung_attempts_are_served_and_billed_but_the_client_times_out() {
        let extra = format!(r#""network": {{"faults": {{"hang": 1}}}}, {DOLLAR}"#);
        let s = full(
            &batch(1),
            FAST,
            &extra,
            r#"{"name": "p", "max_attempts": 3, "timeout": 2}"#,
        );
        let m = run_replication(&s, 0, 0);
        assert_eq!(m.outcomes[Outcome::Timeout as usize], 3);
        assert_eq!((m.served, m.duplicate_attempts), (3, 3));
        assert_eq!(
            (m.cost_total, m.cost_useful, m.duplicate_cost),
            (3.0, 0.0, 3.0)
        );
        assert_eq!(m.failed[FailureReason::AttemptsExhausted as usize], 1);
    }

    #[test]
    fn outage_windows_fail_attempts_that_reach_the_service_inside_them() {
        // 5xx until t = 5 s; seed 001 waits 1.5× after a 5xx: retries at
        // 0 + 1.5, 1.5 + 3 = 4.5, 4.5 + 6 = 10.5 (the last succeeds).
        let service = r#"{"workers": {"service_time": {"kind": "constant", "value": 0.5}},
                          "outages": [{"start": 0, "end": 5, "mode": "error"}]}"#;
        let s = full(
            &batch(1),
            service,
            DOLLAR,
            r#"{"name": "p", "max_attempts": 5,
            "backoff": {"kind": "exponential", "base": 1}, "delay_multiplier": {"server_error_5xx": 1.5}}"#,
        );
        let m = run_replication(&s, 0, 0);
        assert_eq!(attempts_per_bin(&m), vec![1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
        assert_eq!(m.outcomes[Outcome::ServerError as usize], 3);
        assert_eq!(m.success_by_attempt, vec![0, 0, 0, 1, 0]);
        assert_eq!(
            (m.cost_total, m.cost_useful),
            (1.0, 1.0),
            "5xx attempts cost nothing"
        );
        assert_eq!(m.latency.max(), Some(11 * S));

        for (mode, outcome) in [
            ("drop", Outcome::Timeout),
            ("reset", Outcome::ConnectionError),
            ("hang", Outcome::Timeout),
        ] {
            let service = format!(
                r#"{{"workers": {{"service_time": {{"kind": "constant", "value": 0.5}}}},
                "outages": [{{"start": 0, "end": 5, "mode": "{mode}"}}]}}"#
            );
            let s = full(
                &batch(1),
                &service,
                DOLLAR,
                r#"{"name": "p", "timeout": 2}"#,
            );
            let m = run_replication(&s, 0, 0);
            assert_eq!(m.outcomes[outcome as usize], 1, "{mode}");
            let billed = if mode == "hang" { 1.0 } else { 0.0 };
            assert_eq!(m.cost_total, billed, "{mode}");
        }
    }

    #[test]
    fn malformed_requests_get_a_4xx_and_are_never_retried() {
        let service = r#"{"workers": {"service_time": {"kind": "constant", "value": 0.5}}, "client_error_share": 1}"#;
        let s = full(
            &batch(3),
            service,
            DOLLAR,
            r#"{"name": "p", "max_attempts": 5}"#,
        );
        let m = run_replication(&s, 0, 0);
        assert_eq!(m.outcomes[Outcome::ClientError as usize], 3);
        assert_eq!(m.failed[FailureReason::NonRetryable as usize], 3);
        assert_eq!((m.attempts, m.cost_total), (3, 0.0));
    }

    #[test]
    fn cost_of_each_outcome() {
        // Two requests, one token: the first succeeds ($1), the second gets
        // 429s (free) until it gives up. A third times out in service and is
        // billed anyway.
        let service = r#"{"limiter": {"rate": 0.001, "burst": 2},
            "workers": {"service_time": {"kind": "constant", "value": 0.5}}}"#;
        let s = full(
            &batch(3),
            service,
            DOLLAR,
            r#"{"name": "p", "max_attempts": 2, "timeout": 0.4}"#,
        );
        let m = run_replication(&s, 0, 0);
        // Burst 2: two attempts served but both time out (0.5 s > 0.4 s);
        // the other three attempts are 429s.
        assert_eq!(m.outcomes[Outcome::RateLimited as usize], 4);
        assert_eq!(m.outcomes[Outcome::Timeout as usize], 2);
        assert_eq!(
            (m.served, m.cost_total, m.cost_useful, m.duplicate_cost),
            (2, 2.0, 0.0, 2.0)
        );
        let sc: std::collections::BTreeMap<_, _> = m.scalars(s.recovery).into_iter().collect();
        assert_eq!(sc["cost_wasted"], Some(2.0));
        assert_eq!(sc["retry_overhead"], None, "no useful cost to divide by");
    }

    #[test]
    fn cancel_on_timeout_drops_abandoned_work_before_service() {
        // One worker busy for 3 s; the second attempt waits, times out at
        // 1 s and is not served when its turn comes.
        let service =
            r#"{"workers": {"concurrency": 1, "service_time": {"kind": "constant", "value": 3}}}"#;
        let policy =
            |cancel| format!(r#"{{"name": "p", "timeout": 1, "cancel_on_timeout": {cancel}}}"#);
        let m = run_replication(&full(&batch(2), service, DOLLAR, &policy(true)), 0, 0);
        assert_eq!((m.served, m.cancelled, m.cost_total), (1, 1, 1.0));
        let m = run_replication(&full(&batch(2), service, DOLLAR, &policy(false)), 0, 0);
        assert_eq!((m.served, m.cancelled, m.cost_total), (2, 0, 2.0));
    }

    fn refused(m: &RunMetrics, r: FailureReason) -> u64 {
        m.failed[r as usize]
    }

    #[test]
    fn retry_quota_runs_out_under_sustained_failure() {
        // Every attempt is a 5xx: each retry costs 5 of 12 tokens, so two
        // retries are granted in all (to the first two requests to fail),
        // then every request's next retry is refused.
        let service = r#"{"workers": {"service_time": {"kind": "constant", "value": 0.1}},
                          "outages": [{"start": 0, "end": 1000, "mode": "error"}]}"#;
        let s = full(
            &batch(5),
            service,
            "",
            r#"{"name": "p", "max_attempts": 3,
            "budget": {"retry_quota": {"initial": 12}}}"#,
        );
        let m = run_replication(&s, 0, 0);
        assert_eq!(m.attempts, 7);
        assert_eq!(refused(&m, FailureReason::BudgetRefused), 5);
        assert_eq!(refused(&m, FailureReason::AttemptsExhausted), 0);
    }

    #[test]
    fn circuit_breaker_fails_fast_while_open() {
        // An outage until 10 s; the breaker opens after 4 failures and fails
        // requests fast for 30 s; requests after it closes succeed.
        let service = r#"{"workers": {"service_time": {"kind": "constant", "value": 0.1}},
                          "outages": [{"start": 0, "end": 10, "mode": "error"}]}"#;
        let workload = r#"{"kind": "open", "rate": [[0, 2]]}"#;
        let s = full(
            workload,
            service,
            "",
            r#"{"name": "p", "budget": {"circuit_breaker":
            {"window": 4, "minimum_calls": 4, "failure_rate": 0.5, "open_for": 30, "half_open_calls": 1}}}"#,
        );
        let m = run_replication(&s, 0, 0);
        assert_eq!(m.outcomes[Outcome::ServerError as usize], 4);
        assert!(
            refused(&m, FailureReason::CircuitOpen) > 40,
            "{:?}",
            m.failed
        );
        assert!(m.succeeded > 100);
        // No attempt was sent while open: attempts = arrivals − fast failures.
        assert_eq!(
            m.attempts,
            m.arrivals - refused(&m, FailureReason::CircuitOpen)
        );
    }

    #[test]
    fn adaptive_throttling_rejects_locally_when_the_backend_rejects() {
        let service = r#"{"workers": {"service_time": {"kind": "constant", "value": 0.1}},
                          "outages": [{"start": 0, "end": 1000, "mode": "error"}]}"#;
        let workload = r#"{"kind": "open", "rate": [[0, 50]]}"#;
        let s = full(
            workload,
            service,
            "",
            r#"{"name": "p", "budget": {"adaptive_throttle": {}}}"#,
        );
        let m = run_replication(&s, 0, 0);
        let throttled = refused(&m, FailureReason::Throttled) as f64;
        // With no accepts, P(reject) = r/(r+1) → almost everything is
        // rejected locally once the window has filled.
        assert!(
            throttled / m.arrivals as f64 > 0.9,
            "{throttled} of {}",
            m.arrivals
        );
    }

    #[test]
    fn grpc_throttle_and_ratio_budget_refuse_retries() {
        let service = r#"{"workers": {"service_time": {"kind": "constant", "value": 0.1}},
                          "outages": [{"start": 0, "end": 1000, "mode": "error"}]}"#;
        let s = full(
            &batch(10),
            service,
            "",
            r#"{"name": "p", "max_attempts": 3,
            "budget": {"grpc_throttle": {"max_tokens": 4, "token_ratio": 0.1}}}"#,
        );
        let m = run_replication(&s, 0, 0);
        // 4 tokens: the first failure leaves 3 (> 2, its retry is granted),
        // the second leaves 2 (= half: throttled), and so on down to 0.
        assert_eq!(
            (m.attempts, refused(&m, FailureReason::BudgetRefused)),
            (11, 10)
        );

        let s = full(
            &batch(10),
            service,
            "",
            r#"{"name": "p", "max_attempts": 3,
            "budget": {"ratio": {"percent": 20, "min_per_second": 0, "window": 10}}}"#,
        );
        let m = run_replication(&s, 0, 0);
        // 10 requests allow 2 retries.
        assert_eq!(
            (m.attempts, refused(&m, FailureReason::BudgetRefused)),
            (12, 10)
        );
    }

    /// 1 000 concurrent calls of $1 against a $100 daily limit.
    fn money(accounting: &str) -> RunMetrics {
        let service = r#"{"workers": {"service_time": {"kind": "constant", "value": 1}}}"#;
        let policy = format!(
            r#"{{"name": "p", "budget": {{"money": {{"daily_limit": 100, "accounting": "{accounting}"}}}}}}"#
        );
        run_replication(&full(&batch(1000), service, DOLLAR, &policy), 0, 0)
    }

    #[test]
    fn reserve_mode_never_overspends() {
        let m = money("reserve");
        assert_eq!(m.cost_total, 100.0);
        assert_eq!(m.money_overshoot, Some(0.0));
        assert_eq!(refused(&m, FailureReason::BudgetRefused), 900);
    }

    #[test]
    fn post_mode_overshoot_is_reported_not_hidden() {
        // All 1 000 calls are in flight when the first settles: all pass.
        let m = money("post");
        assert_eq!(m.cost_total, 1000.0);
        assert_eq!(m.money_overshoot, Some(900.0));
    }

    #[test]
    fn congestion_adds_the_slope_for_every_other_attempt_in_service() {
        // Three attempts start together on unbounded workers: 1 s, then
        // 1 + 0.5, then 1 + 2·0.5 seconds.
        let service = r#"{"workers": {"service_time": {"kind": "constant", "value": 1},
                                      "congestion": {"slope": 0.5}}}"#;
        let m = run_replication(&full(&batch(3), service, "", r#"{"name": "p"}"#), 0, 0);
        assert_eq!(m.succeeded, 3);
        assert_eq!(m.latency.mean(), Some(1.5e9));
        assert_eq!(m.latency.max(), Some(2 * S));
        // With one worker there is never another attempt in service.
        let service = r#"{"workers": {"concurrency": 1, "service_time": {"kind": "constant", "value": 1},
                                      "congestion": {"slope": 0.5}}}"#;
        let m = run_replication(&full(&batch(3), service, "", r#"{"name": "p"}"#), 0, 0);
        assert_eq!(m.latency.max(), Some(3 * S), "1 + 1 + 1 s, no slope");
    }

    #[test]
    fn a_closed_loop_never_has_more_requests_in_flight_than_users() {
        let workload =
            r#"{"kind": "closed", "users": 5, "think": {"kind": "exponential", "mean": 0.2}}"#;
        let service = r#"{"workers": {"service_time": {"kind": "constant", "value": 0.5}}}"#;
        let m = run_replication(&full(workload, service, "", r#"{"name": "p"}"#), 0, 0);
        assert!(m.peak_in_flight <= 5, "{}", m.peak_in_flight);
        // Each user loops: about 100 s / (0.5 s + 0.2 s) requests per user.
        assert!(m.arrivals > 5 * 100, "{}", m.arrivals);
        assert_eq!(m.arrivals, m.succeeded);
        // A user whose request fails thinks and tries a new one: retries and
        // failures do not add users.
        let service = r#"{"limiter": {"rate": 2, "burst": 1},
                          "workers": {"service_time": {"kind": "constant", "value": 0.5}}}"#;
        let m = run_replication(
            &full(
                workload,
                service,
                "",
                r#"{"name": "p", "max_attempts": 3,
            "backoff": {"kind": "constant", "base": 0.1}}"#,
            ),
            0,
            0,
        );
        assert!(m.peak_in_flight <= 5);
        assert!(m.failed.iter().sum::<u64>() > 0 && m.succeeded > 0);
    }

    /// `n` clients at t = 0 on one contended record, 10 ms one way.
    fn on_record(n: u32, policy: &str) -> RunMetrics {
        let latency = r#""network": {"latency": {"kind": "constant", "value": 0.01}},"#;
        run_replication(
            &full(&batch(n), r#"{"contention": {}}"#, latency, policy),
            0,
            0,
        )
    }

    #[test]
    fn contention_the_second_of_two_writes_on_the_same_read_conflicts() {
        // Both read version 0 at 10 ms; both writes arrive at 30 ms. The
        // first scheduled wins; the second conflicts (409), retries at once
        // (its answer is back at 40 ms), reads version 1 at 50 ms and its
        // write wins at 70 ms; the answer is back at 80 ms.
        let m = on_record(2, r#"{"name": "p", "max_attempts": 2}"#);
        assert_eq!(m.succeeded, 2);
        assert_eq!(
            m.success_by_attempt,
            vec![1, 1],
            "one on the 1st, one on the 2nd"
        );
        assert_eq!(m.outcomes[Outcome::Conflict as usize], 1);
        assert_eq!((m.writes, m.served), (3, 3), "work = writes sent");
        assert_eq!(
            m.last_end,
            80 * S / 1000,
            "completion: the last client done"
        );
        assert_eq!(m.latency.max(), Some(80 * S / 1000));
    }

    #[test]
    fn contention_without_retries_only_the_first_write_wins() {
        let m = on_record(3, r#"{"name": "p"}"#);
        assert_eq!(m.succeeded, 1);
        assert_eq!(m.outcomes[Outcome::Conflict as usize], 2);
        assert_eq!(
            m.failed[FailureReason::AttemptsExhausted as usize],
            2,
            "a conflict is retryable: the requests failed for want of attempts"
        );
    }

    #[test]
    fn contention_abandoned_writes_are_still_applied_and_billed() {
        // Both read at 10 ms and write at 30 ms, after their 25 ms timeout:
        // the record does not know the clients left, so both writes are
        // served (the first wins) and neither answer is used.
        let m = on_record(2, r#"{"name": "p", "timeout": 0.025}"#);
        assert_eq!(m.writes, 2);
        assert_eq!(m.duplicate_attempts, 2, "both writes served, nobody waited");
        assert_eq!(m.outcomes[Outcome::Timeout as usize], 2);
        assert_eq!(m.succeeded, 0);
    }

    #[test]
    fn a_capacity_drop_removes_workers_and_slows_service_for_its_window() {
        // 2 workers, 1 s each; 4 requests at 0. From 0.5 s to 2.5 s one worker
        // is left and service is 2× slower. Jobs 0 and 1 finish at 1 s; only
        // one worker may take job 2 (1 s × 2 → 3 s); job 3 starts when the
        // second worker comes back at 2.5 s, at full speed (→ 3.5 s).
        let service = r#"{"workers": {"concurrency": 2,
                          "service_time": {"kind": "constant", "value": 1}}}"#;
        let drop = r#""triggers": [{"kind": "capacity_drop", "start": 0.5, "duration": 2,
                                    "capacity": 0.5, "slowdown": 2}],"#;
        let m = run_replication(&full(&batch(4), service, drop, r#"{"name": "p"}"#), 0, 0);
        assert_eq!(m.succeeded, 4);
        assert_eq!(m.last_end, 3 * S + S / 2);
        assert_eq!(m.latency.mean(), Some((1.0 + 1.0 + 3.0 + 3.5) / 4.0 * 1e9));
        assert_eq!(m.latency.max(), Some(3 * S + S / 2));
        // Without the drop: two rounds of 1 s.
        let m = run_replication(&full(&batch(4), service, "", r#"{"name": "p"}"#), 0, 0);
        assert_eq!(m.last_end, 2 * S);
    }
}
