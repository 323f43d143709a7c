//! `service`: the rate limiter, the workers (or one contended record), the
//! outage windows and the share of malformed requests (docs/model.md §4).

use retrysim_engine::Nanos;
use serde::{Deserialize, Serialize};

use super::error::Errors;
use super::graph::{Calls, CallsSpec, ReplicasSpec};
use super::values::{DurationSpec, num_ok, secs, share};
use super::workload::MAX_RATE;
use crate::admission::{ControlConfig, ControlSpec};
use crate::distribution::Duration;
use crate::faults::{Outage, OutageMode};
use crate::queue_order::{QueueOrder, QueueOrderSpec};
use crate::token_bucket::RetryAfterHeader;

/// The rate-limited service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    /// Its name in the call graph (default `entry` for `service`; required
    /// in `services`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The calls it makes to other services for every attempt it serves
    /// (default none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calls: Option<CallsSpec>,
    /// Run as several replicas behind the callers' balancers (default one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<ReplicasSpec>,
    /// Token-bucket rate limiter in front of the workers (none if absent).
    #[serde(default)]
    pub limiter: Option<LimiterSpec>,
    /// The workers behind it (give this or `contention`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers: Option<WorkersSpec>,
    /// Instead of workers: one record updated with optimistic concurrency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contention: Option<ContentionSpec>,
    /// Windows in which the service is down (default none).
    #[serde(default)]
    pub outages: Vec<OutageSpec>,
    /// Share of requests that are malformed or unauthorised: every attempt
    /// gets a non-retryable 4xx after the limiter (default 0).
    #[serde(default)]
    pub client_error_share: f64,
}

/// One record under optimistic concurrency: an attempt reads it (one round
/// trip), then writes it conditionally (a second); the write conflicts,
/// retryably, if another write succeeded in between. No fields yet: the
/// round trips come from `network.latency`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentionSpec {}

/// A window `[start, end)` in which attempts reaching the service fail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutageSpec {
    /// Seconds.
    pub start: f64,
    /// Seconds (exclusive).
    pub end: f64,
    /// How attempts fail.
    pub mode: OutageModeSpec,
}

/// How attempts fail during an outage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutageModeSpec {
    /// They vanish; clients time out.
    Drop,
    /// Connection error after one round trip.
    Reset,
    /// A 5xx at once (`server_error_5xx`); costs nothing.
    Error,
    /// Served and billed, the response never arrives (a dependency that
    /// hangs after the model ran): clients time out.
    Hang,
}

impl OutageModeSpec {
    /// The mode the simulator uses.
    pub(crate) fn compile(self) -> OutageMode {
        match self {
            OutageModeSpec::Drop => OutageMode::Drop,
            OutageModeSpec::Reset => OutageMode::Reset,
            OutageModeSpec::Error => OutageMode::Error,
            OutageModeSpec::Hang => OutageMode::Hang,
        }
    }
}

/// Token-bucket rate limiter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimiterSpec {
    /// Tokens per second.
    pub rate: f64,
    /// Bucket capacity (full at t = 0).
    pub burst: f64,
    /// What a 429's `Retry-After` says (default `header`).
    #[serde(default)]
    pub retry_after: RetryAfterHeaderSpec,
}

/// What a 429's `Retry-After` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetryAfterHeaderSpec {
    /// Time until a token is free, rounded up to whole seconds.
    #[default]
    Header,
    /// The exact time until a token is free.
    Exact,
    /// No header.
    None,
}

/// The worker pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkersSpec {
    /// Attempts served at once (default: unbounded).
    #[serde(default)]
    pub concurrency: Option<u64>,
    /// Attempts allowed to wait; one more gets 503 (default: unbounded).
    #[serde(default)]
    pub queue_limit: Option<u64>,
    /// Service time of one attempt.
    pub service_time: DurationSpec,
    /// Service time grows with the attempts already in service (default none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub congestion: Option<CongestionSpec>,
    /// Which waiting attempt a free worker takes (default `fifo`).
    #[serde(default, skip_serializing_if = "QueueOrderSpec::is_fifo")]
    pub queue_order: QueueOrderSpec,
    /// Overload control: CoDel, an adaptive concurrency limit or early
    /// rejection (default none).
    #[serde(default, skip_serializing_if = "ControlSpec::is_none")]
    pub control: ControlSpec,
    /// Low-priority attempts get a 503 while this many or more wait
    /// (default: never).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shed_low_above: Option<u64>,
}

/// Overload slows every call down: each attempt's service time is its drawn
/// time plus `slope` seconds for every other attempt in service when it
/// starts (a coherence cost: the sustaining loop of a metastable failure).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CongestionSpec {
    /// Seconds added per other attempt in service.
    pub slope: f64,
}

/// The service's rate limiter, validated.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LimiterConfig {
    /// Tokens per second.
    pub rate: f64,
    /// Capacity.
    pub burst: f64,
    /// What a 429's `Retry-After` says.
    pub header: RetryAfterHeader,
}

