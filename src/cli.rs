//! Command-line arguments. The doc comments are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// `retrysim --version`: the crate's version, the model's version and the
/// results format, which together say whose results a folder can reuse.
static LONG_VERSION: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "{} (model {}, results format {})",
        env!("CARGO_PKG_VERSION"),
        retrysim_model::MODEL_VERSION,
        retrysim_experiment::fingerprint::RESULTS_FORMAT
    )
});

/// Deterministic discrete-event simulator for client retry policies.
///
/// retrysim replays a workload against a rate-limited service in virtual
/// time and compares retry policies (backoff, jitter, Retry-After handling)
/// over many seeded replications: success rate, attempts per request,
/// latency percentiles and recovery time, each with a 95 % confidence
/// interval. The same scenario and seed always give the same bytes.
///
/// Start with:  retrysim run scenarios/double11-spike.json
#[derive(Debug, Parser)]
#[command(
    name = "retrysim",
    version,
    long_version = LONG_VERSION.as_str(),
    about,
    long_about,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario: every policy, every replication; write the results.
    ///
    /// Writes OUT/summary.json (every figure with its 95 % CI), OUT/summary.md
    /// (tables a person reads), OUT/summary.csv and OUT/replications.csv
    /// (every figure, and every replication's value, one row each: for pandas
    /// or R), OUT/timeseries.csv (one row per policy × bin, mean over
    /// replications), OUT/latency.csv (latency CDF per policy) and the charts
    /// OUT/timeline.png, outcomes.png, latency_cdf.png, attempts.png (and
    /// cost.png when priced; tiers.png, services.png and services.csv for a
    /// call graph), then prints the headline table.
    Run(RunArgs),
    /// Check scenario files without running them.
    ///
    /// Prints "ok" per valid file; for an invalid one, the file, the
    /// line:column or field path, and what is wrong. Exits 2 if any is invalid.
    Validate {
        /// Scenario files (JSON).
        #[arg(required = true, value_name = "SCENARIO")]
        files: Vec<PathBuf>,
        #[command(flatten)]
        limits: crate::limits::LimitArgs,
    },
    /// Check the claims of the seed documents against the simulation.
    ///
    /// Runs every scenario the claim files name (each once), judges each
    /// claim, prints the table — id, claim, measured value with its 95 % CI,
    /// verdict, and whether it matches the pinned verdict — and writes
    /// OUT/report.md and OUT/report.json. Exits 1 when a verdict differs from
    /// its pin, 2 when a claim or scenario file is broken.
    Check(CheckArgs),
    /// Run a scenario over a grid of parameter values.
    ///
    /// Axes come from the scenario's `sweep` block (field path → values) and
    /// from --set. Every cell is a scenario of its own with a seed derived
    /// from the scenario seed and the cell's values, so a cell gives the same
    /// numbers alone, in a sweep or in a shard. Each finished cell is saved
    /// at once in OUT/cells/; re-running skips complete cells. Writes
    /// OUT/sweep.csv (one row per cell × policy × figure) and OUT/sweep.json.
    Sweep(SweepArgs),
    /// Combine sharded sweep outputs into one sweep.csv and sweep.json.
    ///
    /// The result is byte-identical to the unsharded sweep. Missing or
    /// duplicated cells are an error naming them.
    Merge(MergeArgs),
    /// Redraw the charts of a results folder without re-running.
    ///
    /// Reads DIR/summary.json, DIR/timeseries.csv and DIR/latency.csv (as
    /// `retrysim run` writes them) and rewrites DIR/*.png. In a sweep folder
    /// it redraws the sweep-*.png charts from DIR/sweep.json.
    Plot {
        /// A results folder, e.g. output/double11-spike.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Measure the engine's speed: events and attempts per second.
    ///
    /// Runs a bare event-queue loop, then one replication of every policy of
    /// the scenario on one thread, and prints events/s and simulated
    /// attempts/s. With --scaling, also runs the whole scenario on 1 thread
    /// and on all threads and prints the speed-up.
    Bench(BenchArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (JSON), e.g. scenarios/double11-spike.json.
    #[arg(value_name = "SCENARIO")]
    pub scenario: PathBuf,
    /// Replications per policy [default: the scenario's `replications`].
    #[arg(short, long, value_name = "N")]
    pub replications: Option<u32>,
    /// Seed of every random stream [default: the scenario's `seed`].
    #[arg(short, long, value_name = "S")]
    pub seed: Option<u64>,
    /// Worker threads (0 = all cores); results do not depend on it [default: all cores].
    #[arg(short = 'j', long, value_name = "T", value_parser = crate::commands::parse_threads)]
    pub threads: Option<usize>,
    #[command(flatten)]
    pub limits: crate::limits::LimitArgs,
    /// Output folder [default: output/<scenario name>].
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// No progress bar and no table on the terminal.
    #[arg(short, long)]
    pub quiet: bool,
    /// Skip the PNG charts (redraw them later with `retrysim plot OUT`).
    #[arg(long)]
    pub no_plots: bool,
    /// Write into OUT even if it holds another scenario's results or other
    /// files (retrysim's own stale files there are removed).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Scenario file (JSON), usually with a `sweep` block.
    #[arg(value_name = "SCENARIO")]
    pub scenario: PathBuf,
    /// An axis PATH=V1,V2,… (e.g. policies[*].backoff.base=0.1,0.5,1); repeat for more axes.
    #[arg(long, value_name = "PATH=V1,V2")]
    pub set: Vec<String>,
    /// Replications per policy in every cell [default: the scenario's].
    #[arg(short, long, value_name = "N")]
    pub replications: Option<u32>,
    /// Base seed the cell seeds derive from [default: the scenario's].
    #[arg(short, long, value_name = "S")]
    pub seed: Option<u64>,
    /// Worker threads (0 = all cores) [default: all cores].
    #[arg(short = 'j', long, value_name = "T", value_parser = crate::commands::parse_threads)]
    pub threads: Option<usize>,
    #[command(flatten)]
    pub limits: crate::limits::LimitArgs,
    /// Output folder [default: output/<scenario name>-sweep].
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Run only shard K of N (every N-th cell, from the K-th), e.g. $SLURM_ARRAY_TASK_ID/$N.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// The figure the table on the terminal shows, by its name in the data
    /// files (success_rate, user_recovery_s, latency_p99_s, cost_per_success, …)
    /// [default: metastable runs when judged, else writes when contended,
    /// else success_rate].
    #[arg(long, value_name = "NAME", value_parser = crate::commands::parse_figure)]
    pub figure: Option<retrysim_model::Metric>,
    /// Write into OUT even if it holds another scenario's results or other
    /// files (a sweep of the same scenario is resumed without it).
    #[arg(long)]
    pub force: bool,
    /// No progress bar or messages.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard output folders: shards of one sweep (same scenario, seed,
    /// replications and axes), run by a retrysim with this one's model
    /// (`retrysim --version`); anything else is refused, naming what differs.
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Where sweep.csv and sweep.json go (with a manifest and the cells, so
    /// that the result can be merged again).
    #[arg(short, long, value_name = "DIR")]
    pub out: PathBuf,
    /// Write into OUT even if it holds another scenario's results or other
    /// files.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Claim files or folders of them.
    #[arg(value_name = "PATHS", default_value = "scenarios/claims")]
    pub paths: Vec<PathBuf>,
    /// Replications per policy for every scenario [default: each scenario's own].
    #[arg(short, long, value_name = "N")]
    pub replications: Option<u32>,
    /// Random seed for every scenario [default: each scenario's own].
    #[arg(short, long, value_name = "S")]
    pub seed: Option<u64>,
    /// Worker threads (0 = all cores) [default: all cores].
    #[arg(short = 'j', long, value_name = "T", value_parser = crate::commands::parse_threads)]
    pub threads: Option<usize>,
    #[command(flatten)]
    pub limits: crate::limits::LimitArgs,
    /// Where report.md and report.json go.
    #[arg(short, long, value_name = "DIR", default_value = "output/claims")]
    pub out: PathBuf,
    /// Also replace the claims table of this README (between
    /// `<!-- claims:start -->` and `<!-- claims:end -->`).
    #[arg(long, value_name = "FILE")]
    pub update_readme: Option<PathBuf>,
    /// Print only errors.
    #[arg(short, long)]
    pub quiet: bool,
    /// Write into OUT even if it holds other results or files retrysim did
    /// not write (a report of an older retrysim, say).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Scenario to time.
    #[arg(
        value_name = "SCENARIO",
        default_value = "scenarios/double11-spike.json"
    )]
    pub scenario: PathBuf,
    /// Pending events held in the bare queue loop.
    #[arg(long, value_name = "N", default_value_t = 10_000,
          value_parser = clap::value_parser!(u32).range(1..=100_000_000))]
    pub queue_size: u32,
    /// Also measure the speed-up from 1 thread to all threads.
    #[arg(long)]
    pub scaling: bool,
    /// Replications per policy for --scaling.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub replications: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
