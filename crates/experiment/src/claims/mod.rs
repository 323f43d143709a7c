//! Claims: a statement from a source document, the scenario and figure that
//! test it, the expected ("pinned") verdict, and the evaluation of a run
//! against it.
//!
//! A claim is **reproduced** when the simulated figure agrees with the claim
//! within the stated tolerance under the scenario's written assumptions, and
//! **refuted** otherwise. A refuted claim is a result, not a failure: what
//! fails is a verdict that differs from its pin.

pub mod analytic;
pub mod evaluate;
pub mod finding;

pub use finding::{Figure, Finding, Rule};

use retrysim_model::Metric;
use serde::{Deserialize, Serialize};

/// One claim file (`scenarios/claims/*.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimSpec {
    /// Identifier, e.g. `S0-4`.
    pub id: String,
    /// Where the claim comes from, e.g. `seed 000`.
    pub source: String,
    /// The claim in the source's words (translated).
    pub claim: String,
    /// Scenario file, relative to the claim file; absent for analytic claims.
    #[serde(default)]
    pub scenario: Option<String>,
    /// How the claim is judged.
    pub check: Check,
    /// The verdict this claim is expected to get.
    pub expected: Verdict,
    /// Why, from the simulation: what assumption the verdict rests on, and
    /// what would be needed for the other verdict.
    pub reason: String,
}

/// A verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The simulation agrees with the claim.
    Reproduced,
    /// No written assumption gives the claimed figure.
    Refuted,
}

impl Verdict {
    /// Reproduced when the check held, refuted when it did not.
    pub fn of(held: bool) -> Verdict {
        if held {
            Verdict::Reproduced
        } else {
            Verdict::Refuted
        }
    }
}

/// How a claim is judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Check {
    /// A policy's figure equals `expected` within `tolerance` (absolute):
    /// reproduced when its 95 % CI meets `[expected − tolerance, expected +
    /// tolerance]`.
    Value {
        /// The policy.
        policy: String,
        /// The figure.
        metric: Metric,
        /// The claimed value.
        expected: f64,
        /// How far from it still agrees.
        tolerance: f64,
    },
    /// A policy's figure lies in `[min, max]`: reproduced when its mean does.
    Range {
        /// The policy.
        policy: String,
        /// The figure.
        metric: Metric,
        /// Smallest value that agrees.
        min: f64,
        /// Largest value that agrees.
        max: f64,
    },
    /// `left` and `right` policies compared on one figure, replication by
    /// replication (common random numbers): `less` / `greater` are
    /// reproduced when the paired 95 % CI of left − right lies entirely below
    /// / above zero; `ratio_at_least` when mean(left) ÷ mean(right) ≥ `value`.
    Compare {
        /// The figure.
        metric: Metric,
        /// One policy.
        left: String,
        /// How it relates to the other.
        relation: Relation,
        /// The other policy.
        right: String,
        /// The ratio, for `ratio_at_least`.
        #[serde(default)]
        value: Option<f64>,
    },
    /// A closed form computed from the model's own formulas (see
    /// [`analytic`]).
    Analytic {
        /// Which closed form.
        name: String,
        /// Its parameters.
        #[serde(default)]
        params: serde_json::Map<String, serde_json::Value>,
    },
}

/// A relation between two policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// left < right.
    Less,
    /// left > right.
    Greater,
    /// mean(left) ≥ value × mean(right).
    RatioAtLeast,
}

/// A claim with its finding. In `report.json` it is an object with the
/// `claim` as written, `matches_pin`, and either `finding` or `error` (the
/// other is `null`).
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimResult {
    /// The claim.
    pub claim: ClaimSpec,
    /// What was found, or why it could not be evaluated.
    pub finding: Result<Finding, String>,
}

impl Serialize for ClaimResult {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Row<'a> {
            claim: &'a ClaimSpec,
            matches_pin: bool,
            finding: Option<&'a Finding>,
            error: Option<&'a str>,
        }
        Row {
            claim: &self.claim,
            matches_pin: self.matches(),
            finding: self.finding.as_ref().ok(),
            error: self.finding.as_ref().err().map(String::as_str),
        }
        .serialize(serializer)
    }
}

impl ClaimResult {
    /// Whether the finding matches the pinned verdict.
    pub fn matches(&self) -> bool {
        matches!(&self.finding, Ok(f) if f.verdict == self.claim.expected)
    }
}

/// The claims table in Markdown: id, claim, measured, verdict, pinned.
pub fn render_markdown(results: &[ClaimResult], replications: &str) -> String {
    let mut out = String::from(
        "| id | claim | measured (mean [95 % CI]) | verdict | as pinned |\n|---|---|---|---|---|\n",
    );
    for r in results {
        let (measured, verdict) = match &r.finding {
            Ok(f) => (
                f.measured.clone(),
                format!("{:?}", f.verdict).to_lowercase(),
            ),
            Err(e) => (format!("error: {e}"), "error".into()),
        };
        let pinned = if r.matches() {
            "yes".to_string()
        } else {
            format!("**no** (pinned {:?})", r.claim.expected).to_lowercase()
        };
        let esc = |s: &str| s.replace('|', "\\|").replace('\n', " ");
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            r.claim.id,
            esc(&r.claim.claim),
            esc(&measured),
            verdict,
            pinned
        ));
    }
    out.push_str(&format!("\n{replications}\n"));
    out
}

/// The full report: the table, then each claim's reason.
pub fn render_report(results: &[ClaimResult], replications: &str) -> String {
    let mut out = String::from("# Claims of the seed documents, checked\n\n");
    out.push_str(&render_markdown(results, replications));
    out.push_str("\n## Why each verdict\n\n");
    for r in results {
        out.push_str(&format!(
            "**{}** ({}; scenario `{}`): {}\n\n",
            r.claim.id,
            r.claim.source,
            r.claim.scenario.as_deref().unwrap_or("none, a closed form"),
            r.claim.reason
        ));
    }
    out
}
