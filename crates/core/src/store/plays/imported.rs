//! The importer's writes: the tracks and episodes an export names, its rows as plays (new,
//! merged with the stored record of the same play, or known), and the listening-history gaps
//! an export covers.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rusqlite::{CachedStatement, Connection, OpenFlags, Row, params};

use super::Outcome;
use super::merge::{self, Kind, MAX_STREAM_MS, MINUTE_MS, SLACK_MS};
use super::record::{ItemType, Record};
use super::time::parse_stored;
use crate::store::Sql;
use crate::store::row::FromRow;

impl Sql<'_> {
    /// Make sure the track or episode an export row names has a row (an episode's show by
    /// name), with what the export says; enrichment fills the rest later. Never overwrites
    /// what is stored.
    pub(crate) fn ensure_item(&self, r: &Record) -> rusqlite::Result<()> {
        let tx = self.0;
        if let Some(id) = r.track_id() {
            tx.prepare_cached(
                "INSERT INTO tracks (id, name, uri) VALUES (?1, ?2, ?3) ON CONFLICT(id) DO NOTHING",
            )?
            .execute(params![id, r.track_name, r.uri])?;
        } else if let Some(id) = r.episode_id() {
            tx.prepare_cached(
                "INSERT INTO episodes (id, name, uri, show_name) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(id) DO NOTHING",
            )?
            .execute(params![id, r.track_name, r.uri, r.artist_name])?;
        }
        Ok(())
    }

    /// Is this extended history row stored already?
    pub(crate) fn extended_known(&self, key: i64) -> rusqlite::Result<bool> {
        self.0
            .prepare_cached("SELECT 1 FROM plays WHERE extended_key = ?1")?
            .exists([key])
    }

    /// Give the stored play `id` (an API or account record of the same play) this extended row's
    /// details and key.
    pub(crate) fn merge_extended(&self, id: i64, r: &Record) -> rusqlite::Result<()> {
        self.0
            .prepare_cached(
                "UPDATE plays SET source = 'extended', ended_at = ?1,
                   played_at = COALESCE(api_played_at, ?1), ms_played = ?2, reason_start = ?3,
                   reason_end = ?4, shuffle = ?5, skipped = ?6, offline = ?7, offline_at = ?8,
                   incognito = ?9, platform = ?10, conn_country = ?11, extended_key = ?12,
                   item_type = COALESCE(item_type, ?13), track_id = COALESCE(track_id, ?14),
                   episode_id = COALESCE(episode_id, ?15), uri = COALESCE(uri, ?16),
                   track_name = COALESCE(track_name, ?17), artist_name = COALESCE(artist_name, ?18),
                   album_name = COALESCE(album_name, ?19)
                 WHERE id = ?20",
            )?
            .execute(params![
                r.ended_text,
                r.ms_played,
                r.reason_start,
                r.reason_end,
                r.shuffle,
                r.skipped,
                r.offline,
                r.offline_at_text,
                r.incognito,
                r.platform,
                r.conn_country,
                r.key,
                r.item_type.map(ItemType::as_str),
                r.track_id(),
                r.episode_id(),
                r.uri,
                r.track_name,
                r.artist_name,
                r.album_name,
                id
            ])?;
        Ok(())
    }

    /// Store an account data row: known, merged with the extended or API record of the same play,
    /// or added.
    pub(crate) fn import_account(&self, r: &Record) -> rusqlite::Result<Outcome> {
        let known = self
            .0
            .prepare_cached("SELECT 1 FROM plays WHERE account_key = ?1")?
            .exists([r.key])?;
        if known {
            return Ok(Outcome::Known);
        }
        let ms = r.ms_played.unwrap_or(0).clamp(0, MAX_STREAM_MS);
        let tol = 2 * (MINUTE_MS + SLACK_MS);
        let cands =
            self.candidates_between("account_key IS NULL", r.ended - ms - tol, r.ended + tol)?;
        let ident = r.ident();
        if let Some(c) = merge::best(&cands, Kind::Account, &ident, r.ended, r.ms_played) {
            self.merge_account(c.id, r)?;
            return Ok(Outcome::Merged);
        }
        let n = self
            .0
            .prepare_cached(
                "INSERT INTO plays (played_at, source, item_type, track_name, artist_name,
                                    ended_at, ms_played, account_key)
                 VALUES (?1, 'account', ?2, ?3, ?4, ?1, ?5, ?6)
                 ON CONFLICT(account_key) WHERE account_key IS NOT NULL DO NOTHING",
            )?
            .execute(params![
                r.ended_text,
                r.item_type.map(ItemType::as_str),
                r.track_name,
                r.artist_name,
                r.ms_played,
                r.key
            ])?;
        Ok(if n > 0 {
            Outcome::Added
        } else {
            Outcome::Known
        })
    }

    /// Give the stored play `id` (an extended or API record of the same play) this account
    /// row's key, and what it lacks.
    fn merge_account(&self, id: i64, r: &Record) -> rusqlite::Result<()> {
        self.0
            .prepare_cached(
                "UPDATE plays SET account_key = ?1,
                   source = CASE source WHEN 'api' THEN 'account' ELSE source END,
                   ms_played = COALESCE(ms_played, ?2), ended_at = COALESCE(ended_at, ?3),
                   item_type = COALESCE(item_type, ?4), track_name = COALESCE(track_name, ?5),
                   artist_name = COALESCE(artist_name, ?6)
                 WHERE id = ?7",
            )?
            .execute(params![
                r.key,
                r.ms_played,
                r.ended_text,
                r.item_type.map(ItemType::as_str),
                r.track_name,
                r.artist_name,
                id
            ])?;
        Ok(())
    }

    /// Close the open gaps that an export read from `first` to `last` (Unix ms) covers: it holds
    /// plays at or before the gap's `after` and at or after its `before` (less [`SLACK_MS`]). A gap
    /// without `after` is closed only by a `whole_life` source (the extended history).
    pub(crate) fn close_covered_gaps(
        &self,
        first: i64,
        last: i64,
        whole_life: bool,
        closed_by: &str,
        now: &str,
    ) -> rusqlite::Result<u64> {
        let gaps: Vec<OpenGap> = self.all(
            "SELECT id, after, before FROM play_gaps WHERE closed_at IS NULL",
            [],
        )?;
        let mut closed = 0;
        for gap in gaps {
            let after_ok = match gap.after.as_deref() {
                None => whole_life,
                Some(a) => parse_stored(a).is_some_and(|a| first <= a),
            };
            let before_ok = parse_stored(&gap.before).is_some_and(|b| last >= b - SLACK_MS);
            if after_ok && before_ok {
                self.0.execute(
                    "UPDATE play_gaps SET closed_at = ?1, closed_by = ?2 WHERE id = ?3",
                    params![now, closed_by, gap.id],
                )?;
                closed += 1;
            }
        }
        Ok(closed)
    }
}

