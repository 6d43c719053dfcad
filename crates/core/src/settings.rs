//! What a sync is set to do (the `[sync]` table of the config file): the engine runs by it and
//! the plan describes the same sync from it.

use serde::{Deserialize, Serialize};

use crate::domain::Phase;
use crate::quota::Schedule;

/// `[sync]`: pacing and budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncConfig {
    /// Requests the engine allows itself per rolling 30 seconds before any 429 teaches it less.
    pub requests_per_window: u32,
    /// The daily figure, requests per rolling 24 hours, used as given (0 = learn it from
    /// Spotify's `QUOTA_EXCEEDED` answers; see [`crate::quota`]).
    pub max_calls_per_day: u64,
    /// Phases a plain `spotsync sync` runs, in order.
    pub phases: Vec<Phase>,
    /// What to enrich with details, one request per item in Development Mode, most valuable
    /// first: `["artists", "albums"]` (the default), `[]` for none.
    pub enrich: Vec<EnrichTarget>,
    /// The daemon's cadence (from `[daemon]`), which sizes the reserve kept for the plays poll
    /// and the incremental syncs. Not part of `[sync]`.
    #[serde(skip)]
    pub schedule: Schedule,
}

/// What the enrichment phases may fetch details of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrichTarget {
    /// `GET /artists/{id}`: stores images and, when sent, genres (popularity and followers in
    /// Extended Quota).
    Artists,
    /// `GET /albums/{id}`: stores the UPC (label and popularity in Extended Quota); the rest of
    /// an album comes with its tracks.
    Albums,
}

impl SyncConfig {
    /// Whether `phase` is an enrichment phase the config leaves out.
    pub fn enrich_disabled(&self, phase: Phase) -> bool {
        match phase {
            Phase::Albums => !self.enrich.contains(&EnrichTarget::Albums),
            Phase::Artists => !self.enrich.contains(&EnrichTarget::Artists),
            _ => false,
        }
    }
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            requests_per_window: 60,
            max_calls_per_day: 0,
            phases: Phase::ALL.to_vec(),
            enrich: vec![EnrichTarget::Artists, EnrichTarget::Albums],
            schedule: Schedule::default(),
        }
    }
}
