//! Probabilistic early rejection (docs/model.md §12), random early drop as
//! a server does it: an attempt that arrives to find `q` attempts waiting
//! is refused (503) with probability `(q − start) / (full − start)`, from 0
//! while `start` or fewer wait to 1 once `full` do. The queue is kept near
//! `start` under a steady overload, by refusing some of every client's
//! attempts instead of every attempt of the unlucky ones behind a full
//! queue.

use crate::scenario::error::Errors;

/// Early rejection's thresholds, validated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct EarlyRejection {
    /// Queue length from which attempts may be refused.
    start: u64,
    /// Queue length from which every attempt is refused.
    full: u64,
}

impl EarlyRejection {
    /// Validates the thresholds at `path` (`…workers.control`).
    pub(crate) fn compile(errs: &mut Errors, path: &str, start: u64, full: u64) -> Self {
        errs.check(full > start, format!("{path}.full"), || {
            format!("must be above start ({start}), got {full}")
        });
        Self { start, full }
    }

    /// The chance that an attempt arriving to find `queued` waiting is
    /// refused.
    pub fn probability(self, queued: u64) -> f64 {
        if queued <= self.start {
            0.0
        } else if queued >= self.full {
            1.0
        } else {
            (queued - self.start) as f64 / (self.full - self.start) as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chance_rises_linearly_between_the_thresholds() {
        let r = EarlyRejection {
            start: 10,
            full: 30,
        };
        let p: Vec<f64> = [0, 10, 15, 20, 29, 30, 1000]
            .into_iter()
            .map(|q| r.probability(q))
            .collect();
        assert_eq!(p, [0.0, 0.0, 0.25, 0.5, 0.95, 1.0, 1.0]);
    }

    #[test]
    fn full_must_be_above_start() {
        let mut errs = Errors::default();
        EarlyRejection::compile(&mut errs, "service.workers.control", 5, 5);
        assert_eq!(errs.0.len(), 1);
        assert_eq!(errs.0[0].path, "service.workers.control.full");
    }
}
