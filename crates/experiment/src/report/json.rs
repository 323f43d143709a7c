//! `summary.json`.

use crate::summary::Summary;

/// The summary as pretty JSON with a trailing newline. Contains no wall-clock
/// time, thread count or path, so equal runs give equal bytes.
pub fn render(summary: &Summary) -> String {
    let mut s = serde_json::to_string_pretty(summary).expect("summary serialises");
    s.push('\n');
    s
}
