//! `service.calls` and `services`: services that call services
//! (docs/model.md §12). The entry service (`service`) and the named ones in
//! `services` form a call graph; serving an attempt at a service with
//! `calls` makes those calls — in sequence, or in parallel joined on all of
//! them — with the calling service acting as a client: its own retry
//! policy, timeout and guards.

use serde::{Deserialize, Serialize};

use super::error::Errors;
use super::service::{ServiceConfig, ServiceSpec};
use super::spec::PolicySpec;
use crate::balancer::{Balancer, BalancerSpec};
use crate::outcome::Outcome;
use crate::policy::Policy;
use crate::sim::ServiceId;

/// Most services in one scenario, the entry included.
pub const MAX_SERVICES: usize = 32;
/// Most calls one service makes per attempt it serves.
pub const MAX_CALLS: usize = 16;
/// Most call edges in the whole graph.
pub const MAX_EDGES: usize = 63;

/// Most replicas of one service.
pub const MAX_REPLICAS: u32 = 16;
/// Most service instances (replicas counted one by one) in a scenario.
pub const MAX_INSTANCES: usize = 48;

/// A service run as several replicas, each with its own limiter, queue,
/// workers and outages, behind the callers' load balancers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicasSpec {
    /// How many (1 to 16).
    pub count: u32,
    /// How each caller picks one (default round robin).
    #[serde(default)]
    pub balancer: BalancerSpec,
    /// Where a retry goes: `any` replica the balancer picks (default), or
    /// a `different` one from the previous attempt's.
    #[serde(default)]
    pub retry: RetryReplicaSpec,
}

/// Where a retry goes among the replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetryReplicaSpec {
    /// Wherever the balancer says.
    #[default]
    Any,
    /// Anywhere but the replica of the previous attempt.
    Different,
}

/// A logical service's replicas, validated: instances `first ..
/// first + count` of the scenario's services.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Group {
    /// Its first instance.
    pub first: ServiceId,
    /// Its replicas (1 without `replicas`).
    pub count: u16,
    /// How callers pick a replica.
    pub balancer: Balancer,
    /// A retry avoids the previous attempt's replica.
    pub retry_elsewhere: bool,
}

/// The entry service's name when `service.name` is not given.
pub const ENTRY_NAME: &str = "entry";

/// The calls a service makes for every attempt it serves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallsSpec {
    /// The services called, by name, in order.
    pub to: Vec<String>,
    /// `sequence` (default: one after the other, each only if the one
    /// before succeeded) or `parallel` (all at once, joined on all).
    #[serde(default)]
    pub mode: CallModeSpec,
    /// The retry policy of these calls (default: the policy under
    /// comparison, so every tier retries as the compared client does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicySpec>,
    /// A call's attempts never outlive the deadline of the caller's attempt
    /// that made it (default false: each call runs on its own timeouts).
    #[serde(default)]
    pub propagate_deadline: bool,
    /// What the caller answers when a call fails (default
    /// `server_error_5xx`; `client_error_4xx` tells the tier above not to
    /// retry).
    #[serde(default)]
    pub failure_status: FailureStatusSpec,
}

/// How a service's calls are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallModeSpec {
    /// One after the other; a failed call ends the attempt.
    #[default]
    Sequence,
    /// All at once; the attempt answers when all succeeded, or at the first
    /// failure.
    Parallel,
}

/// The status a service answers with when one of its calls failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureStatusSpec {
    /// A 5xx: the caller may retry.
    #[default]
    #[serde(rename = "server_error_5xx")]
    ServerError5xx,
    /// A 503: the caller may retry.
    #[serde(rename = "unavailable_503")]
    Unavailable503,
    /// A non-retryable 4xx: the caller gives up at once.
    #[serde(rename = "client_error_4xx")]
    ClientError4xx,
}

impl FailureStatusSpec {
    fn compile(self) -> Outcome {
        match self {
            FailureStatusSpec::ServerError5xx => Outcome::ServerError,
            FailureStatusSpec::Unavailable503 => Outcome::Unavailable,
            FailureStatusSpec::ClientError4xx => Outcome::ClientError,
        }
    }
}

/// A service's calls, validated.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Calls {
    /// The services called (logical ids: indexes of [`Group`]s), in order.
    pub to: Vec<ServiceId>,
    /// All at once rather than one after the other.
    pub parallel: bool,
    /// The calls' policy; `None`: the policy under comparison.
    pub policy: Option<Policy>,
    /// Calls never outlive the caller's attempt deadline.
    pub propagate_deadline: bool,
    /// What the caller answers when a call fails.
    pub failure: Outcome,
}

