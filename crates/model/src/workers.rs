//! The service's worker pool: `concurrency` slots and a bounded queue,
//! served in its [`QueueOrder`].

use std::collections::VecDeque;

use retrysim_engine::Nanos;

use crate::queue_order::QueueOrder;

/// One attempt admitted by the limiter, as the service knows it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Job {
    /// The request slot the attempt belongs to.
    pub request: u32,
    /// The attempt generation, to tell whether the client still waits for it.
    pub generation: u32,
    /// Dollars the attempt is billed when served.
    pub cost: f32,
    /// Whether its request is of low priority (as it was sent).
    pub low: bool,
}

/// What happened to a job arriving at the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// A worker was free: service starts now.
    Started,
    /// All workers busy: the job waits in the queue.
    Queued,
    /// Queue full: the job is refused with 503.
    Refused,
}

/// Workers serving jobs in the queue's order.
#[derive(Debug, Clone)]
pub struct Workers {
    concurrency: u64,
    queue_limit: usize,
    busy: u64,
    queue: VecDeque<Job>,
    /// Newest first while more than this many wait (FIFO: never; LIFO:
    /// always).
    newest_above: usize,
    /// When each waiting job arrived, in queue order, kept only for CoDel.
    stamps: Option<VecDeque<Nanos>>,
    /// When the job last taken from the queue arrived.
    taken_arrived: Nanos,
}

impl Workers {
    /// A pool; `None` means unbounded for either limit.
    pub fn new(concurrency: Option<u64>, queue_limit: Option<u64>) -> Self {
        Self {
            concurrency: concurrency.unwrap_or(u64::MAX),
            queue_limit: queue_limit.map_or(usize::MAX, |q| q as usize),
            busy: 0,
            queue: VecDeque::new(),
            newest_above: usize::MAX,
            stamps: None,
            taken_arrived: 0,
        }
    }

    /// The same pool serving its queue in `order`.
    pub fn with_order(mut self, order: QueueOrder) -> Self {
        self.newest_above = order.newest_above();
        self
    }

    /// The same pool remembering when each waiting job arrived
    /// ([`Workers::taken_arrived`]).
    pub fn with_stamps(mut self) -> Self {
        self.stamps = Some(VecDeque::new());
        self
    }

    /// When the job last taken from the queue arrived (with stamps).
    pub fn taken_arrived(&self) -> Nanos {
        self.taken_arrived
    }

    /// The next waiting job in the queue's order. Without `ORDERED` the
    /// pool is FIFO without stamps (the caller knows), and it pops the
    /// oldest without asking.
    #[inline(always)]
    fn pop<const ORDERED: bool>(&mut self) -> Option<Job> {
        if !ORDERED {
            debug_assert!(self.stamps.is_none() && self.newest_above == usize::MAX);
            return self.queue.pop_front();
        }
        let newest = self.queue.len() > self.newest_above;
        if let Some(stamps) = &mut self.stamps {
            let stamp = if newest {
                stamps.pop_back()
            } else {
                stamps.pop_front()
            };
            self.taken_arrived = stamp.unwrap_or(0);
        }
        if newest {
            self.queue.pop_back()
        } else {
            self.queue.pop_front()
        }
    }

    /// A job arrives (`ORDERED`: the pool may keep stamps; see
    /// [`Workers::finish`]).
    #[inline]
    pub fn arrive<const ORDERED: bool>(&mut self, job: Job, now: Nanos) -> Arrival {
        if self.busy < self.concurrency {
            self.busy += 1;
            Arrival::Started
        } else if self.queue.len() < self.queue_limit {
            self.queue.push_back(job);
            if ORDERED && let Some(stamps) = &mut self.stamps {
                stamps.push_back(now);
            }
            Arrival::Queued
        } else {
            Arrival::Refused
        }
    }

    /// A job finishes; returns the queued job that takes its worker, if any
    /// (none while the pool is above a lowered concurrency). `ORDERED` is
    /// false only for a FIFO pool without stamps: it then skips the checks
    /// for either.
    #[inline(always)]
    pub fn finish<const ORDERED: bool>(&mut self) -> Option<Job> {
        debug_assert!(self.busy > 0);
        if self.busy > self.concurrency {
            self.busy -= 1;
            return None;
        }
        match self.pop::<ORDERED>() {
            Some(next) => Some(next),
            None => {
                self.busy -= 1;
                None
            }
        }
    }

    /// Changes the number of workers (a capacity drop, or its end). Jobs in
    /// service keep their workers; call [`Workers::start_next`] after a
    /// rise to start queued jobs on the new workers.
    pub fn set_concurrency(&mut self, concurrency: Option<u64>) {
        self.concurrency = concurrency.unwrap_or(u64::MAX);
    }

