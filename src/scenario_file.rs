//! Loading a scenario file, with the file's name on every error and the
//! command-line overrides applied before validation.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use retrysim_model::{Overrides, Scenario, ScenarioError};

/// Largest input file read: a scenario or claim is a few kilobytes.
const MAX_FILE_BYTES: u64 = 16 << 20;

/// Reads `path` as text: at most 16 MiB, valid UTF-8 (an invalid byte is
/// named by line and column).
pub fn read_text(path: &Path, what: &str) -> Result<String> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("cannot read {what} file {}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {what} file {}", path.display()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        bail!(
            "{}: larger than {} MiB: a {what} file is a JSON object of a few kilobytes",
            path.display(),
            MAX_FILE_BYTES >> 20
        );
    }
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
        let start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&good[start..]).chars().count() + 1;
        anyhow!(
            "{}:{line}:{column}: not UTF-8 text: a {what} file is JSON in UTF-8",
            path.display()
        )
    })
}

/// Reads `path`, applies `overrides` (`-r`, `-s`) and validates the result.
/// Errors read `FILE:LINE:COL: …` for JSON and schema problems and
/// `FILE: field.path: rule, got value` for bad values; a bad override is
/// named by its flag.
pub fn load(path: &Path, overrides: Overrides) -> Result<Scenario> {
    let text = read_text(path, "scenario")?;
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
        _ if is_claim_file(&text) => anyhow!(
            "{}: this is a claim file, not a scenario: judge it with `retrysim check {}`",
            path.display(),
            path.display()
        ),
        _ => anyhow!("{}:{e}", path.display()),
    })
}

/// Whether `text` is a claim (`scenarios/claims/*.json`): an object with a
/// `claim` and a `check`.
fn is_claim_file(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .is_ok_and(|v| v.get("claim").is_some() && v.get("check").is_some())
}
