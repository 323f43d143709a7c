//! `summary.md` and the table printed after a run: what a person reads.

use std::fmt::Write;

use retrysim_model::Metric;
use retrysim_model::{FailureReason, Outcome};

use crate::stats::Stat;
use crate::summary::Summary;

pub use super::cell::{dollars, number, percent, percentile, recovery, recovery_in, seconds};

fn row(out: &mut String, cells: &[String]) {
    out.push('|');
    for c in cells {
        write!(out, " {} |", c.replace('|', "\\|")).unwrap();
    }
    out.push('\n');
}

fn header(out: &mut String, cells: &[&str]) {
    row(
        out,
        &cells.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
    );
    out.push('|');
    for _ in cells {
        out.push_str("---|");
    }
    out.push('\n');
}

fn stat(summary: &Summary, policy: usize, m: Metric) -> &Stat {
    summary.policies[policy].get(m)
}

/// What the figures are: how many replications, which random seed, and
/// what `±` means.
pub fn replication_line(replications: u32, seed: u64) -> String {
    if replications == 1 {
        format!(
            "1 replication per policy, random seed {seed}: single values, no confidence interval \
             (run more replications for one)."
        )
    } else {
        format!(
            "{replications} replications per policy, random seed {seed}; every policy sees the same \
             arrivals in the same replication. Figures are means over replications ± the \
             half-width of their 95 % confidence interval (± <x on a percentile or a \
             recovery time: every replication fell in one histogram bucket or recovery \
             bin, so the interval is below x)."
        )
    }
}

/// The headline table: success, amplification, latency, recovery.
/// Without a trigger the recovery columns are left out (see
/// `ScenarioSpec::names_a_trigger`).
pub fn headline(summary: &Summary) -> String {
    let triggered = summary.scenario.names_a_trigger();
    let mut out = String::new();
    let mut columns = vec![
        "policy",
        "success",
        "attempts / request",
        "p50 latency",
        "p99 latency",
    ];
    if triggered {
        columns.extend(["error recovery", "user recovery"]);
    }
    header(&mut out, &columns);
    for (i, p) in summary.policies.iter().enumerate() {
        let mut cells = vec![
            p.name.clone(),
            percent(stat(summary, i, Metric::SuccessRate)),
            number(stat(summary, i, Metric::Amplification), 2),
            percentile(stat(summary, i, Metric::LatencyP50S)),
            percentile(stat(summary, i, Metric::LatencyP99S)),
        ];
        if triggered {
            cells.push(recovery_in(
                stat(summary, i, Metric::ErrorRecoveryS),
                summary.recovery.bin_s,
            ));
            cells.push(recovery_in(
                stat(summary, i, Metric::UserRecoveryS),
                summary.recovery.bin_s,
            ));
        }
        row(&mut out, &cells);
    }
    out
}

/// What the headline says about recovery, in one sentence.
pub fn recovery_note(summary: &Summary) -> String {
    if summary.scenario.names_a_trigger() {
        format!(
            "Recovery from the trigger at {} s (error: failed attempts; user: failed requests).",
            summary.recovery.trigger_s
        )
    } else {
        "No recovery columns: the scenario names no trigger (`metrics.trigger` or `triggers`), \
         so there is no moment to recover from; summary.json still has the figures, measured \
         from t = 0."
            .into()
    }
}

/// Recovery from the last trigger's end and the metastability verdict, for
/// scenarios with `triggers`.
pub fn metastability_table(summary: &Summary) -> Option<String> {
    let rec = &summary.recovery;
    if rec.triggers.is_empty() {
        return None;
    }
    let mut out = String::new();
    let mut head = vec![
        "policy",
        "error recovery after end",
        "user recovery after end",
    ];
    if rec.metastable.is_some() {
        head.extend(["goodput ÷ offered, end of load", "metastable runs"]);
    }
    header(&mut out, &head);
    for (i, p) in summary.policies.iter().enumerate() {
        let mut cells = vec![
            p.name.clone(),
            recovery_in(
                stat(summary, i, Metric::ErrorRecoveryAfterEndS),
                summary.recovery.bin_s,
            ),
            recovery_in(
                stat(summary, i, Metric::UserRecoveryAfterEndS),
                summary.recovery.bin_s,
            ),
        ];
        if rec.metastable.is_some() {
            cells.push(percent(stat(summary, i, Metric::GoodputRatio)));
            cells.push(percent(stat(summary, i, Metric::Metastable)));
        }
        row(&mut out, &cells);
    }
    Some(out)
}

