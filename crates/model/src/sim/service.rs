//! A service, held by the simulation by id: outage windows, a token-bucket
//! limiter, then either a pool of workers (with congestion and capacity
//! drops) or one record under optimistic concurrency (docs/model.md §4). The
//! [`Service`] value knows nothing of clients; the handlers below route its
//! answers back through the network.

use retrysim_engine::time::MAX_DELAY;
use retrysim_engine::{EventQueue, Nanos, SimRng, stream};

use super::event::{Event, ServiceId};
use super::{NO_RETRY_AFTER, World, purpose};
use crate::admission::Admission;
use crate::faults::{OutageMode, outage_at};
use crate::outcome::Outcome;
use crate::scenario::graph::Calls;
use crate::scenario::{CapacityDrop, ServiceConfig};
use crate::token_bucket::{self, TokenBucket};
use crate::workers::{Arrival, Job, Workers};

/// One service's state in a replication.
pub(super) struct Service<'a> {
    config: &'a ServiceConfig,
    bucket: Option<TokenBucket>,
    workers: Workers,
    /// Contention service: the record's version, bumped by every write that
    /// succeeds.
    version: u32,
    /// Factor on service times (a capacity drop's slowdown; 1 outside).
    slowdown: f64,
    /// Service times.
    rng: SimRng,
    /// Its overload control, if configured (docs/model.md §12).
    admission: Option<Admission>,
    /// Whether it drops an abandoned attempt it has not started
    /// (`cancel_on_timeout` of a policy whose attempts it receives).
    pub cancels: bool,
}

/// What a service does with an attempt that reaches it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Handling {
    /// An outage swallows it: no answer will ever come.
    Vanished,
    /// Answered at once: an outage's reset or 5xx, a 429 (with its
    /// `Retry-After`), a 4xx for a malformed request, a 503 from a full
    /// queue.
    Answered(Outcome, Nanos),
    /// A worker takes it; it is done after this service time.
    Started(Nanos),
    /// It waits for a worker.
    Queued,
    /// A contended record: its read is served.
    Read,
}

impl<'a> Service<'a> {
    /// An attempt reaches the service at `now`: outage window, limiter,
    /// malformed request, then the record, or overload control and the
    /// workers. The flag says
    /// whether its answer will be lost (a hanging outage: the service still
    /// does and bills the work).
    #[inline]
    pub fn admit<const RICH: bool>(&mut self, now: Nanos, job: Job, bad: bool) -> (Handling, bool) {
        let none = NO_RETRY_AFTER;
        let mut lost = false;
        match self.outage(now) {
            Some(OutageMode::Drop) => return (Handling::Vanished, false),
            Some(OutageMode::Reset) => {
                return (Handling::Answered(Outcome::ConnectionError, none), false);
            }
            Some(OutageMode::Error) => {
                return (Handling::Answered(Outcome::ServerError, none), false);
            }
            Some(OutageMode::Hang) => lost = true,
            None => {}
        }
        let handling = if let Some(retry_after) = self.limit(now) {
            Handling::Answered(Outcome::RateLimited, retry_after)
        } else if bad {
            Handling::Answered(Outcome::ClientError, none)
        } else if self.config.contention {
            Handling::Read
        } else if RICH && self.control_refuses(job.low) {
            Handling::Answered(Outcome::Unavailable, none)
        } else {
            match self.workers.arrive::<RICH>(job, now) {
                Arrival::Started if RICH => Handling::Started(self.controlled_start(now, now)),
                Arrival::Started => Handling::Started(self.service_time()),
                Arrival::Queued => Handling::Queued,
                Arrival::Refused => Handling::Answered(Outcome::Unavailable, none),
            }
        };
        (handling, lost)
    }

    /// Service `k` of the scenario, in `replication`.
    pub fn new(config: &'a ServiceConfig, k: u64, seed: u64, replication: u64) -> Self {
        let w = &config.workers;
        Self {
            config,
            bucket: config
                .limiter
                .as_ref()
                .map(|l| TokenBucket::new(l.rate, l.burst, l.header)),
            workers: {
                let pool = Workers::new(w.concurrency, w.queue_limit).with_order(w.queue_order);
                if w.control.needs_stamps() {
                    pool.with_stamps()
                } else {
                    pool
                }
            },
            version: 0,
            slowdown: 1.0,
            cancels: false,
            admission: Admission::new(w.control, w.shed_low_above),
            rng: stream(seed, replication, purpose::service(k)),
        }
    }

