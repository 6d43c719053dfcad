//! The one way a batch reaches the database: its rows, its checkpoint and the run's counters
//! in one SQLite transaction, then the `BatchCommitted` event.

use chrono::{DateTime, Utc};

use super::Engine;
use crate::domain::{Checkpoint, Phase, PhaseStatus, RunId};
use crate::store::library::{Counts, Journal};
use crate::store::{Sql, ts};
use crate::sync::events::SyncEvent;
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
    /// Where and when changes are journaled (nowhere while the first mirror is built).
    pub(crate) fn journal(&self) -> Journal<'_> {
        Journal {
            run: self.journal.then_some(self.run),
            at: &self.at,
        }
    }
}

/// What a batch's write did: its counts, whether its phase is complete, and anything the phase
/// wants back.
#[derive(Debug, Default)]
pub(crate) struct Written<R = ()> {
    pub counts: Counts,
    /// The phase is complete: its checkpoint is saved as `success`.
    pub done: bool,
    pub value: R,
}

impl Written<()> {
    pub(crate) fn counts(counts: Counts) -> Written<()> {
        Written {
            counts,
            done: false,
            value: (),
        }
    }
}

impl Engine {
    fn batch_ctx(&self) -> Result<BatchCtx, Stop> {
        let run = self.run_id()?;
        let now = Utc::now();
        Ok(BatchCtx {
            run,
            now,
            at: ts(now),
            journal: self.run.as_ref().is_some_and(|r| r.journal),
        })
    }

    /// Commit one batch of `phase`: `write` stores its rows and moves the checkpoint; then the
    /// checkpoint and the run's counters are saved in the same transaction. `cp` is updated
    /// only when the transaction committed. Then the front end hears of it.
    pub(crate) async fn commit_batch<R, F>(
        &mut self,
        phase: Phase,
        cp: &mut Checkpoint,
        write: F,
    ) -> Result<R, Stop>
    where
        F: FnOnce(Sql<'_>, &BatchCtx, &mut Checkpoint) -> rusqlite::Result<Written<R>>
            + Send
            + 'static,
        R: Send + 'static,
    {
        let ctx = self.batch_ctx()?;
        let mut next = cp.clone();
        let (next, counts, api_calls, value) = self
            .db(move |s| {
                s.transaction(|tx| {
                    let w = write(tx, &ctx, &mut next)?;
                    let status = if w.done {
                        PhaseStatus::Success
                    } else {
                        PhaseStatus::InProgress
                    };
                    tx.save_checkpoint(phase, &next, status, ctx.now)?;
                    let c = w.counts;
                    tx.add_run_counts(ctx.run, c.added, c.updated, c.removed)?;
                    let calls = tx.run_api_calls(ctx.run)?;
                    Ok((next, c, calls, w.value))
                })
            })
            .await?;
        *cp = next;
        self.batch_committed(phase, cp, counts, api_calls).await;
        Ok(value)
    }

    /// The phase walked everything: its checkpoint is complete (no batch, no event).
    pub(crate) async fn complete_phase(
        &mut self,
        phase: Phase,
        cp: &mut Checkpoint,
    ) -> Result<(), Stop> {
        cp.total_items = Some(cp.items_processed);
        let done = cp.clone();
        let now = Utc::now();
        self.db(move |s| {
            s.sql()
                .save_checkpoint(phase, &done, PhaseStatus::Success, now)
        })
        .await
    }

    async fn batch_committed(&mut self, phase: Phase, cp: &Checkpoint, c: Counts, api_calls: u64) {
        self.phase_counts += c;
        tracing::debug!(
            "{phase}: batch committed, {} done{}; +{} ~{} -{}",
            cp.items_processed,
            cp.total_items
                .map(|t| format!(" of {t}"))
                .unwrap_or_default(),
            c.added,
            c.updated,
            c.removed
        );
        self.emit(SyncEvent::BatchCommitted {
            phase,
            done: cp.items_processed,
            total: cp.total_items,
            added: c.added,
            updated: c.updated,
            removed: c.removed,
            api_calls,
        })
        .await;
        // After the batch's requests: the 24-hour count matches the run's `api_calls`.
        self.emit_usage().await;
    }
}