/// The call graph's tables, for scenarios whose services call services:
/// the load on every service (attempts per request that entered the graph:
/// the amplification at each tier) by policy, then every edge's calls.
pub fn services_table(summary: &Summary) -> Option<String> {
    let first = summary.policies.first()?;
    if first.services.is_empty() {
        return None;
    }
    let mut out = String::new();
    let mut head = vec!["policy".to_string()];
    head.extend(first.services.iter().map(|s| format!("{} load", s.name)));
    header(
        &mut out,
        &head.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    for p in &summary.policies {
        let mut cells = vec![p.name.clone()];
        cells.extend(p.services.iter().map(|s| number(&s.load, 2)));
        row(&mut out, &cells);
    }
    out.push('\n');
    header(
        &mut out,
        &[
            "policy",
            "call",
            "calls / request",
            "call success",
            "attempts / call",
            "p50 call latency",
            "p99 call latency",
            "answers failed by a call",
        ],
    );
    for p in &summary.policies {
        for e in &p.edges {
            let caller = p.services.iter().find(|s| s.name == e.from);
            row(
                &mut out,
                &[
                    p.name.clone(),
                    format!("{} → {}", e.from, e.to),
                    number(&e.calls_per_request, 2),
                    percent(&e.success_rate),
                    number(&e.attempts_per_call, 2),
                    seconds(&e.latency_p50_s),
                    seconds(&e.latency_p99_s),
                    caller.map_or("–".into(), |s| percent(&s.failed_share)),
                ],
            );
        }
    }
    Some(out)
}

/// Recovery and metastability per service of a call graph with triggers,
/// as each service's callers see it: the entry through the workload's own
/// figures, every other service through the calls into it, edge by edge.
pub fn service_recovery_table(summary: &Summary) -> Option<String> {
    let rec = &summary.recovery;
    let first = summary.policies.first()?;
    if rec.triggers.is_empty() || first.edges.is_empty() {
        return None;
    }
    let mut out = String::new();
    let mut head = vec![
        "policy",
        "service (as called)",
        "error recovery",
        "error recovery after end",
    ];
    if rec.metastable.is_some() {
        head.extend(["goodput ÷ offered, end of load", "metastable runs"]);
    }
    header(&mut out, &head);
    for (i, p) in summary.policies.iter().enumerate() {
        // The logical name: with replicas, services[0] is `name/0`.
        let entry = summary.scenario.service.name.as_deref().unwrap_or("entry");
        let mut cells = vec![
            p.name.clone(),
            format!("{entry} (the workload)"),
            recovery_in(
                stat(summary, i, Metric::ErrorRecoveryS),
                summary.recovery.bin_s,
            ),
            recovery_in(
                stat(summary, i, Metric::ErrorRecoveryAfterEndS),
                summary.recovery.bin_s,
            ),
        ];
        if rec.metastable.is_some() {
            cells.push(percent(stat(summary, i, Metric::GoodputRatio)));
            cells.push(percent(stat(summary, i, Metric::Metastable)));
        }
        row(&mut out, &cells);
        for e in &p.edges {
            let mut cells = vec![
                p.name.clone(),
                format!("{} → {}", e.from, e.to),
                recovery_in(&e.error_recovery_s, summary.recovery.bin_s),
                recovery_in(&e.error_recovery_after_end_s, summary.recovery.bin_s),
            ];
            if rec.metastable.is_some() {
                cells.push(percent(&e.goodput_ratio));
                cells.push(percent(&e.metastable));
            }
            row(&mut out, &cells);
        }
    }
    Some(out)
}

/// The priority classes' table, for a workload with low-priority
/// requests: each class's share, success and p99 latency, by policy.
pub fn classes_table(summary: &Summary) -> Option<String> {
    if summary.policies.first()?.classes.is_empty() {
        return None;
    }
    let mut out = String::new();
    header(
        &mut out,
        &[
            "policy",
            "class",
            "share of requests",
            "success",
            "p99 latency",
        ],
    );
    for p in &summary.policies {
        for c in &p.classes {
            row(
                &mut out,
                &[
                    p.name.clone(),
                    c.name.clone(),
                    percent(&c.share),
                    percent(&c.success_rate),
                    seconds(&c.latency_p99_s),
                ],
            );
        }
    }
    Some(out)
}

/// How the triggers and the metastability test read, in one paragraph.
pub fn metastability_note(summary: &Summary) -> String {
    let rec = &summary.recovery;
    let triggers: Vec<String> = rec
        .triggers
        .iter()
        .map(|t| format!("{} {}–{} s", t.kind.replace('_', " "), t.start_s, t.end_s))
        .collect();
    let mut out = format!(
        "Triggers: {}. Recovery after end counts from {} s, the last trigger's end.",
        triggers.join(", "),
        rec.trigger_end_s
    );
    match &rec.metastable {
        Some(m) => write!(
            out,
            " A run is *metastable* when, over {}–{} s (the end of the load), successful attempts \
             fall more than {} % short of arriving requests although the triggers were over long \
             before; *metastable runs* is the share of replications that were.",
            m.from_s,
            m.to_s,
            100.0 * m.margin
        )
        .unwrap(),
        None => out.push_str(
            " Metastability is not judged: the load does not go on for two windows after the \
             last trigger ends (see metrics.metastable.window).",
        ),
    }
    out
}

/// The cost table, when the scenario prices attempts.
pub fn cost_table(summary: &Summary) -> Option<String> {
    summary.scenario.cost.as_ref()?;
    let guarded = (0..summary.policies.len())
        .any(|i| stat(summary, i, Metric::MoneyOvershoot).mean.is_some());
    let mut out = String::new();
    let mut head = vec![
        "policy",
        "total",
        "useful",
        "wasted",
        "wasted ÷ useful",
        "per success",
        "duplicate attempts",
        "duplicate cost",
    ];
    if guarded {
        head.push("guard overshoot");
    }
    header(&mut out, &head);
    for (i, p) in summary.policies.iter().enumerate() {
        let mut cells = vec![
            p.name.clone(),
            dollars(stat(summary, i, Metric::CostTotal)),
            dollars(stat(summary, i, Metric::CostUseful)),
            dollars(stat(summary, i, Metric::CostWasted)),
            percent(stat(summary, i, Metric::RetryOverhead)),
            dollars(stat(summary, i, Metric::CostPerSuccess)),
            number(stat(summary, i, Metric::DuplicateAttempts), 1),
            dollars(stat(summary, i, Metric::DuplicateCost)),
        ];
        if guarded {
            cells.push(dollars(stat(summary, i, Metric::MoneyOvershoot)));
        }
        row(&mut out, &cells);
    }
    Some(out)
}

/// A table of counts, keeping only the columns that are non-zero somewhere.
fn counts_table(summary: &Summary, columns: &[(&str, Metric)], decimals: usize) -> String {
    let keep: Vec<_> = columns
        .iter()
        .filter(|(_, key)| {
            (0..summary.policies.len())
                .any(|i| stat(summary, i, *key).mean.is_some_and(|m| m != 0.0))
        })
        .collect();
    if keep.is_empty() {
        return "None.\n".into();
    }
    let mut out = String::new();
    let mut head = vec!["policy"];
    head.extend(keep.iter().map(|(label, _)| *label));
    header(&mut out, &head);
    for (i, p) in summary.policies.iter().enumerate() {
        let mut cells = vec![p.name.clone()];
        cells.extend(
            keep.iter()
                .map(|(_, key)| number(stat(summary, i, *key), decimals)),
        );
        row(&mut out, &cells);
    }
    out
}

/// The whole `summary.md`.
pub fn render(summary: &Summary) -> String {
    let sc = &summary.scenario;
    let rec = &summary.recovery;
    let mut out = String::new();
    writeln!(out, "# {}\n", sc.name).unwrap();
    if !sc.description.is_empty() {
        writeln!(out, "{}\n", sc.description).unwrap();
    }
    writeln!(out, "{}\n", replication_line(sc.replications, sc.seed)).unwrap();
    out.push_str(&headline(summary));
    if sc.names_a_trigger() {
        writeln!(
            out,
            "\nRecovery is measured from the trigger at {} s: the first time after which every \
             {} s bin of a {} s window has at most {} % failing. *Error recovery* counts failed \
             attempts among those sent in the bin (what a dashboard of 429s shows; giving up early \
             looks good here). *User recovery* counts requests arriving in the bin that finally \
             failed (what users feel; retrying longer looks good here). \"never\" means not before \
             the run ended.\n",
            rec.trigger_s,
            rec.bin_s,
            rec.window_s,
            100.0 * rec.threshold
        )
        .unwrap();
    } else {
        writeln!(out, "\n{}\n", recovery_note(summary)).unwrap();
    }
    for note in super::notes::policy_notes(summary) {
        writeln!(out, "{note}\n").unwrap();
    }

    if let Some(t) = metastability_table(summary) {
        out.push_str("## After the trigger\n\n");
        out.push_str(&metastability_note(summary));
        out.push_str("\n\n");
        out.push_str(&t);
        out.push('\n');
    }

    if let Some(t) = service_recovery_table(summary) {
        out.push_str(
            "## Recovery per service\n\nEach service as its callers see it: the entry through \
             the workload's attempts, every other service through the attempts of the calls into \
             it (the same rules as above, on that edge's attempts and calls).\n\n",
        );
        out.push_str(&t);
        out.push('\n');
    }

    if let Some(t) = classes_table(summary) {
        out.push_str(
            "## Priority classes\n\nMean per replication. A service with `shed_low_above` \
             refuses low-priority attempts first; a call has the priority of the request it \
             serves.\n\n",
        );
        out.push_str(&t);
        out.push('\n');
    }

    if let Some(t) = services_table(summary) {
        out.push_str(
            "## Services\n\nMean per replication. A service's *load* is the attempts that \
             reached it per request that entered the graph: the amplification at that tier (with \
             every tier retrying k times and the bottom failing, the bottom's load is k to the \
             power of the tiers). A *call* is one request from a calling service to the one it \
             calls, with its own retries; *answers failed by a call* is the share of the caller's \
             answers that failed because one of its calls did.\n\n",
        );
        out.push_str(&t);
        out.push('\n');
    }

    if let Some(t) = cost_table(summary) {
        out.push_str(
            "## Cost\n\nMean per replication. *Useful* is what the attempts that delivered a \
             success cost; *wasted* is everything else billed, retried or not (a timed-out attempt \
             is billed too, so `no-retry` has waste); *wasted ÷ useful* is the \
             `retry_overhead` figure of the data files. \
             *Duplicate* attempts were served and billed but nobody used the answer (the client \
             had timed out, or the response was lost). *Guard overshoot* is how far a client's \
             money guard let its settled spend pass the daily limit.\n\n",
        );
        out.push_str(&t);
        out.push('\n');
    }
    out.push_str("## Requests\n\nMean per replication.\n\n");
    let mut cols: Vec<(&str, Metric)> = vec![
        ("requests", Metric::Requests),
        ("succeeded", Metric::Succeeded),
        ("failed", Metric::Failed),
    ];
    let labels = [
        "attempts exhausted",
        "non-retryable",
        "deadline",
        "Retry-After too long",
        "budget refused",
        "circuit open",
        "throttled",
    ];
    for (r, label) in FailureReason::ALL.iter().zip(labels) {
        cols.push((label, Metric::failed(*r)));
    }
    cols.push(("unfinished", Metric::FailedUnfinished));
    out.push_str(&counts_table(summary, &cols, 1));

    out.push_str("\n## Successes by attempt\n\nShare of successful requests that needed the k-th attempt.\n\n");
    let mut t = String::new();
    header(&mut t, &["policy", "1st", "2nd", "3rd", "4th or later"]);
    for (i, p) in summary.policies.iter().enumerate() {
        let mut cells = vec![p.name.clone()];
        for k in [
            Metric::SuccessAtAttempt1,
            Metric::SuccessAtAttempt2,
            Metric::SuccessAtAttempt3,
            Metric::SuccessAtAttempt4Plus,
        ] {
            cells.push(percent(stat(summary, i, k)));
        }
        row(&mut t, &cells);
    }
    out.push_str(&t);

    out.push_str("\n## Attempts by outcome\n\nMean per replication.\n\n");
    let mut cols: Vec<(&str, Metric)> = vec![("attempts", Metric::Attempts)];
    let labels = [
        "success",
        "429",
        "503",
        "other 5xx",
        "timeout",
        "connection error",
        "4xx",
        "409 conflict",
    ];
    for (o, label) in Outcome::ALL.iter().zip(labels) {
        cols.push((label, Metric::attempts(*o)));
    }
    out.push_str(&counts_table(summary, &cols, 1));

    out.push_str("\n## Latency of successful requests\n\n");
    let mut t = String::new();
    header(
        &mut t,
        &["policy", "mean", "p50", "p90", "p99", "p99.9", "max"],
    );
    for (i, p) in summary.policies.iter().enumerate() {
        let mut cells = vec![p.name.clone()];
        for k in [
            Metric::LatencyMeanS,
            Metric::LatencyP50S,
            Metric::LatencyP90S,
            Metric::LatencyP99S,
            Metric::LatencyP999S,
            Metric::LatencyMaxS,
        ] {
            let exact = matches!(k, Metric::LatencyMeanS | Metric::LatencyMaxS);
            cells.push(if exact {
                seconds(stat(summary, i, k))
            } else {
                percentile(stat(summary, i, k))
            });
        }
        row(&mut t, &cells);
    }
    out.push_str(&t);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(values: &[Option<f64>]) -> Stat {
        Stat::of(values)
    }

    #[test]
    fn formats() {
        assert_eq!(percent(&st(&[Some(0.5), Some(0.5)])), "50.00 ± 0 %");
        // A small interval gets the decimals it needs to show.
        assert_eq!(
            seconds(&st(&[Some(12.08), Some(12.11), Some(12.1)])),
            "12.10 ± 0.04 s"
        );
        assert_eq!(
            seconds(&st(&[Some(1.1790), Some(1.1792)])),
            "1.179 ± 0.001 s"
        );
        assert_eq!(seconds(&st(&[Some(12.25)])), "12.2 s");
        assert_eq!(seconds(&st(&[Some(0.8)])), "0.800 s");
        // Every replication in one histogram bucket: the spread is below
        // what the histogram resolves, not zero.
        assert_eq!(
            percentile(&st(&[Some(17.2), Some(17.2)])),
            "17.20 ± <0.07 s"
        );
        assert_eq!(
            percentile(&st(&[Some(17.0), Some(18.0)])),
            seconds(&st(&[Some(17.0), Some(18.0)]))
        );
        assert_eq!(recovery(&st(&[None, None])), "never (0/2)");
        assert_eq!(recovery(&st(&[Some(4.0), None])), "4.000 s (1/2 recovered)");
        assert_eq!(number(&st(&[]), 2), "–");
        assert_eq!(dollars(&st(&[Some(4200.0)])), "$4200");
        assert_eq!(dollars(&st(&[Some(0.25), Some(0.35)])), "$0.3000 ± 0.6353");
        assert_eq!(recovery(&st(&[Some(4.0), Some(4.0)])), "4.000 ± 0 s");
    }
}
