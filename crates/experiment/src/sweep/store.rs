//! A sweep's stored results, as types: the manifest that says which sweep a
//! folder belongs to, one result per finished cell, and the assembled sweep
//! (`sweep.json`, `sweep.csv`, the overview printed after a run). The binary
//! reads and writes the files; this module owns what is in them.

use std::collections::BTreeMap;

use retrysim_model::{ByMetric, Metric, Scalars};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Axis;
use super::plan::PlannedCell;
use crate::report::csv::{field, num};
use crate::report::tidy::{stat_fields, write_replications};
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

/// Which sweep a folder belongs to: written first by every sweep, shard and
/// merge, compared by every resume and merge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The version of the result formats
    /// ([`RESULTS_FORMAT`](crate::fingerprint::RESULTS_FORMAT)).
    pub format: u32,
    /// The version of the model that computed the cells
    /// ([`MODEL_VERSION`](retrysim_model::MODEL_VERSION)); 0 in manifests
    /// written before it was recorded.
    #[serde(default)]
    pub model: u32,
    /// The scenario's name.
    pub scenario: String,
    /// Fingerprint of the resolved scenario the cells vary (without its
    /// sweep block, overrides applied).
    pub fingerprint: String,
    /// The seed the cells' seeds derive from.
    pub seed: u64,
    /// Replications per policy in every cell.
    pub replications: u32,
    /// Cells in the whole grid.
    pub cells: usize,
    /// The axes.
    pub axes: Vec<Axis>,
    /// The resolved scenario the cells vary, as JSON.
    pub base: Value,
}

impl Manifest {
    /// Why this retrysim cannot use the cells of this manifest: written in
    /// another results format or computed by another model version; `None`
    /// if it can.
    pub fn foreign(&self) -> Option<String> {
        use crate::fingerprint::RESULTS_FORMAT;
        use retrysim_model::MODEL_VERSION;
        if self.format != RESULTS_FORMAT {
            Some(format!(
                "its results are in format {}, and this retrysim writes format {RESULTS_FORMAT}",
                self.format
            ))
        } else if self.model != MODEL_VERSION {
            Some(format!(
                "its cells were computed by model version {}, and this retrysim's model is \
                 version {MODEL_VERSION}, whose numbers may differ",
                self.model
            ))
        } else {
            None
        }
    }

    /// Why `other` (read from `place`) is not the same sweep as this one:
    /// the first field that differs, with both values; `None` if it is.
    pub fn differs(&self, other: &Manifest) -> Option<String> {
        let show = |v: &dyn std::fmt::Debug| format!("{v:?}");
        if self.model != other.model {
            return Some(format!(
                "they were computed by different models (model version {} here, {} there: \
                 different retrysim builds)",
                self.model, other.model
            ));
        }
        let fields: [(&str, String, String); 6] = [
            ("format", show(&self.format), show(&other.format)),
            ("scenario", show(&self.scenario), show(&other.scenario)),
            ("seed", show(&self.seed), show(&other.seed)),
            (
                "replications",
                show(&self.replications),
                show(&other.replications),
            ),
            (
                "axes",
                serde_json::to_string(&self.axes).unwrap_or_default(),
                serde_json::to_string(&other.axes).unwrap_or_default(),
            ),
            (
                "fingerprint",
                self.fingerprint.clone(),
                other.fingerprint.clone(),
            ),
        ];
        for (name, a, b) in fields {
            if a != b {
                if name == "fingerprint"
                    && let Some(path) = first_difference(&self.base, &other.base, String::new())
                {
                    return Some(format!("the scenario differs at {path}"));
                }
                return Some(format!("{name} is {a} here and {b} there"));
            }
        }
        None
    }
}

/// The path of the first value that differs between two JSON documents.
fn first_difference(a: &Value, b: &Value, at: String) -> Option<String> {
    let join = |k: &str| {
        if at.is_empty() {
            k.to_string()
        } else {
            format!("{at}.{k}")
        }
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    Some(w) => {
                        if let Some(p) = first_difference(v, w, join(k)) {
                            return Some(p);
                        }
                    }
                    None => return Some(format!("{} ({v} here, absent there)", join(k))),
                }
            }
            y.keys()
                .find(|k| !x.contains_key(*k))
                .map(|k| format!("{} (absent here, {} there)", join(k), y[k]))
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (v, w))| first_difference(v, w, format!("{at}[{i}]"))),
        _ if a == b => None,
        _ => Some(format!("{at} ({a} here, {b} there)")),
    }
}

/// One policy's figures in one cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyFigures {
    /// Policy name.
    pub name: String,
    /// Every figure.
    pub metrics: ByMetric<Stat>,
    /// Every figure of every replication, in replication order (kept in
    /// cell files; `sweep.json` leaves them out, `sweep-replications.csv`
    /// holds them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replications: Vec<Scalars>,
}

