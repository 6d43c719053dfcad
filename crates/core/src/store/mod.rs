//! SQLite: open (WAL, foreign keys, busy timeout, one-writer lock), append-only migrations, and
//! the queries of every phase. The schema is a public interface: see the README.

pub mod journal;
pub mod library;
pub mod plays;
pub mod schema;
pub mod state;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OpenFlags};

/// Why the database could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("another spotsync is using {0}; wait for it to finish or stop it")]
    Locked(PathBuf),
    #[error(
        "{path} is not a spotsync database ({detail}); it was left untouched — pass another --db"
    )]
    NotADatabase { path: PathBuf, detail: String },
    #[error(
        "{path} was written by a newer spotsync (schema {found}, this one knows {known}); upgrade spotsync"
    )]
    TooNew {
        path: PathBuf,
        found: usize,
        known: usize,
    },
    #[error("cannot open {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot update the database schema: {0}")]
    Migration(String),
}

/// The writer's handle: the connection plus the lock that keeps other writers out.
pub struct Store {
    pub conn: Connection,
    pub path: PathBuf,
    _lock: File,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// The lock file beside the database.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    db.with_file_name(name)
}

const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Refuse anything that is not an SQLite file (before SQLite gets a chance to write to it).
/// An absent or empty file is fine: it becomes a new database.
fn check_header(path: &Path) -> Result<bool, StoreError> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(source) => {
            return Err(StoreError::Io {
                path: path.to_owned(),
                source,
            });
        }
    };
    if meta.is_dir() {
        return Err(StoreError::NotADatabase {
            path: path.to_owned(),
            detail: "it is a directory".into(),
        });
    }
    if meta.len() == 0 {
        return Ok(false);
    }
    let mut head = [0u8; 16];
    let mut f = File::open(path).map_err(|source| StoreError::Io {
        path: path.to_owned(),
        source,
    })?;
    let n = f.read(&mut head).map_err(|source| StoreError::Io {
        path: path.to_owned(),
        source,
    })?;
    if n < 16 || &head != SQLITE_HEADER || meta.len() < 512 {
        return Err(StoreError::NotADatabase {
            path: path.to_owned(),
            detail: "the file is not an SQLite database".into(),
        });
    }
    Ok(true)
}

fn not_a_db(path: &Path, e: rusqlite::Error) -> StoreError {
    StoreError::NotADatabase {
        path: path.to_owned(),
        detail: format!("SQLite cannot read it: {e}"),
    }
}

/// Read-only integrity check of an existing file, before any pragma that could write.
fn check_readable(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let res: Result<String, _> = conn.query_row("PRAGMA quick_check(1)", [], |r| r.get(0));
    match res {
        Ok(s) if s == "ok" => Ok(()),
        Ok(s) => Err(StoreError::NotADatabase {
            path: path.to_owned(),
            detail: format!("it is damaged: {s}"),
        }),
        Err(e) => Err(not_a_db(path, e)),
    }
}

impl Store {
    /// Open (or create) the database for writing: takes the one-writer lock, checks the file,
    /// sets WAL / foreign keys / busy timeout and brings the schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: dir.to_owned(),
                source,
            })?;
        }
        let lock = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(lock_path(path))
            .map_err(|source| StoreError::Io {
                path: lock_path(path),
                source,
            })?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StoreError::Locked(path.to_owned()));
            }
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(StoreError::Io {
                    path: lock_path(path),
                    source,
                });
            }
        }
        let existed = check_header(path)?;
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| not_a_db(path, e))?;
        conn.busy_timeout(Duration::from_secs(10))?;
        if existed {
            check_readable(&conn, path)?;
        }
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| not_a_db(path, e))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&mut conn, path)?;
        Ok(Store {
            conn,
            path: path.to_owned(),
            _lock: lock,
        })
    }
}

fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let migrations = schema::migrations();
    let known = schema::migration_count();
    let found: usize = conn
        .pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))
        .map_err(|e| not_a_db(path, e))? as usize;
    if found > known {
        return Err(StoreError::TooNew {
            path: path.to_owned(),
            found,
            known,
        });
    }
    migrations
        .to_latest(conn)
        .map_err(|e| StoreError::Migration(e.to_string()))
}

/// Open read-only (for `status`, `history` and front ends): works while another process syncs.
/// `Ok(None)` when there is no database yet.
pub fn open_read_only(path: &Path) -> Result<Option<Connection>, StoreError> {
    if !check_header(path)? {
        return Ok(None);
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| not_a_db(path, e))?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let found: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| not_a_db(path, e))?;
    if found == 0 {
        return Ok(None);
    }
    Ok(Some(conn))
}

/// A second connection to a database this process already holds (the engine's lock is not
/// taken again): for small side writes such as the daemon's health.
pub fn open_side_writer(path: &Path) -> Result<Connection, StoreError> {
    check_header(path)?;
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| not_a_db(path, e))?;
    conn.busy_timeout(Duration::from_secs(10))?;
    Ok(conn)
}

/// Timestamps are ISO-8601 UTC text, to the second.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Parse a stored timestamp.
pub fn parse_ts(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_writer_is_refused_and_reader_works() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        let _a = Store::open(&db).unwrap();
        match Store::open(&db) {
            Err(StoreError::Locked(p)) => assert_eq!(p, db),
            other => panic!("expected Locked, got {other:?}"),
        }
        assert!(open_read_only(&db).unwrap().is_some());
    }

    #[test]
    fn non_sqlite_file_is_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("notes.txt");
        let content = b"my precious notes, not a database\n".repeat(40);
        std::fs::write(&db, &content).unwrap();
        let err = Store::open(&db).unwrap_err();
        assert!(matches!(err, StoreError::NotADatabase { .. }), "{err}");
        assert!(err.to_string().contains("not a spotsync database"));
        assert_eq!(std::fs::read(&db).unwrap(), content);
        assert!(open_read_only(&db).is_err());
    }

    #[test]
    fn reopen_keeps_schema() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        drop(Store::open(&db).unwrap());
        let s = Store::open(&db).unwrap();
        let mode: String = s
            .conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = s
            .conn
            .pragma_query_value(None, "foreign_keys", |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
    }
}
