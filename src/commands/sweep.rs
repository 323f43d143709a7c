//! `retrysim sweep` and `retrysim merge`: a grid of cells, each a scenario
//! of its own, computed in parallel, one result file per cell — which makes
//! sharding, merging and resuming the same mechanism.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use rayon::prelude::*;
use retrysim_experiment::report::csv::{field, num};
use retrysim_experiment::sweep::{self, Axis, AxisSpec, Cell};
use retrysim_model::{Overrides, Scenario};
use serde_json::{Value, json};

use crate::cli::{MergeArgs, SweepArgs};
use crate::{output, scenario_file};

const MANIFEST: &str = "sweep-manifest.json";

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

fn cell_file(index: usize) -> String {
    format!("cell-{index:06}.json")
}

/// A cell's result as stored: enough to check it is the cell asked for.
fn cell_result(cell: &Cell, replications: u32, summary: &retrysim_experiment::Summary) -> Value {
    json!({
        "key": cell.key(),
        "seed": cell.seed,
        "replications": replications,
        "policies": summary.policies.iter().map(|p| json!({
            "name": p.name,
            "metrics": p.metrics.iter().map(|(k, s)| (k.to_string(), serde_json::to_value(s).unwrap_or(Value::Null))).collect::<serde_json::Map<_, _>>(),
        })).collect::<Vec<_>>(),
    })
}

/// A stored cell result, if it is complete and is this cell's.
fn load_cell(dir: &Path, cell: &Cell, replications: u32) -> Option<Value> {
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(cell_file(cell.index))).ok()?)
            .ok()?;
    (v["key"] == cell.key()
        && v["seed"] == cell.seed
        && v["replications"] == replications
        && v["policies"].is_array())
    .then_some(v)
}

