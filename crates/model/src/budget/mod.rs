//! Per-client-instance retry budgets and guards (docs/model.md §5), behind
//! one facade: the simulation calls [`ClientGuards`] at fixed points of a
//! request's life and never names an individual guard.
//!
//! | hook | when | who acts |
//! |---|---|---|
//! | `on_request` | a request arrives | ratio budget (deposits) |
//! | `before_attempt` | before every attempt | circuit breaker, adaptive throttling, money guard: may fail the request fast |
//! | `on_outcome` | an attempt ended | circuit breaker, gRPC throttling, adaptive throttling, money guard: learn |
//! | `before_retry` | a retryable failure, attempts left | gRPC throttling, ratio budget, retry quota: may refuse (`budget_refused`); money guard: may double the base |
//! | `on_success` | the request succeeded | retry quota (refunds) |
//! | `attempt_refused` | a later guard refused an attempt this one let through | circuit breaker (un-counts a trial), money guard (releases the reservation) |
//! | `retry_dropped` | a retry this one allowed was not sent: a later guard refused it, or the client gave up on it (Retry-After too long, past the deadline) | ratio budget (un-counts it), retry quota (refunds its tokens) |
//!
//! Guards run in one fixed order, [`BudgetSpec::compile`]'s: circuit
//! breaker, adaptive throttling, money guard, gRPC throttling, ratio budget,
//! retry quota. The first guard that refuses stops the others from seeing
//! the attempt or retry, and the ones before it undo what they counted: a
//! budget is charged only for retries that are sent, and a half-open
//! breaker counts only trials that are sent.
//!
//! # Adding a guard
//! Write `budget/<name>.rs` with its spec (serde, defaults), its validation
//! into a state that holds its parameters, and `impl Hooks` for the hooks
//! it needs (the others default to "do nothing"). Then, in this file: a
//! field in [`BudgetSpec`], a variant of [`Guard`], a line in `each!`, and a
//! line in [`BudgetSpec::compile`]. `docs/extending.md` walks through it.

mod adaptive_throttle;
mod circuit_breaker;
mod grpc_throttle;
mod money_guard;
mod ratio_budget;
mod retry_quota;
mod window;

pub use adaptive_throttle::AdaptiveThrottleSpec;
pub use circuit_breaker::CircuitBreakerSpec;
pub use grpc_throttle::GrpcThrottleSpec;
pub use money_guard::{AccountingSpec, MoneySpec};
pub use ratio_budget::RatioSpec;
pub use retry_quota::RetryQuotaSpec;

use retrysim_engine::{Nanos, SimRng};
use serde::{Deserialize, Serialize};

use crate::outcome::{FailureReason, Outcome};
use crate::scenario::error::Errors;

/// Budgets and guards of a policy, per client instance; each is off unless
/// given.
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

impl BudgetSpec {
    /// Validates the budgets of the policy at path `policy` (`policies[i]`);
    /// `mean_cost` is the mean
    /// dollars of an attempt when the scenario is priced. The guards come
    /// back in the order they act.
    pub(crate) fn compile(
        &self,
        errs: &mut Errors,
        policy: &str,
        mean_cost: Option<f64>,
    ) -> Guards {
        let at = |f: &str| format!("{policy}.budget.{f}");
        let mut guards = Vec::new();
        if let Some(s) = &self.circuit_breaker {
            guards.push(Guard::CircuitBreaker(s.compile(errs, &at)));
        }
        if let Some(s) = &self.adaptive_throttle {
            guards.push(Guard::AdaptiveThrottle(s.compile(errs, &at)));
        }
        if let Some(s) = &self.money {
            guards.push(Guard::Money(s.compile(errs, &at, mean_cost)));
        }
        if let Some(s) = &self.grpc_throttle {
            guards.push(Guard::GrpcThrottle(s.compile(errs, &at)));
        }
        if let Some(s) = &self.ratio {
            guards.push(Guard::Ratio(s.compile(errs, &at)));
        }
        if let Some(s) = &self.retry_quota {
            guards.push(Guard::RetryQuota(s.compile(errs, &at)));
        }
        Guards(guards)
    }
}

