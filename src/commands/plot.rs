//! `retrysim plot`: charts from saved results.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use retrysim_plot::{Chart, Results};

use crate::output;

/// Renders the charts from the three result files' contents.
pub fn charts(summary_json: &str, timeseries_csv: &str, latency_csv: &str) -> Result<Vec<Chart>> {
    let results = Results::parse(summary_json, timeseries_csv, latency_csv)?;
    Ok(retrysim_plot::render_all(&results)?)
}

pub fn run(dir: &Path) -> Result<ExitCode> {
    // A sweep folder: its charts come from sweep.json alone.
    let sweep = dir.join("sweep.json");
    if !dir.join("summary.json").exists() && sweep.exists() {
        let text = std::fs::read_to_string(&sweep)
            .with_context(|| format!("cannot read {}", sweep.display()))?;
        let charts =
            retrysim_plot::render_sweep(&text).with_context(|| format!("in {}", dir.display()))?;
        return write_charts(dir, charts);
    }
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read_to_string(&path).with_context(|| {
            format!(
                "cannot read {} (is {} a folder written by `retrysim run` or `retrysim sweep`?)",
                path.display(),
                dir.display()
            )
        })
    };
    let (summary, timeseries, latency) = (
        read("summary.json")?,
        read("timeseries.csv")?,
        read("latency.csv")?,
    );
    let charts =
        charts(&summary, &timeseries, &latency).with_context(|| format!("in {}", dir.display()))?;
    write_charts(dir, charts)
}

fn write_charts(dir: &Path, charts: Vec<Chart>) -> Result<ExitCode> {
    let files: Vec<(String, Vec<u8>)> = charts.into_iter().map(|c| (c.name, c.png)).collect();
    output::write_all(dir, &files)?;
    for (name, _) in &files {
        println!("wrote {}", dir.join(name).display());
    }
    Ok(ExitCode::SUCCESS)
}
