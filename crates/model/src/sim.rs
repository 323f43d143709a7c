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
}
