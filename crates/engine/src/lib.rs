//! The discrete-event core of retrysim. It knows nothing of clients, retries
//! or services: only virtual time, an ordered event queue and seeded random
//! streams.
//!
//! # Time
//! Virtual time is an integer count of nanoseconds ([`Nanos`]). Scenario files
//! speak seconds and are converted once, on load, by [`time::secs_to_nanos`].
//! Integer time makes ties exact, so their order can be defined.
//!
//! # Ordering guarantee
//! Events leave the [`EventQueue`] in order of `(time, seq)`, where `seq` is
//! the order in which they were scheduled. Two events at the same instant are
//! therefore handled first-scheduled, first-handled, on every machine.
//!
//! # Cancellation
//! There is none in the queue. A model that wants to cancel a timer keeps a
//! generation number in its own state, copies it into the event, and skips
//! events whose generation is stale when they are popped (lazy cancellation).
//!
//! # Randomness
//! [`rng::stream`] derives an independent ChaCha8 generator from
//! `(seed, replication, purpose)`; components draw from their own stream so
//! that adding a draw to one never shifts another's numbers.

#![deny(missing_docs)]

pub mod process;
pub mod queue;
pub mod rng;
pub mod time;

pub use process::{Process, RunOutcome, run};
pub use queue::EventQueue;
pub use rng::{SimRng, stream};
pub use time::Nanos;
