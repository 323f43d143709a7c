//! Sentences that say when a row of the headline means less than it looks:
//! a guard that never refused anything, and policies whose every figure is
//! the same. `summary.md` and the terminal print them under the headline.

use retrysim_model::Metric;
use retrysim_model::scenario::spec::{BudgetSpec, PolicySpec, RetryAfterHeaderSpec};

use crate::summary::{PolicySummary, Summary};

/// Every note for this summary, in policy order: guards first, then
/// identical rows.
pub fn policy_notes(summary: &Summary) -> Vec<String> {
    let mut notes = Vec::new();
    let specs = &summary.scenario.policies;
    for (spec, result) in specs.iter().zip(&summary.policies) {
        notes.extend(idle_guards(spec, result, summary.scenario.replications));
        notes.extend(fewer_attempts_than_requests(spec, result));
    }
    let whole_seconds = summary
        .scenario
        .service
        .limiter
        .as_ref()
        .is_some_and(|l| l.retry_after == RetryAfterHeaderSpec::Header);
    notes.extend(identical_rows(specs, &summary.policies, whole_seconds));
    notes
}

/// The guards a policy has, grouped by the failure they cause when they
/// refuse (docs/model.md §5): a refusal fails the request with that reason.
fn guards_by_refusal(b: &BudgetSpec) -> Vec<(Metric, Vec<&'static str>)> {
    let mut groups: Vec<(Metric, Vec<&'static str>)> = Vec::new();
    let mut add = |on: bool, metric: Metric, name: &'static str| {
        if !on {
            return;
        }
        match groups.iter_mut().find(|(m, _)| *m == metric) {
            Some((_, names)) => names.push(name),
            None => groups.push((metric, vec![name])),
        }
    };
    add(
        b.circuit_breaker.is_some(),
        Metric::FailedCircuitOpen,
        "circuit breaker",
    );
    add(
        b.adaptive_throttle.is_some(),
        Metric::FailedThrottled,
        "adaptive throttling",
    );
    add(
        b.money.is_some(),
        Metric::FailedBudgetRefused,
        "money guard",
    );
    add(
        b.grpc_throttle.is_some(),
        Metric::FailedBudgetRefused,
        "gRPC throttling",
    );
    add(
        b.ratio.is_some(),
        Metric::FailedBudgetRefused,
        "ratio budget",
    );
    add(
        b.retry_quota.is_some(),
        Metric::FailedBudgetRefused,
        "retry quota",
    );
    groups
}

/// "its retry quota refused nothing …" for each group of a policy's guards
/// whose refusals were zero in every replication.
fn idle_guards(spec: &PolicySpec, result: &PolicySummary, replications: u32) -> Vec<String> {
    let mut notes = Vec::new();
    for (metric, names) in guards_by_refusal(&spec.budget) {
        let s = result.get(metric);
        // Counts are never negative, so a mean of 0 over every replication
        // means no replication had a refusal.
        if s.n != s.of || s.mean != Some(0.0) {
            continue;
        }
        let who = names.join(" and ");
        let only_refuses = !names.contains(&"money guard");
        let consequence = if only_refuses {
            ", so it never changed an outcome: this row is what the policy does without it"
        } else {
            "; a money guard may still have acted by doubling the backoff base"
        };
        let over = if replications == 1 {
            "in the replication".to_string()
        } else {
            format!("in any of the {replications} replications")
        };
        notes.push(format!(
            "{}: its {who} refused nothing {over} (`{}` = 0){consequence}.",
            spec.name,
            metric.name()
        ));
    }
    notes
}

/// "p sent fewer attempts than requests": a guard that fails requests
/// before their first attempt (an open breaker, throttling, a money guard)
/// makes attempts per request fall below 1, which reads as a mistake
/// unless said.
fn fewer_attempts_than_requests(spec: &PolicySpec, result: &PolicySummary) -> Option<String> {
    let amp = result.get(Metric::Amplification).mean?;
    (amp < 1.0).then(|| {
        format!(
            "{}: {amp:.2} attempts per request, fewer than one: requests its guards failed \
             before their first attempt sent none.",
            spec.name
        )
    })
}

