//! Importing Spotify's data export: the extended streaming history
//! (`Streaming_History_Audio_*.json`, `Streaming_History_Video_*.json`, older `endsong_*.json`)
//! and the account data (`StreamingHistory_music_*.json`, `StreamingHistory_podcast_*.json`),
//! from a zip, a folder or single files.
//!
//! A reader thread streams each file's JSON array ([`files`]) and turns rows into
//! [`rows::Record`]s; the caller's thread writes them in batches, one transaction per batch,
//! merging each with the play already stored from another source by the rules of [`merge`].
//! Every record carries its source's key, so a re-import, or an import restarted after a kill,
//! adds nothing twice. A file that cannot be read is reported with what is wrong and the
//! others still import.

pub mod files;
pub mod merge;
pub mod rows;
pub mod time;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;

use serde::{Deserialize, Serialize};

use crate::store::plays::{Coverage, ExtendedInsert, Outcome};
use crate::store::{BulkSettings, Sql, Store, ts};
use files::{FileKind, Input, RowError, StreamError};
use rows::{AccountRow, ExtendedRow, Record};

/// Rows per transaction.
pub const BATCH_ROWS: usize = 10_000;

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
    /// Set to stop at the next batch boundary (everything committed stays).
    pub cancel: Option<Arc<AtomicBool>>,
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
    /// Files that could not be read to their end.
    pub failed: u64,
    /// Listening-history gaps the import covered (now closed).
    pub gaps_closed: u64,
    /// Stopped before the end (Ctrl-C): run it again to finish, nothing is doubled.
    pub interrupted: bool,
    /// The listening history after the import.
    pub coverage: Coverage,
}

enum Msg {
    Rows(usize, Vec<Record>),
    Done(usize, FileReport),
}

/// Read every input on a separate thread, sending batches of records.
fn spawn_reader(
    inputs: Vec<Input>,
    bytes: Arc<AtomicU64>,
    tx: mpsc::SyncSender<Msg>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("import-reader".into())
        .spawn(move || {
            for (i, input) in inputs.iter().enumerate() {
                let mut report = FileReport {
                    file: input.name.clone(),
                    kind: input.kind.as_str().into(),
                    ..FileReport::default()
                };
                let mut batch: Vec<Record> = Vec::with_capacity(BATCH_ROWS);
                let mut without_time = 0u64;
                let mut push = |r: Result<Record, rows::Rejected>| -> Result<(), ()> {
                    match r {
                        Ok(r) => batch.push(r),
                        Err(rows::Rejected::NoTime) => without_time += 1,
                    }
                    if batch.len() >= BATCH_ROWS {
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
                        tx.send(Msg::Rows(i, full)).map_err(|_| ())?;
                    }
                    Ok(())
                };
                let res = if input.kind.is_extended() {
                    files::stream_rows(input, &bytes, &mut |raw: &[u8]| {
                        let row: ExtendedRow<'_> =
                            serde_json::from_slice(raw).map_err(RowError::Json)?;
                        push(row.into_record()).map_err(RowError::Stop)
                    })
                } else {
                    files::stream_rows(input, &bytes, &mut |raw: &[u8]| {
                        let row: AccountRow<'_> =
                            serde_json::from_slice(raw).map_err(RowError::Json)?;
                        push(row.into_record()).map_err(RowError::Stop)
                    })
                };
                match res {
                    Ok(n) => report.rows = n,
                    Err(StreamError::Stopped(())) => return,
                    Err(StreamError::Malformed(m)) => report.error = Some(m),
                }
                report.without_time = without_time;
                if !batch.is_empty() && tx.send(Msg::Rows(i, batch)).is_err() {
                    return;
                }
                if tx.send(Msg::Done(i, report)).is_err() {
                    return;
                }
            }
        })
}

/// Per source: the span of times read from files read to their end.
#[derive(Debug, Default, Clone, Copy)]
struct Span {
    first: Option<i64>,
    last: Option<i64>,
}

impl Span {
    fn add(&mut self, t: i64) {
        self.first = Some(self.first.map_or(t, |f| f.min(t)));
        self.last = Some(self.last.map_or(t, |l| l.max(t)));
    }
    fn merge(&mut self, o: Span) {
        if let (Some(f), Some(l)) = (o.first, o.last) {
            self.add(f);
            self.add(l);
        }
    }
}

