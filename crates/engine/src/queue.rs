//! The future event list: a radix heap over integer time.
//!
//! Virtual time never runs backwards: every event is scheduled at or after
//! the time of the last event popped. A radix heap exploits that. Pending
//! events sit in 65 buckets by the highest bit in which their time differs
//! from `last` (the time of the last pop): bucket 0 holds events at exactly
//! `last`, bucket b those that differ first in bit b − 1. Scheduling is an
//! append; popping takes from bucket 0 and, when it is empty, redistributes
//! the lowest non-empty bucket around its minimum. Each event moves at most
//! 64 times and in practice a few; all moves are sequential memory traffic,
//! where a binary heap of 10⁵ events misses the cache on every level.
//!
//! Ties: two events with the same time always share a bucket, every bucket
//! keeps insertion order (appends, in-order redistribution) and bucket 0 is
//! read from the front, so same-time events leave in scheduling order — the
//! `(time, seq)` order of a heap, without storing `seq`.

use crate::time::Nanos;

const BUCKETS: usize = 65;

/// A deterministic priority queue of events in virtual time.
///
/// Events at the same instant leave in the order they were scheduled. The
/// queue's clock ([`EventQueue::now`]) is the time of the last popped event.
/// Events are `Copy`: they are moved between buckets by value.
pub struct EventQueue<E: Copy> {
    buckets: Vec<Vec<(Nanos, E)>>,
    /// Smallest time in each bucket (`Nanos::MAX` when empty), so a refill
    /// needs no scan.
    mins: [Nanos; BUCKETS],
    /// Bit `i - 1` set when bucket `i` (1 ≤ i ≤ 64) is non-empty.
    occupied: u64,
    /// Next unread position in bucket 0.
    head: usize,
    /// Time of the last pop: the base the buckets are relative to.
    last: Nanos,
    len: usize,
    scheduled: u64,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

#[inline]
fn bucket(at: Nanos, last: Nanos) -> usize {
    (64 - (at ^ last).leading_zeros()) as usize
}

impl<E: Copy> EventQueue<E> {
    /// An empty queue at time zero.
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty queue; `capacity` is a hint for the busiest buckets.
    pub fn with_capacity(capacity: usize) -> Self {
        let per = capacity / 8;
        Self {
            buckets: (0..BUCKETS).map(|_| Vec::with_capacity(per)).collect(),
            mins: [Nanos::MAX; BUCKETS],
            occupied: 0,
            head: 0,
            last: 0,
            len: 0,
            scheduled: 0,
        }
    }

    /// The current virtual time: the time of the last event popped.
    #[inline]
    pub fn now(&self) -> Nanos {
        self.last
    }

    /// Schedules `event` at absolute time `at`. A time in the past is a bug
    /// in the model; it is caught in debug builds and clamped to `now`
    /// otherwise, so time never runs backwards.
    #[inline]
    pub fn schedule(&mut self, at: Nanos, event: E) {
        debug_assert!(at >= self.last, "event scheduled in the past");
        let at = at.max(self.last);
        self.put(at, event, self.last);
        self.len += 1;
        self.scheduled += 1;
    }

    #[inline]
    fn put(&mut self, at: Nanos, event: E, base: Nanos) {
        let b = bucket(at, base);
        self.buckets[b].push((at, event));
        self.mins[b] = self.mins[b].min(at);
        self.occupied |= (1u64 << b) >> 1;
    }

    /// Schedules `event` after `delay` from now.
    #[inline]
    pub fn schedule_in(&mut self, delay: Nanos, event: E) {
        self.schedule(self.last.saturating_add(delay), event);
    }

    /// Removes the earliest event, advances the clock to its time and
    /// returns both.
    #[inline]
    pub fn pop(&mut self) -> Option<(Nanos, E)> {
        self.pop_until(Nanos::MAX)
    }

    /// Removes the earliest event if it is due at or before `until`.
    #[inline]
    pub fn pop_until(&mut self, until: Nanos) -> Option<(Nanos, E)> {
        if self.head == self.buckets[0].len() && !self.refill(until) {
            return None;
        }
        let item = self.buckets[0][self.head];
        self.head += 1;
        self.len -= 1;
        Some(item)
    }

