//! Client roles: who sends requests. Role 0 is the workload's client
//! instances, running the policy under comparison; in a call graph every
//! call edge is a role too (a calling service acting as a client of the
//! one it calls). A role holds its policy, guards, balancer, hedging state
//! and random streams (docs/model.md §12).

use retrysim_engine::SimRng;

use super::event::ServiceId;
use crate::balancer::Balancing;
use crate::budget::ClientGuards;
use crate::hedge::Hedging;
use crate::policy::Policy;
use crate::retry_after::RetryAfterPolicy;
use crate::scenario::graph::Group;

/// The roles by number: the workload's client held inline (every event of
/// a scenario without a call graph reads it: no indirection, no bounds
/// check), the call edges after it.
pub(super) struct Roles<'a> {
    pub entry: Role<'a>,
    pub edges: Vec<Role<'a>>,
}

impl<'a> Roles<'a> {
    /// Role `i`.
    #[inline(always)]
    pub fn get(&self, i: u16) -> &Role<'a> {
        if i == 0 {
            &self.entry
        } else {
            &self.edges[i as usize - 1]
        }
    }

    /// Role `i`, mutably.
    #[inline(always)]
    pub fn get_mut(&mut self, i: u16) -> &mut Role<'a> {
        if i == 0 {
            &mut self.entry
        } else {
            &mut self.edges[i as usize - 1]
        }
    }

    /// Every role, the workload's client first.
    pub fn iter(&self) -> impl Iterator<Item = &Role<'a>> {
        std::iter::once(&self.entry).chain(&self.edges)
    }
}

/// One client role: a policy, its guards and its random streams.
pub(super) struct Role<'a> {
    pub policy: &'a Policy,
    /// The policy's guards, per client instance.
    pub guards: ClientGuards,
    /// The service this role's attempts go to (its first replica).
    pub target: ServiceId,
    /// Its replicas.
    pub replicas: u16,
    /// The balancer over them (none for one replica).
    pub balancing: Option<Balancing>,
    /// A retry avoids the replica of the previous attempt.
    pub retry_elsewhere: bool,
    /// Hedged copies of slow attempts, if the policy hedges.
    pub hedging: Option<Hedging>,
    /// Neither balances nor propagates deadlines: attempts go to `target`
    /// on the policy's own deadline.
    pub plain: bool,
    /// A call edge whose attempts never outlive the caller's deadline.
    pub propagate_deadline: bool,
    /// Retry jitter.
    pub rng_jitter: SimRng,
    /// The guards' own draws.
    pub rng_guards: SimRng,
    /// Whether requests carry [`Extras`]: prices, guards, decorrelated
    /// jitter or an obeyed Retry-After need them; nothing else reads them.
    pub uses_extras: bool,
    /// Whether the policy's jitter remembers its previous delay.
    pub keeps_previous: bool,
    /// Whether the policy reads Retry-After.
    pub reads_retry_after: bool,
}

impl<'a> Role<'a> {
    pub fn new(policy: &'a Policy, instances: u32, target: Group, streams: [SimRng; 3]) -> Self {
        let reads_retry_after = policy.retry_after != RetryAfterPolicy::Ignore;
        let keeps_previous = policy.jitter.keeps_previous();
        let [rng_jitter, rng_guards, rng_balancer] = streams;
        let balancing =
            (target.count > 1).then(|| Balancing::new(target.balancer, target.count, rng_balancer));
        Self {
            policy,
            guards: ClientGuards::new(&policy.guards, instances),
            target: target.first,
            replicas: target.count,
            uses_extras: !policy.guards.is_empty()
                || keeps_previous
                || reads_retry_after
                || balancing.is_some()
                || policy.hedge.is_some(),
            balancing,
            retry_elsewhere: target.retry_elsewhere,
            plain: target.count == 1 && policy.hedge.is_none(),
            hedging: policy.hedge.as_ref().map(Hedging::new),
            propagate_deadline: false,
            rng_jitter,
            rng_guards,
            keeps_previous,
            reads_retry_after,
        }
    }
}
