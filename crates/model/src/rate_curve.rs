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

    /// The largest rate anywhere on the curve.
    pub fn peak(&self) -> f64 {
        self.points.iter().map(|p| p.1).fold(0.0, f64::max)
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

    /// The same curve with the rate replaced by `qps` on `[start, end)`: a
    /// load spike as a step on top of whatever the workload does.
    pub fn with_step(&self, start: f64, end: f64, qps: f64) -> RateCurve {
        let mut points: Vec<(f64, f64)> = self
            .points
            .iter()
            .copied()
            .filter(|p| p.0 < start)
            .collect();
        points.extend([
            (start, self.rate_at(start)),
            (start, qps),
            (end, qps),
            (end, self.rate_at(end)),
        ]);
        points.extend(self.points.iter().copied().filter(|p| p.0 > end));
        RateCurve { points }
    }

    /// ∫ λ over `[from, to]`: the expected number of arrivals. Exact for
    /// vertical steps (two points at the same time) too.
    pub fn integral(&self, from: f64, to: f64) -> f64 {
        if to <= from {
            return 0.0;
        }
        let p = &self.points;
        let (first_t, first_r) = p[0];
        let mut total = 0.0;
        if from < first_t {
            total += first_r * (to.min(first_t) - from);
        }
        for w in p.windows(2) {
            let ((a, ra), (b, rb)) = (w[0], w[1]);
            let (lo, hi) = (from.max(a), to.min(b));
            if hi > lo {
                let at = |t: f64| ra + (rb - ra) * (t - a) / (b - a);
                total += (at(lo) + at(hi)) / 2.0 * (hi - lo);
            }
        }
        let (last_t, last_r) = p[p.len() - 1];
        if to > last_t {
            total += last_r * (to - from.max(last_t));
        }
        total
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
    fn a_step_replaces_the_rate_inside_its_window_only() {
        let c = RateCurve::new(vec![(0.0, 100.0), (20.0, 300.0)]).with_step(5.0, 10.0, 1000.0);
        assert_eq!(c.rate_at(4.0), 140.0);
        assert_eq!(c.rate_at(5.5), 1000.0);
        assert_eq!(c.rate_at(9.9), 1000.0);
        assert_eq!(c.rate_at(15.0), 250.0);
        assert_eq!(c.rate_at(30.0), 300.0);
        // 5 s at 1000 replace 5 s averaging 175.
        let base = RateCurve::new(vec![(0.0, 100.0), (20.0, 300.0)]);
        let extra = c.integral(0.0, 20.0) - base.integral(0.0, 20.0);
        assert!((extra - 5.0 * (1000.0 - 175.0)).abs() < 1e-9, "{extra}");
        // Arrivals walk across the step: the area up to 10 s is exact.
        let mut seg = 0;
        let t = c.advance(0.0, c.integral(0.0, 10.0), &mut seg).unwrap();
        assert!((t - 10.0).abs() < 1e-9, "{t}");
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
