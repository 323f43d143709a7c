//! The workload: when requests arrive (an open arrival process, a batch, or
//! closed-loop users who think between requests) and what each one is
//! (its client instance, its price, whether it is malformed).

use rand::Rng;
use retrysim_engine::{EventQueue, Nanos, SimRng, stream};

use super::event::{ENTRY, Event};
use super::{World, purpose};
use crate::cost::CostModel;
use crate::scenario::Scenario;
use crate::workload::{Arrivals, Workload};

/// What a new request is, drawn when it arrives.
#[derive(Debug, Clone, Copy)]
pub(super) struct Traits {
    /// The client instance that sends it.
    pub client: u32,
    /// Dollars one served attempt costs (0 when unpriced).
    pub cost: f32,
    /// Malformed: every attempt gets a 4xx.
    pub bad: bool,
    /// Of low priority.
    pub low: bool,
}

/// The source of requests.
pub(super) struct Source<'a> {
    workload: &'a Workload,
    arrivals: Arrivals<'a>,
    end_of_load: Nanos,
    clients: u32,
    cost: Option<&'a CostModel>,
    client_error_share: f64,
    low_priority_share: f64,
    /// Arrival times, think times and each request's client instance.
    rng_arrivals: SimRng,
    /// Each request's price and malformedness.
    rng_requests: SimRng,
    /// Each request's priority class.
    rng_priority: SimRng,
    /// Closed loop: the user of each request slot.
    user_of: Vec<u32>,
    /// Closed loop: users whose request just ended, to be rescheduled.
    finished_users: Vec<u32>,
}

impl<'a> Source<'a> {
    pub fn new(scenario: &'a Scenario, seed: u64, replication: u64) -> Self {
        Self {
            workload: &scenario.workload,
            arrivals: Arrivals::new(&scenario.workload, scenario.end_of_load),
            end_of_load: scenario.end_of_load,
            clients: scenario.clients,
            cost: scenario.cost.as_ref(),
            client_error_share: scenario.services[ENTRY as usize].client_error_share,
            rng_arrivals: stream(seed, replication, purpose::ARRIVALS),
            rng_requests: stream(seed, replication, purpose::REQUESTS),
            low_priority_share: scenario.low_priority_share,
            rng_priority: stream(seed, replication, purpose::PRIORITY),
            user_of: Vec::new(),
            finished_users: Vec::new(),
        }
    }

    /// Schedules the first arrival, or every closed-loop user's first think.
    pub fn start(&mut self, q: &mut EventQueue<Event>) {
        if let Some(t) = self.arrivals.next(&mut self.rng_arrivals) {
            q.schedule(t, Event::Arrival);
        }
        if let Workload::Closed { users, think } = self.workload {
            for user in 0..*users {
                let t = think.sample(&mut self.rng_arrivals);
                if t < self.end_of_load {
                    q.schedule(t, Event::UserArrival { user });
                }
            }
        }
    }

    /// Draws what a new request is.
    #[inline(always)]
    fn traits(&mut self) -> Traits {
        let client = if self.clients > 1 {
            self.rng_arrivals.random_range(0..self.clients)
        } else {
            0
        };
        let cost = self.cost.map_or(0.0, |c| c.sample(&mut self.rng_requests)) as f32;
        let bad = self.client_error_share > 0.0
            && self.rng_requests.random::<f64>() < self.client_error_share;
        let low = self.low_priority_share > 0.0
            && self.rng_priority.random::<f64>() < self.low_priority_share;
        Traits {
            client,
            cost,
            bad,
            low,
        }
    }

    /// The request in slot `req` ended: its closed-loop user, if any, will
    /// think and send another.
    pub fn on_request_end(&mut self, req: u32) {
        if let Some(&user) = self.user_of.get(req as usize)
            && matches!(self.workload, Workload::Closed { .. })
        {
            self.finished_users.push(user);
        }
    }

    /// Whether users are waiting to be rescheduled.
    #[inline]
    pub fn has_finished_users(&self) -> bool {
        !self.finished_users.is_empty()
    }
}

impl<const RICH: bool> World<'_, RICH> {
    /// The next request of the workload arrives.
    #[inline]
    pub(super) fn on_arrival(&mut self, now: Nanos, q: &mut EventQueue<Event>) {
        let traits = self.source.traits();
        let req = self.new_request(now, traits);
        self.start_attempt(now, req, q);
        if let Some(t) = self.source.arrivals.next(&mut self.source.rng_arrivals) {
            q.schedule(t, Event::Arrival);
        }
    }

    /// A closed-loop user's request arrives.
    pub(super) fn on_user_arrival(&mut self, now: Nanos, user: u32, q: &mut EventQueue<Event>) {
        let traits = self.source.traits();
        let req = self.new_request(now, traits);
        let (slot, users) = (req as usize, &mut self.source.user_of);
        if users.len() <= slot {
            users.resize(slot + 1, 0);
        }
        users[slot] = user;
        self.start_attempt(now, req, q);
    }

    /// Users whose request ended think, then send the next one.
    #[cold]
    pub(super) fn reschedule_users(&mut self, now: Nanos, q: &mut EventQueue<Event>) {
        let s = &mut self.source;
        let Workload::Closed { think, .. } = s.workload else {
            return;
        };
        for &user in &s.finished_users {
            let t = now + think.sample(&mut s.rng_arrivals);
            if t < s.end_of_load {
                q.schedule(t, Event::UserArrival { user });
            }
        }
        s.finished_users.clear(); // keeps its capacity: no allocation per event
    }
}