    /// A queued job that a free worker takes now, if any.
    pub fn start_next<const ORDERED: bool>(&mut self) -> Option<Job> {
        if self.busy >= self.concurrency {
            return None;
        }
        let job = self.pop::<ORDERED>()?;
        self.busy += 1;
        Some(job)
    }

    /// Jobs in service.
    pub fn busy(&self) -> u64 {
        self.busy
    }

    /// Jobs waiting.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(i: u32) -> Job {
        Job {
            request: i,
            generation: 0,
            cost: 0.0,
            low: false,
        }
    }

    #[test]
    fn fills_workers_then_queue_then_refuses() {
        let mut w = Workers::new(Some(2), Some(1));
        assert_eq!(w.arrive::<true>(job(0), 0), Arrival::Started);
        assert_eq!(w.arrive::<true>(job(1), 0), Arrival::Started);
        assert_eq!(w.arrive::<true>(job(2), 0), Arrival::Queued);
        assert_eq!(w.arrive::<true>(job(3), 0), Arrival::Refused);
        assert_eq!((w.busy(), w.queued()), (2, 1));
    }

    #[test]
    fn queue_is_fifo_and_workers_free_up() {
        let mut w = Workers::new(Some(1), None);
        w.arrive::<true>(job(0), 0);
        w.arrive::<true>(job(1), 0);
        w.arrive::<true>(job(2), 0);
        assert_eq!(w.finish::<true>(), Some(job(1)));
        assert_eq!(w.finish::<true>(), Some(job(2)));
        assert_eq!(w.finish::<true>(), None);
        assert_eq!(w.busy(), 0);
    }

    #[test]
    fn a_lowered_pool_drains_to_its_new_size_then_grows_back() {
        let mut w = Workers::new(Some(3), None);
        for i in 0..5 {
            w.arrive::<true>(job(i), 0);
        }
        w.set_concurrency(Some(1));
        // Two finishes free workers that are no longer there.
        assert_eq!(w.finish::<true>(), None);
        assert_eq!(w.finish::<true>(), None);
        assert_eq!(w.busy(), 1);
        assert_eq!(w.arrive::<true>(job(5), 0), Arrival::Queued);
        assert_eq!(w.start_next::<true>(), None);
        // The last of the three takes the next queued job.
        assert_eq!(w.finish::<true>(), Some(job(3)));
        w.set_concurrency(Some(3));
        assert_eq!(w.start_next::<true>(), Some(job(4)));
        assert_eq!(w.start_next::<true>(), Some(job(5)));
        assert_eq!(w.start_next::<true>(), None);
        assert_eq!((w.busy(), w.queued()), (3, 0));
    }

    #[test]
    fn a_plain_fifo_pool_serves_the_same_order_without_the_checks() {
        let (mut a, mut b) = (
            Workers::new(Some(2), Some(3)),
            Workers::new(Some(2), Some(3)),
        );
        let mut served = (Vec::new(), Vec::new());
        for i in 0..6 {
            assert_eq!(a.arrive::<true>(job(i), 0), b.arrive::<false>(job(i), 0));
        }
        served.0.extend(std::iter::from_fn(|| a.finish::<true>()));
        served.1.extend(std::iter::from_fn(|| b.finish::<false>()));
        assert_eq!(served.0, served.1);
        assert_eq!(served.0.len(), 3);
    }

    #[test]
    fn unbounded_pool_never_queues() {
        let mut w = Workers::new(None, Some(0));
        for i in 0..10_000 {
            assert_eq!(w.arrive::<true>(job(i), 0), Arrival::Started);
        }
    }
}

#[cfg(test)]
mod order_tests {
    use super::*;

    fn job(i: u32) -> Job {
        Job {
            request: i,
            generation: 0,
            cost: 0.0,
            low: false,
        }
    }

    /// One worker busy, jobs 1..=5 queued, then each finish hands over one.
    fn served(order: QueueOrder) -> Vec<u32> {
        let mut w = Workers::new(Some(1), None).with_order(order);
        w.arrive::<true>(job(0), 0);
        for i in 1..=5 {
            assert_eq!(w.arrive::<true>(job(i), 0), Arrival::Queued);
        }
        std::iter::from_fn(|| w.finish::<true>().map(|j| j.request)).collect()
    }

    #[test]
    fn each_order_serves_the_queue_as_it_says() {
        assert_eq!(served(QueueOrder::Fifo), [1, 2, 3, 4, 5]);
        assert_eq!(served(QueueOrder::Lifo), [5, 4, 3, 2, 1]);
        // Newest first while more than 2 wait, then oldest first.
        assert_eq!(served(QueueOrder::AdaptiveLifo(2)), [5, 4, 3, 1, 2]);
    }
}