/// An open gap, read by column name.
struct OpenGap {
    id: i64,
    after: Option<String>,
    before: String,
}

impl FromRow for OpenGap {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(OpenGap {
            id: r.get("id")?,
            after: r.get("after")?,
            before: r.get("before")?,
        })
    }
}

/// The columns of an extended history row, and one row's values (`{}` is the row's first
/// parameter number less one).
const EXTENDED_COLUMNS: &str = "played_at, source, item_type, track_id, episode_id, uri, \
     track_name, artist_name, album_name, ended_at, ms_played, reason_start, reason_end, \
     shuffle, skipped, offline, offline_at, incognito, platform, conn_country, extended_key";
/// Parameters per extended history row.
const EXTENDED_PARAMS: usize = 19;
/// Rows per multi-row insert: one statement keeps its cursors open from row to row, so each
/// index of `plays` is appended to without being searched from its root (the rows come in time
/// order).
const ROWS_PER_INSERT: usize = 32;

/// `INSERT … VALUES (…), (…) …` of `rows` extended history rows.
fn insert_extended_sql(rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|k| {
            let p = |n: usize| format!("?{}", k * EXTENDED_PARAMS + n);
            format!(
                "({}, 'extended', {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
                p(1), p(2), p(3), p(4), p(5), p(6), p(7), p(8), p(1), p(9), p(10), p(11), p(12),
                p(13), p(14), p(15), p(16), p(17), p(18), p(19)
            )
        })
        .collect();
    // `OR IGNORE`, not `ON CONFLICT (extended_key) DO NOTHING`: the same for these rows (their
    // only possible conflict is a stored `extended_key`; every other constraint holds by
    // construction), and a multi-row statement that cannot abort needs no statement journal
    // (with one, SQLite copies every page the statement touches before changing it).
    format!(
        "INSERT OR IGNORE INTO plays ({EXTENDED_COLUMNS}) VALUES {}",
        values.join(", ")
    )
}

