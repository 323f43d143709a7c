//! Errors from loading a scenario: where the problem is and how to fix it.

use std::fmt;

/// One invalid value: its field path and the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Field path, e.g. `service.limiter.rate` or `policies[2].timeout`.
    pub path: String,
    /// The rule and the value, e.g. `must be > 0, got -5`.
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// Not JSON.
    #[error("{line}:{column}: malformed JSON: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// JSON, but not a scenario: unknown or missing field, wrong type.
    #[error("{}{path}: {message}", position(*.line, *.column))]
    Schema {
        /// Field path, e.g. `policies[1].max_atempts`.
        path: String,
        /// 1-based line (0 when read from a value, not text).
        line: usize,
        /// 1-based column (0 when read from a value).
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A scenario with values out of range.
    #[error("{}", display_invalid(.0))]
    Invalid(Vec<FieldError>),
}

fn display_invalid(errors: &[FieldError]) -> String {
    let mut s = String::new();
    for (i, e) in errors.iter().enumerate() {
        if i > 0 {
            s.push_str("\n  ");
        }
        s.push_str(&e.to_string());
    }
    s
}

/// Collects field errors during validation.
#[derive(Debug, Default)]
pub(crate) struct Errors(pub Vec<FieldError>);

impl Errors {
    /// Records `message` at `path` unless `ok`.
    pub fn check(&mut self, ok: bool, path: impl Into<String>, message: impl FnOnce() -> String) {
        if !ok {
            self.0.push(FieldError {
                path: path.into(),
                message: message(),
            });
        }
    }

    /// Records an error unconditionally.
    pub fn push(&mut self, path: impl Into<String>, message: String) {
        self.0.push(FieldError {
            path: path.into(),
            message,
        });
    }
}

/// `line:column: `, or nothing for a scenario that was not read from text
/// (a sweep cell, a `--set` value).
fn position(line: usize, column: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!("{line}:{column}: ")
    }
}