/// What the guards remember about a request's current attempt or last
/// retry; kept in the request, opaque to the simulation. Packed (9 bytes,
/// no padding), so that a request's extras stay 48 bytes with a 32-bit
/// breaker epoch; its fields are read and written by value only.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[repr(C, packed)]
pub(crate) struct Ticket {
    /// Retry-quota tokens the last retry took (AWS refunds them on success).
    pub quota_taken: u32,
    /// Circuit-breaker epoch the current attempt was let through in.
    pub breaker_epoch: u32,
    /// Whether the money guard reserved its estimate for the current attempt.
    pub reserved: bool,
}

/// A guard's say on a retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RetryAdvice {
    /// The retry may go ahead.
    Allow,
    /// It may, after twice the backoff's base (the money guard's strict mode).
    DoubleBase,
    /// It is refused: the request fails with `budget_refused`.
    Refuse,
}

/// What the guards report at the end of a replication.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[non_exhaustive]
pub struct GuardReport {
    /// Largest amount by which a client's money-guard spend passed its daily
    /// limit (0 when it never did; `None` without a money guard).
    pub money_overshoot: Option<f64>,
}

/// The hooks a guard may implement; every one defaults to "do nothing".
pub(crate) trait Hooks {
    /// A request arrives.
    fn on_request(&mut self, _now: Nanos) {}
    /// Before every attempt: `Err` fails the request at once.
    fn before_attempt(
        &mut self,
        _now: Nanos,
        _ticket: &mut Ticket,
        _rng: &mut SimRng,
    ) -> Result<(), FailureReason> {
        Ok(())
    }
    /// An attempt ended with `outcome`; `cost` is what one served attempt
    /// of the request costs.
    fn on_outcome(&mut self, _now: Nanos, _ticket: &Ticket, _outcome: Outcome, _cost: f64) {}
    /// A retry after `failed` is about to be scheduled.
    fn before_retry(&mut self, _now: Nanos, _ticket: &mut Ticket, _failed: Outcome) -> RetryAdvice {
        RetryAdvice::Allow
    }
    /// The request succeeded.
    fn on_success(&mut self, _ticket: &Ticket) {}
    /// This guard let the attempt through, but a later one refused it: undo
    /// what was counted for it.
    fn attempt_refused(&mut self, _now: Nanos, _ticket: &mut Ticket) {}
    /// This guard allowed the retry, but it is not sent (a later guard
    /// refused it, or the client gave up on it): undo what was charged.
    fn retry_dropped(&mut self, _now: Nanos, _ticket: &mut Ticket) {}
    /// Adds this guard's end-of-run figures.
    fn report(&self, _report: &mut GuardReport) {}
    /// Bytes this guard's state holds beyond its own size (windows, rings).
    fn heap_bytes(&self) -> usize {
        0
    }
    /// Whether `before_attempt` may fail a request without sending it.
    fn may_refuse_attempts(&self) -> bool {
        false
    }
}

/// One configured guard: its parameters and state (fresh in a policy,
/// evolving in a client instance).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Guard {
    CircuitBreaker(circuit_breaker::CircuitBreaker),
    AdaptiveThrottle(adaptive_throttle::AdaptiveThrottle),
    Money(money_guard::MoneyGuard),
    GrpcThrottle(grpc_throttle::GrpcThrottle),
    Ratio(ratio_budget::RatioBudget),
    RetryQuota(retry_quota::RetryQuota),
}

/// Static dispatch of a hook to whichever guard `$guard` is. Hooks are
/// called as `Hooks::name(g, …)`: a guard's own method of the same name
/// must not shadow the hook.
macro_rules! each {
    ($guard:expr, $g:ident => $call:expr) => {
        match $guard {
            Guard::CircuitBreaker($g) => $call,
            Guard::AdaptiveThrottle($g) => $call,
            Guard::Money($g) => $call,
            Guard::GrpcThrottle($g) => $call,
            Guard::Ratio($g) => $call,
            Guard::RetryQuota($g) => $call,
        }
    };
}

/// A policy's guards in the order they act, with their starting state.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Guards(Vec<Guard>);

impl Guards {
    /// Whether the policy has no guard (the fast path).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Bytes the guards of one client instance hold.
    pub fn bytes_per_client(&self) -> usize {
        self.0
            .iter()
            .map(|g| std::mem::size_of::<Guard>() + each!(g, g => Hooks::heap_bytes(g)))
            .sum()
    }

