//! Per-client-instance retry budgets and guards (MODEL.md §5). Each is
//! optional; any combination may be used. Guards that act before every
//! attempt (circuit breaker, adaptive throttling, money guard) fail the
//! request fast; budgets that ration retries (retry quota, gRPC throttling,
//! ratio budget) fail it with `budget_refused` when they say no.

pub mod adaptive_throttle;
pub mod circuit_breaker;
pub mod grpc_throttle;
pub mod money_guard;
pub mod ratio_budget;
pub mod retry_quota;
pub mod window;

use adaptive_throttle::{AdaptiveThrottle, AdaptiveThrottleConfig};
use circuit_breaker::{CircuitBreaker, CircuitBreakerConfig};
use grpc_throttle::{GrpcThrottle, GrpcThrottleConfig};
use money_guard::{MoneyGuard, MoneyGuardConfig};
use ratio_budget::{RatioBudget, RatioBudgetConfig};
use retry_quota::{RetryQuota, RetryQuotaConfig};

/// Which budgets and guards a policy uses, with their parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GuardsConfig {
    /// AWS SDK retry quota.
    pub retry_quota: Option<RetryQuotaConfig>,
    /// gRPC retry throttling.
    pub grpc_throttle: Option<GrpcThrottleConfig>,
    /// Ratio retry budget.
    pub ratio: Option<RatioBudgetConfig>,
    /// Circuit breaker.
    pub circuit_breaker: Option<CircuitBreakerConfig>,
    /// Client-side adaptive throttling.
    pub adaptive_throttle: Option<AdaptiveThrottleConfig>,
    /// Money budget guard.
    pub money: Option<MoneyGuardConfig>,
}

impl GuardsConfig {
    /// Whether no budget or guard is configured (the fast path).
    pub fn is_empty(&self) -> bool {
        *self == GuardsConfig::default()
    }
}

/// The state of every configured guard of one client instance.
#[derive(Debug, Clone)]
pub struct ClientGuards {
    /// AWS retry quota.
    pub retry_quota: Option<RetryQuota>,
    /// gRPC throttle.
    pub grpc_throttle: Option<GrpcThrottle>,
    /// Ratio budget.
    pub ratio: Option<RatioBudget>,
    /// Circuit breaker.
    pub circuit_breaker: Option<CircuitBreaker>,
    /// Adaptive throttle.
    pub adaptive_throttle: Option<AdaptiveThrottle>,
    /// Money guard.
    pub money: Option<MoneyGuard>,
}

impl ClientGuards {
    /// Fresh state for every guard in `cfg`.
    pub fn new(cfg: &GuardsConfig) -> Self {
        Self {
            retry_quota: cfg.retry_quota.as_ref().map(RetryQuota::new),
            grpc_throttle: cfg.grpc_throttle.as_ref().map(GrpcThrottle::new),
            ratio: cfg.ratio.as_ref().map(RatioBudget::new),
            circuit_breaker: cfg.circuit_breaker.as_ref().map(CircuitBreaker::new),
            adaptive_throttle: cfg.adaptive_throttle.as_ref().map(AdaptiveThrottle::new),
            money: cfg.money.as_ref().map(MoneyGuard::new),
        }
    }
}
