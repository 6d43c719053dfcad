//! The ledger's rows other than the requests: `QUOTA_EXCEEDED` observations, the members of
//! the household, and Spotify's hold; read and written inside the ledger's transactions.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{LedgerState, MEMBER_TTL, OBSERVATIONS_KEPT};
use crate::domain::LimitReason;
use crate::quota::Observation;
use crate::quota::household::Member;
use crate::store::row::FromRow;
use crate::store::{Sql, parse_ts, ts};

/// A stored observation (times read apart).
struct StoredObservation {
    observed_at: String,
    calls: i64,
    resets_at: String,
}

impl FromRow for StoredObservation {
    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredObservation> {
        Ok(StoredObservation {
            observed_at: r.get("observed_at")?,
            calls: r.get("calls")?,
            resets_at: r.get("resets_at")?,
        })
    }
}

/// A stored member.
struct StoredMember {
    account: String,
    share: i64,
    incremental_cost: i64,
    seen_at: String,
    wants_bulk_until: Option<String>,
}

impl FromRow for StoredMember {
    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredMember> {
        Ok(StoredMember {
            account: r.get("account")?,
            share: r.get("share")?,
            incremental_cost: r.get("incremental_cost")?,
            seen_at: r.get("seen_at")?,
            wants_bulk_until: r.get("wants_bulk_until")?,
        })
    }
}

/// A stored hold.
struct StoredHold {
    blocked_until: String,
    reason: String,
}

impl FromRow for StoredHold {
    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredHold> {
        Ok(StoredHold {
            blocked_until: r.get("blocked_until")?,
            reason: r.get("reason")?,
        })
    }
}

impl LedgerState<'_> {
    /// The app's `QUOTA_EXCEEDED` observations (unreadable rows skipped).
    pub(super) fn observations(&self, q: Sql<'_>) -> rusqlite::Result<Vec<Observation>> {
        let rows: Vec<StoredObservation> = q.all(
            "SELECT observed_at, calls, resets_at FROM observations WHERE app = ?1 ORDER BY id",
            [self.app],
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

    pub(super) fn record_observation(&self, q: Sql<'_>, o: &Observation) -> rusqlite::Result<()> {
        q.exec(
            "INSERT INTO observations (app, account, observed_at, calls, resets_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                self.app,
                self.account,
                ts(o.at),
                o.calls.min(i64::MAX as u64) as i64,
                ts(o.resets_at)
            ],
        )?;
        q.exec(
            "DELETE FROM observations WHERE app = ?1 AND id NOT IN
               (SELECT id FROM observations WHERE app = ?1 ORDER BY id DESC LIMIT ?2)",
            params![self.app, OBSERVATIONS_KEPT],
        )?;
        Ok(())
    }

    /// The household's members seen lately (joined within [`MEMBER_TTL`], or sending requests
    /// in the rolling day: a daemon joins once and serves for weeks), this account first.
    pub(super) fn members(&self, q: Sql<'_>, now: DateTime<Utc>) -> rusqlite::Result<Vec<Member>> {
        let rows: Vec<StoredMember> = q.all(
            "SELECT account, share, incremental_cost, seen_at, wants_bulk_until FROM members
             WHERE app = ?1 ORDER BY account = ?2 DESC, account",
            params![self.app, self.account],
        )?;
        let sending: std::collections::HashSet<&str> =
            self.sent.iter().map(|s| s.account.as_str()).collect();
        Ok(rows
            .into_iter()
            .filter(|m| {
                sending.contains(m.account.as_str())
                    || parse_ts(&m.seen_at).is_some_and(|t| t > now - MEMBER_TTL)
            })
            .map(|m| Member {
                account: m.account,
                share: m.share.clamp(1, i64::from(u32::MAX)) as u32,
                incremental_cost: m.incremental_cost.max(1) as u64,
                wants_bulk: m
                    .wants_bulk_until
                    .as_deref()
                    .and_then(parse_ts)
                    .is_some_and(|t| t > now),
            })
            .collect())
    }

    pub(super) fn upsert_member(
        &self,
        q: Sql<'_>,
        account: &str,
        share: u32,
        incremental_cost: u64,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        q.exec(
            "INSERT INTO members (app, account, share, incremental_cost, seen_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(app, account) DO UPDATE SET share = excluded.share,
               incremental_cost = excluded.incremental_cost, seen_at = excluded.seen_at",
            params![
                self.app,
                account,
                share.max(1),
                incremental_cost.clamp(1, i64::MAX as u64) as i64,
                ts(now)
            ],
        )?;
        Ok(())
    }

    /// Spotify's hold on the app, when it is still in the future (an unreadable one is none).
    pub(super) fn hold(
        &self,
        q: Sql<'_>,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<Option<(DateTime<Utc>, LimitReason)>> {
        let hold: Option<StoredHold> = q.one(
            "SELECT blocked_until, reason FROM holds WHERE app = ?1",
            [self.app],
        )?;
        Ok(hold.and_then(|h| {
            let until = parse_ts(&h.blocked_until)?;
            let reason = h.reason.parse().ok()?;
            (until > now).then_some((until, reason))
        }))
    }

    pub(super) fn set_hold(
        &self,
        q: Sql<'_>,
        until: DateTime<Utc>,
        reason: LimitReason,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        if self.hold(q, now)?.is_some_and(|(u, _)| u >= until) {
            return Ok(());
        }
        q.exec(
            "INSERT INTO holds (app, blocked_until, reason, account, held_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(app) DO UPDATE SET blocked_until = excluded.blocked_until,
               reason = excluded.reason, account = excluded.account, held_at = excluded.held_at",
            params![self.app, ts(until), reason, self.account, ts(now)],
        )?;
        Ok(())
    }
}
