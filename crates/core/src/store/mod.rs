//! SQLite: open (WAL, foreign keys, busy timeout, one-writer lock), append-only migrations, and
//! every query. The schema is a public interface: see the README.
//!
//! The store owns every connection: the writer's ([`Store`]), the readers' ([`Reader`]) and the
//! daemon's side writer ([`SideWriter`]). Queries are methods of [`Sql`], rows read by column
//! name ([`row`]). One module per table or job:
//!
//! - engine state: [`runs`] (`sync_history`), [`checkpoints`] (`sync_state`), [`hold`]
//!   (`request_hold`), [`usage`] (`api_usage`), [`quota`] (`quota_observations`),
//!   [`capabilities`], [`account`];
//! - the library: [`library`] (upserts and the change journal), [`plays`], [`versions`]
//!   (`playlist_versions`), [`sizes`] (what the plan counts), [`musicbrainz`] (MusicBrainz ids
//!   by ISRC);
//!   (`playlist_versions`), [`sizes`] (what the plan counts);
//! - restore: [`restore`] (`restores`, `restore_writes`, `restore_playlists`, the saves and
//!   playlist versions as of a date, the archived covers);
//! - for front ends: [`journal`] (`library_changes`, `play_gaps`), [`health`]
//!   (`daemon_health`), [`browse`];
//! - shared by the accounts of a household: [`ledger`], the quota ledger (a file of its own
//!   beside the accounts' databases).

pub mod account;
pub mod browse;
pub mod capabilities;
pub mod checkpoints;
mod file;
pub mod health;
pub mod hold;
pub mod journal;
pub mod ledger;
pub mod library;
pub mod musicbrainz;
pub mod plays;
pub mod quota;
pub mod restore;
pub mod row;
pub mod runs;
pub mod schema;
pub mod sizes;
pub mod usage;
pub mod versions;

pub use checkpoints::PhaseRow;
pub use runs::UnfinishedRun;
pub use sizes::{CatalogCounts, StoredPlaylist};

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OpenFlags};

use file::{Check, Owner, check_header, migrate, not_a_db, open_existing_read_only, owner};

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
    #[error(
        "{path} has an earlier schema ({found}; this spotsync reads {known}) and another \
         spotsync holds it: stop that one (an earlier version?) and run this again, which \
         brings the database up to date"
    )]
    Behind {
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

/// `PRAGMA application_id` of every spotsync database ("SPSY" in ASCII). Written when a
/// database is created (or an earlier spotsync's database is first opened by this one); a file
/// marked with another id, or an unmarked file that already has tables that are not ours, is
/// another application's and is refused without being written to.
pub const APPLICATION_ID: i32 = 0x5350_5359;

/// The queries of the store, over a connection the store owns (its writer's, inside or
/// outside a transaction, or a read-only one). Front ends get one from [`Reader::sql`]; the
/// engine from [`Store::sql`] and [`Store::transaction`].
#[derive(Clone, Copy)]
pub struct Sql<'a>(&'a Connection);

impl std::fmt::Debug for Sql<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sql")
    }
}

/// The writer's handle: the connection plus the lock that keeps other writers out. The
/// connection is private: everything goes through [`Sql`] and the methods below.
pub struct Store {
    conn: Connection,
    path: PathBuf,
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

/// The one-writer lock (an OS lock on the lock file beside the database).
fn take_lock(path: &Path) -> Result<File, StoreError> {
    let lock_file = lock_path(path);
    let lock = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_file)
        .map_err(|source| StoreError::Io {
            path: lock_file.clone(),
            source,
        })?;
    match lock.try_lock() {
        Ok(()) => Ok(lock),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::Locked(path.to_owned())),
        Err(std::fs::TryLockError::Error(source)) => Err(StoreError::Io {
            path: lock_file,
            source,
        }),
    }
}

/// Statements each connection keeps prepared: every query of a batch, and more.
const PREPARED_STATEMENTS: usize = 64;

