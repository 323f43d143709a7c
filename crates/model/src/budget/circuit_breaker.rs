//! A circuit breaker: closed, open, half-open over a count-based window of
//! attempt results (the resilience4j model).

use retrysim_engine::{Nanos, SimRng};
use serde::{Deserialize, Serialize};

use super::{Hooks, Ticket};
use crate::outcome::{FailureReason, Outcome};
use crate::scenario::error::Errors;
use crate::scenario::values::{num_ok, secs};

/// Circuit breaker as written in a scenario (defaults: resilience4j's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CircuitBreakerSpec {
    /// Attempt results in the sliding window.
    pub window: u32,
    /// Results needed before the failure rate is judged.
    pub minimum_calls: u32,
    /// Failure share that opens the circuit.
    pub failure_rate: f64,
    /// Seconds it stays open.
    pub open_for: f64,
    /// Trial attempts when half-open.
    pub half_open_calls: u32,
}

impl Default for CircuitBreakerSpec {
    fn default() -> Self {
        Self {
            window: 100,
            minimum_calls: 100,
            failure_rate: 0.5,
            open_for: 60.0,
            half_open_calls: 10,
        }
    }
}

impl CircuitBreakerSpec {
    /// Validates the spec; `at` names a field of the budget.
    pub(crate) fn compile(&self, errs: &mut Errors, at: &dyn Fn(&str) -> String) -> CircuitBreaker {
        let c = self;
        errs.check(
            c.window >= 1 && c.window <= 1_000_000,
            at("circuit_breaker.window"),
            || format!("must be between 1 and 1000000 results, got {}", c.window),
        );
        errs.check(
            c.minimum_calls >= 1 && c.minimum_calls <= c.window,
            at("circuit_breaker.minimum_calls"),
            || {
                format!(
                    "must be between 1 and window ({}), got {}",
                    c.window, c.minimum_calls
                )
            },
        );
        errs.check(
            num_ok(c.failure_rate) && c.failure_rate > 0.0 && c.failure_rate <= 1.0,
            at("circuit_breaker.failure_rate"),
            || format!("must be a share > 0 and <= 1, got {}", c.failure_rate),
        );
        errs.check(
            c.half_open_calls >= 1,
            at("circuit_breaker.half_open_calls"),
            || "must be at least 1".into(),
        );
        CircuitBreaker::new(CircuitBreakerConfig {
            window: c.window,
            minimum_calls: c.minimum_calls,
            failure_rate: c.failure_rate,
            open_for: secs(errs, &at("circuit_breaker.open_for"), c.open_for, true),
            half_open_calls: c.half_open_calls,
        })
    }
}

/// Validated parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CircuitBreakerConfig {
    /// Results the closed state looks at.
    pub window: u32,
    /// Results needed before the rate is judged.
    pub minimum_calls: u32,
    /// Failure share that opens the circuit.
    pub failure_rate: f64,
    /// How long it stays open.
    pub open_for: Nanos,
    /// Trial attempts let through when half-open.
    pub half_open_calls: u32,
}

/// The breaker's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Attempts pass; results are counted.
    Closed,
    /// Attempts fail fast until the given time.
    Open {
        /// When it half-opens.
        until: Nanos,
    },
    /// A few trial attempts pass; their results decide.
    HalfOpen,
}

/// One client's breaker.
#[derive(Debug, Clone, PartialEq)]
pub struct CircuitBreaker {
    cfg: CircuitBreakerConfig,
    state: State,
    /// Bumped on every state change; results of attempts let through in an
    /// earlier epoch are ignored. A state change needs an attempt of this
    /// client (let through, or answered), and an attempt makes at most
    /// two, so the epoch wraps only after 2³¹ attempts of one client, more
    /// than `--max-attempts` allows by default.
    epoch: u32,
    ring: Vec<bool>,
    next: usize,
    filled: u32,
    failures: u32,
    trials_started: u32,
    trials_done: u32,
    trial_failures: u32,
}

