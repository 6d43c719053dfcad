//! The contract between the sync engine and whoever drives it (the TUI, the headless CLI, the
//! daemon): [`SyncCommand`] goes in, [`SyncEvent`] comes out, both over tokio mpsc channels and
//! both carrying owned data only. [`StatusSnapshot`] is what a front end loads from the database
//! when it starts, before any event arrives.
//!
//! Nothing here knows about ratatui or crossterm.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A sync phase. The derive order is the default run order: cheap, valuable data first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// `/me/tracks`: saved tracks with their albums and artists (simplified objects).
    Tracks,
    /// `/me/playlists`, then the items of readable playlists whose snapshot changed.
    Playlists,
    /// One `/albums/{id}` per album never enriched (or `/albums?ids=` where the app has it).
    Albums,
    /// One `/artists/{id}` per artist never enriched (or `/artists?ids=`).
    Artists,
    /// `/me/player/recently-played`: listening history.
    Plays,
}

impl Phase {
    /// Every phase in default order.
    pub const ALL: [Phase; 5] = [
        Phase::Tracks,
        Phase::Playlists,
        Phase::Albums,
        Phase::Artists,
        Phase::Plays,
    ];

    /// The stable name used in the database (`sync_state.entity_type`), JSON and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Tracks => "tracks",
            Phase::Playlists => "playlists",
            Phase::Albums => "albums",
            Phase::Artists => "artists",
            Phase::Plays => "plays",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Phase {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Phase::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("unknown phase {s:?}"))
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

impl RunKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RunKind::Full => "full",
            RunKind::Incremental => "incremental",
            RunKind::Plays => "plays",
        }
    }
}

impl fmt::Display for RunKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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
}

impl PhaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PhaseStatus::Pending => "pending",
            PhaseStatus::InProgress => "in_progress",
            PhaseStatus::Paused => "paused",
            PhaseStatus::RateLimited => "rate_limited",
            PhaseStatus::Success => "success",
            PhaseStatus::Failed => "failed",
            PhaseStatus::Cancelled => "cancelled",
        }
    }

    /// True when the phase will not move again in this run.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            PhaseStatus::Success | PhaseStatus::Failed | PhaseStatus::Cancelled
        )
    }
}

impl FromStr for PhaseStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "pending" => PhaseStatus::Pending,
            "in_progress" => PhaseStatus::InProgress,
            "paused" => PhaseStatus::Paused,
            "rate_limited" => PhaseStatus::RateLimited,
            "success" => PhaseStatus::Success,
            "failed" => PhaseStatus::Failed,
            "cancelled" => PhaseStatus::Cancelled,
            other => return Err(format!("unknown phase status {other:?}")),
        })
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
    /// At least one phase failed; resumable.
    Failed,
    Cancelled,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Paused => "paused",
            RunStatus::RateLimited => "rate_limited",
            RunStatus::Success => "success",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
        }
    }
}

impl FromStr for RunStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "running" => RunStatus::Running,
            "paused" => RunStatus::Paused,
            "rate_limited" => RunStatus::RateLimited,
            "success" => RunStatus::Success,
            "failed" => RunStatus::Failed,
            "cancelled" => RunStatus::Cancelled,
            other => return Err(format!("unknown run status {other:?}")),
        })
    }
}

/// Why requests are on hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitReason {
    /// Spotify's rolling 30-second window (429 with a short Retry-After).
    Window,
    /// Spotify's daily quota (429 with `"reason":"QUOTA_EXCEEDED"`, Retry-After of hours).
    Quota,
    /// Our own `max_calls_per_day` budget is spent.
    Budget,
}

impl LimitReason {
    pub fn as_str(self) -> &'static str {
        match self {
            LimitReason::Window => "window",
            LimitReason::Quota => "quota",
            LimitReason::Budget => "budget",
        }
    }

    /// Words for people.
    pub fn describe(self) -> &'static str {
        match self {
            LimitReason::Window => "Spotify's 30-second rate window",
            LimitReason::Quota => "Spotify's daily request quota",
            LimitReason::Budget => "the daily call budget in your config",
        }
    }
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

