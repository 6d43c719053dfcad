//! The shared vocabulary of the engine, the plan, the store and the front ends: phases, run
//! kinds and start modes, statuses, limit reasons, change kinds, capabilities, checkpoints, the
//! page and batch sizes the engine reads in (and the plan counts in), and the `account` keys
//! the engine writes and the plan reads.
//!
//! A leaf module: it imports nothing from `sync` or `store`. Every enum that is stored has one
//! stable text value (the one the database has always held), `ToSql`/`FromSql` impls, and an
//! unknown value read back from the database is an error ([`FromSqlError`]), never a default.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};

/// An unknown text value where one of a closed set was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}")]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
}

/// Stored-text enums: one `as_str` and its inverse, plus the SQL conversions.
macro_rules! text_enum {
    ($ty:ident, $what:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            /// The stable text stored in the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $text,)+
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($ty::$variant),)+
                    other => Err(UnknownValue { what: $what, value: other.to_string() }),
                }
            }
        }

        impl ToSql for $ty {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $ty {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let s = value.as_str()?;
                s.parse().map_err(|e: UnknownValue| FromSqlError::Other(Box::new(e)))
            }
        }
    };
}

/// A sync phase. The derive order is the default run order: cheap, valuable data first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// `/me/tracks`: saved tracks with their albums and artists (simplified objects).
    Tracks,
    /// `/me/playlists`, then the items of readable playlists whose snapshot changed.
    Playlists,
    /// `/me/albums`: saved albums, as full album objects (harvested: stored as enriched).
    AlbumsSaved,
    /// `/me/following?type=artist`: followed artists, full objects (harvested).
    ArtistsFollowed,
    /// `/me/shows`: saved podcasts.
    Shows,
    /// `/me/episodes`: saved podcast episodes.
    Episodes,
    /// `/me/audiobooks`: saved audiobooks.
    Audiobooks,
    /// `/me/top/artists` and `/me/top/tracks` for each time range: a daily snapshot.
    Top,
    /// One `/albums/{id}` per album never enriched (or `/albums?ids=` where the app has it).
    Albums,
    /// One `/artists/{id}` per artist never enriched (or `/artists?ids=`).
    Artists,
    /// `/me/player/recently-played`: listening history.
    Plays,
}

text_enum!(Phase, "phase", {
    Tracks => "tracks",
    Playlists => "playlists",
    AlbumsSaved => "albums_saved",
    ArtistsFollowed => "artists_followed",
    Shows => "shows",
    Episodes => "episodes",
    Audiobooks => "audiobooks",
    Top => "top",
    Albums => "albums",
    Artists => "artists",
    Plays => "plays",
});

impl Phase {
    /// Every phase in default order.
    pub const ALL: [Phase; 11] = [
        Phase::Tracks,
        Phase::Playlists,
        Phase::AlbumsSaved,
        Phase::ArtistsFollowed,
        Phase::Shows,
        Phase::Episodes,
        Phase::Audiobooks,
        Phase::Top,
        Phase::Albums,
        Phase::Artists,
        Phase::Plays,
    ];
}

/// The top lists (`/me/top/{type}?time_range=`) as (item type, time range), in the order the
/// top phase walks them (and the plan and the probe count them).
pub const TOP_LIST_ORDER: [(&str, &str); 6] = [
    ("artist", "short_term"),
    ("artist", "medium_term"),
    ("artist", "long_term"),
    ("track", "short_term"),
    ("track", "medium_term"),
    ("track", "long_term"),
];

/// Offset stride of the top phase's checkpoint (`list × TOP_STRIDE + offset within the list`, the
/// lists in [`TOP_LIST_ORDER`]): far above any top list's length (Spotify serves a few hundred).
pub const TOP_STRIDE: u64 = 100_000;

/// Items per page of every paged list the engine reads (Spotify's largest page), and the page
/// the plan counts in.
pub const PAGE: u32 = 50;
/// Albums per `GET /albums?ids=` (where the app may use it).
pub const ALBUM_BATCH: u32 = 20;
/// Artists per `GET /artists?ids=` (where the app may use it).
pub const ARTIST_BATCH: u32 = 50;

/// The `account` key of the user's Spotify id (from `GET /me`).
pub const USER_ID_KEY: &str = "user_id";
/// The `account` key of the user's display name (from `GET /me`).
pub const DISPLAY_NAME_KEY: &str = "display_name";
/// The `account` key holding the day of the last complete top-lists snapshot.
pub const TOP_SNAPSHOT_KEY: &str = "top_snapshot_date";
/// The `account` key the last probe is kept under (JSON).
pub const PROBE_KEY: &str = "plan_probe";

/// The `account` key set when a list's walk first completed: its changes are journaled only
/// from then on (a list new to an existing mirror is not journaled as all added).
pub fn mirrored_key(phase: Phase) -> String {
    format!("mirrored_{phase}")
}

