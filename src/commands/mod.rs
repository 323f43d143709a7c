//! One module per subcommand.

pub mod bench;
pub mod check;
pub mod plot;
pub mod run;
pub mod sweep;
pub mod validate;

/// Most worker threads `-j` may ask for.
pub const MAX_THREADS: usize = 1024;

/// `-j`: a whole number from 0 (all cores) to [`MAX_THREADS`].
pub fn parse_threads(s: &str) -> Result<usize, String> {
    let n: usize = s
        .parse()
        .map_err(|_| format!("expected a whole number of threads, got {s:?}"))?;
    if n > MAX_THREADS {
        return Err(format!(
            "at most {MAX_THREADS} threads (0 = one per core), got {n}"
        ));
    }
    Ok(n)
}

/// `1 policy`, `8 policies`: a count with its noun.
pub fn counted(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A figure named as data files name it (`--figure user_recovery_s`).
pub fn parse_figure(s: &str) -> Result<retrysim_model::Metric, String> {
    retrysim::metric_named(s).map_err(|e| e.to_string())
}

/// The worker pool for `-j` (`None` or 0: one thread per core).
pub fn thread_pool(threads: Option<usize>) -> anyhow::Result<rayon::ThreadPool> {
    use anyhow::Context;
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .context("cannot start worker threads")
}
