//! Errors from drawing charts.

/// Why charts could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The drawing library failed.
    #[error("drawing {chart}: {message}")]
    Draw {
        /// The chart.
        chart: &'static str,
        /// What the library said.
        message: String,
    },
    /// The results lack what the chart draws.
    #[error("drawing {chart}: the results hold no {what}")]
    Missing {
        /// The chart.
        chart: &'static str,
        /// What is missing.
        what: &'static str,
    },
}
