//! Random durations: constant, uniform, exponential and lognormal.

use rand::Rng;
use rand_distr::{Exp1, StandardNormal};
use retrysim_engine::time::delay_to_nanos;
use retrysim_engine::{Nanos, SimRng};

/// The 99th percentile of the standard normal distribution, used to turn a
/// lognormal's `(median, p99)` into its `sigma`.
pub const Z99: f64 = 2.326_347_874_040_841;

/// A distribution of non-negative durations, sampled in nanoseconds.
#[derive(Debug, Clone, PartialEq)]
pub enum Duration {
    /// Always the same value (no random draw is made).
    Constant(Nanos),
    /// Uniform on `[low, low + span)` seconds.
    Uniform { low: f64, span: f64 },
    /// Exponential with the given mean in seconds.
    Exponential { mean: f64 },
    /// `exp(mu + sigma·Z)` seconds; built from a median and a p99.
    LogNormal { mu: f64, sigma: f64 },
}

impl Duration {
    /// A lognormal whose median and 99th percentile are the given seconds
    /// (`p99 >= median > 0`).
    pub fn lognormal(median: f64, p99: f64) -> Self {
        Duration::LogNormal {
            mu: median.ln(),
            sigma: (p99 / median).ln() / Z99,
        }
    }

    /// Draws one duration.
    #[inline]
    pub fn sample(&self, rng: &mut SimRng) -> Nanos {
        match *self {
            Duration::Constant(ns) => ns,
            Duration::Uniform { low, span } => delay_to_nanos(low + span * rng.random::<f64>()),
            Duration::Exponential { mean } => {
                let e: f64 = rng.sample(Exp1);
                delay_to_nanos(mean * e)
            }
            Duration::LogNormal { mu, sigma } => {
                let z: f64 = rng.sample(StandardNormal);
                delay_to_nanos((mu + sigma * z).exp())
            }
        }
    }

    /// Draws one value in the unit the scenario gave (seconds, or a count
    /// when the distribution describes tokens), unrounded.
    pub fn sample_value(&self, rng: &mut SimRng) -> f64 {
        match *self {
            Duration::Constant(ns) => retrysim_engine::time::nanos_to_secs(ns),
            Duration::Uniform { low, span } => low + span * rng.random::<f64>(),
            Duration::Exponential { mean } => mean * rng.sample::<f64, _>(Exp1),
            Duration::LogNormal { mu, sigma } => {
                (mu + sigma * rng.sample::<f64, _>(StandardNormal)).exp()
            }
        }
    }

    /// The mean in seconds (for reports and analytic checks).
    pub fn mean_secs(&self) -> f64 {
        match *self {
            Duration::Constant(ns) => retrysim_engine::time::nanos_to_secs(ns),
            Duration::Uniform { low, span } => low + span / 2.0,
            Duration::Exponential { mean } => mean,
            Duration::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use retrysim_engine::stream;

    fn mean_of(d: &Duration, n: usize) -> f64 {
        let mut rng = stream(1, 0, 0);
        (0..n).map(|_| d.sample(&mut rng) as f64 / 1e9).sum::<f64>() / n as f64
    }

    #[test]
    fn constant_is_constant() {
        let mut rng = stream(1, 0, 0);
        assert_eq!(Duration::Constant(5).sample(&mut rng), 5);
    }

    #[test]
    fn sample_means_match_analytic_means() {
        for d in [
            Duration::Uniform {
                low: 1.0,
                span: 2.0,
            },
            Duration::Exponential { mean: 0.5 },
            Duration::lognormal(0.8, 5.0),
        ] {
            let m = mean_of(&d, 200_000);
            let rel = (m - d.mean_secs()).abs() / d.mean_secs();
            assert!(rel < 0.02, "{d:?}: sample mean {m} vs {}", d.mean_secs());
        }
    }

    #[test]
    fn lognormal_median_and_p99_are_respected() {
        let d = Duration::lognormal(0.8, 5.0);
        let mut rng = stream(2, 0, 0);
        let mut v: Vec<Nanos> = (0..100_000).map(|_| d.sample(&mut rng)).collect();
        v.sort_unstable();
        let median = v[50_000] as f64 / 1e9;
        let p99 = v[99_000] as f64 / 1e9;
        assert!((median - 0.8).abs() < 0.02, "median {median}");
        assert!((p99 - 5.0).abs() < 0.25, "p99 {p99}");
    }

    #[test]
    fn uniform_stays_in_range() {
        let d = Duration::Uniform {
            low: 1.0,
            span: 0.5,
        };
        let mut rng = stream(3, 0, 0);
        for _ in 0..10_000 {
            let x = d.sample(&mut rng);
            assert!((1_000_000_000..=1_500_000_000).contains(&x));
        }
    }
}
