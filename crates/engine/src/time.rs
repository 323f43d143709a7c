//! Virtual time: integer nanoseconds, converted from seconds once on load.

/// Virtual time and durations, in nanoseconds since the start of a run.
pub type Nanos = u64;

/// Nanoseconds in one second.
pub const NANOS_PER_SEC: u64 = 1_000_000_000;

/// Largest number of seconds accepted from a scenario file (about 31 years);
/// keeps every sum of two times far from `u64` overflow.
pub const MAX_SECS: f64 = 1e9;

/// [`MAX_SECS`] in nanoseconds: the longest any single delay may be.
/// Every delay the simulation adds to the clock is at most this, so that
/// sums of a few of them with a time within a run never overflow.
pub const MAX_DELAY: Nanos = 1_000_000_000 * NANOS_PER_SEC;

/// Converts seconds to nanoseconds, rounding to the nearest nanosecond.
/// Returns `None` for NaN, negative or absurdly large values.
pub fn secs_to_nanos(secs: f64) -> Option<Nanos> {
    if !secs.is_finite() || !(0.0..=MAX_SECS).contains(&secs) {
        return None;
    }
    Some((secs * NANOS_PER_SEC as f64).round() as Nanos)
}

/// Converts a random delay in seconds (already known to be finite and
/// non-negative) to nanoseconds, saturating instead of failing. For hot paths.
#[inline]
pub fn delay_to_nanos(secs: f64) -> Nanos {
    let ns = secs * NANOS_PER_SEC as f64;
    if ns >= (MAX_SECS * NANOS_PER_SEC as f64) {
        MAX_DELAY
    } else if ns > 0.0 {
        // Round half up; `f64::round` is a libm call on this hot path.
        (ns + 0.5) as Nanos
    } else {
        0
    }
}

/// Converts nanoseconds to seconds.
#[inline]
pub fn nanos_to_secs(ns: Nanos) -> f64 {
    ns as f64 / NANOS_PER_SEC as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_round_to_nearest_nanosecond() {
        assert_eq!(secs_to_nanos(1.5), Some(1_500_000_000));
        assert_eq!(secs_to_nanos(0.000_000_000_4), Some(0));
        assert_eq!(secs_to_nanos(0.000_000_000_6), Some(1));
        assert_eq!(secs_to_nanos(0.0), Some(0));
    }

    #[test]
    fn bad_seconds_are_refused() {
        assert_eq!(secs_to_nanos(-1.0), None);
        assert_eq!(secs_to_nanos(f64::NAN), None);
        assert_eq!(secs_to_nanos(f64::INFINITY), None);
        assert_eq!(secs_to_nanos(2e9), None);
    }

    #[test]
    fn delays_saturate_instead_of_overflowing() {
        assert_eq!(delay_to_nanos(-3.0), 0);
        assert_eq!(delay_to_nanos(f64::INFINITY), 1_000_000_000 * NANOS_PER_SEC);
        assert_eq!(delay_to_nanos(0.25), 250_000_000);
        assert_eq!(nanos_to_secs(2_500_000_000), 2.5);
    }
}
