//! Claims judged by closed forms: arithmetic on the claim's own numbers, and
//! the model's own backoff formulas. Each check states what it computes.

use retrysim_model::{Backoff, Curve};

use super::{Figure, Finding, Rule};

type Params = serde_json::Map<String, serde_json::Value>;

fn num(p: &Params, key: &str) -> Result<f64, String> {
    p.get(key)
        .and_then(|v| v.as_f64())
        .ok_or_else(|| format!("analytic check needs a number `{key}`"))
}

/// Runs the named closed-form check.
pub fn judge(name: &str, p: &Params) -> Result<Finding, String> {
    match name {
        // Seed 000: "of failed requests 12.3 % succeed on the 1st retry, 4.7 %
        // need a 2nd, 0.8 % need 3+; success rises from 87.7 % to 99.5 %+".
        // Read as shares of failed requests, the recovered share is
        // (r1 + r2 + r3) of the failures; read as shares of all requests,
        // first-try successes plus the three must not exceed 100 %.
        "retry_success_shares" => {
            let (first, r1, r2, r3, claimed) = (
                num(p, "first_try")?,
                num(p, "retry1")?,
                num(p, "retry2")?,
                num(p, "retry3plus")?,
                num(p, "claimed_success")?,
            );
            let of_failed = first + (1.0 - first) * (r1 + r2 + r3);
            let of_all = first + r1 + r2 + r3;
            let ok = (of_failed >= claimed) || (of_all <= 1.0 && of_all >= claimed);
            Ok(Finding::stated(
                format!(
                    "as shares of failed requests: success {:.1} %; as shares of all requests: they sum to {:.1} %",
                    100.0 * of_failed,
                    100.0 * of_all
                ),
                vec![
                    Figure::exact(
                        "success, the shares read as of failed requests",
                        "fraction",
                        of_failed,
                    ),
                    Figure::exact(
                        "first try plus the shares, read as of all requests",
                        "fraction",
                        of_all,
                    ),
                    Figure::exact("claimed success", "fraction", claimed),
                ],
                ok,
            ))
        }
        // Seed 000's table: linear "average wait" base × maxRetries,
        // exponential base × (2^maxRetries − 1) / maxRetries. Computed from
        // the model's own backoff curves: the total and the average wait
        // over maxRetries retries.
        "average_wait_formulas" => {
            let (base_s, n) = (num(p, "base")?, num(p, "max_retries")? as u32);
            let base = (base_s * 1e9) as u64;
            let waits = |curve| -> (f64, f64) {
                let b = Backoff {
                    curve,
                    base,
                    cap: u64::MAX,
                };
                let total: f64 = (0..n).map(|k| b.delay(k) as f64 / 1e9).sum();
                (total, total / n as f64)
            };
            let (lin_total, lin_avg) = waits(Curve::Constant);
            let (exp_total, exp_avg) = waits(Curve::Exponential { factor: 2.0 });
            let lin_formula = base_s * n as f64;
            let exp_formula = base_s * (2f64.powi(n as i32) - 1.0) / n as f64;
            // Reproduced only if both formulas describe the same quantity.
            let both_averages =
                (lin_formula - lin_avg).abs() < 1e-9 && (exp_formula - exp_avg).abs() < 1e-9;
            let both_totals =
                (lin_formula - lin_total).abs() < 1e-9 && (exp_formula - exp_total).abs() < 1e-9;
            Ok(Finding::stated(
                format!(
                    "linear: total {lin_total}, average {lin_avg} (formula {lin_formula}); exponential: total {exp_total}, average {exp_avg} (formula {exp_formula})"
                ),
                vec![
                    Figure::exact("linear: the seed's formula", "s", lin_formula),
                    Figure::exact("linear: total wait", "s", lin_total),
                    Figure::exact("linear: average wait", "s", lin_avg),
                    Figure::exact("exponential: the seed's formula", "s", exp_formula),
                    Figure::exact("exponential: total wait", "s", exp_total),
                    Figure::exact("exponential: average wait", "s", exp_avg),
                ],
                both_averages || both_totals,
            ))
        }
        // Seed 000: 470 k conversations on the day, with a 200 QPS baseline.
        "daily_volume" => {
            let (qps, conversations, max_calls) = (
                num(p, "baseline_qps")?,
                num(p, "conversations")?,
                num(p, "plausible_calls_per_conversation")?,
            );
            let calls = qps * 86_400.0;
            let per = calls / conversations;
            Ok(Finding::judged(
                format!("{calls:.0} calls a day at the baseline alone: {per:.1} per conversation"),
                vec![
                    Figure::exact("calls per conversation", "ratio", per),
                    Figure::exact("calls a day at the baseline", "count", calls),
                ],
                Rule::AtMost { bound: max_calls },
            ))
        }
        // Seed 001: with 5 retries per call, daily spend went from $200 to
        // $18 000. With k attempts at most, spend grows at most k-fold.
        "spend_amplification" => {
            let (before, after, attempts) =
                (num(p, "before")?, num(p, "after")?, num(p, "max_attempts")?);
            let claimed = after / before;
            Ok(Finding::judged(
                format!(
                    "claimed ×{claimed:.0}; at most ×{attempts:.0} with {attempts:.0} attempts per call"
                ),
                vec![Figure::exact("claimed spend multiple", "ratio", claimed)],
                Rule::AtMost { bound: attempts },
            ))
        }
        // Success with k attempts that each fail independently with
        // probability p: 1 − p^k.
        "independent_retries" => {
            let (pf, k, claimed, tol) = (
                num(p, "failure")?,
                num(p, "attempts")?,
                num(p, "claimed_success")?,
                num(p, "tolerance")?,
            );
            let success = 1.0 - pf.powf(k);
            Ok(Finding::judged(
                format!("1 − {pf}^{k} = {:.4} %", 100.0 * success),
                vec![Figure::exact(
                    "success with independent failures",
                    "fraction",
                    success,
                )],
                Rule::MeanWithin {
                    low: claimed - tol,
                    high: claimed + tol,
                },
            ))
        }
        other => Err(format!(
            "unknown analytic check `{other}` (known: retry_success_shares, average_wait_formulas, daily_volume, spend_amplification, independent_retries)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::Verdict;

    fn params(v: serde_json::Value) -> Params {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn backoff_waits_come_from_the_model() {
        let f = judge(
            "average_wait_formulas",
            &params(serde_json::json!({"base": 1, "max_retries": 5})),
        )
        .unwrap();
        assert!(
            f.measured.contains("linear: total 5, average 1"),
            "{}",
            f.measured
        );
        assert!(
            f.measured.contains("exponential: total 31, average 6.2"),
            "{}",
            f.measured
        );
        assert_eq!(
            f.verdict,
            Verdict::Refuted,
            "linear's formula is a total, exponential's an average"
        );
    }

    #[test]
    fn consistent_shares_are_reproduced_and_inconsistent_ones_refuted() {
        let ok = serde_json::json!({"first_try": 0.9, "retry1": 0.8, "retry2": 0.15, "retry3plus": 0.04, "claimed_success": 0.995});
        assert_eq!(
            judge("retry_success_shares", &params(ok)).unwrap().verdict,
            Verdict::Reproduced
        );
        let seed = serde_json::json!({"first_try": 0.877, "retry1": 0.123, "retry2": 0.047, "retry3plus": 0.008, "claimed_success": 0.995});
        assert_eq!(
            judge("retry_success_shares", &params(seed))
                .unwrap()
                .verdict,
            Verdict::Refuted
        );
        assert!(judge("nope", &Params::new()).is_err());
        let f = judge(
            "independent_retries",
            &params(serde_json::json!({"failure": 0.5, "attempts": 3, "claimed_success": 0.875, "tolerance": 0.001})),
        )
        .unwrap();
        assert_eq!(f.verdict, Verdict::Reproduced);
        assert!(f.measured.contains("87.5000 %"), "{}", f.measured);
    }
}
