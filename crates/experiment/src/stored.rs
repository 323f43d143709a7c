//! A run's results as its files hold them — `summary.json`,
//! `timeseries.csv`, `latency.csv` — read back into the same typed schema
//! that wrote them. Charts are drawn from a [`StoredRun`], so a chart drawn
//! right after a run and one redrawn later from its folder are the same.

use retrysim_engine::time::nanos_to_secs;
use retrysim_model::Outcome;

use crate::report::csv::{header, num};
use crate::summary::{SeriesRow, Summary};

/// Why stored results could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    /// `summary.json` is not what `retrysim run` writes.
    #[error("summary.json: {0} (re-run `retrysim run` to regenerate the results)")]
    Summary(String),
    /// A CSV file is not what `retrysim run` writes.
    #[error("{file}: line {line}: {message} (re-run `retrysim run` to regenerate the results)")]
    Csv {
        /// The file.
        file: &'static str,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// One point of a latency CDF: seconds, and the share of successes at or
/// below it.
pub type CdfPoint = (f64, f64);

/// A run's results at the precision its files store.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRun {
    /// Every figure, with the scenario as run (no per-replication values).
    pub summary: Summary,
    /// Each policy's mean time series, in the summary's policy order.
    pub series: Vec<Vec<SeriesRow>>,
    /// Each policy's latency CDF.
    pub latency: Vec<Vec<CdfPoint>>,
    /// Each policy's services of a call graph, the entry first, with their
    /// series (`services.csv`; empty for one service).
    pub tiers: Vec<Vec<(String, Vec<TierRow>)>>,
}

/// One bin of a service's mean series in a call graph.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TierRow {
    /// Bin start in seconds.
    pub start_s: f64,
    /// Requests (the entry) or calls (any other) into the service.
    pub arrivals: f64,
    /// Attempts sent to it.
    pub attempts: f64,
    /// Those that succeeded.
    pub attempts_success: f64,
    /// Those that did not.
    pub attempts_failed: f64,
    /// Their share of the attempts (`None` when none was sent).
    pub attempt_error_share: Option<f64>,
    /// Attempts waiting in its queues at the bin's end.
    pub queue: f64,
    /// Attempts in service at the bin's end.
    pub in_service: f64,
}

/// A value as the CSV files write it (six significant digits).
fn stored(x: f64) -> f64 {
    num(x).parse().unwrap_or(x)
}

fn stored_share(x: Option<f64>) -> Option<f64> {
    x.map(stored)
}

impl StoredRun {
    /// What `summary`'s files hold: figures exact (JSON keeps every digit),
    /// time series and latency CDF at the CSVs' six significant digits.
    pub fn of(summary: &Summary) -> StoredRun {
        let series = summary
            .policies
            .iter()
            .map(|p| {
                p.series
                    .iter()
                    .map(|r| SeriesRow {
                        start_s: stored(r.start_s),
                        arrivals: stored(r.arrivals),
                        attempts: stored(r.attempts),
                        outcomes: r.outcomes.map(stored),
                        succeeded: stored(r.succeeded),
                        failed: stored(r.failed),
                        in_flight: stored(r.in_flight),
                        queue: stored(r.queue),
                        in_service: stored(r.in_service),
                        tokens: stored(r.tokens),
                        spend: stored(r.spend),
                        cumulative_spend: stored(r.cumulative_spend),
                        attempt_error_share: stored_share(r.attempt_error_share),
                        request_failure_share: stored_share(r.request_failure_share),
                    })
                    .collect()
            })
            .collect();
        let latency = summary
            .policies
            .iter()
            .map(|p| {
                p.latency
                    .cdf()
                    .into_iter()
                    .map(|(ns, share)| (stored(nanos_to_secs(ns)), stored(share)))
                    .collect()
            })
            .collect();
        let tiers = (summary.policies.iter())
            .map(|p| {
                (p.tiers.iter())
                    .map(|(name, rows)| {
                        let rows = rows.iter().map(|r| {
                            let ok = r.outcomes[Outcome::Success as usize];
                            TierRow {
                                start_s: stored(r.start_s),
                                arrivals: stored(r.arrivals),
                                attempts: stored(r.attempts),
                                attempts_success: stored(ok),
                                attempts_failed: stored(r.outcomes.iter().sum::<f64>() - ok),
                                attempt_error_share: stored_share(r.attempt_error_share),
                                queue: stored(r.queue),
                                in_service: stored(r.in_service),
                            }
                        });
                        (name.clone(), rows.collect())
                    })
                    .collect()
            })
            .collect();
        let mut summary = summary.clone();
        for p in &mut summary.policies {
            p.per_replication = Vec::new();
            p.series = Vec::new();
            p.latency = Default::default();
            p.tiers = Vec::new();
        }
        StoredRun {
            summary,
            series,
            latency,
            tiers,
        }
    }

