//! Recovery time: how long after a trigger a failure signal stays low.

use retrysim_engine::Nanos;

use crate::outcome::Outcome;
use crate::timeseries::TimeSeries;

/// Parameters of the recovery test (docs/model.md §7).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecoveryRule {
    /// When the trouble starts (spike or outage start).
    pub trigger: Nanos,
    /// When the last trigger ends (equal to `trigger` for an instant one).
    pub trigger_end: Nanos,
    /// A bin passes when its signal is at most this share.
    pub threshold: f64,
    /// How long every bin must pass.
    pub window: Nanos,
    /// Where and how metastability is judged; `None` when the scenario has
    /// no trigger that ended long enough before the end of the load.
    pub metastable: Option<SteadyWindow>,
    /// With `triggers`: the search starts at the first failing bin at or
    /// after the trigger (a trouble whose effect builds up is not
    /// "recovered" before it began to hurt), and the window must end within
    /// the load (recovering only because the load stopped is "never").
    pub trigger_scoped: Option<TriggerScope>,
}

/// How recovery is scoped in scenarios with `triggers`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TriggerScope {
    /// The end of the load: recovery windows must end by then.
    pub load_end: Nanos,
    /// Whether the search starts at the first failing bin (true for the
    /// test from the trigger's start, false from its end).
    pub from_first_failure: bool,
}

impl RecoveryRule {
    /// The same test started at the trigger's end instead of its start
    /// (there, being healthy at once counts as recovered at once).
    pub fn after_end(self) -> RecoveryRule {
        RecoveryRule {
            trigger: self.trigger_end,
            trigger_scoped: self.trigger_scoped.map(|s| TriggerScope {
                from_first_failure: false,
                ..s
            }),
            ..self
        }
    }
}

/// The window at the end of the load in which goodput must be back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SteadyWindow {
    /// Window start (at least one window after the last trigger's end).
    pub from: Nanos,
    /// Window end: the end of the load.
    pub to: Nanos,
    /// Allowed shortfall of goodput below the offered load.
    pub margin: f64,
}

impl SteadyWindow {
    /// Goodput ÷ offered load over the window: successful attempts sent in
    /// its bins ÷ requests arriving in them (`None` without arrivals).
    pub fn goodput_ratio(&self, series: &TimeSeries) -> Option<f64> {
        let (a, b) = (
            (self.from / series.width) as usize,
            (self.to / series.width) as usize,
        );
        let bins = series.bins.get(a..b.min(series.bins.len()))?;
        let offered: u64 = bins.iter().map(|x| x.arrivals).sum();
        let good: u64 = bins
            .iter()
            .map(|x| x.outcomes[Outcome::Success as usize])
            .sum();
        (offered > 0).then(|| good as f64 / offered as f64)
    }

    /// Whether goodput stayed more than `margin` below the offered load.
    pub fn is_metastable(&self, series: &TimeSeries) -> Option<bool> {
        self.goodput_ratio(series).map(|r| r < 1.0 - self.margin)
    }
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
    let mut first = rule.trigger.div_ceil(width);
    let need = rule.window.div_ceil(width).max(1);
    // Bins that end by the end of the run (or of the load, with triggers);
    // bins past the stored signal are empty and pass.
    let end = rule
        .trigger_scoped
        .map_or(run_end, |s| s.load_end.min(run_end));
    let complete = end / width;
    let pass = |i: u64| match signal.get(i as usize).copied().flatten() {
        Some(share) => share <= rule.threshold,
        None => true,
    };
    if rule.trigger_scoped.is_some_and(|s| s.from_first_failure) {
        match (first..complete).find(|&i| !pass(i)) {
            Some(i) => first = i,
            None => return Some(0), // it never hurt
        }
    }
    let mut run = 0u64;
    for i in first..complete {
        let pass = pass(i);
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
            trigger_end: trigger,
            threshold: 0.05,
            window: 3 * S,
            metastable: None,
            trigger_scoped: None,
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
    fn metastable_when_goodput_stays_short_of_the_offered_load() {
        let mut series = TimeSeries::new(S, 10);
        for i in 0..10 {
            let b = series.at(i * S);
            b.arrivals = 100;
            // Healthy until 6 s, then 85 of 100 succeed.
            b.outcomes[Outcome::Success as usize] = if i < 6 { 100 } else { 85 };
        }
        let w = SteadyWindow {
            from: 6 * S,
            to: 10 * S,
            margin: 0.1,
        };
        assert_eq!(w.goodput_ratio(&series), Some(0.85));
        assert_eq!(w.is_metastable(&series), Some(true));
        let lenient = SteadyWindow { margin: 0.2, ..w };
        assert_eq!(lenient.is_metastable(&series), Some(false));
        let early = SteadyWindow {
            from: 0,
            to: 4 * S,
            ..w
        };
        assert_eq!(early.goodput_ratio(&series), Some(1.0));
        // No arrivals in the window: no verdict.
        let late = SteadyWindow {
            from: 20 * S,
            to: 30 * S,
            ..w
        };
        assert_eq!(late.is_metastable(&series), None);
    }

    #[test]
    fn with_triggers_recovery_starts_at_the_first_failure_and_ends_with_the_load() {
        //           0     1     2     3     4     5     6     7     8     9
        let sig = [0.0, 0.0, 0.0, 0.0, 0.6, 0.6, 0.0, 0.0, 0.0, 0.0].map(Some);
        let scoped = |load_end, from_first_failure| RecoveryRule {
            trigger_scoped: Some(TriggerScope {
                load_end,
                from_first_failure,
            }),
            ..rule(S)
        };
        // The plain rule counts the clean bins 1-3 before the trouble.
        assert_eq!(recovery_time(&sig, S, rule(S), 10 * S), Some(0));
        // Scoped: the search starts at bin 4, the first failing one.
        assert_eq!(
            recovery_time(&sig, S, scoped(10 * S, true), 10 * S),
            Some(5 * S)
        );
        // A window that only fits after the load ended is "never".
        assert_eq!(recovery_time(&sig, S, scoped(8 * S, true), 10 * S), None);
        // Never failing: recovered at once.
        let clean = [Some(0.0); 10];
        assert_eq!(
            recovery_time(&clean, S, scoped(10 * S, true), 10 * S),
            Some(0)
        );
        // From the trigger's end, healthy at once counts as recovered at once.
        let end = RecoveryRule {
            trigger: 6 * S,
            ..scoped(10 * S, false)
        };
        assert_eq!(recovery_time(&sig, S, end, 10 * S), Some(0));
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
