//! A sweep's stored results, as types: the manifest that says which sweep a
//! folder belongs to, one result per finished cell, and the assembled sweep
//! (`sweep.json`, `sweep.csv`, the overview printed after a run). The binary
//! reads and writes the files; this module owns what is in them.

use std::collections::BTreeMap;

use retrysim_model::{ByMetric, Metric};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Axis, Cell, grid};
use crate::report::csv::{field, num};
use crate::stats::Stat;
use crate::summary::Summary;

/// The manifest's file name in a sweep folder.
pub const MANIFEST: &str = "sweep-manifest.json";

/// The file of cell `index` in a sweep's `cells/` folder.
pub fn cell_file(index: usize) -> String {
    format!("cell-{index:06}.json")
}

/// The cell index a file name in `cells/` stands for, if it is one.
pub fn cell_index(file_name: &str) -> Option<usize> {
    file_name
        .strip_prefix("cell-")?
        .strip_suffix(".json")?
        .parse()
        .ok()
}

/// Which sweep a folder belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The scenario's name.
    pub scenario: String,
    /// Replications per policy in every cell.
    pub replications: u32,
    /// Cells in the whole grid.
    pub cells: usize,
    /// The axes.
    pub axes: Vec<Axis>,
}

/// One policy's figures in one cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyFigures {
    /// Policy name.
    pub name: String,
    /// Every figure.
    pub metrics: ByMetric<Stat>,
}

/// One finished cell, as stored in `cells/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellResult {
    /// The cell's identity ([`Cell::key`]).
    pub key: String,
    /// Its seed.
    pub seed: u64,
    /// Replications per policy.
    pub replications: u32,
    /// Every policy's figures.
    pub policies: Vec<PolicyFigures>,
}

impl CellResult {
    /// The stored result of `cell`, run as `summary`.
    pub fn of(cell: &Cell, replications: u32, summary: &Summary) -> CellResult {
        CellResult {
            key: cell.key(),
            seed: cell.seed,
            replications,
            policies: summary
                .policies
                .iter()
                .map(|p| PolicyFigures {
                    name: p.name.clone(),
                    metrics: p.metrics.clone(),
                })
                .collect(),
        }
    }

    /// Whether this is the result of `cell` at `replications`.
    pub fn is_for(&self, cell: &Cell, replications: u32) -> bool {
        self.key == cell.key() && self.seed == cell.seed && self.replications == replications
    }
}

/// Why the cells found do not make the sweep.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A cell was found in two places.
    #[error("duplicated cells: {}", .0.join("; "))]
    Duplicated(Vec<String>),
    /// Cells of the grid were not found.
    #[error("{} of {total} cells missing: {}", .missing.len(), .missing.join(", "))]
    Missing {
        /// The grid's size.
        total: usize,
        /// `index (key)` of each missing cell.
        missing: Vec<String>,
    },
    /// The manifest's axes do not make a grid.
    #[error("{0}")]
    Grid(#[from] super::SweepError),
    /// A cell file holds another cell.
    #[error("cell {index} holds {found:?} but the grid expects {expected:?}")]
    Mismatch {
        /// The cell's index.
        index: usize,
        /// The key the file holds.
        found: String,
        /// The key of the grid's cell there.
        expected: String,
    },
}

/// One cell of the assembled sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepCell {
    /// Position in grid order.
    pub index: usize,
    /// Axis path → value.
    pub params: serde_json::Map<String, Value>,
    /// The cell's seed.
    pub seed: u64,
    /// Every policy's figures.
    pub policies: Vec<PolicyFigures>,
}

/// A whole sweep, as `sweep.json` holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepResults {
    /// The scenario's name.
    pub scenario: String,
    /// Replications per policy in every cell.
    pub replications: u32,
    /// The axes.
    pub axes: Vec<Axis>,
    /// Every cell, in grid order.
    pub cells: Vec<SweepCell>,
}

/// A cell result found on disk: where, and what it holds.
#[derive(Debug, Clone)]
pub struct Found {
    /// Where it was read from (for messages).
    pub place: String,
    /// The cell's index, from its file name.
    pub index: usize,
    /// What it holds.
    pub result: CellResult,
}

