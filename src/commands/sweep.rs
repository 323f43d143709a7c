//! `retrysim sweep` and `retrysim merge`: a grid of cells, each a scenario
//! of its own, computed in parallel, one result file per cell — which makes
//! sharding, merging and resuming the same mechanism.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use rayon::prelude::*;
use retrysim_experiment::sweep::store::{
    self, CellResult, Found, MANIFEST, Manifest, SweepResults,
};
use retrysim_experiment::sweep::{self, Axis, AxisSpec, Cell};
use retrysim_model::{Overrides, Scenario};
use serde_json::{Value, json};

use crate::cli::{MergeArgs, SweepArgs};
use crate::{output, scenario_file};

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

struct Plan {
    name: String,
    axes: Vec<Axis>,
    cells: Vec<(Cell, Scenario)>,
    replications: u32,
}

fn plan(args: &SweepArgs) -> Result<Plan> {
    let base = scenario_file::load(
        &args.scenario,
        Overrides {
            replications: args.replications,
            seed: args.seed,
        },
    )?;
    let file = args.scenario.display();
    let mut axes: Vec<Axis> = Vec::new();
    for (path, spec) in base.spec().sweep.clone().unwrap_or_default() {
        let spec: AxisSpec = serde_json::from_value(spec).map_err(|_| {
            anyhow!(
                "{file}: sweep.{path}: give a list of values or {{\"from\", \"to\", \"steps\"}}"
            )
        })?;
        axes.push(Axis {
            values: spec.values(&path).map_err(|e| anyhow!("{file}: {e}"))?,
            path,
        });
    }
    for s in &args.set {
        let axis = parse_set(s)?;
        axes.retain(|a| a.path != axis.path);
        axes.push(axis);
    }
    if axes.is_empty() {
        bail!("{file}: nothing to sweep: add a `sweep` block to the scenario or --set PATH=V1,V2");
    }
    let mut doc = serde_json::to_value(base.spec()).context("scenario as JSON")?;
    doc.as_object_mut().map(|o| o.remove("sweep"));
    let replications = base.replications();
    let seed = base.seed();
    let mut cells = sweep::grid(&axes, seed).map_err(|e| anyhow!("{file}: {e}"))?;
    if let Some(s) = &args.shard {
        let (k, n) = parse_shard(s)?;
        cells = sweep::shard(cells, k, n);
    }
    // Build and validate every cell before running any.
    let cells = cells
        .into_iter()
        .map(|cell| {
            let mut d = doc.clone();
            for (path, value) in &cell.params {
                sweep::set(&mut d, path, value).map_err(|e| anyhow!("{file}: sweep: {e}"))?;
            }
            d["seed"] = json!(cell.seed);
            let scenario = Scenario::from_value(d)
                .map_err(|e| anyhow!("{file}: sweep cell {}: {e}", cell.key()))?;
            Ok((cell, scenario))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Plan {
        name: base.name().to_string(),
        axes,
        cells,
        replications,
    })
}

/// The stored result of `cell`, if it is complete and is this cell's.
fn load_cell(dir: &Path, cell: &Cell, replications: u32) -> Option<CellResult> {
    let text = std::fs::read_to_string(dir.join(store::cell_file(cell.index))).ok()?;
    let result: CellResult = serde_json::from_str(&text).ok()?;
    result.is_for(cell, replications).then_some(result)
}

pub fn run(args: SweepArgs) -> Result<ExitCode> {
    let plan = plan(&args)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(format!("{}-sweep", plan.name)));
    let cells_dir = out.join("cells");
    std::fs::create_dir_all(&cells_dir)
        .with_context(|| format!("cannot create {}", cells_dir.display()))?;
    let man = Manifest {
        scenario: plan.name.clone(),
        replications: plan.replications,
        cells: plan.axes.iter().map(|a| a.values.len()).product(),
        axes: plan.axes.clone(),
    };
    output::write_all(
        &out,
        &[(MANIFEST, serde_json::to_string_pretty(&man)? + "\n")],
    )?;

    let todo: Vec<&(Cell, Scenario)> = plan
        .cells
        .iter()
        .filter(|(c, _)| load_cell(&cells_dir, c, plan.replications).is_none())
        .collect();
    if !args.quiet {
        eprintln!(
            "{}: {} cells ({} already complete), {} policies × {} replications each",
            plan.name,
            plan.cells.len(),
            plan.cells.len() - todo.len(),
            plan.cells.first().map_or(0, |c| c.1.policies().len()),
            plan.replications
        );
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()?;
    let bar = crate::progress::bar(todo.len() as u64, "cells", plan.name.clone(), args.quiet);
    pool.install(|| {
        todo.par_iter()
            .try_for_each(|(cell, scenario)| -> Result<()> {
                let summary = retrysim_experiment::run(scenario, &|| ());
                let result = CellResult::of(cell, plan.replications, &summary);
                output::write_all(
                    &cells_dir,
                    &[(
                        store::cell_file(cell.index).as_str(),
                        serde_json::to_string(&result)? + "\n",
                    )],
                )?;
                bar.inc(1);
                Ok(())
            })
    })?;
    bar.finish_and_clear();
    if args.shard.is_some() {
        if !args.quiet {
            println!(
                "shard done: {} cells in {}; combine shards with `retrysim merge`",
                plan.cells.len(),
                cells_dir.display()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let sweep = assemble(&out, &man, &[cells_dir])?;
    if !args.quiet {
        print!("{}", sweep.overview());
        println!(
            "Wrote {}/{{sweep.csv, sweep.json, sweep-*.png}}",
            out.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn merge(args: MergeArgs) -> Result<ExitCode> {
    let mut man: Option<Manifest> = None;
    for d in &args.dirs {
        let text = std::fs::read_to_string(d.join(MANIFEST)).with_context(|| {
            format!(
                "{} has no {MANIFEST}: is it a `retrysim sweep --shard` output?",
                d.display()
            )
        })?;
        let m: Manifest =
            serde_json::from_str(&text).with_context(|| format!("{}/{MANIFEST}", d.display()))?;
        match &man {
            None => man = Some(m),
            Some(first) if *first != m => bail!(
                "{} belongs to a different sweep than {}",
                d.display(),
                args.dirs[0].display()
            ),
            _ => {}
        }
    }
    let man = man.ok_or_else(|| anyhow!("merge needs at least one folder"))?;
    let dirs: Vec<PathBuf> = args.dirs.iter().map(|d| d.join("cells")).collect();
    assemble(&args.out, &man, &dirs)?;
    println!(
        "Wrote {}/{{sweep.csv, sweep.json, sweep-*.png}}",
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Reads every cell result in `dirs`, assembles the grid of `man` and
/// writes sweep.csv, sweep.json and the sweep charts into `out`.
fn assemble(out: &Path, man: &Manifest, dirs: &[PathBuf]) -> Result<SweepResults> {
    let mut found = Vec::new();
    for d in dirs {
        let Ok(entries) = std::fs::read_dir(d) else {
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
            // An unreadable or broken file is a cell not yet done.
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
    let sweep = SweepResults::assemble(man, found)?;
    // Charts come from sweep.json's content alone, so a merge draws the same ones.
    let charts = retrysim_plot::render_sweep(&sweep)?;
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("sweep.csv".into(), sweep.csv().into_bytes()),
        ("sweep.json".into(), sweep.json().into_bytes()),
    ];
    files.extend(charts.into_iter().map(|c| (c.name, c.png)));
    output::write_all(out, &files)?;
    Ok(sweep)
}
