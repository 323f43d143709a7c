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
    /// What served attempts cost (unpriced if absent).
    #[serde(default)]
    pub cost: Option<CostSpec>,
    /// What goes wrong, when and for how long: load spikes, capacity drops,
    /// outages (default none). Recovery and metastability are measured
    /// against them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<TriggerSpec>,
    /// The retry policies compared, each run on the same arrivals.
    pub policies: Vec<PolicySpec>,
    /// Axes for `retrysim sweep`: field path → list of values or
    /// `{"from", "to", "steps"}`. Ignored by `retrysim run`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Time series and recovery settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSpec {
    /// Bin width in seconds (default 1).
    #[serde(default = "default_bin")]
    pub bin: f64,
    /// When the trouble starts, in seconds (default: the earliest start in
    /// `triggers`, or 0 without triggers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<f64>,
    /// A bin has recovered when its failure share is at most this (default 0.05).
    #[serde(default = "default_threshold")]
    pub threshold: f64,
    /// Seconds every bin must stay recovered (default 5).
    #[serde(default = "default_window")]
    pub window: f64,
    /// When a run counts as metastable (only judged with `triggers`).
    #[serde(default)]
    pub metastable: MetastableSpec,
}

fn default_margin() -> f64 {
    0.1
}
fn default_steady() -> f64 {
    30.0
}

/// A run is metastable when, over the last `window` seconds of load, the
/// successful attempts fall short of the arriving requests by more than
/// `margin`, although every trigger ended at least `window` seconds before
/// that window began.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetastableSpec {
    /// Allowed shortfall of goodput below the offered load (default 0.1).
    #[serde(default = "default_margin")]
    pub margin: f64,
    /// Seconds at the end of the load over which goodput is measured
    /// (default 30).
    #[serde(default = "default_steady")]
    pub window: f64,
}

impl Default for MetastableSpec {
    fn default() -> Self {
        Self {
            margin: default_margin(),
            window: default_steady(),
        }
    }
}

/// Something that goes wrong for a while: `start` and `duration` in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TriggerSpec {
    /// Requests arrive at `qps` instead of the open workload's rate.
    LoadSpike { start: f64, duration: f64, qps: f64 },
    /// The service keeps `capacity` (a share) of its workers and serves
    /// `slowdown` times slower (defaults 1: unchanged).
    CapacityDrop {
        start: f64,
        duration: f64,
        #[serde(default = "one")]
        capacity: f64,
        #[serde(default = "one")]
        slowdown: f64,
    },
    /// Every attempt reaching the service fails as `mode` says.
    Outage {
        start: f64,
        duration: f64,
        mode: OutageModeSpec,
    },
}

impl TriggerSpec {
    /// (start, duration) in seconds.
    pub fn window(&self) -> (f64, f64) {
        match *self {
            TriggerSpec::LoadSpike {
                start, duration, ..
            }
            | TriggerSpec::CapacityDrop {
                start, duration, ..
            }
            | TriggerSpec::Outage {
                start, duration, ..
            } => (start, duration),
        }
    }

    /// The name used in paths and reports.
    pub fn kind(&self) -> &'static str {
        match self {
            TriggerSpec::LoadSpike { .. } => "load_spike",
            TriggerSpec::CapacityDrop { .. } => "capacity_drop",
            TriggerSpec::Outage { .. } => "outage",
        }
    }
}

impl Default for MetricsSpec {
    fn default() -> Self {
        Self {
            bin: default_bin(),
            trigger: None,
            threshold: default_threshold(),
            window: default_window(),
            metastable: MetastableSpec::default(),
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
    /// `users` closed-loop users: each sends its next request one think
    /// time after its previous one ended (succeeded or failed).
    Closed {
        /// How many users.
        users: u32,
        /// Think time between a request's end and the user's next request
        /// (also before the first).
        think: DurationSpec,
        /// Client instances the users are spread over (default 1).
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
    /// Per-attempt faults, one draw per attempt (default none).
    #[serde(default)]
    pub faults: FaultsSpec,
}

/// Probabilities of the exclusive per-attempt faults.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultsSpec {
    /// The attempt never reaches the service; the client times out.
    #[serde(default)]
    pub drop: f64,
    /// The client gets a connection error after one round trip; the service
    /// never sees the attempt.
    #[serde(default)]
    pub reset: f64,
    /// The service gets, serves and bills the attempt, but the response is
    /// lost; the client times out.
    #[serde(default)]
    pub hang: f64,
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
            faults: FaultsSpec::default(),
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

/// What an attempt costs (prices per million tokens).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostSpec {
    /// Input (prompt) tokens per request, as a distribution (use
    /// `{"kind": "constant", "value": N}` for a fixed count).
    pub input_tokens: DurationSpec,
    /// Output (completion) tokens per request.
    pub output_tokens: DurationSpec,
    /// Dollars per million input tokens.
    pub price_in: f64,
    /// Dollars per million output tokens.
    pub price_out: f64,
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
    /// Factor on the jittered delay after each kind of failure (default 1;
    /// seed 001 waits 1.5× after a 5xx).
    #[serde(default)]
    pub delay_multiplier: DelayMultiplierSpec,
    /// Whether the service drops an attempt the client has abandoned if it
    /// has not started serving it (default false: abandoned work is served
    /// and billed).
    #[serde(default)]
    pub cancel_on_timeout: bool,
    /// Retry budgets and guards, per client instance (default none).
    #[serde(default)]
    pub budget: BudgetSpec,
}

fn one() -> f64 {
    1.0
}

/// Factors on the jittered delay, per failure kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DelayMultiplierSpec {
    #[serde(default = "one")]
    pub rate_limited_429: f64,
    #[serde(default = "one")]
    pub unavailable_503: f64,
    #[serde(default = "one")]
    pub server_error_5xx: f64,
    #[serde(default = "one")]
    pub timeout: f64,
    #[serde(default = "one")]
    pub connection_error: f64,
}

impl Default for DelayMultiplierSpec {
    fn default() -> Self {
        Self {
            rate_limited_429: 1.0,
            unavailable_503: 1.0,
            server_error_5xx: 1.0,
            timeout: 1.0,
            connection_error: 1.0,
        }
    }
}

/// Budgets and guards; each is off unless given.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetSpec {
    /// AWS SDK "standard" retry quota.
    #[serde(default)]
    pub retry_quota: Option<RetryQuotaSpec>,
    /// gRPC retry throttling.
    #[serde(default)]
    pub grpc_throttle: Option<GrpcThrottleSpec>,
    /// Retries as a share of recent requests, plus a floor.
    #[serde(default)]
    pub ratio: Option<RatioSpec>,
    /// Circuit breaker.
    #[serde(default)]
    pub circuit_breaker: Option<CircuitBreakerSpec>,
    /// Google SRE client-side adaptive throttling.
    #[serde(default)]
    pub adaptive_throttle: Option<AdaptiveThrottleSpec>,
    /// Seed 001's money budget guard.
    #[serde(default)]
    pub money: Option<MoneySpec>,
}

