//! The engine's settings (the `[sync]` table of the config file).

use serde::{Deserialize, Serialize};

use super::Phase;

/// `[sync]`: pacing and budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncConfig {
    /// Requests the engine allows itself per rolling 30 seconds before any 429 teaches it less.
    pub requests_per_window: u32,
    /// Our own cap on requests per rolling 24 hours (0 = no cap; Spotify's quota still applies).
    pub max_calls_per_day: u64,
    /// Phases a plain `spotsync sync` runs, in order.
    pub phases: Vec<Phase>,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            requests_per_window: 60,
            max_calls_per_day: 0,
            phases: Phase::ALL.to_vec(),
        }
    }
}
