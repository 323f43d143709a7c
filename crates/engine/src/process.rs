//! The event loop: pops events in order and hands them to a model.

use crate::queue::EventQueue;
use crate::time::Nanos;

/// A model driven by the event loop. Handling an event may schedule more.
pub trait Process {
    /// The model's event type; keep it small and `Copy`-like, it is moved
    /// through the heap on every schedule and pop.
    type Event: Copy;

    /// Handles one event at virtual time `now`.
    fn handle(&mut self, now: Nanos, event: Self::Event, queue: &mut EventQueue<Self::Event>);
}

/// How an event loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOutcome {
    /// Events handled.
    pub events: u64,
    /// Time of the last event handled (zero if none).
    pub end: Nanos,
    /// Whether the loop stopped at the time limit with events still pending.
    pub hit_time_limit: bool,
    /// Whether the loop stopped at the event limit with events still pending.
    pub hit_event_limit: bool,
    /// Most events pending at once (the queue's high-water mark).
    pub peak_pending: usize,
}

/// Runs `process` until the queue is empty, the next event lies after
/// `until`, or `max_events` events have been handled.
pub fn run<P: Process>(
    process: &mut P,
    queue: &mut EventQueue<P::Event>,
    until: Nanos,
    max_events: u64,
) -> RunOutcome {
    let mut events = 0u64;
    let mut end = queue.now();
    let mut peak_pending = queue.len();
    loop {
        if events >= max_events {
            let hit_event_limit = !queue.is_empty();
            return RunOutcome {
                events,
                end,
                hit_time_limit: false,
                hit_event_limit,
                peak_pending,
            };
        }
        let Some((now, event)) = queue.pop_until(until) else {
            let hit_time_limit = !queue.is_empty();
            return RunOutcome {
                events,
                end,
                hit_time_limit,
                hit_event_limit: false,
                peak_pending,
            };
        };
        process.handle(now, event, queue);
        peak_pending = peak_pending.max(queue.len());
        events += 1;
        end = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each event n schedules n - 1 one nanosecond later.
    struct Countdown(Vec<(Nanos, u32)>);
    impl Process for Countdown {
        type Event = u32;
        fn handle(&mut self, now: Nanos, n: u32, q: &mut EventQueue<u32>) {
            self.0.push((now, n));
            if n > 0 {
                q.schedule_in(1, n - 1);
            }
        }
    }

    #[test]
    fn runs_to_exhaustion() {
        let mut p = Countdown(vec![]);
        let mut q = EventQueue::new();
        q.schedule(10, 3);
        let out = run(&mut p, &mut q, u64::MAX, u64::MAX);
        assert_eq!(p.0, vec![(10, 3), (11, 2), (12, 1), (13, 0)]);
        assert_eq!(
            out,
            RunOutcome {
                events: 4,
                end: 13,
                hit_time_limit: false,
                hit_event_limit: false,
                peak_pending: 1
            }
        );
    }

    #[test]
    fn stops_at_time_and_event_limits() {
        let mut q = EventQueue::new();
        q.schedule(0, 100);
        let out = run(&mut Countdown(vec![]), &mut q, 5, u64::MAX);
        assert!(out.hit_time_limit);
        assert_eq!((out.events, out.end), (6, 5));

        let mut q = EventQueue::new();
        q.schedule(0, 100);
        let out = run(&mut Countdown(vec![]), &mut q, u64::MAX, 3);
        assert!(out.hit_event_limit);
        assert_eq!(out.events, 3);
    }
}
