//! JSON text to a [`ScenarioSpec`], with line:column and the field path on
//! every error, worded for a scenario author rather than in serde's terms.

use super::error::ScenarioError;
use super::spec::ScenarioSpec;

pub(crate) fn display_path(p: &serde_path_to_error::Path) -> String {
    let s = p.to_string();
    if s == "." { "(top level)".into() } else { s }
}

/// Parses JSON text into a [`ScenarioSpec`], with line:column and the field
/// path on every error.
pub(crate) fn parse(text: &str) -> Result<ScenarioSpec, ScenarioError> {
    if text.trim().is_empty() {
        return Err(ScenarioError::Syntax {
            line: 1,
            column: 1,
            message: "the file is empty: a scenario is a JSON object".into(),
        });
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let spec: ScenarioSpec = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = display_path(e.path());
        let inner = e.into_inner();
        let (line, column) = (inner.line(), inner.column());
        let message = strip_position(&inner.to_string());
        match inner.classify() {
            serde_json::error::Category::Data => ScenarioError::Schema {
                path,
                line,
                column,
                message,
            },
            _ => ScenarioError::Syntax {
                line,
                column,
                message,
            },
        }
    })?;
    de.end().map_err(|e| ScenarioError::Syntax {
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    })?;
    let written: serde_json::Value =
        serde_json::from_str(text).map_err(|e| ScenarioError::Syntax {
            line: e.line(),
            column: e.column(),
            message: strip_position(&e.to_string()),
        })?;
    objects_written_as_objects(&written, &spec)?;
    Ok(spec)
}

/// serde reads a struct from a list of its fields in order, so that
/// `"budget": [[]]` would quietly mean a retry quota with its defaults.
/// Every part of the format that is an object must be written as one.
pub(crate) fn objects_written_as_objects(
    written: &serde_json::Value,
    spec: &ScenarioSpec,
) -> Result<(), ScenarioError> {
    fn walk(written: &serde_json::Value, read: &serde_json::Value, at: String) -> Option<String> {
        use serde_json::Value::{Array, Object};
        match (written, read) {
            (Array(_), Object(_)) => Some(at),
            (Object(w), Object(r)) => w.iter().find_map(|(k, v)| {
                let here = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                r.get(k).and_then(|x| walk(v, x, here))
            }),
            (Array(w), Array(r)) => w
                .iter()
                .zip(r)
                .enumerate()
                .find_map(|(i, (v, x))| walk(v, x, format!("{at}[{i}]"))),
            _ => None,
        }
    }
    // A spec read from JSON writes back to JSON; were it ever not to, the
    // check has nothing to compare and the spec stands as read.
    let Ok(read) = serde_json::to_value(spec) else {
        return Ok(());
    };
    match walk(written, &read, String::new()) {
        None => Ok(()),
        Some(path) => Err(ScenarioError::Invalid(vec![super::FieldError {
            path,
            message: "expected an object {…}, got a list".into(),
        }])),
    }
}

/// serde_json appends " at line L column C"; we print the position first.
/// Rust type names are replaced by what a scenario author knows.
fn strip_position(message: &str) -> String {
    let message = match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    };
    plain_words(message)
}

/// Replaces serde's type jargon with scenario vocabulary.
pub(crate) fn plain_words(message: &str) -> String {
    let mut m = message.to_string();
    for (jargon, plain) in [
        ("expected f64", "expected a number"),
        (
            "expected u64",
            "expected a whole number from 0 to 18446744073709551615",
        ),
        (
            "expected u32",
            "expected a whole number from 0 to 4294967295",
        ),
        ("expected a sequence", "expected a list"),
        ("expected a boolean", "expected true or false"),
    ] {
        m = m.replace(jargon, plain);
    }
    if let Some(i) = m.find("expected internally tagged enum ") {
        m.truncate(i);
        m.push_str("expected an object with a \"kind\" field, e.g. {\"kind\": \"exponential\", \"base\": 1}");
    }
    if m.contains("expected struct ") || m.contains("expected a map") {
        m = m.replace("expected a map", "expected an object {…}");
        if let Some(i) = m.find("expected struct ") {
            m.truncate(i);
            m.push_str("expected an object {…}");
        }
    }
    m
}
