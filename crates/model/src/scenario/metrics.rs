//! `metrics`: time-series bins and how recovery and metastability are
//! measured (docs/model.md §7).

use retrysim_engine::Nanos;
use retrysim_engine::time::secs_to_nanos;
use serde::{Deserialize, Serialize};

use super::error::Errors;
use super::triggers::TriggerSpec;
use super::values::{not_below, num_ok, secs, share};
use crate::recovery::{RecoveryRule, SteadyWindow, TriggerScope};

/// Most bins a run may have ((duration + drain) / bin).
pub const MAX_BINS: f64 = 1_000_000.0;

/// Time series and recovery settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsSpec {
    /// Bin width in seconds (default 1).
    pub bin: f64,
    /// When the trouble starts, in seconds (default: the earliest start in
    /// `triggers`, or 0 without triggers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger: Option<f64>,
    /// A bin has recovered when its failure share is at most this (default 0.05).
    pub threshold: f64,
    /// Seconds every bin must stay recovered (default 5).
    pub window: f64,
    /// When a run counts as metastable (only judged with `triggers`).
    pub metastable: MetastableSpec,
}

impl Default for MetricsSpec {
    fn default() -> Self {
        Self {
            bin: 1.0,
            trigger: None,
            threshold: 0.05,
            window: 5.0,
            metastable: MetastableSpec::default(),
        }
    }
}

/// A run is metastable when, over the last `window` seconds of load, the
/// successful attempts fall short of the arriving requests by more than
/// `margin`, although every trigger ended at least `window` seconds before
/// that window began.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetastableSpec {
    /// Allowed shortfall of goodput below the offered load (default 0.1).
    pub margin: f64,
    /// Seconds at the end of the load over which goodput is measured
    /// (default 30).
    pub window: f64,
}

impl Default for MetastableSpec {
    fn default() -> Self {
        Self {
            margin: 0.1,
            window: 30.0,
        }
    }
}

/// The parts of `metrics` checked before the rest of the scenario.
pub(crate) struct Binning {
    /// Bin width.
    pub bin: Nanos,
    /// When the trouble starts.
    pub trigger: Nanos,
    /// How long every bin must pass.
    pub window: Nanos,
}

impl MetricsSpec {
    /// Checks the bin width against the run's length and the recovery
    /// settings; `duration` and `drain` are the scenario's, in seconds.
    pub(crate) fn compile_binning(
        &self,
        errs: &mut Errors,
        duration: f64,
        drain: f64,
        triggers: &[TriggerSpec],
    ) -> Binning {
        let bin = secs(errs, "metrics.bin", self.bin, true);
        if self.bin > 0.0 && duration.is_finite() && drain.is_finite() {
            let bins = (duration + drain) / self.bin;
            errs.check(bins <= MAX_BINS, "metrics.bin", || {
                format!("(duration + drain) / bin = {bins:.0} bins; at most {MAX_BINS:e} are kept: widen metrics.bin or shorten duration and drain")
            });
        }
        let duration_ok = num_ok(duration) && duration > 0.0;
        let first_start = triggers
            .iter()
            .map(|t| t.window().0)
            .fold(None, |a: Option<f64>, b| Some(a.map_or(b, |a| a.min(b))));
        let trigger_s = self.trigger.or(first_start).unwrap_or(0.0);
        // A trigger taken from `triggers` is checked there, under the name
        // the author wrote; `metrics.trigger` is blamed only when written.
        let mut unwritten = Errors(Vec::new());
        let trigger = {
            let errs = if self.trigger.is_some() {
                &mut *errs
            } else {
                &mut unwritten
            };
            let trigger = secs(errs, "metrics.trigger", trigger_s, false);
            errs.check(
                !duration_ok || not_below(duration, trigger_s),
                "metrics.trigger",
                || format!("must be within the load (<= duration {duration}), got {trigger_s}"),
            );
            trigger
        };
        let t = self.threshold;
        errs.check(
            num_ok(t) && (0.0..=1.0).contains(&t),
            "metrics.threshold",
            || format!("must be a share between 0 and 1, got {t}"),
        );
        let window = secs(errs, "metrics.window", self.window, true);
        Binning {
            bin,
            trigger,
            window,
        }
    }

    /// The recovery rule, once the triggers are known; `end_of_load` is the
    /// scenario's duration.
    pub(crate) fn compile_recovery(
        &self,
        errs: &mut Errors,
        binning: &Binning,
        triggers: &[TriggerSpec],
        end_of_load: Nanos,
    ) -> RecoveryRule {
        let trigger_end = triggers
            .iter()
            .map(|t| {
                let (a, d) = t.window();
                secs_to_nanos(a + d).unwrap_or(0)
            })
            .fold(binning.trigger, Nanos::max);
        let ms = &self.metastable;
        let margin = share(errs, "metrics.metastable.margin", ms.margin);
        let steady = secs(errs, "metrics.metastable.window", ms.window, true);
        let metastable = (!triggers.is_empty()
            && end_of_load >= trigger_end.saturating_add(steady.saturating_mul(2)))
        .then(|| SteadyWindow {
            from: end_of_load - steady,
            to: end_of_load,
            margin,
        });
        RecoveryRule {
            trigger: binning.trigger,
            trigger_end,
            threshold: self.threshold,
            window: binning.window,
            metastable,
            trigger_scoped: (!triggers.is_empty()).then_some(TriggerScope {
                load_end: end_of_load,
                from_first_failure: true,
            }),
        }
    }
}