/// The service's worker pool, validated.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WorkersConfig {
    /// Attempts served at once; `None` for unbounded.
    pub concurrency: Option<u64>,
    /// Attempts allowed to wait; `None` for unbounded.
    pub queue_limit: Option<u64>,
    /// Service time of one attempt.
    pub service_time: Duration,
    /// Nanoseconds added per other attempt in service at the start (0: none).
    pub congestion_slope: Nanos,
    /// Which waiting attempt a free worker takes.
    pub queue_order: QueueOrder,
    /// Overload control.
    pub control: ControlConfig,
    /// Low-priority attempts get a 503 while this many or more wait.
    pub shed_low_above: Option<u64>,
}

/// A window in which the service has fewer workers or serves slower.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CapacityDrop {
    /// Start.
    pub start: Nanos,
    /// End (exclusive): the full pool is back.
    pub end: Nanos,
    /// Workers during the drop (`None`: unbounded, as outside it).
    pub concurrency: Option<u64>,
    /// Factor on every service time drawn during the drop.
    pub slowdown: f64,
}

/// One service, validated: what the simulator builds a service from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ServiceConfig {
    /// Rate limiter, if any.
    pub limiter: Option<LimiterConfig>,
    /// Worker pool (unbounded and instant for a contended record).
    pub workers: WorkersConfig,
    /// Whether the service is one record under optimistic concurrency
    /// instead of a worker pool.
    pub contention: bool,
    /// Outage windows (the service's own and the outage triggers').
    pub outages: Vec<Outage>,
    /// Capacity-drop triggers, in time order, not overlapping.
    pub capacity_drops: Vec<CapacityDrop>,
    /// Share of requests answered with a non-retryable 4xx.
    pub client_error_share: f64,
    /// The calls it makes for every attempt it serves.
    pub calls: Option<Calls>,
}

impl ServiceSpec {
    /// Validates the service at path `path` (`service` or `services[i]`;
    /// triggers are added to it later, its calls resolved by the graph).
    pub(crate) fn compile(&self, errs: &mut Errors, path: &str) -> ServiceConfig {
        let outages = self
            .outages
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let at = |f: &str| format!("{path}.outages[{i}].{f}");
                let start = secs(errs, &at("start"), o.start, false);
                let end = secs(errs, &at("end"), o.end, false);
                errs.check(end > start || o.end.is_nan(), at("end"), || {
                    format!("must be after start ({}), got {}", o.start, o.end)
                });
                Outage {
                    start,
                    end,
                    mode: o.mode.compile(),
                }
            })
            .collect();
        let client_error_share = share(
            errs,
            &format!("{path}.client_error_share"),
            self.client_error_share,
        );
        let limiter = self.limiter.as_ref().map(|l| l.compile(errs, path));
        let contention = self.contention.is_some();
        errs.check(self.workers.is_some() != contention, path, || {
            if contention {
                "give either `workers` or `contention`, not both".into()
            } else {
                "needs `workers` (a worker pool) or `contention` (one contended record)".into()
            }
        });
        let workers = match &self.workers {
            Some(w) => w.compile(errs, path),
            None => WorkersConfig {
                concurrency: None,
                queue_limit: None,
                service_time: Duration::Constant(0),
                congestion_slope: 0,
                queue_order: QueueOrder::Fifo,
                control: ControlConfig::None,
                shed_low_above: None,
            },
        };
        ServiceConfig {
            limiter,
            workers,
            contention,
            outages,
            capacity_drops: Vec::new(),
            client_error_share,
            calls: None,
        }
    }
}

impl LimiterSpec {
    fn compile(&self, errs: &mut Errors, path: &str) -> LimiterConfig {
        errs.check(
            num_ok(self.rate) && self.rate >= 0.001 && self.rate <= MAX_RATE,
            format!("{path}.limiter.rate"),
            || {
                format!(
                    "must be > 0 (at least 0.001) and <= {MAX_RATE:e} tokens per second, got {}",
                    self.rate
                )
            },
        );
        errs.check(
            num_ok(self.burst) && self.burst >= 1.0 && self.burst <= 1e6,
            format!("{path}.limiter.burst"),
            || {
                format!(
                    "must be between 1 and 1e6 tokens (an attempt takes one), got {}",
                    self.burst
                )
            },
        );
        LimiterConfig {
            rate: self.rate,
            burst: self.burst,
            header: match self.retry_after {
                RetryAfterHeaderSpec::Header => RetryAfterHeader::Header,
                RetryAfterHeaderSpec::Exact => RetryAfterHeader::Exact,
                RetryAfterHeaderSpec::None => RetryAfterHeader::None,
            },
        }
    }
}

impl WorkersSpec {
    fn compile(&self, errs: &mut Errors, path: &str) -> WorkersConfig {
        errs.check(
            self.concurrency.is_none_or(|c| c >= 1),
            format!("{path}.workers.concurrency"),
            || "must be at least 1 (leave it out for unbounded)".into(),
        );
        WorkersConfig {
            concurrency: self.concurrency,
            queue_limit: self.queue_limit,
            service_time: self
                .service_time
                .compile(errs, &format!("{path}.workers.service_time")),
            queue_order: self.queue_order.compile(),
            control: self
                .control
                .compile(errs, &format!("{path}.workers.control")),
            shed_low_above: self.shed_low_above,
            congestion_slope: self.congestion.as_ref().map_or(0, |c| {
                secs(
                    errs,
                    &format!("{path}.workers.congestion.slope"),
                    c.slope,
                    false,
                )
            }),
        }
    }
}
