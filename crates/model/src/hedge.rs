//! Hedged requests, as gRPC's hedging policy defines them (docs/model.md
//! §12): after a delay without an answer the client sends another copy of
//! the attempt, up to `max_copies` in all; the first success wins and the
//! other copies' answers are ignored (the server may drop the ones still
//! queued, with `cancel_losers`). The delay is fixed, or a quantile of the
//! latency of this role's recent successful attempts; a budget bounds the
//! extra copies to a share of the requests.

use retrysim_engine::Nanos;
use serde::{Deserialize, Serialize};

use crate::scenario::error::Errors;
use crate::scenario::values::{secs, within};

fn two() -> u32 {
    2
}

/// A policy's hedging, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HedgeSpec {
    /// Seconds without an answer before the next copy (with `quantile`:
    /// until enough latencies have been seen).
    pub delay: f64,
    /// Hedge after this quantile of the recent successful attempts'
    /// latency instead (e.g. 0.95), once 100 have been seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantile: Option<f64>,
    /// Copies of an attempt at most, the first included (default 2).
    #[serde(default = "two")]
    pub max_copies: u32,
    /// Whether a service drops a losing copy it has not started (default
    /// false: the server never learns that another copy won).
    #[serde(default)]
    pub cancel_losers: bool,
    /// Extra copies at most this percentage of requests (default none):
    /// each request earns percent/100 of a token, at most 10 saved, a copy
    /// spends one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_percent: Option<f64>,
}

/// Latencies kept for the quantile.
const WINDOW: usize = 1000;
/// The quantile is recomputed after this many new latencies, and first
/// used once this many have been seen.
const REFRESH: u32 = 100;
/// Most tokens the budget saves.
const BUDGET_CAP: f64 = 10.0;

/// Hedging, validated.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hedge {
    /// Fixed (or initial) delay.
    pub delay: Nanos,
    /// Quantile of recent latency to use instead.
    pub quantile: Option<f64>,
    /// Copies of an attempt at most.
    pub max_copies: u8,
    /// Services drop losing copies not yet started.
    pub cancel_losers: bool,
    /// Tokens per request, if budgeted.
    pub budget: Option<f64>,
}

impl HedgeSpec {
    /// Validates the hedging of the policy at `at("hedge")`.
    pub(crate) fn compile(&self, errs: &mut Errors, at: &dyn Fn(&str) -> String) -> Hedge {
        let delay = secs(errs, &at("hedge.delay"), self.delay, false);
        if let Some(q) = self.quantile {
            errs.check(q > 0.0 && q < 1.0, at("hedge.quantile"), || {
                format!("must be a quantile strictly between 0 and 1 (0.95 hedges after the 95th percentile), got {q}")
            });
        }
        let quantile = self.quantile;
        errs.check(
            (2..=10).contains(&self.max_copies),
            at("hedge.max_copies"),
            || {
                format!(
                    "must be between 2 and 10 (it counts the first copy), got {}",
                    self.max_copies
                )
            },
        );
        let budget = self
            .budget_percent
            .map(|p| within(errs, &at("hedge.budget_percent"), p, 0.0, 1000.0) / 100.0);
        Hedge {
            delay,
            quantile,
            max_copies: self.max_copies.clamp(2, 10) as u8,
            cancel_losers: self.cancel_losers,
            budget,
        }
    }
}

/// One client role's hedging state: recent latencies and the budget.
#[derive(Debug, Clone)]
pub(crate) struct Hedging {
    config: Hedge,
    /// The last latencies of successful attempts (a ring).
    seen: Vec<Nanos>,
    /// Next slot of the ring.
    next: usize,
    /// Latencies since the quantile was last computed.
    fresh: u32,
    /// The delay in force.
    delay: Nanos,
    /// Saved budget tokens.
    tokens: f64,
    /// Copies sent beyond the first.
    pub sent: u64,
}

impl Hedging {
    pub fn new(config: &Hedge) -> Self {
        Self {
            delay: config.delay,
            tokens: BUDGET_CAP,
            config: config.clone(),
            seen: Vec::new(),
            next: 0,
            fresh: 0,
            sent: 0,
        }
    }

    /// Copies of an attempt at most.
    pub fn max_copies(&self) -> u8 {
        self.config.max_copies
    }

    /// How long to wait before the next copy.
    pub fn delay(&self) -> Nanos {
        self.delay
    }

    /// A request arrived: the budget earns its share.
    pub fn on_request(&mut self) {
        if let Some(per) = self.config.budget {
            self.tokens = (self.tokens + per).min(BUDGET_CAP);
        }
    }

    /// Whether another copy may go out now; it is counted if so.
    pub fn may_send(&mut self) -> bool {
        if self.config.budget.is_some() {
            if self.tokens < 1.0 {
                return false;
            }
            self.tokens -= 1.0;
        }
        self.sent += 1;
        true
    }

    /// An attempt succeeded `latency` after it was first sent.
    pub fn observe(&mut self, latency: Nanos) {
        let Some(q) = self.config.quantile else {
            return;
        };
        if self.seen.len() < WINDOW {
            self.seen.push(latency);
        } else {
            self.seen[self.next] = latency;
        }
        self.next = (self.next + 1) % WINDOW;
        self.fresh += 1;
        if self.fresh >= REFRESH {
            self.fresh = 0;
            let mut sorted = self.seen.clone();
            let k = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
            let (_, v, _) = sorted.select_nth_unstable(k);
            self.delay = *v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(quantile: Option<f64>, budget: Option<f64>) -> Hedge {
        Hedge {
            delay: 7,
            quantile,
            max_copies: 2,
            cancel_losers: false,
            budget,
        }
    }

    #[test]
    fn the_delay_follows_the_quantile_of_recent_latency_once_enough_are_seen() {
        let mut h = Hedging::new(&config(Some(0.95), None));
        for i in 1..=99 {
            h.observe(i);
        }
        assert_eq!(h.delay(), 7, "the initial delay until 100 are seen");
        h.observe(100);
        assert_eq!(h.delay(), 95, "the 95th of 1..=100");
        // The window forgets: 1 000 latencies of 1 000 ns replace them.
        for _ in 0..1000 {
            h.observe(1000);
        }
        assert_eq!(h.delay(), 1000);
        let mut fixed = Hedging::new(&config(None, None));
        fixed.observe(1);
        assert_eq!(fixed.delay(), 7);
    }

    #[test]
    fn a_budget_bounds_copies_to_its_share_of_requests() {
        let mut h = Hedging::new(&config(None, Some(0.1)));
        // 10 saved tokens, then one per 10 requests.
        let mut sent = 0;
        for _ in 0..1000 {
            h.on_request();
            if h.may_send() {
                sent += 1;
            }
        }
        assert_eq!(sent, 10 + 100 - 1, "10 saved, then 0.1 per request");
        assert_eq!(h.sent, sent);
    }
}