    /// Whether a guard may fail a request without sending an attempt.
    pub fn may_refuse_attempts(&self) -> bool {
        self.0
            .iter()
            .any(|g| each!(g, g => Hooks::may_refuse_attempts(g)))
    }
}

/// The guards of every client instance, in one flat vector (`clients ×
/// guards`, client-major): the facade the simulation talks to.
#[derive(Debug, Clone)]
pub(crate) struct ClientGuards {
    per_client: usize,
    states: Vec<Guard>,
}

impl ClientGuards {
    /// Fresh guards for `clients` instances (none when `guards` is empty).
    pub fn new(guards: &Guards, clients: u32) -> Self {
        let per_client = guards.0.len();
        let states = if per_client == 0 {
            Vec::new()
        } else {
            (0..clients)
                .flat_map(|_| guards.0.iter().cloned())
                .collect()
        };
        Self { per_client, states }
    }

    /// Whether there are no guards at all (then no hook need be called).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.per_client == 0
    }

    fn of(&mut self, client: u32) -> &mut [Guard] {
        let at = client as usize * self.per_client;
        &mut self.states[at..at + self.per_client]
    }

    /// A request of `client` arrives.
    pub fn on_request(&mut self, client: u32, now: Nanos) {
        for g in self.of(client) {
            each!(g, g => Hooks::on_request(g, now));
        }
    }

    /// Before an attempt of `client`: the first guard that refuses says why,
    /// and the guards before it undo what they counted for the attempt.
    pub fn before_attempt(
        &mut self,
        client: u32,
        now: Nanos,
        ticket: &mut Ticket,
        rng: &mut SimRng,
    ) -> Result<(), FailureReason> {
        let guards = self.of(client);
        for j in 0..guards.len() {
            if let Err(reason) =
                each!(&mut guards[j], g => Hooks::before_attempt(g, now, ticket, rng))
            {
                for g in &mut guards[..j] {
                    each!(g, g => Hooks::attempt_refused(g, now, ticket));
                }
                return Err(reason);
            }
        }
        Ok(())
    }

    /// An attempt of `client` ended with `outcome`.
    pub fn on_outcome(
        &mut self,
        client: u32,
        now: Nanos,
        ticket: &Ticket,
        outcome: Outcome,
        cost: f64,
    ) {
        for g in self.of(client) {
            each!(g, g => Hooks::on_outcome(g, now, ticket, outcome, cost));
        }
    }

    /// Before a retry of `client` after `failed`: the first guard that
    /// refuses stops the others, and the guards before it undo their charge.
    pub fn before_retry(
        &mut self,
        client: u32,
        now: Nanos,
        ticket: &mut Ticket,
        failed: Outcome,
    ) -> RetryAdvice {
        let guards = self.of(client);
        let mut advice = RetryAdvice::Allow;
        for j in 0..guards.len() {
            match each!(&mut guards[j], g => Hooks::before_retry(g, now, ticket, failed)) {
                RetryAdvice::Refuse => {
                    for g in &mut guards[..j] {
                        each!(g, g => Hooks::retry_dropped(g, now, ticket));
                    }
                    return RetryAdvice::Refuse;
                }
                RetryAdvice::DoubleBase => advice = RetryAdvice::DoubleBase,
                RetryAdvice::Allow => {}
            }
        }
        advice
    }

    /// A retry of `client` the guards allowed is not sent after all (the
    /// client gave up on it): every guard undoes its charge.
    pub fn retry_dropped(&mut self, client: u32, now: Nanos, ticket: &mut Ticket) {
        for g in self.of(client) {
            each!(g, g => Hooks::retry_dropped(g, now, ticket));
        }
    }

    /// A request of `client` succeeded.
    pub fn on_success(&mut self, client: u32, ticket: &Ticket) {
        for g in self.of(client) {
            each!(g, g => Hooks::on_success(g, ticket));
        }
    }

    /// Every guard's end-of-run figures.
    pub fn report(&self) -> GuardReport {
        let mut report = GuardReport::default();
        for g in &self.states {
            each!(g, g => Hooks::report(g, &mut report));
        }
        report
    }
}
