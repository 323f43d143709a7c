//! Renderings of a [`crate::Summary`] as text: JSON, Markdown and CSV.
//! Writing them to files is the caller's business.

pub mod cell;
pub mod csv;
pub mod json;
pub mod latency;
pub mod markdown;
pub mod notes;
pub mod tidy;
