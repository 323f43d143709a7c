//! Seed 001's money budget guard: daily and monthly spending limits checked
//! before every attempt, with warning and critical levels and a strict mode.

use retrysim_engine::Nanos;
use retrysim_engine::time::NANOS_PER_SEC;

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

/// Parameters (seed 001: $50 a day, $800 a month, 50 % and 80 %).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MoneyGuardConfig {
    /// Dollars per (virtual) day.
    pub daily_limit: f64,
    /// Dollars per 30-day month.
    pub monthly_limit: f64,
    /// Share of the daily limit that is a warning (0.5).
    pub warning: f64,
    /// Share of the daily limit that is critical (0.8).
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
    day_spent: f64,
    month_spent: f64,
    reserved: f64,
    day: u64,
    month: u64,
}

impl MoneyGuard {
    /// A guard at the start of a day and month.
    pub fn new(cfg: &MoneyGuardConfig) -> Self {
        Self {
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

    /// Asks to send an attempt: the amount reserved for it (0 in post mode),
    /// or `None` when the limit would be crossed.
    pub fn admit(&mut self, cfg: &MoneyGuardConfig, now: Nanos) -> Option<f64> {
        self.roll(now);
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
                Some(cfg.estimate)
            }
            Accounting::Post => Some(0.0),
        }
    }

    /// Settles an attempt: releases its reservation and adds what it cost.
    pub fn settle(&mut self, now: Nanos, reserved: f64, cost: f64) {
        self.roll(now);
        self.reserved = (self.reserved - reserved).max(0.0);
        self.day_spent += cost;
        self.month_spent += cost;
    }

    /// The level of today's spending.
    pub fn level(&self, cfg: &MoneyGuardConfig) -> Level {
        let share = self.day_spent / cfg.daily_limit;
        if share >= cfg.critical {
            Level::Critical
        } else if share >= cfg.warning {
            Level::Warning
        } else {
            Level::Healthy
        }
    }

    /// Spent today (settled).
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
        let mut g = MoneyGuard::new(&c);
        assert_eq!(g.admit(&c, 0), Some(20.0));
        assert_eq!(g.admit(&c, 0), None, "the first call's reservation counts");
        g.settle(1, 20.0, 20.0);
        assert_eq!(g.day_spent(), 90.0);

        let c = MoneyGuardConfig {
            initial_spent: 70.0,
            ..cfg(Accounting::Post)
        };
        let mut g = MoneyGuard::new(&c);
        assert_eq!(g.admit(&c, 0), Some(0.0));
        assert_eq!(
            g.admit(&c, 0),
            Some(0.0),
            "both in-flight calls pass the check"
        );
        g.settle(1, 0.0, 20.0);
        g.settle(1, 0.0, 20.0);
        assert_eq!(g.day_spent(), 110.0, "overspent by one call");
        assert_eq!(g.admit(&c, 2), None);
    }

    #[test]
    fn levels_and_daily_reset() {
        let c = MoneyGuardConfig {
            initial_spent: 0.0,
            ..cfg(Accounting::Reserve)
        };
        let mut g = MoneyGuard::new(&c);
        assert_eq!(g.level(&c), Level::Healthy);
        g.settle(0, 0.0, 50.0);
        assert_eq!(g.level(&c), Level::Warning);
        g.settle(0, 0.0, 30.0);
        assert_eq!(g.level(&c), Level::Critical);
        assert_eq!(g.admit(&c, 0), Some(20.0), "80 + 20 = 100 is allowed");
        assert_eq!(g.admit(&c, 0), None, "but not above");
        // Next day: the daily total resets, the monthly one does not.
        assert_eq!(g.admit(&c, DAY), Some(20.0));
        assert_eq!(g.level(&c), Level::Healthy);
    }

    #[test]
    fn monthly_limit_binds_across_days() {
        let c = MoneyGuardConfig {
            initial_spent: 0.0,
            monthly_limit: 150.0,
            ..cfg(Accounting::Reserve)
        };
        let mut g = MoneyGuard::new(&c);
        g.settle(0, 0.0, 80.0);
        g.settle(DAY, 0.0, 60.0);
        assert_eq!(g.admit(&c, DAY), None, "140 + 20 > 150 this month");
    }
}