/// Commands to the engine.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncCommand {
    /// Start (or resume) a run. `only` empty means every phase of the run kind.
    Start { mode: StartMode, only: Vec<Phase> },
    /// Stop at the next batch boundary; the run stays resumable.
    Pause,
    /// Continue a paused run.
    Resume,
    /// Stop now; every committed batch is kept; the run is closed as cancelled.
    Cancel,
    /// Pause at the next batch boundary and end the engine task (quit).
    Shutdown,
    /// Longest rate-limit or quota hold to wait out in-process; a longer one ends the run as
    /// `rate_limited` (resumable) without sending anything. `None` (the default) waits it out.
    SetMaxWait(Option<Duration>),
}

/// Events from the engine. Sent in order; a front end can rebuild its whole view from them plus
/// one [`StatusSnapshot`] loaded at start.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum SyncEvent {
    /// A run started or was resumed from its checkpoints.
    RunStarted {
        run_id: i64,
        kind: RunKind,
        phases: Vec<Phase>,
        resumed: bool,
    },
    /// A phase began (or resumed at `done`).
    PhaseStarted {
        phase: Phase,
        done: u64,
        total: Option<u64>,
    },
    /// One batch was committed (rows + checkpoint in one transaction).
    BatchCommitted {
        phase: Phase,
        /// Items of this phase processed so far in this run.
        done: u64,
        /// Items this phase expects in all, when known.
        total: Option<u64>,
        /// Counts in this batch.
        added: u64,
        updated: u64,
        removed: u64,
        /// Requests this run has sent so far.
        api_calls: u64,
    },
    /// Requests are on hold until `until`; nothing is sent before then.
    RateLimited {
        until: DateTime<Utc>,
        reason: LimitReason,
        phase: Option<Phase>,
    },
    /// The hold ended; requests flow again.
    RateLimitCleared,
    /// A transient failure; the same request is retried after `delay`.
    Retrying {
        phase: Phase,
        attempt: u32,
        #[serde(with = "duration_secs")]
        delay: Duration,
        error: String,
    },
    /// A phase reached a terminal status.
    PhaseFinished {
        phase: Phase,
        status: PhaseStatus,
        error: Option<String>,
    },
    /// The run is paused (at a batch boundary, or at once while waiting for a hold or a retry).
    Paused,
    /// The run continues after a pause.
    Resumed,
    /// Requests used in the rolling 24 hours, against the configured budget.
    ApiUsage { calls_24h: u64, budget: Option<u64> },
    /// The run ended (any status).
    RunFinished { run: RunRecord },
    /// Something went wrong outside a phase (or a fatal error ended the run).
    Error { kind: ErrorKind, message: String },
}

/// Class of an [`SyncEvent::Error`], so front ends can tell the user what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// No usable authorization: run `spotsync auth`.
    Auth,
    /// The database is held by another spotsync.
    Locked,
    /// Anything else.
    Other,
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

/// What a front end shows before any event arrives, loaded from the database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct StatusSnapshot {
    /// The unfinished run, else the last one.
    pub current_run: Option<RunRecord>,
    /// Its phases in run order.
    pub phases: Vec<PhaseProgress>,
    /// When requests are on hold (persisted from a 429 or the budget).
    pub blocked_until: Option<(DateTime<Utc>, LimitReason)>,
    /// Requests sent in the rolling 24 hours.
    pub calls_24h: u64,
    /// `max_calls_per_day` from the config.
    pub daily_budget: Option<u64>,
    /// Most recent runs first.
    pub history: Vec<RunRecord>,
    /// Recorded listening-history gaps, newest first.
    #[serde(default)]
    pub play_gaps: Vec<crate::store::journal::PlayGap>,
}

mod duration_secs {
    use serde::Serializer;
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }
}
