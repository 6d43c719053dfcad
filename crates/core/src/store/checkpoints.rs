//! Checkpoints (`sync_state`): one row per phase of the current (or last) run, with where the
//! phase is, how it ended, and the hold that stopped it.

use chrono::{DateTime, Utc};
use rusqlite::{Row, params};

use super::hold::LEGACY_HOLD_KEY;
use super::row::{FromRow, get_opt_u64, get_ts, get_u64};
use super::{Sql, ts};
use crate::domain::{Checkpoint, Cursor, LimitReason, Phase, PhaseProgress, PhaseStatus, RunId};

/// A checkpoint row of a phase.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseRow {
    pub phase: Phase,
    pub run_id: Option<RunId>,
    pub status: PhaseStatus,
    pub checkpoint: Checkpoint,
    pub last_error: Option<String>,
    pub rate_limit_reset_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl FromRow for PhaseRow {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<PhaseRow> {
        Ok(PhaseRow {
            phase: r.get("entity_type")?,
            run_id: r.get("sync_history_id")?,
            status: r.get("status")?,
            checkpoint: Checkpoint {
                current_offset: get_u64(r, "current_offset")?,
                total_items: get_opt_u64(r, "total_items")?,
                items_processed: get_u64(r, "items_processed")?,
                cursor: r.get::<_, Option<Cursor>>("cursor")?,
                after: r.get("after_cursor")?,
            },
            last_error: r.get("last_error")?,
            rate_limit_reset_at: get_ts(r, "rate_limit_reset_at")?,
            updated_at: get_ts(r, "updated_at")?,
        })
    }
}

impl PhaseRow {
    /// Whether run `run_id` has done this phase (success, or skipped for a scope).
    pub fn done_in(&self, run_id: i64) -> bool {
        matches!(self.status, PhaseStatus::Success | PhaseStatus::Skipped)
            && self.run_id.map(|i| i.get()) == Some(run_id)
    }

    pub fn progress(&self) -> PhaseProgress {
        PhaseProgress {
            phase: self.phase,
            status: self.status,
            done: self.checkpoint.items_processed,
            total: self.checkpoint.total_items,
            last_error: self.last_error.clone(),
            rate_limit_reset_at: self.rate_limit_reset_at,
            updated_at: self.updated_at,
        }
    }
}

impl Sql<'_> {
    pub fn phase(&self, phase: Phase) -> rusqlite::Result<Option<PhaseRow>> {
        self.one("SELECT * FROM sync_state WHERE state_key = ?1", [phase])
    }

    /// The phase rows of a run, in run order. (A database an earlier spotsync left, read
    /// before this one upgraded it, still keeps the hold among them: it is no phase.)
    pub fn phases_of_run(&self, run_id: i64) -> rusqlite::Result<Vec<PhaseRow>> {
        self.all(
            "SELECT * FROM sync_state WHERE sync_history_id = ?1 AND state_key != ?2
             ORDER BY run_order, state_key",
            params![run_id, LEGACY_HOLD_KEY],
        )
    }

    /// A phase's row for a new run: pending, from the start, at its place in the run.
    pub(super) fn start_checkpoint(
        &self,
        phase: Phase,
        run_id: RunId,
        order: usize,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        self.exec(
            "INSERT INTO sync_state (state_key, sync_history_id, entity_type, current_offset,
                                     total_items, items_processed, status, last_error,
                                     rate_limit_reset_at, rate_limit_reason, cursor,
                                     created_at, updated_at, completed_at, run_order)
             VALUES (?1, ?2, ?1, 0, NULL, 0, 'pending', NULL, NULL, NULL, NULL, ?3, ?3, NULL, ?4)
             ON CONFLICT(state_key) DO UPDATE SET
               sync_history_id = excluded.sync_history_id, current_offset = 0,
               total_items = NULL, items_processed = 0, status = 'pending', last_error = NULL,
               rate_limit_reset_at = NULL, rate_limit_reason = NULL, cursor = NULL,
               after_cursor = NULL, created_at = excluded.created_at,
               updated_at = excluded.updated_at, completed_at = NULL,
               run_order = excluded.run_order",
            params![phase, run_id, ts(now), order as i64],
        )?;
        Ok(())
    }

    /// A phase's checkpoint (call inside the batch's transaction).
    pub(crate) fn save_checkpoint(
        &self,
        phase: Phase,
        cp: &Checkpoint,
        status: PhaseStatus,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        self.exec(
            "UPDATE sync_state SET current_offset = ?2, total_items = ?3, items_processed = ?4,
                                   cursor = ?5, status = ?6, updated_at = ?7, after_cursor = ?8,
                                   completed_at = CASE WHEN ?6 IN ('success', 'failed', 'cancelled')
                                                       THEN ?7 ELSE NULL END,
                                   last_error = CASE WHEN ?6 = 'success' THEN NULL
                                                     ELSE last_error END
             WHERE state_key = ?1",
            params![
                phase,
                cp.current_offset as i64,
                cp.total_items.map(|n| n as i64),
                cp.items_processed as i64,
                cp.cursor,
                status,
                ts(now),
                cp.after
            ],
        )?;
        Ok(())
    }

    pub(crate) fn set_phase_status(
        &self,
        phase: Phase,
        status: PhaseStatus,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        self.exec(
            "UPDATE sync_state SET status = ?2, last_error = COALESCE(?3, last_error),
                                   updated_at = ?4,
                                   completed_at = CASE WHEN ?2 IN ('success', 'failed', 'cancelled',
                                                                   'skipped')
                                                       THEN ?4 ELSE completed_at END
             WHERE state_key = ?1",
            params![phase, status, error, ts(now)],
        )?;
        Ok(())
    }

    /// Close every phase of a cancelled run that had not finished.
    pub(crate) fn cancel_unfinished_phases(
        &self,
        run_id: RunId,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        self.exec(
            "UPDATE sync_state SET status = 'cancelled', completed_at = ?2, updated_at = ?2
             WHERE sync_history_id = ?1 AND status NOT IN ('success', 'failed', 'skipped')",
            params![run_id, ts(now)],
        )?;
        Ok(())
    }

    /// The phase stopped at a hold: no request of it before `until`.
    pub(super) fn hold_phase(
        &self,
        phase: Phase,
        until: DateTime<Utc>,
        reason: LimitReason,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        self.exec(
            "UPDATE sync_state SET rate_limit_reset_at = ?2, rate_limit_reason = ?3,
                                   status = 'rate_limited', updated_at = ?4
             WHERE state_key = ?1",
            params![phase, ts(until), reason, ts(now)],
        )?;
        Ok(())
    }

    /// The hold is over: the phases it stopped go on.
    pub(super) fn release_phases(&self, now: DateTime<Utc>) -> rusqlite::Result<()> {
        self.exec(
            "UPDATE sync_state SET rate_limit_reset_at = NULL, rate_limit_reason = NULL,
                                   status = CASE WHEN status = 'rate_limited' THEN 'in_progress'
                                                 ELSE status END,
                                   updated_at = ?1
             WHERE rate_limit_reset_at IS NOT NULL",
            [ts(now)],
        )?;
        Ok(())
    }
}