/// One finished cell, as stored in `cells/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellResult {
    /// The cell's identity ([`super::Cell::key`]).
    pub key: String,
    /// Fingerprint of the cell's resolved scenario.
    pub fingerprint: String,
    /// Its seed.
    pub seed: u64,
    /// Replications per policy.
    pub replications: u32,
    /// Every policy's figures.
    pub policies: Vec<PolicyFigures>,
}

/// How a stored cell result compares with the cell the grid expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// It is that cell's complete result.
    Complete,
    /// It is another cell's, or was computed from another scenario, seed or
    /// replications.
    Stale,
    /// It lacks policies the scenario has, or replications' values.
    Incomplete,
}

impl CellResult {
    /// The stored result of `planned`, run as `summary`.
    pub fn of(planned: &PlannedCell, summary: &Summary) -> CellResult {
        let cell = &planned.cell;
        CellResult {
            key: cell.key(),
            fingerprint: planned.fingerprint.clone(),
            seed: cell.seed,
            replications: planned.scenario.replications(),
            policies: summary
                .policies
                .iter()
                .map(|p| PolicyFigures {
                    name: p.name.clone(),
                    metrics: p.metrics.clone(),
                    replications: p.per_replication.clone(),
                })
                .collect(),
        }
    }

    /// Whether this is `planned`'s complete result.
    pub fn judge(&self, planned: &PlannedCell) -> Verdict {
        let cell = &planned.cell;
        if self.key != cell.key()
            || self.seed != cell.seed
            || self.replications != planned.scenario.replications()
            || self.fingerprint != planned.fingerprint
        {
            return Verdict::Stale;
        }
        let names = planned.scenario.policies().iter().map(|p| p.name());
        if !self.policies.iter().map(|p| p.name.as_str()).eq(names)
            || self
                .policies
                .iter()
                .any(|p| p.replications.len() != self.replications as usize)
        {
            return Verdict::Incomplete;
        }
        Verdict::Complete
    }
}

/// Why the cells found do not make the sweep.
#[derive(Debug, thiserror::Error)]
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
    /// A cell file is not the result of the cell the grid expects there.
    #[error("cell {index} ({key}) in {place} {why}: run that shard again")]
    Mismatch {
        /// The cell's index.
        index: usize,
        /// The key of the grid's cell there.
        key: String,
        /// Where the file is.
        place: String,
        /// How it differs.
        why: &'static str,
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
    /// Every policy's figures (without their replications).
    pub policies: Vec<PolicyFigures>,
    /// Per policy, every figure of every replication (not in `sweep.json`).
    #[serde(skip)]
    pub replications: Vec<Vec<Scalars>>,
}

impl SweepCell {
    /// The cell's axis values as CSV fields, joined.
    fn params_csv(&self) -> String {
        let params: Vec<String> = self
            .params
            .values()
            .map(|val| match val {
                Value::Number(n) => num(n.as_f64().unwrap_or(f64::NAN)),
                Value::String(s) => field(s),
                // An object or list (a whole workload): JSON, quoted.
                other => field(&other.to_string()),
            })
            .collect();
        params.join(",")
    }
}