/// "b gave the same figures as a …" for each policy whose every figure
/// (mean and interval) equals an earlier one's, naming the fields the two
/// policies differ in; `whole_seconds` says the entry's limiter rounds its
/// Retry-After up to whole seconds, the usual reason Retry-After policies
/// tie.
fn identical_rows(
    specs: &[PolicySpec],
    results: &[PolicySummary],
    whole_seconds: bool,
) -> Vec<String> {
    let mut notes = Vec::new();
    let mut grouped = vec![false; results.len()];
    for i in 0..results.len() {
        if grouped[i] {
            continue;
        }
        let same: Vec<usize> = (i + 1..results.len())
            .filter(|&j| results[j].metrics == results[i].metrics)
            .collect();
        if same.is_empty() {
            continue;
        }
        let mut fields: Vec<String> = Vec::new();
        for &j in &same {
            grouped[j] = true;
            for f in differing_fields(&specs[i], &specs[j]) {
                if !fields.contains(&f) {
                    fields.push(f);
                }
            }
        }
        // `retry_after` differing says all of `retry_after.*` may.
        let whole: Vec<String> = fields
            .iter()
            .filter(|f| !f.contains('.'))
            .cloned()
            .collect();
        fields.retain(|f| {
            f.split_once('.')
                .is_none_or(|(top, _)| !whole.iter().any(|w| w == top))
        });
        let names: Vec<&str> = std::iter::once(i)
            .chain(same)
            .map(|k| specs[k].name.as_str())
            .collect();
        let differ = if fields.is_empty() {
            "they are written the same".to_string()
        } else {
            let quoted: Vec<String> = fields.iter().map(|f| format!("`{f}`")).collect();
            let mut why = format!(
                "they differ only in {}, and that never changed an outcome here",
                quoted.join(", ")
            );
            if fields.iter().all(|f| f.starts_with("retry_after")) {
                why.push_str(
                    " (what a client does with Retry-After matters only when a 429 asks for a \
                     longer wait than its backoff, clamp or cap allows",
                );
                if whole_seconds {
                    why.push_str(
                        "; this limiter's header rounds the wait for a token up to whole \
                         seconds, so it says 1 s whenever a token frees within a second",
                    );
                }
                why.push(')');
            }
            why
        };
        notes.push(format!(
            "{} gave exactly the same figures: {differ}.",
            and_list(&names)
        ));
    }
    notes
}

/// "a", "a and b", "a, b and c".
fn and_list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The policy fields (dotted paths, one level into objects) in which two
/// policies as run differ, the name aside.
fn differing_fields(a: &PolicySpec, b: &PolicySpec) -> Vec<String> {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(a), serde_json::to_value(b))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let keys = a.keys().chain(b.keys().filter(|k| !a.contains_key(*k)));
    for key in keys {
        if key == "name" || a.get(key) == b.get(key) {
            continue;
        }
        match (a.get(key), b.get(key)) {
            (Some(serde_json::Value::Object(x)), Some(serde_json::Value::Object(y)))
                if x.get("kind") == y.get("kind") =>
            {
                let inner = x.keys().chain(y.keys().filter(|k| !x.contains_key(*k)));
                for k in inner {
                    if x.get(k) != y.get(k) {
                        out.push(format!("{key}.{k}"));
                    }
                }
            }
            _ => out.push(key.clone()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(json: &str) -> PolicySpec {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn differing_fields_go_one_level_into_objects_of_the_same_kind() {
        let a = policy(r#"{"name": "a", "max_attempts": 3, "retry_after": {"kind": "obey"}}"#);
        let b = policy(r#"{"name": "b", "max_attempts": 3, "retry_after": {"kind": "clamp"}}"#);
        assert_eq!(differing_fields(&a, &b), ["retry_after"]);
        let c = policy(
            r#"{"name": "c", "max_attempts": 4, "retry_after": {"kind": "obey", "cap": 2}}"#,
        );
        assert_eq!(
            differing_fields(&a, &c),
            ["max_attempts", "retry_after.cap"]
        );
        assert!(differing_fields(&a, &a).is_empty());
    }

    #[test]
    fn guards_group_by_the_failure_their_refusal_causes() {
        let p = policy(
            r#"{"name": "p", "budget": {"retry_quota": {}, "ratio": {}, "circuit_breaker": {}}}"#,
        );
        assert_eq!(
            guards_by_refusal(&p.budget),
            [
                (Metric::FailedCircuitOpen, vec!["circuit breaker"]),
                (
                    Metric::FailedBudgetRefused,
                    vec!["ratio budget", "retry quota"]
                ),
            ]
        );
        assert!(guards_by_refusal(&policy(r#"{"name": "q"}"#).budget).is_empty());
    }

    #[test]
    fn names_join_as_a_sentence() {
        assert_eq!(and_list(&["a"]), "a");
        assert_eq!(and_list(&["a", "b"]), "a and b");
        assert_eq!(and_list(&["a", "b", "c"]), "a, b and c");
    }
}