    /// Reads the three files' contents.
    pub fn read(
        summary_json: &str,
        timeseries_csv: &str,
        latency_csv: &str,
    ) -> Result<StoredRun, ResultsError> {
        let mut de = serde_json::Deserializer::from_str(summary_json);
        let summary: Summary = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let at = e.path().to_string();
            ResultsError::Summary(format!("{at}: {}", e.into_inner()))
        })?;
        let n = summary.policies.len();
        let mut run = StoredRun {
            series: vec![Vec::new(); n],
            latency: vec![Vec::new(); n],
            tiers: vec![Vec::new(); n],
            summary,
        };
        const TS: &str = "timeseries.csv";
        let columns = header();
        let columns: Vec<&str> = columns.split(',').collect();
        for (line, f) in rows(TS, timeseries_csv, &columns)? {
            let i = run.policy(TS, line, &f[0])?;
            let x = |k: usize| number(TS, line, columns[k], &f[k]);
            let share = |k: usize| optional(TS, line, &f[k]);
            let mut outcomes = [0.0; Outcome::ALL.len()];
            for (j, o) in outcomes.iter_mut().enumerate() {
                *o = x(4 + j)?;
            }
            let k = 4 + Outcome::ALL.len();
            run.series[i].push(SeriesRow {
                start_s: x(1)?,
                arrivals: x(2)?,
                attempts: x(3)?,
                outcomes,
                succeeded: x(k)?,
                failed: x(k + 1)?,
                in_flight: x(k + 2)?,
                queue: x(k + 3)?,
                in_service: x(k + 4)?,
                tokens: x(k + 5)?,
                spend: x(k + 6)?,
                cumulative_spend: x(k + 7)?,
                attempt_error_share: share(k + 8)?,
                request_failure_share: share(k + 9)?,
            });
        }
        const LAT: &str = "latency.csv";
        let columns = ["policy", "latency_s", "cumulative_share"];
        for (line, f) in rows(LAT, latency_csv, &columns)? {
            let i = run.policy(LAT, line, &f[0])?;
            let x = |k: usize| number(LAT, line, columns[k], &f[k]);
            run.latency[i].push((x(1)?, x(2)?));
        }
        Ok(run)
    }

    /// Adds the services' series of a call graph from `services.csv`.
    pub fn with_services(mut self, services_csv: &str) -> Result<StoredRun, ResultsError> {
        const SV: &str = "services.csv";
        let columns = crate::report::csv::SERVICES_COLUMNS;
        for (line, f) in rows(SV, services_csv, &columns)? {
            let i = self.policy(SV, line, &f[0])?;
            let x = |k: usize| number(SV, line, columns[k], &f[k]);
            let row = TierRow {
                start_s: x(2)?,
                arrivals: x(3)?,
                attempts: x(4)?,
                attempts_success: x(5)?,
                attempts_failed: x(6)?,
                attempt_error_share: optional(SV, line, &f[7])?,
                queue: x(8)?,
                in_service: x(9)?,
            };
            let tiers = &mut self.tiers[i];
            match tiers.iter_mut().find(|(name, _)| *name == f[1]) {
                Some((_, rows)) => rows.push(row),
                None => tiers.push((f[1].clone(), vec![row])),
            }
        }
        Ok(self)
    }

    /// The index of the policy named `name`.
    fn policy(&self, file: &'static str, line: usize, name: &str) -> Result<usize, ResultsError> {
        self.summary
            .policies
            .iter()
            .position(|p| p.name == name)
            .ok_or_else(|| ResultsError::Csv {
                file,
                line,
                message: format!("policy `{name}` is not in summary.json"),
            })
    }
}

fn number(file: &'static str, line: usize, column: &str, s: &str) -> Result<f64, ResultsError> {
    optional(file, line, s)?.ok_or_else(|| ResultsError::Csv {
        file,
        line,
        message: format!("no value in column `{column}`"),
    })
}

fn optional(file: &'static str, line: usize, s: &str) -> Result<Option<f64>, ResultsError> {
    if s.is_empty() {
        return Ok(None);
    }
    s.parse().map(Some).map_err(|_| ResultsError::Csv {
        file,
        line,
        message: format!("`{s}` is not a number"),
    })
}

