//! `retrysim plot`: charts from saved results.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use retrysim_experiment::stored::StoredRun;
use retrysim_experiment::sweep::store::SweepResults;
use retrysim_plot::Chart;

use crate::output;

pub fn run(dir: &Path) -> Result<ExitCode> {
    // A sweep folder: its charts come from sweep.json alone.
    let sweep = dir.join("sweep.json");
    if !dir.join("summary.json").exists() && sweep.exists() {
        let folder = output::Folder::reopen(dir, "sweep", "sweep.json and cells/")?;
        let text = std::fs::read_to_string(&sweep)
            .with_context(|| format!("cannot read {}", sweep.display()))?;
        let results: SweepResults = serde_json::from_str(&text).with_context(|| {
            format!(
                "{}: not a sweep written by this retrysim (re-run `retrysim sweep`)",
                sweep.display()
            )
        })?;
        if results.fingerprint != folder.marker().fingerprint {
            anyhow::bail!(
                "{}: sweep.json was not written by the sweep that owns this folder (fingerprints differ): run the sweep again",
                dir.display()
            );
        }
        let charts = retrysim_plot::render_sweep(&results)
            .with_context(|| format!("in {}", dir.display()))?;
        return write_charts(&folder, charts);
    }
    let folder =
        output::Folder::reopen(dir, "run", "summary.json, timeseries.csv and latency.csv")?;
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
    let mut stored = StoredRun::read(&summary, &timeseries, &latency)
        .with_context(|| format!("in {}", dir.display()))?;
    if stored
        .summary
        .policies
        .iter()
        .any(|p| !p.services.is_empty())
    {
        stored = stored
            .with_services(&read("services.csv")?)
            .with_context(|| format!("in {}", dir.display()))?;
    }
    if stored.summary.fingerprint != folder.marker().fingerprint {
        anyhow::bail!(
            "{}: summary.json was not written by the run that owns this folder (fingerprints differ): run it again",
            dir.display()
        );
    }
    let charts =
        retrysim_plot::render_run(&stored).with_context(|| format!("in {}", dir.display()))?;
    write_charts(&folder, charts)
}

fn write_charts(folder: &output::Folder, charts: Vec<Chart>) -> Result<ExitCode> {
    let files: Vec<(String, Vec<u8>)> = charts.into_iter().map(|c| (c.name, c.png)).collect();
    folder.write(&files)?;
    for (name, _) in &files {
        println!("wrote {}", folder.path().join(name).display());
    }
    Ok(ExitCode::SUCCESS)
}
