//! PNG charts of a retrysim run, drawn from its results as stored
//! ([`StoredRun`]: what `summary.json`, `timeseries.csv` and `latency.csv`
//! hold), so that charts redrawn from a folder equal the ones drawn after
//! the run; and of a sweep, from its
//! [`SweepResults`](retrysim_experiment::sweep::store::SweepResults). Text
//! is rendered with an embedded DejaVu Sans through ab_glyph: no system
//! fonts, no fontconfig, and the same results give the same bytes on every
//! machine.
//!
//! This crate reads typed results and returns PNG bytes; reading and
//! writing files is the caller's business.

#![deny(missing_docs)]

mod attempts;
mod axis_name;
mod canvas;
mod cost;
mod error;
mod latency_cdf;
mod outcomes;
mod palette;
mod results;
mod services;
mod sweep;
mod tiers;
mod timeline;

pub use error::PlotError;
pub use palette::policy as policy_colour;
pub use sweep::render_sweep;

use results::Results;
use retrysim_experiment::stored::StoredRun;

/// One rendered chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    /// File name, e.g. `timeline.png`.
    pub name: String,
    /// PNG bytes.
    pub png: Vec<u8>,
}

/// Width and height of every chart in pixels: readable in a README at half
/// size and on a slide at full size.
pub const SIZE: (u32, u32) = (1600, 1000);

/// Renders every chart that applies to a run (`cost.png` only when the
/// scenario is priced, `tiers.png` only when its services call services).
pub fn render_run(run: &StoredRun) -> Result<Vec<Chart>, PlotError> {
    let results = &Results::of(run);
    let mut charts = vec![
        Chart {
            name: "timeline.png".into(),
            png: timeline::render(results)?,
        },
        Chart {
            name: "outcomes.png".into(),
            png: outcomes::render(results)?,
        },
        Chart {
            name: "latency_cdf.png".into(),
            png: latency_cdf::render(results)?,
        },
        Chart {
            name: "attempts.png".into(),
            png: attempts::render(results)?,
        },
    ];
    if results.priced {
        charts.push(Chart {
            name: "cost.png".into(),
            png: cost::render(results)?,
        });
    }
    if results.policies.iter().any(|p| !p.services.is_empty()) {
        charts.push(Chart {
            name: tiers::NAME.into(),
            png: tiers::render(results)?,
        });
    }
    if results.policies.iter().any(|p| !p.tiers.is_empty()) {
        charts.push(Chart {
            name: services::NAME.into(),
            png: services::render(results)?,
        });
    }
    Ok(charts)
}
