//! Recovery time: how long after a trigger a failure signal stays low.

use retrysim_engine::Nanos;

/// Parameters of the recovery test (MODEL.md §7).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecoveryRule {
    /// When the trouble starts (spike or outage start).
    pub trigger: Nanos,
    /// A bin passes when its signal is at most this share.
    pub threshold: f64,
    /// How long every bin must pass.
    pub window: Nanos,
}

/// The first bin start `t >= trigger` such that every bin of
/// `[t, t + window)` passes, minus the trigger; `None` ("never") if no such
/// window ends by `run_end`. `signal[i]` is bin `i`'s share, `None` for a bin
/// with nothing in it, which passes.
pub fn recovery_time(
    signal: &[Option<f64>],
    width: Nanos,
    rule: RecoveryRule,
    run_end: Nanos,
) -> Option<Nanos> {
    let first = rule.trigger.div_ceil(width);
    let need = rule.window.div_ceil(width).max(1);
    // Bins that end by the end of the run; bins past the stored signal are
    // empty and pass.
    let complete = run_end / width;
    let mut run = 0u64;
    for i in first..complete {
        let pass = match signal.get(i as usize).copied().flatten() {
            Some(share) => share <= rule.threshold,
            None => true,
        };
        run = if pass { run + 1 } else { 0 };
        if run == need {
            let start = (i + 1 - need) * width;
            return Some(start - rule.trigger);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Nanos = 1_000_000_000;

    fn rule(trigger: Nanos) -> RecoveryRule {
        RecoveryRule {
            trigger,
            threshold: 0.05,
            window: 3 * S,
        }
    }

    #[test]
    fn first_window_of_passing_bins_after_the_trigger() {
        //           0     1     2     3     4     5     6     7     8     9
        let sig = [0.0, 0.0, 0.6, 0.6, 0.01, 0.2, 0.04, 0.05, 0.0, 0.0].map(Some);
        // Trigger at 2 s: bins 6, 7, 8 are the first three passing in a row.
        assert_eq!(recovery_time(&sig, S, rule(2 * S), 10 * S), Some(4 * S));
    }

    #[test]
    fn trigger_inside_a_bin_starts_at_the_next_bin() {
        let sig = [0.5, 0.0, 0.0, 0.0, 0.0].map(Some);
        assert_eq!(recovery_time(&sig, S, rule(S / 2), 5 * S), Some(S / 2));
    }

    #[test]
    fn empty_bins_pass_and_the_window_must_end_before_the_run() {
        let sig = [Some(0.9), Some(0.9), None, None, None];
        assert_eq!(recovery_time(&sig, S, rule(0), 5 * S), Some(2 * S));
        // Run ends at 4 s: the window [2, 5) does not fit.
        assert_eq!(recovery_time(&sig, S, rule(0), 4 * S), None);
        // Never below threshold.
        assert_eq!(recovery_time(&[Some(0.5); 20], S, rule(0), 20 * S), None);
    }
}
