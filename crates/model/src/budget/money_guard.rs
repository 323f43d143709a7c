//! Seed 001's money budget guard: daily and monthly spending limits checked
//! before every attempt, with warning and critical levels and a strict mode.

use retrysim_engine::time::NANOS_PER_SEC;
use retrysim_engine::{Nanos, SimRng};
use serde::{Deserialize, Serialize};

use super::{GuardReport, Hooks, RetryAdvice, Ticket};
use crate::outcome::{FailureReason, Outcome};
use crate::scenario::error::Errors;
use crate::scenario::values::{not_below, num_ok, share, within};

/// The money guard as written in a scenario (defaults: seed 001's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MoneySpec {
    /// Dollars per day.
    pub daily_limit: f64,
    /// Dollars per 30-day month.
    pub monthly_limit: f64,
    /// Warning share of the daily limit.
    pub warning: f64,
    /// Critical share of the daily limit.
    pub critical: f64,
    /// In critical, double the backoff base delay.
    pub strict: bool,
    /// `reserve` (debit before, settle after) or `post` (check, add after).
    pub accounting: AccountingSpec,
    /// Dollars assumed per attempt (default: the mean cost of a request under
    /// the scenario's `cost`).
    pub estimate: Option<f64>,
    /// Dollars already spent today and this month at t = 0.
    pub initial_spent: f64,
}

impl Default for MoneySpec {
    fn default() -> Self {
        Self {
            daily_limit: 50.0,
            monthly_limit: 800.0,
            warning: 0.5,
            critical: 0.8,
            strict: false,
            accounting: AccountingSpec::Reserve,
            estimate: None,
            initial_spent: 0.0,
        }
    }
}

/// Money guard accounting, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountingSpec {
    /// Debit the estimate before the attempt, settle after.
    #[default]
    Reserve,
    /// Check the settled total, add the cost after.
    Post,
}

impl MoneySpec {
    /// Validates the spec; `at` names a field of the budget; `mean_cost` is
    /// the default estimate.
    pub(crate) fn compile(
        &self,
        errs: &mut Errors,
        at: &dyn Fn(&str) -> String,
        mean_cost: Option<f64>,
    ) -> MoneyGuard {
        let g = self;
        let estimate = match (g.estimate, mean_cost) {
            (Some(e), _) => within(errs, &at("money.estimate"), e, 0.0, 1e9),
            (None, Some(m)) => m,
            (None, None) => {
                errs.push(at("money.estimate"), "the scenario has no `cost`: give the guard an `estimate` in dollars per attempt".into());
                0.0
            }
        };
        errs.check(
            num_ok(g.daily_limit) && g.daily_limit > 0.0,
            at("money.daily_limit"),
            || format!("must be > 0 dollars, got {}", g.daily_limit),
        );
        errs.check(
            num_ok(g.monthly_limit) && g.monthly_limit > 0.0,
            at("money.monthly_limit"),
            || format!("must be > 0 dollars, got {}", g.monthly_limit),
        );
        let warning = share(errs, &at("money.warning"), g.warning);
        let critical = share(errs, &at("money.critical"), g.critical);
        errs.check(not_below(critical, warning), at("money.critical"), || {
            format!("must be >= warning ({warning}), got {critical}")
        });
        MoneyGuard::new(MoneyGuardConfig {
            daily_limit: g.daily_limit,
            monthly_limit: g.monthly_limit,
            warning,
            critical,
            strict: g.strict,
            accounting: match g.accounting {
                AccountingSpec::Reserve => Accounting::Reserve,
                AccountingSpec::Post => Accounting::Post,
            },
            estimate,
            initial_spent: within(errs, &at("money.initial_spent"), g.initial_spent, 0.0, 1e12),
        })
    }
}

