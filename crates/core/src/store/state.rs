//! Engine state: runs (`sync_history`), per-phase checkpoints (`sync_state`), the persisted
//! rate-limit hold, API usage per rolling 24 hours, capabilities and the account.

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{parse_ts, ts};
use crate::sync::events::{
    LimitReason, Phase, PhaseProgress, PhaseStatus, RunKind, RunRecord, RunStatus,
};

/// The `sync_state` row that holds the hold shared by every phase (the one request gate).
pub const GATE_KEY: &str = "request_gate";

fn kind_from_str(s: &str) -> RunKind {
    match s {
        "incremental" => RunKind::Incremental,
        "plays" => RunKind::Plays,
        _ => RunKind::Full,
    }
}

fn reason_from_str(s: &str) -> Option<LimitReason> {
    match s {
        "window" => Some(LimitReason::Window),
        "quota" => Some(LimitReason::Quota),
        "budget" => Some(LimitReason::Budget),
        _ => None,
    }
}

fn run_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RunRecord> {
    let started: String = r.get("started_at")?;
    let finished: Option<String> = r.get("finished_at")?;
    let status: String = r.get("status")?;
    Ok(RunRecord {
        id: r.get("id")?,
        kind: kind_from_str(&r.get::<_, String>("kind")?),
        started_at: parse_ts(&started).unwrap_or_default(),
        finished_at: finished.as_deref().and_then(parse_ts),
        status: status.parse().unwrap_or(RunStatus::Failed),
        api_calls: r.get::<_, i64>("api_calls")? as u64,
        rate_limited_count: r.get::<_, i64>("rate_limited_count")? as u64,
        waited_seconds: r.get::<_, i64>("waited_seconds")? as u64,
        items_added: r.get::<_, i64>("items_added")? as u64,
        items_updated: r.get::<_, i64>("items_updated")? as u64,
        items_removed: r.get::<_, i64>("items_removed")? as u64,
        error: r.get("error")?,
    })
}

const RUN_COLS: &str = "id, kind, started_at, finished_at, status, api_calls, rate_limited_count,
     waited_seconds, items_added, items_updated, items_removed, error";

pub fn run(c: &Connection, id: i64) -> rusqlite::Result<Option<RunRecord>> {
    c.query_row(
        &format!("SELECT {RUN_COLS} FROM sync_history WHERE id = ?1"),
        [id],
        run_from_row,
    )
    .optional()
}

/// The run that did not finish (running, paused, rate-limited or failed), if any.
pub fn unfinished_run(c: &Connection) -> rusqlite::Result<Option<(RunRecord, Vec<Phase>)>> {
    let row = c
        .query_row(
            &format!(
                "SELECT {RUN_COLS}, phases FROM sync_history
                 WHERE status IN ('running', 'paused', 'rate_limited', 'failed')
                   AND kind != 'plays'
                 ORDER BY id DESC LIMIT 1"
            ),
            [],
            |r| Ok((run_from_row(r)?, r.get::<_, Option<String>>("phases")?)),
        )
        .optional()?;
    // Only the most recent library run can be resumed: an older unfinished one was superseded.
    // Listening-history polls (kind `plays`) run in between without superseding anything.
    let last = c
        .query_row(
            &format!(
                "SELECT {RUN_COLS} FROM sync_history WHERE kind != 'plays' ORDER BY id DESC LIMIT 1"
            ),
            [],
            run_from_row,
        )
        .optional()?;
    Ok(match (row, last) {
        (Some((run, phases)), Some(last)) if last.id == run.id => {
            let phases: Vec<Phase> = phases
                .and_then(|p| serde_json::from_str(&p).ok())
                .unwrap_or_default();
            Some((run, phases))
        }
        _ => None,
    })
}

pub fn last_run(c: &Connection) -> rusqlite::Result<Option<RunRecord>> {
    c.query_row(
        &format!("SELECT {RUN_COLS} FROM sync_history ORDER BY id DESC LIMIT 1"),
        [],
        run_from_row,
    )
    .optional()
}

/// Last successful run of a kind.
pub fn last_success(c: &Connection, kind: RunKind) -> rusqlite::Result<Option<RunRecord>> {
    c.query_row(
        &format!(
            "SELECT {RUN_COLS} FROM sync_history WHERE kind = ?1 AND status = 'success'
             ORDER BY id DESC LIMIT 1"
        ),
        [kind.as_str()],
        run_from_row,
    )
    .optional()
}

