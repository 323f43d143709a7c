//! The client: the requests in flight and the life of each attempt — sent
//! (unless a guard refuses), answered or timed out, then success, a retry
//! after the policy's backoff and jitter, or failure (docs/model.md §5).

use retrysim_engine::{EventQueue, Nanos, SimRng, stream};

use super::event::Event;
use super::workload::Traits;
use super::{NO_RETRY_AFTER, Simulation, purpose};
use crate::budget::{ClientGuards, RetryAdvice};
use crate::outcome::{FailureReason, Outcome};
use crate::policy::Policy;
use crate::request::{Extras, Request, Requests};
use crate::retry_after::RetryAfterPolicy;
use crate::scenario::Scenario;

/// Every client instance of the scenario, running one policy.
pub(super) struct Client<'a> {
    pub policy: &'a Policy,
    /// Requests in flight.
    pub requests: Requests,
    /// The policy's guards, per client instance.
    pub guards: ClientGuards,
    /// Retry jitter.
    rng_jitter: SimRng,
    /// The guards' own draws.
    rng_guards: SimRng,
    /// Whether requests carry [`Extras`]: prices, guards, decorrelated
    /// jitter or an obeyed Retry-After need them; nothing else reads them.
    uses_extras: bool,
    /// Whether the policy's jitter remembers its previous delay.
    keeps_previous: bool,
    /// Whether the policy reads Retry-After.
    pub reads_retry_after: bool,
}

impl<'a> Client<'a> {
    pub fn new(scenario: &Scenario, policy: &'a Policy, seed: u64, replication: u64) -> Self {
        let reads_retry_after = policy.retry_after != RetryAfterPolicy::Ignore;
        let keeps_previous = policy.jitter.keeps_previous();
        Self {
            policy,
            requests: Requests::default(),
            guards: ClientGuards::new(&policy.guards, scenario.clients),
            rng_jitter: stream(seed, replication, purpose::JITTER),
            rng_guards: stream(seed, replication, purpose::GUARDS),
            uses_extras: scenario.cost.is_some()
                || !policy.guards.is_empty()
                || keeps_previous
                || reads_retry_after,
            keeps_previous,
            reads_retry_after,
        }
    }
}

