//! Which waiting attempt a free worker takes (docs/model.md §12): first
//! come, first served; last come, first served (the newest caller is the
//! one most likely still waiting); or adaptive LIFO as Facebook's servers
//! do it — FIFO while the queue is short, LIFO once it is longer than a
//! threshold, so that a backlog is served newest first.

use serde::{Deserialize, Serialize};

/// The queue order, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum QueueOrderSpec {
    /// Oldest first.
    #[default]
    Fifo,
    /// Newest first.
    Lifo,
    /// Oldest first while at most `above` wait, newest first beyond.
    AdaptiveLifo {
        /// Queue length beyond which the newest is served first.
        above: u64,
    },
}

impl QueueOrderSpec {
    /// Whether this is the default (left out of the echoed scenario).
    pub(crate) fn is_fifo(&self) -> bool {
        *self == QueueOrderSpec::Fifo
    }

    /// The order the pool uses.
    pub(crate) fn compile(self) -> QueueOrder {
        match self {
            QueueOrderSpec::Fifo => QueueOrder::Fifo,
            QueueOrderSpec::Lifo => QueueOrder::Lifo,
            QueueOrderSpec::AdaptiveLifo { above } => {
                QueueOrder::AdaptiveLifo(above.min(usize::MAX as u64) as usize)
            }
        }
    }
}

/// The queue order, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueueOrder {
    /// Oldest first.
    #[default]
    Fifo,
    /// Newest first.
    Lifo,
    /// Oldest first while at most this many wait, newest first beyond.
    AdaptiveLifo(usize),
}

impl QueueOrder {
    /// The queue length beyond which the newest is served first (FIFO:
    /// never; LIFO: whenever any waits).
    pub fn newest_above(self) -> usize {
        match self {
            QueueOrder::Fifo => usize::MAX,
            QueueOrder::Lifo => 0,
            QueueOrder::AdaptiveLifo(above) => above,
        }
    }
}