/// What to say of a service name that names none: the names there are.
pub(crate) fn unknown_service(name: &str, names: &[String]) -> String {
    let known: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
    format!(
        "no service is named {name:?}; the services are {}",
        known.join(", ")
    )
}

/// The path of service `i` in the file: `service` for the entry,
/// `services[i - 1]` for the others.
pub(crate) fn path_of(i: usize) -> String {
    if i == 0 {
        "service".into()
    } else {
        format!("services[{}]", i - 1)
    }
}

/// Validates `services` and every `calls`: names unique, every call to a
/// known service, no cycle, every service called by some other. `compiled`
/// holds the services compiled so far (the entry first, then `services` in
/// order); their `calls` are filled in here.
pub(crate) fn compile(
    errs: &mut Errors,
    specs: &[&ServiceSpec],
    compiled: &mut [ServiceConfig],
    mean_cost: Option<f64>,
) -> Vec<String> {
    errs.check(specs.len() <= MAX_SERVICES, "services", || {
        format!(
            "at most {} services besides the entry, got {}",
            MAX_SERVICES - 1,
            specs.len() - 1
        )
    });
    let mut names: Vec<String> = Vec::with_capacity(specs.len());
    for (i, s) in specs.iter().enumerate() {
        let name = match (&s.name, i) {
            (Some(n), _) => n.clone(),
            (None, 0) => ENTRY_NAME.into(),
            (None, _) => {
                errs.push(
                    format!("{}.name", path_of(i)),
                    "every service in `services` needs a name (its callers name it in calls.to)"
                        .into(),
                );
                format!("#{i}")
            }
        };
        errs.check(
            !name.is_empty()
                && name.len() <= 40
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c)),
            format!("{}.name", path_of(i)),
            || format!("must be 1-40 letters, digits, '-' or '_', got {name:?}"),
        );
        if let Some(j) = names.iter().position(|n| *n == name) {
            errs.push(
                format!("{}.name", path_of(i)),
                format!("{name:?} is already the name of {}", path_of(j)),
            );
        }
        names.push(name);
    }
    let mut edges = 0;
    for (i, s) in specs.iter().enumerate() {
        let Some(c) = &s.calls else { continue };
        let at = |f: &str| format!("{}.calls.{f}", path_of(i));
        errs.check(
            !c.to.is_empty() && c.to.len() <= MAX_CALLS,
            at("to"),
            || format!("must name 1 to {MAX_CALLS} services, got {}", c.to.len()),
        );
        errs.check(!compiled[i].contention, at("to"), || {
            "a contended record makes no calls: give the calling service `workers`".into()
        });
        edges += c.to.len();
        let mut to = Vec::with_capacity(c.to.len());
        for (k, callee) in c.to.iter().enumerate() {
            match names.iter().position(|n| n == callee) {
                Some(j) if j == i => errs.push(
                    format!("{}.calls.to[{k}]", path_of(i)),
                    format!("{callee:?} is the service itself: a service cannot call itself"),
                ),
                Some(j) => to.push(j as ServiceId),
                None => errs.push(
                    format!("{}.calls.to[{k}]", path_of(i)),
                    unknown_service(callee, &names),
                ),
            }
        }
        let policy = c
            .policy
            .as_ref()
            .map(|p| p.compile(errs, &at("policy"), mean_cost));
        compiled[i].calls = Some(Calls {
            to,
            parallel: c.mode == CallModeSpec::Parallel,
            policy,
            propagate_deadline: c.propagate_deadline,
            failure: c.failure_status.compile(),
        });
    }
    errs.check(edges <= MAX_EDGES, "services", || {
        format!("at most {MAX_EDGES} calls in the whole graph, got {edges}")
    });
    if let Some(cycle) = find_cycle(compiled) {
        let path: Vec<&str> = cycle.iter().map(|&s| names[s].as_str()).collect();
        errs.push(
            format!("{}.calls.to", path_of(cycle[cycle.len() - 2])),
            format!(
                "the calls form a cycle ({}): a call graph must not loop back",
                path.join(" → ")
            ),
        );
    } else {
        for (i, name) in names.iter().enumerate().skip(1) {
            let called = compiled.iter().any(|c| {
                c.calls
                    .as_ref()
                    .is_some_and(|c| c.to.contains(&(i as ServiceId)))
            });
            errs.check(called, format!("{}.name", path_of(i)), || {
                format!(
                    "{name:?} is never called: name it in some service's calls.to, or remove it"
                )
            });
        }
    }
    names
}

