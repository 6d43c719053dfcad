//! `daemon_health`: what `spotsync daemon` last reported about itself (key → value, with the
//! time of each write), for `spotsync status`. The daemon writes through a side connection
//! ([`super::open_side_writer`]); readers read [`Sql::daemon_health`] through
//! [`super::Reader::read`].

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{Row, params};

use super::row::FromRow;
use super::{Sql, StoreError, open_side_writer, ts};

/// The keys the daemon writes (the README documents them with the table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HealthKey {
    /// The daemon's process id, while it runs.
    Pid,
    StartedAt,
    StoppedAt,
    /// When the last run finished successfully.
    LastSuccess,
    /// `sync_history.status` of the last run.
    LastRunStatus,
    /// When the next incremental sync is due.
    NextSync,
    /// When the next listening-history poll is due.
    NextPlays,
    /// The end of the current rate-limit or quota hold.
    BlockedUntil,
    LastError,
    /// Why the next sync or poll is further off than the schedule says (a household's
    /// cadence), while it is.
    Cadence,
}

impl HealthKey {
    pub const ALL: [HealthKey; 10] = [
        HealthKey::Pid,
        HealthKey::StartedAt,
        HealthKey::StoppedAt,
        HealthKey::LastSuccess,
        HealthKey::LastRunStatus,
        HealthKey::NextSync,
        HealthKey::NextPlays,
        HealthKey::BlockedUntil,
        HealthKey::LastError,
        HealthKey::Cadence,
    ];

    /// The `key` column.
    pub fn as_str(self) -> &'static str {
        match self {
            HealthKey::Pid => "pid",
            HealthKey::StartedAt => "started_at",
            HealthKey::StoppedAt => "stopped_at",
            HealthKey::LastSuccess => "last_success",
            HealthKey::LastRunStatus => "last_run_status",
            HealthKey::NextSync => "next_sync",
            HealthKey::NextPlays => "next_plays",
            HealthKey::BlockedUntil => "blocked_until",
            HealthKey::LastError => "last_error",
            HealthKey::Cadence => "cadence",
        }
    }
}

impl std::fmt::Display for HealthKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The daemon's writer: a side connection ([`super::open_side_writer`]) to the database the
/// daemon's engine holds.
pub struct Writer {
    side: super::SideWriter,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("health::Writer")
    }
}

impl Writer {
    pub fn open(db: &Path) -> Result<Writer, StoreError> {
        Ok(Writer {
            side: open_side_writer(db)?,
        })
    }

    /// Set (or clear, with `None`) one value; `now` is stamped in `updated_at`.
    pub fn set(
        &self,
        key: HealthKey,
        value: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.side.sql().exec(
            "INSERT INTO daemon_health (key, value, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value,
                                            updated_at = excluded.updated_at",
            params![key.as_str(), value, ts(now)],
        )?;
        Ok(())
    }
}

/// Everything the daemon reported, by key. Keys this build does not know (written by a newer
/// spotsync) are kept as they are: they are shown, never interpreted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DaemonHealth {
    pub values: BTreeMap<String, Option<String>>,
}

impl DaemonHealth {
    /// True when no daemon ever ran on this database.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The value of `key`, when set.
    pub fn get(&self, key: HealthKey) -> Option<&str> {
        self.values.get(key.as_str()).and_then(|v| v.as_deref())
    }
}

/// One reported value.
struct Reported {
    key: String,
    value: Option<String>,
}

impl FromRow for Reported {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Reported> {
        Ok(Reported {
            key: r.get("key")?,
            value: r.get("value")?,
        })
    }
}

impl Sql<'_> {
    /// What the daemon reported. Empty when the database predates the table.
    pub fn daemon_health(&self) -> rusqlite::Result<DaemonHealth> {
        if !self.has_table("daemon_health")? {
            return Ok(DaemonHealth::default());
        }
        let rows: Vec<Reported> =
            self.all("SELECT key, value FROM daemon_health ORDER BY key", [])?;
        Ok(DaemonHealth {
            values: rows.into_iter().map(|r| (r.key, r.value)).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;
    use crate::store::{Reader, Store};

    fn read_file(db: &Path) -> Result<DaemonHealth, StoreError> {
        Reader::read(db, |q| q.daemon_health())
    }

    #[test]
    fn set_overwrites_clears_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        assert!(read_file(&db).unwrap().is_empty());
        let _writer = Store::open(&db).unwrap();
        let side = Writer::open(&db).unwrap();
        assert!(read_file(&db).unwrap().is_empty());
        let now = Utc::now();
        side.set(HealthKey::Pid, Some("42"), now).unwrap();
        side.set(HealthKey::LastError, Some("boom"), now).unwrap();
        side.set(HealthKey::LastError, None, now).unwrap();
        let next = Some("2026-01-01T00:00:00Z");
        side.set(HealthKey::NextSync, next, now).unwrap();
        let next = Some("2026-01-02T00:00:00Z");
        side.set(HealthKey::NextSync, next, now).unwrap();
        let h = read_file(&db).unwrap();
        assert_eq!(h.get(HealthKey::Pid), Some("42"));
        assert_eq!(h.get(HealthKey::LastError), None);
        assert!(h.values.contains_key("last_error"));
        assert_eq!(h.get(HealthKey::NextSync), Some("2026-01-02T00:00:00Z"));
        assert_eq!(h.values.len(), 3);
        let updated: String = Connection::open(&db)
            .unwrap()
            .query_row(
                "SELECT updated_at FROM daemon_health WHERE key = 'pid'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(updated, ts(now));
    }

    #[test]
    fn keys_are_distinct() {
        let names: std::collections::BTreeSet<&str> =
            HealthKey::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), HealthKey::ALL.len());
    }

    #[test]
    fn a_database_without_the_table_has_no_health() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("old.db");
        drop(Store::open(&db).unwrap());
        // As a spotsync from before the table left it.
        Connection::open(&db)
            .unwrap()
            .execute_batch("DROP TABLE daemon_health")
            .unwrap();
        assert!(read_file(&db).unwrap().is_empty());
    }
}