pub fn history(c: &Connection, limit: u32) -> rusqlite::Result<Vec<RunRecord>> {
    let mut st = c.prepare(&format!(
        "SELECT {RUN_COLS} FROM sync_history ORDER BY id DESC LIMIT ?1"
    ))?;
    let rows = st.query_map([limit as i64], run_from_row)?;
    rows.collect()
}

/// Start a run and its phase rows (pending), in one transaction.
pub fn create_run(
    c: &mut Connection,
    kind: RunKind,
    phases: &[Phase],
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    let tx = c.transaction()?;
    let now_s = ts(now);
    tx.execute(
        "INSERT INTO sync_history (kind, started_at, status, phases) VALUES (?1, ?2, 'running', ?3)",
        params![
            kind.as_str(),
            now_s,
            serde_json::to_string(phases).unwrap_or_else(|_| "[]".into())
        ],
    )?;
    let id = tx.last_insert_rowid();
    for (order, p) in phases.iter().enumerate() {
        tx.execute(
            "INSERT INTO sync_state (state_key, sync_history_id, entity_type, current_offset,
                                     total_items, items_processed, status, last_error,
                                     rate_limit_reset_at, rate_limit_reason, cursor, created_at,
                                     updated_at, completed_at, run_order)
             VALUES (?1, ?2, ?1, 0, NULL, 0, 'pending', NULL, NULL, NULL, NULL, ?3, ?3, NULL, ?4)
             ON CONFLICT(state_key) DO UPDATE SET
               sync_history_id = excluded.sync_history_id, current_offset = 0,
               total_items = NULL, items_processed = 0, status = 'pending', last_error = NULL,
               rate_limit_reset_at = NULL, rate_limit_reason = NULL, cursor = NULL,
               created_at = excluded.created_at, updated_at = excluded.updated_at,
               completed_at = NULL, run_order = excluded.run_order",
            params![p.as_str(), id, now_s, order as i64],
        )?;
    }
    // A fresh run starts its playlists' item fetches from scratch.
    tx.execute("DELETE FROM playlist_items_staging", [])?;
    tx.commit()?;
    Ok(id)
}

/// A checkpoint row of a phase.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseRow {
    pub phase: Phase,
    pub run_id: Option<i64>,
    pub status: PhaseStatus,
    pub current_offset: u64,
    pub total_items: Option<u64>,
    pub items_processed: u64,
    pub cursor: Option<String>,
    pub last_error: Option<String>,
    pub rate_limit_reset_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
}

fn phase_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<PhaseRow>> {
    let entity: String = r.get("entity_type")?;
    let Ok(phase) = entity.parse::<Phase>() else {
        return Ok(None);
    };
    let status: String = r.get("status")?;
    Ok(Some(PhaseRow {
        phase,
        run_id: r.get("sync_history_id")?,
        status: status.parse().unwrap_or(PhaseStatus::Pending),
        current_offset: r.get::<_, i64>("current_offset")? as u64,
        total_items: r.get::<_, Option<i64>>("total_items")?.map(|n| n as u64),
        items_processed: r.get::<_, i64>("items_processed")? as u64,
        cursor: r.get("cursor")?,
        last_error: r.get("last_error")?,
        rate_limit_reset_at: r
            .get::<_, Option<String>>("rate_limit_reset_at")?
            .as_deref()
            .and_then(parse_ts),
        updated_at: r
            .get::<_, Option<String>>("updated_at")?
            .as_deref()
            .and_then(parse_ts),
    }))
}

pub fn phase(c: &Connection, phase: Phase) -> rusqlite::Result<Option<PhaseRow>> {
    Ok(c.query_row(
        "SELECT * FROM sync_state WHERE state_key = ?1",
        [phase.as_str()],
        phase_row,
    )
    .optional()?
    .flatten())
}

/// The phase rows of a run, in run order.
pub fn phases_of_run(c: &Connection, run_id: i64) -> rusqlite::Result<Vec<PhaseRow>> {
    let mut st = c.prepare(
        "SELECT * FROM sync_state WHERE sync_history_id = ?1 AND state_key != ?2
         ORDER BY run_order, state_key",
    )?;
    let rows = st.query_map(params![run_id, GATE_KEY], phase_row)?;
    Ok(rows
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect())
}

