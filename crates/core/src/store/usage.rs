//! API usage (`api_usage`): the requests sent, per minute, for the rolling 24-hour count and
//! the quota's counted window.

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use rusqlite::Row;

use super::row::FromRow;
use super::{Sql, parse_ts};
use crate::domain::RunId;

/// The minute bucket of `api_usage` a request at `t` counts in.
fn minute(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:00Z").to_string()
}

/// One minute's requests, as stored.
struct Minute {
    minute: String,
    calls: i64,
}

impl FromRow for Minute {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Minute> {
        Ok(Minute {
            minute: r.get("minute")?,
            calls: r.get("calls")?,
        })
    }
}

impl Sql<'_> {
    /// Count one request sent: rolling usage and the run's counter (call inside a transaction).
    pub(crate) fn record_call(
        &self,
        run_id: Option<RunId>,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        self.exec(
            "INSERT INTO api_usage (minute, calls) VALUES (?1, 1)
             ON CONFLICT(minute) DO UPDATE SET calls = calls + 1",
            [minute(now)],
        )?;
        if let Some(id) = run_id {
            self.count_run_call(id)?;
        }
        Ok(())
    }

    /// Requests sent in the 24 hours before `now` (minute resolution; a damaged negative
    /// count counts nothing, as in [`Sql::usage_since`]).
    pub fn calls_24h(&self, now: DateTime<Utc>) -> rusqlite::Result<u64> {
        self.count(
            "SELECT COALESCE(SUM(MAX(calls, 0)), 0) AS n FROM api_usage WHERE minute > ?1",
            [minute(now - ChronoDuration::hours(24))],
        )
    }

    pub(crate) fn prune_usage(&self, now: DateTime<Utc>) -> rusqlite::Result<()> {
        self.exec(
            "DELETE FROM api_usage WHERE minute < ?1",
            [minute(now - ChronoDuration::hours(48))],
        )?;
        Ok(())
    }

    /// Times of the requests sent since `since` (minute resolution: a minute's requests all
    /// count from the start of their minute).
    pub fn usage_since(&self, since: DateTime<Utc>) -> rusqlite::Result<Vec<DateTime<Utc>>> {
        let minutes: Vec<Minute> = self.all(
            "SELECT minute, calls FROM api_usage WHERE minute >= ?1 ORDER BY minute",
            [minute(since)],
        )?;
        let mut out = Vec::new();
        for m in minutes {
            // An unreadable row of our own table is skipped, not fatal: it only counts usage.
            if let Some(at) = parse_ts(&m.minute) {
                let n = m.calls.clamp(0, 100_000) as usize;
                out.extend(std::iter::repeat_n(at, n));
            }
        }
        Ok(out)
    }
}
