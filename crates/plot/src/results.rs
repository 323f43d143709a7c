//! Saved results, read back from the files `retrysim run` writes.

use serde_json::Value;

use crate::PlotError;

/// A figure over replications as `summary.json` stores it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Figure {
    /// Mean over the replications that have a value.
    pub mean: Option<f64>,
    /// 95 % confidence interval.
    pub ci95: Option<(f64, f64)>,
    /// Replications with a value, of how many.
    pub n: u64,
    /// Replications run.
    pub of: u64,
}

/// One bin of a policy's mean time series.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Point {
    /// Bin start in seconds.
    pub t: f64,
    /// Requests arriving in the bin.
    pub arrivals: f64,
    /// Attempts sent in the bin.
    pub attempts: f64,
    /// Share of those that failed (`None` when none was sent).
    pub failed_share: Option<f64>,
    /// Dollars billed up to the bin's end.
    pub cumulative_spend: f64,
}

/// One policy's results.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolicyResults {
    /// Name.
    pub name: String,
    /// Figures by key (`success_rate`, `latency_p99_s`, …).
    pub figures: Vec<(String, Figure)>,
    /// Mean time series.
    pub series: Vec<Point>,
    /// Latency CDF: `(seconds, cumulative share)`.
    pub cdf: Vec<(f64, f64)>,
    /// Money-guard daily limit over all client instances, if guarded.
    pub money_limit: Option<f64>,
}

impl PolicyResults {
    /// The figure named `key` (an empty one if absent).
    pub fn figure(&self, key: &str) -> Figure {
        self.figures
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, f)| *f)
            .unwrap_or_default()
    }
}

/// Everything the charts need.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Results {
    /// Scenario name (for titles).
    pub scenario: String,
    /// Replications per policy.
    pub replications: u64,
    /// Seconds of the trigger.
    pub trigger_s: f64,
    /// The scenario's triggers: (kind, start, end) in seconds.
    pub triggers: Vec<(String, f64, f64)>,
    /// Recovery threshold (share).
    pub threshold: f64,
    /// Bin width in seconds.
    pub bin_s: f64,
    /// Whether attempts are priced.
    pub priced: bool,
    /// Policies in scenario order.
    pub policies: Vec<PolicyResults>,
}

fn bad(msg: impl Into<String>) -> PlotError {
    PlotError::Summary(msg.into())
}

fn f64_at(v: &Value, path: &[&str]) -> Result<f64, PlotError> {
    let mut cur = v;
    for p in path {
        cur = cur
            .get(*p)
            .ok_or_else(|| bad(format!("missing {}", path.join("."))))?;
    }
    cur.as_f64()
        .ok_or_else(|| bad(format!("{} is not a number", path.join("."))))
}

fn figure(v: &Value) -> Figure {
    let ci95 = v
        .get("ci95")
        .and_then(|c| Some((c.get(0)?.as_f64()?, c.get(1)?.as_f64()?)));
    Figure {
        mean: v.get("mean").and_then(Value::as_f64),
        ci95,
        n: v.get("n").and_then(Value::as_u64).unwrap_or(0),
        of: v.get("of").and_then(Value::as_u64).unwrap_or(0),
    }
}

/// Splits one CSV line, honouring double quotes.
fn split(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Rows of a CSV with the named columns, as `(line number, fields)`.
fn csv_rows<'a>(
    file: &'static str,
    text: &'a str,
    columns: &[&str],
) -> Result<impl Iterator<Item = (usize, Vec<String>)> + 'a, PlotError> {
    let mut lines = text.lines();
    let header = split(lines.next().unwrap_or(""));
    let mut idx = Vec::new();
    for c in columns {
        let i = header
            .iter()
            .position(|h| h == c)
            .ok_or_else(|| PlotError::Csv {
                file,
                line: 1,
                message: format!("no column `{c}`"),
            })?;
        idx.push(i);
    }
    Ok(lines
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(move |(n, l)| {
            let f = split(l);
            (
                n + 2,
                idx.iter()
                    .map(|&i| f.get(i).cloned().unwrap_or_default())
                    .collect(),
            )
        }))
}

fn parse_num(file: &'static str, line: usize, s: &str) -> Result<Option<f64>, PlotError> {
    if s.is_empty() {
        return Ok(None);
    }
    s.parse().map(Some).map_err(|_| PlotError::Csv {
        file,
        line,
        message: format!("`{s}` is not a number"),
    })
}

