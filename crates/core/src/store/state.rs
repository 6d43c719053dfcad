//! Engine state: runs (`sync_history`), per-phase checkpoints (`sync_state`), the persisted
//! rate-limit hold, API usage per rolling 24 hours, capabilities and the account.
//!
//! Every stored status, kind, reason and cursor is read back through its typed `FromSql`: an
//! unknown value is an error, never a silent default.

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use rusqlite::{OptionalExtension, Row, params};

use super::row::{FromRow, bad_value, get_opt_u64, get_ts, get_u64};
use super::{Sql, ts};
use crate::domain::{
    Capability, CapabilityValue, Checkpoint, Cursor, LimitReason, Phase, PhaseProgress,
    PhaseStatus, RunId, RunKind, RunRecord, RunStatus,
};

/// The `sync_state` row that holds the hold shared by every phase (the one request gate).
pub const GATE_KEY: &str = "request_gate";

impl FromRow for RunRecord {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<RunRecord> {
        let started = get_ts(r, "started_at")?.ok_or_else(|| bad_value("started_at", "missing"))?;
        Ok(RunRecord {
            id: r.get::<_, RunId>("id")?.get(),
            kind: r.get("kind")?,
            started_at: started,
            finished_at: get_ts(r, "finished_at")?,
            status: r.get("status")?,
            api_calls: get_u64(r, "api_calls")?,
            rate_limited_count: get_u64(r, "rate_limited_count")?,
            waited_seconds: get_u64(r, "waited_seconds")?,
            items_added: get_u64(r, "items_added")?,
            items_updated: get_u64(r, "items_updated")?,
            items_removed: get_u64(r, "items_removed")?,
            error: r.get("error")?,
        })
    }
}

const RUN_COLS: &str = "id, kind, started_at, finished_at, status, api_calls, rate_limited_count,
     waited_seconds, items_added, items_updated, items_removed, error";

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

/// The minute bucket of `api_usage` a request at `t` counts in.
pub(super) fn minute(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:00Z").to_string()
}

