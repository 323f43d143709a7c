//! Monte Carlo: every policy × replication in parallel, reduced in a fixed
//! order so the result does not depend on the number of threads.

use rayon::prelude::*;
use retrysim_engine::time::nanos_to_secs;
use retrysim_model::Histogram;
use retrysim_model::{
    ByMetric, CLASS_NAMES, ClassScalars, EdgeScalars, RunMetrics, Scalars, Scenario,
    ServiceScalars, run_replication,
};

use crate::stats::Stat;
use crate::summary::{
    ClassSummary, EdgeSummary, MetastableInfo, PolicySummary, RecoveryInfo, SeriesSum,
    ServiceSummary, Summary, TriggerInfo,
};

/// Runs every policy of `scenario` for `scenario.replications()` replications
/// on the current rayon pool. `progress` is called once per finished
/// replication (from worker threads).
///
/// Replication `i` of every policy draws the same arrivals (common random
/// numbers), so differences between policies are not sampling noise.
pub fn run(scenario: &Scenario, progress: &(dyn Fn() + Sync)) -> Summary {
    let reps = scenario.replications();
    let policies = scenario.policies().len();
    let mut acc: Vec<Accumulator> = (0..policies).map(|_| Accumulator::default()).collect();

    // Tasks are policy-major; they run in parallel a chunk at a time and are
    // folded in task order, bounding memory by the chunk, not the run.
    // Chunks are large so that cores do not idle waiting for a chunk's
    // slowest task, but their metrics stay within a fixed budget.
    let total = policies * reps as usize;
    let footprint = retrysim_model::footprint::of(scenario);
    let chunk = crate::resources::chunk_len(&footprint, rayon::current_num_threads(), total);
    for start in (0..total).step_by(chunk) {
        let end = (start + chunk).min(total);
        let results: Vec<RunMetrics> = (start..end)
            .into_par_iter()
            .map(|k| {
                let m = run_replication(scenario, k / reps as usize, (k % reps as usize) as u64);
                progress();
                m
            })
            .collect();
        for (k, m) in (start..end).zip(results) {
            acc[k / reps as usize].add(scenario, m);
        }
    }

    let bin_s = nanos_to_secs(scenario.bin());
    // Every policy's series gets the same length, for a tidy CSV.
    let bins = acc.iter().map(|a| a.series.len()).max().unwrap_or(0);
    let policies = scenario
        .policies()
        .iter()
        .zip(acc)
        .map(|(p, a)| a.finish(p.name(), reps, bin_s, bins))
        .collect();
    Summary {
        tool: format!("retrysim {}", env!("CARGO_PKG_VERSION")),
        fingerprint: crate::fingerprint::of(scenario.spec()),
        scenario: scenario.spec().clone(),
        recovery: RecoveryInfo {
            trigger_s: nanos_to_secs(scenario.recovery().trigger),
            threshold: scenario.recovery().threshold,
            window_s: nanos_to_secs(scenario.recovery().window),
            bin_s,
            signals: "error_recovery_s: share of attempts sent in a bin that failed (the 429 dashboard); \
                      user_recovery_s: share of requests arriving in a bin that finally failed (what users feel); \
                      *_after_end_s: the same, measured from the last trigger's end"
                .into(),
            trigger_end_s: nanos_to_secs(scenario.recovery().trigger_end),
            triggers: scenario
                .spec()
                .triggers
                .iter()
                .map(|t| {
                    let (start_s, d) = t.window();
                    TriggerInfo {
                        kind: t.kind().into(),
                        start_s,
                        end_s: start_s + d,
                    }
                })
                .collect(),
            metastable: scenario.recovery().metastable.map(|w| MetastableInfo {
                from_s: nanos_to_secs(w.from),
                to_s: nanos_to_secs(w.to),
                margin: w.margin,
            }),
        },
        policies,
    }
}

#[derive(Default)]
struct Accumulator {
    per_replication: Vec<Scalars>,
    series: SeriesSum,
    latency: Option<Histogram>,
    /// A call graph's services and edges: names, then one row of figures
    /// per replication.
    services: Vec<(String, Vec<ServiceScalars>)>,
    edges: Vec<(String, String, Vec<EdgeScalars>)>,
    /// Priority classes: one row of figures per replication, high then low.
    classes: Vec<Vec<ClassScalars>>,
    /// A call graph's logical services and their summed series.
    tiers: Vec<(String, SeriesSum)>,
}

