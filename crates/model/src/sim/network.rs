//! The network between the client and the services: a latency each way,
//! drawn per message, and per-attempt faults drawn once as an attempt is
//! sent (docs/model.md §3).

use retrysim_engine::{EventQueue, Nanos, SimRng, stream};

use super::event::{Event, ServiceId};
use super::{NO_RETRY_AFTER, World, purpose};
use crate::distribution::Duration;
use crate::faults::{Fault, Faults};
use crate::outcome::Outcome;
use crate::scenario::NetworkConfig;

/// Latency and faults, with their random streams.
pub(super) struct Network<'a> {
    latency: &'a Duration,
    faults: Faults,
    has_faults: bool,
    rng_latency: SimRng,
    rng_faults: SimRng,
}

impl<'a> Network<'a> {
    pub fn new(config: &'a NetworkConfig, seed: u64, replication: u64) -> Self {
        Self {
            latency: &config.latency,
            faults: config.faults,
            has_faults: config.faults.any(),
            rng_latency: stream(seed, replication, purpose::NETWORK),
            rng_faults: stream(seed, replication, purpose::FAULTS),
        }
    }

    /// One message's one-way latency.
    #[inline(always)]
    pub fn latency(&mut self) -> Nanos {
        self.latency.sample(&mut self.rng_latency)
    }

    /// The fault that befalls an attempt being sent.
    #[inline]
    fn fault(&mut self) -> Fault {
        if self.has_faults {
            self.faults.draw(&mut self.rng_faults)
        } else {
            Fault::None
        }
    }
}

impl<const RICH: bool> World<'_, RICH> {
    /// Sends attempt `generation` of `req` towards service `svc`: it
    /// vanishes (drop), bounces back as a connection error (reset), or
    /// reaches the service one latency later (a hung one's answer will be
    /// lost).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    pub(super) fn transmit(
        &mut self,
        now: Nanos,
        svc: ServiceId,
        req: u32,
        generation: u32,
        deadline: Nanos,
        cost: f32,
        flags: u8,
        q: &mut EventQueue<Event>,
    ) {
        match self.network.fault() {
            Fault::Drop => self.arm_timeout(req, q),
            Fault::Reset => {
                let at = now + self.network.latency();
                self.respond(
                    at,
                    req,
                    generation,
                    Outcome::ConnectionError,
                    NO_RETRY_AFTER,
                    q,
                );
            }
            fault @ (Fault::None | Fault::Hang) => {
                if fault == Fault::Hang {
                    self.client.requests.get_mut(req).hang = true;
                    self.arm_timeout(req, q);
                }
                let arrive = now + self.network.latency();
                if arrive >= deadline {
                    self.arm_timeout(req, q);
                }
                q.schedule(
                    arrive,
                    Event::Reach {
                        svc,
                        req,
                        generation,
                        cost,
                        flags,
                    },
                );
            }
        }
    }

    /// A service answers at `at`; the answer reaches the client one
    /// downlink latency later, unless the client has stopped waiting or the
    /// response is lost.
    #[inline(always)]
    pub(super) fn respond(
        &mut self,
        at: Nanos,
        req: u32,
        generation: u32,
        outcome: Outcome,
        retry_after: Nanos,
        q: &mut EventQueue<Event>,
    ) {
        let requests = &mut self.client.requests;
        if !requests.is_current(req, generation) {
            return; // the client gave up on this attempt already
        }
        if requests.get(req).hang {
            return self.arm_timeout(req, q);
        }
        let t = at + self.network.latency();
        if t < self.client.requests.get(req).attempt_deadline {
            if outcome == Outcome::RateLimited
                && self.client.roles.get(self.role(req)).reads_retry_after
            {
                self.client.requests.extras_mut(req).retry_after = retry_after;
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
}
