//! CoDel, controlled delay (Nichols and Jacobson; RFC 8289), on a service's
//! queue (docs/model.md §12): when the attempt a worker takes next has
//! waited longer than `target`, and waits have stayed above it for a whole
//! `interval`, the service starts refusing (503) the attempts it dequeues —
//! one, then the next after interval/√2, interval/√3, … — until one has
//! waited less than `target`. The queue is kept short without a fixed
//! length limit, so a burst still queues but a standing backlog does not.

use crate::scenario::error::Errors;
use crate::scenario::values::secs;
use retrysim_engine::Nanos;

/// RFC 8289's target: 5 ms.
pub(crate) fn default_target() -> f64 {
    0.005
}
/// RFC 8289's interval: 100 ms.
pub(crate) fn default_interval() -> f64 {
    0.1
}

/// CoDel's settings, validated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CodelConfig {
    /// Allowed wait.
    pub target: Nanos,
    /// Window and spacing base.
    pub interval: Nanos,
}

impl CodelConfig {
    /// Validates `target` and `interval` (seconds) at `path`
    /// (`…workers.control`).
    pub(crate) fn compile(errs: &mut Errors, path: &str, target: f64, interval: f64) -> Self {
        CodelConfig {
            target: secs(errs, &format!("{path}.target"), target, true),
            interval: secs(errs, &format!("{path}.interval"), interval, true),
        }
    }
}

/// One queue's CoDel state.
#[derive(Debug, Clone)]
pub(crate) struct Codel {
    config: CodelConfig,
    /// When waits above target, if they last, start refusals.
    first_above: Option<Nanos>,
    /// Whether it is refusing.
    dropping: bool,
    /// Refusals in the current dropping spell.
    count: u32,
    /// When the next refusal is due.
    drop_next: Nanos,
}

impl Codel {
    pub fn new(config: CodelConfig) -> Self {
        Self {
            config,
            first_above: None,
            dropping: false,
            count: 0,
            drop_next: 0,
        }
    }

    /// The next spacing: interval / √count.
    fn spacing(&self) -> Nanos {
        (self.config.interval as f64 / (self.count.max(1) as f64).sqrt()) as Nanos
    }

    /// Whether the attempt dequeued at `now`, queued at `queued_at`, is
    /// refused.
    pub fn refuses(&mut self, now: Nanos, queued_at: Nanos) -> bool {
        if now.saturating_sub(queued_at) < self.config.target {
            self.first_above = None;
            self.dropping = false;
            return false;
        }
        if self.dropping {
            // RFC 8289: the schedule advances from the last due time, so a
            // queue dequeued less often than the spacing refuses several
            // attempts at once to catch up.
            if now >= self.drop_next {
                self.count += 1;
                self.drop_next += self.spacing();
                return true;
            }
            return false;
        }
        match self.first_above {
            None => {
                self.first_above = Some(now + self.config.interval);
                false
            }
            Some(t) if now >= t => {
                self.dropping = true;
                self.count = 1;
                self.drop_next = now + self.spacing();
                true
            }
            Some(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Nanos = 1_000_000;

    #[test]
    fn refusals_start_after_an_interval_above_target_and_speed_up() {
        let mut c = Codel::new(CodelConfig {
            target: 5 * MS,
            interval: 100 * MS,
        });
        // Short waits: nothing.
        assert!(!c.refuses(10 * MS, 8 * MS));
        // Waits of 50 ms from t = 1 s: the first at 1.1 s is refused.
        let mut refused = Vec::new();
        for k in 0..=300 {
            let now = 1000 * MS + k * MS;
            if c.refuses(now, now - 50 * MS) {
                refused.push((now - 1000 * MS) / MS);
            }
        }
        // At 100 ms, then RFC 8289's control law: interval/√1 = 100 later,
        // then 100/√2 ≈ 70.7 later (the next dequeue is at 271).
        assert_eq!(refused, [100, 200, 271]);
        // One short wait ends the spell.
        assert!(!c.refuses(2000 * MS, 1999 * MS));
        assert!(!c.refuses(2001 * MS, 1900 * MS), "a new interval starts");
    }
}
