//! Loading a scenario file, with the file's name on every error and the
//! command-line overrides applied before validation.

use std::path::Path;

use anyhow::{Context, Result, anyhow};
use retrysim_model::{Overrides, Scenario, ScenarioError};

/// Reads `path`, applies `overrides` (`-r`, `-s`) and validates the result.
/// Errors read `FILE:LINE:COL: …` for JSON and schema problems and
/// `FILE: field.path: rule, got value` for bad values; a bad override is
/// named by its flag.
pub fn load(path: &Path, overrides: Overrides) -> Result<Scenario> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read scenario file {}", path.display()))?;
    Scenario::from_json_with(&text, overrides).map_err(|e| match e {
        ScenarioError::Invalid(mut errors) => {
            for e in &mut errors {
                match e.path.as_str() {
                    "replications" if overrides.replications.is_some() => {
                        e.path = "--replications".into();
                    }
                    "seed" if overrides.seed.is_some() => e.path = "--seed".into(),
                    _ => {}
                }
            }
            let e = ScenarioError::Invalid(errors);
            anyhow!("{}: invalid scenario: {e}", path.display())
        }
        _ => anyhow!("{}:{e}", path.display()),
    })
}