/// A cycle of calls, as the services on it with the first repeated at the
/// end, if there is one.
fn find_cycle(services: &[ServiceConfig]) -> Option<Vec<usize>> {
    // 0: unvisited, 1: on the current path, 2: done.
    fn visit(
        s: usize,
        services: &[ServiceConfig],
        state: &mut [u8],
        path: &mut Vec<usize>,
    ) -> bool {
        state[s] = 1;
        path.push(s);
        for &t in services[s].calls.iter().flat_map(|c| &c.to) {
            let t = t as usize;
            if state[t] == 1 {
                let from = path.iter().position(|&p| p == t).unwrap_or(0);
                path.drain(..from);
                path.push(t);
                return true;
            }
            if state[t] == 0 && visit(t, services, state, path) {
                return true;
            }
        }
        path.pop();
        state[s] = 2;
        false
    }
    let mut state = vec![0u8; services.len()];
    for s in 0..services.len() {
        let mut path = Vec::new();
        if state[s] == 0 && visit(s, services, &mut state, &mut path) {
            return Some(path);
        }
    }
    None
}

/// The most attempts that can reach each logical service per attempt
/// served at the entry, along the worst path: the product of every tier's
/// `max_attempts` times its calls (what the resource estimate multiplies
/// by). `compared` is the attempts of the policy under comparison.
pub(crate) fn worst_fan_in(
    services: &[ServiceConfig],
    groups: &[Group],
    compared: u32,
) -> Vec<f64> {
    let n = groups.len();
    let mut reach = vec![0.0f64; n];
    reach[0] = 1.0;
    // The graph is acyclic and small: relax it as often as it has services.
    for _ in 0..n {
        let mut next = vec![0.0f64; n];
        next[0] = 1.0;
        for (s, g) in groups.iter().enumerate() {
            let Some(calls) = services
                .get(g.first as usize)
                .and_then(|c| c.calls.as_ref())
            else {
                continue;
            };
            let attempts = calls.policy.as_ref().map_or(compared, |p| p.max_attempts) as f64;
            for &t in &calls.to {
                next[t as usize] += reach[s] * attempts;
            }
        }
        reach = next;
    }
    reach
}

/// Validates every service's `replicas` and expands the logical services
/// into instances: each replica a copy of its service, named `name/i`.
/// Returns the instances, the groups (one per logical service) and the
/// instances' names.
pub(crate) fn expand(
    errs: &mut Errors,
    specs: &[&ServiceSpec],
    logical: Vec<ServiceConfig>,
    names: &[String],
) -> (Vec<ServiceConfig>, Vec<Group>, Vec<String>) {
    let mut instances = Vec::new();
    let mut groups = Vec::new();
    let mut instance_names = Vec::new();
    for (i, (config, spec)) in logical.into_iter().zip(specs).enumerate() {
        let at = |f: &str| format!("{}.replicas.{f}", path_of(i));
        let (count, balancer, retry_elsewhere) = match &spec.replicas {
            None => (1, Balancer::RoundRobin, false),
            Some(r) => {
                errs.check((1..=MAX_REPLICAS).contains(&r.count), at("count"), || {
                    format!("must be between 1 and {MAX_REPLICAS}, got {}", r.count)
                });
                if let BalancerSpec::PowerOfChoices { d } = r.balancer {
                    errs.check(d >= 1 && d <= r.count.max(1), at("balancer.d"), || {
                        format!("must be between 1 and the {} replicas, got {d}", r.count)
                    });
                }
                let count = r.count.clamp(1, MAX_REPLICAS);
                (
                    count,
                    r.balancer.compile(),
                    r.retry == RetryReplicaSpec::Different,
                )
            }
        };
        groups.push(Group {
            first: instances.len() as ServiceId,
            count: count as u16,
            balancer,
            retry_elsewhere,
        });
        for k in 0..count {
            instances.push(config.clone());
            instance_names.push(if spec.replicas.is_some() {
                format!("{}/{k}", names[i])
            } else {
                names[i].clone()
            });
        }
    }
    errs.check(instances.len() <= MAX_INSTANCES, "services", || {
        format!(
            "at most {MAX_INSTANCES} service instances (replicas counted one by one), got {}",
            instances.len()
        )
    });
    instances.truncate(MAX_INSTANCES);
    (instances, groups, instance_names)
}