impl Hooks for CircuitBreaker {
    fn heap_bytes(&self) -> usize {
        self.ring.len() * std::mem::size_of::<bool>()
    }
    fn may_refuse_attempts(&self) -> bool {
        true
    }
    fn before_attempt(
        &mut self,
        now: Nanos,
        ticket: &mut Ticket,
        _rng: &mut SimRng,
    ) -> Result<(), FailureReason> {
        ticket.breaker_epoch = self.allow(now).ok_or(FailureReason::CircuitOpen)?;
        Ok(())
    }

    fn on_outcome(&mut self, now: Nanos, ticket: &Ticket, outcome: Outcome, _cost: f64) {
        let accepted = outcome == Outcome::Success || outcome == Outcome::ClientError;
        self.record(now, ticket.breaker_epoch, !accepted);
    }

    fn attempt_refused(&mut self, _now: Nanos, ticket: &mut Ticket) {
        self.withdraw(ticket.breaker_epoch);
    }
}

impl CircuitBreaker {
    /// A closed breaker.
    pub fn new(cfg: CircuitBreakerConfig) -> Self {
        Self {
            cfg,
            state: State::Closed,
            epoch: 0,
            ring: vec![false; cfg.window.max(1) as usize],
            next: 0,
            filled: 0,
            failures: 0,
            trials_started: 0,
            trials_done: 0,
            trial_failures: 0,
        }
    }

    /// The current state.
    #[cfg(test)]
    pub fn state(&self) -> State {
        self.state
    }

    fn enter(&mut self, state: State) {
        self.state = state;
        self.epoch = self.epoch.wrapping_add(1);
        self.next = 0;
        self.filled = 0;
        self.failures = 0;
        self.trials_started = 0;
        self.trials_done = 0;
        self.trial_failures = 0;
    }

    /// Asks to send an attempt at `now`: the epoch to record its result
    /// under, or `None` to fail fast.
    pub fn allow(&mut self, now: Nanos) -> Option<u32> {
        if let State::Open { until } = self.state {
            if now < until {
                return None;
            }
            self.enter(State::HalfOpen);
        }
        if self.state == State::HalfOpen {
            if self.trials_started >= self.cfg.half_open_calls {
                return None;
            }
            self.trials_started += 1;
        }
        Some(self.epoch)
    }

    /// An attempt let through in `epoch` was not sent after all: a trial it
    /// took in the half-open state is given back.
    pub fn withdraw(&mut self, epoch: u32) {
        if epoch == self.epoch && self.state == State::HalfOpen {
            self.trials_started = self.trials_started.saturating_sub(1);
        }
    }