impl Results {
    /// Reads the three files' contents.
    pub fn parse(
        summary_json: &str,
        timeseries_csv: &str,
        latency_csv: &str,
    ) -> Result<Self, PlotError> {
        let v: Value = serde_json::from_str(summary_json).map_err(|e| bad(e.to_string()))?;
        let scenario = &v["scenario"];
        let clients = scenario["workload"]["clients"].as_f64().unwrap_or(1.0);
        let mut results = Results {
            scenario: scenario["name"]
                .as_str()
                .ok_or_else(|| bad("missing scenario.name"))?
                .to_string(),
            replications: scenario["replications"].as_u64().unwrap_or(0),
            trigger_s: f64_at(&v, &["recovery", "trigger_s"])?,
            triggers: v["recovery"]["triggers"]
                .as_array()
                .map(|ts| {
                    ts.iter()
                        .map(|t| {
                            (
                                t["kind"].as_str().unwrap_or("").replace('_', " "),
                                t["start_s"].as_f64().unwrap_or(0.0),
                                t["end_s"].as_f64().unwrap_or(0.0),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
            threshold: f64_at(&v, &["recovery", "threshold"])?,
            bin_s: f64_at(&v, &["recovery", "bin_s"])?,
            priced: !scenario["cost"].is_null(),
            policies: Vec::new(),
        };
        let specs = scenario["policies"]
            .as_array()
            .ok_or_else(|| bad("missing scenario.policies"))?;
        for (i, p) in v["policies"]
            .as_array()
            .ok_or_else(|| bad("missing policies"))?
            .iter()
            .enumerate()
        {
            let name = p["name"]
                .as_str()
                .ok_or_else(|| bad("a policy has no name"))?
                .to_string();
            let figures = p["metrics"]
                .as_object()
                .ok_or_else(|| bad(format!("policy {name} has no metrics")))?
                .iter()
                .map(|(k, f)| (k.clone(), figure(f)))
                .collect();
            let money_limit = specs
                .get(i)
                .and_then(|s| s["budget"]["money"]["daily_limit"].as_f64())
                .map(|l| l * clients);
            results.policies.push(PolicyResults {
                name,
                figures,
                money_limit,
                ..Default::default()
            });
        }
        let find = |results: &mut Results, name: &str, file, line| -> Result<usize, PlotError> {
            results
                .policies
                .iter()
                .position(|p| p.name == name)
                .ok_or(PlotError::Csv {
                    file,
                    line,
                    message: format!("policy `{name}` is not in summary.json"),
                })
        };
        const TS: &str = "timeseries.csv";
        for (line, f) in csv_rows(
            TS,
            timeseries_csv,
            &[
                "policy",
                "t_start_s",
                "attempts",
                "attempt_error_share",
                "cumulative_spend_usd",
                "arrivals",
            ],
        )? {
            let i = find(&mut results, &f[0], TS, line)?;
            results.policies[i].series.push(Point {
                t: parse_num(TS, line, &f[1])?.unwrap_or(0.0),
                attempts: parse_num(TS, line, &f[2])?.unwrap_or(0.0),
                failed_share: parse_num(TS, line, &f[3])?,
                cumulative_spend: parse_num(TS, line, &f[4])?.unwrap_or(0.0),
                arrivals: parse_num(TS, line, &f[5])?.unwrap_or(0.0),
            });
        }
        const LAT: &str = "latency.csv";
        for (line, f) in csv_rows(
            LAT,
            latency_csv,
            &["policy", "latency_s", "cumulative_share"],
        )? {
            let i = find(&mut results, &f[0], LAT, line)?;
            let x = parse_num(LAT, line, &f[1])?.unwrap_or(0.0);
            let y = parse_num(LAT, line, &f[2])?.unwrap_or(0.0);
            results.policies[i].cdf.push((x, y));
        }
        Ok(results)
    }

    /// The last time at which any policy still sent attempts (at least the
    /// trigger plus a bin), for the time axis.
    pub fn active_until(&self) -> f64 {
        let last = self
            .policies
            .iter()
            .flat_map(|p| {
                p.series
                    .iter()
                    .filter(|pt| pt.attempts > 0.0)
                    .map(|pt| pt.t + self.bin_s)
            })
            .fold(0.0f64, f64::max);
        last.max(self.trigger_s + self.bin_s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_honour_quotes() {
        assert_eq!(split(r#"a,"b,c",d"#), ["a", "b,c", "d"]);
        assert_eq!(split(r#""say ""hi""",1"#), [r#"say "hi""#, "1"]);
        assert_eq!(split("x,,"), ["x", "", ""]);
    }

    #[test]
    fn broken_inputs_are_named() {
        let e = Results::parse("{", "", "").unwrap_err().to_string();
        assert!(e.starts_with("summary.json:"), "{e}");
        let summary = r#"{"scenario": {"name": "s", "policies": [{"name": "p"}]},
            "recovery": {"trigger_s": 1, "threshold": 0.05, "bin_s": 1},
            "policies": [{"name": "p", "metrics": {}}]}"#;
        let e = Results::parse(summary, "policy,t_start_s\n", "")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("timeseries.csv: line 1: no column `attempts`"),
            "{e}"
        );
        let ts = "policy,t_start_s,attempts,attempt_error_share,cumulative_spend_usd,arrivals\nq,0,1,,0,1\n";
        let e = Results::parse(summary, ts, "").unwrap_err().to_string();
        assert!(
            e.contains("line 2: policy `q` is not in summary.json"),
            "{e}"
        );
        let ts = "policy,t_start_s,attempts,attempt_error_share,cumulative_spend_usd,arrivals\np,0,x,,0,1\n";
        let e = Results::parse(summary, ts, "").unwrap_err().to_string();
        assert!(e.contains("`x` is not a number"), "{e}");
    }
}
