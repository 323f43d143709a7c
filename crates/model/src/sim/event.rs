//! Everything that can happen in a replication: 16 bytes, `Copy`, no
//! allocation per event. Events at a service carry its id.

use crate::outcome::Outcome;

/// A service's index in the scenario (the workload calls service 0).
pub type ServiceId = u16;

/// The service the workload's requests enter.
pub const ENTRY: ServiceId = 0;

/// A [`Event::Reach`] flag: the request is malformed.
pub const BAD: u8 = 1;
/// A [`Event::Reach`] flag: the request is of low priority, carried with
/// the attempt (the request's slot may hold another request by the time an
/// abandoned attempt is served).
pub const LOW: u8 = 2;

/// One event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
    /// The next request of the workload arrives.
    Arrival,
    /// A closed-loop user sends its next request.
    UserArrival {
        /// The user.
        user: u32,
    },
    /// A retry timer fires: send the next attempt.
    Send {
        /// Request slot.
        req: u32,
        /// The request's generation when the retry was scheduled.
        generation: u32,
    },
    /// An attempt reaches a service, carrying what it costs if served and
    /// what it is (malformed, low priority: [`BAD`], [`LOW`]).
    Reach {
        /// The service.
        svc: ServiceId,
        /// Request slot.
        req: u32,
        /// The attempt's generation.
        generation: u32,
        /// Dollars if served.
        cost: f32,
        /// [`BAD`]: malformed, answered 4xx after the limiter; [`LOW`]: of
        /// low priority.
        flags: u8,
    },
    /// A service finishes an attempt and bills it.
    Done {
        /// The service.
        svc: ServiceId,
        /// Request slot.
        req: u32,
        /// The attempt's generation.
        generation: u32,
        /// Dollars billed.
        cost: f32,
        /// Of low priority.
        low: bool,
    },
    /// A response reaches the client (a 429's `Retry-After` travels in the
    /// request's slot, which only this response can still reach).
    Response {
        /// Request slot.
        req: u32,
        /// The attempt's generation.
        generation: u32,
        /// How the attempt ended.
        outcome: Outcome,
    },
    /// Hedging: the current attempt has waited its hedge delay.
    Hedge {
        /// Request slot.
        req: u32,
        /// The attempt's generation.
        generation: u32,
    },
    /// The attempt timeout fires.
    Timeout {
        /// Request slot.
        req: u32,
        /// The attempt's generation.
        generation: u32,
    },
    /// Contention service: an attempt's conditional write reaches the
    /// record, carrying the version its read saw.
    Write {
        /// The service.
        svc: ServiceId,
        /// Request slot.
        req: u32,
        /// The attempt's generation.
        generation: u32,
        /// The record's version when the attempt read it.
        version: u32,
    },
    /// Capacity drop `drop` of a service begins or ends.
    Capacity {
        /// The service.
        svc: ServiceId,
        /// Index in the service's capacity drops.
        drop: u32,
        /// Begins (true) or ends.
        begin: bool,
    },
}

#[cfg(test)]
mod tests {
    #[test]
    fn events_stay_small() {
        assert!(std::mem::size_of::<super::Event>() <= 16);
    }
}
