//! What a whole run may cost, from the model's per-replication footprint:
//! memory (one replication in flight per thread, finished replications
//! waiting to be folded, the per-policy sums and the written results) and
//! work (attempts over all policies and replications). The CLI refuses a
//! run over its limits with [`Estimate::check`]'s error.

use std::fmt;

use retrysim_model::footprint::{self, Footprint};
use retrysim_model::{Histogram, Scenario};

use crate::summary::SeriesRow;

/// Bytes the finished replications waiting to be folded may hold at most,
/// whatever their number: the Monte Carlo loop shrinks its chunks to fit.
pub const HELD_RESULTS_BYTES: u64 = 256 << 20;

/// Bytes one row of one policy's series takes in the written results
/// (summary tables, CSV, JSON), generously.
const WRITTEN_ROW_BYTES: u64 = 512;

/// The limits a run must stay within.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Bytes of memory.
    pub memory: u64,
    /// Attempts over all policies and replications.
    pub attempts: f64,
}

/// What a run of a scenario may cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// The model's per-replication figures (of the largest cell, for a
    /// sweep).
    pub footprint: Footprint,
    /// Replications running at once (threads, or fewer when there are
    /// fewer replications).
    pub threads: u64,
    /// Bytes of the replications running at once.
    pub running: u64,
    /// Bytes of finished replications waiting to be folded.
    pub held: u64,
    /// Bytes of the results: per-policy sums and what is written.
    pub results: u64,
    /// Attempts the whole run may send, at most.
    pub attempts: f64,
}

impl Estimate {
    /// The estimate for `scenario` on `threads` threads.
    pub fn of(scenario: &Scenario, threads: usize) -> Estimate {
        Estimate::of_cells(std::iter::once(scenario), threads)
    }

    /// The estimate for the cells of a sweep run together on `threads`
    /// threads: at most `threads` replications run at once, of any cells;
    /// while a thread waits for one cell's replications it may start
    /// another cell, so up to twice as many cells as threads (or every
    /// cell, if fewer) hold their results at once. A scenario alone is one
    /// cell.
    pub fn of_cells<'a>(cells: impl IntoIterator<Item = &'a Scenario>, threads: usize) -> Estimate {
        let threads = threads.max(1) as u64;
        let (mut n, mut tasks, mut attempts) = (0u64, 0u64, 0.0);
        let (mut held, mut results) = (0u64, 0u64);
        let mut largest: Option<Footprint> = None;
        for cell in cells {
            let fp = footprint::of(cell);
            let reps = cell.replications() as u64;
            let policies = cell.policies().len() as u64;
            let cell_tasks = policies.saturating_mul(reps);
            n += 1;
            tasks = tasks.saturating_add(cell_tasks);
            attempts += fp.attempts * reps as f64;
            let waiting = chunk_len(&fp, threads as usize, cell_tasks as usize) as u64;
            held = held.max(waiting.saturating_mul(fp.result_bytes));
            let row =
                (std::mem::size_of::<SeriesRow>() as u64 * 2).saturating_add(WRITTEN_ROW_BYTES);
            results = results.max(
                policies.saturating_mul(
                    fp.bins
                        .saturating_mul(row)
                        .saturating_add(Histogram::BYTES as u64),
                ),
            );
            if largest
                .as_ref()
                .is_none_or(|l| fp.run_bytes() > l.run_bytes())
            {
                largest = Some(fp);
            }
        }
        let footprint = largest.unwrap_or_else(|| Footprint {
            parts: Vec::new(),
            result_bytes: 0,
            bins: 0,
            requests: 0.0,
            attempts: 0.0,
        });
        let at_once = threads.min(tasks.max(1));
        let cells_at_once = (2 * threads).min(n.max(1));
        Estimate {
            threads: at_once,
            running: at_once.saturating_mul(footprint.run_bytes()),
            held: cells_at_once.saturating_mul(held),
            results: cells_at_once.saturating_mul(results),
            attempts,
            footprint,
        }
    }

    /// Peak bytes of the whole run.
    pub fn memory(&self) -> u64 {
        self.running
            .saturating_add(self.held)
            .saturating_add(self.results)
    }

    /// `Ok` when the estimate is within `limits`; otherwise the reason, the
    /// fields responsible and how to get under the limit.
    pub fn check(&self, limits: Limits) -> Result<(), TooBig> {
        if self.memory() > limits.memory {
            let part = self.footprint.largest();
            let part_bytes = self
                .footprint
                .parts
                .iter()
                .find(|(p, _)| *p == part)
                .map_or(0, |(_, b)| *b);
            let (what, fields, detail) = if self.results >= self.running.max(self.held) {
                (
                    "the results (time-series bins × policies)",
                    "(duration + drain) / metrics.bin and the number of policies",
                    format!("about {}", human_bytes(self.results)),
                )
            } else if self.held > self.running {
                (
                    "finished replications waiting to be summed (their time series)",
                    "(duration + drain) / metrics.bin, and -j",
                    format!("about {}", human_bytes(self.held)),
                )
            } else {
                (
                    part.what(),
                    part.fields(),
                    format!(
                        "about {} per replication, {} at once",
                        human_bytes(part_bytes),
                        self.threads
                    ),
                )
            };
            return Err(TooBig::Memory {
                estimate: self.memory(),
                limit: limits.memory,
                what,
                fields,
                detail,
            });
        }
        if self.attempts.is_nan() || self.attempts > limits.attempts {
            return Err(TooBig::Work {
                attempts: self.attempts,
                limit: limits.attempts,
                requests: self.footprint.requests,
            });
        }
        Ok(())
    }
}