impl Sql<'_> {
    pub fn run(&self, id: RunId) -> rusqlite::Result<Option<RunRecord>> {
        self.one(
            &format!("SELECT {RUN_COLS} FROM sync_history WHERE id = ?1"),
            [id],
        )
    }

    /// The run that did not finish (running, paused, rate-limited or failed), if any, with the
    /// phases it was planned with.
    pub fn unfinished_run(&self) -> rusqlite::Result<Option<(RunRecord, Vec<Phase>)>> {
        let c = self.0;
        let row = c
            .query_row(
                &format!(
                    "SELECT {RUN_COLS}, phases FROM sync_history
                     WHERE status IN ('running', 'paused', 'rate_limited', 'failed')
                       AND kind != 'plays'
                     ORDER BY id DESC LIMIT 1"
                ),
                [],
                |r| {
                    Ok((
                        RunRecord::from_row(r)?,
                        r.get::<_, Option<String>>("phases")?,
                    ))
                },
            )
            .optional()?;
        // Only the most recent library run can be resumed: an older unfinished one was
        // superseded. Listening-history polls (kind `plays`) run in between without superseding
        // anything.
        let last: Option<RunRecord> = self.one(
            &format!(
                "SELECT {RUN_COLS} FROM sync_history WHERE kind != 'plays'
                 ORDER BY id DESC LIMIT 1"
            ),
            [],
        )?;
        Ok(match (row, last) {
            (Some((run, phases)), Some(last)) if last.id == run.id => {
                let phases: Vec<Phase> = match phases {
                    None => Vec::new(),
                    Some(p) => serde_json::from_str(&p).map_err(|e| bad_value("phases", e))?,
                };
                Some((run, phases))
            }
            _ => None,
        })
    }

    pub fn last_run(&self) -> rusqlite::Result<Option<RunRecord>> {
        self.one(
            &format!("SELECT {RUN_COLS} FROM sync_history ORDER BY id DESC LIMIT 1"),
            [],
        )
    }

    /// Last successful run of a kind.
    pub fn last_success(&self, kind: RunKind) -> rusqlite::Result<Option<RunRecord>> {
        self.one(
            &format!(
                "SELECT {RUN_COLS} FROM sync_history WHERE kind = ?1 AND status = 'success'
                 ORDER BY id DESC LIMIT 1"
            ),
            [kind],
        )
    }

    /// The most recent runs, newest first.
    pub fn history(&self, limit: u32) -> rusqlite::Result<Vec<RunRecord>> {
        self.all(
            &format!("SELECT {RUN_COLS} FROM sync_history ORDER BY id DESC LIMIT ?1"),
            [i64::from(limit)],
        )
    }

    /// Start a run and its phase rows (pending). Call inside a transaction.
    pub(crate) fn create_run(
        &self,
        kind: RunKind,
        phases: &[Phase],
        now: DateTime<Utc>,
    ) -> rusqlite::Result<RunId> {
        let c = self.0;
        let now_s = ts(now);
        let phases_json = serde_json::to_string(phases).map_err(|e| bad_value("phases", e))?;
        c.execute(
            "INSERT INTO sync_history (kind, started_at, status, phases)
             VALUES (?1, ?2, 'running', ?3)",
            params![kind, now_s, phases_json],
        )?;
        let id = RunId::new(c.last_insert_rowid())
            .ok_or_else(|| bad_value("id", "run ids start at 1"))?;
        for (order, p) in phases.iter().enumerate() {
            c.execute(
                "INSERT INTO sync_state (state_key, sync_history_id, entity_type, current_offset,
                                         total_items, items_processed, status, last_error,
                                         rate_limit_reset_at, rate_limit_reason, cursor,
                                         created_at, updated_at, completed_at, run_order)
                 VALUES (?1, ?2, ?1, 0, NULL, 0, 'pending', NULL, NULL, NULL, NULL, ?3, ?3, NULL,
                         ?4)
                 ON CONFLICT(state_key) DO UPDATE SET
                   sync_history_id = excluded.sync_history_id, current_offset = 0,
                   total_items = NULL, items_processed = 0, status = 'pending', last_error = NULL,
                   rate_limit_reset_at = NULL, rate_limit_reason = NULL, cursor = NULL,
                   after_cursor = NULL, created_at = excluded.created_at, updated_at = excluded.updated_at,
                   completed_at = NULL, run_order = excluded.run_order",
                params![p, id, now_s, order as i64],
            )?;
        }
        // A fresh run starts its playlists' item fetches from scratch.
        c.execute("DELETE FROM playlist_items_staging", [])?;
        Ok(id)
    }

    pub fn phase(&self, phase: Phase) -> rusqlite::Result<Option<PhaseRow>> {
        self.one("SELECT * FROM sync_state WHERE state_key = ?1", [phase])
    }

    /// The phase rows of a run, in run order.
    pub fn phases_of_run(&self, run_id: i64) -> rusqlite::Result<Vec<PhaseRow>> {
        self.all(
            "SELECT * FROM sync_state WHERE sync_history_id = ?1 AND state_key != ?2
             ORDER BY run_order, state_key",
            params![run_id, GATE_KEY],
        )
    }

    /// A phase's checkpoint (call inside the batch's transaction).
    pub(crate) fn save_checkpoint(
        &self,
        phase: Phase,
        cp: &Checkpoint,
        status: PhaseStatus,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        self.0
            .prepare_cached(
                "UPDATE sync_state SET current_offset = ?2, total_items = ?3, items_processed = ?4,
                                   cursor = ?5, status = ?6, updated_at = ?7, after_cursor = ?8,
                                   completed_at = CASE WHEN ?6 IN ('success', 'failed', 'cancelled')
                                                       THEN ?7 ELSE NULL END,
                                   last_error = CASE WHEN ?6 = 'success' THEN NULL
                                                     ELSE last_error END
                 WHERE state_key = ?1",
            )?
            .execute(params![
                phase,
                cp.current_offset as i64,
                cp.total_items.map(|n| n as i64),
                cp.items_processed as i64,
                cp.cursor,
                status,
                ts(now),
                cp.after
            ])?;
        Ok(())
    }

    pub(crate) fn set_phase_status(
        &self,
        phase: Phase,
        status: PhaseStatus,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        self.0.execute(
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
        self.0.execute(
            "UPDATE sync_state SET status = 'cancelled', completed_at = ?2, updated_at = ?2
             WHERE sync_history_id = ?1 AND status NOT IN ('success', 'failed', 'skipped')
               AND state_key != ?3",
            params![run_id, ts(now), GATE_KEY],
        )?;
        Ok(())
    }

    /// Add a batch's counts to its run (inside the batch's transaction).
    pub(crate) fn add_run_counts(
        &self,
        run_id: RunId,
        added: u64,
        updated: u64,
        removed: u64,
    ) -> rusqlite::Result<()> {
        self.0
            .prepare_cached(
                "UPDATE sync_history SET items_added = items_added + ?2,
                                         items_updated = items_updated + ?3,
                                         items_removed = items_removed + ?4
                 WHERE id = ?1",
            )?
            .execute(params![
                run_id,
                added as i64,
                updated as i64,
                removed as i64
            ])?;
        Ok(())
    }

    /// Requests the run has sent so far.
    pub fn run_api_calls(&self, run_id: RunId) -> rusqlite::Result<u64> {
        let n: Option<i64> = self
            .0
            .prepare_cached("SELECT api_calls FROM sync_history WHERE id = ?1")?
            .query_row([run_id], |r| r.get(0))
            .optional()?;
        Ok(n.unwrap_or(0).max(0) as u64)
    }

    pub(crate) fn add_waited(
        &self,
        run_id: RunId,
        secs: u64,
        limited: bool,
    ) -> rusqlite::Result<()> {
        self.0.execute(
            "UPDATE sync_history SET waited_seconds = waited_seconds + ?2,
                                     rate_limited_count = rate_limited_count + ?3
             WHERE id = ?1",
            params![run_id, secs as i64, i64::from(limited)],
        )?;
        Ok(())
    }

    /// Close a run that stopped at a hold with only enrichment left as a success (its end
    /// time stays when it stopped), with `note` saying what goes on elsewhere.
    pub(crate) fn close_superseded(&self, run_id: RunId, note: &str) -> rusqlite::Result<()> {
        self.0.execute(
            "UPDATE sync_history SET status = 'success', error = ?2 WHERE id = ?1",
            params![run_id, note],
        )?;
        Ok(())
    }

    pub(crate) fn set_run_status(
        &self,
        run_id: RunId,
        status: RunStatus,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        let finished = (!matches!(status, RunStatus::Running)).then(|| ts(now));
        self.0.execute(
            "UPDATE sync_history SET status = ?2, error = ?3, finished_at = ?4 WHERE id = ?1",
            params![run_id, status, error, finished],
        )?;
        Ok(())
    }

    /// Count one request sent: rolling usage and the run's counter (call inside a transaction).
    pub(crate) fn record_call(
        &self,
        run_id: Option<RunId>,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        self.0
            .prepare_cached(
                "INSERT INTO api_usage (minute, calls) VALUES (?1, 1)
                 ON CONFLICT(minute) DO UPDATE SET calls = calls + 1",
            )?
            .execute([minute(now)])?;
        if let Some(id) = run_id {
            self.0
                .prepare_cached("UPDATE sync_history SET api_calls = api_calls + 1 WHERE id = ?1")?
                .execute([id])?;
        }
        Ok(())
    }

    /// Requests sent in the 24 hours before `now` (minute resolution).
    pub fn calls_24h(&self, now: DateTime<Utc>) -> rusqlite::Result<u64> {
        let since = minute(now - ChronoDuration::hours(24));
        self.0
            .query_row(
                "SELECT COALESCE(SUM(calls), 0) FROM api_usage WHERE minute > ?1",
                [since],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n.max(0) as u64)
    }

    pub(crate) fn prune_usage(&self, now: DateTime<Utc>) -> rusqlite::Result<()> {
        let before = minute(now - ChronoDuration::hours(48));
        self.0
            .execute("DELETE FROM api_usage WHERE minute < ?1", [before])?;
        Ok(())
    }

    /// Persist a hold: no request before `until`. Written on the gate row and on the phase's row.
    pub(crate) fn save_block(
        &self,
        until: DateTime<Utc>,
        reason: LimitReason,
        phase: Option<Phase>,
        run_id: Option<RunId>,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        let now_s = ts(now);
        self.0.execute(
            "INSERT INTO sync_state (state_key, sync_history_id, entity_type, status,
                                     rate_limit_reset_at, rate_limit_reason, created_at,
                                     updated_at)
             VALUES (?1, ?2, 'gate', 'rate_limited', ?3, ?4, ?5, ?5)
             ON CONFLICT(state_key) DO UPDATE SET
               sync_history_id = COALESCE(excluded.sync_history_id, sync_history_id),
               status = 'rate_limited', rate_limit_reset_at = excluded.rate_limit_reset_at,
               rate_limit_reason = excluded.rate_limit_reason, updated_at = excluded.updated_at",
            params![GATE_KEY, run_id, ts(until), reason, now_s],
        )?;
        if let Some(p) = phase {
            self.0.execute(
                "UPDATE sync_state SET rate_limit_reset_at = ?2, rate_limit_reason = ?3,
                                       status = 'rate_limited', updated_at = ?4
                 WHERE state_key = ?1",
                params![p, ts(until), reason, now_s],
            )?;
        }
        Ok(())
    }

    /// The hold is over: forget it everywhere.
    pub(crate) fn clear_block(&self, now: DateTime<Utc>) -> rusqlite::Result<()> {
        self.0.execute(
            "UPDATE sync_state SET rate_limit_reset_at = NULL, rate_limit_reason = NULL,
                                   status = CASE WHEN state_key = ?1 THEN 'success'
                                                 WHEN status = 'rate_limited' THEN 'in_progress'
                                                 ELSE status END,
                                   updated_at = ?2
             WHERE rate_limit_reset_at IS NOT NULL",
            params![GATE_KEY, ts(now)],
        )?;
        Ok(())
    }

    /// The latest persisted hold still in the future. A hold saved without a reason is taken
    /// as the 30-second window; an unknown reason or an unreadable time is an error.
    pub fn load_block(
        &self,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<Option<(DateTime<Utc>, LimitReason)>> {
        let mut st = self.0.prepare(
            "SELECT rate_limit_reset_at, rate_limit_reason FROM sync_state
             WHERE rate_limit_reset_at IS NOT NULL",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                get_ts(r, "rate_limit_reset_at")?,
                r.get::<_, Option<LimitReason>>("rate_limit_reason")?,
            ))
        })?;
        let mut best: Option<(DateTime<Utc>, LimitReason)> = None;
        for row in rows {
            let (Some(t), reason) = row? else { continue };
            if t <= now {
                continue;
            }
            let reason = reason.unwrap_or(LimitReason::Window);
            if best.is_none_or(|(b, _)| t > b) {
                best = Some((t, reason));
            }
        }
        Ok(best)
    }

    pub fn capability(&self, name: Capability) -> rusqlite::Result<Option<CapabilityValue>> {
        self.0
            .query_row(
                "SELECT value FROM capabilities WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()
    }

    pub(crate) fn set_capability(
        &self,
        name: Capability,
        value: CapabilityValue,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        self.0.execute(
            "INSERT INTO capabilities (name, value, detected_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(name) DO UPDATE SET value = excluded.value,
                                             detected_at = excluded.detected_at
             WHERE capabilities.value != excluded.value",
            params![name, value, ts(now)],
        )?;
        Ok(())
    }

    /// A value of the connected account (`user_id`, `display_name`).
    pub fn account(&self, key: &str) -> rusqlite::Result<Option<String>> {
        Ok(self
            .0
            .query_row("SELECT value FROM account WHERE key = ?1", [key], |r| {
                r.get::<_, Option<String>>(0)
            })
            .optional()?
            .flatten())
    }

    pub(crate) fn set_account(
        &self,
        key: &str,
        value: Option<&str>,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        self.0.execute(
            "INSERT INTO account (key, value, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(key) DO UPDATE SET value = COALESCE(excluded.value, account.value),
                                            updated_at = excluded.updated_at",
            params![key, value, ts(now)],
        )?;
        Ok(())
    }
}
