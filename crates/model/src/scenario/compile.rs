//! Validation: from the file's [`ScenarioSpec`] to a [`Scenario`] the
//! simulator can trust. Every rule lives here; nothing downstream re-checks.

use retrysim_engine::Nanos;
use retrysim_engine::time::{MAX_SECS, secs_to_nanos};

use super::error::{Errors, ScenarioError};
use super::spec::*;
use super::{CapacityDrop, LimiterConfig, Scenario, WorkersConfig};
use crate::backoff::{Backoff, Curve};
use crate::budget::GuardsConfig;
use crate::budget::adaptive_throttle::AdaptiveThrottleConfig;
use crate::budget::circuit_breaker::CircuitBreakerConfig;
use crate::budget::grpc_throttle::GrpcThrottleConfig;
use crate::budget::money_guard::{Accounting, MoneyGuardConfig};
use crate::budget::ratio_budget::RatioBudgetConfig;
use crate::budget::retry_quota::RetryQuotaConfig;
use crate::cost::CostModel;
use crate::distribution::Duration;
use crate::faults::{Faults, Outage, OutageMode};
use crate::jitter::Jitter;
use crate::outcome::Outcome;
use crate::policy::Policy;
use crate::rate_curve::RateCurve;
use crate::recovery::{RecoveryRule, SteadyWindow, TriggerScope};
use crate::retry_after::{BeyondCap, RetryAfterPolicy};
use crate::token_bucket::RetryAfterHeader;
use crate::workload::Workload;

/// Most replications a scenario may ask for.
pub const MAX_REPLICATIONS: u32 = 100_000;
/// Most bins a run may have ((duration + drain) / bin).
pub const MAX_BINS: f64 = 1_000_000.0;
/// Most requests a scenario may generate per replication (expected count).
pub const MAX_REQUESTS: f64 = 1e8;
/// Most attempts per request.
pub const MAX_ATTEMPTS: u32 = 1_000;
/// Largest arrival or limiter rate, per second.
pub const MAX_RATE: f64 = 1e8;

fn num_ok(v: f64) -> bool {
    v.is_finite()
}

/// `a >= b`, or either is NaN (a NaN is reported by the field's own check).
fn not_below(a: f64, b: f64) -> bool {
    a.partial_cmp(&b) != Some(std::cmp::Ordering::Less)
}

/// A share in [0, 1].
fn share(errs: &mut Errors, path: &str, v: f64) -> f64 {
    errs.check(num_ok(v) && (0.0..=1.0).contains(&v), path, || {
        format!("must be a share between 0 and 1, got {v}")
    });
    v
}

/// A finite number in `[lo, hi]`.
fn within(errs: &mut Errors, path: &str, v: f64, lo: f64, hi: f64) -> f64 {
    errs.check(num_ok(v) && v >= lo && v <= hi, path, || {
        format!("must be between {lo} and {hi}, got {v}")
    });
    v
}

/// A count distribution (tokens): the same shapes as durations, as numbers.
fn amount(errs: &mut Errors, path: &str, d: &DurationSpec) -> Duration {
    let mut sub = Errors::default();
    let out = duration(&mut sub, path, d);
    for e in sub.0 {
        errs.push(e.path, e.message.replace("a number of seconds", "a count"));
    }
    out
}

/// Seconds ≥ 0 (or > 0 with `positive`), converted to nanoseconds.
fn secs(errs: &mut Errors, path: &str, v: f64, positive: bool) -> Nanos {
    let ok = num_ok(v) && v <= MAX_SECS && if positive { v > 0.0 } else { v >= 0.0 };
    let rule = if positive { "> 0" } else { ">= 0" };
    errs.check(ok, path, || {
        format!("must be a number of seconds {rule} and <= {MAX_SECS:e}, got {v}")
    });
    let ns = secs_to_nanos(v).unwrap_or(0);
    if ok && positive && ns == 0 {
        errs.push(path, format!("must be at least 1 ns, got {v}"));
    }
    ns
}

