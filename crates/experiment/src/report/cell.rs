//! One figure as a table cell: a mean with its 95 % CI half-width, in the
//! unit and precision a reader expects (`61.23 ± 0.31 %`, `17.25 ± <0.07 s`,
//! `never (0/10)`, `$12.34 ± 0.56`).

use crate::stats::Stat;

/// `mean ± half` with at least `decimals` decimals, and more (up to three
/// more) when needed for the half-width to show a significant digit, so
/// that a small interval never reads as `± 0.0`.
fn pm(mean: f64, half: Option<f64>, decimals: usize, unit: &str) -> String {
    match half {
        // Too small to show in three more decimals: say how small, at the
        // figure's own precision (`$0.0020 ± <0.0001`, not `± 0.0000000`).
        Some(h) if h > 0.0 && h < 0.5 * 10f64.powi(-((decimals + 3) as i32)) => {
            let step = 10f64.powi(-(decimals as i32));
            format!("{mean:.decimals$} ± <{step:.decimals$}{unit}")
        }
        Some(h) if h > 0.0 => {
            let needed = (-h.log10()).ceil().max(0.0) as usize;
            let d = needed.clamp(decimals, decimals + 3);
            format!("{mean:.d$} ± {h:.d$}{unit}")
        }
        Some(_) => format!("{mean:.decimals$} ± 0{unit}"),
        None => format!("{mean:.decimals$}{unit}"),
    }
}

/// A share as a percentage: `61.23 ± 0.31 %`.
pub fn percent(s: &Stat) -> String {
    match s.mean {
        Some(m) => pm(100.0 * m, s.half_width().map(|h| 100.0 * h), 2, " %"),
        None => "–".into(),
    }
}

/// A plain number with `decimals`.
pub fn number(s: &Stat, decimals: usize) -> String {
    match s.mean {
        Some(m) => pm(m, s.half_width(), decimals, ""),
        None => "–".into(),
    }
}

/// Seconds, with precision that suits the magnitude.
pub fn seconds(s: &Stat) -> String {
    match s.mean {
        Some(m) => pm(m, s.half_width(), if m.abs() < 10.0 { 3 } else { 1 }, " s"),
        None => "–".into(),
    }
}

/// A latency percentile. It is read from a histogram whose buckets are
/// 1/128 of their value wide (any value within 1/256 of the midpoint), so
/// when every replication fell in one bucket the CI is zero only to the
/// histogram: it says `± <r` (what the histogram resolves), not `± 0`.
pub fn percentile(s: &Stat) -> String {
    match (s.mean, s.half_width()) {
        (Some(m), Some(h)) if h == 0.0 && m != 0.0 => {
            let r = m.abs() / 256.0;
            let decimals = if m.abs() < 10.0 { 3 } else { 1 };
            let d = ((-r.log10()).ceil().max(0.0) as usize).clamp(decimals, decimals + 3);
            format!("{m:.d$} ± <{r:.d$} s")
        }
        _ => seconds(s),
    }
}

/// A recovery time: seconds, `never`, or seconds with the share of
/// replications that recovered when some never did.
pub fn recovery(s: &Stat) -> String {
    match s.mean {
        None => format!("never (0/{})", s.of),
        Some(_) if s.n < s.of => format!("{} ({}/{} recovered)", seconds(s), s.n, s.of),
        Some(_) => seconds(s),
    }
}

/// A recovery time measured on bins of `bin_s` seconds, as [`recovery`]
/// writes it, except that when every replication recovered in the same bin
/// (an interval of zero) it says `± <bin`: the spread is hidden by the
/// bins, as a percentile's is by its histogram bucket.
pub fn recovery_in(s: &Stat, bin_s: f64) -> String {
    match (s.mean, s.half_width()) {
        (Some(m), Some(h)) if h == 0.0 && s.n == s.of && bin_s > 0.0 => {
            let d = if m.abs() < 10.0 { 3 } else { 1 };
            format!("{m:.d$} ± <{bin_s} s")
        }
        _ => recovery(s),
    }
}

/// Dollars: `$12.34 ± 0.56`.
pub fn dollars(s: &Stat) -> String {
    match s.mean {
        Some(m) => {
            let d = if m.abs() >= 100.0 {
                0
            } else if m.abs() >= 1.0 {
                2
            } else {
                4
            };
            format!("${}", pm(m, s.half_width(), d, ""))
        }
        None => "–".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(mean: f64, half: f64) -> Stat {
        Stat {
            mean: Some(mean),
            ci95: Some([mean - half, mean + half]),
            n: 3,
            of: 3,
        }
    }

    #[test]
    fn a_half_width_gets_the_digits_it_needs_and_no_more() {
        assert_eq!(number(&stat(2.397, 0.007), 2), "2.397 ± 0.007");
        assert_eq!(number(&stat(1.0, 0.0), 2), "1.00 ± 0");
        // Beyond three more decimals it would print zeros: it says how small.
        assert_eq!(number(&stat(1.0009, 0.000_000_4), 2), "1.00 ± <0.01");
        assert_eq!(dollars(&stat(0.002, 1e-9)), "$0.0020 ± <0.0001");
        assert_eq!(percent(&stat(0.7631, 0.0006)), "76.31 ± 0.06 %");
    }

    #[test]
    fn a_recovery_in_one_bin_says_the_bin_hides_its_spread() {
        assert_eq!(recovery_in(&stat(22.0, 0.0), 1.0), "22.0 ± <1 s");
        assert_eq!(recovery_in(&stat(4.0, 0.0), 0.5), "4.000 ± <0.5 s");
        assert_eq!(recovery_in(&stat(31.7, 1.4), 1.0), "31.7 ± 1.4 s");
        let never = Stat {
            mean: None,
            ci95: None,
            n: 0,
            of: 3,
        };
        assert_eq!(recovery_in(&never, 1.0), "never (0/3)");
    }
}