    /// Schedules the start and end of every capacity drop before `until`.
    pub fn schedule_capacity_drops(&self, svc: ServiceId, until: Nanos, q: &mut EventQueue<Event>) {
        for (i, d) in self.config.capacity_drops.iter().enumerate() {
            for (at, begin) in [(d.start, true), (d.end, false)] {
                if at < until {
                    let drop = i as u32;
                    q.schedule(at, Event::Capacity { svc, drop, begin });
                }
            }
        }
    }

    /// The outage in force at `now`, if any.
    #[inline]
    fn outage(&self, now: Nanos) -> Option<OutageMode> {
        if self.config.outages.is_empty() {
            None
        } else {
            outage_at(&self.config.outages, now)
        }
    }

    /// The limiter's verdict: `Some(Retry-After)` for a 429.
    #[inline]
    fn limit(&mut self, now: Nanos) -> Option<Nanos> {
        match self.bucket.as_mut()?.try_take(now) {
            token_bucket::Admission::Admitted => None,
            token_bucket::Admission::Rejected { retry_after } => {
                Some(retry_after.unwrap_or(NO_RETRY_AFTER))
            }
        }
    }

    /// How long the attempt starting now takes: a drawn service time,
    /// slowed by a capacity drop, plus congestion for every other attempt
    /// in service; at most [`MAX_DELAY`], like every delay (a slowdown or
    /// congestion could otherwise carry it past `u64`, and the end of the
    /// attempt round to "now").
    #[inline]
    fn service_time(&mut self) -> Nanos {
        let w = &self.config.workers;
        let mut service = w.service_time.sample(&mut self.rng);
        if self.slowdown != 1.0 {
            service = (service as f64 * self.slowdown) as Nanos;
        }
        if w.congestion_slope > 0 {
            let others = self.workers.busy().saturating_sub(1);
            service = service.saturating_add(w.congestion_slope.saturating_mul(others));
        }
        service.min(MAX_DELAY)
    }

    /// A conditional write of a record read at `version`: it wins if no
    /// other write won since.
    fn write(&mut self, version: u32) -> Outcome {
        if version == self.version {
            self.version = self.version.wrapping_add(1);
            Outcome::Success
        } else {
            Outcome::Conflict
        }
    }

    /// Capacity drop `drop` begins: fewer workers, slower service.
    fn begin_drop(&mut self, d: CapacityDrop) {
        self.workers.set_concurrency(d.concurrency);
        self.slowdown = d.slowdown;
    }

    /// The drop ends: the full pool and speed are back.
    fn end_drop(&mut self) {
        self.workers
            .set_concurrency(self.config.workers.concurrency);
        self.slowdown = 1.0;
    }

    /// Whether its overload control refuses an arriving attempt (`low`
    /// priority or not).
    fn control_refuses(&mut self, low: bool) -> bool {
        let load = (self.workers.busy(), self.workers.queued() as u64);
        (self.admission.as_mut()).is_some_and(|a| a.refuses_arrival(load, low, &mut self.rng))
    }

    /// An attempt's own work ended now (it still holds its worker).
    #[cold]
    fn controlled_work_ended(&mut self, now: Nanos) {
        let in_flight = self.workers.busy() + self.workers.queued() as u64;
        if let Some(a) = &mut self.admission {
            a.work_ended(now, in_flight);
        }
    }

    /// An attempt that arrived at `arrived` starts now: its service time,
    /// seen by the overload control if there is one.
    fn controlled_start(&mut self, now: Nanos, arrived: Nanos) -> Nanos {
        let service_time = self.service_time();
        if let Some(a) = &mut self.admission {
            a.started(now, arrived, service_time);
        }
        service_time
    }