fn duration(errs: &mut Errors, path: &str, d: &DurationSpec) -> Duration {
    match *d {
        DurationSpec::Constant { value } => {
            Duration::Constant(secs(errs, &format!("{path}.value"), value, false))
        }
        DurationSpec::Uniform { low, high } => {
            secs(errs, &format!("{path}.low"), low, false);
            secs(errs, &format!("{path}.high"), high, false);
            errs.check(not_below(high, low), format!("{path}.high"), || {
                format!("must be >= low ({low}), got {high}")
            });
            Duration::Uniform {
                low,
                span: (high - low).max(0.0),
            }
        }
        DurationSpec::Exponential { mean } => {
            secs(errs, &format!("{path}.mean"), mean, true);
            Duration::Exponential { mean }
        }
        DurationSpec::Lognormal { median, p99 } => {
            secs(errs, &format!("{path}.median"), median, true);
            secs(errs, &format!("{path}.p99"), p99, true);
            errs.check(not_below(p99, median), format!("{path}.p99"), || {
                format!("must be >= median ({median}), got {p99}")
            });
            errs.check(
                !(p99 > 0.0 && median > 0.0 && p99 / median > 1e6),
                format!("{path}.p99"),
                || format!("p99 / median must be <= 1e6, got {}", p99 / median),
            );
            if median > 0.0 && p99 >= median {
                Duration::lognormal(median, p99)
            } else {
                Duration::Constant(0)
            }
        }
    }
}

fn workload(errs: &mut Errors, w: &WorkloadSpec, duration_s: f64) -> (Workload, u32) {
    match w {
        WorkloadSpec::Open { rate, clients } => {
            errs.check(!rate.is_empty(), "workload.rate", || {
                "must list at least one [seconds, qps] point".into()
            });
            let mut prev_t = 0.0f64;
            for (i, &[t, qps]) in rate.iter().enumerate() {
                let p = format!("workload.rate[{i}]");
                errs.check(
                    num_ok(t) && (0.0..=MAX_SECS).contains(&t),
                    format!("{p}[0]"),
                    || format!("time must be between 0 and {MAX_SECS:e} s, got {t}"),
                );
                errs.check(
                    num_ok(qps) && (0.0..=MAX_RATE).contains(&qps),
                    format!("{p}[1]"),
                    || format!("rate must be between 0 and {MAX_RATE:e} per second, got {qps}"),
                );
                errs.check(not_below(t, prev_t), format!("{p}[0]"), || {
                    format!("times must not decrease: {t} comes after {prev_t}")
                });
                prev_t = prev_t.max(t);
            }
            errs.check(
                (1..=10_000_000).contains(clients),
                "workload.clients",
                || format!("must be between 1 and 10000000, got {clients}"),
            );
            let points: Vec<(f64, f64)> = rate.iter().map(|p| (p[0], p[1])).collect();
            let curve = RateCurve::new(if points.is_empty() {
                vec![(0.0, 0.0)]
            } else {
                points
            });
            if errs.0.is_empty() {
                let expected = curve.integral(0.0, duration_s);
                errs.check(expected <= MAX_REQUESTS, "workload.rate", || {
                    format!("would generate about {expected:.3e} requests per replication; the limit is {MAX_REQUESTS:e} (shorten `duration` or lower the rate)")
                });
            }
            (Workload::Open { rate: curve }, *clients)
        }
        WorkloadSpec::Closed {
            users,
            think,
            clients,
        } => {
            errs.check((1..=1_000_000).contains(users), "workload.users", || {
                format!("must be between 1 and 1000000, got {users}")
            });
            errs.check(
                (1..=10_000_000).contains(clients),
                "workload.clients",
                || format!("must be between 1 and 10000000, got {clients}"),
            );
            let think = duration(errs, "workload.think", think);
            let mean = think.mean_secs();
            errs.check(
                mean <= 0.0 || (*users as f64) * duration_s / mean <= MAX_REQUESTS,
                "workload.think",
                || format!("{users} users thinking {mean} s would send over {MAX_REQUESTS:e} requests; think longer or shorten `duration`"),
            );
            (
                Workload::Closed {
                    users: *users,
                    think,
                },
                *clients,
            )
        }
        WorkloadSpec::Batch {
            requests,
            spread,
            clients,
        } => {
            errs.check(
                (1..=MAX_REQUESTS as u64).contains(requests),
                "workload.requests",
                || format!("must be between 1 and {MAX_REQUESTS:e}, got {requests}"),
            );
            let spread = secs(errs, "workload.spread", *spread, false);
            errs.check(
                (1..=10_000_000).contains(clients),
                "workload.clients",
                || format!("must be between 1 and 10000000, got {clients}"),
            );
            (
                Workload::Batch {
                    requests: *requests,
                    spread,
                },
                *clients,
            )
        }
    }
}

