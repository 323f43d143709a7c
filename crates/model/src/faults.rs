//! Network faults per attempt and outage windows of the service.

use rand::Rng;
use retrysim_engine::{Nanos, SimRng};

/// What the network does to one attempt (exclusive outcomes of one draw).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Delivered normally.
    None,
    /// Never reaches the service; the client times out.
    Drop,
    /// Connection error after one round trip; the service never sees it.
    Reset,
    /// Served and billed, the response is lost; the client times out.
    Hang,
}

/// Per-attempt fault probabilities (their sum is at most 1).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Faults {
    /// P(drop).
    pub drop: f64,
    /// P(reset).
    pub reset: f64,
    /// P(hang).
    pub hang: f64,
}

impl Faults {
    /// Whether any fault is possible (if not, no draw is made).
    pub fn any(&self) -> bool {
        self.drop + self.reset + self.hang > 0.0
    }

    /// One draw: drop, reset, hang or none, by cumulative probability.
    #[inline]
    pub fn draw(&self, rng: &mut SimRng) -> Fault {
        let u: f64 = rng.random();
        if u < self.drop {
            Fault::Drop
        } else if u < self.drop + self.reset {
            Fault::Reset
        } else if u < self.drop + self.reset + self.hang {
            Fault::Hang
        } else {
            Fault::None
        }
    }
}

/// How attempts fail during an outage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutageMode {
    /// Vanish; clients time out.
    Drop,
    /// Connection error.
    Reset,
    /// 5xx at once.
    Error,
    /// Served and billed, response lost.
    Hang,
}

/// A window `[start, end)` in which attempts reaching the service fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outage {
    /// Start.
    pub start: Nanos,
    /// End (exclusive).
    pub end: Nanos,
    /// How attempts fail.
    pub mode: OutageMode,
}

/// The outage in force at `t`, if any (the first listed wins on overlap).
#[inline]
pub fn outage_at(outages: &[Outage], t: Nanos) -> Option<OutageMode> {
    outages
        .iter()
        .find(|o| o.start <= t && t < o.end)
        .map(|o| o.mode)
}

#[cfg(test)]
mod tests {
    use super::*;
    use retrysim_engine::stream;

    #[test]
    fn faults_are_exclusive_with_their_probabilities() {
        let f = Faults {
            drop: 0.1,
            reset: 0.2,
            hang: 0.05,
        };
        let mut rng = stream(1, 0, 4);
        let mut counts = [0u32; 4];
        let n = 200_000;
        for _ in 0..n {
            counts[match f.draw(&mut rng) {
                Fault::None => 0,
                Fault::Drop => 1,
                Fault::Reset => 2,
                Fault::Hang => 3,
            }] += 1;
        }
        for (i, p) in [0.65, 0.1, 0.2, 0.05].iter().enumerate() {
            let share = counts[i] as f64 / n as f64;
            assert!((share - p).abs() < 0.005, "{i}: {share} vs {p}");
        }
        assert!(!Faults::default().any());
    }

    #[test]
    fn outage_windows_are_half_open() {
        let o = [Outage {
            start: 10,
            end: 20,
            mode: OutageMode::Error,
        }];
        assert_eq!(outage_at(&o, 9), None);
        assert_eq!(outage_at(&o, 10), Some(OutageMode::Error));
        assert_eq!(outage_at(&o, 19), Some(OutageMode::Error));
        assert_eq!(outage_at(&o, 20), None);
    }
}