/// Import the export files under `paths` into `store`. `progress` is called after every batch.
pub fn import(
    store: &mut Store,
    paths: &[PathBuf],
    opts: &ImportOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<ImportSummary, ImportError> {
    let found = files::discover(paths);
    let mut summary = ImportSummary {
        skipped: found.skipped,
        ..ImportSummary::default()
    };
    for (file, error) in found.errors {
        summary.files.push(FileReport {
            file,
            error: Some(error),
            ..FileReport::default()
        });
    }
    let inputs = found.inputs;
    let mut pool = if inputs.iter().any(|i| i.kind.is_extended()) {
        store.sql().extended_pool()?
    } else {
        merge::Pool::default()
    };
    // A larger page cache for the random-order index inserts (plays by track, by key). The
    // importer stores every track and episode before the plays that point at them, so the
    // per-row foreign-key probe is redundant while it runs.
    let settings = BulkSettings {
        cache_kib: IMPORT_CACHE_KIB,
        wal_pages: IMPORT_WAL_PAGES,
        trusted_references: true,
    };
    store.bulk_write(settings, |store| {
        run(store, inputs, opts, progress, &mut summary, &mut pool)
    })??;
    summary.coverage = store.sql().coverage()?;
    Ok(summary)
}

/// Page cache of the import's connection, in KiB.
const IMPORT_CACHE_KIB: i64 = 32_768;
/// Checkpoint the WAL every this many pages while importing (fewer, larger checkpoints).
const IMPORT_WAL_PAGES: i64 = 8_192;

fn run(
    store: &mut Store,
    inputs: Vec<Input>,
    opts: &ImportOptions,
    progress: &mut dyn FnMut(Progress),
    summary: &mut ImportSummary,
    pool: &mut merge::Pool,
) -> Result<(), ImportError> {
    let kinds: Vec<FileKind> = inputs.iter().map(|i| i.kind).collect();
    let bytes_total = inputs.iter().map(|i| i.size).sum();
    let bytes = Arc::new(AtomicU64::new(0));
    let (tx, rx) = mpsc::sync_channel::<Msg>(4);
    let reader = spawn_reader(inputs, bytes.clone(), tx).map_err(ImportError::Thread)?;

    let mut reports: Vec<FileReport> = vec![FileReport::default(); kinds.len()];
    let mut spans: Vec<Span> = vec![Span::default(); kinds.len()];
    let mut seen_items: HashSet<String> = HashSet::new();
    let mut rows_done = 0u64;
    let cancelled = || {
        opts.cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
    };
    let mut result: Result<(), ImportError> = Ok(());
    for msg in rx.iter() {
        match msg {
            Msg::Rows(i, batch) => {
                if cancelled() {
                    summary.interrupted = true;
                    break;
                }
                let kind = kinds[i];
                let rep = &mut reports[i];
                let span = &mut spans[i];
                let n = batch.len() as u64;
                let r = write_batch(store, kind, &batch, pool, &mut seen_items, rep, span);
                if let Err(e) = r {
                    result = Err(e);
                    break;
                }
                rows_done += n;
                progress(Progress {
                    bytes_read: bytes.load(Ordering::Relaxed),
                    bytes_total,
                    rows: rows_done,
                });
            }
            Msg::Done(i, report) => {
                let rep = &mut reports[i];
                rep.file = report.file;
                rep.kind = report.kind;
                rep.rows = report.rows;
                rep.without_time = report.without_time;
                rep.error = report.error;
            }
        }
    }
    drop(rx);
    let _ = reader.join();
    result?;

    // Close the gaps covered by files read to their end.
    let mut extended = Span::default();
    let mut account = Span::default();
    for ((kind, rep), span) in kinds.iter().zip(&reports).zip(&spans) {
        if rep.error.is_none() && !summary.interrupted {
            if kind.is_extended() {
                extended.merge(*span);
            } else {
                account.merge(*span);
            }
        }
    }
    let now = ts(chrono::Utc::now());
    summary.gaps_closed += store.transaction(|tx| {
        let mut closed = 0;
        for (span, whole_life, by) in [
            (extended, true, "extended streaming history"),
            (account, false, "account data"),
        ] {
            if let (Some(first), Some(last)) = (span.first, span.last) {
                closed += tx.close_covered_gaps(first, last, whole_life, by, &now)?;
            }
        }
        Ok(closed)
    })?;

    for rep in reports.into_iter().filter(|r| !r.file.is_empty()) {
        summary.files.push(rep);
    }
    for f in &summary.files {
        summary.rows += f.rows;
        summary.added += f.added;
        summary.merged += f.merged;
        summary.known += f.known;
        summary.without_time += f.without_time;
        summary.failed += u64::from(f.error.is_some());
    }
    Ok(())
}

fn write_batch(
    store: &mut Store,
    kind: FileKind,
    batch: &[Record],
    pool: &mut merge::Pool,
    seen_items: &mut HashSet<String>,
    rep: &mut FileReport,
    span: &mut Span,
) -> Result<(), ImportError> {
    store.transaction(|tx| {
        let mut insert = tx.prepare_insert_extended()?;
        for r in batch {
            span.add(r.ended);
            if let Some(id) = &r.id
                && !seen_items.contains(id)
            {
                tx.ensure_item(r)?;
                seen_items.insert(id.clone());
            }
            let outcome = if kind.is_extended() {
                extended_row(tx, &mut insert, r, pool)?
            } else {
                tx.import_account(r)?
            };
            match outcome {
                Outcome::Added => rep.added += 1,
                Outcome::Merged => rep.merged += 1,
                Outcome::Known => rep.known += 1,
            }
        }
        Ok(())
    })?;
    Ok(())
}

fn extended_row(
    tx: Sql<'_>,
    insert: &mut ExtendedInsert<'_>,
    r: &Record,
    pool: &mut merge::Pool,
) -> rusqlite::Result<Outcome> {
    if !pool.is_empty()
        && let Some(i) = pool.find(&r.ident(), r.ended, r.ms_played)
    {
        if tx.extended_known(r.key)? {
            return Ok(Outcome::Known);
        }
        if let Some(id) = pool.take(i) {
            tx.merge_extended(id, r)?;
            return Ok(Outcome::Merged);
        }
    }
    Ok(if insert.insert(r)? {
        Outcome::Added
    } else {
        Outcome::Known
    })
}
