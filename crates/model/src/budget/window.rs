//! Two counters summed over the last `window` seconds, in 1 s slots: the
//! memory of the ratio budget and of adaptive throttling.

use retrysim_engine::Nanos;
use retrysim_engine::time::NANOS_PER_SEC;

/// Per-second counts of two quantities `a` and `b` over a sliding window.
#[derive(Debug, Clone, PartialEq)]
pub struct SlidingCounts {
    a: Vec<u32>,
    b: Vec<u32>,
    /// The second the newest slot belongs to.
    second: u64,
    total_a: u64,
    total_b: u64,
}

impl SlidingCounts {
    /// Empty counts over `window_s` seconds (at least 1).
    pub fn new(window_s: u32) -> Self {
        let n = window_s.max(1) as usize;
        Self {
            a: vec![0; n],
            b: vec![0; n],
            second: 0,
            total_a: 0,
            total_b: 0,
        }
    }

    /// Bytes the two windows hold.
    pub fn heap_bytes(&self) -> usize {
        (self.a.len() + self.b.len()) * std::mem::size_of::<u32>()
    }

    /// Window length in seconds.
    pub fn window_s(&self) -> u64 {
        self.a.len() as u64
    }

    /// Forgets the slots that left the window by `now`.
    fn advance(&mut self, now: Nanos) {
        let s = now / NANOS_PER_SEC;
        let n = self.window_s();
        if s >= self.second + n {
            self.a.iter_mut().for_each(|x| *x = 0);
            self.b.iter_mut().for_each(|x| *x = 0);
            self.total_a = 0;
            self.total_b = 0;
            self.second = s;
            return;
        }
        while self.second < s {
            self.second += 1;
            let i = (self.second % n) as usize;
            self.total_a -= self.a[i] as u64;
            self.total_b -= self.b[i] as u64;
            self.a[i] = 0;
            self.b[i] = 0;
        }
    }

    /// `(Σa, Σb)` over the window ending at `now`.
    pub fn totals(&mut self, now: Nanos) -> (u64, u64) {
        self.advance(now);
        (self.total_a, self.total_b)
    }

    /// Counts one `a` at `now`.
    pub fn add_a(&mut self, now: Nanos) {
        self.advance(now);
        let i = (self.second % self.window_s()) as usize;
        self.a[i] += 1;
        self.total_a += 1;
    }

    /// Takes back one `b` counted at `now` (it did not happen after all).
    pub fn remove_b(&mut self, now: Nanos) {
        self.advance(now);
        let i = (self.second % self.window_s()) as usize;
        if self.b[i] > 0 {
            self.b[i] -= 1;
            self.total_b -= 1;
        }
    }

    /// Counts one `b` at `now`.
    pub fn add_b(&mut self, now: Nanos) {
        self.advance(now);
        let i = (self.second % self.window_s()) as usize;
        self.b[i] += 1;
        self.total_b += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Nanos = NANOS_PER_SEC;

    #[test]
    fn counts_leave_the_window_slot_by_slot() {
        let mut w = SlidingCounts::new(3);
        w.add_a(0);
        w.add_a(S);
        w.add_b(S);
        w.add_a(2 * S + 1);
        assert_eq!(w.totals(2 * S), (3, 1));
        assert_eq!(w.totals(3 * S), (2, 1), "second 0 left");
        assert_eq!(w.totals(4 * S), (1, 0), "second 1 left");
        assert_eq!(w.totals(100 * S), (0, 0));
        w.add_b(100 * S);
        assert_eq!(w.totals(100 * S), (0, 1));
    }
}
