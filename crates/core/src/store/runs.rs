//! Runs (`sync_history`): one row per run, its counters, its end, and the unfinished run a
//! plain sync would resume.

use chrono::{DateTime, Utc};
use rusqlite::{Row, params};

use super::row::{FromRow, bad_value, get_ts, get_u64};
use super::{Sql, ts};
use crate::domain::{Phase, RunId, RunKind, RunRecord, RunStatus};

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

/// A run with the phases it was planned with (`sync_history.phases`, JSON).
struct PlannedRun {
    run: RunRecord,
    phases: Vec<Phase>,
}

impl FromRow for PlannedRun {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<PlannedRun> {
        let phases = match r.get::<_, Option<String>>("phases")? {
            None => Vec::new(),
            Some(p) => serde_json::from_str(&p).map_err(|e| bad_value("phases", e))?,
        };
        Ok(PlannedRun {
            run: RunRecord::from_row(r)?,
            phases,
        })
    }
}

/// The unfinished run a plain `sync` would resume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnfinishedRun {
    pub id: i64,
    pub kind: RunKind,
    pub status: RunStatus,
    pub started_at: DateTime<Utc>,
    /// Its phases, in order.
    pub phases: Vec<Phase>,
    /// Those of its phases it has done (success or skipped).
    pub done: Vec<Phase>,
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
        let unfinished: Option<PlannedRun> = self.one(
            &format!(
                "SELECT {RUN_COLS}, phases FROM sync_history
                 WHERE status IN ('running', 'paused', 'rate_limited', 'failed')
                   AND kind != 'plays'
                 ORDER BY id DESC LIMIT 1"
            ),
            [],
        )?;
        // Only the most recent library run can be resumed: an older unfinished one was
        // superseded. Listening-history polls (kind `plays`) run in between without superseding
        // anything.
        let last: Option<i64> = self.value(
            "SELECT id AS value FROM sync_history WHERE kind != 'plays' ORDER BY id DESC LIMIT 1",
            [],
        )?;
        Ok(unfinished
            .filter(|u| last == Some(u.run.id))
            .map(|u| (u.run, u.phases)))
    }

    /// The unfinished run a plain sync would resume, with the phases it has done (the
    /// engine's runner and `spotsync plan` both read it here).
    pub fn unfinished(&self) -> rusqlite::Result<Option<UnfinishedRun>> {
        let Some((run, phases)) = self.unfinished_run()? else {
            return Ok(None);
        };
        // A row with an impossible id cannot be resumed or closed: a new run starts.
        if RunId::new(run.id).is_none() {
            return Ok(None);
        }
        let mut done = Vec::new();
        for &p in &phases {
            if self.phase(p)?.is_some_and(|r| r.done_in(run.id)) {
                done.push(p);
            }
        }
        Ok(Some(UnfinishedRun {
            id: run.id,
            kind: run.kind,
            status: run.status,
            started_at: run.started_at,
            phases,
            done,
        }))
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
        let phases_json = serde_json::to_string(phases).map_err(|e| bad_value("phases", e))?;
        self.exec(
            "INSERT INTO sync_history (kind, started_at, status, phases)
             VALUES (?1, ?2, 'running', ?3)",
            params![kind, ts(now), phases_json],
        )?;
        let id = RunId::new(self.0.last_insert_rowid())
            .ok_or_else(|| bad_value("id", "run ids start at 1"))?;
        for (order, &p) in phases.iter().enumerate() {
            self.start_checkpoint(p, id, order, now)?;
        }
        // A fresh run starts its playlists' item fetches from scratch.
        self.clear_staged_items()?;
        Ok(id)
    }

    /// Add a batch's counts to its run (inside the batch's transaction).
    pub(crate) fn add_run_counts(
        &self,
        run_id: RunId,
        added: u64,
        updated: u64,
        removed: u64,
    ) -> rusqlite::Result<()> {
        self.exec(
            "UPDATE sync_history SET items_added = items_added + ?2,
                                     items_updated = items_updated + ?3,
                                     items_removed = items_removed + ?4
             WHERE id = ?1",
            params![run_id, added as i64, updated as i64, removed as i64],
        )?;
        Ok(())
    }

    /// Requests the run has sent so far (0 for a run not stored).
    pub fn run_api_calls(&self, run_id: RunId) -> rusqlite::Result<u64> {
        self.count(
            "SELECT api_calls AS n FROM sync_history WHERE id = ?1",
            [run_id],
        )
    }

    /// Count a request sent by the run (with the rolling usage: see `record_call`).
    pub(super) fn count_run_call(&self, run_id: RunId) -> rusqlite::Result<()> {
        self.exec(
            "UPDATE sync_history SET api_calls = api_calls + 1 WHERE id = ?1",
            [run_id],
        )?;
        Ok(())
    }

    pub(crate) fn add_waited(
        &self,
        run_id: RunId,
        secs: u64,
        limited: bool,
    ) -> rusqlite::Result<()> {
        self.exec(
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
        self.exec(
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
        self.exec(
            "UPDATE sync_history SET status = ?2, error = ?3, finished_at = ?4 WHERE id = ?1",
            params![run_id, status, error, finished],
        )?;
        Ok(())
    }
}
