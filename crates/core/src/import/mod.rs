//! Importing Spotify's data export: the extended streaming history
//! (`Streaming_History_Audio_*.json`, `Streaming_History_Video_*.json`, older `endsong_*.json`
//! and `endvideo.json`) and the account data (`StreamingHistory_music_*.json`,
//! `StreamingHistory_podcast_*.json`, `StreamingHistory_audiobook_*.json`), from a zip, a folder
//! or single files.
//!
//! The files are found first ([`discover`]); a reader thread ([`read`]) streams each file's JSON
//! array ([`stream`]) and turns rows into records ([`rows`]); the caller's thread writes them
//! ([`mod@write`]), one transaction per [`write::TX_ROWS`] rows, merging each with the play already
//! stored from another source by the rules of [`crate::store::plays::merge`]. Every record
//! carries its source's key, so a re-import, or an import restarted after a kill, adds nothing
//! twice. A file that cannot be read is reported with what is wrong and the others still
//! import; a row whose time cannot be a play's, or that holds a value too long to be a name, is
//! refused, counted and named.

pub mod discover;
mod lenient;
pub mod read;
pub mod rows;
pub mod stream;
pub mod write;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;

use serde::{Deserialize, Serialize};

use crate::store::plays::Coverage;
use crate::store::plays::imported::BackgroundCheckpoint;
use crate::store::plays::indexes;
use crate::store::plays::merge;
use crate::store::{BulkSettings, Store};

/// Why an import could not run at all (a file that cannot be read is not one: see
/// [`FileReport::error`]).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot start the file reader: {0}")]
    Thread(std::io::Error),
}

/// How the import is going, for a progress bar.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    pub bytes_read: u64,
    pub bytes_total: u64,
    pub rows: u64,
}

/// Options of an import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Set to stop the import (Ctrl-C): it stops within a row, an entry of a zip or a folder,
    /// keeps every batch committed and leaves nothing half-written.
    pub cancel: Option<Arc<AtomicBool>>,
}

/// The flag of [`ImportOptions::cancel`], as the import's threads read it.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Option<Arc<AtomicBool>>);

impl Cancel {
    pub fn is_set(&self) -> bool {
        self.0.as_ref().is_some_and(|c| c.load(Ordering::Relaxed))
    }
}

/// One file's outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileReport {
    pub file: String,
    pub kind: String,
    /// Rows read.
    pub rows: u64,
    /// New plays.
    pub added: u64,
    /// Rows that were the same play as one stored from another source.
    pub merged: u64,
    /// Rows stored before (a re-import) or repeated in the export.
    pub known: u64,
    /// Rows without a usable time (`ts` / `endTime` null, absent or not a time).
    pub without_time: u64,
    /// Rows refused: a time no play can have (before 2006, or more than a day in the future),
    /// or a value longer than [`rows::MAX_VALUE`].
    pub refused: u64,
    /// The first refused rows, each with its row number, line and why.
    pub refusals: Vec<String>,
    /// Why the file could not be read to its end (the rows before it are kept).
    pub error: Option<String>,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    pub files: Vec<FileReport>,
    /// Files found that are not listening history.
    pub skipped: Vec<String>,
    pub rows: u64,
    pub added: u64,
    pub merged: u64,
    pub known: u64,
    pub without_time: u64,
    pub refused: u64,
    /// Files that could not be read to their end.
    pub failed: u64,
    /// Listening-history gaps the import covered (now closed).
    pub gaps_closed: u64,
    /// Stopped before the end (Ctrl-C): run it again to finish, nothing is doubled.
    pub interrupted: bool,
    /// The listening history after the import.
    pub coverage: Coverage,
}

impl ImportSummary {
    fn total(&mut self) {
        for f in &self.files {
            self.rows += f.rows;
            self.added += f.added;
            self.merged += f.merged;
            self.known += f.known;
            self.without_time += f.without_time;
            self.refused += f.refused;
            self.failed += u64::from(f.error.is_some());
        }
    }
}

/// Page cache of the import's connection, in KiB.
const IMPORT_CACHE_KIB: i64 = 65_536;
/// Page cache of the import's connection when it builds the indexes by track and artist name
/// at its end (the others are appended to in time order), in KiB.
const DEFERRED_CACHE_KIB: i64 = 16_384;
/// Checkpoint the WAL every this many pages while importing, when no [`BackgroundCheckpoint`]
/// could be started (then the importer's connection checkpoints nothing itself).
const IMPORT_WAL_PAGES: i64 = 8_192;