/// Splits one CSV line, honouring double quotes.
pub fn split(line: &str) -> Vec<String> {
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

/// Rows of a CSV, as `(line number, fields)` with the fields in the order
/// of `columns` (each must be in the header).
fn rows(
    file: &'static str,
    text: &str,
    columns: &[&str],
) -> Result<Vec<(usize, Vec<String>)>, ResultsError> {
    let mut lines = text.lines();
    let head = split(lines.next().unwrap_or(""));
    let idx = columns
        .iter()
        .map(|c| {
            head.iter()
                .position(|h| h == c)
                .ok_or_else(|| ResultsError::Csv {
                    file,
                    line: 1,
                    message: format!("no column `{c}`"),
                })
        })
        .collect::<Result<Vec<usize>, _>>()?;
    lines
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(n, l)| {
            let f = split(l);
            if f.len() != head.len() {
                return Err(ResultsError::Csv {
                    file,
                    line: n + 2,
                    message: format!("{} fields, the header has {}", f.len(), head.len()),
                });
            }
            Ok((n + 2, idx.iter().map(|&i| f[i].clone()).collect()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report;
    use retrysim_model::Scenario;

    /// A small run's three files.
    fn files() -> (String, String, String) {
        let s = Scenario::from_json(
            r#"{"name": "s", "duration": 5, "replications": 2,
                "workload": {"kind": "open", "rate": [[0, 50]]},
                "service": {"limiter": {"rate": 30, "burst": 5},
                            "workers": {"service_time": {"kind": "constant", "value": 0.1}}},
                "policies": [{"name": "p", "max_attempts": 3}]}"#,
        )
        .unwrap();
        let summary = crate::run(&s, &|| ());
        (
            report::json::render(&summary),
            report::csv::render(&summary),
            report::latency::render(&summary),
        )
    }

    fn error(summary: &str, ts: &str, lat: &str) -> String {
        StoredRun::read(summary, ts, lat).unwrap_err().to_string()
    }

    #[test]
    fn broken_results_name_the_file_the_line_and_the_field() {
        let (json, ts, lat) = files();
        assert!(StoredRun::read(&json, &ts, &lat).is_ok());
        let e = error("{", &ts, &lat);
        assert!(e.starts_with("summary.json:"), "{e}");
        let e = error(
            &json.replace("\"latency_p99_s\"", "\"latency_p98_s\""),
            &ts,
            &lat,
        );
        assert!(
            e.contains("policies[0].metrics") && e.contains("unknown metric `latency_p98_s`"),
            "{e}"
        );
        let e = error(&json, "policy,t_start_s\n", &lat);
        assert!(
            e.contains("timeseries.csv: line 1: no column `arrivals`"),
            "{e}"
        );
        let e = error(&json, &ts.replacen("\np,", "\nq,", 1), &lat);
        assert!(
            e.contains("timeseries.csv: line 2: policy `q` is not in summary.json"),
            "{e}"
        );
        let short = ts.lines().take(2).collect::<Vec<_>>().join("\n");
        let short = &short[..short.rfind(',').unwrap()];
        let e = error(&json, short, &lat);
        assert!(
            e.contains("timeseries.csv: line 2: ") && e.contains("fields, the header has"),
            "{e}"
        );
        let e = error(&json, &ts, &lat.replacen("\np,", "\np,x", 1));
        assert!(
            e.contains("latency.csv: line 2: `x") && e.contains("is not a number"),
            "{e}"
        );
    }

    #[test]
    fn csv_fields_honour_quotes() {
        assert_eq!(split(r#"a,"b,c",d"#), ["a", "b,c", "d"]);
        assert_eq!(split(r#""say ""hi""",1"#), [r#"say "hi""#, "1"]);
        assert_eq!(split("x,,"), ["x", "", ""]);
    }
}

#[cfg(test)]
mod graph_tests {
    use super::*;
    use crate::report;
    use retrysim_model::Scenario;

    #[test]
    fn a_call_graphs_service_series_read_back_as_they_were_written() {
        let s = Scenario::from_json(
            r#"{"name": "g", "duration": 5, "replications": 2,
                "workload": {"kind": "open", "rate": [[0, 50]]},
                "service": {"name": "api", "calls": {"to": ["db"]},
                            "workers": {"service_time": {"kind": "constant", "value": 0.01}}},
                "services": [{"name": "db", "workers": {"concurrency": 1,
                              "service_time": {"kind": "exponential", "mean": 0.02}}}],
                "policies": [{"name": "p", "max_attempts": 3, "timeout": 0.05}]}"#,
        )
        .unwrap();
        let summary = crate::run(&s, &|| ());
        let services = report::csv::render_services(&summary).expect("a call graph");
        let read = StoredRun::read(
            &report::json::render(&summary),
            &report::csv::render(&summary),
            &report::latency::render(&summary),
        )
        .unwrap()
        .with_services(&services)
        .unwrap();
        let written = StoredRun::of(&summary);
        assert_eq!(read.tiers, written.tiers);
        let names: Vec<&str> = written.tiers[0].iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["api", "db"]);
        let e = read
            .with_services(&services.replace("policy,", "policee,"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("services.csv: line 1: no column `policy`"),
            "{e}"
        );
    }
}
