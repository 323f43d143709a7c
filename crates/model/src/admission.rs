//! Overload control on a service, behind one facade (docs/model.md §12):
//! `workers.control` picks at most one controller — CoDel on the queue, an
//! adaptive concurrency limit (AIMD or gradient), or probabilistic early
//! rejection — and `workers.shed_low_above` sheds low-priority attempts
//! first. Every refusal is a 503 at no cost to the service. A service with
//! none of them never comes here (its handlers take one branch past it).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rand::Rng;
use retrysim_engine::{Nanos, SimRng};
use serde::{Deserialize, Serialize};

use crate::adaptive_limit::{AdaptiveLimit, LimitBounds, LimitConfig, defaults as d};
use crate::codel::{Codel, CodelConfig, default_interval, default_target};
use crate::early_rejection::EarlyRejection;
use crate::scenario::error::Errors;

/// The overload controller, as written (`workers.control`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ControlSpec {
    /// None: the queue and its limit alone.
    None {},
    /// CoDel on the queue (RFC 8289).
    Codel {
        /// Seconds an attempt may wait without counting as delayed (0.005).
        #[serde(default = "default_target")]
        target: f64,
        /// Seconds waits must stay above target before refusals start, and
        /// the base of their spacing (0.1).
        #[serde(default = "default_interval")]
        interval: f64,
    },
    /// An AIMD concurrency limit on a latency goal.
    Aimd {
        /// Seconds: an attempt slower than this cuts the limit.
        latency: f64,
        /// Factor on the limit after a slow attempt (0.9).
        #[serde(default = "d::backoff")]
        backoff: f64,
        /// The limit at t = 0 (20).
        #[serde(default = "d::initial")]
        initial: f64,
        /// Lowest limit (1).
        #[serde(default = "d::min")]
        min: f64,
        /// Highest limit (1000).
        #[serde(default = "d::max")]
        max: f64,
    },
    /// A gradient concurrency limit (Netflix's Gradient2).
    Gradient {
        /// Latency allowed above the long-term average, as a factor (1.5).
        #[serde(default = "d::tolerance")]
        tolerance: f64,
        /// Share of each new estimate taken into the limit (0.2).
        #[serde(default = "d::smoothing")]
        smoothing: f64,
        /// Headroom added to each estimate, in attempts (4).
        #[serde(default = "d::queue")]
        queue: f64,
        /// Samples the long-term average spans (600).
        #[serde(default = "d::window")]
        window: u32,
        /// The limit at t = 0 (20).
        #[serde(default = "d::initial")]
        initial: f64,
        /// Lowest limit (1).
        #[serde(default = "d::min")]
        min: f64,
        /// Highest limit (1000).
        #[serde(default = "d::max")]
        max: f64,
    },
    /// Refuse an arriving attempt with a chance that grows with the queue.
    EarlyRejection {
        /// Queue length from which attempts may be refused.
        start: u64,
        /// Queue length from which all are.
        full: u64,
    },
}

impl Default for ControlSpec {
    fn default() -> Self {
        ControlSpec::None {}
    }
}

/// The controller, validated.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) enum ControlConfig {
    /// None.
    #[default]
    None,
    /// CoDel.
    Codel(CodelConfig),
    /// An adaptive limit.
    Limit(LimitConfig),
    /// Early rejection.
    EarlyRejection(EarlyRejection),
}

impl ControlSpec {
    /// Whether this is the default (left out of the echoed scenario).
    pub(crate) fn is_none(&self) -> bool {
        *self == ControlSpec::None {}
    }

    /// Validates the spec at `path` (`…workers.control`).
    pub(crate) fn compile(&self, errs: &mut Errors, path: &str) -> ControlConfig {
        match *self {
            ControlSpec::None {} => ControlConfig::None,
            ControlSpec::Codel { target, interval } => {
                ControlConfig::Codel(CodelConfig::compile(errs, path, target, interval))
            }
            ControlSpec::Aimd {
                latency,
                backoff,
                initial,
                min,
                max,
            } => {
                let bounds = LimitBounds { initial, min, max };
                ControlConfig::Limit(LimitConfig::aimd(errs, path, latency, backoff, bounds))
            }
            ControlSpec::Gradient {
                tolerance,
                smoothing,
                queue,
                window,
                initial,
                min,
                max,
            } => {
                let bounds = LimitBounds { initial, min, max };
                let settings = (tolerance, smoothing, queue, window);
                ControlConfig::Limit(LimitConfig::gradient(errs, path, settings, bounds))
            }
            ControlSpec::EarlyRejection { start, full } => {
                ControlConfig::EarlyRejection(EarlyRejection::compile(errs, path, start, full))
            }
        }
    }
}

impl ControlConfig {
    /// Whether the service keeps each waiting attempt's arrival time (the
    /// controllers that judge a wait).
    pub fn needs_stamps(&self) -> bool {
        matches!(self, ControlConfig::Codel(_) | ControlConfig::Limit(_))
    }
}

/// One service's overload control in a replication.
#[derive(Debug, Clone)]
pub(crate) struct Admission {
    control: Control,
    /// Low-priority attempts are refused while this many or more wait.
    shed_low_above: Option<u64>,
}