impl Simulation<'_> {
    /// Takes a new request in: a slot in flight, counted in the metrics and
    /// by the guards.
    pub(super) fn new_request(&mut self, now: Nanos, t: Traits) -> u32 {
        let c = &mut self.client;
        let extras = c.uses_extras.then_some(Extras {
            client: t.client,
            cost: t.cost,
            previous_delay: c.policy.backoff.base,
            retry_after: NO_RETRY_AFTER,
            ..Extras::default()
        });
        let req = c.requests.insert(
            Request {
                arrival: now,
                bad: t.bad,
                ..Request::default()
            },
            extras,
        );
        let m = &mut self.metrics;
        m.arrivals += 1;
        m.peak_in_flight = m.peak_in_flight.max(c.requests.live());
        m.series.at(now).arrivals += 1;
        if !c.guards.is_empty() {
            c.guards.on_request(t.client, now);
        }
        req
    }

    /// Sends the next attempt of `req`, unless a guard refuses it.
    pub(super) fn start_attempt(&mut self, now: Nanos, req: u32, q: &mut EventQueue<Event>) {
        let c = &mut self.client;
        if !c.guards.is_empty() {
            let x = c.requests.extras_mut(req);
            if let Err(reason) =
                c.guards
                    .before_attempt(x.client, now, &mut x.ticket, &mut c.rng_guards)
            {
                return self.fail(now, req, reason);
            }
        }
        let policy = c.policy;
        let bin = self.metrics.series.index(now);
        let r = c.requests.get_mut(req);
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
        self.transmit(now, req, generation, deadline, cost, bad, q);
    }

    /// Schedules the current attempt's timeout unless already scheduled.
    #[inline]
    pub(super) fn arm_timeout(&mut self, req: u32, q: &mut EventQueue<Event>) {
        let r = self.client.requests.get_mut(req);
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

    /// A response reaches the client: it ends the attempt if the client
    /// still waits for it.
    pub(super) fn on_response(
        &mut self,
        now: Nanos,
        req: u32,
        generation: u32,
        outcome: Outcome,
        q: &mut EventQueue<Event>,
    ) {
        if !self.client.requests.is_current(req, generation) {
            return;
        }
        // Only a 429 carries Retry-After, and only a policy that reads it
        // stored it.
        let retry_after = if self.client.reads_retry_after && outcome == Outcome::RateLimited {
            self.client.requests.extras(req).retry_after
        } else {
            NO_RETRY_AFTER
        };
        self.end_attempt(now, req, outcome, retry_after, q);
    }

    /// The current attempt of `req` ended with `outcome`.
    #[inline]
    pub(super) fn end_attempt(
        &mut self,
        now: Nanos,
        req: u32,
        outcome: Outcome,
        retry_after: Nanos,
        q: &mut EventQueue<Event>,
    ) {
        let c = &mut self.client;
        let r = c.requests.get_mut(req);
        r.generation = r.generation.wrapping_add(1);
        let bin = r.attempt_bin as usize;
        self.metrics.outcomes[outcome as usize] += 1;
        self.metrics.series.bin(bin).outcomes[outcome as usize] += 1;
        if !c.guards.is_empty() {
            let x = *c.requests.extras(req);
            c.guards
                .on_outcome(x.client, now, &x.ticket, outcome, x.cost as f64);
        }
        if outcome == Outcome::Success {
            self.succeed(now, req);
        } else {
            let ra = (retry_after != NO_RETRY_AFTER).then_some(retry_after);
            self.after_failure(now, req, outcome, ra, q);
        }
    }

    /// The retry decision (docs/model.md §5): retryable? attempts left? do the
    /// guards allow it? would the retry start before the deadline?
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
        let c = &mut self.client;
        let policy = c.policy;
        if c.requests.get(req).attempts as u32 >= policy.max_attempts {
            return self.fail(now, req, FailureReason::AttemptsExhausted);
        }
        let mut double_base = false;
        if !c.guards.is_empty() {
            let x = c.requests.extras_mut(req);
            match c.guards.before_retry(x.client, now, &mut x.ticket, outcome) {
                RetryAdvice::Refuse => return self.fail(now, req, FailureReason::BudgetRefused),
                RetryAdvice::DoubleBase => double_base = true,
                RetryAdvice::Allow => {}
            }
        }
        let mut previous = if c.keeps_previous {
            c.requests.extras(req).previous_delay
        } else {
            policy.backoff.base
        };
        let r = c.requests.get(req);
        let (retry, arrival, generation) = (r.attempts as u32 - 1, r.arrival, r.generation);
        let wait = policy.retry_delay(
            retry,
            outcome,
            double_base,
            &mut previous,
            retry_after,
            &mut c.rng_jitter,
        );
        let Some(at) = wait.map(|w| now.saturating_add(w)) else {
            return self.give_up(now, req, FailureReason::RetryAfterTooLong);
        };
        if let Some(d) = policy.deadline
            && at >= arrival + d
        {
            return self.give_up(now, req, FailureReason::Deadline);
        }
        let c = &mut self.client;
        if c.keeps_previous {
            c.requests.extras_mut(req).previous_delay = previous;
        }
        q.schedule(at, Event::Send { req, generation });
    }

    /// The client gives up on a retry its guards allowed: they take back
    /// what they charged for it, and the request fails for `reason`.
    fn give_up(&mut self, now: Nanos, req: u32, reason: FailureReason) {
        let c = &mut self.client;
        if !c.guards.is_empty() {
            let x = c.requests.extras_mut(req);
            c.guards.retry_dropped(x.client, now, &mut x.ticket);
        }
        self.fail(now, req, reason);
    }

    fn succeed(&mut self, now: Nanos, req: u32) {
        let r = *self.client.requests.get(req);
        let cost = self.cost_of(req);
        let m = &mut self.metrics;
        m.succeeded += 1;
        m.cost_useful += cost as f64;
        m.latency.record(now - r.arrival);
        m.success_by_attempt[r.attempts as usize - 1] += 1;
        m.series.at(r.arrival).succeeded += 1;
        let c = &mut self.client;
        if !c.guards.is_empty() {
            let x = *c.requests.extras(req);
            c.guards.on_success(x.client, &x.ticket);
        }
        self.request_ended(now, req);
    }

    /// The request fails for `reason`.
    pub(super) fn fail(&mut self, now: Nanos, req: u32, reason: FailureReason) {
        let arrival = self.client.requests.get(req).arrival;
        self.metrics.failed[reason as usize] += 1;
        self.metrics.series.at(arrival).failed += 1;
        self.request_ended(now, req);
    }

    /// Frees a finished request's slot; a closed-loop user starts thinking.
    fn request_ended(&mut self, now: Nanos, req: u32) {
        self.metrics.last_end = now;
        self.source.on_request_end(req);
        self.client.requests.remove(req);
    }
}