fn cap(errs: &mut Errors, path: &str, cap: Option<f64>, base: f64) -> Nanos {
    match cap {
        None => Nanos::MAX,
        Some(c) => {
            let ns = secs(errs, path, c, false);
            errs.check(not_below(c, base), path, || {
                format!("must be >= base ({base}), got {c}")
            });
            ns
        }
    }
}

fn policy(errs: &mut Errors, i: usize, p: &PolicySpec, mean_cost: Option<f64>) -> Policy {
    let at = |f: &str| format!("policies[{i}].{f}");
    errs.check(!p.name.trim().is_empty(), at("name"), || {
        "must not be empty".into()
    });
    errs.check(
        (1..=MAX_ATTEMPTS).contains(&p.max_attempts),
        at("max_attempts"),
        || {
            format!(
                "must be between 1 and {MAX_ATTEMPTS} (it counts the first try), got {}",
                p.max_attempts
            )
        },
    );
    let timeout = secs(errs, &at("timeout"), p.timeout, true);
    let deadline = p.deadline.map(|d| secs(errs, &at("deadline"), d, true));
    let backoff = match p.backoff {
        BackoffSpec::None {} => Backoff::NONE,
        BackoffSpec::Constant { base, cap: c } => Backoff {
            curve: Curve::Constant,
            base: secs(errs, &at("backoff.base"), base, false),
            cap: cap(errs, &at("backoff.cap"), c, base),
        },
        BackoffSpec::Linear { base, cap: c } => Backoff {
            curve: Curve::Linear,
            base: secs(errs, &at("backoff.base"), base, false),
            cap: cap(errs, &at("backoff.cap"), c, base),
        },
        BackoffSpec::Exponential {
            base,
            factor,
            cap: c,
        } => {
            errs.check(
                num_ok(factor) && (1.0..=100.0).contains(&factor),
                at("backoff.factor"),
                || format!("must be between 1 and 100, got {factor}"),
            );
            Backoff {
                curve: Curve::Exponential { factor },
                base: secs(errs, &at("backoff.base"), base, false),
                cap: cap(errs, &at("backoff.cap"), c, base),
            }
        }
    };
    let jitter = match p.jitter {
        JitterSpec::None {} => Jitter::None,
        JitterSpec::Full {} => Jitter::Full,
        JitterSpec::Equal {} => Jitter::Equal,
        JitterSpec::Decorrelated {} => {
            errs.check(backoff.base > 0, at("jitter"), || {
                "decorrelated jitter draws from [base, 3·previous]: give the policy a backoff with base > 0".into()
            });
            Jitter::Decorrelated
        }
        JitterSpec::Proportional { fraction } => {
            errs.check(
                num_ok(fraction) && (0.0..=100.0).contains(&fraction),
                at("jitter.fraction"),
                || format!("must be between 0 and 100, got {fraction}"),
            );
            Jitter::Proportional { fraction }
        }
        JitterSpec::Multiplicative { low, high } => {
            errs.check(
                num_ok(low) && (0.0..=100.0).contains(&low),
                at("jitter.low"),
                || format!("must be between 0 and 100, got {low}"),
            );
            errs.check(
                num_ok(high) && high >= low && high <= 100.0,
                at("jitter.high"),
                || format!("must be between low ({low}) and 100, got {high}"),
            );
            Jitter::Multiplicative { low, high }
        }
        JitterSpec::Additive { max } => Jitter::Additive {
            max: secs(errs, &at("jitter.max"), max, false),
        },
    };
    let retry_after = match p.retry_after {
        RetryAfterSpec::Ignore {} => RetryAfterPolicy::Ignore,
        RetryAfterSpec::Obey { cap, beyond_cap } => RetryAfterPolicy::Obey {
            cap: cap.map(|c| secs(errs, &at("retry_after.cap"), c, false)),
            beyond_cap: match beyond_cap {
                BeyondCapSpec::GiveUp => BeyondCap::GiveUp,
                BeyondCapSpec::UseCap => BeyondCap::UseCap,
            },
        },
        RetryAfterSpec::Clamp { extra } => RetryAfterPolicy::Clamp {
            extra: secs(errs, &at("retry_after.extra"), extra, false),
        },
    };
    let m = &p.delay_multiplier;
    let mut delay_multiplier = [1.0; Outcome::ALL.len()];
    for (o, v, name) in [
        (Outcome::RateLimited, m.rate_limited_429, "rate_limited_429"),
        (Outcome::Unavailable, m.unavailable_503, "unavailable_503"),
        (Outcome::ServerError, m.server_error_5xx, "server_error_5xx"),
        (Outcome::Timeout, m.timeout, "timeout"),
        (
            Outcome::ConnectionError,
            m.connection_error,
            "connection_error",
        ),
    ] {
        delay_multiplier[o as usize] = within(
            errs,
            &at(&format!("delay_multiplier.{name}")),
            v,
            0.0,
            1000.0,
        );
    }
    Policy {
        name: p.name.clone(),
        max_attempts: p.max_attempts,
        timeout,
        deadline,
        backoff,
        jitter,
        retry_after,
        delay_multiplier,
        cancel_on_timeout: p.cancel_on_timeout,
        guards: guards(errs, i, &p.budget, mean_cost),
    }
}

