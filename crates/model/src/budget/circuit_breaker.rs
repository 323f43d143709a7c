//! A circuit breaker: closed, open, half-open over a count-based window of
//! attempt results (the resilience4j model).

use retrysim_engine::Nanos;

/// Parameters, with resilience4j's defaults where it has them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CircuitBreakerConfig {
    /// Results the closed state looks at (resilience4j: 100).
    pub window: u32,
    /// Results needed before the rate is judged (resilience4j: 100).
    pub minimum_calls: u32,
    /// Failure share that opens the circuit (resilience4j: 0.5).
    pub failure_rate: f64,
    /// How long it stays open (resilience4j: 60 s).
    pub open_for: Nanos,
    /// Trial attempts let through when half-open (resilience4j: 10).
    pub half_open_calls: u32,
}

/// The breaker's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Attempts pass; results are counted.
    Closed,
    /// Attempts fail fast until the given time.
    Open { until: Nanos },
    /// A few trial attempts pass; their results decide.
    HalfOpen,
}

/// One client's breaker.
#[derive(Debug, Clone, PartialEq)]
pub struct CircuitBreaker {
    state: State,
    /// Bumped on every state change; results of attempts let through in an
    /// earlier epoch are ignored.
    epoch: u16,
    ring: Vec<bool>,
    next: usize,
    filled: u32,
    failures: u32,
    trials_started: u32,
    trials_done: u32,
    trial_failures: u32,
}

impl CircuitBreaker {
    /// A closed breaker.
    pub fn new(cfg: &CircuitBreakerConfig) -> Self {
        Self {
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
    pub fn allow(&mut self, cfg: &CircuitBreakerConfig, now: Nanos) -> Option<u16> {
        if let State::Open { until } = self.state {
            if now < until {
                return None;
            }
            self.enter(State::HalfOpen);
        }
        if self.state == State::HalfOpen {
            if self.trials_started >= cfg.half_open_calls {
                return None;
            }
            self.trials_started += 1;
        }
        Some(self.epoch)
    }

    /// Records the result of an attempt let through in `epoch`.
    pub fn record(&mut self, cfg: &CircuitBreakerConfig, now: Nanos, epoch: u16, failed: bool) {
        if epoch != self.epoch {
            return;
        }
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
        let mut b = CircuitBreaker::new(&c);
        for failed in [false, true, false] {
            let e = b.allow(&c, 0).unwrap();
            b.record(&c, 0, e, failed);
        }
        assert_eq!(b.state(), State::Closed, "fewer than minimum_calls");
        let e = b.allow(&c, 1).unwrap();
        b.record(&c, 1, e, true); // 2 of 4 failed = 50 %
        assert_eq!(b.state(), State::Open { until: 11 });
        assert_eq!(b.allow(&c, 5), None, "fails fast while open");
        // At 11: half-open, two trials pass, the third is refused.
        let t1 = b.allow(&c, 11).unwrap();
        let t2 = b.allow(&c, 11).unwrap();
        assert_eq!(b.state(), State::HalfOpen);
        assert_eq!(b.allow(&c, 11), None);
        b.record(&c, 12, t1, false);
        b.record(&c, 12, t2, false);
        assert_eq!(b.state(), State::Closed);
    }

    #[test]
    fn a_failed_trial_reopens_and_stale_results_are_ignored() {
        let c = cfg();
        let mut b = CircuitBreaker::new(&c);
        let stale = b.allow(&c, 0).unwrap();
        for _ in 0..4 {
            let e = b.allow(&c, 0).unwrap();
            b.record(&c, 0, e, true);
        }
        assert!(matches!(b.state(), State::Open { .. }));
        let t1 = b.allow(&c, 10).unwrap();
        b.record(&c, 10, stale, false); // from before the circuit opened
        assert_eq!(b.state(), State::HalfOpen);
        let t2 = b.allow(&c, 10).unwrap();
        b.record(&c, 11, t1, true);
        b.record(&c, 11, t2, false);
        assert_eq!(
            b.state(),
            State::Open { until: 21 },
            "1 of 2 trials failed = 50 %"
        );
    }

    #[test]
    fn window_slides() {
        let c = CircuitBreakerConfig {
            window: 3,
            minimum_calls: 3,
            failure_rate: 0.6,
            ..cfg()
        };
        let mut b = CircuitBreaker::new(&c);
        for failed in [true, false, false, true, false] {
            let e = b.allow(&c, 0).unwrap();
            b.record(&c, 0, e, failed);
            assert_eq!(b.state(), State::Closed, "never 2 of the last 3");
        }
        let e = b.allow(&c, 0).unwrap();
        b.record(&c, 0, e, true); // last three: true, false, true
        assert!(matches!(b.state(), State::Open { .. }));
    }
}