/// How to start a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartMode {
    /// Resume the unfinished run if there is one; else incremental when a complete mirror exists,
    /// else full.
    Auto,
    /// A fresh full run (an unfinished run is closed as cancelled first).
    Full,
    /// An incremental run (an unfinished run is resumed first).
    Incremental,
}

/// What a request is for, highest priority first: the gate lets a lower class stop earlier in
/// the daily budget so the higher ones always find room (see [`crate::quota`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestClass {
    /// The listening-history poll: Spotify keeps only the last 50 plays, so it is never
    /// starved.
    History,
    /// Incremental work once a complete mirror exists: first pages, the playlist list,
    /// changed playlists, new lists.
    Changes,
    /// Full walks of the library's lists (a first mirror, or `sync --full`).
    Mirror,
    /// Details of albums and artists, one request each in Development Mode.
    Enrich,
}

text_enum!(RequestClass, "request class", {
    History => "history",
    Changes => "changes",
    Mirror => "mirror",
    Enrich => "enrich",
});

impl RequestClass {
    /// Every class, highest priority first.
    pub const ALL: [RequestClass; 4] = [
        RequestClass::History,
        RequestClass::Changes,
        RequestClass::Mirror,
        RequestClass::Enrich,
    ];

    /// The class of a phase's requests in a run of `kind`.
    pub fn of(phase: Phase, kind: RunKind) -> RequestClass {
        match phase {
            Phase::Plays => RequestClass::History,
            Phase::Albums | Phase::Artists => RequestClass::Enrich,
            _ if kind == RunKind::Full => RequestClass::Mirror,
            _ => RequestClass::Changes,
        }
    }
}

/// What kind of run (`sync_history.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    /// Reads everything; detects removals.
    Full,
    /// Reads only what changed since the last complete mirror.
    Incremental,
    /// Only the listening-history poll.
    Plays,
}

text_enum!(RunKind, "run kind", {
    Full => "full",
    Incremental => "incremental",
    Plays => "plays",
});

/// Status of one phase of a run (`sync_state.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhaseStatus {
    Pending,
    InProgress,
    Paused,
    RateLimited,
    Success,
    Failed,
    Cancelled,
    /// Not run: the token lacks a scope this phase needs (its error names it). The run still
    /// succeeds.
    Skipped,
}

text_enum!(PhaseStatus, "phase status", {
    Pending => "pending",
    InProgress => "in_progress",
    Paused => "paused",
    RateLimited => "rate_limited",
    Success => "success",
    Failed => "failed",
    Cancelled => "cancelled",
    Skipped => "skipped",
});

impl PhaseStatus {
    /// True when the phase will not move again in this run.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            PhaseStatus::Success
                | PhaseStatus::Failed
                | PhaseStatus::Cancelled
                | PhaseStatus::Skipped
        )
    }
}

/// Status of a whole run (`sync_history.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Running now (or the process died while it ran: it will be resumed).
    Running,
    /// Stopped between batches by the user; resumable.
    Paused,
    /// Stopped by a rate limit or quota longer than the caller wanted to wait; resumable.
    RateLimited,
    Success,
    /// At least one phase failed, or Spotify could not be reached; resumable.
    Failed,
    Cancelled,
}

text_enum!(RunStatus, "run status", {
    Running => "running",
    Paused => "paused",
    RateLimited => "rate_limited",
    Success => "success",
    Failed => "failed",
    Cancelled => "cancelled",
});

/// Why requests are on hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitReason {
    /// Spotify's rolling 30-second window (429 with a short Retry-After).
    Window,
    /// Spotify's daily quota (429 with `"reason":"QUOTA_EXCEEDED"`, Retry-After of hours).
    Quota,
    /// The whole daily budget is spent: the configured `max_calls_per_day`, or the daily quota
    /// learned from Spotify's `QUOTA_EXCEEDED` answers.
    Budget,
    /// Bulk work (full walks, enrichment) stops here to keep the rest of the day's budget for
    /// the listening-history poll and the incremental syncs: see [`crate::quota`].
    Reserve,
}

text_enum!(LimitReason, "limit reason", {
    Window => "window",
    Quota => "quota",
    Budget => "budget",
    Reserve => "reserve",
});

impl LimitReason {
    /// Words for people.
    pub fn describe(self) -> &'static str {
        match self {
            LimitReason::Window => "Spotify's 30-second rate window",
            LimitReason::Quota => "Spotify's daily request quota",
            LimitReason::Budget => "the daily request budget",
            LimitReason::Reserve => "the reserve kept for the listening-history poll",
        }
    }
}

/// What a journaled change did (`library_changes.change`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Removed,
    Renamed,
    PlaylistItemsChanged,
}