fn guards(errs: &mut Errors, i: usize, b: &BudgetSpec, mean_cost: Option<f64>) -> GuardsConfig {
    let at = |f: &str| format!("policies[{i}].budget.{f}");
    let retry_quota = b.retry_quota.as_ref().map(|q| {
        errs.check(q.capacity >= 1, at("retry_quota.capacity"), || {
            format!("must be at least 1, got {}", q.capacity)
        });
        errs.check(q.initial <= q.capacity, at("retry_quota.initial"), || {
            format!(
                "must be at most capacity ({}), got {}",
                q.capacity, q.initial
            )
        });
        RetryQuotaConfig {
            capacity: q.capacity,
            initial: q.initial,
            retry_cost: q.retry_cost,
            timeout_cost: q.timeout_cost,
            success_increment: q.success_increment,
        }
    });
    let grpc_throttle = b.grpc_throttle.as_ref().map(|g| {
        errs.check(
            num_ok(g.max_tokens) && g.max_tokens > 0.0 && g.max_tokens <= 1000.0,
            at("grpc_throttle.max_tokens"),
            || format!("must be > 0 and <= 1000 (gRFC A6), got {}", g.max_tokens),
        );
        errs.check(
            num_ok(g.token_ratio) && g.token_ratio >= 0.001 && g.token_ratio <= 1000.0,
            at("grpc_throttle.token_ratio"),
            || {
                format!(
                    "must be > 0 (at least 0.001) and <= 1000, got {}",
                    g.token_ratio
                )
            },
        );
        GrpcThrottleConfig {
            max_tokens: g.max_tokens,
            token_ratio: g.token_ratio,
        }
    });
    let ratio = b.ratio.as_ref().map(|r| RatioBudgetConfig {
        percent: within(errs, &at("ratio.percent"), r.percent, 0.0, 1e6),
        min_per_second: within(
            errs,
            &at("ratio.min_per_second"),
            r.min_per_second,
            0.0,
            1e9,
        ),
        window_s: within(errs, &at("ratio.window"), r.window as f64, 1.0, 3600.0) as u32,
    });
    let circuit_breaker = b.circuit_breaker.as_ref().map(|c| {
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
        CircuitBreakerConfig {
            window: c.window,
            minimum_calls: c.minimum_calls,
            failure_rate: c.failure_rate,
            open_for: secs(errs, &at("circuit_breaker.open_for"), c.open_for, true),
            half_open_calls: c.half_open_calls,
        }
    });
    let adaptive_throttle = b
        .adaptive_throttle
        .as_ref()
        .map(|a| AdaptiveThrottleConfig {
            k: within(errs, &at("adaptive_throttle.k"), a.k, 0.001, 1000.0),
            window_s: within(
                errs,
                &at("adaptive_throttle.window"),
                a.window as f64,
                1.0,
                3600.0,
            ) as u32,
        });
    let money = b.money.as_ref().map(|g| {
        let estimate = match (g.estimate, mean_cost) {
            (Some(e), _) => within(errs, &at("money.estimate"), e, 0.0, 1e9),
            (None, Some(m)) => m,
            (None, None) => {
                errs.push(at("money.estimate"), "the scenario has no `cost`: give the guard an `estimate` in dollars per attempt".into());
                0.0
            }
        };
        errs.check(num_ok(g.daily_limit) && g.daily_limit > 0.0, at("money.daily_limit"), || {
            format!("must be > 0 dollars, got {}", g.daily_limit)
        });
        errs.check(num_ok(g.monthly_limit) && g.monthly_limit > 0.0, at("money.monthly_limit"), || {
            format!("must be > 0 dollars, got {}", g.monthly_limit)
        });
        let warning = share(errs, &at("money.warning"), g.warning);
        let critical = share(errs, &at("money.critical"), g.critical);
        errs.check(not_below(critical, warning), at("money.critical"), || {
            format!("must be >= warning ({warning}), got {critical}")
        });
        MoneyGuardConfig {
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
        }
    });
    GuardsConfig {
        retry_quota,
        grpc_throttle,
        ratio,
        circuit_breaker,
        adaptive_throttle,
        money,
    }
}

