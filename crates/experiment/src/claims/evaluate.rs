//! Judging a run's summary against a claim's check.

use retrysim_model::{Metric, Scalars};

use crate::stats::Stat;
use crate::summary::{PolicySummary, Summary};

use super::{Check, Figure, Finding, Relation, Rule};

fn policy<'a>(s: &'a Summary, name: &str) -> Result<&'a PolicySummary, String> {
    s.policies.iter().find(|p| p.name == name).ok_or_else(|| {
        let names: Vec<_> = s.policies.iter().map(|p| p.name.as_str()).collect();
        format!(
            "scenario {} has no policy `{name}` (it has: {})",
            s.scenario.name,
            names.join(", ")
        )
    })
}

/// `mean [low, high]`, or `none (0/n)`.
pub fn describe(s: &Stat) -> String {
    match (s.mean, s.ci95) {
        (None, _) => format!("none ({}/{})", s.n, s.of),
        (Some(m), Some([lo, hi])) => format!("{} [{}, {}]", g(m), g(lo), g(hi)),
        (Some(m), None) => g(m),
    }
}

/// A number to 4 significant digits.
fn g(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let d = (3 - x.abs().log10().floor() as i32).clamp(0, 8) as usize;
    format!("{x:.d$}")
}

/// The paired difference left − right of figure `m` over replications
/// where both exist.
pub fn paired_difference(left: &[Scalars], right: &[Scalars], m: Metric) -> Stat {
    let diffs: Vec<Option<f64>> = left
        .iter()
        .zip(right)
        .map(|(l, r)| match (l[m], r[m]) {
            (Some(a), Some(b)) => Some(a - b),
            _ => None,
        })
        .collect();
    Stat::of(&diffs)
}

/// The rule a `less` / `greater` comparison is judged by: the whole paired
/// CI of left − right on the claimed side of zero; `None` for
/// `ratio_at_least`, which is judged on the means.
pub fn paired_rule(relation: Relation) -> Option<Rule> {
    match relation {
        Relation::Less => Some(Rule::CiBelow { bound: 0.0 }),
        Relation::Greater => Some(Rule::CiAbove { bound: 0.0 }),
        Relation::RatioAtLeast => None,
    }
}

/// Judges `check` on `summary`.
pub fn judge(check: &Check, summary: &Summary) -> Result<Finding, String> {
    match check {
        Check::Value {
            policy: name,
            metric,
            expected,
            tolerance,
        } => {
            let s = policy(summary, name)?.get(*metric);
            if s.mean.is_none() {
                return Err(format!(
                    "{name}: `{metric}` has no value in any replication"
                ));
            }
            Ok(Finding::judged(
                format!("{name}: {metric} = {}", describe(s)),
                vec![Figure::estimated(format!("{name}: {metric}"), *metric, s)],
                Rule::CiMeets {
                    low: expected - tolerance,
                    high: expected + tolerance,
                },
            ))
        }
        Check::Range {
            policy: name,
            metric,
            min,
            max,
        } => {
            let s = policy(summary, name)?.get(*metric);
            Ok(Finding::judged(
                format!("{name}: {metric} = {}", describe(s)),
                vec![Figure::estimated(format!("{name}: {metric}"), *metric, s)],
                Rule::MeanWithin {
                    low: *min,
                    high: *max,
                },
            ))
        }
        Check::Compare {
            metric,
            left,
            relation,
            right,
            value,
        } => {
            let (l, r) = (policy(summary, left)?, policy(summary, right)?);
            let (ls, rs) = (l.get(*metric), r.get(*metric));
            let sides = [
                Figure::estimated(format!("{left}: {metric}"), *metric, ls),
                Figure::estimated(format!("{right}: {metric}"), *metric, rs),
            ];
            match relation {
                Relation::Less | Relation::Greater => {
                    let rule = paired_rule(*relation).ok_or("not a paired comparison")?;
                    let d = paired_difference(&l.per_replication, &r.per_replication, *metric);
                    if d.ci95.is_none() {
                        return Err(format!(
                            "`{metric}`: fewer than two replications with both values; run more"
                        ));
                    }
                    let diff = Figure::estimated(
                        format!("{metric}: {left} − {right}, paired"),
                        *metric,
                        &d,
                    );
                    Ok(Finding::judged(
                        format!(
                            "{metric}: {left} {} vs {right} {}; paired difference {}",
                            describe(ls),
                            describe(rs),
                            describe(&d)
                        ),
                        [vec![diff], sides.to_vec()].concat(),
                        rule,
                    ))
                }
                Relation::RatioAtLeast => {
                    let k = value.ok_or("ratio_at_least needs a `value`")?;
                    let (a, b) = (
                        ls.mean.ok_or("left has no value")?,
                        rs.mean.ok_or("right has no value")?,
                    );
                    let ratio = a / b;
                    let quotient =
                        Figure::exact(format!("{metric}: {left} ÷ {right}"), "ratio", ratio);
                    Ok(Finding::judged(
                        format!(
                            "{metric}: {left} {} ÷ {right} {} = {}",
                            describe(ls),
                            describe(rs),
                            g(ratio)
                        ),
                        [vec![quotient], sides.to_vec()].concat(),
                        Rule::AtLeast { bound: k },
                    ))
                }
            }
        }
        Check::Analytic { .. } => Err("an analytic check needs no scenario run".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: Metric = Metric::SuccessRate;

    fn reps(values: &[f64]) -> Vec<Scalars> {
        values
            .iter()
            .map(|v| Scalars::from_fn(|m| (m == M).then_some(*v)))
            .collect()
    }

    #[test]
    fn paired_comparison_sees_a_known_difference_through_shared_noise() {
        // Large common noise, a constant difference of 1: unpaired CIs
        // overlap, the paired one does not.
        let noise = [3.0, 41.0, 17.0, 29.0, 8.0, 35.0];
        let left = reps(&noise.map(|n| n + 1.0));
        let right = reps(&noise);
        let d = paired_difference(&left, &right, M);
        assert_eq!(d.mean, Some(1.0));
        let [lo, hi] = d.ci95.unwrap();
        assert!(lo > 0.0 && hi < 2.0, "{lo} {hi}");
        let f = Figure::estimated("d".into(), M, &d);
        assert_eq!(
            paired_rule(Relation::Greater).unwrap().holds(&f),
            Some(true)
        );
        assert_eq!(paired_rule(Relation::Less).unwrap().holds(&f), Some(false));
        let unpaired = Stat::of(&noise.map(|n| Some(n + 1.0)));
        assert!(
            unpaired.half_width().unwrap() > 1.0,
            "the unpaired CI could not tell them apart"
        );
    }

    #[test]
    fn identical_policies_are_not_flagged() {
        let same = reps(&[3.0, 5.0, 4.0, 6.0]);
        let d = paired_difference(&same, &same, M);
        assert_eq!(d.ci95, Some([0.0, 0.0]));
        // Neither "less" nor "greater" is reproduced on a zero interval.
        let f = Figure::estimated("d".into(), M, &d);
        assert_eq!(paired_rule(Relation::Less).unwrap().holds(&f), Some(false));
        assert_eq!(
            paired_rule(Relation::Greater).unwrap().holds(&f),
            Some(false)
        );
    }
}
