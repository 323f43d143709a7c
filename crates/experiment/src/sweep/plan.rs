//! From a scenario and its axes to the cells of a sweep, each a validated
//! scenario of its own with its fingerprint; and back, from a stored
//! manifest to the cells it stands for (so that a merge can check that a
//! cell file is the cell the grid expects).

use retrysim_model::{Scenario, ScenarioError};
use serde_json::{Value, json};

use super::store::Manifest;
use super::{Axis, AxisSpec, Cell, SweepError, grid, set, shard};
use crate::fingerprint::{self, RESULTS_FORMAT};

/// Why a sweep cannot be planned.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// An axis or the grid is wrong.
    #[error("{0}")]
    Axis(#[from] SweepError),
    /// A cell's scenario is invalid.
    #[error("sweep cell {key}: {error}")]
    Cell {
        /// The cell's identity.
        key: String,
        /// Why its scenario is invalid.
        error: ScenarioError,
    },
}

/// One cell ready to run: its scenario and the fingerprint of its results.
#[derive(Debug, Clone)]
pub struct PlannedCell {
    /// The cell.
    pub cell: Cell,
    /// Its scenario: the base with the cell's values and seed.
    pub scenario: Scenario,
    /// The fingerprint of its scenario: what its result file must carry.
    pub fingerprint: String,
}

/// A sweep ready to run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// What every folder of this sweep records.
    pub manifest: Manifest,
    /// The cells to run (all, or one shard's).
    pub cells: Vec<PlannedCell>,
}

/// The axes of `base`'s `sweep` block, then `extra` (each replacing an axis
/// of the same path).
pub fn axes(base: &Scenario, extra: Vec<Axis>) -> Result<Vec<Axis>, SweepError> {
    let mut axes = Vec::new();
    for (path, spec) in base.spec().sweep.clone().unwrap_or_default() {
        let spec: AxisSpec = serde_json::from_value(spec).map_err(|_| SweepError {
            path: format!("sweep.{path}"),
            message: "give a list of values or {\"from\", \"to\", \"steps\"}".into(),
        })?;
        axes.push(Axis {
            values: spec.values(&path)?,
            path,
        });
    }
    for axis in extra {
        axes.retain(|a| a.path != axis.path);
        axes.push(axis);
    }
    if axes.is_empty() {
        return Err(SweepError {
            path: "sweep".into(),
            message: "nothing to sweep: add a `sweep` block to the scenario or --set PATH=V1,V2"
                .into(),
        });
    }
    Ok(axes)
}

/// The scenario of `cell`: `base` (a resolved scenario as JSON, without its
/// sweep block) with the cell's values set and its seed.
fn cell_scenario(base: &Value, cell: &Cell) -> Result<PlannedCell, PlanError> {
    let mut doc = base.clone();
    for (path, value) in &cell.params {
        set(&mut doc, path, value)?;
    }
    doc["seed"] = json!(cell.seed);
    let scenario = Scenario::from_value(doc).map_err(|error| PlanError::Cell {
        key: cell.key(),
        error,
    })?;
    Ok(PlannedCell {
        fingerprint: fingerprint::of(scenario.spec()),
        cell: cell.clone(),
        scenario,
    })
}

/// Plans the sweep of `base` (validated, command-line overrides applied)
/// over `axes`; `shard` `(k, n)` keeps every n-th cell from the k-th. Every
/// cell is validated before anything runs.
pub fn plan(
    base: &Scenario,
    axes: Vec<Axis>,
    shard_of: Option<(usize, usize)>,
) -> Result<Plan, PlanError> {
    let mut doc = serde_json::to_value(base.spec()).expect("a spec serialises");
    if let Some(o) = doc.as_object_mut() {
        o.remove("sweep");
    }
    let base_spec: retrysim_model::ScenarioSpec =
        serde_json::from_value(doc.clone()).expect("a spec reads back");
    let mut cells = grid(&axes, base.seed())?;
    let manifest = Manifest {
        format: RESULTS_FORMAT,
        model: retrysim_model::MODEL_VERSION,
        scenario: base.name().to_string(),
        fingerprint: fingerprint::of(&base_spec),
        seed: base.seed(),
        replications: base.replications(),
        cells: cells.len(),
        axes,
        base: doc,
    };
    if let Some((k, n)) = shard_of {
        cells = shard(cells, k, n);
    }
    let cells = cells
        .iter()
        .map(|c| cell_scenario(&manifest.base, c))
        .collect::<Result<_, _>>()?;
    Ok(Plan { manifest, cells })
}

/// Every cell of `manifest`'s grid, resolved from its stored base scenario.
pub fn expected(manifest: &Manifest) -> Result<Vec<PlannedCell>, PlanError> {
    grid(&manifest.axes, manifest.seed)?
        .iter()
        .map(|c| cell_scenario(&manifest.base, c))
        .collect()
}