impl Store {
    /// Open (or create) the database for writing: checks the file is ours (refusing another
    /// application's without writing to it), takes the one-writer lock, sets WAL / foreign
    /// keys / busy timeout, brings the schema up to date and marks the file as ours.
    ///
    /// Blocking (it may check a large file): call it off the async runtime
    /// (`spawn_blocking`), as [`crate::sync::spawn`] does.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: dir.to_owned(),
                source,
            })?;
        }
        // Before the lock file is created beside it: is an existing file ours at all?
        if check_header(path)? {
            owner(&open_existing_read_only(path)?, path, Check::Light)?;
        }
        let lock = take_lock(path)?;
        // Again under the lock: the file may have changed hands in between.
        let existed = check_header(path)?;
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| not_a_db(path, e))?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.set_prepared_statement_cache_capacity(PREPARED_STATEMENTS);
        if existed {
            owner(&conn, path, Check::Thorough)?;
        }
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| not_a_db(path, e))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&mut conn, path)?;
        // An import stopped before it built the indexes it deferred: build them now.
        let built = Sql(&conn).restore_plays_indexes()?;
        if built > 0 {
            tracing::info!("built {built} indexes of the listening history an import left unbuilt");
        }
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
        Ok(Store {
            conn,
            path: path.to_owned(),
            _lock: lock,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Queries outside a transaction (each statement commits on its own).
    pub fn sql(&self) -> Sql<'_> {
        Sql(&self.conn)
    }

    /// Run `f` in one transaction: committed when `f` succeeds, rolled back otherwise.
    pub fn transaction<R>(
        &mut self,
        f: impl FnOnce(Sql<'_>) -> rusqlite::Result<R>,
    ) -> rusqlite::Result<R> {
        // IMMEDIATE: the write lock is taken (waiting up to the busy timeout) before anything
        // is read, so a commit by another connection meanwhile (the daemon's health rows)
        // cannot leave this one on a stale snapshot that fails to upgrade ("database is
        // locked" at the start of a run).
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let r = f(Sql(&tx))?;
        tx.commit()?;
        Ok(r)
    }

    /// Run `f` (a bulk write: the importer) with a larger page cache, fewer WAL checkpoints
    /// and, when `trusted_references`, without the per-row foreign-key probe (the caller
    /// stores what rows point at first). The settings are restored afterwards, whatever `f`
    /// returned.
    pub(crate) fn bulk_write<R>(
        &mut self,
        settings: BulkSettings,
        f: impl FnOnce(&mut Store) -> R,
    ) -> rusqlite::Result<R> {
        let get = |c: &Connection, name: &str| -> rusqlite::Result<i64> {
            c.pragma_query_value(None, name, |r| r.get(0))
        };
        let cache = get(&self.conn, "cache_size")?;
        let checkpoint = get(&self.conn, "wal_autocheckpoint")?;
        let fks = get(&self.conn, "foreign_keys")?;
        self.conn
            .pragma_update(None, "cache_size", settings.cache_kib.saturating_neg())?;
        self.conn
            .pragma_update(None, "wal_autocheckpoint", settings.wal_pages)?;
        if settings.trusted_references {
            self.conn.pragma_update(None, "foreign_keys", 0)?;
        }
        let r = f(self);
        self.conn.pragma_update(None, "foreign_keys", fks)?;
        self.conn.pragma_update(None, "cache_size", cache)?;
        self.conn
            .pragma_update(None, "wal_autocheckpoint", checkpoint)?;
        Ok(r)
    }
}

/// The connection settings of [`Store::bulk_write`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BulkSettings {
    /// Page cache, in KiB.
    pub cache_kib: i64,
    /// Checkpoint the WAL every this many pages.
    pub wal_pages: i64,
    /// Turn off the foreign-key checks while `f` runs.
    pub trusted_references: bool,
}

/// A read-only handle (for `status`, `history`, `changes` and front ends): works while another
/// process syncs, and refuses a file that is not spotsync's, like [`Store::open`].
pub struct Reader {
    conn: Connection,
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Reader")
    }
}

impl Reader {
    /// `Ok(None)` when there is no spotsync database yet (no file, an empty one, or one a
    /// first run created but never migrated).
    ///
    /// A database of an earlier schema (written by an earlier spotsync) is brought up to date
    /// first, once, through the writer (its migrations), since this build's queries read the
    /// current schema; [`StoreError::Behind`] when another process holds it meanwhile.
    pub fn open(path: &Path) -> Result<Option<Reader>, StoreError> {
        let Some((conn, version)) = Reader::open_versioned(path)? else {
            return Ok(None);
        };
        let known = schema::migration_count();
        if version == known {
            return Ok(Some(Reader { conn }));
        }
        drop(conn);
        match Store::open(path) {
            Ok(store) => drop(store),
            Err(StoreError::Locked(_)) => {
                return Err(StoreError::Behind {
                    path: path.to_owned(),
                    found: version,
                    known,
                });
            }
            Err(e) => return Err(e),
        }
        match Reader::open_versioned(path)? {
            Some((conn, v)) if v == known => Ok(Some(Reader { conn })),
            Some((_, found)) => Err(StoreError::Behind {
                path: path.to_owned(),
                found,
                known,
            }),
            None => Ok(None),
        }
    }

    /// A read-only connection and the schema version: `None` when there is no spotsync
    /// database yet, [`StoreError::TooNew`] for a newer one.
    fn open_versioned(path: &Path) -> Result<Option<(Connection, usize)>, StoreError> {
        if !check_header(path)? {
            return Ok(None);
        }
        let conn = open_existing_read_only(path)?;
        let version = match owner(&conn, path, Check::Light)? {
            Owner::Empty => return Ok(None),
            Owner::Ours { version } | Owner::OursUnmarked { version } => version,
        };
        if version == 0 {
            return Ok(None);
        }
        if version > schema::migration_count() {
            return Err(StoreError::TooNew {
                path: path.to_owned(),
                found: version,
                known: schema::migration_count(),
            });
        }
        Ok(Some((conn, version)))
    }

    pub fn sql(&self) -> Sql<'_> {
        Sql(&self.conn)
    }

    /// Read the database at `path` with `f`, read-only (works while another process syncs);
    /// `T::default()` when there is no spotsync database yet. The front ends' one way to read:
    /// `Reader::read(db, |q| q.play_gaps(5))`.
    pub fn read<T: Default>(
        path: &Path,
        f: impl FnOnce(Sql<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        match Reader::open(path)? {
            Some(reader) => Ok(f(reader.sql())?),
            None => Ok(T::default()),
        }
    }
}

/// Open read-only: see [`Reader::open`].
pub fn open_read_only(path: &Path) -> Result<Option<Reader>, StoreError> {
    Reader::open(path)
}

/// A second connection to a database this process already holds (the engine's lock is not
/// taken again): for the daemon's health rows, written through [`health::Writer`].
#[derive(Debug)]
pub struct SideWriter {
    conn: Connection,
}

/// Open a [`SideWriter`] on a database [`Store::open`] already checked and holds.
pub fn open_side_writer(path: &Path) -> Result<SideWriter, StoreError> {
    if check_header(path)? {
        owner(&open_existing_read_only(path)?, path, Check::Light)?;
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| not_a_db(path, e))?;
    conn.busy_timeout(Duration::from_secs(10))?;
    Ok(SideWriter { conn })
}

impl SideWriter {
    fn sql(&self) -> Sql<'_> {
        Sql(&self.conn)
    }
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
mod tests;
