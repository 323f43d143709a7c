//! A piecewise-linear arrival rate λ(t) and exact sampling of the next
//! arrival of the non-homogeneous Poisson process it defines.

/// λ(t) through `(t, qps)` points: linear between points, the first value
/// before the first point and the last value after the last point.
#[derive(Debug, Clone, PartialEq)]
pub struct RateCurve {
    /// `(seconds, requests per second)`, times non-decreasing.
    points: Vec<(f64, f64)>,
}

impl RateCurve {
    /// Builds a curve; the caller has validated the points (non-empty, finite,
    /// non-negative, times non-decreasing).
    pub fn new(points: Vec<(f64, f64)>) -> Self {
        debug_assert!(!points.is_empty());
        Self { points }
    }

    /// λ(t) in requests per second.
    pub fn rate_at(&self, t: f64) -> f64 {
        let p = &self.points;
        if t <= p[0].0 {
            return p[0].1;
        }
        for w in p.windows(2) {
            let ((a, ra), (b, rb)) = (w[0], w[1]);
            if t <= b {
                if b == a {
                    return rb;
                }
                return ra + (rb - ra) * (t - a) / (b - a);
            }
        }
        p[p.len() - 1].1
    }

    /// ∫ λ over `[from, to]`: the expected number of arrivals.
    pub fn integral(&self, from: f64, to: f64) -> f64 {
        // Integrate piecewise between the breakpoints that fall inside.
        let mut cuts: Vec<f64> = vec![from];
        cuts.extend(
            self.points
                .iter()
                .map(|p| p.0)
                .filter(|&t| t > from && t < to),
        );
        cuts.push(to);
        cuts.windows(2)
            .map(|w| (self.rate_at(w[0]) + self.rate_at(w[1])) / 2.0 * (w[1] - w[0]))
            .sum()
    }

    /// The time `t' >= t` at which `∫_t^{t'} λ = area`, or `None` if the rate
    /// is zero from some point on and the area is never reached.
    ///
    /// `segment` caches the index of the segment containing `t` between calls
    /// (start it at 0); arrivals only move forward, so the walk is amortised
    /// O(1).
    pub fn advance(&self, mut t: f64, mut area: f64, segment: &mut usize) -> Option<f64> {
        let p = &self.points;
        // Before the first point: constant rate p[0].1 up to p[0].0.
        if t < p[0].0 {
            let r = p[0].1;
            let room = r * (p[0].0 - t);
            if area <= room && r > 0.0 {
                return Some(t + area / r);
            }
            area -= room;
            t = p[0].0;
        }
        while *segment + 1 < p.len() {
            let (a, ra) = p[*segment];
            let (b, rb) = p[*segment + 1];
            if t >= b {
                *segment += 1;
                continue;
            }
            let slope = (rb - ra) / (b - a);
            let rt = ra + slope * (t - a);
            let room = (rt + rb) / 2.0 * (b - t);
            if area <= room && (rt > 0.0 || rb > 0.0) {
                // Solve slope/2·x² + rt·x = area in its cancellation-free form.
                let disc = (rt * rt + 2.0 * slope * area).max(0.0);
                let x = 2.0 * area / (rt + disc.sqrt());
                return Some((t + x).min(b));
            }
            area -= room;
            t = b;
            *segment += 1;
        }
        let r = p[p.len() - 1].1;
        if r > 0.0 { Some(t + area / r) } else { None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spike() -> RateCurve {
        RateCurve::new(vec![(10.0, 200.0), (13.0, 15_000.0), (23.0, 15_000.0)])
    }

    #[test]
    fn rate_is_piecewise_linear_and_flat_outside() {
        let c = spike();
        assert_eq!(c.rate_at(0.0), 200.0);
        assert_eq!(c.rate_at(11.5), 7_600.0);
        assert_eq!(c.rate_at(100.0), 15_000.0);
    }

    #[test]
    fn advance_inverts_the_integral() {
        let c = spike();
        let mut seg = 0;
        let mut t = 0.0;
        for area in [0.5, 1_900.0, 3.0, 10_000.0, 40_000.0, 1.0] {
            let next = c.advance(t, area, &mut seg).unwrap();
            let got = c.integral(t, next);
            assert!(
                (got - area).abs() < 1e-6 * area.max(1.0),
                "area {area}: {got}"
            );
            t = next;
        }
    }

    #[test]
    fn zero_rate_tail_ends_the_process() {
        let c = RateCurve::new(vec![(0.0, 10.0), (1.0, 0.0)]);
        let mut seg = 0;
        // Total area is 5: asking for 6 never arrives.
        assert_eq!(c.advance(0.0, 6.0, &mut seg), None);
        let mut seg = 0;
        let t = c.advance(0.0, 5.0, &mut seg).unwrap();
        assert!((t - 1.0).abs() < 1e-9);
    }

    #[test]
    fn zero_rate_gap_is_skipped() {
        let c = RateCurve::new(vec![(0.0, 0.0), (5.0, 0.0), (5.0, 2.0)]);
        let mut seg = 0;
        let t = c.advance(0.0, 1.0, &mut seg).unwrap();
        assert!((t - 5.5).abs() < 1e-9, "{t}");
    }
}