fn d500() -> u32 {
    500
}
fn d5() -> u32 {
    5
}
fn d10() -> u32 {
    10
}
fn d1() -> u32 {
    1
}

/// AWS SDK retry quota (defaults: the SDKs').
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryQuotaSpec {
    #[serde(default = "d500")]
    pub capacity: u32,
    #[serde(default = "d500")]
    pub initial: u32,
    #[serde(default = "d5")]
    pub retry_cost: u32,
    #[serde(default = "d10")]
    pub timeout_cost: u32,
    #[serde(default = "d1")]
    pub success_increment: u32,
}

/// gRPC retry throttling (both fields required, as in a gRPC service config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrpcThrottleSpec {
    pub max_tokens: f64,
    pub token_ratio: f64,
}

fn d20f() -> f64 {
    20.0
}
fn d10f() -> f64 {
    10.0
}

/// Ratio budget (defaults: Finagle's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatioSpec {
    /// Retries per 100 requests.
    #[serde(default = "d20f")]
    pub percent: f64,
    /// Retries per second allowed regardless.
    #[serde(default = "d10f")]
    pub min_per_second: f64,
    /// Seconds of history.
    #[serde(default = "d10")]
    pub window: u32,
}

fn d100() -> u32 {
    100
}
fn half() -> f64 {
    0.5
}
fn d60f() -> f64 {
    60.0
}

/// Circuit breaker (defaults: resilience4j's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CircuitBreakerSpec {
    /// Attempt results in the sliding window.
    #[serde(default = "d100")]
    pub window: u32,
    /// Results needed before the failure rate is judged.
    #[serde(default = "d100")]
    pub minimum_calls: u32,
    /// Failure share that opens the circuit.
    #[serde(default = "half")]
    pub failure_rate: f64,
    /// Seconds it stays open.
    #[serde(default = "d60f")]
    pub open_for: f64,
    /// Trial attempts when half-open.
    #[serde(default = "d10")]
    pub half_open_calls: u32,
}

fn two() -> f64 {
    2.0
}
fn d120() -> u32 {
    120
}

/// Adaptive throttling (defaults: the SRE book's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdaptiveThrottleSpec {
    #[serde(default = "two")]
    pub k: f64,
    /// Seconds of history.
    #[serde(default = "d120")]
    pub window: u32,
}

fn d50f() -> f64 {
    50.0
}
fn d800f() -> f64 {
    800.0
}
fn d08() -> f64 {
    0.8
}

/// Money guard (defaults: seed 001's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoneySpec {
    /// Dollars per day.
    #[serde(default = "d50f")]
    pub daily_limit: f64,
    /// Dollars per 30-day month.
    #[serde(default = "d800f")]
    pub monthly_limit: f64,
    /// Warning share of the daily limit.
    #[serde(default = "half")]
    pub warning: f64,
    /// Critical share of the daily limit.
    #[serde(default = "d08")]
    pub critical: f64,
    /// In critical, double the backoff base delay.
    #[serde(default)]
    pub strict: bool,
    /// `reserve` (debit before, settle after) or `post` (check, add after).
    #[serde(default)]
    pub accounting: AccountingSpec,
    /// Dollars assumed per attempt (default: the mean cost of a request under
    /// the scenario's `cost`).
    #[serde(default)]
    pub estimate: Option<f64>,
    /// Dollars already spent today and this month at t = 0.
    #[serde(default)]
    pub initial_spent: f64,
}

/// Money guard accounting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountingSpec {
    #[default]
    Reserve,
    Post,
}

/// Un-jittered delay before retry n = 0, 1, 2, …
// Variants without fields are written `{}` so that serde rejects unknown
// fields in them too (`{"kind": "none", "base": 1}` is an error).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum BackoffSpec {
    /// Retry at once.
    None {},
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum JitterSpec {
    /// d.
    None {},
    /// U(0, d).
    Full {},
    /// d/2 + U(0, d/2).
    Equal {},
    /// min(cap, U(base, 3·previous)), previous starting at base.
    Decorrelated {},
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RetryAfterSpec {
    /// Wait the jittered backoff only.
    Ignore {},
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

impl Default for BackoffSpec {
    fn default() -> Self {
        BackoffSpec::None {}
    }
}

impl Default for JitterSpec {
    fn default() -> Self {
        JitterSpec::None {}
    }
}

impl Default for RetryAfterSpec {
    fn default() -> Self {
        RetryAfterSpec::Ignore {}
    }
}
