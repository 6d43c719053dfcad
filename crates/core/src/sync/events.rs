//! The contract between the sync engine and whoever drives it (the TUI, the headless CLI, the
//! daemon): [`SyncCommand`] goes in, [`SyncEvent`] comes out, both over tokio mpsc channels and
//! both carrying owned data only. [`StatusSnapshot`] is what a front end loads from the database
//! when it starts, before any event arrives.
//!
//! The shared types (phases, statuses, run records) live in [`crate::domain`] and are
//! re-exported here. Nothing here knows about ratatui or crossterm.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use crate::domain::{
    LimitReason, Phase, PhaseProgress, PhaseStatus, RunKind, RunRecord, RunStatus, StartMode,
};

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
    /// A listening-history poll fell due (the daemon's schedule): during a run it is sent at
    /// the next batch boundary, ahead of the bulk work (Spotify keeps only the last 50 plays);
    /// between runs it is ignored (start a plays run instead).
    PollPlays,
    /// Longest rate-limit or quota hold to wait out in-process; a longer one ends the run as
    /// `rate_limited` (resumable) without sending anything. `None` (the default) waits it out.
    SetMaxWait(Option<Duration>),
    /// While idle: ask Spotify for the totals of the lists of `only` (empty: the config's
    /// phases) for the plan, storing nothing of the library; ends with [`SyncEvent::Probed`].
    Probe { only: Vec<Phase> },
    /// While idle: read the account (an incremental sync), plan a restore
    /// ([`SyncEvent::RestorePlanned`]) and, when asked, apply it, then read the account again;
    /// ends with [`SyncEvent::RestoreFinished`].
    Restore(RestoreRequest),
}

/// What `spotsync restore` (or the terminal app's Restore screen) asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct RestoreRequest {
    /// The date to restore to (a stored timestamp); `None`: the unfinished restore of the same
    /// selection if there is one, else the mirror as it is before this restore reads the
    /// account (the latest mirror).
    pub as_of: Option<String>,
    pub selection: crate::restore::Selection,
    /// Write it; else only the plan.
    pub apply: bool,
    /// The database of the household account the target is read from
    /// ([`crate::restore::Selection::from`] names it); `None`: this account's own mirror.
    pub from_db: Option<std::path::PathBuf>,
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
    /// A probe ended (see [`SyncCommand::Probe`]): the totals it learned, kept for the plan.
    Probed { probe: crate::plan::Probe },
    /// A restore's plan, after reading the account (see [`SyncCommand::Restore`]).
    RestorePlanned {
        plan: Box<crate::restore::RestorePlan>,
    },
    /// A restore ended: `done` when the account equals its target.
    RestoreFinished {
        restore_id: Option<i64>,
        done: bool,
        /// The status of the run that ended it (the sync that read the account, or the
        /// restore's writes).
        status: RunStatus,
        /// Writes sent by this restore so far (every apply).
        writes: u64,
        /// Write requests still to send.
        left: u64,
        /// Why it did not finish.
        error: Option<String>,
        /// What could not be written back (items Spotify no longer has).
        unavailable: Vec<String>,
    },
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
