//! The writer: batches from the reader written in transactions, each row merged with the play
//! stored from another source by the rules of [`merge`], or added, or found known; then the
//! gaps the files read to their end cover are closed.

use std::collections::HashSet;
use std::sync::mpsc;

use super::discover::FileKind;
use super::read::Msg;
use super::{Cancel, FileReport, ImportError, ImportSummary, Progress};
use crate::store::plays::Outcome;
use crate::store::plays::imported::{BackgroundCheckpoint, ExtendedInsert};
use crate::store::plays::merge;
use crate::store::plays::record::Record;
use crate::store::{Sql, Store, ts};

/// Rows per transaction: what a kill can lose, and what each commit writes (the pages of the
/// track index that many rows touch are written once per transaction, so fewer, larger
/// transactions write less).
pub const TX_ROWS: usize = 50_000;

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

/// What the writer keeps while batches come.
pub(crate) struct Writer<'a> {
    kinds: Vec<FileKind>,
    reports: Vec<FileReport>,
    spans: Vec<Span>,
    /// Tracks and episodes stored (or known stored) during this import.
    seen_items: HashSet<String>,
    /// Stored plays an extended row may merge with.
    pool: merge::Pool,
    cancel: &'a Cancel,
    /// Batches written go back to the reader, which frees them.
    spent: mpsc::Sender<Vec<Record>>,
    rows_done: u64,
    bytes_total: u64,
    /// Every input was read to its end (the reader said so).
    complete: bool,
    interrupted: bool,
}

impl<'a> Writer<'a> {
    pub(crate) fn new(
        kinds: Vec<FileKind>,
        pool: merge::Pool,
        cancel: &'a Cancel,
        spent: mpsc::Sender<Vec<Record>>,
        bytes_total: u64,
    ) -> Self {
        Writer {
            reports: vec![FileReport::default(); kinds.len()],
            spans: vec![Span::default(); kinds.len()],
            kinds,
            seen_items: HashSet::new(),
            pool,
            cancel,
            spent,
            rows_done: 0,
            bytes_total,
            complete: false,
            interrupted: false,
        }
    }

    /// Write what comes from `rx` until it ends (or the import is cancelled), one transaction
    /// per [`TX_ROWS`] rows (whole batches).
    pub(crate) fn run(
        &mut self,
        store: &mut Store,
        rx: &mpsc::Receiver<Msg>,
        checkpoint: Option<&BackgroundCheckpoint>,
        bytes: &dyn Fn() -> u64,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<(), ImportError> {
        let mut more = true;
        while more && !self.interrupted {
            more = store.transaction(|tx| self.transaction(tx, rx, bytes, progress))?;
            if let Some(bg) = checkpoint {
                store.sql().catch_up_checkpoint(bg)?;
            }
        }
        // The reader stops early only when cancelled.
        self.interrupted |= !self.complete;
        Ok(())
    }

    /// One transaction: batches until [`TX_ROWS`] rows; `false` when `rx` has ended.
    fn transaction(
        &mut self,
        tx: Sql<'_>,
        rx: &mpsc::Receiver<Msg>,
        bytes: &dyn Fn() -> u64,
        progress: &mut dyn FnMut(Progress),
    ) -> rusqlite::Result<bool> {
        let mut rows = 0;
        let mut insert = tx.prepare_insert_extended()?;
        while rows < TX_ROWS {
            let Ok(msg) = rx.recv() else {
                return Ok(false);
            };
            match msg {
                Msg::Rows(i, batch) => {
                    if self.cancel.is_set() {
                        self.interrupted = true;
                        return Ok(false);
                    }
                    self.write_batch(tx, &mut insert, i, &batch)?;
                    rows += batch.len();
                    self.rows_done += batch.len() as u64;
                    // Freed by the reader (or here, when it has ended).
                    let _ = self.spent.send(batch);
                    progress(Progress {
                        bytes_read: bytes(),
                        bytes_total: self.bytes_total,
                        rows: self.rows_done,
                    });
                }
                Msg::Done(i, report) => self.file_done(i, report),
                Msg::End => {
                    self.complete = true;
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    fn file_done(&mut self, i: usize, report: FileReport) {
        let Some(rep) = self.reports.get_mut(i) else {
            return;
        };
        let (added, merged, known) = (rep.added, rep.merged, rep.known);
        *rep = FileReport {
            added,
            merged,
            known,
            ..report
        };
    }

    fn write_batch(
        &mut self,
        tx: Sql<'_>,
        insert: &mut ExtendedInsert<'_>,
        i: usize,
        batch: &[Record],
    ) -> rusqlite::Result<()> {
        let extended = self.kinds.get(i).is_some_and(|k| k.is_extended());
        let (Some(rep), Some(span)) = (self.reports.get_mut(i), self.spans.get_mut(i)) else {
            return Ok(());
        };
        // Rows that merge with nothing go in multi-row inserts, in order with the others.
        let mut pending: Vec<&Record> = Vec::with_capacity(batch.len());
        for r in batch {
            span.add(r.ended);
            if let Some(id) = &r.id
                && !self.seen_items.contains(id)
            {
                tx.ensure_item(r)?;
                self.seen_items.insert(id.clone());
            }
            let outcome = if !extended {
                tx.import_account(r)?
            } else if let Some(c) = (!self.pool.is_empty())
                .then(|| self.pool.find(&r.ident(), r.ended, r.ms_played))
                .flatten()
            {
                let added = insert.insert_all(&pending)?;
                rep.added += added;
                rep.known += pending.len() as u64 - added;
                pending.clear();
                merge_with(tx, insert, &mut self.pool, c, r)?
            } else {
                pending.push(r);
                continue;
            };
            match outcome {
                Outcome::Added => rep.added += 1,
                Outcome::Merged => rep.merged += 1,
                Outcome::Known => rep.known += 1,
            }
        }
        let added = insert.insert_all(&pending)?;
        rep.added += added;
        rep.known += pending.len() as u64 - added;
        Ok(())
    }

    /// Close the gaps covered by files read to their end, and total the reports into `summary`.
    pub(crate) fn finish(
        self,
        store: &mut Store,
        summary: &mut ImportSummary,
    ) -> Result<(), ImportError> {
        summary.interrupted |= self.interrupted;
        let mut extended = Span::default();
        let mut account = Span::default();
        for ((kind, rep), span) in self.kinds.iter().zip(&self.reports).zip(&self.spans) {
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
        summary
            .files
            .extend(self.reports.into_iter().filter(|r| !r.file.is_empty()));
        Ok(())
    }
}

/// An extended row the pool matched with candidate `c`: known (stored before), merged into the
/// candidate's play, or added.
fn merge_with(
    tx: Sql<'_>,
    insert: &mut ExtendedInsert<'_>,
    pool: &mut merge::Pool,
    c: usize,
    r: &Record,
) -> rusqlite::Result<Outcome> {
    if tx.extended_known(r.key)? {
        return Ok(Outcome::Known);
    }
    if let Some(id) = pool.take(c) {
        tx.merge_extended(id, r)?;
        return Ok(Outcome::Merged);
    }
    Ok(if insert.insert_all(&[r])? > 0 {
        Outcome::Added
    } else {
        Outcome::Known
    })
}