    /// The calls it makes for every attempt it serves.
    #[inline]
    pub fn calls(&self) -> Option<&'a Calls> {
        self.config.calls.as_ref()
    }

    /// Attempts waiting in the queue.
    pub fn queued(&self) -> u64 {
        self.workers.queued() as u64
    }

    /// Attempts in service.
    pub fn busy(&self) -> u64 {
        self.workers.busy()
    }

    /// Limiter tokens at `now` (0 without a limiter).
    pub fn tokens_at(&self, now: Nanos) -> f64 {
        self.bucket.as_ref().map_or(0.0, |b| b.tokens_at(now))
    }
}

impl<const RICH: bool> World<'_, RICH> {
    /// An attempt reaches service `svc`; the client learns what happened
    /// through the network, or by its timeout.
    #[inline]
    pub(super) fn on_reach(
        &mut self,
        now: Nanos,
        svc: ServiceId,
        job: Job,
        bad: bool,
        q: &mut EventQueue<Event>,
    ) {
        let (req, generation) = (job.request, job.generation);
        if !RICH || self.graph.is_none() {
            self.metrics.attempts_at_service += 1;
        } else {
            // The entry's count is copied to `attempts_at_service` at the end.
            self.metrics.services[svc as usize].reached += 1;
        }
        let current = self.client.requests.is_current(req, generation);
        if !current && self.services[svc as usize].cancels {
            self.metrics.cancelled += 1;
            return;
        }
        let (handling, lost) = self.services[svc as usize].admit::<RICH>(now, job, bad);
        if lost && current {
            self.client.requests.get_mut(req).hang = true;
            self.arm_timeout(req, q);
        }
        match handling {
            Handling::Answered(outcome, retry_after) => {
                self.respond(now, req, generation, outcome, retry_after, q)
            }
            Handling::Started(service_time) => self.serve(now, svc, job, service_time, q),
            Handling::Read => self.on_read(now, svc, req, generation, q),
            Handling::Vanished | Handling::Queued => {
                if current {
                    self.arm_timeout(req, q);
                }
            }
        }
    }

    /// A worker of `svc` serves `job` for `service_time`: it is done then,
    /// and its answer leaves then (a service that makes calls answers when
    /// they are done).
    #[inline]
    pub(super) fn serve(
        &mut self,
        now: Nanos,
        svc: ServiceId,
        job: Job,
        service_time: Nanos,
        q: &mut EventQueue<Event>,
    ) {
        let done = now + service_time;
        q.schedule(
            done,
            Event::Done {
                svc,
                req: job.request,
                generation: job.generation,
                cost: job.cost,
                low: job.low,
            },
        );
        if self.makes_calls(svc) {
            // When the answer leaves depends on the calls: arm the
            // caller's timeout now (skipped by generation if the answer
            // wins).
            if self.client.requests.is_current(job.request, job.generation) {
                self.arm_timeout(job.request, q);
            }
            return;
        }
        self.respond(
            done,
            job.request,
            job.generation,
            Outcome::Success,
            NO_RETRY_AFTER,
            q,
        );
    }

    /// A worker of `svc` finishes its own work: the attempt is billed, and
    /// the worker takes the next queued attempt (or, at a service that
    /// makes calls, makes them first).
    #[inline]
    pub(super) fn on_done(
        &mut self,
        now: Nanos,
        svc: ServiceId,
        job: Job,
        q: &mut EventQueue<Event>,
    ) {
        self.bill(now, svc, job.request, job.generation, job.cost);
        if RICH && self.services[svc as usize].admission.is_some() {
            self.services[svc as usize].controlled_work_ended(now);
        }
        if self.makes_calls(svc) {
            return self.begin_calls(now, svc, job, q);
        }
        if let Some((job, service_time)) = self.take_next(now, svc, Workers::finish::<RICH>, q) {
            self.serve(now, svc, job, service_time, q);
        }
    }

    /// The queued job a worker of `svc` takes, with its service time. `first`
    /// asks the pool for it: `Workers::finish` when a worker frees up (it
    /// keeps the worker for the next job), `Workers::start_next` when
    /// workers come back after a capacity drop. When the policy cancels on
    /// timeout, the worker drops a job whose client stopped waiting,
    /// unstarted, and asks again with `finish` (the dropped job's worker is
    /// the one that takes the next).
    #[inline(always)]
    pub(super) fn take_next(
        &mut self,
        now: Nanos,
        svc: ServiceId,
        first: fn(&mut Workers) -> Option<Job>,
        q: &mut EventQueue<Event>,
    ) -> Option<(Job, Nanos)> {
        let (client, service) = (&self.client, &mut self.services[svc as usize]);
        let mut next = first(&mut service.workers);
        while let Some(job) = next {
            if !service.cancels || client.requests.is_current(job.request, job.generation) {
                if RICH && service.admission.is_some() {
                    return self.controlled_take(now, svc, job, q);
                }
                return Some((job, service.service_time()));
            }
            self.metrics.cancelled += 1;
            next = service.workers.finish::<RICH>();
        }
        None
    }

    /// Overload control judges `job`, just taken from the queue of `svc`:
    /// CoDel may refuse it with a 503 now, and the worker takes the next
    /// (cancelled work skipped as in [`World::take_next`]), until one
    /// is served; an adaptive limit sees its wait.
    #[cold]
    fn controlled_take(
        &mut self,
        now: Nanos,
        svc: ServiceId,
        mut job: Job,
        q: &mut EventQueue<Event>,
    ) -> Option<(Job, Nanos)> {
        loop {
            let service = &mut self.services[svc as usize];
            let arrived = service.workers.taken_arrived();
            let admission = service
                .admission
                .as_mut()
                .expect("only controlled services");
            if !admission.refuses_dequeue(now, arrived) {
                return Some((job, service.controlled_start(now, arrived)));
            }
            let outcome = Outcome::Unavailable;
            self.respond(now, job.request, job.generation, outcome, NO_RETRY_AFTER, q);
            loop {
                let (client, service) = (&self.client, &mut self.services[svc as usize]);
                job = service.workers.finish::<true>()?;
                if !service.cancels || client.requests.is_current(job.request, job.generation) {
                    break;
                }
                self.metrics.cancelled += 1;
            }
        }
    }

    /// Contention service: the read of attempt `generation` of `req` reaches
    /// the record now. Its answer goes back, and the conditional write comes
    /// in, one network latency each; the write carries the version read.
    fn on_read(
        &mut self,
        now: Nanos,
        svc: ServiceId,
        req: u32,
        generation: u32,
        q: &mut EventQueue<Event>,
    ) {
        if !self.client.requests.is_current(req, generation) {
            return; // abandoned before its read: no write will follow
        }
        if self.client.requests.get(req).hang {
            return self.arm_timeout(req, q);
        }
        let back = now + self.network.latency();
        if back >= self.client.requests.get(req).attempt_deadline {
            return self.arm_timeout(req, q);
        }
        let write = back + self.network.latency();
        self.metrics.writes += 1;
        // The write's answer time is unknown until it lands: arm the
        // timeout now (skipped by generation if the answer wins).
        self.arm_timeout(req, q);
        let version = self.services[svc as usize].version;
        q.schedule(
            write,
            Event::Write {
                svc,
                req,
                generation,
                version,
            },
        );
    }

    /// Contention service: a conditional write reaches the record. It wins
    /// if no other write won since its read; the service applies it whether
    /// or not the client still waits.
    pub(super) fn on_write(
        &mut self,
        now: Nanos,
        svc: ServiceId,
        req: u32,
        generation: u32,
        version: u32,
        q: &mut EventQueue<Event>,
    ) {
        let outcome = self.services[svc as usize].write(version);
        let cost = self.cost_of(req);
        self.bill(now, svc, req, generation, cost);
        self.respond(now, req, generation, outcome, NO_RETRY_AFTER, q);
    }

    /// A capacity drop of `svc` begins (fewer workers, slower service) or
    /// ends (queued attempts start on the workers that come back).
    #[cold]
    pub(super) fn on_capacity(
        &mut self,
        now: Nanos,
        svc: ServiceId,
        drop: u32,
        begin: bool,
        q: &mut EventQueue<Event>,
    ) {
        let service = &mut self.services[svc as usize];
        if begin {
            let d = service.config.capacity_drops[drop as usize];
            return service.begin_drop(d);
        }
        service.end_drop();
        while let Some((job, service_time)) =
            self.take_next(now, svc, Workers::start_next::<RICH>, q)
        {
            self.serve(now, svc, job, service_time, q);
        }
    }
}
