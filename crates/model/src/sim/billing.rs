//! Billing: what a served attempt costs, and who used the answer
//! (docs/model.md §6). A service bills every attempt it serves, whether or not its client
//! still waits.

use retrysim_engine::Nanos;

use super::World;
use super::event::ServiceId;

impl<const RICH: bool> World<'_, RICH> {
    /// Dollars one served attempt of `req` costs (0 when unpriced, without
    /// touching the request's extras).
    #[inline]
    pub(super) fn cost_of(&self, req: u32) -> f32 {
        if self.metrics.priced {
            self.client.requests.extras(req).cost
        } else {
            0.0
        }
    }

    /// A served attempt is billed; its cost is duplicate work if its client
    /// stopped waiting or will never get the answer.
    pub(super) fn bill(
        &mut self,
        now: Nanos,
        svc: ServiceId,
        req: u32,
        generation: u32,
        cost: f32,
    ) {
        let m = &mut self.metrics;
        if RICH && !m.services.is_empty() {
            m.services[svc as usize].served += 1;
            if svc >= self.entry_replicas {
                return; // only the entry's work is priced and counted as served
            }
        }
        m.served += 1;
        m.cost_total += cost as f64;
        m.series.at(now).spend += cost as f64;
        let requests = &self.client.requests;
        if !requests.is_current(req, generation) || requests.get(req).hang {
            m.duplicate_attempts += 1;
            m.duplicate_cost += cost as f64;
        }
    }
}
