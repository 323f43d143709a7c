//! Where an attempt goes, when it is not simply the role's one service on
//! the policy's own deadline (docs/model.md §12): a replica picked by the
//! role's balancer, a deadline propagated by the caller, and hedged copies
//! of an attempt that is slow to answer. Reached from the client only for
//! roles that are not `plain`, so a scenario without these features never
//! runs this file.

use retrysim_engine::{EventQueue, Nanos};

use super::World;
use super::event::{BAD, Event, ServiceId};
use crate::outcome::Outcome;

impl<const RICH: bool> World<'_, RICH> {
    /// Where a role that balances over replicas or propagates deadlines
    /// sends the attempt of `req` being started, and its deadline, given
    /// the one of its own policy.
    /// With hedging, the attempt's first copy is counted and the next
    /// copy's timer set.
    #[cold]
    pub(super) fn route(
        &mut self,
        now: Nanos,
        req: u32,
        role: u16,
        deadline: Nanos,
        q: &mut EventQueue<Event>,
    ) -> (ServiceId, Nanos) {
        let c = &mut self.client;
        let r = c.roles.get_mut(role);
        let (mut target, propagate) = (r.target, r.propagate_deadline);
        if let Some(b) = &mut r.balancing {
            let retry = c.requests.get(req).attempts > 1;
            let previous = c.requests.extras(req).replica;
            let replica = b.pick((r.retry_elsewhere && retry).then_some(previous));
            c.requests.extras_mut(req).replica = replica;
            target += replica;
        }
        let deadline = if propagate {
            deadline.min(self.caller_deadline(req))
        } else {
            deadline
        };
        let c = &mut self.client;
        if let Some(h) = &c.roles.get(role).hedging {
            let at = now.saturating_add(h.delay());
            let x = c.requests.extras_mut(req);
            (x.attempt_start, x.copies_sent, x.copies_out) = (now, 1, 1);
            if at < deadline {
                let generation = c.requests.get(req).generation;
                q.schedule(at, Event::Hedge { req, generation });
            }
        }
        (target, deadline)
    }

    /// Hedging: attempt `generation` of `req` has waited its hedge delay
    /// without an answer: another copy goes out, if the copies and the
    /// budget allow, and the timer is set for the next.
    #[cold]
    pub(super) fn on_hedge(
        &mut self,
        now: Nanos,
        req: u32,
        generation: u32,
        q: &mut EventQueue<Event>,
    ) {
        let c = &mut self.client;
        if !c.requests.is_current(req, generation) {
            return;
        }
        let role = c.requests.get(req).role;
        let r = c.roles.get_mut(role);
        let Some(h) = &mut r.hedging else { return };
        let x = c.requests.extras_mut(req);
        if x.copies_sent >= h.max_copies() || !h.may_send() {
            return;
        }
        x.copies_sent += 1;
        x.copies_out += 1;
        let more = x.copies_sent < h.max_copies();
        let next = now.saturating_add(h.delay());
        let mut target = r.target;
        if let Some(b) = &mut r.balancing {
            target += b.pick_uncounted(Some(x.replica));
        }
        let (deadline, flags) = {
            let r = c.requests.get(req);
            (r.attempt_deadline, r.bad as u8 * BAD)
        };
        let flags = flags | self.low_flag(req);
        let bin = self.metrics.series.index(now);
        self.count_attempt(role, bin);
        let cost = self.cost_of(req);
        self.transmit(now, target, req, generation, deadline, cost, flags, q);
        if more && next < deadline {
            q.schedule(next, Event::Hedge { req, generation });
        }
    }

    /// Hedging: a copy's answer. A failure while other copies are out is
    /// counted and waited past; a success teaches the hedge delay. Returns
    /// whether the attempt ends with this answer.
    #[cold]
    pub(super) fn hedged_answer(&mut self, now: Nanos, req: u32, outcome: Outcome) -> bool {
        let c = &mut self.client;
        let role = c.requests.get(req).role;
        let Some(h) = &mut c.roles.get_mut(role).hedging else {
            return true;
        };
        let x = c.requests.extras_mut(req);
        if outcome == Outcome::Success {
            h.observe(now - x.attempt_start);
            return true;
        }
        if x.copies_out <= 1 {
            return true;
        }
        x.copies_out -= 1;
        let bin = c.requests.get(req).attempt_bin as usize;
        self.count_outcome(role, bin, outcome);
        false
    }
}
