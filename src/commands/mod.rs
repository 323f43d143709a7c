//! One module per subcommand.

pub mod bench;
pub mod check;
pub mod plot;
pub mod run;
pub mod sweep;
pub mod validate;