/// The importer's prepared inserts of extended history rows (one set per batch).
pub(crate) struct ExtendedInsert<'a> {
    one: CachedStatement<'a>,
    many: CachedStatement<'a>,
}

impl<'a> Sql<'a> {
    /// The extended-row inserts, prepared once per batch (see [`ExtendedInsert`]).
    pub(crate) fn prepare_insert_extended(&self) -> rusqlite::Result<ExtendedInsert<'a>> {
        static ONE: OnceLock<String> = OnceLock::new();
        static MANY: OnceLock<String> = OnceLock::new();
        Ok(ExtendedInsert {
            one: self
                .0
                .prepare_cached(ONE.get_or_init(|| insert_extended_sql(1)))?,
            many: self
                .0
                .prepare_cached(MANY.get_or_init(|| insert_extended_sql(ROWS_PER_INSERT)))?,
        })
    }
}

/// Bind `r` as row `k` of `st`.
fn bind_extended(st: &mut CachedStatement<'_>, k: usize, r: &Record) -> rusqlite::Result<()> {
    let base = k * EXTENDED_PARAMS;
    st.raw_bind_parameter(base + 1, &r.ended_text)?;
    st.raw_bind_parameter(base + 2, r.item_type.map(ItemType::as_str))?;
    st.raw_bind_parameter(base + 3, r.track_id())?;
    st.raw_bind_parameter(base + 4, r.episode_id())?;
    st.raw_bind_parameter(base + 5, &r.uri)?;
    st.raw_bind_parameter(base + 6, &r.track_name)?;
    st.raw_bind_parameter(base + 7, &r.artist_name)?;
    st.raw_bind_parameter(base + 8, &r.album_name)?;
    st.raw_bind_parameter(base + 9, r.ms_played)?;
    st.raw_bind_parameter(base + 10, &r.reason_start)?;
    st.raw_bind_parameter(base + 11, &r.reason_end)?;
    st.raw_bind_parameter(base + 12, r.shuffle)?;
    st.raw_bind_parameter(base + 13, r.skipped)?;
    st.raw_bind_parameter(base + 14, r.offline)?;
    st.raw_bind_parameter(base + 15, &r.offline_at_text)?;
    st.raw_bind_parameter(base + 16, r.incognito)?;
    st.raw_bind_parameter(base + 17, &r.platform)?;
    st.raw_bind_parameter(base + 18, &r.conn_country)?;
    st.raw_bind_parameter(base + 19, r.key)
}

impl ExtendedInsert<'_> {
    /// Store extended history rows as new plays, in order; returns how many were new (the
    /// others were stored before, or repeat a row before them).
    pub(crate) fn insert_all(&mut self, rows: &[&Record]) -> rusqlite::Result<u64> {
        let mut added = 0;
        let mut chunks = rows.chunks_exact(ROWS_PER_INSERT);
        for chunk in &mut chunks {
            for (k, r) in chunk.iter().enumerate() {
                bind_extended(&mut self.many, k, r)?;
            }
            added += self.many.raw_execute()? as u64;
        }
        for r in chunks.remainder() {
            bind_extended(&mut self.one, 0, r)?;
            added += self.one.raw_execute()? as u64;
        }
        Ok(added)
    }
}