    /// Moves the earliest events into bucket 0 if they are due by `until`;
    /// false if there are none.
    #[cold]
    fn refill(&mut self, until: Nanos) -> bool {
        if self.occupied == 0 {
            return false;
        }
        let i = self.occupied.trailing_zeros() as usize + 1;
        let min = self.mins[i];
        if min > until {
            return false;
        }
        // Bucket 0 is exhausted: reuse it.
        self.buckets[0].clear();
        self.head = 0;
        self.mins[0] = Nanos::MAX;
        // Re-bucket bucket `i` around its minimum, which becomes `last`.
        // Every event lands in a lower bucket, in order.
        self.last = min;
        let from = std::mem::take(&mut self.buckets[i]);
        self.mins[i] = Nanos::MAX;
        self.occupied &= !(1u64 << (i - 1));
        for &(at, e) in &from {
            self.put(at, e, min);
        }
        let mut from = from;
        from.clear();
        self.buckets[i] = from; // keep its capacity
        true
    }

    /// Number of pending events.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no event is pending.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many events have ever been scheduled on this queue.
    pub fn scheduled(&self) -> u64 {
        self.scheduled
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    #[test]
    fn earlier_time_leaves_first() {
        let mut q = EventQueue::new();
        q.schedule(30, 'c');
        q.schedule(10, 'a');
        q.schedule(20, 'b');
        assert_eq!(q.pop(), Some((10, 'a')));
        assert_eq!(q.now(), 10);
        assert_eq!(q.pop(), Some((20, 'b')));
        assert_eq!(q.pop(), Some((30, 'c')));
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn same_instant_leaves_in_scheduling_order() {
        let mut q = EventQueue::new();
        for i in 0..100u32 {
            // Interleave two instants so they have to be sorted apart.
            q.schedule(if i % 2 == 0 { 5 } else { 7 }, i);
        }
        let order: Vec<u32> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        let expected: Vec<u32> = (0..100).step_by(2).chain((1..100).step_by(2)).collect();
        assert_eq!(order, expected);
    }

    #[test]
    fn events_scheduled_while_running_at_now_come_after_earlier_ties() {
        let mut q = EventQueue::new();
        q.schedule(1, "first");
        q.schedule(1, "second");
        assert_eq!(q.pop(), Some((1, "first")));
        q.schedule_in(0, "third");
        assert_eq!(q.pop(), Some((1, "second")));
        assert_eq!(q.pop(), Some((1, "third")));
    }

    #[test]
    fn pop_until_leaves_later_events_pending() {
        let mut q = EventQueue::with_capacity(4);
        q.schedule(9, 'b');
        q.schedule(3, 'a');
        assert_eq!(q.pop_until(5), Some((3, 'a')));
        assert_eq!(q.pop_until(5), None);
        assert_eq!((q.len(), q.scheduled()), (1, 2));
        assert_eq!(q.pop(), Some((9, 'b')));
        assert!(q.is_empty());
    }

    /// The radix heap pops exactly what a binary heap keyed by
    /// `(time, scheduling order)` pops, under a random hold workload with
    /// many ties and a wide spread of delays.
    #[test]
    fn same_order_as_a_time_then_sequence_heap() {
        for seed in 0..20 {
            let mut rng = crate::rng::stream(seed, 0, 0);
            let mut q = EventQueue::new();
            let mut reference = BinaryHeap::new();
            let mut seq = 0u64;
            let mut now = 0u64;
            for step in 0..20_000u64 {
                let pushes = if step < 500 {
                    2
                } else {
                    rng.random_range(0..3)
                };
                for _ in 0..pushes {
                    let delay = match rng.random_range(0..4) {
                        0 => 0,
                        1 => rng.random_range(0..4),
                        2 => rng.random_range(0..1_000),
                        _ => {
                            let bits = rng.random_range(1..40);
                            rng.random_range(0..(1u64 << bits))
                        }
                    };
                    q.schedule(now + delay, seq);
                    reference.push(Reverse((now + delay, seq)));
                    seq += 1;
                }
                if let Some(Reverse((t, s))) = reference.pop() {
                    assert_eq!(q.pop(), Some((t, s)), "seed {seed} step {step}");
                    now = t;
                }
            }
            while let Some(Reverse((t, s))) = reference.pop() {
                assert_eq!(q.pop(), Some((t, s)));
            }
            assert_eq!(q.pop(), None);
        }
    }

    #[test]
    #[cfg(not(debug_assertions))]
    fn past_times_are_clamped_in_release() {
        let mut q = EventQueue::new();
        q.schedule(10, 1);
        q.pop();
        q.schedule(5, 2);
        assert_eq!(q.pop(), Some((10, 2)));
    }
}