impl PhaseRow {
    pub fn progress(&self) -> PhaseProgress {
        PhaseProgress {
            phase: self.phase,
            status: self.status,
            done: self.items_processed,
            total: self.total_items,
            last_error: self.last_error.clone(),
            rate_limit_reset_at: self.rate_limit_reset_at,
            updated_at: self.updated_at,
        }
    }
}

/// A phase's checkpoint (call inside the batch's transaction).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Checkpoint {
    pub current_offset: u64,
    pub total_items: Option<u64>,
    pub items_processed: u64,
    pub cursor: Option<String>,
}

pub fn save_checkpoint(
    c: &Connection,
    phase: Phase,
    cp: &Checkpoint,
    status: PhaseStatus,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    c.prepare_cached(
        "UPDATE sync_state SET current_offset = ?2, total_items = ?3, items_processed = ?4,
                               cursor = ?5, status = ?6, updated_at = ?7,
                               completed_at = CASE WHEN ?6 IN ('success', 'failed', 'cancelled')
                                                   THEN ?7 ELSE NULL END,
                               last_error = CASE WHEN ?6 = 'success' THEN NULL ELSE last_error END
         WHERE state_key = ?1",
    )?
    .execute(params![
        phase.as_str(),
        cp.current_offset as i64,
        cp.total_items.map(|n| n as i64),
        cp.items_processed as i64,
        cp.cursor,
        status.as_str(),
        ts(now)
    ])?;
    Ok(())
}

pub fn set_phase_status(
    c: &Connection,
    phase: Phase,
    status: PhaseStatus,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE sync_state SET status = ?2, last_error = COALESCE(?3, last_error),
                               updated_at = ?4,
                               completed_at = CASE WHEN ?2 IN ('success', 'failed', 'cancelled')
                                                   THEN ?4 ELSE completed_at END
         WHERE state_key = ?1",
        params![phase.as_str(), status.as_str(), error, ts(now)],
    )?;
    Ok(())
}

/// Add a batch's counts to its run (inside the batch's transaction).
pub fn add_run_counts(
    c: &Connection,
    run_id: i64,
    added: u64,
    updated: u64,
    removed: u64,
) -> rusqlite::Result<()> {
    c.prepare_cached(
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

pub fn add_waited(c: &Connection, run_id: i64, secs: u64, limited: bool) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE sync_history SET waited_seconds = waited_seconds + ?2,
                                 rate_limited_count = rate_limited_count + ?3
         WHERE id = ?1",
        params![run_id, secs as i64, i64::from(limited)],
    )?;
    Ok(())
}

pub fn set_run_status(
    c: &Connection,
    run_id: i64,
    status: RunStatus,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let finished = (!matches!(status, RunStatus::Running)).then(|| ts(now));
    c.execute(
        "UPDATE sync_history SET status = ?2, error = ?3, finished_at = ?4 WHERE id = ?1",
        params![run_id, status.as_str(), error, finished],
    )?;
    Ok(())
}

/// Count one request sent: rolling usage and the run's counter, in one small transaction.
pub fn record_call(
    c: &mut Connection,
    run_id: Option<i64>,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let tx = c.transaction()?;
    let minute = now.format("%Y-%m-%dT%H:%M:00Z").to_string();
    tx.prepare_cached(
        "INSERT INTO api_usage (minute, calls) VALUES (?1, 1)
         ON CONFLICT(minute) DO UPDATE SET calls = calls + 1",
    )?
    .execute([&minute])?;
    if let Some(id) = run_id {
        tx.prepare_cached("UPDATE sync_history SET api_calls = api_calls + 1 WHERE id = ?1")?
            .execute([id])?;
    }
    tx.commit()
}

/// Requests sent in the 24 hours before `now` (minute resolution).
pub fn calls_24h(c: &Connection, now: DateTime<Utc>) -> rusqlite::Result<u64> {
    let since = (now - ChronoDuration::hours(24))
        .format("%Y-%m-%dT%H:%M:00Z")
        .to_string();
    c.query_row(
        "SELECT COALESCE(SUM(calls), 0) FROM api_usage WHERE minute > ?1",
        [since],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n as u64)
}