text_enum!(ChangeKind, "change kind", {
    Added => "added",
    Removed => "removed",
    Renamed => "renamed",
    PlaylistItemsChanged => "playlist_items_changed",
});

/// What a journaled change is about (`library_changes.entity_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeEntity {
    SavedTrack,
    Playlist,
    SavedAlbum,
    FollowedArtist,
    SavedShow,
    SavedEpisode,
    SavedAudiobook,
}

text_enum!(ChangeEntity, "change entity", {
    SavedTrack => "saved_track",
    Playlist => "playlist",
    SavedAlbum => "saved_album",
    FollowedArtist => "followed_artist",
    SavedShow => "saved_show",
    SavedEpisode => "saved_episode",
    SavedAudiobook => "saved_audiobook",
});

/// What the app is allowed to do, learned from responses (`capabilities.name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// Extended quota mode: full objects (popularity, labels) and every playlist readable.
    /// Values: [`CapabilityValue::True`] / [`CapabilityValue::False`].
    ExtendedQuota,
    /// `/albums?ids=`: [`CapabilityValue::Available`] / [`CapabilityValue::Unavailable`].
    BatchAlbums,
    /// `/artists?ids=`: [`CapabilityValue::Available`] / [`CapabilityValue::Unavailable`].
    BatchArtists,
}

text_enum!(Capability, "capability", {
    ExtendedQuota => "extended_quota",
    BatchAlbums => "batch_albums",
    BatchArtists => "batch_artists",
});

/// A capability's learned value (`capabilities.value`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CapabilityValue {
    True,
    False,
    Available,
    Unavailable,
}

text_enum!(CapabilityValue, "capability value", {
    True => "true",
    False => "false",
    Available => "available",
    Unavailable => "unavailable",
});

impl CapabilityValue {
    /// `True`/`False` from a flag.
    pub fn flag(b: bool) -> CapabilityValue {
        if b {
            CapabilityValue::True
        } else {
            CapabilityValue::False
        }
    }
}

/// Where a phase is within its walk (`sync_state.cursor`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cursor {
    /// Saved tracks, incremental: reading from the newest until a known save.
    Incremental,
    /// Saved tracks: something was un-saved; one full walk (or a bisection) finds what.
    Reconcile,
    /// Playlists: the list is done; now the items of changed playlists.
    Items,
}

text_enum!(Cursor, "checkpoint cursor", {
    Incremental => "incremental",
    Reconcile => "reconcile",
    Items => "items",
});

/// Whether a playlist's items are mirrored (`playlists.items_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemsStatus {
    /// Mirrored for the current snapshot.
    Synced,
    /// To fetch.
    Pending,
    /// Followed, not owned (Development Mode): no contents for this app.
    Forbidden,
    /// Owned by Spotify (`37i9…`): no contents for this app.
    NotFound,
}

text_enum!(ItemsStatus, "playlist items status", {
    Synced => "synced",
    Pending => "pending",
    Forbidden => "forbidden",
    NotFound => "not_found",
});

/// Why an album or artist could not be enriched (`albums.enrich_error`, `artists.enrich_error`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrichError {
    NotFound,
    Forbidden,
    Unreadable,
}

text_enum!(EnrichError, "enrichment error", {
    NotFound => "not_found",
    Forbidden => "forbidden",
    Unreadable => "unreadable",
});

/// A run's id (`sync_history.id`): only the store creates one, so no run 0 is ever written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RunId(i64);

impl RunId {
    /// A run id read from the database or given by a user (`--run`); ids start at 1.
    pub fn new(id: i64) -> Option<RunId> {
        (id > 0).then_some(RunId(id))
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl ToSql for RunId {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0))
    }
}

impl FromSql for RunId {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let n = value.as_i64()?;
        RunId::new(n).ok_or(FromSqlError::OutOfRange(n))
    }
}

/// A phase's checkpoint: where its walk stands (one `sync_state` row).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Checkpoint {
    pub current_offset: u64,
    pub total_items: Option<u64>,
    pub items_processed: u64,
    pub cursor: Option<Cursor>,
    /// A cursor-paged walk's `after` (followed artists): where the next page starts.
    pub after: Option<String>,
}

/// One row of `sync_history`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub id: i64,
    pub kind: RunKind,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub status: RunStatus,
    pub api_calls: u64,
    pub rate_limited_count: u64,
    pub waited_seconds: u64,
    pub items_added: u64,
    pub items_updated: u64,
    pub items_removed: u64,
    pub error: Option<String>,
}

/// One phase of the current or last run (a `sync_state` row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseProgress {
    pub phase: Phase,
    pub status: PhaseStatus,
    pub done: u64,
    pub total: Option<u64>,
    pub last_error: Option<String>,
    pub rate_limit_reset_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests;
