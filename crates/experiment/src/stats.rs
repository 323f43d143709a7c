//! Means and 95 % confidence intervals over replications.

use serde::{Deserialize, Serialize};

/// Two-sided 97.5 % quantiles of Student's t for 1 … 30 degrees of freedom.
const T975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

/// The 97.5 % quantile of Student's t with `df` degrees of freedom: a table
/// up to 30, then the Cornish–Fisher expansion (error below 10⁻⁴).
pub fn t975(df: u32) -> f64 {
    match df {
        0 => f64::NAN,
        1..=30 => T975[df as usize - 1],
        _ => {
            let z = 1.959_963_984_540_054;
            let v = df as f64;
            let (z3, z5) = (z * z * z, z * z * z * z * z);
            z + (z3 + z) / (4.0 * v) + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v * v)
        }
    }
}

/// A figure over replications: mean and 95 % confidence interval of the
/// replications in which it exists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stat {
    /// Mean over the replications that have a value; `None` if none has.
    pub mean: Option<f64>,
    /// 95 % confidence interval of the mean (Student t); `None` with fewer
    /// than two values.
    pub ci95: Option<[f64; 2]>,
    /// Replications with a value.
    pub n: u32,
    /// Replications run.
    pub of: u32,
}

impl Stat {
    /// Summarises per-replication values, in replication order (the order
    /// fixes the floating-point sums, so results do not depend on threads).
    pub fn of(values: &[Option<f64>]) -> Stat {
        let present: Vec<f64> = values.iter().flatten().copied().collect();
        let n = present.len();
        let of = values.len() as u32;
        if n == 0 {
            return Stat {
                mean: None,
                ci95: None,
                n: 0,
                of,
            };
        }
        let mean = present.iter().sum::<f64>() / n as f64;
        let ci95 = (n >= 2).then(|| {
            let var = present.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
            let mut half = t975(n as u32 - 1) * (var / n as f64).sqrt();
            if half <= 1e-12 * mean.abs() {
                half = 0.0; // equal values: rounding noise, not uncertainty
            }
            [mean - half, mean + half]
        });
        Stat {
            mean: Some(mean),
            ci95,
            n: n as u32,
            of,
        }
    }

    /// Half the width of the confidence interval, if there is one.
    pub fn half_width(&self) -> Option<f64> {
        self.ci95.map(|[lo, hi]| (hi - lo) / 2.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_table_and_expansion_agree_at_the_seam() {
        assert_eq!(t975(1), 12.706);
        assert!((t975(31) - 2.0395).abs() < 1e-3, "{}", t975(31));
        assert!((t975(120) - 1.9799).abs() < 1e-3);
        assert!((t975(1_000_000) - 1.95996).abs() < 1e-4);
    }

    #[test]
    fn mean_and_interval_of_known_values() {
        // Values 1..=5: mean 3, sd √2.5, half-width 2.776·√(2.5/5).
        let s = Stat::of(&[1.0, 2.0, 3.0, 4.0, 5.0].map(Some));
        assert_eq!(s.mean, Some(3.0));
        let half = 2.776 * (0.5f64).sqrt();
        let [lo, hi] = s.ci95.unwrap();
        assert!((lo - (3.0 - half)).abs() < 1e-12 && (hi - (3.0 + half)).abs() < 1e-12);
        assert_eq!((s.n, s.of), (5, 5));
    }

    #[test]
    fn missing_values_are_counted_not_averaged() {
        let s = Stat::of(&[Some(2.0), None, Some(4.0), None]);
        assert_eq!((s.mean, s.n, s.of), (Some(3.0), 2, 4));
        let none = Stat::of(&[None, None]);
        assert_eq!((none.mean, none.ci95), (None, None));
        let one = Stat::of(&[Some(7.0)]);
        assert_eq!((one.mean, one.ci95), (Some(7.0), None));
    }

    #[test]
    fn constant_values_have_a_zero_width_interval() {
        let s = Stat::of(&[Some(1.5); 4]);
        assert_eq!(s.ci95, Some([1.5, 1.5]));
        let s = Stat::of(&[Some(1.178_599); 10]);
        assert_eq!(s.half_width(), Some(0.0));
    }
}