/// When the oldest request of the rolling 24 hours leaves the window.
pub fn usage_frees_at(
    c: &Connection,
    now: DateTime<Utc>,
) -> rusqlite::Result<Option<DateTime<Utc>>> {
    let since = (now - ChronoDuration::hours(24))
        .format("%Y-%m-%dT%H:%M:00Z")
        .to_string();
    let m: Option<String> = c.query_row(
        "SELECT MIN(minute) FROM api_usage WHERE minute > ?1",
        [since],
        |r| r.get(0),
    )?;
    Ok(m.as_deref()
        .and_then(parse_ts)
        .map(|t| t + ChronoDuration::hours(24) + ChronoDuration::minutes(1)))
}

pub fn prune_usage(c: &Connection, now: DateTime<Utc>) -> rusqlite::Result<()> {
    let before = (now - ChronoDuration::hours(48))
        .format("%Y-%m-%dT%H:%M:00Z")
        .to_string();
    c.execute("DELETE FROM api_usage WHERE minute < ?1", [before])?;
    Ok(())
}

/// Persist a hold: no request before `until`. Written on the gate row and on the phase's row.
pub fn save_block(
    c: &Connection,
    until: DateTime<Utc>,
    reason: LimitReason,
    phase: Option<Phase>,
    run_id: Option<i64>,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let now_s = ts(now);
    c.execute(
        "INSERT INTO sync_state (state_key, sync_history_id, entity_type, status,
                                 rate_limit_reset_at, rate_limit_reason, created_at, updated_at)
         VALUES (?1, ?2, 'gate', 'rate_limited', ?3, ?4, ?5, ?5)
         ON CONFLICT(state_key) DO UPDATE SET
           sync_history_id = COALESCE(excluded.sync_history_id, sync_history_id),
           status = 'rate_limited', rate_limit_reset_at = excluded.rate_limit_reset_at,
           rate_limit_reason = excluded.rate_limit_reason, updated_at = excluded.updated_at",
        params![GATE_KEY, run_id, ts(until), reason.as_str(), now_s],
    )?;
    if let Some(p) = phase {
        c.execute(
            "UPDATE sync_state SET rate_limit_reset_at = ?2, rate_limit_reason = ?3,
                                   status = 'rate_limited', updated_at = ?4
             WHERE state_key = ?1",
            params![p.as_str(), ts(until), reason.as_str(), now_s],
        )?;
    }
    Ok(())
}

/// The hold is over: forget it everywhere.
pub fn clear_block(c: &Connection, now: DateTime<Utc>) -> rusqlite::Result<()> {
    c.execute(
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

/// The latest persisted hold still in the future.
pub fn load_block(
    c: &Connection,
    now: DateTime<Utc>,
) -> rusqlite::Result<Option<(DateTime<Utc>, LimitReason)>> {
    let mut st = c.prepare(
        "SELECT rate_limit_reset_at, rate_limit_reason FROM sync_state
         WHERE rate_limit_reset_at IS NOT NULL",
    )?;
    let rows = st.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
    })?;
    let mut best: Option<(DateTime<Utc>, LimitReason)> = None;
    for row in rows {
        let (t, reason) = row?;
        let Some(t) = parse_ts(&t) else { continue };
        if t <= now {
            continue;
        }
        let reason = reason
            .as_deref()
            .and_then(reason_from_str)
            .unwrap_or(LimitReason::Window);
        if best.is_none_or(|(b, _)| t > b) {
            best = Some((t, reason));
        }
    }
    Ok(best)
}

pub fn capability(c: &Connection, name: &str) -> rusqlite::Result<Option<String>> {
    c.query_row(
        "SELECT value FROM capabilities WHERE name = ?1",
        [name],
        |r| r.get(0),
    )
    .optional()
}

pub fn set_capability(
    c: &Connection,
    name: &str,
    value: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO capabilities (name, value, detected_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(name) DO UPDATE SET value = excluded.value, detected_at = excluded.detected_at
         WHERE capabilities.value != excluded.value",
        params![name, value, ts(now)],
    )?;
    Ok(())
}

pub fn account(c: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    Ok(
        c.query_row("SELECT value FROM account WHERE key = ?1", [key], |r| {
            r.get::<_, Option<String>>(0)
        })
        .optional()?
        .flatten(),
    )
}

pub fn set_account(
    c: &Connection,
    key: &str,
    value: Option<&str>,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO account (key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(key) DO UPDATE SET value = COALESCE(excluded.value, account.value),
                                        updated_at = excluded.updated_at",
        params![key, value, ts(now)],
    )?;
    Ok(())
}