impl Accumulator {
    fn add(&mut self, scenario: &Scenario, m: RunMetrics) {
        self.per_replication.push(m.scalars(*scenario.recovery()));
        if self.services.is_empty() {
            self.services = m
                .services
                .iter()
                .map(|s| (s.name.clone(), Vec::new()))
                .collect();
            self.edges = (m.edges.iter())
                .map(|e| (e.from.clone(), e.to.clone(), Vec::new()))
                .collect();
        }
        for (acc, s) in self.services.iter_mut().zip(&m.services) {
            acc.1.push(s.scalars(m.arrivals));
        }
        for (acc, e) in self.edges.iter_mut().zip(&m.edges) {
            acc.2
                .push(e.scalars(m.arrivals, *scenario.recovery(), m.run_end));
        }
        self.classes.resize(m.classes.len(), Vec::new());
        for (acc, c) in self.classes.iter_mut().zip(&m.classes) {
            acc.push(c.scalars(m.arrivals));
        }
        self.series.add(&m.series.bins);
        if self.tiers.is_empty() {
            self.tiers = (m.tiers.iter())
                .map(|t| (t.name.clone(), SeriesSum::default()))
                .collect();
        }
        for (acc, t) in self.tiers.iter_mut().zip(&m.tiers) {
            acc.1.add(&t.series.bins);
        }
        match &mut self.latency {
            Some(h) => h.merge(&m.latency),
            None => self.latency = Some(m.latency),
        }
    }

    fn finish(self, name: &str, reps: u32, bin_s: f64, bins: usize) -> PolicySummary {
        let metrics = ByMetric::from_fn(|m| {
            let column: Vec<Option<f64>> = self.per_replication.iter().map(|r| r[m]).collect();
            Stat::of(&column)
        });
        PolicySummary {
            name: name.to_string(),
            metrics,
            per_replication: self.per_replication,
            series: self.series.mean(reps, bin_s, bins),
            tiers: (self.tiers.into_iter())
                .map(|(name, sum)| (name, sum.mean(reps, bin_s, bins)))
                .collect(),
            latency: self.latency.unwrap_or_default(),
            services: (self.services.into_iter())
                .map(|(name, rows)| {
                    let stat = |f: fn(&ServiceScalars) -> Option<f64>| {
                        Stat::of(&rows.iter().map(f).collect::<Vec<_>>())
                    };
                    ServiceSummary {
                        name,
                        load: stat(|s| s.load),
                        reached: stat(|s| s.reached),
                        failed_share: stat(|s| s.failed_share),
                    }
                })
                .collect(),
            edges: (self.edges.into_iter())
                .map(|(from, to, rows)| {
                    let stat = |f: fn(&EdgeScalars) -> Option<f64>| {
                        Stat::of(&rows.iter().map(f).collect::<Vec<_>>())
                    };
                    EdgeSummary {
                        from,
                        to,
                        calls_per_request: stat(|e| e.calls_per_request),
                        success_rate: stat(|e| e.success_rate),
                        attempts_per_call: stat(|e| e.attempts_per_call),
                        latency_p50_s: stat(|e| e.latency_p50_s),
                        latency_p99_s: stat(|e| e.latency_p99_s),
                        error_recovery_s: stat(|e| e.error_recovery_s),
                        error_recovery_after_end_s: stat(|e| e.error_recovery_after_end_s),
                        goodput_ratio: stat(|e| e.goodput_ratio),
                        metastable: stat(|e| e.metastable),
                    }
                })
                .collect(),
            classes: (self.classes.into_iter().zip(CLASS_NAMES))
                .map(|(rows, name)| {
                    let stat = |f: fn(&ClassScalars) -> Option<f64>| {
                        Stat::of(&rows.iter().map(f).collect::<Vec<_>>())
                    };
                    ClassSummary {
                        name: name.to_string(),
                        share: stat(|c| c.share),
                        success_rate: stat(|c| c.success_rate),
                        latency_p99_s: stat(|c| c.latency_p99_s),
                    }
                })
                .collect(),
        }
    }
}
