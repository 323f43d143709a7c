//! `retrysim sweep` and `retrysim merge`: a grid of cells, each a scenario
//! of its own, computed in parallel, one result file per cell — which makes
//! sharding, merging and resuming the same mechanism. Every folder records
//! the sweep's manifest; every cell file the fingerprint of the scenario
//! that made it, so that a resume never reuses, and a merge never mixes,
//! results of another scenario, seed or replication count.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use rayon::prelude::*;
use retrysim_experiment::sweep::Axis;
use retrysim_experiment::sweep::plan::{self, Plan, PlannedCell};
use retrysim_experiment::sweep::store::{
    self, CellResult, Found, MANIFEST, Manifest, SweepResults, Verdict,
};
use retrysim_model::Overrides;
use serde_json::Value;

use crate::cli::{MergeArgs, SweepArgs};
use crate::output::Folder;
use crate::scenario_file;

/// Where a sweep folder keeps its cell files.
const CELLS: &str = "cells";

/// `K/N` → (k, n), 1 ≤ k ≤ n.
fn parse_shard(s: &str) -> Result<(usize, usize)> {
    let (k, n) = s
        .split_once('/')
        .ok_or_else(|| anyhow!("--shard takes K/N, e.g. 2/8, got {s}"))?;
    let (k, n): (usize, usize) = (k.trim().parse()?, n.trim().parse()?);
    if n == 0 || k == 0 || k > n {
        bail!("--shard K/N needs 1 <= K <= N, got {s}");
    }
    Ok((k, n))
}

/// A `--set PATH=V1,V2` axis; each value is JSON if it parses, else a string.
fn parse_set(s: &str) -> Result<Axis> {
    let (path, values) = s
        .split_once('=')
        .ok_or_else(|| anyhow!("--set takes PATH=V1,V2,…, got {s}"))?;
    let values: Vec<Value> = values
        .split(',')
        .map(|v| {
            serde_json::from_str(v.trim()).unwrap_or_else(|_| Value::String(v.trim().to_string()))
        })
        .collect();
    Ok(Axis {
        path: path.trim().to_string(),
        values,
    })
}

/// Loads the scenario and plans the sweep: every cell built and validated
/// before anything runs.
fn make_plan(args: &SweepArgs) -> Result<Plan> {
    let overrides = Overrides {
        replications: args.replications,
        seed: args.seed,
    };
    let base = scenario_file::load(&args.scenario, overrides)?;
    let file = args.scenario.display();
    let extra = args
        .set
        .iter()
        .map(|s| parse_set(s))
        .collect::<Result<_>>()?;
    let axes = plan::axes(&base, extra).map_err(|e| anyhow!("{file}: {e}"))?;
    let shard = args.shard.as_deref().map(parse_shard).transpose()?;
    plan::plan(&base, axes, shard).map_err(|e| anyhow!("{file}: {e}"))
}

/// What the folder holds for `planned`: its complete result, or why not.
fn stored(dir: &Path, planned: &PlannedCell) -> Option<Verdict> {
    let text = std::fs::read_to_string(dir.join(store::cell_file(planned.cell.index))).ok()?;
    match serde_json::from_str::<CellResult>(&text) {
        Ok(result) => Some(result.judge(planned)),
        Err(_) => Some(Verdict::Incomplete),
    }
}

