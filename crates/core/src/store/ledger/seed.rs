//! An account joins the ledger: what its own database knows of the quota (the requests of the
//! rolling day, the `QUOTA_EXCEEDED` observations, a live hold of Spotify's) is brought in once,
//! so an installation that becomes a household forgets nothing of the quota it has learned.

use std::path::Path;

use chrono::{DateTime, TimeDelta, Utc};
use rusqlite::params;

use super::{Ledger, LedgerState, Sent};
use crate::domain::{RequestClass, RunKind};
use crate::quota::{self, Observation, household};
use crate::store::library::EnrichTable;
use crate::store::{Reader, Sql, StoreError, ts};

/// What an account's database knows of the quota.
#[derive(Debug, Default)]
struct Known {
    usage: Vec<DateTime<Utc>>,
    observations: Vec<Observation>,
    hold: Option<(DateTime<Utc>, crate::domain::LimitReason)>,
    incremental_cost: u64,
    /// Bulk work is waiting: no complete mirror yet, a run to resume, or albums and artists
    /// never enriched.
    bulk_pending: bool,
}

fn read_known(db: &Path, now: DateTime<Utc>) -> Result<Known, StoreError> {
    let known = Reader::read(db, |q| {
        Ok(Some(Known {
            usage: q.usage_since(now - quota::DAY)?,
            observations: q.quota_observations()?,
            hold: q.load_block(now)?,
            incremental_cost: q.incremental_cost()?,
            bulk_pending: q.last_success(RunKind::Full)?.is_none()
                || q.unfinished()?.is_some()
                || q.count_unenriched(EnrichTable::Albums)? > 0
                || q.count_unenriched(EnrichTable::Artists)? > 0,
        }))
    })?;
    Ok(known.unwrap_or(Known {
        incremental_cost: quota::DEFAULT_INCREMENTAL_COST,
        bulk_pending: true,
        ..Known::default()
    }))
}

impl Ledger {
    /// Account `account` (its database at `db`, its share of the bulk work) is part of the
    /// household now. The first time, what its database knows of the quota is brought in;
    /// every time, its share and the measured cost of its incremental sync are updated, and
    /// when bulk work waits in it (a first mirror, say), it counts as wanting its share from now
    /// on, before it asked: an account that came first does not take the whole day's bulk work.
    pub fn enroll(
        &mut self,
        account: &str,
        share: u32,
        db: &Path,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let known = read_known(db, now)?;
        self.write(|st, q| st.enroll(q, account, share, &known, now), now)
    }
}

impl LedgerState<'_> {
    fn enroll(
        &mut self,
        q: Sql<'_>,
        account: &str,
        share: u32,
        known: &Known,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        let seeded = q.exists(
            "SELECT 1 FROM members WHERE app = ?1 AND account = ?2 AND seeded_at IS NOT NULL",
            params![self.app, account],
        )?;
        self.upsert_member(q, account, share, known.incremental_cost, now)?;
        if known.bulk_pending {
            let interest = household::bulk_interest(std::time::Duration::ZERO);
            let until = now + TimeDelta::from_std(interest).unwrap_or(TimeDelta::hours(2));
            q.exec(
                "UPDATE members SET wants_bulk_until = MAX(COALESCE(wants_bulk_until, ''), ?3)
                 WHERE app = ?1 AND account = ?2",
                params![self.app, account, ts(until)],
            )?;
        }
        if seeded {
            return Ok(());
        }
        let mut added = Vec::new();
        for &at in &known.usage {
            q.exec(
                "INSERT INTO requests (app, account, class, sent_at_ms) VALUES (?1, ?2, ?3, ?4)",
                params![
                    self.app,
                    account,
                    RequestClass::Changes,
                    at.timestamp_millis()
                ],
            )?;
            added.push(Sent {
                id: q.0.last_insert_rowid(),
                at,
                account: account.to_string(),
                class: Some(RequestClass::Changes),
            });
        }
        self.take(added, now);
        let have = self.observations(q)?;
        for o in &known.observations {
            if !have.iter().any(|h| h.at == o.at && h.calls == o.calls) {
                q.exec(
                    "INSERT INTO observations (app, account, observed_at, calls, resets_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        self.app,
                        account,
                        ts(o.at),
                        o.calls.min(i64::MAX as u64) as i64,
                        ts(o.resets_at)
                    ],
                )?;
            }
        }
        if let Some((until, reason)) = known.hold {
            self.set_hold(q, until, reason, now)?;
        }
        q.exec(
            "UPDATE members SET seeded_at = ?3 WHERE app = ?1 AND account = ?2",
            params![self.app, account, ts(now)],
        )?;
        Ok(())
    }
}