impl SweepResults {
    /// Assembles the grid of `manifest` from the cell results found: every
    /// cell exactly once, each the grid's own. Results at other
    /// replications are not this sweep's and are left out.
    pub fn assemble(manifest: &Manifest, found: Vec<Found>) -> Result<SweepResults, StoreError> {
        let mut by_index: BTreeMap<usize, Found> = BTreeMap::new();
        let mut duplicates = Vec::new();
        for f in found
            .into_iter()
            .filter(|f| f.result.replications == manifest.replications)
        {
            if let Some(other) = by_index.get(&f.index) {
                duplicates.push(format!(
                    "cell {} in {} and {}",
                    f.index, other.place, f.place
                ));
            } else {
                by_index.insert(f.index, f);
            }
        }
        if !duplicates.is_empty() {
            return Err(StoreError::Duplicated(duplicates));
        }
        let grid = grid(&manifest.axes, 0)?;
        let missing: Vec<String> = grid
            .iter()
            .filter(|c| !by_index.contains_key(&c.index))
            .map(|c| format!("{} ({})", c.index, c.key()))
            .collect();
        if !missing.is_empty() {
            return Err(StoreError::Missing {
                total: manifest.cells,
                missing,
            });
        }
        let mut cells = Vec::with_capacity(grid.len());
        for cell in &grid {
            let r = by_index.remove(&cell.index).map(|f| f.result);
            let Some(r) = r else { continue };
            if r.key != cell.key() {
                return Err(StoreError::Mismatch {
                    index: cell.index,
                    found: r.key,
                    expected: cell.key(),
                });
            }
            cells.push(SweepCell {
                index: cell.index,
                params: cell.params.iter().cloned().collect(),
                seed: r.seed,
                policies: r.policies,
            });
        }
        Ok(SweepResults {
            scenario: manifest.scenario.clone(),
            replications: manifest.replications,
            axes: manifest.axes.clone(),
            cells,
        })
    }

    /// `sweep.json`: pretty JSON with a trailing newline.
    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).expect("sweep results serialise") + "\n"
    }

    /// `sweep.csv`: one row per cell × policy × figure.
    pub fn csv(&self) -> String {
        let mut csv = String::from("cell");
        for a in &self.axes {
            csv.push(',');
            csv.push_str(&field(&a.path));
        }
        csv.push_str(",policy,metric,mean,ci_low,ci_high,n,of\n");
        let opt = |x: Option<f64>| x.map_or(String::new(), num);
        for cell in &self.cells {
            let params: Vec<String> = cell
                .params
                .values()
                .map(|val| match val {
                    Value::Number(n) => num(n.as_f64().unwrap_or(f64::NAN)),
                    Value::String(s) => field(s),
                    // An object or list (a whole workload): JSON, quoted.
                    other => field(&other.to_string()),
                })
                .collect();
            for p in &cell.policies {
                for (metric, s) in p.metrics.iter() {
                    csv.push_str(&format!(
                        "{},{},{},{},{},{},{},{},{}\n",
                        cell.index,
                        params.join(","),
                        field(&p.name),
                        metric,
                        opt(s.mean),
                        opt(s.ci95.map(|c| c[0])),
                        opt(s.ci95.map(|c| c[1])),
                        s.n,
                        s.of
                    ));
                }
            }
        }
        csv
    }

    /// Whether any cell has a value of `m` for any policy.
    pub fn has(&self, m: Metric) -> bool {
        self.cells
            .iter()
            .any(|c| c.policies.iter().any(|p| p.metrics[m].mean.is_some()))
    }

    /// One figure per cell and policy, as a Markdown table: the share of
    /// metastable runs when the scenario judges it, else the writes of a
    /// contended record, else the success rate.
    pub fn overview(&self) -> String {
        let (m, what) = if self.has(Metric::Metastable) {
            (Metric::Metastable, "runs metastable at the end of the load")
        } else if self.has(Metric::Writes) {
            (Metric::Writes, "writes sent (mean)")
        } else {
            (Metric::SuccessRate, "success rate (mean)")
        };
        let Some(first) = self.cells.first() else {
            return String::new();
        };
        let mut out = format!("\n{what}, per cell and policy:\n\n| cell |");
        for p in &first.policies {
            out.push_str(&format!(" {} |", p.name));
        }
        out.push_str(&format!("\n|---|{}\n", "---|".repeat(first.policies.len())));
        for c in &self.cells {
            let params: Vec<String> = c
                .params
                .iter()
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
            for p in &c.policies {
                let s = &p.metrics[m];
                let cell = match s.mean {
                    Some(x) if m == Metric::Metastable => {
                        format!("{} of {}", (x * s.n as f64).round(), s.n)
                    }
                    Some(x) if m == Metric::Writes => format!("{x:.0}"),
                    Some(x) => format!("{:.1} %", 100.0 * x),
                    None => "–".into(),
                };
                out.push_str(&format!(" {cell} |"));
            }
            out.push('\n');
        }
        out.push('\n');
        out
    }
}
