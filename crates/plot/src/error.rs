//! Errors from reading results or drawing charts.

/// Why charts could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// `summary.json` is not what `retrysim run` writes.
    #[error("summary.json: {0} (re-run `retrysim run` to regenerate the results)")]
    Summary(String),
    /// A CSV file is not what `retrysim run` writes.
    #[error("{file}: line {line}: {message} (re-run `retrysim run` to regenerate the results)")]
    Csv {
        file: &'static str,
        line: usize,
        message: String,
    },
    /// The drawing library failed.
    #[error("drawing {chart}: {message}")]
    Draw {
        chart: &'static str,
        message: String,
    },
}