/// How many finished replications the Monte Carlo loop lets wait to be
/// folded: many, so cores do not idle, but within [`HELD_RESULTS_BYTES`].
pub fn chunk_len(footprint: &Footprint, threads: usize, tasks: usize) -> usize {
    let by_memory = (HELD_RESULTS_BYTES / footprint.result_bytes.max(1)) as usize;
    (threads * 64)
        .max(256)
        .min(by_memory)
        .max(threads)
        .min(tasks.max(1))
}

/// A run over its limits.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TooBig {
    /// It may need more memory than allowed.
    #[error(
        "this run may need up to {} of memory, over the limit of {}: the largest share is {what} ({detail}), set by {fields}. The figure is a worst-case bound (as many requests alive at once as their timeouts and backoffs allow), and runs often use several times less: lower those, run fewer threads (-j), or, if the machine has the memory, raise the limit with --max-memory",
        human_bytes(*estimate), human_bytes(*limit)
    )]
    Memory {
        /// Estimated peak bytes.
        estimate: u64,
        /// The limit.
        limit: u64,
        /// What holds most of it.
        what: &'static str,
        /// The fields that set that.
        fields: &'static str,
        /// How much that part holds.
        detail: String,
    },
    /// It may send more attempts than allowed.
    #[error(
        "this run may send up to {attempts:.3e} attempts (requests × max_attempts × the calls of every tier below × policies × replications; up to {requests:.3e} requests per replication), over the limit of {limit:.3e}: lower the load (workload, duration), max_attempts or replications, or raise the limit with --max-attempts"
    )]
    Work {
        /// Attempts at most.
        attempts: f64,
        /// The limit.
        limit: f64,
        /// Requests per replication at most.
        requests: f64,
    },
}

/// `bytes` in KiB, MiB, GiB or TiB, three significant digits.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else if v >= 100.0 {
        format!("{v:.0} {}", UNITS[unit])
    } else {
        format!("{v:.3} {}", UNITS[unit])
            .replace(".000 ", " ")
            .to_string()
    }
}

impl fmt::Display for Estimate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "memory at most {} (a worst-case bound: {} per replication × {} at once), up to {:.3e} attempts",
            human_bytes(self.memory()),
            human_bytes(self.footprint.run_bytes()),
            self.threads,
            self.attempts
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(reps: u32) -> Scenario {
        Scenario::from_json(&format!(
            r#"{{"name": "s", "duration": 10, "replications": {reps},
                "workload": {{"kind": "batch", "requests": 100}},
                "service": {{"workers": {{"service_time": {{"kind": "constant", "value": 0.1}}}}}},
                "policies": [{{"name": "p"}}]}}"#
        ))
        .unwrap()
    }

    /// A sweep of small cells keeps every thread busy: its replications run
    /// at once across cells, not one cell's at a time.
    #[test]
    fn a_sweep_counts_every_thread_running_a_replication() {
        let cell = small(2);
        let one = Estimate::of(&cell, 8);
        assert_eq!(one.threads, 2, "one cell has only two replications");
        let cells = vec![cell; 10];
        let sweep = Estimate::of_cells(&cells, 8);
        assert_eq!(sweep.threads, 8);
        assert_eq!(sweep.running, 8 * sweep.footprint.run_bytes());
        assert_eq!(
            sweep.held,
            10 * one.held,
            "up to twice the threads in cells at once, here all 10"
        );
        assert_eq!(sweep.attempts, 10.0 * one.attempts);
        assert!(sweep.memory() > one.memory());
    }

    #[test]
    fn the_refusal_names_what_holds_the_most() {
        let s = small(2);
        let e = Estimate::of(&s, 1);
        let why = e
            .check(Limits {
                memory: 1,
                attempts: 1e12,
            })
            .unwrap_err()
            .to_string();
        assert!(why.contains("--max-memory"), "{why}");
        let why = e
            .check(Limits {
                memory: u64::MAX,
                attempts: 1.0,
            })
            .unwrap_err()
            .to_string();
        assert!(
            why.contains("--max-attempts") && why.contains("2.000e2 attempts"),
            "{why}"
        );
        assert!(
            e.check(Limits {
                memory: u64::MAX,
                attempts: 1e12
            })
            .is_ok()
        );
    }

    #[test]
    fn human_bytes_reads_well() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.500 KiB");
        assert_eq!(human_bytes(4 << 30), "4 GiB");
        assert_eq!(human_bytes(u64::MAX), "16777216 TiB");
    }
}
