//! `workload`: where requests come from (docs/model.md §2).

use retrysim_engine::time::MAX_SECS;
use serde::{Deserialize, Serialize};

use super::error::Errors;
use super::values::{DurationSpec, not_below, num_ok, secs};
use crate::rate_curve::RateCurve;
use crate::workload::Workload;

/// Most requests a scenario may generate per replication (expected count).
pub const MAX_REQUESTS: f64 = 1e8;
/// Largest arrival or limiter rate, per second.
pub const MAX_RATE: f64 = 1e8;
/// Most client instances.
const MAX_CLIENTS: u32 = 10_000_000;
/// Most closed-loop users.
const MAX_USERS: u32 = 1_000_000;

fn one_client() -> u32 {
    1
}

/// Where requests come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum WorkloadSpec {
    /// Poisson arrivals whose rate is linear between `[seconds, qps]` points.
    Open {
        /// `[t, qps]` points, t non-decreasing.
        rate: Vec<[f64; 2]>,
        /// Client instances the requests are spread over (default 1).
        #[serde(default = "one_client")]
        clients: u32,
        /// Share of requests of low priority, shed first by a service with
        /// `workers.shed_low_above` (default 0).
        #[serde(default, skip_serializing_if = "is_zero")]
        low_priority_share: f64,
    },
    /// `users` closed-loop users: each sends its next request one think
    /// time after its previous one ended (succeeded or failed).
    Closed {
        /// How many users.
        users: u32,
        /// Think time between a request's end and the user's next request
        /// (also before the first).
        think: DurationSpec,
        /// Client instances the users are spread over (default 1).
        #[serde(default = "one_client")]
        clients: u32,
        /// Share of requests of low priority, shed first by a service with
        /// `workers.shed_low_above` (default 0).
        #[serde(default, skip_serializing_if = "is_zero")]
        low_priority_share: f64,
    },
    /// `requests` at t = 0, or spread uniformly over `spread` seconds.
    Batch {
        /// How many requests.
        requests: u64,
        /// Seconds to spread them over (default 0: all at once).
        #[serde(default)]
        spread: f64,
        /// Client instances the requests are spread over (default 1).
        #[serde(default = "one_client")]
        clients: u32,
        /// Share of requests of low priority, shed first by a service with
        /// `workers.shed_low_above` (default 0).
        #[serde(default, skip_serializing_if = "is_zero")]
        low_priority_share: f64,
    },
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

fn clients(errs: &mut Errors, clients: u32) {
    errs.check(
        (1..=MAX_CLIENTS).contains(&clients),
        "workload.clients",
        || format!("must be between 1 and {MAX_CLIENTS}, got {clients}"),
    );
}

impl WorkloadSpec {
    /// The share of low-priority requests, validated.
    pub(crate) fn low_priority_share(&self, errs: &mut Errors) -> f64 {
        let (WorkloadSpec::Open {
            low_priority_share: v,
            ..
        }
        | WorkloadSpec::Closed {
            low_priority_share: v,
            ..
        }
        | WorkloadSpec::Batch {
            low_priority_share: v,
            ..
        }) = self;
        super::values::share(errs, "workload.low_priority_share", *v)
    }

    /// Validates the workload of a load lasting `duration_s` seconds; also
    /// returns the number of client instances.
    pub(crate) fn compile(&self, errs: &mut Errors, duration_s: f64) -> (Workload, u32) {
        match self {
            WorkloadSpec::Open {
                rate, clients: n, ..
            } => {
                errs.check(!rate.is_empty(), "workload.rate", || {
                    "must list at least one [seconds, qps] point".into()
                });
                let mut prev_t = 0.0f64;
                for (i, &[t, qps]) in rate.iter().enumerate() {
                    let p = format!("workload.rate[{i}]");
                    errs.check(
                        num_ok(t) && (0.0..=MAX_SECS).contains(&t),
                        format!("{p}[0]"),
                        || format!("time must be between 0 and {MAX_SECS:e} s, got {t}"),
                    );
                    errs.check(
                        num_ok(qps) && (0.0..=MAX_RATE).contains(&qps),
                        format!("{p}[1]"),
                        || format!("rate must be between 0 and {MAX_RATE:e} per second, got {qps}"),
                    );
                    errs.check(not_below(t, prev_t), format!("{p}[0]"), || {
                        format!("times must not decrease: {t} comes after {prev_t}")
                    });
                    prev_t = prev_t.max(t);
                }
                clients(errs, *n);
                let points: Vec<(f64, f64)> = rate.iter().map(|p| (p[0], p[1])).collect();
                let curve = RateCurve::new(if points.is_empty() {
                    vec![(0.0, 0.0)]
                } else {
                    points
                });
                if errs.0.is_empty() {
                    let expected = curve.integral(0.0, duration_s);
                    errs.check(expected <= MAX_REQUESTS, "workload.rate", || {
                        format!("would generate about {expected:.3e} requests per replication; the limit is {MAX_REQUESTS:e} (shorten `duration` or lower the rate)")
                    });
                }
                (Workload::Open { rate: curve }, *n)
            }
            WorkloadSpec::Closed {
                users,
                think,
                clients: n,
                ..
            } => {
                errs.check((1..=MAX_USERS).contains(users), "workload.users", || {
                    format!("must be between 1 and {MAX_USERS}, got {users}")
                });
                clients(errs, *n);
                let think = think.compile(errs, "workload.think");
                let mean = think.mean_secs();
                errs.check(
                    mean <= 0.0 || (*users as f64) * duration_s / mean <= MAX_REQUESTS,
                    "workload.think",
                    || format!("{users} users thinking {mean} s would send over {MAX_REQUESTS:e} requests; think longer or shorten `duration`"),
                );
                (
                    Workload::Closed {
                        users: *users,
                        think,
                    },
                    *n,
                )
            }
            WorkloadSpec::Batch {
                requests,
                spread,
                clients: n,
                ..
            } => {
                errs.check(
                    (1..=MAX_REQUESTS as u64).contains(requests),
                    "workload.requests",
                    || format!("must be between 1 and {MAX_REQUESTS:e}, got {requests}"),
                );
                let spread = secs(errs, "workload.spread", *spread, false);
                clients(errs, *n);
                (
                    Workload::Batch {
                        requests: *requests,
                        spread,
                    },
                    *n,
                )
            }
        }
    }
}
