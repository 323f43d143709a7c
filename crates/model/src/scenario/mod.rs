//! Scenarios: the JSON file format ([`spec`]), its validation
//! ([`compile`]) and the validated [`Scenario`] the simulator runs.

pub mod compile;
pub mod error;
pub mod spec;

use retrysim_engine::Nanos;

pub use error::{FieldError, ScenarioError};
pub use spec::ScenarioSpec;

use crate::cost::CostModel;
use crate::distribution::Duration;
use crate::faults::{Faults, Outage};
use crate::policy::Policy;
use crate::recovery::RecoveryRule;
use crate::token_bucket::RetryAfterHeader;
use crate::workload::Workload;

/// The service's rate limiter.
#[derive(Debug, Clone, PartialEq)]
pub struct LimiterConfig {
    /// Tokens per second.
    pub rate: f64,
    /// Capacity.
    pub burst: f64,
    /// What a 429's `Retry-After` says.
    pub header: RetryAfterHeader,
}

/// The service's worker pool.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkersConfig {
    /// Attempts served at once; `None` for unbounded.
    pub concurrency: Option<u64>,
    /// Attempts allowed to wait; `None` for unbounded.
    pub queue_limit: Option<u64>,
    /// Service time of one attempt.
    pub service_time: Duration,
    /// Nanoseconds added per other attempt in service at the start (0: none).
    pub congestion_slope: Nanos,
}

/// A window in which the service has fewer workers or serves slower.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CapacityDrop {
    /// Start.
    pub start: Nanos,
    /// End (exclusive): the full pool is back.
    pub end: Nanos,
    /// Workers during the drop (`None`: unbounded, as outside it).
    pub concurrency: Option<u64>,
    /// Factor on every service time drawn during the drop.
    pub slowdown: f64,
}

/// A validated scenario: every value in range, times in nanoseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The file's content with every default filled in (echoed in outputs).
    pub spec: ScenarioSpec,
    /// Name; names the output folder.
    pub name: String,
    /// Seed of every random stream.
    pub seed: u64,
    /// Replications per policy.
    pub replications: u32,
    /// No request arrives at or after this time.
    pub end_of_load: Nanos,
    /// How long after the end of load the run may continue.
    pub drain: Nanos,
    /// Time-series bin width.
    pub bin: Nanos,
    /// Recovery test.
    pub recovery: RecoveryRule,
    /// Arrivals.
    pub workload: Workload,
    /// Client instances.
    pub clients: u32,
    /// One-way network latency.
    pub latency: Duration,
    /// Per-attempt network faults.
    pub faults: Faults,
    /// Service outage windows.
    pub outages: Vec<Outage>,
    /// Share of requests answered with a non-retryable 4xx.
    pub client_error_share: f64,
    /// Cost per served attempt, if priced.
    pub cost: Option<CostModel>,
    /// Rate limiter, if any.
    pub limiter: Option<LimiterConfig>,
    /// Worker pool (unbounded and instant for a contention service).
    pub workers: WorkersConfig,
    /// Whether the service is one record under optimistic concurrency
    /// instead of a worker pool.
    pub contention: bool,
    /// Capacity-drop triggers, in time order, not overlapping.
    pub capacity_drops: Vec<CapacityDrop>,
    /// Policies compared.
    pub policies: Vec<Policy>,
}

impl Scenario {
    /// Parses and validates a scenario from JSON text.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        compile::compile(parse(text)?)
    }

    /// Validates a scenario given as a JSON value (e.g. after a sweep has
    /// changed some fields). Positions are not available then.
    pub fn from_value(value: serde_json::Value) -> Result<Scenario, ScenarioError> {
        let spec: ScenarioSpec =
            serde_path_to_error::deserialize(value).map_err(|e| ScenarioError::Schema {
                path: display_path(e.path()),
                line: 0,
                column: 0,
                message: plain_words(&e.inner().to_string()),
            })?;
        compile::compile(spec)
    }
}

fn display_path(p: &serde_path_to_error::Path) -> String {
    let s = p.to_string();
    if s == "." { "(top level)".into() } else { s }
}

