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
        let mut path = display_path(e.path());
        let inner = e.into_inner();
        let (mut line, mut column) = (inner.line(), inner.column());
        let message = strip_position(&inner.to_string());
        if let Ok(written) = serde_json::from_str::<serde_json::Value>(text)
            && let Some(deeper) = deeper_path(&written, &path, &message)
        {
            // serde placed the error at the end of the enclosing object;
            // the value itself is the better place.
            if let Some((l, c)) = value_position(text, line, column, &deeper, &message) {
                (line, column) = (l, c);
            }
            path = deeper;
        }
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

/// serde buffers the fields of an object with a `kind` (an internally tagged
/// enum) before reading them, so a wrong value inside one is reported at the
/// object: `workload` for `workload.rate`. When the message names the
/// offending value ("invalid type: integer `80`, …", "invalid value:
/// integer `4294967296`, expected a whole number …") and exactly one value
/// inside the object at `path` is that value, its path is the better one.
pub(crate) fn deeper_path(
    written: &serde_json::Value,
    path: &str,
    message: &str,
) -> Option<String> {
    use serde_json::Value;
    fn describe(v: &Value) -> String {
        match v {
            Value::Null => "null".into(),
            Value::Bool(b) => format!("boolean `{b}`"),
            Value::Number(n) if n.is_f64() => format!("floating point `{n}`"),
            Value::Number(n) => format!("integer `{n}`"),
            Value::String(s) => format!("string {s:?}"),
            Value::Array(_) => "sequence".into(),
            Value::Object(_) => "map".into(),
        }
    }
    fn find(v: &Value, at: &str, want: &str, found: &mut Vec<String>) {
        let children: Vec<(String, &Value)> = match v {
            Value::Object(m) => m.iter().map(|(k, x)| (format!("{at}.{k}"), x)).collect(),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, x)| (format!("{at}[{i}]"), x))
                .collect(),
            _ => return,
        };
        for (here, x) in children {
            if describe(x) == want {
                found.push(here.clone());
            }
            find(x, &here, want, found);
        }
    }
    let want = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))?
        .split(", expected")
        .next()?;
    if want == "map" || want == "sequence" {
        return None; // too common to point at one
    }
    let mut at = written;
    for part in path.split('.') {
        let (key, indices) = part.split_once('[').map_or((part, ""), |(k, i)| (k, i));
        at = at.get(key)?;
        for i in indices.split('[').filter(|i| !i.is_empty()) {
            at = at.get(i.trim_end_matches(']').parse::<usize>().ok()?)?;
        }
    }
    let mut found = Vec::new();
    find(at, path, want, &mut found);
    (found.len() == 1).then(|| found.remove(0))
}

/// Where the value of field `path` (its last key) starts, searching back
/// from serde's position (`line`:`column`, the end of the enclosing
/// object) for `"key":` followed by the value the message names; `None`
/// when it is not found as written.
fn value_position(
    text: &str,
    line: usize,
    column: usize,
    path: &str,
    message: &str,
) -> Option<(usize, usize)> {
    let key = path.rsplit('.').next()?;
    if key.ends_with(']') {
        return None;
    }
    // The value as the message quotes it: integer `80`, string "1s".
    let described = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))?
        .split(", expected")
        .next()?;
    let written = if let Some(s) = described.strip_prefix("string ") {
        s.to_string()
    } else {
        described.split('`').nth(1)?.to_string()
    };
    // Byte offset of serde's position.
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let end = text[line_start..]
        .char_indices()
        .nth(column)
        .map_or(text.len(), |(i, _)| line_start + i);
    let needle = format!("\"{key}\"");
    let at = text[..end].rfind(&needle)? + needle.len();
    let rest = text[at..].trim_start();
    let rest = rest.strip_prefix(':')?.trim_start();
    if !rest.starts_with(&written) {
        return None;
    }
    let offset = text.len() - rest.len();
    let before = &text[..offset];
    let l = before.matches('\n').count() + 1;
    let c = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .count()
        + 1;
    Some((l, c))
}

/// For "unknown field `x`, expected one of `a`, `b`": the known field it
/// most likely meant, if one is close (or a name from other retry
/// libraries).
fn did_you_mean(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (field, rest) = rest.split_once('`')?;
    if field == "max_retries" || field == "retries" {
        return Some(
            "; did you mean `max_attempts`? It counts the first try too: N retries is max_attempts N + 1"
                .into(),
        );
    }
    let known: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    let (best, distance) = known
        .iter()
        .map(|k| (*k, edit_distance(field, k)))
        .min_by_key(|(_, d)| *d)?;
    (distance <= 2 && distance < field.len()).then(|| format!("; did you mean `{best}`?"))
}

/// Levenshtein distance between two short names.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(here + 1);
            prev = here;
        }
    }
    row[b.len()]
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
    if let Some(hint) = did_you_mean(&m) {
        m.push_str(&hint);
    }
    if let Some(i) = m.find("expected internally tagged enum ") {
        let example = match m[i..].split_whitespace().nth(4).unwrap_or("") {
            "BackoffSpec" => r#"{"kind": "exponential", "base": 1}"#,
            "JitterSpec" => r#"{"kind": "full"}"#,
            "RetryAfterSpec" => r#"{"kind": "obey", "cap": 30}"#,
            "DurationSpec" => r#"{"kind": "lognormal", "median": 0.8, "p99": 5}"#,
            "WorkloadSpec" => r#"{"kind": "open", "rate": [[0, 100]]}"#,
            "QueueOrderSpec" => r#"{"kind": "fifo"}"#,
            "BalancerSpec" => r#"{"kind": "round_robin"}"#,
            _ => r#"{"kind": …} (docs/model.md lists the kinds)"#,
        };
        m.truncate(i);
        m.push_str(&format!(
            "expected an object with a \"kind\" field, e.g. {example}"
        ));
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
