//! One replication of one policy: the event handlers that tie workload,
//! network, limiter, workers and client together.
//!
//! # Event flow of one attempt
//! `Send` (or the request's `Arrival`) → `Reach` the service after the
//! uplink latency → limiter (429) → workers (start, queue, or 503) → `Done`
//! frees the worker → `Response` reaches the client after the downlink
//! latency. A `Timeout` fires at the attempt's deadline.
//!
//! # Timers that never fire are never scheduled
//! Most attempts answer long before their timeout. Whenever the time of an
//! attempt's response becomes known (a 429 or 503 at once, or a service
//! start), the simulator compares it with the attempt deadline: if it comes
//! first, only the response is scheduled; otherwise only the timeout (the
//! service still does, and bills, the work). An attempt waiting in the queue
//! has an unknown finish, so its timeout is armed then, and skipped by
//! generation if the response wins. This is exactly equivalent to arming
//! every timeout and cancelling most, at a fraction of the heap traffic.

use rand::Rng;
use retrysim_engine::{EventQueue, Nanos, Process, SimRng, stream};

use crate::metrics::RunMetrics;
use crate::outcome::{FailureReason, Outcome};
use crate::policy::Policy;
use crate::request::{Request, Requests};
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
}

/// "No Retry-After header" in a response.
pub const NO_RETRY_AFTER: Nanos = Nanos::MAX;

/// Everything that can happen. 12 bytes, `Copy`; no allocation per event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The next request of the workload arrives.
    Arrival,
    /// A retry timer fires: send the next attempt.
    Send { req: u32, generation: u32 },
    /// An attempt reaches the service.
    Reach { req: u32, generation: u32 },
    /// The service finishes an attempt.
    Done { req: u32, generation: u32 },
    /// A response reaches the client (a 429's `Retry-After` travels in the
    /// request's slot, which only this response can still reach).
    Response {
        req: u32,
        generation: u32,
        outcome: Outcome,
    },
    /// The attempt timeout fires.
    Timeout { req: u32, generation: u32 },
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
    bucket: Option<TokenBucket>,
    workers: Workers,
    requests: Requests,
    metrics: RunMetrics,
    /// End of the current bin: gauges are read when time passes it.
    next_gauge: Nanos,
}

impl<'a> Simulation<'a> {
    /// A fresh world for `policy` in `replication` (seeded from the scenario
    /// seed): every policy sees the same arrivals in the same replication.
    pub fn new(scenario: &'a Scenario, policy: &'a Policy, replication: u64) -> Self {
        let seed = scenario.seed;
        let expected_bins = ((scenario.end_of_load + scenario.drain) / scenario.bin) as usize + 1;
        Self {
            scenario,
            policy,
            arrivals: Arrivals::new(&scenario.workload, scenario.end_of_load),
            rng_arrivals: stream(seed, replication, purpose::ARRIVALS),
            rng_network: stream(seed, replication, purpose::NETWORK),
            rng_service: stream(seed, replication, purpose::SERVICE),
            rng_jitter: stream(seed, replication, purpose::JITTER),
            bucket: scenario
                .limiter
                .as_ref()
                .map(|l| TokenBucket::new(l.rate, l.burst, l.header)),
            workers: Workers::new(scenario.workers.concurrency, scenario.workers.queue_limit),
            requests: Requests::default(),
            metrics: RunMetrics::new(
                policy.max_attempts,
                scenario.bin,
                expected_bins.min(1 << 16),
            ),
            next_gauge: scenario.bin,
        }
    }

