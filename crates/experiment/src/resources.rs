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
    /// The model's per-replication figures.
    pub footprint: Footprint,
    /// Replications running at once (threads, or fewer when there are
    /// fewer replications).
    pub threads: u64,
    /// Peak bytes of the whole run.
    pub memory: u64,
    /// Bytes of the results: per-policy sums and what is written.
    pub results: u64,
    /// Bytes of finished replications waiting to be folded.
    pub held: u64,
    /// Attempts the whole run may send, at most.
    pub attempts: f64,
}

impl Estimate {
    /// The estimate for `scenario` on `threads` threads.
    pub fn of(scenario: &Scenario, threads: usize) -> Estimate {
        let footprint = footprint::of(scenario);
        let threads = threads.max(1) as u64;
        let reps = scenario.replications() as u64;
        let policies = scenario.policies().len() as u64;
        let tasks = policies.saturating_mul(reps);
        let running = threads.min(tasks).saturating_mul(footprint.run_bytes());
        let held = chunk_len(&footprint, threads as usize, tasks as usize) as u64;
        let held = held.saturating_mul(footprint.result_bytes);
        let row = (std::mem::size_of::<SeriesRow>() as u64 * 2).saturating_add(WRITTEN_ROW_BYTES);
        let results = policies.saturating_mul(
            footprint
                .bins
                .saturating_mul(row)
                .saturating_add(Histogram::BYTES as u64),
        );
        Estimate {
            memory: running.saturating_add(held).saturating_add(results),
            results,
            held,
            threads: threads.min(tasks.max(1)),
            attempts: footprint.attempts * reps as f64,
            footprint,
        }
    }

    /// The estimate for the cells of a sweep, run at once on `threads`
    /// threads: as many cells as threads may be under way, each holding its
    /// results, while the threads run one replication each.
    pub fn of_cells<'a>(
        cells: impl IntoIterator<Item = &'a Scenario>,
        threads: usize,
    ) -> Option<Estimate> {
        let mut n = 0u64;
        let mut attempts = 0.0;
        let mut largest: Option<Estimate> = None;
        for cell in cells {
            let e = Estimate::of(cell, threads);
            n += 1;
            attempts += e.attempts;
            if largest.as_ref().is_none_or(|l| e.memory > l.memory) {
                largest = Some(e);
            }
        }
        let mut e = largest?;
        let at_once = e.threads.min(n).max(1);
        e.memory = e
            .memory
            .saturating_add((at_once - 1).saturating_mul(e.held.saturating_add(e.results)));
        e.attempts = attempts;
        Some(e)
    }

    /// `Ok` when the estimate is within `limits`; otherwise the reason, the
    /// fields responsible and how to get under the limit.
    pub fn check(&self, limits: Limits) -> Result<(), TooBig> {
        if self.memory > limits.memory {
            let part = self.footprint.largest();
            let part_bytes = self
                .footprint
                .parts
                .iter()
                .find(|(p, _)| *p == part)
                .map_or(0, |(_, b)| *b);
            let (what, fields, detail) = if self.results >= part_bytes.saturating_mul(self.threads)
            {
                (
                    "the results (time-series bins × policies)",
                    "(duration + drain) / metrics.bin and the number of policies",
                    format!("about {} for all policies", human_bytes(self.results)),
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
                estimate: self.memory,
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
        "this run may need about {} of memory, over the limit of {}: the largest share is {what} ({detail}), set by {fields}. Lower those, run fewer threads (-j), or raise the limit with --max-memory",
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
        "this run may send up to {attempts:.3e} attempts (requests × max_attempts × policies × replications; up to {requests:.3e} requests per replication), over the limit of {limit:.3e}: lower the load (workload, duration), max_attempts or replications, or raise the limit with --max-attempts"
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
            "memory about {} ({} per replication × {} at once), up to {:.3e} attempts",
            human_bytes(self.memory),
            human_bytes(self.footprint.run_bytes()),
            self.threads,
            self.attempts
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_bytes_reads_well() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.500 KiB");
        assert_eq!(human_bytes(4 << 30), "4 GiB");
        assert_eq!(human_bytes(u64::MAX), "16777216 TiB");
    }
}
