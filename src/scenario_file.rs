//! Loading a scenario file, with the file's name on every error.

use std::path::Path;

use anyhow::{Context, Result, anyhow};
use retrysim_model::{Scenario, ScenarioError};

/// Reads and validates `path`. Errors read `FILE:LINE:COL: …` for JSON and
/// schema problems and `FILE: field.path: rule, got value` for bad values.
pub fn load(path: &Path) -> Result<Scenario> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read scenario file {}", path.display()))?;
    Scenario::from_json(&text).map_err(|e| match e {
        ScenarioError::Invalid(_) => anyhow!("{}: invalid scenario: {e}", path.display()),
        _ => anyhow!("{}:{e}", path.display()),
    })
}
