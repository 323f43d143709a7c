//! Services that call services (docs/model.md §12). When a service with
//! `calls` has done its own work for an attempt, the worker stays busy
//! while the service, acting as a client, makes its calls — one after the
//! other, or all at once — each a request of its own call edge, with that
//! edge's policy, timeouts and guards. The attempt is answered when every
//! call has succeeded (success) or at the first that failed (the calls'
//! `failure_status`); only then is the worker free for the next attempt.

use retrysim_engine::{EventQueue, Nanos};

use super::event::{Event, ServiceId};
use super::{NO_RETRY_AFTER, World};
use crate::outcome::{FailureReason, Outcome};
use crate::workers::{Job, Workers};

/// The calls in progress, and which edge each service's calls go out on.
#[derive(Debug, Default)]
pub(super) struct Graph {
    /// Work units: one per attempt whose calls are being made.
    works: Vec<Work>,
    /// Free work slots.
    free: Vec<u32>,
    /// The work unit of every call, by request slot.
    parent_of: Vec<u32>,
    /// The role of the first call of every service (`u16::MAX`: none).
    first_role: Vec<u16>,
    /// Calls in flight (the requests in flight that are not the workload's).
    pub calls_live: u64,
}

/// One attempt's calls at one service.
#[derive(Debug, Clone, Copy)]
struct Work {
    /// The calling service.
    svc: ServiceId,
    /// The attempt being served, to answer.
    job: Job,
    /// Propagated: no call attempt outlives this (`Nanos::MAX` otherwise).
    deadline: Nanos,
    /// Calls started and not yet ended.
    pending: u16,
    /// Calls that succeeded.
    succeeded: u16,
    /// Whether the attempt has been answered (at its first failed call).
    answered: bool,
}

impl Graph {
    /// The graph of `services`: `first_role[s]` for each service that
    /// makes calls, numbering the edges in the order of the services and
    /// their calls from role 1 (role 0 is the workload's client).
    pub fn new(calls: impl Iterator<Item = usize>) -> Self {
        let mut next = 1u16;
        let first_role = calls
            .map(|n| {
                if n == 0 {
                    u16::MAX
                } else {
                    let first = next;
                    next += n as u16;
                    first
                }
            })
            .collect();
        Self {
            first_role,
            ..Self::default()
        }
    }

    /// Whether `svc` makes calls.
    #[inline]
    pub fn makes_calls(&self, svc: ServiceId) -> bool {
        self.first_role[svc as usize] != u16::MAX
    }
}

impl<const RICH: bool> World<'_, RICH> {
    /// Whether an attempt served by `svc` waits for calls before it is
    /// answered.
    #[inline]
    pub(super) fn makes_calls(&self, svc: ServiceId) -> bool {
        RICH && self.graph.as_ref().is_some_and(|g| g.makes_calls(svc))
    }

    /// The deadline a call's caller propagated to it.
    #[inline(never)]
    pub(super) fn caller_deadline(&self, req: u32) -> Nanos {
        let g = self.graph.as_ref().expect("propagating calls have a graph");
        g.works[g.parent_of[req as usize] as usize].deadline
    }

    /// `svc` has done its own work for `job`: it makes its calls.
    #[inline(never)]
    pub(super) fn begin_calls(
        &mut self,
        now: Nanos,
        svc: ServiceId,
        job: Job,
        q: &mut EventQueue<Event>,
    ) {
        let calls = self.services[svc as usize]
            .calls()
            .expect("only services with calls begin them");
        let (n, parallel) = (calls.to.len() as u16, calls.parallel);
        let deadline = if !calls.propagate_deadline {
            Nanos::MAX
        } else if self.client.requests.is_current(job.request, job.generation) {
            self.client.requests.get(job.request).attempt_deadline
        } else {
            now // the caller stopped waiting: its deadline has passed
        };
        let work = Work {
            svc,
            job,
            deadline,
            pending: if parallel { n } else { 1 },
            succeeded: 0,
            answered: false,
        };
        let g = self
            .graph
            .as_mut()
            .expect("services with calls have a graph");
        let w = match g.free.pop() {
            Some(w) => {
                g.works[w as usize] = work;
                w
            }
            None => {
                g.works.push(work);
                (g.works.len() - 1) as u32
            }
        };
        if !parallel {
            return self.start_call(now, w, 0, q);
        }
        for k in 0..n {
            if self.work(w).answered {
                // A call failed before it left (a guard refused it): the
                // rest are never made.
                let unstarted = n - k;
                let g = self.graph.as_mut().expect("graph");
                g.works[w as usize].pending -= unstarted;
                if g.works[w as usize].pending == 0 {
                    g.free.push(w);
                }
                return;
            }
            self.start_call(now, w, k, q);
        }
    }

    fn work(&self, w: u32) -> &Work {
        &self.graph.as_ref().expect("graph").works[w as usize]
    }

    /// Makes call `k` of work unit `w`, unless its propagated deadline
    /// has passed.
    fn start_call(&mut self, now: Nanos, w: u32, k: u16, q: &mut EventQueue<Event>) {
        let work = *self.work(w);
        let g = self.graph.as_mut().expect("graph");
        let role = g.first_role[work.svc as usize] + k;
        g.calls_live += 1;
        let low = work.job.low;
        let req = self.new_call(now, role, low);
        let g = self.graph.as_mut().expect("graph");
        let slot = req as usize;
        if g.parent_of.len() <= slot {
            g.parent_of.resize(slot + 1, 0);
        }
        g.parent_of[slot] = w;
        if work.deadline <= now {
            return self.fail(now, req, FailureReason::Deadline, q);
        }
        self.start_attempt(now, req, q);
    }

    /// Call `req` ended, successfully or not: its caller makes the next
    /// call, or answers.
    #[inline(never)]
    pub(super) fn call_ended(&mut self, now: Nanos, req: u32, ok: bool, q: &mut EventQueue<Event>) {
        self.client.requests.remove(req);
        let g = self.graph.as_mut().expect("calls have a graph");
        g.calls_live -= 1;
        let w = g.parent_of[req as usize];
        let work = &mut g.works[w as usize];
        work.pending -= 1;
        work.succeeded += ok as u16;
        let (svc, answered, succeeded, pending) =
            (work.svc, work.answered, work.succeeded, work.pending);
        if answered {
            if pending == 0 {
                g.free.push(w);
            }
            return;
        }
        let calls = self.services[svc as usize].calls().expect("calls");
        let (n, parallel, failure) = (calls.to.len() as u16, calls.parallel, calls.failure);
        if !ok {
            return self.answer(now, w, failure, q);
        }
        if succeeded == n {
            return self.answer(now, w, Outcome::Success, q);
        }
        if !parallel {
            let g = self.graph.as_mut().expect("graph");
            g.works[w as usize].pending = 1;
            self.start_call(now, w, succeeded, q);
        }
    }

    /// Work unit `w` answers its attempt with `outcome`; its worker takes
    /// the next queued attempt.
    fn answer(&mut self, now: Nanos, w: u32, outcome: Outcome, q: &mut EventQueue<Event>) {
        let g = self.graph.as_mut().expect("graph");
        let work = &mut g.works[w as usize];
        work.answered = true;
        let (svc, job) = (work.svc, work.job);
        if work.pending == 0 {
            g.free.push(w);
        }
        self.metrics.services[svc as usize].answered[outcome as usize] += 1;
        self.respond(now, job.request, job.generation, outcome, NO_RETRY_AFTER, q);
        if let Some((job, service_time)) = self.take_next(now, svc, Workers::finish::<true>, q) {
            self.serve(now, svc, job, service_time, q);
        }
    }
}
