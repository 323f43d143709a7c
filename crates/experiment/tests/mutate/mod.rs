//! A structure-aware scenario mutator on the stable toolchain: it takes a
//! shipped scenario, makes it small enough to run in milliseconds, then
//! changes one to four of its fields (or its text) to values that are at
//! the edges of what a field takes, of the wrong type, or missing. Every
//! input is a pure function of its case number.

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

/// The shipped scenarios, by file name.
pub fn shipped() -> Vec<(String, Value)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios");
    let mut out: Vec<(String, Value)> = std::fs::read_dir(dir)
        .expect("scenarios/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("a shipped scenario reads");
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (
                name,
                serde_json::from_str(&text).expect("a shipped scenario parses"),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Edge values a field may be set to.
fn edge(rng: &mut ChaCha8Rng) -> Value {
    let choices = [
        json!(0),
        json!(1),
        json!(-1),
        json!(2),
        json!(0.5),
        json!(1e-9),
        json!(255),
        json!(65535),
        json!(65536),
        json!(4294967295u64),
        json!(4294967296u64),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(1e9),
        json!(1e18),
        json!(1e300),
        json!(-1e300),
        json!(100000000),
        json!(1000000),
        json!(""),
        json!("x\ny"),
        json!("x".repeat(300)),
        json!(null),
        json!(true),
        json!([]),
        json!([[]]),
        json!({}),
        json!([0, 0]),
        json!({"kind": "constant", "value": 0}),
        json!({"kind": "exponential", "mean": 0}),
    ];
    choices.choose(rng).cloned().unwrap_or(Value::Null)
}

/// Pieces a scenario may gain, at a path.
fn graft(rng: &mut ChaCha8Rng, s: &mut Value) {
    let pieces = [
        (
            "/policies/0/budget",
            json!({"circuit_breaker": {"window": 1000000, "minimum_calls": 1}}),
        ),
        ("/policies/0/budget", json!({"ratio": {"window": 3600}})),
        (
            "/policies/0/budget",
            json!({"retry_quota": {"capacity": 4294967295u32, "initial": 4294967295u32, "retry_cost": 4294967295u32}}),
        ),
        (
            "/policies/0/budget",
            json!({"adaptive_throttle": {}, "grpc_throttle": {}}),
        ),
        (
            "/policies/0/budget",
            json!({"money": {"daily_limit": 0.01, "estimate": 0.001}}),
        ),
        (
            "/policies/0/backoff",
            json!({"kind": "exponential", "base": 1e9}),
        ),
        ("/policies/0/backoff", json!({"kind": "none"})),
        ("/policies/0/jitter", json!({"kind": "decorrelated"})),
        ("/policies/0/max_attempts", json!(1000)),
        ("/policies/0/deadline", json!(0.001)),
        (
            "/triggers",
            json!([{"kind": "capacity_drop", "start": 0, "duration": 1, "capacity": 0, "slowdown": 1000}]),
        ),
        (
            "/triggers",
            json!([{"kind": "outage", "start": 0, "duration": 1e9}]),
        ),
        (
            "/triggers",
            json!([{"kind": "load_spike", "start": 0, "duration": 1, "qps": 1e8}]),
        ),
        (
            "/workload",
            json!({"kind": "closed", "users": 3, "think": {"kind": "constant", "value": 0}}),
        ),
        ("/workload", json!({"kind": "batch", "requests": 100000000})),
        ("/workload/clients", json!(10000000)),
        (
            "/service/workers",
            json!({"concurrency": 1, "queue_limit": 0, "service_time": {"kind": "constant", "value": 1e9}}),
        ),
        ("/service/limiter", json!({"rate": 0.001, "burst": 1e300})),
        ("/network/latency", json!({"kind": "constant", "value": 0})),
        ("/metrics/bin", json!(1e-6)),
        ("/sweep", json!({"policies[0].max_attempts": [1, 1000]})),
    ];
    let (path, piece) = pieces.choose(rng).cloned().unwrap_or(("", Value::Null));
    set(s, path, piece);
}

/// Sets `path` (a JSON pointer) to `v`, creating a missing last key.
fn set(s: &mut Value, path: &str, v: Value) {
    if let Some(slot) = s.pointer_mut(path) {
        *slot = v;
        return;
    }
    let (parent, key) = path.rsplit_once('/').unwrap_or(("", path));
    if let Some(Value::Object(m)) = s.pointer_mut(parent) {
        m.insert(key.to_string(), v);
    }
}

/// Every leaf and inner node, as JSON pointers.
fn paths(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{at}/{k}");
                out.push(p.clone());
                paths(x, p, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                paths(x, p, out);
            }
        }
        _ => {}
    }
}

