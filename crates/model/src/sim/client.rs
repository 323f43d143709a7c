//! The client: the requests in flight and the life of each attempt — sent
//! (unless a guard refuses), answered or timed out, then success, a retry
//! after the policy's backoff and jitter, or failure (docs/model.md §5).

use retrysim_engine::{EventQueue, Nanos, stream};

use super::event::{BAD, ENTRY, Event, LOW};
use super::role::{Role, Roles};
use super::workload::Traits;
use super::{NO_RETRY_AFTER, World, purpose};
use crate::budget::RetryAdvice;
use crate::outcome::{FailureReason, Outcome};
use crate::policy::Policy;
use crate::request::{Extras, Request, Requests};
use crate::scenario::Scenario;

/// Every client of the scenario: the requests in flight, and the roles
/// that send them — the workload's client instances (role 0, running the
/// policy under comparison) and, in a call graph, every call edge (a
/// calling service acting as a client of the one it calls).
pub(super) struct Client<'a> {
    /// Requests in flight, of every role.
    pub requests: Requests,
    /// Role 0: the workload's client; then one per call edge.
    pub roles: Roles<'a>,
    /// Whether any role hedges (answers then go through `hedged_answer`).
    pub hedges: bool,
}

impl<'a> Client<'a> {
    /// The workload's client running `policy`, and a role for every call
    /// edge of the scenario (in the order of the services and their calls).
    pub fn new(scenario: &'a Scenario, policy: &'a Policy, seed: u64, replication: u64) -> Self {
        let streams = |jitter, guards, balancer| {
            [
                stream(seed, replication, jitter),
                stream(seed, replication, guards),
                stream(seed, replication, balancer),
            ]
        };
        let mut entry = Role::new(
            policy,
            scenario.clients,
            scenario.groups[ENTRY as usize],
            streams(purpose::JITTER, purpose::GUARDS, purpose::BALANCER),
        );
        let priorities = scenario.low_priority_share > 0.0;
        entry.uses_extras |= scenario.cost.is_some() || priorities;
        let mut edges: Vec<Role> = Vec::new();
        for service in &scenario.services {
            let Some(calls) = &service.calls else {
                continue;
            };
            for &to in &calls.to {
                let k = purpose::edge(edges.len() as u64 + 1);
                let policy = calls.policy.as_ref().unwrap_or(policy);
                let target = scenario.groups[to as usize];
                let mut role = Role::new(policy, 1, target, streams(k, k + 1, k + 2));
                role.propagate_deadline = calls.propagate_deadline;
                role.plain &= !calls.propagate_deadline;
                role.uses_extras |= priorities;
                edges.push(role);
            }
        }
        Self {
            requests: Requests::default(),
            hedges: std::iter::once(&entry)
                .chain(&edges)
                .any(|r| r.hedging.is_some()),
            roles: Roles { entry, edges },
        }
    }

    /// Every call edge's caller and callee names and the callee's logical
    /// id, in role order.
    pub fn edge_names(&self, scenario: &Scenario) -> Vec<(String, String, usize)> {
        let mut edges = Vec::new();
        for (s, service) in scenario.services.iter().enumerate() {
            for &to in service.calls.iter().flat_map(|c| &c.to) {
                let name = scenario.group_names[to as usize].clone();
                edges.push((scenario.service_names[s].clone(), name, to as usize));
            }
        }
        edges
    }
}

