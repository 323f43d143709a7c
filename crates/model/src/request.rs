//! The client's requests in flight: a slab of slots reused after each
//! request ends, so memory follows the number in flight, not the total.

use retrysim_engine::Nanos;

use crate::budget::Ticket;

/// One logical request's hot state: what nearly every event reads. 32 bytes,
/// aligned, so two slots share a cache line and the slab of 10⁵ requests in
/// flight is half the size it would be with everything in one place (every
/// event's first touch of its slot is the simulator's main cache miss).
#[derive(Debug, Clone, Copy, Default)]
#[repr(align(32))]
pub struct Request {
    /// When the request arrived.
    pub arrival: Nanos,
    /// When the current attempt times out.
    pub attempt_deadline: Nanos,
    /// Bumped whenever a phase ends; events carrying an older value are stale.
    pub generation: u32,
    /// Time-series bin in which the current attempt was sent.
    pub attempt_bin: u32,
    /// Attempts sent so far.
    pub attempts: u16,
    /// Whether a timeout event is pending for the current attempt.
    pub timeout_armed: bool,
    /// Whether the slot holds a request.
    pub live: bool,
    /// Whether the request is malformed: every attempt gets a 4xx.
    pub bad: bool,
    /// Whether the current attempt's response will be lost (hang).
    pub hang: bool,
    /// The client role that sent it: 0 for the workload's client, k for
    /// call edge k of a call graph.
    pub role: u16,
}

/// The state only some features read (prices, guards, decorrelated jitter,
/// Retry-After), kept apart so that scenarios without them never touch it.
/// Written when the request is created only if the scenario needs it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extras {
    /// Last jittered delay (decorrelated jitter's memory).
    pub previous_delay: Nanos,
    /// `Retry-After` of the 429 on its way (`NO_RETRY_AFTER` if none).
    pub retry_after: Nanos,
    /// Dollars one served attempt of this request costs.
    pub cost: f32,
    /// Client instance the request belongs to.
    pub client: u32,
    /// What the client's guards remember about the current attempt.
    pub(crate) ticket: Ticket,
    /// The replica the current attempt went to (replicated services).
    pub replica: u16,
    /// Hedging: when the current attempt's first copy was sent.
    pub attempt_start: Nanos,
    /// Hedging: copies of the current attempt sent.
    pub copies_sent: u8,
    /// Hedging: copies of the current attempt not yet answered.
    pub copies_out: u8,
    /// Whether the request is of low priority (a call: the request it
    /// serves).
    pub low: bool,
}

// Both sizes are part of the memory estimate and of the hot path's cache
// footprint; a field that grows them should be a decision, not an accident.
const _: () = assert!(std::mem::size_of::<Request>() == 32);
const _: () = assert!(std::mem::size_of::<Extras>() == 48);

/// A slab of requests addressed by `u32` slot numbers.
#[derive(Debug, Default)]
pub struct Requests {
    slots: Vec<Request>,
    extras: Vec<Extras>,
    free: Vec<u32>,
    live: u64,
}

impl Requests {
    /// Stores a new request and returns its slot. The slot keeps its
    /// generation counter across reuse, so stale events never match. Its
    /// extras are written only when `extras` is given (a reused slot keeps
    /// stale extras otherwise: read them only for features that wrote them).
    #[inline(always)]
    pub fn insert(&mut self, mut request: Request, extras: Option<Extras>) -> u32 {
        self.live += 1;
        request.live = true;
        match self.free.pop() {
            Some(id) => {
                request.generation = self.slots[id as usize].generation;
                self.slots[id as usize] = request;
                if let Some(x) = extras {
                    self.extras[id as usize] = x;
                }
                id
            }
            None => {
                self.slots.push(request);
                self.extras.push(extras.unwrap_or_default());
                (self.slots.len() - 1) as u32
            }
        }
    }

    /// The extras of slot `id`.
    #[inline]
    pub fn extras(&self, id: u32) -> &Extras {
        &self.extras[id as usize]
    }

    /// The extras of slot `id`, mutably.
    #[inline]
    pub fn extras_mut(&mut self, id: u32) -> &mut Extras {
        &mut self.extras[id as usize]
    }

    /// The request in slot `id`.
    #[inline]
    pub fn get(&self, id: u32) -> &Request {
        &self.slots[id as usize]
    }

    /// The request in slot `id`, mutably.
    #[inline]
    pub fn get_mut(&mut self, id: u32) -> &mut Request {
        &mut self.slots[id as usize]
    }

    /// Whether slot `id` holds a live request still at `generation`.
    #[inline]
    pub fn is_current(&self, id: u32, generation: u32) -> bool {
        let r = &self.slots[id as usize];
        r.live && r.generation == generation
    }

    /// Ends the request in slot `id` and frees the slot.
    #[inline]
    pub fn remove(&mut self, id: u32) {
        let r = &mut self.slots[id as usize];
        debug_assert!(r.live);
        r.live = false;
        r.generation = r.generation.wrapping_add(1);
        self.free.push(id);
        self.live -= 1;
    }

    /// Requests in flight.
    #[inline]
    pub fn live(&self) -> u64 {
        self.live
    }

    /// Largest number of slots ever used (peak in flight).
    #[cfg(test)]
    pub fn capacity_used(&self) -> usize {
        self.slots.len()
    }

    /// The live requests, in slot order.
    pub fn iter_live(&self) -> impl Iterator<Item = &Request> {
        self.slots.iter().filter(|r| r.live)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_reused_and_stale_generations_never_match() {
        let mut rs = Requests::default();
        let a = rs.insert(
            Request {
                arrival: 1,
                ..Default::default()
            },
            Some(Extras {
                client: 7,
                ..Default::default()
            }),
        );
        let b = rs.insert(
            Request {
                arrival: 2,
                ..Default::default()
            },
            None,
        );
        assert_eq!(rs.live(), 2);
        let g = rs.get(a).generation;
        assert!(rs.is_current(a, g));
        rs.remove(a);
        assert!(!rs.is_current(a, g));
        let c = rs.insert(
            Request {
                arrival: 3,
                ..Default::default()
            },
            None,
        );
        assert_eq!(c, a, "freed slot reused");
        assert_eq!(
            rs.extras(c).client,
            7,
            "extras not given: left as they were"
        );
        assert_eq!(
            std::mem::size_of::<Request>(),
            32,
            "two slots per cache line"
        );
        assert!(
            !rs.is_current(c, g),
            "an event for the old request stays stale"
        );
        assert!(rs.is_current(c, g + 1));
        assert_eq!(rs.capacity_used(), 2);
        assert_eq!(
            rs.iter_live().map(|r| r.arrival).collect::<Vec<_>>(),
            vec![3, 2]
        );
        let _ = b;
    }
}
