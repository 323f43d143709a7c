//! Sweep charts from `sweep.json`: for a 2-D sweep a heatmap per figure (one
//! panel per policy, `heatmap.rs`), for a 1-D sweep a line per policy with
//! 95 % CI whiskers (`lines.rs`) or, over a few or non-numeric values,
//! grouped bars (`bars.rs`). This file picks the figures and the chart.

mod bars;
mod heatmap;
mod lines;

use bars::bars;
use heatmap::heatmap;
use lines::{lines, stacked};

use retrysim_experiment::Stat;
use retrysim_experiment::sweep::store::{SweepCell, SweepResults};
use retrysim_model::Metric;

use crate::{Chart, PlotError};

/// The figures drawn, with captions and display scale; a figure no cell
/// has (e.g. `writes` without a contended record) is skipped.
const FIGURES: [(Metric, &str, f64); 11] = [
    (
        Metric::Metastable,
        "runs metastable at the end of the load (%)",
        100.0,
    ),
    (
        Metric::GoodputRatio,
        "goodput ÷ offered load at the end of the load (%)",
        100.0,
    ),
    (Metric::Writes, "writes sent (work)", 1.0),
    (
        Metric::CompletionS,
        "time until the last request ended (s)",
        1.0,
    ),
    (
        Metric::UserRecoveryAfterEndS,
        "user recovery after the trigger's end (s)",
        1.0,
    ),
    (Metric::SuccessRate, "success rate (%)", 100.0),
    (
        Metric::ErrorRecoveryS,
        "error recovery after the trigger (s)",
        1.0,
    ),
    (
        Metric::UserRecoveryS,
        "user recovery after the trigger (s)",
        1.0,
    ),
    (Metric::Amplification, "attempts per request", 1.0),
    (Metric::LatencyP99S, "p99 latency of successes (s)", 1.0),
    // Only a priced scenario has it.
    (
        Metric::CostPerSuccess,
        "dollars billed per successful request",
        1.0,
    ),
];

/// A sweep as the charts read it.
pub(super) struct Sweep<'a> {
    pub(super) scenario: &'a str,
    pub(super) axes: Vec<(&'a str, &'a [serde_json::Value])>,
    pub(super) policies: Vec<&'a str>,
    pub(super) cells: &'a [SweepCell],
}

impl<'a> Sweep<'a> {
    fn of(r: &'a SweepResults) -> Self {
        Sweep {
            scenario: &r.scenario,
            axes: r
                .axes
                .iter()
                .map(|a| (a.path.as_str(), a.values.as_slice()))
                .collect(),
            policies: r
                .cells
                .first()
                .map(|c| c.policies.iter().map(|p| p.name.as_str()).collect())
                .unwrap_or_default(),
            cells: &r.cells,
        }
    }
}

/// The figure `m` of policy `p` in cell `c`, if the cell has that policy.
pub(super) fn stat<'a>(s: &Sweep<'a>, c: usize, p: usize, m: Metric) -> Option<&'a Stat> {
    Some(&s.cells.get(c)?.policies.get(p)?.metrics[m])
}

/// (mean, ci) of `m` for policy `p` in cell `c`.
pub(super) fn figure(
    s: &Sweep,
    c: usize,
    p: usize,
    m: Metric,
) -> (Option<f64>, Option<(f64, f64)>) {
    stat(s, c, p, m).map_or((None, None), |st| (st.mean, st.ci95.map(|[a, b]| (a, b))))
}

/// What a cell without a value means: a recovery that never came, or a
/// figure that has no value (no success to time, say).
pub(super) fn missing(key: Metric) -> &'static str {
    match key {
        Metric::ErrorRecoveryS
        | Metric::UserRecoveryS
        | Metric::ErrorRecoveryAfterEndS
        | Metric::UserRecoveryAfterEndS => "never",
        _ => "n/a",
    }
}

/// A value on a chart: three significant digits (no more than two
/// decimals), `missing` without a value, and the replications that had one
/// when not all did (`never (0/5)`, `318 (3/5)`).
pub(super) fn value_text(st: Option<&Stat>, scale: f64, missing: &str) -> String {
    let Some(st) = st else {
        return missing.into();
    };
    let partial = if st.n < st.of {
        format!(" ({}/{})", st.n, st.of)
    } else {
        String::new()
    };
    match st.mean {
        None => format!("{missing}{partial}"),
        Some(m) => {
            let v = m * scale;
            let d = if v.abs() >= 100.0 {
                0
            } else if v.abs() >= 10.0 {
                1
            } else {
                2
            };
            format!("{v:.d$}{partial}")
        }
    }
}

/// Every sweep chart (none for sweeps of three or more axes).
pub fn render_sweep(sweep: &SweepResults) -> Result<Vec<Chart>, PlotError> {
    let s = Sweep::of(sweep);
    let mut out = Vec::new();
    for (key, caption, scale) in FIGURES {
        // A recovery no policy reached in any cell is still a finding: its
        // chart says "never" throughout. Without a trigger there is no
        // recovery to chart (as in a run's outcomes.png).
        let recovery = missing(key) == "never";
        if recovery && !sweep.triggered {
            continue;
        }
        let present = recovery
            || (0..s.cells.len())
                .any(|c| (0..s.policies.len()).any(|p| figure(&s, c, p, key).0.is_some()));
        // Without triggers recovery after the end is recovery itself.
        let same_as = |other: Metric| {
            (0..s.cells.len()).all(|c| {
                (0..s.policies.len()).all(|p| figure(&s, c, p, key).0 == figure(&s, c, p, other).0)
            })
        };
        if !present || (key == Metric::UserRecoveryAfterEndS && same_as(Metric::UserRecoveryS)) {
            continue;
        }
        // Bars for values that are not numbers, and for a few numbers (lines
        // through three points hide policies that coincide).
        let categorical = s.axes.len() == 1
            && (s.axes[0].1.len() <= 4 || s.axes[0].1.iter().any(|v| !v.is_number()));
        let png = match s.axes.len() {
            1 if categorical => bars(&s, key, caption, scale)?,
            1 => lines(&s, key, caption, scale)?,
            2 => heatmap(&s, key, caption, scale)?,
            _ => continue,
        };
        out.push(Chart {
            name: format!("sweep-{}.png", key.name()),
            png,
        });
    }
    let has = |m: Metric| {
        out.iter()
            .any(|c| c.name == format!("sweep-{}.png", m.name()))
    };
    if s.axes.len() == 1 && has(Metric::Writes) && has(Metric::CompletionS) {
        let pick = |m: Metric| FIGURES.into_iter().find(|f| f.0 == m);
        if let (Some(w), Some(c)) = (pick(Metric::Writes), pick(Metric::CompletionS)) {
            out.push(Chart {
                name: "sweep-writes-and-completion.png".into(),
                png: stacked(&s, [w, c])?,
            });
        }
    }
    Ok(out)
}

pub(super) const NAME: &str = "sweep chart";
