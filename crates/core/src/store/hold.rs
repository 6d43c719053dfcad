//! The hold every request waits for (`request_hold`): Spotify's 429 answers say when requests
//! may resume; the hold is kept so a restarted engine or another process waits too.

use chrono::{DateTime, Utc};
use rusqlite::{Row, params};

use super::row::{FromRow, bad_value, get_ts};
use super::{Sql, ts};
use crate::domain::{LimitReason, Phase, RunId};

/// The `sync_state` row that kept the hold before it had a table of its own (migration 7
/// moves it over; a reader may still meet it in a database this build has not opened for
/// writing yet).
pub(super) const LEGACY_HOLD_KEY: &str = "request_gate";

/// A stored hold.
struct Hold {
    until: DateTime<Utc>,
    reason: LimitReason,
}

impl FromRow for Hold {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Hold> {
        Ok(Hold {
            until: get_ts(r, "blocked_until")?
                .ok_or_else(|| bad_value("blocked_until", "missing"))?,
            reason: r.get("reason")?,
        })
    }
}

impl Sql<'_> {
    /// Persist a hold: no request before `until`. Kept as the one hold, and on the row of the
    /// phase it stopped.
    pub(crate) fn save_block(
        &self,
        until: DateTime<Utc>,
        reason: LimitReason,
        phase: Option<Phase>,
        run_id: Option<RunId>,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        self.exec(
            "INSERT INTO request_hold (id, blocked_until, reason, sync_history_id, held_at)
             VALUES (1, ?1, ?2, ?3, ?4)
             ON CONFLICT(id) DO UPDATE SET
               blocked_until = excluded.blocked_until, reason = excluded.reason,
               sync_history_id = COALESCE(excluded.sync_history_id,
                                          request_hold.sync_history_id),
               held_at = excluded.held_at",
            params![ts(until), reason, run_id, ts(now)],
        )?;
        if let Some(p) = phase {
            self.hold_phase(p, until, reason, now)?;
        }
        Ok(())
    }

    /// The hold is over: forget it everywhere.
    pub(crate) fn clear_block(&self, now: DateTime<Utc>) -> rusqlite::Result<()> {
        self.exec("DELETE FROM request_hold", [])?;
        self.release_phases(now)
    }

    /// The persisted hold, when it is still in the future. An unknown reason or an unreadable
    /// time is an error.
    pub fn load_block(
        &self,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<Option<(DateTime<Utc>, LimitReason)>> {
        let hold: Option<Hold> = if self.has_table("request_hold")? {
            self.one("SELECT blocked_until, reason FROM request_hold", [])?
        } else {
            // An earlier spotsync's database, read before this one upgraded it: the latest
            // hold of its checkpoint rows (one saved without a reason is the 30-second window).
            self.one(
                "SELECT rate_limit_reset_at AS blocked_until,
                        COALESCE(rate_limit_reason, 'window') AS reason
                 FROM sync_state WHERE rate_limit_reset_at IS NOT NULL
                 ORDER BY rate_limit_reset_at DESC LIMIT 1",
                [],
            )?
        };
        Ok(hold.filter(|h| h.until > now).map(|h| (h.until, h.reason)))
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use rusqlite::Connection;

    use super::*;
    use crate::domain::{PhaseStatus, RunKind};
    use crate::store::{Reader, Store, schema};

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, h, 0, 0).unwrap()
    }

    #[test]
    fn a_hold_is_kept_replaced_and_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        let mut s = Store::open(&db).unwrap();
        let run = s
            .transaction(|tx| tx.create_run(RunKind::Full, &[Phase::Tracks], at(10)))
            .unwrap();
        assert_eq!(s.sql().load_block(at(10)).unwrap(), None);
        let q = s.sql();
        q.save_block(
            at(12),
            LimitReason::Quota,
            Some(Phase::Tracks),
            Some(run),
            at(10),
        )
        .unwrap();
        assert_eq!(
            q.load_block(at(11)).unwrap(),
            Some((at(12), LimitReason::Quota))
        );
        assert_eq!(q.load_block(at(12)).unwrap(), None, "over at its end");
        let phase = q.phase(Phase::Tracks).unwrap().unwrap();
        assert_eq!(phase.status, PhaseStatus::RateLimited);
        assert_eq!(phase.rate_limit_reset_at, Some(at(12)));
        // A later answer replaces it (the run it met is kept when the new one names none).
        q.save_block(at(11), LimitReason::Window, None, None, at(10))
            .unwrap();
        assert_eq!(
            q.load_block(at(10)).unwrap(),
            Some((at(11), LimitReason::Window))
        );
        let held_by: Option<i64> = q
            .value("SELECT sync_history_id AS value FROM request_hold", [])
            .unwrap();
        assert_eq!(held_by, Some(run.get()));
        q.clear_block(at(11)).unwrap();
        assert_eq!(q.load_block(at(10)).unwrap(), None);
        assert_eq!(
            q.count("SELECT COUNT(*) AS n FROM request_hold", [])
                .unwrap(),
            0
        );
        let phase = q.phase(Phase::Tracks).unwrap().unwrap();
        assert_eq!(phase.status, PhaseStatus::InProgress);
        assert_eq!(phase.rate_limit_reset_at, None);
        // The hold is no phase of the run.
        assert_eq!(q.phases_of_run(run.get()).unwrap().len(), 1);
    }

    #[test]
    fn an_unknown_stored_reason_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        let s = Store::open(&db).unwrap();
        s.sql()
            .exec(
                "INSERT INTO request_hold (id, blocked_until, reason, held_at)
                 VALUES (1, '2026-11-20T12:00:00Z', 'sideways', '2026-11-20T10:00:00Z')",
                [],
            )
            .unwrap();
        let err = s.sql().load_block(at(10)).unwrap_err().to_string();
        assert!(err.contains("sideways"), "{err}");
    }

    /// A database as the previous schema (6 migrations) left it, mid-run, held by Spotify's
    /// daily quota: the hold on the `request_gate` row and on the phase it stopped.
    fn held_at_schema_6(db: &std::path::Path, until: &str, reason: Option<&str>) {
        let mut c = Connection::open(db).unwrap();
        schema::migrations().to_version(&mut c, 6).unwrap();
        c.pragma_update(None, "application_id", crate::store::APPLICATION_ID)
            .unwrap();
        c.execute_batch(
            "INSERT INTO sync_history (kind, started_at, status, phases)
             VALUES ('full', '2026-11-20T09:00:00Z', 'rate_limited', '[\"tracks\",\"albums\"]');
             INSERT INTO sync_state (state_key, sync_history_id, entity_type, status,
                                     created_at, updated_at, run_order)
             VALUES ('tracks', 1, 'tracks', 'success', '2026-11-20T09:00:00Z',
                     '2026-11-20T09:30:00Z', 0);",
        )
        .unwrap();
        c.execute(
            "INSERT INTO sync_state (state_key, sync_history_id, entity_type, status,
                                     rate_limit_reset_at, rate_limit_reason, created_at,
                                     updated_at, run_order)
             VALUES ('albums', 1, 'albums', 'rate_limited', ?1, ?2, '2026-11-20T09:00:00Z',
                     '2026-11-20T10:00:00Z', 1),
                    ('request_gate', 1, 'gate', 'rate_limited', ?1, ?2, '2026-11-20T10:00:00Z',
                     '2026-11-20T10:00:00Z', NULL)",
            rusqlite::params![until, reason],
        )
        .unwrap();
    }

    #[test]
    fn the_upgrade_carries_an_existing_hold_over() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        held_at_schema_6(&db, "2026-11-21T00:00:00Z", Some("quota"));
        let want = Some((
            Utc.with_ymd_and_hms(2026, 11, 21, 0, 0, 0).unwrap(),
            LimitReason::Quota,
        ));
        // Read before any writer upgraded it (`status` right after installing): the old rows.
        let reader = Reader::open(&db).unwrap().unwrap();
        assert_eq!(reader.sql().load_block(at(11)).unwrap(), want);
        let phases = reader.sql().phases_of_run(1).unwrap();
        assert_eq!(
            phases.iter().map(|p| p.phase).collect::<Vec<_>>(),
            [Phase::Tracks, Phase::Albums]
        );
        drop(reader);
        let s = Store::open(&db).unwrap();
        let q = s.sql();
        assert_eq!(q.load_block(at(11)).unwrap(), want);
        assert_eq!(q.load_block(at(11) + Duration::days(1)).unwrap(), None);
        let held_by: Option<i64> = q
            .value("SELECT sync_history_id AS value FROM request_hold", [])
            .unwrap();
        assert_eq!(held_by, Some(1));
        assert_eq!(
            q.count(
                "SELECT COUNT(*) AS n FROM sync_state WHERE state_key = 'request_gate'",
                []
            )
            .unwrap(),
            0,
            "the gate is no checkpoint any more"
        );
        let albums = q.phase(Phase::Albums).unwrap().unwrap();
        assert_eq!(albums.status, PhaseStatus::RateLimited);
        assert_eq!(albums.rate_limit_reset_at, want.map(|w| w.0));
        // The resumed run sees its phases as before.
        let unfinished = q.unfinished().unwrap().unwrap();
        assert_eq!(unfinished.done, [Phase::Tracks]);
    }

    #[test]
    fn the_upgrade_reads_a_hold_without_reason_as_the_window_and_keeps_none_when_none() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        held_at_schema_6(&db, "2026-11-20T10:00:30Z", None);
        let s = Store::open(&db).unwrap();
        let until = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 30).unwrap();
        assert_eq!(
            s.sql().load_block(at(10)).unwrap(),
            Some((until, LimitReason::Window))
        );
        drop(s);

        let db = dir.path().join("calm.db");
        let mut c = Connection::open(&db).unwrap();
        schema::migrations().to_version(&mut c, 6).unwrap();
        drop(c);
        let s = Store::open(&db).unwrap();
        assert_eq!(s.sql().load_block(at(10)).unwrap(), None);
        assert_eq!(
            s.sql()
                .count("SELECT COUNT(*) AS n FROM request_hold", [])
                .unwrap(),
            0
        );
    }
}