    /// Records the result of an attempt let through in `epoch`.
    pub fn record(&mut self, now: Nanos, epoch: u32, failed: bool) {
        if epoch != self.epoch {
            return;
        }
        let cfg = self.cfg;
        match self.state {
            State::Open { .. } => {}
            State::Closed => {
                let n = self.ring.len();
                if self.filled as usize == n {
                    self.failures -= self.ring[self.next] as u32;
                } else {
                    self.filled += 1;
                }
                self.ring[self.next] = failed;
                self.failures += failed as u32;
                self.next = (self.next + 1) % n;
                if self.filled >= cfg.minimum_calls.max(1)
                    && self.failures as f64 >= cfg.failure_rate * self.filled as f64
                {
                    self.enter(State::Open {
                        until: now + cfg.open_for,
                    });
                }
            }
            State::HalfOpen => {
                self.trials_done += 1;
                self.trial_failures += failed as u32;
                if self.trials_done >= cfg.half_open_calls {
                    if self.trial_failures as f64 >= cfg.failure_rate * self.trials_done as f64 {
                        self.enter(State::Open {
                            until: now + cfg.open_for,
                        });
                    } else {
                        self.enter(State::Closed);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> CircuitBreakerConfig {
        CircuitBreakerConfig {
            window: 4,
            minimum_calls: 4,
            failure_rate: 0.5,
            open_for: 10,
            half_open_calls: 2,
        }
    }

    #[test]
    fn opens_on_failure_rate_then_half_opens_then_closes() {
        let c = cfg();
        let mut b = CircuitBreaker::new(c);
        for failed in [false, true, false] {
            let e = b.allow(0).unwrap();
            b.record(0, e, failed);
        }
        assert_eq!(b.state(), State::Closed, "fewer than minimum_calls");
        let e = b.allow(1).unwrap();
        b.record(1, e, true); // 2 of 4 failed = 50 %
        assert_eq!(b.state(), State::Open { until: 11 });
        assert_eq!(b.allow(5), None, "fails fast while open");
        // At 11: half-open, two trials pass, the third is refused.
        let t1 = b.allow(11).unwrap();
        let t2 = b.allow(11).unwrap();
        assert_eq!(b.state(), State::HalfOpen);
        assert_eq!(b.allow(11), None);
        b.record(12, t1, false);
        b.record(12, t2, false);
        assert_eq!(b.state(), State::Closed);
    }

    #[test]
    fn a_failed_trial_reopens_and_stale_results_are_ignored() {
        let c = cfg();
        let mut b = CircuitBreaker::new(c);
        let stale = b.allow(0).unwrap();
        for _ in 0..4 {
            let e = b.allow(0).unwrap();
            b.record(0, e, true);
        }
        assert!(matches!(b.state(), State::Open { .. }));
        let t1 = b.allow(10).unwrap();
        b.record(10, stale, false); // from before the circuit opened
        assert_eq!(b.state(), State::HalfOpen);
        let t2 = b.allow(10).unwrap();
        b.record(11, t1, true);
        b.record(11, t2, false);
        assert_eq!(
            b.state(),
            State::Open { until: 21 },
            "1 of 2 trials failed = 50 %"
        );
    }

    /// A trial refused by a later guard used to stay counted, and with all
    /// trials counted but none answered the breaker stayed half-open for good.
    #[test]
    fn regression_a_withdrawn_trial_is_given_back() {
        let c = cfg();
        let mut b = CircuitBreaker::new(c);
        for _ in 0..4 {
            let e = b.allow(0).unwrap();
            b.record(0, e, true);
        }
        let t1 = b.allow(10).unwrap();
        b.withdraw(t1); // not sent: another guard refused it
        let t2 = b.allow(10).unwrap();
        let t3 = b
            .allow(10)
            .expect("the withdrawn trial's place is free again");
        assert_eq!(b.allow(10), None, "two trials in flight");
        b.record(11, t2, false);
        b.record(11, t3, false);
        assert_eq!(b.state(), State::Closed);
    }

    /// An attempt let through before 2¹⁶ state changes came back into a
    /// `u16` epoch that had wrapped to its own, and was counted.
    #[test]
    fn regression_a_result_from_65536_state_changes_ago_is_ignored() {
        let mut b = CircuitBreaker::new(CircuitBreakerConfig {
            window: 1,
            minimum_calls: 1,
            failure_rate: 1.0,
            open_for: 1,
            half_open_calls: 1,
        });
        let stale = b.allow(0).unwrap();
        let target = 1u64 << 16;
        let (mut now, mut trial) = (0, 0);
        // Closed → open → half-open, closed once, then half-open trials
        // that fail until the next success closes it at epoch 2¹⁶.
        for _ in 0..200_000 {
            let epoch = b.epoch as u64;
            if epoch == target && b.state() == State::Closed {
                break;
            }
            match b.state() {
                State::Closed => {
                    let e = b.allow(now).unwrap();
                    b.record(now, e, true);
                }
                State::Open { until } => {
                    now = until;
                    trial = b.allow(now).unwrap();
                }
                State::HalfOpen => b.record(now, trial, !(epoch == 2 || epoch + 1 == target)),
            }
        }
        assert_eq!(b.epoch as u64, target);
        assert_eq!(b.state(), State::Closed);
        b.record(now, stale, true); // one failure would open it
        assert_eq!(b.state(), State::Closed, "a result of epoch 0 is stale");
    }

    #[test]
    fn window_slides() {
        let c = CircuitBreakerConfig {
            window: 3,
            minimum_calls: 3,
            failure_rate: 0.6,
            ..cfg()
        };
        let mut b = CircuitBreaker::new(c);
        for failed in [true, false, false, true, false] {
            let e = b.allow(0).unwrap();
            b.record(0, e, failed);
            assert_eq!(b.state(), State::Closed, "never 2 of the last 3");
        }
        let e = b.allow(0).unwrap();
        b.record(0, e, true); // last three: true, false, true
        assert!(matches!(b.state(), State::Open { .. }));
    }
}