/// Validates `triggers`: load spikes are folded into the open workload's
/// rate, outages appended to the outage windows; capacity drops come back
/// in time order (they may not overlap).
fn triggers(
    errs: &mut Errors,
    s: &ScenarioSpec,
    workload: &mut Workload,
    outages: &mut Vec<Outage>,
    concurrency: Option<u64>,
) -> Vec<CapacityDrop> {
    let mut drops = Vec::new();
    for (i, t) in s.triggers.iter().enumerate() {
        let at = |f: &str| format!("triggers[{i}].{f}");
        let (start_s, duration_s) = t.window();
        let start = secs(errs, &at("start"), start_s, false);
        let length = secs(errs, &at("duration"), duration_s, true);
        errs.check(
            !num_ok(s.duration) || !num_ok(start_s) || start_s < s.duration,
            at("start"),
            || {
                format!(
                    "must be within the load (< duration {}), got {start_s}",
                    s.duration
                )
            },
        );
        let end = start.saturating_add(length);
        match *t {
            TriggerSpec::LoadSpike { qps, .. } => {
                errs.check(
                    num_ok(qps) && (0.0..=MAX_RATE).contains(&qps),
                    at("qps"),
                    || format!("must be between 0 and {MAX_RATE:e} requests per second, got {qps}"),
                );
                match workload {
                    Workload::Open { rate } => {
                        if errs.0.is_empty() {
                            *rate = rate.with_step(start_s, start_s + duration_s, qps);
                            let expected = rate.integral(0.0, s.duration);
                            errs.check(expected <= MAX_REQUESTS, at("qps"), || {
                                format!("would generate about {expected:.3e} requests per replication; the limit is {MAX_REQUESTS:e}")
                            });
                        }
                    }
                    _ => errs.push(
                        format!("triggers[{i}]"),
                        "a load spike needs an open workload (workload.kind \"open\"); \
                         for closed or batch workloads raise `users` or `requests` instead"
                            .into(),
                    ),
                }
            }
            TriggerSpec::CapacityDrop {
                capacity, slowdown, ..
            } => {
                let capacity = share(errs, &at("capacity"), capacity);
                errs.check(
                    num_ok(slowdown) && (1.0..=1000.0).contains(&slowdown),
                    at("slowdown"),
                    || format!("must be a factor between 1 (unchanged) and 1000, got {slowdown}"),
                );
                if s.service.contention.is_some() {
                    errs.push(
                        format!("triggers[{i}]"),
                        "a capacity drop needs a worker pool (service.workers), not a contended record".into(),
                    );
                }
                errs.check(
                    capacity >= 1.0 || concurrency.is_some(),
                    at("capacity"),
                    || "a share of unbounded workers is still unbounded: set service.workers.concurrency, or use `slowdown`".into(),
                );
                drops.push((
                    i,
                    CapacityDrop {
                        start,
                        end,
                        concurrency: concurrency.map(|c| (c as f64 * capacity).round() as u64),
                        slowdown,
                    },
                ));
            }
            TriggerSpec::Outage { mode, .. } => outages.push(Outage {
                start,
                end,
                mode: outage_mode(mode),
            }),
        }
    }
    drops.sort_by_key(|(_, d)| d.start);
    for w in drops.windows(2) {
        let ((_, a), (j, b)) = (&w[0], &w[1]);
        errs.check(b.start >= a.end, format!("triggers[{j}].start"), || {
            "capacity drops must not overlap: start this one after the previous one ends".into()
        });
    }
    drops.into_iter().map(|(_, d)| d).collect()
}

