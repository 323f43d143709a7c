//! Parameter sweeps: a full grid over scenario fields named by path, each
//! cell a scenario of its own with a seed derived from the scenario seed and
//! the cell's values — so a cell gives the same numbers alone, in a sweep or
//! in a shard.

pub mod plan;
pub mod store;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use retrysim_engine::rng::derive_seed;

/// One axis: a field path and the values it takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Axis {
    /// Field path, e.g. `policies[*].backoff.base` or `service.limiter.rate`.
    pub path: String,
    /// Values, in order.
    pub values: Vec<Value>,
}

/// How an axis is written in a scenario's `sweep` block: a list of values,
/// or a range of numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AxisSpec {
    /// Explicit values.
    List(Vec<Value>),
    /// `from` to `to` inclusive in `steps` evenly spaced values.
    Range {
        /// First value.
        from: f64,
        /// Last value.
        to: f64,
        /// How many values.
        steps: u32,
    },
}

/// Why a sweep is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct SweepError {
    /// The sweep field (or scenario field) at fault.
    pub path: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

fn err(path: impl Into<String>, message: impl Into<String>) -> SweepError {
    SweepError {
        path: path.into(),
        message: message.into(),
    }
}

/// Most cells a sweep may have.
pub const MAX_CELLS: usize = 100_000;

impl AxisSpec {
    /// The values of this axis.
    pub fn values(&self, path: &str) -> Result<Vec<Value>, SweepError> {
        match self {
            AxisSpec::List(v) if v.is_empty() => {
                Err(err(format!("sweep.{path}"), "needs at least one value"))
            }
            AxisSpec::List(v) => Ok(v.clone()),
            AxisSpec::Range { from, to, steps } => {
                if *steps < 1 || !from.is_finite() || !to.is_finite() {
                    return Err(err(
                        format!("sweep.{path}"),
                        "a range needs finite `from`, `to` and `steps` >= 1",
                    ));
                }
                Ok((0..*steps)
                    .map(|i| {
                        let x = if *steps == 1 {
                            *from
                        } else {
                            from + (to - from) * i as f64 / (*steps - 1) as f64
                        };
                        // Round away float noise (0.30000000000000004).
                        let x = (x * 1e9).round() / 1e9;
                        // Whole numbers stay whole, so that integer fields
                        // (a request count) accept them.
                        if x.fract() == 0.0 && x.abs() < 9e15 {
                            Value::from(x as i64)
                        } else {
                            serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
                        }
                    })
                    .collect())
            }
        }
    }
}

/// One segment of a field path.
#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Key(String),
    Index(usize),
    All,
}

fn parse_path(path: &str) -> Result<Vec<Segment>, SweepError> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if name.is_empty() && out.is_empty() {
            return Err(err(
                path,
                "a path starts with a field name, e.g. `service.limiter.rate`",
            ));
        }
        if !name.is_empty() {
            out.push(Segment::Key(name.to_string()));
        }
        while !rest.is_empty() {
            let close = rest.find(']').ok_or_else(|| err(path, "unclosed `[`"))?;
            let inside = &rest[1..close];
            out.push(if inside == "*" {
                Segment::All
            } else {
                Segment::Index(
                    inside
                        .parse()
                        .map_err(|_| err(path, format!("`[{inside}]`: use an index or `[*]`")))?,
                )
            });
            rest = &rest[close + 1..];
            if !rest.is_empty() && !rest.starts_with('[') {
                return Err(err(path, "put a `.` between fields"));
            }
        }
    }
    Ok(out)
}

/// Sets `value` at `path` in `doc` (every element for `[*]`). The field's
/// parent must exist; the field itself may be new (validation then judges it).
pub fn set(doc: &mut Value, path: &str, value: &Value) -> Result<(), SweepError> {
    let segs = parse_path(path)?;
    let mut hits = 0;
    set_rec(doc, &segs, value, path, "", &mut hits)?;
    if hits == 0 {
        return Err(err(path, "matches nothing in the scenario"));
    }
    Ok(())
}

fn set_rec(
    cur: &mut Value,
    segs: &[Segment],
    value: &Value,
    path: &str,
    at: &str,
    hits: &mut usize,
) -> Result<(), SweepError> {
    let Some((first, rest)) = segs.split_first() else {
        *cur = value.clone();
        *hits += 1;
        return Ok(());
    };
    match first {
        Segment::Key(k) => {
            let here = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            let obj = cur
                .as_object_mut()
                .ok_or_else(|| err(path, format!("`{at}` is not an object")))?;
            if rest.is_empty() {
                obj.insert(k.clone(), value.clone());
                *hits += 1;
                return Ok(());
            }
            let next = obj
                .get_mut(k)
                .ok_or_else(|| err(path, format!("the scenario has no `{here}`")))?;
            set_rec(next, rest, value, path, &here, hits)
        }
        Segment::Index(i) => {
            let arr = cur
                .as_array_mut()
                .ok_or_else(|| err(path, format!("`{at}` is not a list")))?;
            let len = arr.len();
            let next = arr
                .get_mut(*i)
                .ok_or_else(|| err(path, format!("`{at}` has {len} entries, no [{i}]")))?;
            set_rec(next, rest, value, path, &format!("{at}[{i}]"), hits)
        }
        Segment::All => {
            let arr = cur
                .as_array_mut()
                .ok_or_else(|| err(path, format!("`{at}` is not a list")))?;
            for (i, next) in arr.iter_mut().enumerate() {
                set_rec(next, rest, value, path, &format!("{at}[{i}]"), hits)?;
            }
            Ok(())
        }
    }
}

