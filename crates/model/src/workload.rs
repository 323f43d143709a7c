//! Where requests come from: an open-loop Poisson stream or a batch.

use rand::Rng;
use rand_distr::Exp1;
use retrysim_engine::time::{NANOS_PER_SEC, delay_to_nanos};
use retrysim_engine::{Nanos, SimRng};

use crate::rate_curve::RateCurve;

/// A validated description of the workload.
#[derive(Debug, Clone, PartialEq)]
pub enum Workload {
    /// Non-homogeneous Poisson arrivals with rate λ(t), until the end of load.
    Open { rate: RateCurve },
    /// `requests` arrivals at t = 0, or spread uniformly over `[0, spread)`.
    Batch { requests: u64, spread: Nanos },
    /// `users` users who each send a request one think time after their
    /// previous one ended; the simulator drives them, not [`Arrivals`].
    Closed {
        users: u32,
        think: crate::distribution::Duration,
    },
}

/// Generates arrival times in order, one at a time (O(1) memory).
#[derive(Debug, Clone)]
pub struct Arrivals<'a> {
    workload: &'a Workload,
    end_of_load: Nanos,
    /// Open loop: time of the last arrival in seconds, and the rate segment.
    t: f64,
    segment: usize,
    /// Batch: arrivals still to come.
    remaining: u64,
}

impl<'a> Arrivals<'a> {
    /// Arrivals of `workload`; none at or after `end_of_load`.
    pub fn new(workload: &'a Workload, end_of_load: Nanos) -> Self {
        let remaining = match workload {
            Workload::Batch { requests, .. } => *requests,
            Workload::Open { .. } | Workload::Closed { .. } => 0,
        };
        Self {
            workload,
            end_of_load,
            t: 0.0,
            segment: 0,
            remaining,
        }
    }

    /// The next arrival time, or `None` when the workload is exhausted.
    pub fn next(&mut self, rng: &mut SimRng) -> Option<Nanos> {
        match self.workload {
            Workload::Closed { .. } => None,
            Workload::Open { rate } => {
                let area: f64 = rng.sample(Exp1);
                let t = rate.advance(self.t, area, &mut self.segment)?;
                self.t = t;
                let ns = delay_to_nanos(t);
                (ns < self.end_of_load).then_some(ns)
            }
            Workload::Batch { spread, .. } => {
                if self.remaining == 0 {
                    return None;
                }
                let spread = *spread as f64 / NANOS_PER_SEC as f64;
                if spread > 0.0 {
                    // Next order statistic of the remaining uniforms on [t, spread).
                    let u: f64 = rng.random();
                    let k = self.remaining as f64;
                    self.t += (spread - self.t) * (1.0 - (1.0 - u).powf(1.0 / k));
                }
                self.remaining -= 1;
                Some(delay_to_nanos(self.t))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use retrysim_engine::stream;

    #[test]
    fn open_loop_count_matches_the_integral() {
        let w = Workload::Open {
            rate: RateCurve::new(vec![(0.0, 100.0), (10.0, 1_000.0), (20.0, 1_000.0)]),
        };
        let mut rng = stream(5, 0, 0);
        let mut a = Arrivals::new(&w, 20 * NANOS_PER_SEC);
        let mut n = 0u64;
        let mut last = 0;
        while let Some(t) = a.next(&mut rng) {
            assert!(t >= last, "arrivals go forward");
            last = t;
            n += 1;
        }
        // Expected 5 500 + 10 000; Poisson sd ≈ 124.
        assert!((n as f64 - 15_500.0).abs() < 500.0, "{n}");
    }

    #[test]
    fn batch_without_spread_arrives_at_zero() {
        let w = Workload::Batch {
            requests: 3,
            spread: 0,
        };
        let mut rng = stream(5, 0, 0);
        let mut a = Arrivals::new(&w, NANOS_PER_SEC);
        assert_eq!(
            (a.next(&mut rng), a.next(&mut rng), a.next(&mut rng)),
            (Some(0), Some(0), Some(0))
        );
        assert_eq!(a.next(&mut rng), None);
    }

    #[test]
    fn batch_spread_is_sorted_and_uniform() {
        let w = Workload::Batch {
            requests: 10_000,
            spread: 10 * NANOS_PER_SEC,
        };
        let mut rng = stream(6, 0, 0);
        let mut a = Arrivals::new(&w, u64::MAX);
        let v: Vec<Nanos> = std::iter::from_fn(|| a.next(&mut rng)).collect();
        assert_eq!(v.len(), 10_000);
        assert!(v.windows(2).all(|w| w[0] <= w[1]));
        assert!(*v.last().unwrap() < 10 * NANOS_PER_SEC);
        let first_half = v.iter().filter(|&&t| t < 5 * NANOS_PER_SEC).count();
        assert!((first_half as i64 - 5_000).abs() < 200, "{first_half}");
    }
}