#[derive(Debug, Clone)]
enum Control {
    None,
    Codel(Codel),
    Limit {
        limit: AdaptiveLimit,
        /// Latencies not yet seen: (when the attempt's work ends, its
        /// latency), earliest first.
        pending: BinaryHeap<Reverse<(Nanos, Nanos)>>,
    },
    EarlyRejection(EarlyRejection),
}

impl Admission {
    /// The control of a service configured with `control` and
    /// `shed_low_above`; `None` if it has none.
    pub fn new(control: ControlConfig, shed_low_above: Option<u64>) -> Option<Self> {
        let control = match control {
            ControlConfig::None if shed_low_above.is_none() => return None,
            ControlConfig::None => Control::None,
            ControlConfig::Codel(c) => Control::Codel(Codel::new(c)),
            ControlConfig::Limit(l) => Control::Limit {
                limit: AdaptiveLimit::new(l),
                pending: BinaryHeap::new(),
            },
            ControlConfig::EarlyRejection(e) => Control::EarlyRejection(e),
        };
        Some(Self {
            control,
            shed_low_above,
        })
    }

    /// Whether an attempt (`low` priority or not) arriving with `busy` in
    /// service and `queued` waiting is refused.
    pub fn refuses_arrival(
        &mut self,
        (busy, queued): (u64, u64),
        low: bool,
        rng: &mut SimRng,
    ) -> bool {
        if low && self.shed_low_above.is_some_and(|n| queued >= n) {
            return true;
        }
        match &mut self.control {
            Control::None | Control::Codel(_) => false,
            Control::Limit { limit, .. } => !limit.admits(busy + queued),
            Control::EarlyRejection(e) => {
                let p = e.probability(queued);
                p >= 1.0 || (p > 0.0 && rng.random::<f64>() < p)
            }
        }
    }

    /// An attempt's own work ended at `now`, with `in_flight` attempts in
    /// the service counting it: an adaptive limit learns its latency (and
    /// any other measured by now, in the order they ended), as
    /// concurrency-limits does when a request releases its permit.
    pub fn work_ended(&mut self, now: Nanos, in_flight: u64) {
        if let Control::Limit { limit, pending } = &mut self.control {
            while let Some(&Reverse((end, latency))) = pending.peek() {
                if end > now {
                    break;
                }
                pending.pop();
                limit.sample(latency, in_flight);
            }
        }
    }

    /// Whether the attempt a worker takes from the queue at `now`, which
    /// arrived at `arrived`, is refused (CoDel).
    pub fn refuses_dequeue(&mut self, now: Nanos, arrived: Nanos) -> bool {
        match &mut self.control {
            Control::Codel(c) => c.refuses(now, arrived),
            _ => false,
        }
    }

    /// An attempt that arrived at `arrived` starts its work at `now`, for
    /// `service_time`: an adaptive limit will see its latency when it ends.
    pub fn started(&mut self, now: Nanos, arrived: Nanos, service_time: Nanos) {
        if let Control::Limit { pending, .. } = &mut self.control {
            let end = now.saturating_add(service_time);
            pending.push(Reverse((end, end - arrived.min(now))));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use retrysim_engine::stream;

    const MS: Nanos = 1_000_000;

    #[test]
    fn low_priority_is_shed_first() {
        let mut a = Admission::new(ControlConfig::None, Some(3)).unwrap();
        let mut rng = stream(1, 0, 0);
        assert!(!a.refuses_arrival((4, 2), true, &mut rng));
        assert!(a.refuses_arrival((4, 3), true, &mut rng));
        assert!(!a.refuses_arrival((4, 3), false, &mut rng));
        assert!(Admission::new(ControlConfig::None, None).is_none());
    }

    #[test]
    fn an_adaptive_limit_learns_latencies_once_their_work_has_ended() {
        let mut errs = Errors::default();
        let spec = ControlSpec::Aimd {
            latency: 0.1,
            backoff: 0.5,
            initial: 4.0,
            min: 1.0,
            max: 10.0,
        };
        let mut a = Admission::new(spec.compile(&mut errs, "w"), None).unwrap();
        assert!(errs.0.is_empty());
        let mut rng = stream(1, 0, 0);
        // Four in flight: the fifth is refused.
        assert!(a.refuses_arrival((4, 0), false, &mut rng));
        // One waited 150 ms and is served 100 ms from t = 150 ms: its 250 ms
        // latency is known when its work ends at 250 ms, not before.
        a.started(150 * MS, 0, 100 * MS);
        a.work_ended(249 * MS, 4);
        assert!(!a.refuses_arrival((3, 0), false, &mut rng));
        a.work_ended(250 * MS, 4);
        assert!(a.refuses_arrival((3, 0), false, &mut rng), "limit now 2");
        assert!(!a.refuses_arrival((1, 0), false, &mut rng));
        // A fast one, with the limit in use: one more.
        a.started(300 * MS, 300 * MS, 10 * MS);
        a.work_ended(310 * MS, 1);
        assert!(!a.refuses_arrival((2, 0), false, &mut rng), "limit now 3");
    }
}
