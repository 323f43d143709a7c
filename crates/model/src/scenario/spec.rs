//! The scenario file as written: serde types, seconds as `f64`, every
//! default in one place. [`super::compile`] turns it into a validated
//! [`super::Scenario`].

use serde::{Deserialize, Serialize};

fn default_seed() -> u64 {
    1
}
fn default_replications() -> u32 {
    10
}
fn default_drain() -> f64 {
    300.0
}
fn default_clients() -> u32 {
    1
}
fn default_bin() -> f64 {
    1.0
}
fn default_threshold() -> f64 {
    0.05
}
fn default_window() -> f64 {
    5.0
}
fn default_max_attempts() -> u32 {
    1
}
fn default_timeout() -> f64 {
    30.0
}
fn default_factor() -> f64 {
    2.0
}
fn default_fraction() -> f64 {
    0.3
}
fn default_low() -> f64 {
    0.5
}
fn default_high() -> f64 {
    1.5
}
fn default_clamp_extra() -> f64 {
    5.0
}

/// A whole scenario file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    /// Short name; names the output folder. Letters, digits, `-`, `_`, `.`.
    pub name: String,
    /// What the scenario models and every assumption behind its numbers.
    #[serde(default)]
    pub description: String,
    /// Seed of every random stream (default 1).
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Replications per policy (default 10).
    #[serde(default = "default_replications")]
    pub replications: u32,
    /// Seconds of load: no request arrives at or after this time.
    pub duration: f64,
    /// Seconds the run may go on after the load ends for requests in flight
    /// to finish (default 300); what is still open then is `unfinished`.
    #[serde(default = "default_drain")]
    pub drain: f64,
    /// Time series and recovery settings.
    #[serde(default)]
    pub metrics: MetricsSpec,
    /// Where requests come from.
    pub workload: WorkloadSpec,
    /// The network between clients and service.
    #[serde(default)]
    pub network: NetworkSpec,
    /// The rate-limited service.
    pub service: ServiceSpec,
    /// The retry policies compared, each run on the same arrivals.
    pub policies: Vec<PolicySpec>,
}

/// Time series and recovery settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSpec {
    /// Bin width in seconds (default 1).
    #[serde(default = "default_bin")]
    pub bin: f64,
    /// When the trouble starts, in seconds (spike or outage start; default 0).
    #[serde(default)]
    pub trigger: f64,
    /// A bin has recovered when its failure share is at most this (default 0.05).
    #[serde(default = "default_threshold")]
    pub threshold: f64,
    /// Seconds every bin must stay recovered (default 5).
    #[serde(default = "default_window")]
    pub window: f64,
}

impl Default for MetricsSpec {
    fn default() -> Self {
        Self {
            bin: default_bin(),
            trigger: 0.0,
            threshold: default_threshold(),
            window: default_window(),
        }
    }
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
        #[serde(default = "default_clients")]
        clients: u32,
    },
    /// `requests` at t = 0, or spread uniformly over `spread` seconds.
    Batch {
        /// How many requests.
        requests: u64,
        /// Seconds to spread them over (default 0: all at once).
        #[serde(default)]
        spread: f64,
        /// Client instances the requests are spread over (default 1).
        #[serde(default = "default_clients")]
        clients: u32,
    },
}

/// A distribution of durations in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum DurationSpec {
    /// Always `value`.
    Constant { value: f64 },
    /// Uniform on `[low, high]`.
    Uniform { low: f64, high: f64 },
    /// Exponential with mean `mean`.
    Exponential { mean: f64 },
    /// Lognormal given by its median and 99th percentile.
    Lognormal { median: f64, p99: f64 },
}

/// The network between clients and service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// One-way latency, drawn per direction per attempt (default 0).
    #[serde(default = "NetworkSpec::default_latency")]
    pub latency: DurationSpec,
}

impl NetworkSpec {
    fn default_latency() -> DurationSpec {
        DurationSpec::Constant { value: 0.0 }
    }
}

impl Default for NetworkSpec {
    fn default() -> Self {
        Self {
            latency: Self::default_latency(),
        }
    }
}

/// The rate-limited service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    /// Token-bucket rate limiter in front of the workers (none if absent).
    #[serde(default)]
    pub limiter: Option<LimiterSpec>,
    /// The workers behind it.
    pub workers: WorkersSpec,
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
}

/// One retry policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    /// Name shown in reports (unique within the scenario).
    pub name: String,
    /// Attempts per request, the first included (default 1: no retry).
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// Per-attempt timeout in seconds (default 30).
    #[serde(default = "default_timeout")]
    pub timeout: f64,
    /// Overall deadline per request in seconds from its arrival (default none).
    #[serde(default)]
    pub deadline: Option<f64>,
    /// Un-jittered delay before each retry (default none: retry at once).
    #[serde(default)]
    pub backoff: BackoffSpec,
    /// Randomisation of that delay (default none).
    #[serde(default)]
    pub jitter: JitterSpec,
    /// Reaction to a 429's `Retry-After` (default ignore).
    #[serde(default)]
    pub retry_after: RetryAfterSpec,
}

/// Un-jittered delay before retry n = 0, 1, 2, …
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum BackoffSpec {
    /// Retry at once.
    #[default]
    None,
    /// `base` seconds every time.
    Constant {
        base: f64,
        #[serde(default)]
        cap: Option<f64>,
    },
    /// `base·(n + 1)` seconds.
    Linear {
        base: f64,
        #[serde(default)]
        cap: Option<f64>,
    },
    /// `min(cap, base·factor^n)` seconds (factor 2 by default).
    Exponential {
        base: f64,
        #[serde(default = "default_factor")]
        factor: f64,
        #[serde(default)]
        cap: Option<f64>,
    },
}

/// Jitter applied to the capped delay d.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum JitterSpec {
    /// d.
    #[default]
    None,
    /// U(0, d).
    Full,
    /// d/2 + U(0, d/2).
    Equal,
    /// min(cap, U(base, 3·previous)), previous starting at base.
    Decorrelated,
    /// d + U(0, fraction·d) (fraction 0.3 by default, as in seed 000).
    Proportional {
        #[serde(default = "default_fraction")]
        fraction: f64,
    },
    /// d·U(low, high) (0.5 and 1.5 by default, as in seed 001).
    Multiplicative {
        #[serde(default = "default_low")]
        low: f64,
        #[serde(default = "default_high")]
        high: f64,
    },
    /// d + U(0, max) with `max` in seconds.
    Additive { max: f64 },
}

/// Reaction to `Retry-After`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RetryAfterSpec {
    /// Wait the jittered backoff only.
    #[default]
    Ignore,
    /// Wait max(jittered backoff, Retry-After); beyond `cap` seconds give up
    /// or wait the cap.
    Obey {
        #[serde(default)]
        cap: Option<f64>,
        #[serde(default)]
        beyond_cap: BeyondCapSpec,
    },
    /// max(backoff, min(Retry-After, backoff + extra)), extra 5 s by default.
    Clamp {
        #[serde(default = "default_clamp_extra")]
        extra: f64,
    },
}

/// What to do when `Retry-After` exceeds the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BeyondCapSpec {
    /// Fail the request.
    #[default]
    GiveUp,
    /// Wait the cap.
    UseCap,
}
