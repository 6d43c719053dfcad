//! What the quota economy reads and keeps: the requests of the rolling day, the
//! `QUOTA_EXCEEDED` observations, and the measured cost of an incremental sync.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{Sql, parse_ts, ts};
use crate::domain::RunKind;
use crate::quota::{self, Observation, QuotaPolicy, Schedule, Window};

/// How many incremental runs the cost of one is measured over.
const COST_RUNS: u32 = 10;
/// How many observations are kept (older ones are deleted as new ones come).
const OBSERVATIONS_KEPT: i64 = 50;

impl Sql<'_> {
    /// Times of the requests sent since `since` (minute resolution: a minute's requests all
    /// count from the start of their minute).
    pub fn usage_since(&self, since: DateTime<Utc>) -> rusqlite::Result<Vec<DateTime<Utc>>> {
        let mut st = self.0.prepare_cached(
            "SELECT minute, calls FROM api_usage WHERE minute >= ?1 ORDER BY minute",
        )?;
        let rows = st.query_map([super::state::minute(since)], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (minute, calls) = row?;
            // An unreadable row of our own table is skipped, not fatal: it only counts usage.
            if let Some(at) = parse_ts(&minute) {
                let n = calls.clamp(0, 100_000) as usize;
                out.extend(std::iter::repeat_n(at, n));
            }
        }
        Ok(out)
    }

    /// Every `QUOTA_EXCEEDED` observation kept, oldest first.
    pub fn quota_observations(&self) -> rusqlite::Result<Vec<Observation>> {
        let mut st = self.0.prepare_cached(
            "SELECT observed_at, calls, resets_at FROM quota_observations ORDER BY id",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (at, calls, resets_at) = row?;
            if let (Some(at), Some(resets_at)) = (parse_ts(&at), parse_ts(&resets_at)) {
                out.push(Observation {
                    at,
                    calls: calls.max(0) as u64,
                    resets_at,
                });
            }
        }
        Ok(out)
    }

    /// Keep one observation (and only the latest [`OBSERVATIONS_KEPT`]).
    pub(crate) fn record_quota_observation(&self, o: &Observation) -> rusqlite::Result<()> {
        self.0.execute(
            "INSERT INTO quota_observations (observed_at, calls, resets_at) VALUES (?1, ?2, ?3)",
            params![
                ts(o.at),
                o.calls.min(i64::MAX as u64) as i64,
                ts(o.resets_at)
            ],
        )?;
        self.0.execute(
            "DELETE FROM quota_observations WHERE id NOT IN
               (SELECT id FROM quota_observations ORDER BY id DESC LIMIT ?1)",
            [OBSERVATIONS_KEPT],
        )?;
        Ok(())
    }

    /// Requests an incremental sync sends: the median of the latest successful ones, or
    /// [`quota::DEFAULT_INCREMENTAL_COST`] before any.
    pub fn incremental_cost(&self) -> rusqlite::Result<u64> {
        let mut st = self.0.prepare_cached(
            "SELECT api_calls FROM sync_history WHERE kind = ?1 AND status = 'success'
             ORDER BY id DESC LIMIT ?2",
        )?;
        let mut calls: Vec<u64> = st
            .query_map(params![RunKind::Incremental, COST_RUNS], |r| {
                r.get::<_, i64>(0)
            })?
            .collect::<rusqlite::Result<Vec<i64>>>()?
            .into_iter()
            .map(|c| c.max(0) as u64)
            .collect();
        if calls.is_empty() {
            return Ok(quota::DEFAULT_INCREMENTAL_COST);
        }
        calls.sort_unstable();
        Ok(calls[calls.len() / 2].max(1))
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