/// Import the export files under `paths` into `store`. `progress` is called after every batch.
pub fn import(
    store: &mut Store,
    paths: &[PathBuf],
    opts: &ImportOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<ImportSummary, ImportError> {
    let cancel = Cancel(opts.cancel.clone());
    let found = discover::discover(paths, &cancel);
    let mut summary = ImportSummary {
        skipped: found.skipped,
        interrupted: found.interrupted,
        ..ImportSummary::default()
    };
    for (file, error) in found.errors {
        summary.files.push(FileReport {
            file,
            error: Some(error),
            ..FileReport::default()
        });
    }
    if !summary.interrupted {
        let inputs = found.inputs;
        let pool = if inputs.iter().any(|i| i.kind.is_extended()) {
            store.sql().extended_pool()?
        } else {
            merge::Pool::default()
        };
        let defer = defer_indexes(store, &inputs)?;
        // A larger page cache for the random-order index inserts (plays by track), unless
        // that index is built at the end. The importer stores every track and episode before
        // the plays that point at them, so the per-row foreign-key probe is redundant while it
        // runs.
        let settings = BulkSettings {
            cache_kib: if defer {
                DEFERRED_CACHE_KIB
            } else {
                IMPORT_CACHE_KIB
            },
            wal_pages: IMPORT_WAL_PAGES,
            trusted_references: true,
        };
        store.bulk_write(settings, |store| {
            // A second connection checkpoints in the background; the writer, then, only when
            // the log must start over.
            let checkpoint = BackgroundCheckpoint::start(store.path());
            if checkpoint.is_some() {
                store.sql().set_wal_autocheckpoint(0)?;
            }
            if defer {
                store.transaction(|tx| tx.drop_plays_indexes())?;
            }
            let ran = run(
                store,
                inputs,
                pool,
                checkpoint.as_ref(),
                &cancel,
                progress,
                &mut summary,
            );
            // Whatever the import did (a failure too): the indexes it deferred and did not
            // build yet, now (or at the next open of the store, if this fails).
            let built = store.transaction(|tx| tx.restore_plays_indexes());
            ran?;
            built?;
            Ok::<(), ImportError>(())
        })??;
    }
    summary.total();
    summary.coverage = store.sql().coverage()?;
    Ok(summary)
}

/// Whether this import drops the indexes of `plays` by track and by artist name and builds them
/// after its rows ([`crate::store::plays::indexes`]): when the plays stored are few beside the
/// extended history rows it brings.
fn defer_indexes(store: &Store, inputs: &[discover::Input]) -> rusqlite::Result<bool> {
    let bytes: u64 = inputs
        .iter()
        .filter(|i| i.kind.is_extended())
        .map(|i| i.size)
        .sum();
    let rows = bytes / indexes::BYTES_PER_ROW;
    if rows == 0 {
        return Ok(false);
    }
    let stored = store.sql().plays_count()?;
    Ok((stored as f64) < indexes::DEFER_WHEN_STORED_BELOW * rows as f64)
}

fn run(
    store: &mut Store,
    inputs: Vec<discover::Input>,
    pool: merge::Pool,
    checkpoint: Option<&BackgroundCheckpoint>,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
    summary: &mut ImportSummary,
) -> Result<(), ImportError> {
    let kinds = inputs.iter().map(|i| i.kind).collect();
    let bytes_total = inputs.iter().map(|i| i.size).sum();
    let bytes = Arc::new(AtomicU64::new(0));
    let (tx, rx) = mpsc::sync_channel::<read::Msg>(4);
    let (spent_tx, spent_rx) = mpsc::channel();
    let now = chrono::Utc::now().timestamp_millis();
    let reader = read::spawn(inputs, bytes.clone(), cancel.clone(), now, tx, spent_rx)
        .map_err(ImportError::Thread)?;
    let mut writer = write::Writer::new(kinds, pool, cancel, spent_tx, bytes_total);
    let bytes_read = || bytes.load(Ordering::Relaxed);
    let written = writer.run(store, &rx, checkpoint, &bytes_read, progress);
    drop(rx);
    let _ = reader.join();
    written?;
    writer.finish(store, summary)
}
