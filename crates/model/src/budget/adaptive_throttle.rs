//! Client-side adaptive throttling (Google SRE book, "Handling Overload"):
//! reject locally with probability max(0, (requests − K·accepts) /
//! (requests + 1)) over the last `window` seconds.

use retrysim_engine::Nanos;

use super::window::SlidingCounts;

/// Parameters, with the SRE book's values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdaptiveThrottleConfig {
    /// Accepts multiplier K (SRE book: 2).
    pub k: f64,
    /// Seconds of history (SRE book: 2 minutes).
    pub window_s: u32,
}

impl Default for AdaptiveThrottleConfig {
    fn default() -> Self {
        Self {
            k: 2.0,
            window_s: 120,
        }
    }
}

/// One client's requests (`a`) and accepts (`b`) per second.
#[derive(Debug, Clone, PartialEq)]
pub struct AdaptiveThrottle {
    counts: SlidingCounts,
}

impl AdaptiveThrottle {
    /// Empty history.
    pub fn new(cfg: &AdaptiveThrottleConfig) -> Self {
        Self {
            counts: SlidingCounts::new(cfg.window_s),
        }
    }

    /// The probability that an attempt at `now` is rejected locally.
    pub fn reject_probability(&mut self, cfg: &AdaptiveThrottleConfig, now: Nanos) -> f64 {
        let (requests, accepts) = self.counts.totals(now);
        let r = requests as f64;
        ((r - cfg.k * accepts as f64) / (r + 1.0)).max(0.0)
    }

    /// Counts an attempt the application asked for (rejected or not).
    pub fn on_request(&mut self, now: Nanos) {
        self.counts.add_a(now);
    }

    /// Counts an attempt the backend accepted.
    pub fn on_accept(&mut self, now: Nanos) {
        self.counts.add_b(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use retrysim_engine::time::NANOS_PER_SEC;

    const S: Nanos = NANOS_PER_SEC;

    #[test]
    fn sre_formula() {
        let cfg = AdaptiveThrottleConfig {
            k: 2.0,
            window_s: 10,
        };
        let mut t = AdaptiveThrottle::new(&cfg);
        assert_eq!(t.reject_probability(&cfg, 0), 0.0);
        for _ in 0..9 {
            t.on_request(0);
        }
        for _ in 0..2 {
            t.on_accept(0);
        }
        // (9 − 2·2) / (9 + 1) = 0.5
        assert_eq!(t.reject_probability(&cfg, 0), 0.5);
        for _ in 0..3 {
            t.on_accept(S);
        }
        // accepts 5: 9 − 10 < 0 → 0.
        assert_eq!(t.reject_probability(&cfg, S), 0.0);
        // After the window, everything is forgotten.
        assert_eq!(t.reject_probability(&cfg, 11 * S), 0.0);
        t.on_request(11 * S);
        assert_eq!(t.reject_probability(&cfg, 11 * S), 0.5);
    }
}