fn manifest(name: &str, axes: &[Axis], replications: u32, total: usize) -> Value {
    json!({ "scenario": name, "replications": replications, "cells": total, "axes": axes })
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
    let total: usize = plan.axes.iter().map(|a| a.values.len()).product();
    let man = manifest(&plan.name, &plan.axes, plan.replications, total);
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
                let v = cell_result(cell, plan.replications, &summary);
                output::write_all(
                    &cells_dir,
                    &[(
                        cell_file(cell.index).as_str(),
                        serde_json::to_string(&v)? + "\n",
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
    let doc = assemble(&out, &man, &[cells_dir])?;
    if !args.quiet {
        print!("{}", overview(&doc));
        println!(
            "Wrote {}/{{sweep.csv, sweep.json, sweep-*.png}}",
            out.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn merge(args: MergeArgs) -> Result<ExitCode> {
    let mut man: Option<Value> = None;
    for d in &args.dirs {
        let text = std::fs::read_to_string(d.join(MANIFEST)).with_context(|| {
            format!(
                "{} has no {MANIFEST}: is it a `retrysim sweep --shard` output?",
                d.display()
            )
        })?;
        let m: Value =
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

/// One figure per cell and policy, as a Markdown table: the share of
/// metastable runs when the scenario judges it, else the writes of a
/// contended record, else the success rate.
fn overview(doc: &Value) -> String {
    let cells = doc["cells"].as_array().cloned().unwrap_or_default();
    let has = |key: &str| {
        cells.iter().any(|c| {
            c["policies"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|p| p["metrics"][key]["mean"].is_number())
        })
    };
    let (key, what) = if has("metastable") {
        ("metastable", "runs metastable at the end of the load")
    } else if has("writes") {
        ("writes", "writes sent (mean)")
    } else {
        ("success_rate", "success rate (mean)")
    };
    let Some(first) = cells.first() else {
        return String::new();
    };
    let names: Vec<&str> = first["policies"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| p["name"].as_str().unwrap_or(""))
        .collect();
    let mut out = format!("\n{what}, per cell and policy:\n\n| cell |");
    for n in &names {
        out.push_str(&format!(" {n} |"));
    }
    out.push_str(&format!("\n|---|{}\n", "---|".repeat(names.len())));
    for c in &cells {
        let params: Vec<String> = c["params"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(path, v)| {
                let v = match v {
                    Value::Object(o) => o
                        .get("kind")
                        .and_then(Value::as_str)
                        .unwrap_or("{…}")
                        .to_string(),
                    other => other.to_string(),
                };
                format!("{path}={v}")
            })
            .collect();
        out.push_str(&format!("| {} |", params.join(", ")));
        for p in c["policies"].as_array().into_iter().flatten() {
            let m = &p["metrics"][key];
            let cell = match (m["mean"].as_f64(), m["n"].as_u64()) {
                (Some(x), Some(n)) if key == "metastable" => {
                    format!("{} of {n}", (x * n as f64).round())
                }
                (Some(x), _) if key == "writes" => format!("{x:.0}"),
                (Some(x), _) => format!("{:.1} %", 100.0 * x),
                (None, _) => "–".into(),
            };
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    out.push('\n');
    out
}

/// Collects every cell of the grid from `dirs` (each exactly once) and
/// writes sweep.csv and sweep.json in grid order; returns sweep.json.
fn assemble(out: &Path, man: &Value, dirs: &[PathBuf]) -> Result<Value> {
    let axes: Vec<Axis> = serde_json::from_value(man["axes"].clone())?;
    let replications = man["replications"].as_u64().unwrap_or(0);
    let total = man["cells"].as_u64().unwrap_or(0) as usize;
    let mut found: BTreeMap<usize, (PathBuf, Value)> = BTreeMap::new();
    let mut duplicates = Vec::new();
    for d in dirs {
        let Ok(entries) = std::fs::read_dir(d) else {
            continue;
        };
        let mut names: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        names.sort();
        for f in names {
            let Some(idx) = f.file_name().and_then(|n| n.to_str()).and_then(|n| {
                n.strip_prefix("cell-")?
                    .strip_suffix(".json")?
                    .parse::<usize>()
                    .ok()
            }) else {
                continue;
            };
            let Ok(v) = std::fs::read_to_string(&f)
                .map_err(|_| ())
                .and_then(|t| serde_json::from_str::<Value>(&t).map_err(|_| ()))
            else {
                continue;
            };
            if v["replications"].as_u64() != Some(replications) {
                continue;
            }
            if let Some((other, _)) = found.get(&idx) {
                duplicates.push(format!(
                    "cell {idx} in {} and {}",
                    other.display(),
                    f.display()
                ));
            } else {
                found.insert(idx, (f, v));
            }
        }
    }
    if !duplicates.is_empty() {
        bail!("duplicated cells: {}", duplicates.join("; "));
    }
    let cells = sweep::grid(&axes, 0).map_err(|e| anyhow!("{e}"))?;
    let missing: Vec<String> = cells
        .iter()
        .filter(|c| !found.contains_key(&c.index))
        .map(|c| format!("{} ({})", c.index, c.key()))
        .collect();
    if !missing.is_empty() {
        bail!(
            "{} of {total} cells missing: {}",
            missing.len(),
            missing.join(", ")
        );
    }
    let mut csv = String::from("cell");
    for a in &axes {
        csv.push(',');
        csv.push_str(&field(&a.path));
    }
    csv.push_str(",policy,metric,mean,ci_low,ci_high,n,of\n");
    let mut json_cells = Vec::new();
    for cell in &cells {
        let v = &found[&cell.index].1;
        if v["key"] != cell.key() {
            bail!(
                "cell {} holds {} but the grid expects {}",
                cell.index,
                v["key"],
                cell.key()
            );
        }
        let params: Vec<String> = cell
            .params
            .iter()
            .map(|(_, val)| match val {
                Value::Number(n) => num(n.as_f64().unwrap_or(f64::NAN)),
                Value::String(s) => field(s),
                // An object or list (a whole workload): JSON, quoted.
                other => field(&other.to_string()),
            })
            .collect();
        for p in v["policies"].as_array().into_iter().flatten() {
            for (metric, s) in p["metrics"].as_object().into_iter().flatten() {
                let f = |x: &Value| x.as_f64().map_or(String::new(), num);
                csv.push_str(&format!(
                    "{},{},{},{},{},{},{},{},{}\n",
                    cell.index,
                    params.join(","),
                    field(p["name"].as_str().unwrap_or("")),
                    metric,
                    f(&s["mean"]),
                    f(&s["ci95"][0]),
                    f(&s["ci95"][1]),
                    s["n"],
                    s["of"]
                ));
            }
        }
        json_cells.push(json!({
            "index": cell.index,
            "params": cell.params.iter().map(|(p, v)| (p.clone(), v.clone())).collect::<serde_json::Map<_, _>>(),
            "seed": v["seed"],
            "policies": v["policies"],
        }));
    }
    let doc = json!({ "scenario": man["scenario"], "replications": replications, "axes": axes, "cells": json_cells });
    let json_text = serde_json::to_string_pretty(&doc)? + "\n";
    // Charts come from sweep.json alone, so a merge draws the same ones.
    let charts = retrysim_plot::render_sweep(&json_text)?;
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("sweep.csv".into(), csv.into_bytes()),
        ("sweep.json".into(), json_text.into_bytes()),
    ];
    files.extend(charts.into_iter().map(|c| (c.name, c.png)));
    output::write_all(out, &files)?;
    Ok(doc)
}