/// Parses JSON text into a [`ScenarioSpec`], with line:column and the field
/// path on every error.
pub fn parse(text: &str) -> Result<ScenarioSpec, ScenarioError> {
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
    Ok(spec)
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
fn plain_words(message: &str) -> String {
    let mut m = message.to_string();
    for (jargon, plain) in [
        ("expected f64", "expected a number"),
        ("expected u64", "expected a whole number >= 0"),
        ("expected u32", "expected a whole number >= 0"),
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

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{
  "name": "ok",
  "duration": 10,
  "workload": {"kind": "open", "rate": [[0, 100]]},
  "service": {"limiter": {"rate": 50, "burst": 5},
              "workers": {"service_time": {"kind": "constant", "value": 0.1}}},
  "policies": [{"name": "a"}, {"name": "b", "max_attempts": 3,
                "backoff": {"kind": "exponential", "base": 0.5},
                "jitter": {"kind": "full"}}]
}"#;

    fn err(text: &str) -> String {
        Scenario::from_json(text)
            .expect_err("should be refused")
            .to_string()
    }

    #[test]
    fn a_good_file_loads_with_defaults_filled_in() {
        let s = Scenario::from_json(GOOD).unwrap();
        assert_eq!((s.seed, s.replications, s.policies.len()), (1, 10, 2));
        assert_eq!(s.policies[1].timeout, 30_000_000_000);
        assert_eq!(s.spec.drain, 300.0);
        assert_eq!(s.recovery.threshold, 0.05);
    }

    #[test]
    fn malformed_json_names_line_and_column() {
        let text = GOOD.replace(r#""duration": 10,"#, r#""duration": 10"#);
        assert_eq!(err(&text), "4:3: malformed JSON: expected `,` or `}`");
    }

    #[test]
    fn unknown_field_names_its_path_and_position() {
        let text = GOOD.replace(r#""max_attempts": 3"#, r#""max_atempts": 3"#);
        let e = err(&text);
        assert!(e.starts_with("7:"), "{e}");
        assert!(
            e.contains("policies[1].max_atempts: unknown field `max_atempts`"),
            "{e}"
        );
        assert!(e.contains("expected one of"), "{e}");
    }

    #[test]
    fn wrong_type_and_missing_field_name_their_path() {
        let e = err(&GOOD.replace(r#""duration": 10"#, r#""duration": "ten""#));
        assert!(
            e.contains("duration: invalid type: string \"ten\", expected a number"),
            "{e}"
        );
        let e = err(&GOOD.replace(r#""rate": [[0, 100]]"#, r#""rate": 100"#));
        assert!(e.contains("expected a list"), "{e}");
        let e = err(&GOOD.replace(r#"{"kind": "full"}"#, r#""full""#));
        assert!(
            e.contains("expected an object with a \"kind\" field"),
            "{e}"
        );
        assert_eq!(
            err("  \n"),
            "1:1: malformed JSON: the file is empty: a scenario is a JSON object"
        );
        let e = err(&GOOD.replace(r#""duration": 10,"#, ""));
        assert!(e.contains("missing field `duration`"), "{e}");
        let e = err(&GOOD.replace(r#""kind": "full""#, r#""kind": "fulll""#));
        assert!(
            e.contains("policies[1].jitter") && e.contains("unknown variant `fulll`"),
            "{e}"
        );
    }

    #[test]
    fn out_of_range_values_name_field_rule_and_value() {
        let e = err(&GOOD.replace(r#""rate": 50"#, r#""rate": -5"#));
        assert_eq!(
            e,
            "service.limiter.rate: must be > 0 (at least 0.001) and <= 1e8 tokens per second, got -5"
        );
        let e = err(&GOOD.replace(r#""max_attempts": 3"#, r#""max_attempts": 0"#));
        assert!(
            e.starts_with("policies[1].max_attempts: must be between 1 and 1000"),
            "{e}"
        );
    }

    #[test]
    fn every_invalid_field_is_reported_at_once() {
        let text = GOOD
            .replace(r#""duration": 10"#, r#""duration": -1"#)
            .replace(r#"{"name": "a"}"#, r#"{"name": "b"}"#);
        match Scenario::from_json(&text) {
            Err(ScenarioError::Invalid(errors)) => {
                let paths: Vec<_> = errors.iter().map(|e| e.path.as_str()).collect();
                assert_eq!(paths, ["duration", "policies[1].name"]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn fields_on_kinds_that_take_none_are_refused() {
        let e = err(&GOOD.replace(
            r#"{"name": "a"}"#,
            r#"{"name": "a", "backoff": {"kind": "none", "base": 1}}"#,
        ));
        assert!(
            e.contains("policies[0].backoff: unknown field `base`"),
            "{e}"
        );
        let e = err(&GOOD.replace(
            r#"{"kind": "full"}"#,
            r#"{"kind": "full", "fraction": 0.3}"#,
        ));
        assert!(
            e.contains("policies[1].jitter: unknown field `fraction`"),
            "{e}"
        );
    }

    #[test]
    fn cross_field_rules() {
        let e = err(&GOOD
            .replace(
                r#""jitter": {"kind": "full"}"#,
                r#""jitter": {"kind": "decorrelated"}"#,
            )
            .replace(r#""backoff": {"kind": "exponential", "base": 0.5},"#, ""));
        assert!(e.contains("policies[1].jitter: decorrelated jitter"), "{e}");
        let e = err(&GOOD.replace(r#""base": 0.5}"#, r#""base": 2, "cap": 1}"#));
        assert!(
            e.contains("policies[1].backoff.cap: must be >= base (2), got 1"),
            "{e}"
        );
        let e = err(&GOOD.replace(r#"[[0, 100]]"#, r#"[[5, 100], [2, 10]]"#));
        assert!(
            e.contains("workload.rate[1][0]: times must not decrease"),
            "{e}"
        );
        let e = err(&GOOD.replace(r#""name": "ok""#, r#""name": "../x""#));
        assert!(e.starts_with("name: must be 1-100 letters"), "{e}");
    }

    fn with_triggers(triggers: &str) -> String {
        GOOD.replace(
            r#""duration": 10,"#,
            &format!(r#""duration": 100, "triggers": {triggers},"#),
        )
    }

    #[test]
    fn triggers_become_rate_steps_outages_and_capacity_windows() {
        const S: Nanos = 1_000_000_000;
        let s = Scenario::from_json(&with_triggers(
            r#"[{"kind": "load_spike", "start": 10, "duration": 5, "qps": 900},
                {"kind": "outage", "start": 30, "duration": 2, "mode": "error"}]"#,
        ))
        .unwrap();
        let Workload::Open { rate } = &s.workload else {
            panic!("open")
        };
        assert_eq!(
            (rate.rate_at(9.0), rate.rate_at(12.0), rate.rate_at(16.0)),
            (100.0, 900.0, 100.0)
        );
        assert_eq!((s.outages[0].start, s.outages[0].end), (30 * S, 32 * S));
        // Recovery counts from the first start and from the last end.
        assert_eq!(
            (s.recovery.trigger, s.recovery.trigger_end),
            (10 * S, 32 * S)
        );
        // Metastability is judged on the last 30 s of load (70..100 s),
        // which start at least 30 s after the last trigger ended.
        let w = s.recovery.metastable.unwrap();
        assert_eq!((w.from, w.to, w.margin), (70 * S, 100 * S, 0.1));
        // A trigger ending too late to judge: no metastability verdict.
        let s = Scenario::from_json(&with_triggers(
            r#"[{"kind": "outage", "start": 50, "duration": 10, "mode": "drop"}]"#,
        ))
        .unwrap();
        assert_eq!(s.recovery.metastable, None);
        // Without triggers, none either, and the trigger defaults to 0.
        let s = Scenario::from_json(GOOD).unwrap();
        assert_eq!((s.recovery.trigger, s.recovery.metastable), (0, None));
    }

    #[test]
    fn trigger_errors_name_the_trigger_and_field() {
        let e = err(&with_triggers(
            r#"[{"kind": "capacity_drop", "start": 10, "duration": 5, "capacity": 0.5}]"#,
        ));
        assert!(
            e.contains("triggers[0].capacity: a share of unbounded workers"),
            "{e}"
        );
        let e = err(&with_triggers(
            r#"[{"kind": "capacity_drop", "start": 10, "duration": 5, "slowdown": 0.5},
                {"kind": "capacity_drop", "start": 12, "duration": 5, "slowdown": 2}]"#,
        ));
        assert!(
            e.contains("triggers[0].slowdown: must be a factor between 1"),
            "{e}"
        );
        assert!(
            e.contains("triggers[1].start: capacity drops must not overlap"),
            "{e}"
        );
        let e = err(&with_triggers(
            r#"[{"kind": "outage", "start": 200, "duration": 1, "mode": "drop"}]"#,
        ));
        assert!(
            e.contains("triggers[0].start: must be within the load"),
            "{e}"
        );
        let e = err(&with_triggers(
            r#"[{"kind": "load_spike", "start": 1, "duration": 1}]"#,
        ));
        assert!(e.contains("triggers[0]: missing field `qps`"), "{e}");
        let closed =
            with_triggers(r#"[{"kind": "load_spike", "start": 1, "duration": 1, "qps": 5}]"#)
                .replace(
                    r#"{"kind": "open", "rate": [[0, 100]]}"#,
                    r#"{"kind": "closed", "users": 5, "think": {"kind": "constant", "value": 1}}"#,
                );
        assert!(err(&closed).contains("triggers[0]: a load spike needs an open workload"));
    }

    #[test]
    fn a_service_is_workers_or_a_contended_record() {
        let both = GOOD.replace(r#""limiter""#, r#""contention": {}, "limiter""#);
        assert!(err(&both).contains("service: give either `workers` or `contention`"));
        let neither = GOOD.replace(
            r#""workers": {"service_time": {"kind": "constant", "value": 0.1}}"#,
            r#""client_error_share": 0"#,
        );
        assert!(
            err(&neither).contains("service: needs `workers`"),
            "{}",
            err(&neither)
        );
        let record = GOOD.replace(
            r#""workers": {"service_time": {"kind": "constant", "value": 0.1}}"#,
            r#""contention": {}"#,
        );
        assert!(Scenario::from_json(&record).unwrap().contention);
    }

    #[test]
    fn runaway_scenarios_are_refused_before_running() {
        let e = err(&GOOD
            .replace(r#"[[0, 100]]"#, r#"[[0, 100000000]]"#)
            .replace(r#""duration": 10"#, r#""duration": 100000"#));
        assert!(e.contains("workload.rate: would generate about"), "{e}");
        let e = err(&GOOD.replace(
            r#""duration": 10"#,
            r#""duration": 10, "metrics": {"bin": 0.0001}"#,
        ));
        assert!(e.contains("metrics.bin:"), "{e}");
    }
}
