//! What a check found, in words and in numbers: the figures behind a
//! verdict and the rule that turned the first of them into it.
//!
//! A simulated check's verdict is *computed* from its figure and rule
//! ([`Finding::judged`]), so the numbers in `report.json` are exactly what
//! decided it: a notebook can recompute every verdict, or see how far each
//! one is from flipping.

use retrysim_model::Metric;
use serde::Serialize;

use super::Verdict;
use crate::stats::Stat;

/// A number behind a verdict, with its 95 % confidence interval when it was
/// estimated from replications.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    /// What the number is, e.g. `no-retry: peak_error_share` or
    /// `error_recovery_s: constant-1s − exp-full-jitter, paired`.
    pub name: String,
    /// The unit, as data files name it (`fraction`, `s`, `count`, `usd`,
    /// `ratio`).
    pub unit: &'static str,
    /// The mean over replications, or the closed form's value; `None` when
    /// no replication had one.
    pub mean: Option<f64>,
    /// Lower end of the 95 % CI; `None` for a closed form, a quotient of
    /// means, or fewer than two replications with a value.
    pub ci_low: Option<f64>,
    /// Upper end of the 95 % CI.
    pub ci_high: Option<f64>,
    /// Replications with a value; `None` for a closed form.
    pub n: Option<u32>,
    /// Replications run; `None` for a closed form.
    pub of: Option<u32>,
}

impl Figure {
    /// A figure estimated from replications.
    pub fn estimated(name: String, metric: Metric, s: &Stat) -> Figure {
        Figure {
            name,
            unit: metric.unit().name(),
            mean: s.mean,
            ci_low: s.ci95.map(|c| c[0]),
            ci_high: s.ci95.map(|c| c[1]),
            n: Some(s.n),
            of: Some(s.of),
        }
    }

    /// An exact number: a closed form, or a quotient of two means.
    pub fn exact(name: impl Into<String>, unit: &'static str, value: f64) -> Figure {
        Figure {
            name: name.into(),
            unit,
            mean: Some(value),
            ci_low: None,
            ci_high: None,
            n: None,
            of: None,
        }
    }
}

/// How a finding's first figure decides its verdict: reproduced when the
/// rule holds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Rule {
    /// The CI (the mean, without one) meets `[low, high]`.
    CiMeets {
        /// Lowest value that agrees.
        low: f64,
        /// Highest value that agrees.
        high: f64,
    },
    /// The mean lies in `[low, high]`.
    MeanWithin {
        /// Lowest value that agrees.
        low: f64,
        /// Highest value that agrees.
        high: f64,
    },
    /// The whole CI lies below `bound`.
    CiBelow {
        /// The bound, 0 for a paired difference.
        bound: f64,
    },
    /// The whole CI lies above `bound`.
    CiAbove {
        /// The bound, 0 for a paired difference.
        bound: f64,
    },
    /// The mean is at least `bound`.
    AtLeast {
        /// The bound.
        bound: f64,
    },
    /// The mean is at most `bound`.
    AtMost {
        /// The bound.
        bound: f64,
    },
    /// A closed form whose verdict combines several figures; `measured`
    /// says how.
    Stated,
}

impl Rule {
    /// Whether the rule holds for `f`; `None` for [`Rule::Stated`]. A
    /// figure without a mean (or, for the CI rules, without a CI) never
    /// agrees.
    pub fn holds(&self, f: &Figure) -> Option<bool> {
        let ci = f.ci_low.zip(f.ci_high);
        let mean = f.mean;
        Some(match *self {
            Rule::CiMeets { low, high } => mean
                .map(|m| ci.unwrap_or((m, m)))
                .is_some_and(|(lo, hi)| hi >= low && lo <= high),
            Rule::MeanWithin { low, high } => mean.is_some_and(|m| m >= low && m <= high),
            Rule::CiBelow { bound } => ci.is_some_and(|(_, hi)| hi < bound),
            Rule::CiAbove { bound } => ci.is_some_and(|(lo, _)| lo > bound),
            Rule::AtLeast { bound } => mean.is_some_and(|m| m >= bound),
            Rule::AtMost { bound } => mean.is_some_and(|m| m <= bound),
            Rule::Stated => return None,
        })
    }
}