pub fn run(args: SweepArgs) -> Result<ExitCode> {
    let plan = make_plan(&args)?;
    let man = &plan.manifest;
    let pool = crate::commands::thread_pool(args.threads)?;
    // Refused before anything is claimed or run when it may not fit.
    let estimate = retrysim_experiment::resources::Estimate::of_cells(
        plan.cells.iter().map(|c| &c.scenario),
        pool.current_num_threads(),
    );
    args.limits
        .check(&estimate)
        .with_context(|| format!("{}", args.scenario.display()))?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(format!("{}-sweep", man.scenario)));
    let folder = Folder::claim(&out, "sweep", &man.scenario, &man.fingerprint, args.force)?;
    // Read before it is replaced: why the cells it describes are stale.
    let earlier_foreign = std::fs::read_to_string(out.join(MANIFEST))
        .ok()
        .and_then(|t| serde_json::from_str::<Manifest>(&t).ok())
        .and_then(|m| m.foreign());
    folder.write(&[(MANIFEST, serde_json::to_string_pretty(man)? + "\n")])?;

    let cells_dir = out.join(CELLS);
    let verdicts: Vec<Option<Verdict>> = plan.cells.iter().map(|p| stored(&cells_dir, p)).collect();
    let count = |v: Option<Verdict>| verdicts.iter().filter(|x| **x == v).count();
    let todo: Vec<&PlannedCell> = plan
        .cells
        .iter()
        .zip(&verdicts)
        .filter(|(_, v)| **v != Some(Verdict::Complete))
        .map(|(p, _)| p)
        .collect();
    if !args.quiet {
        let mut redo = Vec::new();
        if count(Some(Verdict::Stale)) > 0 {
            let why = earlier_foreign
                .as_deref()
                .unwrap_or("the scenario, seed or replications changed since they were written");
            redo.push(format!("{} recomputed: {why}", count(Some(Verdict::Stale))));
        }
        if count(Some(Verdict::Incomplete)) > 0 {
            redo.push(format!(
                "{} recomputed: their files were broken or incomplete",
                count(Some(Verdict::Incomplete))
            ));
        }
        let redo = if redo.is_empty() {
            String::new()
        } else {
            format!("; {}", redo.join("; "))
        };
        eprintln!(
            "{}: {} ({} already complete{redo}), {} × {} each",
            man.scenario,
            super::counted(plan.cells.len(), "cell", "cells"),
            count(Some(Verdict::Complete)),
            super::counted(
                plan.cells
                    .first()
                    .map_or(0, |c| c.scenario.policies().len()),
                "policy",
                "policies"
            ),
            super::counted(man.replications as usize, "replication", "replications")
        );
    }
    let bar = crate::progress::bar(todo.len() as u64, "cells", man.scenario.clone(), args.quiet);
    pool.install(|| {
        todo.par_iter().try_for_each(|planned| -> Result<()> {
            let summary = retrysim_experiment::run(&planned.scenario, &|| ());
            let result = CellResult::of(planned, &summary);
            folder.write_in(
                CELLS,
                &[(
                    store::cell_file(planned.cell.index).as_str(),
                    serde_json::to_string(&result)? + "\n",
                )],
            )?;
            bar.inc(1);
            Ok(())
        })
    })?;
    bar.finish_and_clear();
    if args.shard.is_some() {
        folder.finish(&[], &[])?;
        if !args.quiet {
            println!(
                "shard done: {} cells in {}; combine shards with `retrysim merge`",
                plan.cells.len(),
                cells_dir.display()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let found = found_cells(std::slice::from_ref(&out));
    let sweep = write_sweep_and_finish(
        folder,
        &out,
        SweepResults::assemble(man, &plan.cells, found)?,
    )?;
    if !args.quiet {
        let figure = args.figure.unwrap_or_else(|| sweep.default_figure());
        print!(
            "{}",
            crate::terminal_table::aligned(&sweep.overview(figure))
        );
        println!(
            "Wrote {}/{{sweep.csv, sweep-replications.csv, sweep.json, sweep-*.png}}",
            out.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn merge(args: MergeArgs) -> Result<ExitCode> {
    let mut first: Option<(Manifest, &Path)> = None;
    for d in &args.dirs {
        let text = std::fs::read_to_string(d.join(MANIFEST)).with_context(|| {
            format!(
                "{} has no {MANIFEST}: is it a `retrysim sweep --shard` output?",
                d.display()
            )
        })?;
        let m: Manifest = serde_json::from_str(&text).with_context(|| {
            format!(
                "{}/{MANIFEST} is not a manifest of this retrysim (re-run that shard)",
                d.display()
            )
        })?;
        match &first {
            None => first = Some((m, d)),
            Some((f, place)) => {
                if let Some(why) = f.differs(&m) {
                    bail!(
                        "{} and {} are shards of different sweeps: {why} (here: {}; there: {})",
                        place.display(),
                        d.display(),
                        place.display(),
                        d.display()
                    );
                }
            }
        }
    }
    let (man, place) = first.ok_or_else(|| anyhow!("merge needs at least one folder"))?;
    if let Some(why) = man.foreign() {
        bail!(
            "{} cannot be merged by this retrysim: {why}; run its shards again with this \
             retrysim, or merge them with the one that made them",
            place.display()
        );
    }
    // Everything is checked before the output folder is touched.
    let expected = plan::expected(&man).map_err(|e| anyhow!("{e}"))?;
    let found = found_cells(&args.dirs);
    let cells: Vec<(String, String)> = found
        .iter()
        .filter(|f| expected.iter().any(|p| p.cell.index == f.index))
        .map(|f| {
            let text = serde_json::to_string(&f.result).map(|t| t + "\n");
            text.map(|t| (store::cell_file(f.index), t))
        })
        .collect::<Result<_, _>>()?;
    let sweep = SweepResults::assemble(&man, &expected, found)?;
    let folder = Folder::claim(
        &args.out,
        "sweep",
        &man.scenario,
        &man.fingerprint,
        args.force,
    )?;
    // The cells and manifest too, so that the result can be merged again.
    folder.write(&[(MANIFEST, serde_json::to_string_pretty(&man)? + "\n")])?;
    folder.write_in(CELLS, &cells)?;
    write_sweep_and_finish(folder, &args.out, sweep)?;
    println!(
        "Wrote {}/{{sweep.csv, sweep-replications.csv, sweep.json, sweep-*.png}}",
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Every cell result in the `cells/` of `dirs` (unreadable or broken
/// files are cells not yet done).
fn found_cells(dirs: &[PathBuf]) -> Vec<Found> {
    let mut found = Vec::new();
    for d in dirs {
        let d = d.join(CELLS);
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut names: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        names.sort();
        for f in names {
            let Some(index) = f
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(store::cell_index)
            else {
                continue;
            };
            let Ok(result) = std::fs::read_to_string(&f)
                .map_err(|_| ())
                .and_then(|t| serde_json::from_str::<CellResult>(&t).map_err(|_| ()))
            else {
                continue;
            };
            found.push(Found {
                place: f.display().to_string(),
                index,
                result,
            });
        }
    }
    found
}

/// Writes the sweep's files and marks the folder complete, removing any
/// `sweep-*.png` this sweep did not draw (a chart of a figure an earlier
/// sweep into the folder had, before `--force`), so the folder holds only
/// this sweep's charts.
fn write_sweep_and_finish(folder: Folder, dir: &Path, sweep: SweepResults) -> Result<SweepResults> {
    let (sweep, written) = write_sweep(&folder, sweep)?;
    let charts: Vec<String> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("sweep-") && n.ends_with(".png"))
        .collect();
    let known: Vec<&str> = charts.iter().map(String::as_str).collect();
    let written: Vec<&str> = written.iter().map(String::as_str).collect();
    folder.finish(&known, &written)?;
    Ok(sweep)
}

fn write_sweep(folder: &Folder, sweep: SweepResults) -> Result<(SweepResults, Vec<String>)> {
    // Charts come from sweep.json's content alone, so a merge draws the same ones.
    let charts = retrysim_plot::render_sweep(&sweep)?;
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("sweep.csv".into(), sweep.csv().into_bytes()),
        (
            "sweep-replications.csv".into(),
            sweep.replications_csv().into_bytes(),
        ),
        ("sweep.json".into(), sweep.json().into_bytes()),
    ];
    files.extend(charts.into_iter().map(|c| (c.name, c.png)));
    folder.write(&files)?;
    Ok((sweep, files.into_iter().map(|f| f.0).collect()))
}