    /// Runs to the end (all requests done, or the drain limit) and returns
    /// the metrics.
    pub fn run(mut self) -> RunMetrics {
        let mut queue = EventQueue::with_capacity(1024);
        if let Some(t) = self.arrivals.next(&mut self.rng_arrivals) {
            queue.schedule(t, Event::Arrival);
        }
        let until = self.scenario.end_of_load + self.scenario.drain;
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
        self.read_gauges(end);
        let m = &mut self.metrics;
        m.events = events;
        m.run_end = end;
        m.unfinished = self.requests.live();
        for r in self.requests.iter_live() {
            m.series.at(r.arrival).failed += 1;
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

    fn on_arrival(&mut self, now: Nanos, q: &mut EventQueue<Event>) {
        let client = if self.scenario.clients > 1 {
            self.rng_arrivals.random_range(0..self.scenario.clients)
        } else {
            0
        };
        let req = self.requests.insert(Request {
            arrival: now,
            client,
            previous_delay: self.policy.backoff.base,
            ..Request::default()
        });
        self.metrics.arrivals += 1;
        self.metrics.peak_in_flight = self.metrics.peak_in_flight.max(self.requests.live());
        self.metrics.series.at(now).arrivals += 1;
        self.send(now, req, q);
        if let Some(t) = self.arrivals.next(&mut self.rng_arrivals) {
            q.schedule(t, Event::Arrival);
        }
    }

    /// Sends the next attempt of `req`.
    fn send(&mut self, now: Nanos, req: u32, q: &mut EventQueue<Event>) {
        let policy = self.policy;
        let r = self.requests.get_mut(req);
        r.attempts += 1;
        r.attempt_sent = now;
        r.timeout_armed = false;
        let mut deadline = now + policy.timeout;
        if let Some(d) = policy.deadline {
            deadline = deadline.min(r.arrival + d);
        }
        r.attempt_deadline = deadline;
        let generation = r.generation;
        self.metrics.attempts += 1;
        self.metrics.series.at(now).attempts += 1;
        let arrive = now + self.scenario.latency.sample(&mut self.rng_network);
        if arrive >= deadline {
            self.arm_timeout(req, q);
        }
        q.schedule(arrive, Event::Reach { req, generation });
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

    fn on_reach(&mut self, now: Nanos, req: u32, generation: u32, q: &mut EventQueue<Event>) {
        self.metrics.attempts_at_service += 1;
        if let Some(bucket) = self.bucket.as_mut()
            && let Admission::Rejected { retry_after } = bucket.try_take(now)
        {
            let ra = retry_after.unwrap_or(NO_RETRY_AFTER);
            self.respond(now, req, generation, Outcome::RateLimited, ra, q);
            return;
        }
        let job = Job {
            request: req,
            generation,
        };
        match self.workers.arrive(job) {
            Arrival::Started => self.start_service(now, job, q),
            Arrival::Queued => {
                if self.requests.is_current(req, generation) {
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
        let done = now
            + self
                .scenario
                .workers
                .service_time
                .sample(&mut self.rng_service);
        q.schedule(
            done,
            Event::Done {
                req: job.request,
                generation: job.generation,
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

    /// The service answers at `at`; the answer reaches the client one
    /// downlink latency later, unless the client has stopped waiting.
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
        let t = at + self.scenario.latency.sample(&mut self.rng_network);
        let r = self.requests.get_mut(req);
        if t < r.attempt_deadline {
            r.retry_after = retry_after;
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

    fn on_done(&mut self, now: Nanos, q: &mut EventQueue<Event>) {
        self.metrics.served += 1;
        if let Some(next) = self.workers.finish() {
            self.start_service(now, next, q);
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
        let sent = r.attempt_sent;
        self.metrics.outcomes[outcome as usize] += 1;
        self.metrics.series.at(sent).outcomes[outcome as usize] += 1;
        if outcome == Outcome::Success {
            self.succeed(now, req);
        } else {
            let ra = (retry_after != NO_RETRY_AFTER).then_some(retry_after);
            self.after_failure(now, req, outcome, ra, q);
        }
    }

    /// The retry decision (MODEL.md §5): retryable? attempts left? would the
    /// retry start before the deadline?
    fn after_failure(
        &mut self,
        now: Nanos,
        req: u32,
        outcome: Outcome,
        retry_after: Option<Nanos>,
        q: &mut EventQueue<Event>,
    ) {
        if !outcome.retryable() {
            return self.fail(req, FailureReason::NonRetryable);
        }
        let policy = self.policy;
        let r = self.requests.get_mut(req);
        if r.attempts >= policy.max_attempts {
            return self.fail(req, FailureReason::AttemptsExhausted);
        }
        let mut previous = r.previous_delay;
        let Some(wait) = policy.retry_delay(
            r.attempts - 1,
            &mut previous,
            retry_after,
            &mut self.rng_jitter,
        ) else {
            return self.fail(req, FailureReason::RetryAfterTooLong);
        };
        let at = now.saturating_add(wait);
        if let Some(d) = policy.deadline
            && at >= r.arrival + d
        {
            return self.fail(req, FailureReason::Deadline);
        }
        r.previous_delay = previous;
        q.schedule(
            at,
            Event::Send {
                req,
                generation: r.generation,
            },
        );
    }

    fn succeed(&mut self, now: Nanos, req: u32) {
        let r = *self.requests.get(req);
        let m = &mut self.metrics;
        m.succeeded += 1;
        m.latency.record(now - r.arrival);
        m.success_by_attempt[r.attempts as usize - 1] += 1;
        m.series.at(r.arrival).succeeded += 1;
        self.requests.remove(req);
    }

    fn fail(&mut self, req: u32, reason: FailureReason) {
        let arrival = self.requests.get(req).arrival;
        self.metrics.failed[reason as usize] += 1;
        self.metrics.series.at(arrival).failed += 1;
        self.requests.remove(req);
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
            Event::Send { req, generation } => {
                if self.requests.is_current(req, generation) {
                    self.send(now, req, q);
                }
            }
            Event::Reach { req, generation } => self.on_reach(now, req, generation, q),
            Event::Done { .. } => self.on_done(now, q),
            Event::Response {
                req,
                generation,
                outcome,
            } => {
                if self.requests.is_current(req, generation) {
                    let retry_after = self.requests.get(req).retry_after;
                    self.end_attempt(now, req, outcome, retry_after, q);
                }
            }
            Event::Timeout { req, generation } => {
                if self.requests.is_current(req, generation) {
                    self.end_attempt(now, req, Outcome::Timeout, NO_RETRY_AFTER, q);
                }
            }
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
        assert!(std::mem::size_of::<super::Event>() <= 12);
    }
}