/// When spend is counted against the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accounting {
    /// Debit the estimate before the attempt (under a lock), settle after:
    /// in-flight calls count, so the limit holds.
    Reserve,
    /// Check the settled total, add the cost when the call completes (seed
    /// 001's racy version): in-flight calls all pass the check.
    Post,
}

/// Validated parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MoneyGuardConfig {
    /// Dollars per (virtual) day.
    pub daily_limit: f64,
    /// Dollars per 30-day month.
    pub monthly_limit: f64,
    /// Share of the daily limit that is a warning.
    pub warning: f64,
    /// Share of the daily limit that is critical.
    pub critical: f64,
    /// In critical, double the backoff's base delay.
    pub strict: bool,
    /// Reserve or post.
    pub accounting: Accounting,
    /// Dollars assumed per attempt before it is made.
    pub estimate: f64,
    /// Dollars already spent this day and month at t = 0.
    pub initial_spent: f64,
}

/// How close spending is to the daily limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Below the warning share.
    Healthy,
    /// At or above warning.
    Warning,
    /// At or above critical.
    Critical,
}

const DAY: Nanos = 86_400 * NANOS_PER_SEC;
const MONTH: Nanos = 30 * DAY;

/// One client's guard.
#[derive(Debug, Clone, PartialEq)]
pub struct MoneyGuard {
    cfg: MoneyGuardConfig,
    day_spent: f64,
    month_spent: f64,
    reserved: f64,
    day: u64,
    month: u64,
}

impl Hooks for MoneyGuard {
    fn may_refuse_attempts(&self) -> bool {
        true
    }
    fn before_attempt(
        &mut self,
        now: Nanos,
        ticket: &mut Ticket,
        _rng: &mut SimRng,
    ) -> Result<(), FailureReason> {
        ticket.reserved = self.admit(now).ok_or(FailureReason::BudgetRefused)?;
        Ok(())
    }

    fn attempt_refused(&mut self, now: Nanos, ticket: &mut Ticket) {
        self.settle(now, ticket.reserved, 0.0);
        ticket.reserved = false;
    }

    fn on_outcome(&mut self, now: Nanos, ticket: &Ticket, outcome: Outcome, cost: f64) {
        // What the client knows it spent: the bill on success, the
        // reservation (an estimate) on a timeout that may have been billed,
        // nothing for a refusal.
        let spent = match outcome {
            Outcome::Success => cost,
            Outcome::Timeout => self.cfg.estimate,
            _ => 0.0,
        };
        self.settle(now, ticket.reserved, spent);
    }

    fn before_retry(&mut self, _now: Nanos, _ticket: &mut Ticket, _failed: Outcome) -> RetryAdvice {
        if self.cfg.strict && self.level() == Level::Critical {
            RetryAdvice::DoubleBase
        } else {
            RetryAdvice::Allow
        }
    }

    fn report(&self, report: &mut GuardReport) {
        let over = self.day_spent - self.cfg.daily_limit;
        report.money_overshoot = Some(report.money_overshoot.unwrap_or(0.0).max(over));
    }
}

impl MoneyGuard {
    /// A guard at the start of a day and month.
    pub fn new(cfg: MoneyGuardConfig) -> Self {
        Self {
            cfg,
            day_spent: cfg.initial_spent,
            month_spent: cfg.initial_spent,
            reserved: 0.0,
            day: 0,
            month: 0,
        }
    }

    fn roll(&mut self, now: Nanos) {
        if now / DAY != self.day {
            self.day = now / DAY;
            self.day_spent = 0.0;
        }
        if now / MONTH != self.month {
            self.month = now / MONTH;
            self.month_spent = 0.0;
        }
    }

