//! A sweep axis in words: `workload.requests` is written "clients, one
//! request each — workload.requests" on a chart (the path kept, so a reader
//! can find the field to `--set`), and only the words in a title; a rate
//! curve value `[[0, 200]]` is written "200/s".

use serde_json::Value;

/// Words for the fields the shipped scenarios sweep, by path (a `[*]` or
/// `[0]` in a path matches any index).
const WORDS: [(&str, &str); 16] = [
    ("workload", "workload"),
    ("workload.clients", "client instances"),
    ("workload.requests", "clients, one request each"),
    ("workload.users", "users"),
    ("workload.rate", "offered load"),
    (
        "triggers[].capacity",
        "share of workers left during the drop",
    ),
    ("triggers[].duration", "trigger duration (s)"),
    ("service.limiter.rate", "limiter rate (calls/s)"),
    ("service.workers.concurrency", "workers"),
    ("service.workers.queue_order", "queue order"),
    ("service.workers.control", "overload control"),
    ("service.replicas.balancer", "balancer"),
    ("service.replicas.retry", "where a retry goes"),
    ("policies[].backoff.base", "backoff base (s)"),
    ("policies[].max_attempts", "attempts allowed"),
    ("policies[].timeout", "timeout (s)"),
];

/// `policies[*].backoff.base` and `policies[3].backoff.base` both read as
/// `policies[].backoff.base`.
fn without_indices(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut inside = false;
    for ch in path.chars() {
        match ch {
            '[' => {
                inside = true;
                out.push('[');
            }
            ']' => {
                inside = false;
                out.push(']');
            }
            _ if inside => {}
            _ => out.push(ch),
        }
    }
    out
}

/// The words alone, for chart titles: `workload.clients` → "client
/// instances"; a field without words is its last part with spaces.
pub fn axis_words(path: &str) -> String {
    let key = without_indices(path);
    match WORDS.iter().find(|(p, _)| *p == key) {
        Some((_, words)) => words.to_string(),
        None => key.rsplit('.').next().unwrap_or(&key).replace('_', " "),
    }
}

/// The axis title for a swept field: words and the path, or, for a field
/// without words, its last part with spaces and the path.
pub fn axis_name(path: &str) -> String {
    let key = without_indices(path);
    if let Some((_, words)) = WORDS.iter().find(|(p, _)| *p == key) {
        if *words == path {
            return path.to_string();
        }
        return format!("{words} — {path}");
    }
    let last = key.rsplit('.').next().unwrap_or(&key).replace('_', " ");
    if last == path {
        last
    } else {
        format!("{last} — {path}")
    }
}

/// A swept value as a tick label: a string as is, an object by its `kind`,
/// a constant rate curve `[[0, r]]` as `r/s`, anything else as JSON.
pub fn value_label(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        // A whole object as a value (e.g. a workload): its kind names it.
        Value::Object(o) if o.get("kind").is_some_and(Value::is_string) => {
            o["kind"].as_str().unwrap_or("").to_string()
        }
        Value::Array(points) => match points.as_slice() {
            [Value::Array(p)] if p.len() == 2 && p[1].is_number() => format!("{}/s", p[1]),
            _ => v.to_string(),
        },
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_paths_read_as_words_and_keep_the_path() {
        assert_eq!(
            axis_name("workload.requests"),
            "clients, one request each — workload.requests"
        );
        assert_eq!(
            axis_name("policies[*].backoff.base"),
            "backoff base (s) — policies[*].backoff.base"
        );
        assert_eq!(
            axis_name("triggers[0].capacity"),
            "share of workers left during the drop — triggers[0].capacity"
        );
        assert_eq!(axis_name("workload"), "workload");
        assert_eq!(axis_words("workload.clients"), "client instances");
        assert_eq!(axis_words("service.workers.queue_limit"), "queue limit");
        assert_eq!(
            axis_name("service.workers.queue_limit"),
            "queue limit — service.workers.queue_limit"
        );
    }

    #[test]
    fn values_read_as_a_person_writes_them() {
        let v: Value = serde_json::from_str(r#"[[0, 200]]"#).unwrap();
        assert_eq!(value_label(&v), "200/s");
        let ramp: Value = serde_json::from_str(r#"[[0, 200], [10, 400]]"#).unwrap();
        assert_eq!(value_label(&ramp), "[[0,200],[10,400]]");
        let w: Value = serde_json::from_str(r#"{"kind": "closed", "users": 5}"#).unwrap();
        assert_eq!(value_label(&w), "closed");
        assert_eq!(value_label(&Value::from(0.25)), "0.25");
    }
}