fn outage_mode(m: OutageModeSpec) -> OutageMode {
    match m {
        OutageModeSpec::Drop => OutageMode::Drop,
        OutageModeSpec::Reset => OutageMode::Reset,
        OutageModeSpec::Error => OutageMode::Error,
        OutageModeSpec::Hang => OutageMode::Hang,
    }
}

/// Validates a parsed scenario, reporting every invalid field at once.
pub fn compile(spec: ScenarioSpec) -> Result<Scenario, ScenarioError> {
    let mut errs = Errors::default();
    let s = &spec;
    errs.check(
        !s.name.is_empty()
            && s.name.len() <= 100
            && s.name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            && !s.name.starts_with('.'),
        "name",
        || format!("must be 1-100 letters, digits, '-', '_' or '.' (it names the output folder), got {:?}", s.name),
    );
    errs.check(
        (1..=MAX_REPLICATIONS).contains(&s.replications),
        "replications",
        || {
            format!(
                "must be between 1 and {MAX_REPLICATIONS}, got {}",
                s.replications
            )
        },
    );
    let end_of_load = secs(&mut errs, "duration", s.duration, true);
    let drain = secs(&mut errs, "drain", s.drain, false);
    let bin = secs(&mut errs, "metrics.bin", s.metrics.bin, true);
    if s.metrics.bin > 0.0 && s.duration.is_finite() && s.drain.is_finite() {
        let bins = (s.duration + s.drain) / s.metrics.bin;
        errs.check(bins <= MAX_BINS, "metrics.bin", || {
            format!("(duration + drain) / bin = {bins:.0} bins; at most {MAX_BINS:e} are kept: widen metrics.bin or shorten duration and drain")
        });
    }
    let duration_ok = num_ok(s.duration) && s.duration > 0.0;
    let first_start = s
        .triggers
        .iter()
        .map(|t| t.window().0)
        .fold(None, |a: Option<f64>, b| Some(a.map_or(b, |a| a.min(b))));
    let trigger_s = s.metrics.trigger.or(first_start).unwrap_or(0.0);
    let trigger = secs(&mut errs, "metrics.trigger", trigger_s, false);
    errs.check(
        !duration_ok || not_below(s.duration, trigger_s),
        "metrics.trigger",
        || {
            format!(
                "must be within the load (<= duration {}), got {trigger_s}",
                s.duration
            )
        },
    );
    let t = s.metrics.threshold;
    errs.check(
        num_ok(t) && (0.0..=1.0).contains(&t),
        "metrics.threshold",
        || format!("must be a share between 0 and 1, got {t}"),
    );
    let window = secs(&mut errs, "metrics.window", s.metrics.window, true);

    let (mut workload, clients) = workload(&mut errs, &s.workload, s.duration);
    let latency = duration(&mut errs, "network.latency", &s.network.latency);
    let f = &s.network.faults;
    let faults = Faults {
        drop: share(&mut errs, "network.faults.drop", f.drop),
        reset: share(&mut errs, "network.faults.reset", f.reset),
        hang: share(&mut errs, "network.faults.hang", f.hang),
    };
    errs.check(
        f.drop + f.reset + f.hang <= 1.0 || f.drop.is_nan(),
        "network.faults",
        || {
            format!(
                "drop + reset + hang must be at most 1, got {}",
                f.drop + f.reset + f.hang
            )
        },
    );
    let mut outages: Vec<Outage> = s
        .service
        .outages
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let start = secs(
                &mut errs,
                &format!("service.outages[{i}].start"),
                o.start,
                false,
            );
            let end = secs(
                &mut errs,
                &format!("service.outages[{i}].end"),
                o.end,
                false,
            );
            errs.check(
                end > start || o.end.is_nan(),
                format!("service.outages[{i}].end"),
                || format!("must be after start ({}), got {}", o.start, o.end),
            );
            Outage {
                start,
                end,
                mode: outage_mode(o.mode),
            }
        })
        .collect();
    let client_error_share = share(
        &mut errs,
        "service.client_error_share",
        s.service.client_error_share,
    );
    let cost = s.cost.as_ref().map(|c| CostModel {
        input_tokens: amount(&mut errs, "cost.input_tokens", &c.input_tokens),
        output_tokens: amount(&mut errs, "cost.output_tokens", &c.output_tokens),
        price_in: within(&mut errs, "cost.price_in", c.price_in, 0.0, 1e6),
        price_out: within(&mut errs, "cost.price_out", c.price_out, 0.0, 1e6),
    });
    let mean_cost = cost.as_ref().map(CostModel::mean);

    let limiter = s.service.limiter.as_ref().map(|l| {
        errs.check(
            num_ok(l.rate) && l.rate >= 0.001 && l.rate <= MAX_RATE,
            "service.limiter.rate",
            || {
                format!(
                    "must be > 0 (at least 0.001) and <= {MAX_RATE:e} tokens per second, got {}",
                    l.rate
                )
            },
        );
        errs.check(
            num_ok(l.burst) && l.burst >= 1.0 && l.burst <= 1e6,
            "service.limiter.burst",
            || {
                format!(
                    "must be between 1 and 1e6 tokens (an attempt takes one), got {}",
                    l.burst
                )
            },
        );
        LimiterConfig {
            rate: l.rate,
            burst: l.burst,
            header: match l.retry_after {
                RetryAfterHeaderSpec::Header => RetryAfterHeader::Header,
                RetryAfterHeaderSpec::Exact => RetryAfterHeader::Exact,
                RetryAfterHeaderSpec::None => RetryAfterHeader::None,
            },
        }
    });
    let contention = s.service.contention.is_some();
    errs.check(s.service.workers.is_some() != contention, "service", || {
        if contention {
            "give either `workers` or `contention`, not both".into()
        } else {
            "needs `workers` (a worker pool) or `contention` (one contended record)".into()
        }
    });
    let workers = match &s.service.workers {
        Some(w) => {
            errs.check(
                w.concurrency.is_none_or(|c| c >= 1),
                "service.workers.concurrency",
                || "must be at least 1 (leave it out for unbounded)".into(),
            );
            WorkersConfig {
                concurrency: w.concurrency,
                queue_limit: w.queue_limit,
                service_time: duration(&mut errs, "service.workers.service_time", &w.service_time),
                congestion_slope: w.congestion.as_ref().map_or(0, |c| {
                    secs(
                        &mut errs,
                        "service.workers.congestion.slope",
                        c.slope,
                        false,
                    )
                }),
            }
        }
        None => WorkersConfig {
            concurrency: None,
            queue_limit: None,
            service_time: Duration::Constant(0),
            congestion_slope: 0,
        },
    };
    let capacity_drops = triggers(
        &mut errs,
        s,
        &mut workload,
        &mut outages,
        workers.concurrency,
    );
    let trigger_end = s
        .triggers
        .iter()
        .map(|t| {
            let (a, d) = t.window();
            secs_to_nanos(a + d).unwrap_or(0)
        })
        .fold(trigger, Nanos::max);
    let ms = &s.metrics.metastable;
    let margin = share(&mut errs, "metrics.metastable.margin", ms.margin);
    let steady = secs(&mut errs, "metrics.metastable.window", ms.window, true);
    let metastable = (!s.triggers.is_empty()
        && end_of_load >= trigger_end.saturating_add(steady.saturating_mul(2)))
    .then(|| SteadyWindow {
        from: end_of_load - steady,
        to: end_of_load,
        margin,
    });

    errs.check(!s.policies.is_empty(), "policies", || {
        "must list at least one policy".into()
    });
    let policies: Vec<Policy> = s
        .policies
        .iter()
        .enumerate()
        .map(|(i, p)| policy(&mut errs, i, p, mean_cost))
        .collect();
    for (i, p) in s.policies.iter().enumerate() {
        if let Some(j) = s.policies[..i].iter().position(|q| q.name == p.name) {
            errs.push(
                format!("policies[{i}].name"),
                format!("{:?} is already the name of policies[{j}]", p.name),
            );
        }
    }

    if !errs.0.is_empty() {
        return Err(ScenarioError::Invalid(errs.0));
    }
    Ok(Scenario {
        name: spec.name.clone(),
        seed: spec.seed,
        replications: spec.replications,
        end_of_load,
        drain,
        bin,
        recovery: RecoveryRule {
            trigger,
            trigger_end,
            threshold: t,
            window,
            metastable,
            trigger_scoped: (!spec.triggers.is_empty()).then_some(TriggerScope {
                load_end: end_of_load,
                from_first_failure: true,
            }),
        },
        workload,
        clients,
        latency,
        faults,
        outages,
        client_error_share,
        cost,
        limiter,
        workers,
        contention,
        capacity_drops,
        policies,
        spec,
    })
}