/// A scenario small enough to run in milliseconds, as the base of a case.
pub fn shrink(mut s: Value) -> Value {
    s["replications"] = json!(1);
    s["duration"] = json!(2);
    s["drain"] = json!(2);
    if let Some(m) = s.get_mut("metrics").and_then(Value::as_object_mut) {
        m.insert("bin".into(), json!(0.5));
        m.remove("trigger");
        m.remove("metastable");
        m.insert("window".into(), json!(0.5));
    }
    if let Some(w) = s.get_mut("workload").and_then(Value::as_object_mut) {
        match w.get("kind").and_then(Value::as_str) {
            Some("open") => {
                w.insert("rate".into(), json!([[0, 50], [1, 200]]));
            }
            Some("batch") => {
                w.insert("requests".into(), json!(100));
            }
            Some("closed") => {
                w.insert("users".into(), json!(5));
            }
            _ => {}
        }
        if w.get("clients").is_some() {
            w.insert("clients".into(), json!(3));
        }
    }
    if let Some(t) = s.get_mut("triggers").and_then(Value::as_array_mut) {
        t.truncate(1);
        for x in t {
            x["start"] = json!(0.5);
            x["duration"] = json!(0.5);
        }
    }
    if let Some(p) = s.get_mut("policies").and_then(Value::as_array_mut) {
        p.truncate(3);
    }
    if let Some(m) = s.as_object_mut() {
        m.remove("sweep");
    }
    s
}

/// Case `n`: the text of a mutated scenario.
pub fn case(bases: &[(String, Value)], n: u64) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(n);
    let base = &bases[rng.random_range(0..bases.len())].1;
    let mut s = shrink(base.clone());
    let changes = rng.random_range(1..=3);
    for _ in 0..changes {
        match rng.random_range(0..20) {
            0..=7 => {
                // A number scaled: mostly still valid, often at a new size.
                let mut all = Vec::new();
                paths(&s, String::new(), &mut all);
                all.retain(|p| s.pointer(p).is_some_and(Value::is_number));
                if let Some(p) = all.choose(&mut rng).cloned() {
                    let x = s.pointer(&p).and_then(Value::as_f64).unwrap_or(0.0);
                    let factor = [0.0, 0.5, 2.0, 10.0, 100.0, 1e4]
                        .choose(&mut rng)
                        .copied()
                        .unwrap_or(1.0);
                    let y = x * factor;
                    let v = if s.pointer(&p).is_some_and(|v| v.is_u64())
                        && y.fract() == 0.0
                        && y < 1e18
                    {
                        json!(y as u64)
                    } else {
                        json!(y)
                    };
                    set(&mut s, &p, v);
                }
            }
            8..=11 => {
                let mut all = Vec::new();
                paths(&s, String::new(), &mut all);
                if let Some(p) = all.choose(&mut rng).cloned() {
                    let v = edge(&mut rng);
                    set(&mut s, &p, v);
                }
            }
            12..=13 => {
                let mut all = Vec::new();
                paths(&s, String::new(), &mut all);
                if let Some(p) = all.choose(&mut rng).cloned() {
                    let (parent, key) = p.rsplit_once('/').unwrap_or(("", &p));
                    match s.pointer_mut(parent) {
                        Some(Value::Object(m)) => {
                            m.remove(key);
                        }
                        Some(Value::Array(a)) if !a.is_empty() => {
                            a.pop();
                        }
                        _ => {}
                    }
                }
            }
            _ => graft(&mut rng, &mut s),
        }
    }
    let mut text = serde_json::to_string(&s).unwrap_or_default();
    // One case in ten is damaged as text: cut short or a byte changed.
    if rng.random_range(0..10) == 0 && !text.is_empty() {
        let at = rng.random_range(0..text.len());
        if rng.random_bool(0.5) {
            text.truncate(at);
        } else {
            let mut bytes = text.into_bytes();
            bytes[at] = rng.random();
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
    }
    text
}