/// What a check measured and concluded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The measured figures in words, e.g. `57.2 [56.8, 57.6] s`.
    pub measured: String,
    /// The verdict.
    pub verdict: Verdict,
    /// The figures behind the verdict; `rule` judges the first.
    pub figures: Vec<Figure>,
    /// How the first figure decides the verdict.
    pub rule: Rule,
}

impl Finding {
    /// A finding whose verdict is `rule` applied to `figures[0]`.
    ///
    /// # Panics
    /// If `figures` is empty or `rule` is [`Rule::Stated`]: both are
    /// mistakes in this crate's checks, not in any input.
    pub fn judged(measured: String, figures: Vec<Figure>, rule: Rule) -> Finding {
        let held = rule
            .holds(&figures[0])
            .expect("a judged finding has a rule that decides");
        Finding {
            measured,
            verdict: Verdict::of(held),
            figures,
            rule,
        }
    }

    /// A closed form's finding whose verdict combines its figures.
    pub fn stated(measured: String, figures: Vec<Figure>, held: bool) -> Finding {
        Finding {
            measured,
            verdict: Verdict::of(held),
            figures,
            rule: Rule::Stated,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_ci(mean: f64, lo: f64, hi: f64) -> Figure {
        Figure {
            ci_low: Some(lo),
            ci_high: Some(hi),
            ..Figure::exact("x", "s", mean)
        }
    }

    #[test]
    fn each_rule_decides_on_its_own_part_of_the_figure() {
        let f = with_ci(10.0, 9.0, 11.0);
        let holds = |r: Rule| r.holds(&f);
        // The CI meets a band the mean is outside of …
        assert_eq!(
            holds(Rule::CiMeets {
                low: 10.5,
                high: 20.0
            }),
            Some(true)
        );
        assert_eq!(
            holds(Rule::CiMeets {
                low: 11.5,
                high: 20.0
            }),
            Some(false)
        );
        // … which the mean rule does not accept.
        assert_eq!(
            holds(Rule::MeanWithin {
                low: 10.5,
                high: 20.0
            }),
            Some(false)
        );
        assert_eq!(
            holds(Rule::MeanWithin {
                low: 10.0,
                high: 10.0
            }),
            Some(true)
        );
        // The whole interval must clear the bound, not just the mean.
        assert_eq!(holds(Rule::CiAbove { bound: 9.5 }), Some(false));
        assert_eq!(holds(Rule::CiAbove { bound: 8.5 }), Some(true));
        assert_eq!(holds(Rule::CiBelow { bound: 11.0 }), Some(false));
        assert_eq!(holds(Rule::CiBelow { bound: 11.5 }), Some(true));
        assert_eq!(holds(Rule::AtLeast { bound: 10.0 }), Some(true));
        assert_eq!(holds(Rule::AtMost { bound: 9.99 }), Some(false));
        assert_eq!(holds(Rule::Stated), None);
    }

    #[test]
    fn a_figure_without_a_value_never_agrees() {
        let none = Figure {
            mean: None,
            ..Figure::exact("x", "s", 0.0)
        };
        for r in [
            Rule::CiMeets {
                low: -1.0,
                high: 1.0,
            },
            Rule::MeanWithin {
                low: -1.0,
                high: 1.0,
            },
            Rule::AtLeast { bound: -1.0 },
            Rule::AtMost { bound: 1.0 },
        ] {
            assert_eq!(r.holds(&none), Some(false), "{r:?}");
        }
        // A mean without a CI: the CI rules cannot be met, the band uses
        // the mean alone.
        let exact = Figure::exact("x", "s", 0.0);
        assert_eq!(Rule::CiAbove { bound: -1.0 }.holds(&exact), Some(false));
        assert_eq!(
            Rule::CiMeets {
                low: 0.0,
                high: 1.0
            }
            .holds(&exact),
            Some(true)
        );
    }
}