    /// Asks to send an attempt: whether the estimate was reserved for it
    /// (in reserve mode), or `None` when the limit would be crossed.
    pub fn admit(&mut self, now: Nanos) -> Option<bool> {
        self.roll(now);
        let cfg = self.cfg;
        let pending = match cfg.accounting {
            Accounting::Reserve => self.reserved,
            Accounting::Post => 0.0,
        };
        if self.day_spent + pending + cfg.estimate > cfg.daily_limit
            || self.month_spent + pending + cfg.estimate > cfg.monthly_limit
        {
            return None;
        }
        match cfg.accounting {
            Accounting::Reserve => {
                self.reserved += cfg.estimate;
                Some(true)
            }
            Accounting::Post => Some(false),
        }
    }

    /// Settles an attempt: releases its reservation, if it had one, and adds
    /// what it cost.
    pub fn settle(&mut self, now: Nanos, reserved: bool, cost: f64) {
        self.roll(now);
        if reserved {
            self.reserved = (self.reserved - self.cfg.estimate).max(0.0);
        }
        self.day_spent += cost;
        self.month_spent += cost;
    }

    /// The level of today's spending.
    pub fn level(&self) -> Level {
        let share = self.day_spent / self.cfg.daily_limit;
        if share >= self.cfg.critical {
            Level::Critical
        } else if share >= self.cfg.warning {
            Level::Warning
        } else {
            Level::Healthy
        }
    }

    /// Spent today (settled).
    #[cfg(test)]
    pub fn day_spent(&self) -> f64 {
        self.day_spent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(accounting: Accounting) -> MoneyGuardConfig {
        MoneyGuardConfig {
            daily_limit: 100.0,
            monthly_limit: 800.0,
            warning: 0.5,
            critical: 0.8,
            strict: true,
            accounting,
            estimate: 20.0,
            initial_spent: 90.0,
        }
    }

    /// Seed 001's race: two calls at 90/100 with a cost of 20.
    #[test]
    fn reserve_refuses_what_post_lets_through() {
        let c = MoneyGuardConfig {
            initial_spent: 70.0,
            ..cfg(Accounting::Reserve)
        };
        let mut g = MoneyGuard::new(c);
        assert_eq!(g.admit(0), Some(true));
        assert_eq!(g.admit(0), None, "the first call's reservation counts");
        g.settle(1, true, 20.0);
        assert_eq!(g.day_spent(), 90.0);

        let c = MoneyGuardConfig {
            initial_spent: 70.0,
            ..cfg(Accounting::Post)
        };
        let mut g = MoneyGuard::new(c);
        assert_eq!(g.admit(0), Some(false));
        assert_eq!(
            g.admit(0),
            Some(false),
            "both in-flight calls pass the check"
        );
        g.settle(1, false, 20.0);
        g.settle(1, false, 20.0);
        assert_eq!(g.day_spent(), 110.0, "overspent by one call");
        assert_eq!(g.admit(2), None);
    }

    #[test]
    fn levels_and_daily_reset() {
        let c = MoneyGuardConfig {
            initial_spent: 0.0,
            ..cfg(Accounting::Reserve)
        };
        let mut g = MoneyGuard::new(c);
        assert_eq!(g.level(), Level::Healthy);
        g.settle(0, false, 50.0);
        assert_eq!(g.level(), Level::Warning);
        g.settle(0, false, 30.0);
        assert_eq!(g.level(), Level::Critical);
        assert_eq!(g.admit(0), Some(true), "80 + 20 = 100 is allowed");
        assert_eq!(g.admit(0), None, "but not above");
        // Next day: the daily total resets, the monthly one does not.
        assert_eq!(g.admit(DAY), Some(true));
        assert_eq!(g.level(), Level::Healthy);
    }

    #[test]
    fn monthly_limit_binds_across_days() {
        let c = MoneyGuardConfig {
            initial_spent: 0.0,
            monthly_limit: 150.0,
            ..cfg(Accounting::Reserve)
        };
        let mut g = MoneyGuard::new(c);
        g.settle(0, false, 80.0);
        g.settle(DAY, false, 60.0);
        assert_eq!(g.admit(DAY), None, "140 + 20 > 150 this month");
    }
}