/// One cell of the grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// Position in grid order (the last axis varies fastest).
    pub index: usize,
    /// `(path, value)` for every axis.
    pub params: Vec<(String, Value)>,
    /// Seed of the cell, from the scenario seed and `params` only.
    pub seed: u64,
}

impl Cell {
    /// `path=value,path=value`: the cell's identity.
    pub fn key(&self) -> String {
        self.params
            .iter()
            .map(|(p, v)| format!("{p}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// FNV-1a over bytes: a stable hash for seed derivation.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ *b as u64).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

/// The seed of a cell: the scenario seed mixed with a hash of each
/// `path=value`, so it depends on nothing else (not on the cell's position).
pub fn cell_seed(scenario_seed: u64, params: &[(String, Value)]) -> u64 {
    let words: Vec<u64> = params
        .iter()
        .map(|(p, v)| fnv(format!("{p}={v}").as_bytes()))
        .collect();
    derive_seed(scenario_seed, &words)
}

/// Every cell of the full grid over `axes`.
pub fn grid(axes: &[Axis], scenario_seed: u64) -> Result<Vec<Cell>, SweepError> {
    let total: usize = axes
        .iter()
        .map(|a| a.values.len())
        .try_fold(1usize, |acc, n| acc.checked_mul(n))
        .unwrap_or(usize::MAX);
    if total > MAX_CELLS {
        return Err(err(
            "sweep",
            format!("{total} cells; at most {MAX_CELLS} (use fewer values)"),
        ));
    }
    let mut cells = Vec::with_capacity(total);
    for index in 0..total {
        let mut rest = index;
        let mut params = vec![(String::new(), Value::Null); axes.len()];
        for (k, a) in axes.iter().enumerate().rev() {
            params[k] = (a.path.clone(), a.values[rest % a.values.len()].clone());
            rest /= a.values.len();
        }
        let seed = cell_seed(scenario_seed, &params);
        cells.push(Cell {
            index,
            params,
            seed,
        });
    }
    Ok(cells)
}

/// The cells of shard `k` of `n` (1-based): every n-th cell, so shards get
/// similar mixes of cheap and expensive cells.
pub fn shard(cells: Vec<Cell>, k: usize, n: usize) -> Vec<Cell> {
    cells.into_iter().filter(|c| c.index % n == k - 1).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_set_fields_and_every_element() {
        let mut doc = json!({"service": {"limiter": {"rate": 1}}, "policies": [{"b": {"base": 1}}, {"b": {"base": 2}}]});
        set(&mut doc, "service.limiter.rate", &json!(5)).unwrap();
        set(&mut doc, "policies[*].b.base", &json!(0.5)).unwrap();
        set(&mut doc, "policies[1].max_attempts", &json!(3)).unwrap();
        assert_eq!(
            doc,
            json!({"service": {"limiter": {"rate": 5}},
            "policies": [{"b": {"base": 0.5}}, {"b": {"base": 0.5}, "max_attempts": 3}]})
        );
    }

    #[test]
    fn bad_paths_name_what_is_missing() {
        let mut doc = json!({"service": {"limiter": {"rate": 1}}, "policies": [{}]});
        assert_eq!(
            set(&mut doc, "servce.limiter.rate", &json!(1))
                .unwrap_err()
                .to_string(),
            "servce.limiter.rate: the scenario has no `servce`"
        );
        assert!(
            set(&mut doc, "policies[3].x", &json!(1))
                .unwrap_err()
                .to_string()
                .contains("has 1 entries, no [3]")
        );
        assert!(set(&mut doc, "policies[x].y", &json!(1)).is_err());
        assert!(
            set(&mut doc, "service.limiter.rate.deeper", &json!(1))
                .unwrap_err()
                .to_string()
                .contains("is not an object")
        );
    }

    #[test]
    fn grid_is_full_row_major_and_seeds_depend_only_on_values() {
        let axes = vec![
            Axis {
                path: "a".into(),
                values: vec![json!(1), json!(2)],
            },
            Axis {
                path: "b".into(),
                values: vec![json!("x"), json!("y"), json!("z")],
            },
        ];
        let cells = grid(&axes, 7).unwrap();
        assert_eq!(cells.len(), 6);
        assert_eq!(cells[1].key(), r#"a=1,b="y""#);
        assert_eq!(cells[3].key(), r#"a=2,b="x""#);
        // The same values give the same seed in another grid, at another index.
        let other = grid(
            &[
                Axis {
                    path: "a".into(),
                    values: vec![json!(2)],
                },
                Axis {
                    path: "b".into(),
                    values: vec![json!("x")],
                },
            ],
            7,
        )
        .unwrap();
        assert_eq!(other[0].seed, cells[3].seed);
        assert_ne!(cells[0].seed, cells[1].seed);
        // Shards partition the grid.
        let mut seen: Vec<usize> = (1..=3)
            .flat_map(|k| shard(cells.clone(), k, 3))
            .map(|c| c.index)
            .collect();
        seen.sort();
        assert_eq!(seen, (0..6).collect::<Vec<_>>());
    }

    #[test]
    fn ranges_are_evenly_spaced_without_float_noise() {
        let r = AxisSpec::Range {
            from: 0.1,
            to: 0.3,
            steps: 3,
        };
        assert_eq!(
            r.values("x").unwrap(),
            vec![json!(0.1), json!(0.2), json!(0.3)]
        );
        assert!(AxisSpec::List(vec![]).values("x").is_err());
        // Whole numbers come out as integers, which count fields accept.
        let n = AxisSpec::Range {
            from: 10.0,
            to: 190.0,
            steps: 10,
        };
        let v = n.values("workload.requests").unwrap();
        assert_eq!((v[0].clone(), v[9].clone()), (json!(10), json!(190)));
        assert!(v.iter().all(|x| x.is_u64()));
    }
}
