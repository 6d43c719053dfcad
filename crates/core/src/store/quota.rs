//! What the quota economy reads and keeps: the requests of the rolling day, the
//! `QUOTA_EXCEEDED` observations, and the measured cost of an incremental sync.

use chrono::{DateTime, Utc};
use rusqlite::{Row, params};

use super::row::FromRow;
use super::{Sql, parse_ts, ts};
use crate::domain::RunKind;
use crate::quota::{self, Observation, QuotaPolicy, Schedule, Window};

/// How many incremental runs the cost of one is measured over.
const COST_RUNS: u32 = 10;
/// How many observations are kept (older ones are deleted as new ones come).
const OBSERVATIONS_KEPT: i64 = 50;

/// An observation as stored (its times are read apart: see [`Sql::quota_observations`]).
struct StoredObservation {
    observed_at: String,
    calls: i64,
    resets_at: String,
}

impl FromRow for StoredObservation {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<StoredObservation> {
        Ok(StoredObservation {
            observed_at: r.get("observed_at")?,
            calls: r.get("calls")?,
            resets_at: r.get("resets_at")?,
        })
    }
}

impl Sql<'_> {
    /// Every `QUOTA_EXCEEDED` observation kept, oldest first (a row whose times cannot be read
    /// is skipped: it only teaches the quota).
    pub fn quota_observations(&self) -> rusqlite::Result<Vec<Observation>> {
        let rows: Vec<StoredObservation> = self.all(
            "SELECT observed_at, calls, resets_at FROM quota_observations ORDER BY id",
            [],
        )?;
        Ok(rows
            .into_iter()
            .filter_map(|o| {
                Some(Observation {
                    at: parse_ts(&o.observed_at)?,
                    calls: o.calls.max(0) as u64,
                    resets_at: parse_ts(&o.resets_at)?,
                })
            })
            .collect())
    }

    /// Keep one observation (and only the latest [`OBSERVATIONS_KEPT`]).
    pub(crate) fn record_quota_observation(&self, o: &Observation) -> rusqlite::Result<()> {
        self.exec(
            "INSERT INTO quota_observations (observed_at, calls, resets_at) VALUES (?1, ?2, ?3)",
            params![
                ts(o.at),
                o.calls.min(i64::MAX as u64) as i64,
                ts(o.resets_at)
            ],
        )?;
        self.exec(
            "DELETE FROM quota_observations WHERE id NOT IN
               (SELECT id FROM quota_observations ORDER BY id DESC LIMIT ?1)",
            [OBSERVATIONS_KEPT],
        )?;
        Ok(())
    }

    /// Requests an incremental sync sends: the median of the latest successful ones, or
    /// [`quota::DEFAULT_INCREMENTAL_COST`] before any.
    pub fn incremental_cost(&self) -> rusqlite::Result<u64> {
        let mut calls: Vec<i64> = self.values(
            "SELECT api_calls AS value FROM sync_history WHERE kind = ?1 AND status = 'success'
             ORDER BY id DESC LIMIT ?2",
            params![RunKind::Incremental, COST_RUNS],
        )?;
        if calls.is_empty() {
            return Ok(quota::DEFAULT_INCREMENTAL_COST);
        }
        calls.sort_unstable();
        Ok(calls[calls.len() / 2].max(1) as u64)
    }

    /// The quota policy and the counted window as this database knows them at `now`.
    pub fn quota_state(
        &self,
        configured: u64,
        schedule: &Schedule,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<(QuotaPolicy, Window)> {
        let observations = self.quota_observations()?;
        let cost = self.incremental_cost()?;
        let policy = QuotaPolicy::new(configured, &observations, schedule, cost);
        Ok((policy, self.quota_window(&observations, now)?))
    }

    /// The requests of the rolling day at `now`; those counted against the daily figure come
    /// after the end of the last quota block (from `observations`).
    pub fn quota_window(
        &self,
        observations: &[Observation],
        now: DateTime<Utc>,
    ) -> rusqlite::Result<Window> {
        let fresh_since = observations
            .iter()
            .map(|o| o.resets_at)
            .max()
            .filter(|&r| r <= now);
        Ok(Window::new(
            self.usage_since(now - quota::DAY)?,
            fresh_since,
        ))
    }
}
