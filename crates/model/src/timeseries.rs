//! Per-bin counters and gauges over virtual time.

use retrysim_engine::Nanos;

use crate::outcome::Outcome;

/// One time bin. Attempts and their outcomes count in the bin of the
/// attempt's send time; requests and their final fate in the bin of the
/// request's arrival; gauges are read at the bin's end.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bin {
    /// Requests arriving.
    pub arrivals: u64,
    /// Attempts sent.
    pub attempts: u64,
    /// Attempts sent here, by outcome (indexed by `Outcome as usize`).
    pub outcomes: [u64; Outcome::ALL.len()],
    /// Requests arriving here that finally succeeded.
    pub succeeded: u64,
    /// Requests arriving here that finally failed (or were unfinished).
    pub failed: u64,
    /// Requests in flight (arrived, not finished) at the bin's end.
    pub in_flight: u64,
    /// Attempts waiting in the service queue at the bin's end.
    pub queue: u64,
    /// Attempts in service at the bin's end.
    pub in_service: u64,
    /// Limiter tokens at the bin's end (0 without a limiter).
    pub tokens: f64,
    /// Dollars billed for attempts whose service completed in this bin.
    pub spend: f64,
}

impl Bin {
    /// Attempts sent here whose outcome was not a success.
    pub fn failed_attempts(&self) -> u64 {
        self.outcomes.iter().sum::<u64>() - self.outcomes[Outcome::Success as usize]
    }

    /// Error signal: the share of attempts sent here that failed (what a
    /// dashboard of 429s shows); `None` when no attempt was sent.
    pub fn attempt_error_share(&self) -> Option<f64> {
        (self.attempts > 0).then(|| self.failed_attempts() as f64 / self.attempts as f64)
    }

    /// User signal: the share of requests arriving here that finally failed
    /// (what users feel); `None` when none arrived.
    pub fn request_failure_share(&self) -> Option<f64> {
        (self.arrivals > 0).then(|| self.failed as f64 / self.arrivals as f64)
    }
}

/// Bins of equal width from t = 0.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeSeries {
    /// Bin width.
    pub width: Nanos,
    /// The bins, `[i·width, (i+1)·width)`.
    pub bins: Vec<Bin>,
}

impl Default for TimeSeries {
    /// An empty series of 1 ns bins (a placeholder until the real width is
    /// known).
    fn default() -> Self {
        TimeSeries::new(1, 0)
    }
}

impl TimeSeries {
    /// An empty series with room for `expected` bins.
    pub fn new(width: Nanos, expected: usize) -> Self {
        Self {
            width,
            bins: Vec::with_capacity(expected),
        }
    }

    /// Index of the bin containing `t`.
    #[inline]
    pub fn index(&self, t: Nanos) -> usize {
        (t / self.width) as usize
    }

    /// Bin `i`, created if needed.
    #[inline]
    pub fn bin(&mut self, i: usize) -> &mut Bin {
        if i >= self.bins.len() {
            self.bins.resize(i + 1, Bin::default());
        }
        &mut self.bins[i]
    }

    /// The bin containing `t`, created if needed.
    #[inline]
    pub fn at(&mut self, t: Nanos) -> &mut Bin {
        let i = self.index(t);
        self.bin(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_grow_on_demand_and_signals_divide() {
        let mut s = TimeSeries::new(1_000, 0);
        s.at(2_500).attempts = 4;
        s.at(2_999).outcomes[Outcome::RateLimited as usize] = 3;
        s.at(2_000).outcomes[Outcome::Success as usize] = 1;
        assert_eq!(s.bins.len(), 3);
        assert_eq!(s.bins[2].attempt_error_share(), Some(0.75));
        assert_eq!(s.bins[0].attempt_error_share(), None);
        s.at(0).arrivals = 4;
        s.at(0).failed = 1;
        assert_eq!(s.bins[0].request_failure_share(), Some(0.25));
    }
}