/// Copies the write-ahead log into the database from a second connection, on its own thread,
/// while the importer writes (which then checkpoints nothing itself): the disk's writes and
/// flushes overlap the import instead of stopping it at every checkpoint. Dropping it stops the
/// thread; closing the importer's connection checkpoints what is left.
///
/// A writer that never pauses never finds the log fully copied when it begins a transaction, so
/// the log would grow by everything the import writes: past [`RESTART_FRAMES`], the importer
/// copies the little left itself between two transactions ([`Sql::catch_up_checkpoint`]), and
/// the next transaction starts the log over.
pub(crate) struct BackgroundCheckpoint {
    stop: Arc<AtomicBool>,
    /// Frames in the log at the last pass.
    frames: Arc<AtomicI64>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// How often the background checkpoint runs.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);
/// A log of this many frames (256 MiB) is started over.
pub(crate) const RESTART_FRAMES: i64 = 65_536;

/// What `PRAGMA wal_checkpoint` answers, by column name.
struct Checkpointed {
    /// Frames in the log.
    log: i64,
}

impl FromRow for Checkpointed {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Checkpointed { log: r.get("log")? })
    }
}

impl Sql<'_> {
    /// Copy what the log holds into the database without waiting for, or holding up, a writer
    /// on another connection; the frames in the log.
    fn checkpoint_passive(&self) -> rusqlite::Result<i64> {
        let done: Option<Checkpointed> = self.one("PRAGMA wal_checkpoint(PASSIVE)", [])?;
        Ok(done.map_or(0, |c| c.log))
    }

    /// Between two transactions of the importer, when the log has grown past
    /// [`RESTART_FRAMES`]: copy the rest of it (the last transaction's frames; the background
    /// checkpoint did the others), so that the next transaction starts the log over.
    pub(crate) fn catch_up_checkpoint(&self, bg: &BackgroundCheckpoint) -> rusqlite::Result<()> {
        if bg.frames.load(Ordering::Relaxed) > RESTART_FRAMES {
            self.checkpoint_passive()?;
            bg.frames.store(0, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Whether this connection checkpoints the log itself after a commit (0: never).
    pub(crate) fn set_wal_autocheckpoint(&self, pages: i64) -> rusqlite::Result<()> {
        self.0.pragma_update(None, "wal_autocheckpoint", pages)
    }
}

impl BackgroundCheckpoint {
    /// Start checkpointing `db` (a database the caller holds open in WAL mode). `None` when a
    /// second connection or a thread cannot be had.
    pub(crate) fn start(db: &Path) -> Option<BackgroundCheckpoint> {
        let conn = Connection::open_with_flags(
            db,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .ok()?;
        conn.busy_timeout(Duration::from_secs(10)).ok()?;
        let stop = Arc::new(AtomicBool::new(false));
        let frames = Arc::new(AtomicI64::new(0));
        let (flag, seen) = (stop.clone(), frames.clone());
        let thread = std::thread::Builder::new()
            .name("import-checkpoint".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::park_timeout(CHECKPOINT_EVERY);
                    match Sql(&conn).checkpoint_passive() {
                        Ok(n) => seen.store(n, Ordering::Relaxed),
                        Err(e) => {
                            // The importer then copies the log itself after every
                            // transaction, so that it cannot grow unchecked.
                            tracing::debug!("background checkpoint: {e}");
                            seen.store(i64::MAX, Ordering::Relaxed);
                        }
                    }
                }
            })
            .ok()?;
        Some(BackgroundCheckpoint {
            stop,
            frames,
            thread: Some(thread),
        })
    }
}

impl Drop for BackgroundCheckpoint {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}