impl<const RICH: bool> World<'_, RICH> {
    /// Takes a new request of the workload in: a slot in flight, counted in
    /// the metrics and by the guards.
    pub(super) fn new_request(&mut self, now: Nanos, t: Traits) -> u32 {
        let c = &mut self.client;
        let role = &mut c.roles.entry;
        let extras = role.uses_extras.then_some(Extras {
            client: t.client,
            cost: t.cost,
            low: t.low,
            previous_delay: role.policy.backoff.base,
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
        let calls = if RICH {
            self.graph.as_ref().map_or(0, |g| g.calls_live)
        } else {
            0
        };
        let m = &mut self.metrics;
        m.arrivals += 1;
        m.peak_in_flight = m.peak_in_flight.max(c.requests.live() - calls);
        m.series.at(now).arrivals += 1;
        if !role.guards.is_empty() {
            role.guards.on_request(t.client, now);
        }
        if RICH {
            if let Some(class) = m.classes.get_mut(t.low as usize) {
                class.arrivals += 1;
            }
            if let Some(h) = &mut role.hedging {
                h.on_request();
            }
        }
        req
    }

    /// Takes a call of role `role` (a call edge) in: a slot in flight, on
    /// the edge's one client instance.
    #[inline(never)]
    pub(super) fn new_call(&mut self, now: Nanos, role: u16, low: bool) -> u32 {
        let c = &mut self.client;
        let r = c.roles.get_mut(role);
        let extras = r.uses_extras.then_some(Extras {
            low,
            previous_delay: r.policy.backoff.base,
            retry_after: NO_RETRY_AFTER,
            ..Extras::default()
        });
        let req = c.requests.insert(
            Request {
                arrival: now,
                role,
                ..Request::default()
            },
            extras,
        );
        let edge = &mut self.metrics.edges[role as usize - 1];
        edge.calls += 1;
        edge.series.at(now).arrivals += 1;
        if !r.guards.is_empty() {
            r.guards.on_request(0, now);
        }
        if let Some(h) = &mut r.hedging {
            h.on_request();
        }
        req
    }

    /// The client role that sent `req` (always the workload's without a
    /// call graph).
    #[inline(always)]
    pub(super) fn role(&self, req: u32) -> u16 {
        if RICH {
            self.client.requests.get(req).role
        } else {
            0
        }
    }

    /// [`LOW`] if `req` is of low priority.
    #[inline(always)]
    pub(super) fn low_flag(&self, req: u32) -> u8 {
        if RICH && self.priorities && self.client.requests.extras(req).low {
            LOW
        } else {
            0
        }
    }

    /// Sends the next attempt of `req`, unless a guard refuses it.
    pub(super) fn start_attempt(&mut self, now: Nanos, req: u32, q: &mut EventQueue<Event>) {
        let role = self.role(req);
        let c = &mut self.client;
        let r = c.roles.get_mut(role);
        if !r.guards.is_empty() {
            let x = c.requests.extras_mut(req);
            if let Err(reason) =
                r.guards
                    .before_attempt(x.client, now, &mut x.ticket, &mut r.rng_guards)
            {
                return self.fail(now, req, reason, q);
            }
        }
        let (policy, target, plain) = (r.policy, r.target, r.plain);
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
        let (target, deadline) = if !RICH || plain {
            (target, deadline)
        } else {
            self.route(now, req, role, deadline, q)
        };
        let r = self.client.requests.get_mut(req);
        r.attempt_deadline = deadline;
        let (generation, flags) = (r.generation, r.bad as u8 * BAD);
        let flags = flags | self.low_flag(req);
        let cost = self.cost_of(req);
        self.count_attempt(role, bin);
        self.transmit(now, target, req, generation, deadline, cost, flags, q);
    }

    /// An attempt (or hedged copy) of `role` is sent in time-series bin
    /// `bin`: the workload's figures count role 0's, an edge its own.
    #[inline(always)]
    pub(super) fn count_attempt(&mut self, role: u16, bin: usize) {
        if !RICH || role == 0 {
            self.metrics.attempts += 1;
            self.metrics.series.bin(bin).attempts += 1;
        } else {
            let edge = &mut self.metrics.edges[role as usize - 1];
            edge.attempts += 1;
            edge.series.bin(bin).attempts += 1;
        }
    }

    /// An attempt (or hedged copy) of `role` sent in bin `bin` ended with
    /// `outcome`.
    #[inline(always)]
    pub(super) fn count_outcome(&mut self, role: u16, bin: usize, outcome: Outcome) {
        if !RICH || role == 0 {
            self.metrics.outcomes[outcome as usize] += 1;
            self.metrics.series.bin(bin).outcomes[outcome as usize] += 1;
        } else {
            let edge = &mut self.metrics.edges[role as usize - 1];
            edge.outcomes[outcome as usize] += 1;
            edge.series.bin(bin).outcomes[outcome as usize] += 1;
        }
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
    #[inline]
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
        if RICH && self.client.hedges && !self.hedged_answer(now, req, outcome) {
            return;
        }
        // Only a 429 carries Retry-After, and only a policy that reads it
        // stored it.
        let retry_after = if outcome == Outcome::RateLimited
            && self.client.roles.get(self.role(req)).reads_retry_after
        {
            self.client.requests.extras(req).retry_after
        } else {
            NO_RETRY_AFTER
        };
        self.end_attempt(now, req, outcome, retry_after, q);
    }

    /// The current attempt of `req` ended with `outcome`.
    #[inline(always)]
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
        let role = self.role(req);
        self.count_outcome(role, bin, outcome);
        let c = &mut self.client;
        let r = c.roles.get_mut(role);
        if RICH && let Some(b) = &mut r.balancing {
            b.ended(c.requests.extras(req).replica);
        }
        if !r.guards.is_empty() {
            let x = *c.requests.extras(req);
            r.guards
                .on_outcome(x.client, now, &x.ticket, outcome, x.cost as f64);
        }
        if outcome == Outcome::Success {
            self.succeed(now, req, q);
        } else {
            let ra = (retry_after != NO_RETRY_AFTER).then_some(retry_after);
            self.after_failure(now, req, outcome, ra, q);
        }
    }

    /// The retry decision (docs/model.md §5): retryable? attempts left? do the
    /// guards allow it? would the retry start before the deadline (the
    /// request's, and a propagated caller's)?
    fn after_failure(
        &mut self,
        now: Nanos,
        req: u32,
        outcome: Outcome,
        retry_after: Option<Nanos>,
        q: &mut EventQueue<Event>,
    ) {
        if !outcome.retryable() {
            return self.fail(now, req, FailureReason::NonRetryable, q);
        }
        let role = self.role(req);
        let c = &mut self.client;
        let role = c.roles.get_mut(role);
        let policy = role.policy;
        if c.requests.get(req).attempts as u32 >= policy.max_attempts {
            return self.fail(now, req, FailureReason::AttemptsExhausted, q);
        }
        let mut double_base = false;
        if !role.guards.is_empty() {
            let x = c.requests.extras_mut(req);
            match role
                .guards
                .before_retry(x.client, now, &mut x.ticket, outcome)
            {
                RetryAdvice::Refuse => return self.fail(now, req, FailureReason::BudgetRefused, q),
                RetryAdvice::DoubleBase => double_base = true,
                RetryAdvice::Allow => {}
            }
        }
        let mut previous = if role.keeps_previous {
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
            &mut role.rng_jitter,
        );
        let (keeps_previous, propagate) = (role.keeps_previous, role.propagate_deadline);
        let Some(at) = wait.map(|w| now.saturating_add(w)) else {
            return self.give_up(now, req, FailureReason::RetryAfterTooLong, q);
        };
        if let Some(d) = policy.deadline
            && at >= arrival + d
        {
            return self.give_up(now, req, FailureReason::Deadline, q);
        }
        if RICH && propagate && at >= self.caller_deadline(req) {
            return self.give_up(now, req, FailureReason::Deadline, q);
        }
        if keeps_previous {
            self.client.requests.extras_mut(req).previous_delay = previous;
        }
        q.schedule(at, Event::Send { req, generation });
    }

    /// The client gives up on a retry its guards allowed: they take back
    /// what they charged for it, and the request fails for `reason`.
    fn give_up(&mut self, now: Nanos, req: u32, reason: FailureReason, q: &mut EventQueue<Event>) {
        let role = self.role(req);
        let c = &mut self.client;
        let guards = &mut c.roles.get_mut(role).guards;
        if !guards.is_empty() {
            let x = c.requests.extras_mut(req);
            guards.retry_dropped(x.client, now, &mut x.ticket);
        }
        self.fail(now, req, reason, q);
    }

    fn succeed(&mut self, now: Nanos, req: u32, q: &mut EventQueue<Event>) {
        let r = *self.client.requests.get(req);
        let role = self.role(req);
        let c = &mut self.client;
        let guards = &mut c.roles.get_mut(role).guards;
        if !guards.is_empty() {
            let x = *c.requests.extras(req);
            guards.on_success(x.client, &x.ticket);
        }
        if role != 0 {
            let edge = &mut self.metrics.edges[role as usize - 1];
            edge.succeeded += 1;
            edge.latency.record(now - r.arrival);
            edge.series.at(r.arrival).succeeded += 1;
            return self.call_ended(now, req, true, q);
        }
        let cost = self.cost_of(req);
        let m = &mut self.metrics;
        m.succeeded += 1;
        m.cost_useful += cost as f64;
        m.latency.record(now - r.arrival);
        m.success_by_attempt[r.attempts as usize - 1] += 1;
        m.series.at(r.arrival).succeeded += 1;
        if RICH && self.priorities {
            let class = &mut m.classes[self.client.requests.extras(req).low as usize];
            class.succeeded += 1;
            class.latency.record(now - r.arrival);
        }
        self.request_ended(now, req);
    }

    /// The request fails for `reason`.
    pub(super) fn fail(
        &mut self,
        now: Nanos,
        req: u32,
        reason: FailureReason,
        q: &mut EventQueue<Event>,
    ) {
        let role = self.role(req) as usize;
        if role != 0 {
            let arrival = self.client.requests.get(req).arrival;
            let edge = &mut self.metrics.edges[role - 1];
            edge.failed[reason as usize] += 1;
            edge.series.at(arrival).failed += 1;
            return self.call_ended(now, req, false, q);
        }
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
