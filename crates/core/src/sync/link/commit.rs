//! The batch committer, the one way a batch reaches the database: its rows, its checkpoint, the
//! run's counters and the requests sent since the last write, in one SQLite transaction.

use chrono::{DateTime, Utc};

use super::Db;
use crate::domain::{Checkpoint, Phase, PhaseStatus, RunId};
use crate::store::library::{Counts, Journal};
use crate::store::{Sql, ts};
use crate::sync::outcome::Stop;

/// What a batch's write knows: its run, the engine's clock, whether to journal.
#[derive(Debug, Clone)]
pub(crate) struct BatchCtx {
    pub run: RunId,
    pub now: DateTime<Utc>,
    /// `now` as stored.
    pub at: String,
    journal: bool,
}

impl BatchCtx {
    /// A batch of `run` at `now`; `journal`: a complete mirror exists, changes are journaled.
    pub(crate) fn new(run: RunId, journal: bool, now: DateTime<Utc>) -> BatchCtx {
        BatchCtx {
            run,
            now,
            at: ts(now),
            journal,
        }
    }

    /// Where and when changes are journaled (nowhere while the first mirror is built).
    pub(crate) fn journal(&self) -> Journal<'_> {
        Journal {
            run: self.journal.then_some(self.run),
            at: &self.at,
        }
    }

    /// Where a list's changes are journaled: nowhere until the list was mirrored once.
    pub(crate) fn list_journal(&self, mirrored: bool) -> Journal<'_> {
        if mirrored {
            self.journal()
        } else {
            Journal {
                run: None,
                at: &self.at,
            }
        }
    }
}

/// What one batch's write stored: its counts, whether its phase is complete, and anything the
/// phase wants back.
#[derive(Debug, Default)]
pub(crate) struct Stored<R = ()> {
    pub counts: Counts,
    /// The phase is complete: its checkpoint is saved as `success`.
    pub done: bool,
    pub value: R,
}

impl Stored<()> {
    pub(crate) fn counts(counts: Counts) -> Stored<()> {
        Stored {
            counts,
            done: false,
            value: (),
        }
    }
}

/// A committed batch: the checkpoint it moved to, its counts, the requests its run has sent so
/// far, and the phase's value.
#[derive(Debug)]
pub(crate) struct Committed<R> {
    pub cp: Checkpoint,
    pub counts: Counts,
    pub api_calls: u64,
    pub value: R,
}

/// Commit one batch of `phase` from checkpoint `cp`: `write` stores its rows and moves (a copy
/// of) the checkpoint; the checkpoint, the run's counters and the requests sent since the last
/// write are saved in the same transaction. Nothing of it is kept when it fails.
pub(crate) async fn commit_batch<R, F>(
    db: &Db,
    phase: Phase,
    cp: &Checkpoint,
    batch: BatchCtx,
    write: F,
) -> Result<Committed<R>, Stop>
where
    F: FnOnce(Sql<'_>, &BatchCtx, &mut Checkpoint) -> rusqlite::Result<Stored<R>> + Send + 'static,
    R: Send + 'static,
{
    let mut next = cp.clone();
    db.write(move |tx| {
        let stored = write(tx, &batch, &mut next)?;
        let status = if stored.done {
            PhaseStatus::Success
        } else {
            PhaseStatus::InProgress
        };
        tx.save_checkpoint(phase, &next, status, batch.now)?;
        let c = stored.counts;
        tx.add_run_counts(batch.run, c.added, c.updated, c.removed)?;
        Ok(Committed {
            cp: next,
            counts: c,
            api_calls: tx.run_api_calls(batch.run)?,
            value: stored.value,
        })
    })
    .await
}

/// The phase walked everything: its checkpoint is complete (no batch, no event).
pub(crate) async fn complete_phase(db: &Db, phase: Phase, cp: &mut Checkpoint) -> Result<(), Stop> {
    cp.total_items = Some(cp.items_processed);
    let done = cp.clone();
    let now = Utc::now();
    db.write(move |tx| tx.save_checkpoint(phase, &done, PhaseStatus::Success, now))
        .await
}