/// A whole sweep, as `sweep.json` holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepResults {
    /// The scenario's name.
    pub scenario: String,
    /// The manifest's fingerprint.
    pub fingerprint: String,
    /// Replications per policy in every cell.
    pub replications: u32,
    /// The axes.
    pub axes: Vec<Axis>,
    /// Every cell, in grid order.
    pub cells: Vec<SweepCell>,
    /// Whether the cells name a trigger (`metrics.trigger` or `triggers`):
    /// without one, recovery has no moment to count from and is not
    /// charted. Written only when false, so triggered sweeps' files are as
    /// they were.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub triggered: bool,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
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
    /// Assembles the grid of `manifest`, whose cells are `expected` (see
    /// [`super::plan::expected`]), from the cell results found: every cell
    /// exactly once, each the complete result of the cell the grid expects
    /// there (same key, seed, replications and fingerprint). Files of cells
    /// outside the grid (left by an earlier, larger sweep) are ignored.
    pub fn assemble(
        manifest: &Manifest,
        expected: &[PlannedCell],
        found: Vec<Found>,
    ) -> Result<SweepResults, StoreError> {
        let in_grid: std::collections::BTreeSet<usize> =
            expected.iter().map(|p| p.cell.index).collect();
        let mut by_index: BTreeMap<usize, Found> = BTreeMap::new();
        let mut duplicates = Vec::new();
        for f in found.into_iter().filter(|f| in_grid.contains(&f.index)) {
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
        let missing: Vec<String> = expected
            .iter()
            .filter(|p| !by_index.contains_key(&p.cell.index))
            .map(|p| format!("{} ({})", p.cell.index, p.cell.key()))
            .collect();
        if !missing.is_empty() {
            return Err(StoreError::Missing {
                total: manifest.cells,
                missing,
            });
        }
        let mut cells = Vec::with_capacity(expected.len());
        for planned in expected {
            let Some(f) = by_index.remove(&planned.cell.index) else {
                continue;
            };
            let why = match f.result.judge(planned) {
                Verdict::Complete => None,
                Verdict::Stale => Some(
                    "was computed from another scenario, seed, replication count or model version",
                ),
                Verdict::Incomplete => {
                    Some("lacks some of the scenario's policies or replications")
                }
            };
            if let Some(why) = why {
                return Err(StoreError::Mismatch {
                    index: planned.cell.index,
                    key: planned.cell.key(),
                    place: f.place,
                    why,
                });
            }
            let mut policies = f.result.policies;
            let replications = policies
                .iter_mut()
                .map(|p| std::mem::take(&mut p.replications))
                .collect();
            cells.push(SweepCell {
                index: planned.cell.index,
                params: planned.cell.params.iter().cloned().collect(),
                seed: f.result.seed,
                policies,
                replications,
            });
        }
        Ok(SweepResults {
            scenario: manifest.scenario.clone(),
            fingerprint: manifest.fingerprint.clone(),
            replications: manifest.replications,
            axes: manifest.axes.clone(),
            cells,
            triggered: expected.iter().any(|p| p.scenario.spec().names_a_trigger()),
        })
    }

    /// `sweep.json`: pretty JSON with a trailing newline.
    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).expect("sweep results serialise") + "\n"
    }

    /// The header's first columns: `cell` and the axes' paths.
    fn cell_columns(&self) -> String {
        let mut csv = String::from("cell");
        for a in &self.axes {
            csv.push(',');
            csv.push_str(&field(&a.path));
        }
        csv
    }

    /// `sweep.csv`: one row per cell × policy × figure.
    pub fn csv(&self) -> String {
        let mut csv = self.cell_columns();
        csv.push_str(",policy,metric,mean,ci_low,ci_high,n,of,unit\n");
        // Means to 6 significant digits, as sweep.csv always had them
        // (sweep-replications.csv has full precision).
        let opt = |x: Option<f64>| x.map_or(String::new(), num);
        for cell in &self.cells {
            let params = cell.params_csv();
            for p in &cell.policies {
                for (metric, s) in p.metrics.iter() {
                    csv.push_str(&format!(
                        "{},{params},{},{metric},{}\n",
                        cell.index,
                        field(&p.name),
                        stat_fields(metric, s, opt)
                    ));
                }
            }
        }
        csv
    }

    /// `sweep-replications.csv`: one row per cell × policy × replication ×
    /// figure, in full precision (as a run's `replications.csv`), with the
    /// cell's seed.
    pub fn replications_csv(&self) -> String {
        let mut csv = self.cell_columns();
        csv.push_str(",policy,replication,seed,metric,value,unit\n");
        for cell in &self.cells {
            let params = cell.params_csv();
            for (p, reps) in cell.policies.iter().zip(&cell.replications) {
                let prefix = format!("{},{params},{}", cell.index, field(&p.name));
                write_replications(&mut csv, &prefix, cell.seed, reps);
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

    /// The figure `sweep` prints when not told which: the share of
    /// metastable runs when the scenario judges it, else the writes of a
    /// contended record, else the success rate.
    pub fn default_figure(&self) -> Metric {
        if self.has(Metric::Metastable) {
            Metric::Metastable
        } else if self.has(Metric::Writes) {
            Metric::Writes
        } else {
            Metric::SuccessRate
        }
    }

    /// One figure per cell and policy, as a Markdown table, each cell as
    /// the reports write it (mean ± 95 % CI half-width; `never` for a
    /// recovery that never came; `k of n` metastable runs).
    pub fn overview(&self, m: Metric) -> String {
        let what = if m == Metric::Metastable {
            "runs metastable at the end of the load (metastable)".to_string()
        } else {
            format!("{} (mean ± 95 % CI)", m.name())
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
                        format!("{} of {} runs", (x * s.n as f64).round(), s.n)
                    }
                    _ => figure_cell(m, s),
                };
                out.push_str(&format!(" {cell} |"));
            }
            out.push('\n');
        }
        out.push('\n');
        out
    }
}

/// One figure as the reports write it, by its unit.
fn figure_cell(m: Metric, s: &Stat) -> String {
    use crate::report::cell;
    use retrysim_model::Unit;
    match m {
        Metric::ErrorRecoveryS
        | Metric::UserRecoveryS
        | Metric::ErrorRecoveryAfterEndS
        | Metric::UserRecoveryAfterEndS => cell::recovery(s),
        Metric::LatencyP50S | Metric::LatencyP90S | Metric::LatencyP99S | Metric::LatencyP999S => {
            cell::percentile(s)
        }
        _ => match m.unit() {
            Unit::Fraction => cell::percent(s),
            Unit::Seconds => cell::seconds(s),
            Unit::Usd => cell::dollars(s),
            Unit::Count => cell::number(s, 0),
            Unit::Ratio => cell::number(s, 2),
        },
    }
}
