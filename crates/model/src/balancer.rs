//! Client-side load balancing over a service's replicas (docs/model.md
//! §12): round robin, uniform random, least outstanding requests, and the
//! power of d choices. A balancer belongs to one client role and counts
//! only that role's attempts in flight; a retry may be told to avoid the
//! replica its previous attempt went to.

use rand::Rng;
use retrysim_engine::SimRng;
use serde::{Deserialize, Serialize};

fn two() -> u32 {
    2
}

/// How a client picks a replica, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum BalancerSpec {
    /// Each replica in turn.
    #[default]
    RoundRobin,
    /// A replica drawn uniformly at random.
    Random,
    /// The replica with the fewest of this client's attempts in flight
    /// (ties: the next in turn).
    LeastOutstanding,
    /// `d` replicas drawn at random, the one with fewer attempts in flight
    /// taken (ties: the first drawn).
    PowerOfChoices {
        /// Replicas drawn (default 2).
        #[serde(default = "two")]
        d: u32,
    },
}

/// A balancer's choice rule, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Balancer {
    /// Each in turn.
    RoundRobin,
    /// Uniform.
    Random,
    /// Fewest in flight.
    LeastOutstanding,
    /// Best of `d` random.
    PowerOfChoices(u16),
}

impl BalancerSpec {
    /// The rule (`d` already checked to be between 1 and the replicas).
    pub(crate) fn compile(self) -> Balancer {
        match self {
            BalancerSpec::RoundRobin => Balancer::RoundRobin,
            BalancerSpec::Random => Balancer::Random,
            BalancerSpec::LeastOutstanding => Balancer::LeastOutstanding,
            BalancerSpec::PowerOfChoices { d } => {
                Balancer::PowerOfChoices(d.min(u16::MAX as u32) as u16)
            }
        }
    }
}

/// One role's balancer over `count` replicas.
#[derive(Debug, Clone)]
pub(crate) struct Balancing {
    rule: Balancer,
    /// Next replica in turn.
    next: u16,
    /// This role's attempts in flight per replica.
    outstanding: Vec<u32>,
    rng: SimRng,
}

impl Balancing {
    /// A balancer over `count` replicas, drawing from `rng`.
    pub fn new(rule: Balancer, count: u16, rng: SimRng) -> Self {
        Self {
            rule,
            next: 0,
            outstanding: vec![0; count as usize],
            rng,
        }
    }

    /// The replica for the next attempt, avoiding `avoid` when there is
    /// another; counted as in flight until [`Balancing::ended`].
    pub fn pick(&mut self, avoid: Option<u16>) -> u16 {
        let n = self.outstanding.len() as u16;
        let avoid = avoid.filter(|_| n > 1);
        let allowed = |i: u16| Some(i) != avoid;
        let pick = match self.rule {
            Balancer::RoundRobin => {
                let mut i = self.next % n;
                if !allowed(i) {
                    i = (i + 1) % n;
                }
                self.next = (i + 1) % n;
                i
            }
            Balancer::Random => self.draw(avoid),
            Balancer::LeastOutstanding => {
                let start = self.next % n;
                let mut best = None::<u16>;
                for k in 0..n {
                    let i = (start + k) % n;
                    if allowed(i)
                        && best.is_none_or(|b| {
                            self.outstanding[i as usize] < self.outstanding[b as usize]
                        })
                    {
                        best = Some(i);
                    }
                }
                self.next = (start + 1) % n;
                best.unwrap_or(start)
            }
            Balancer::PowerOfChoices(d) => {
                let mut best = self.draw(avoid);
                for _ in 1..d {
                    let i = self.draw(avoid);
                    if self.outstanding[i as usize] < self.outstanding[best as usize] {
                        best = i;
                    }
                }
                best
            }
        };
        self.outstanding[pick as usize] += 1;
        pick
    }

    /// The replica for a hedged copy: picked like an attempt, avoiding
    /// `avoid`, but not counted in flight (only an attempt's first copy is).
    pub fn pick_uncounted(&mut self, avoid: Option<u16>) -> u16 {
        let i = self.pick(avoid);
        self.ended(i);
        i
    }

    /// A replica drawn uniformly, other than `avoid`.
    fn draw(&mut self, avoid: Option<u16>) -> u16 {
        let n = self.outstanding.len() as u16;
        match avoid {
            Some(a) => {
                let i = self.rng.random_range(0..n - 1);
                if i >= a { i + 1 } else { i }
            }
            None => self.rng.random_range(0..n),
        }
    }

    /// An attempt sent to `replica` ended (answered or timed out).
    pub fn ended(&mut self, replica: u16) {
        let o = &mut self.outstanding[replica as usize];
        *o = o.saturating_sub(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use retrysim_engine::stream;

    fn balancer(rule: Balancer, n: u16) -> Balancing {
        Balancing::new(rule, n, stream(1, 0, 0))
    }

    #[test]
    fn round_robin_takes_each_in_turn_and_skips_the_one_to_avoid() {
        let mut b = balancer(Balancer::RoundRobin, 3);
        let picks: Vec<u16> = (0..5).map(|_| b.pick(None)).collect();
        assert_eq!(picks, [0, 1, 2, 0, 1]);
        assert_eq!(b.pick(Some(2)), 0, "2 is next but avoided");
        assert_eq!(b.pick(None), 1);
    }

    #[test]
    fn least_outstanding_fills_the_idlest_replica_first() {
        let mut b = balancer(Balancer::LeastOutstanding, 3);
        assert_eq!((b.pick(None), b.pick(None), b.pick(None)), (0, 1, 2));
        b.ended(1);
        assert_eq!(b.pick(None), 1, "only replica 1 has nothing in flight");
        b.ended(0);
        b.ended(2);
        // 0 and 2 tie with none in flight; the scan starts after the last.
        assert_eq!(b.pick(Some(0)), 2);
    }

    #[test]
    fn random_choices_avoid_the_previous_replica_and_spread_evenly() {
        let mut b = balancer(Balancer::Random, 4);
        let mut counts = [0u32; 4];
        for _ in 0..4000 {
            let i = b.pick(Some(3));
            assert_ne!(i, 3);
            counts[i as usize] += 1;
            b.ended(i);
        }
        assert!(
            counts[..3].iter().all(|&c| (1200..1470).contains(&c)),
            "{counts:?}"
        );
        let mut b = balancer(Balancer::PowerOfChoices(2), 2);
        // With two replicas and two draws, the idle one is found unless
        // both draws hit the busy one (probability 1/4).
        b.outstanding = vec![5, 0];
        let idle = (0..1000).filter(|_| {
            let i = b.pick(None);
            b.ended(i);
            i == 1
        });
        let idle = idle.count();
        assert!((700..800).contains(&idle), "{idle}");
    }
}
