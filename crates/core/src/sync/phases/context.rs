//! What a phase works with, and nothing else: its checkpoint, the facts of the run it needs,
//! requests through the gate, the batch commit, the store for its own reads, and its batch
//! boundaries (where pause and cancel act, and a plays poll that fell due is sent).

use chrono::Utc;
use serde::de::DeserializeOwned;

use super::plays;
use crate::domain::{Capability, CapabilityValue, Checkpoint, Phase, RunId, RunKind};
use crate::spotify::Endpoint;
use crate::store::Sql;
use crate::store::library::Counts;
use crate::sync::events::SyncEvent;
use crate::sync::link::{BatchCtx, Link, ReqError, Stored, commit_batch, complete_phase};
use crate::sync::outcome::Stop;

/// What the phases know of the run in progress.
#[derive(Debug, Clone)]
pub(crate) struct RunFacts {
    pub id: RunId,
    pub kind: RunKind,
    /// Journal changes (a complete mirror exists from an earlier run).
    pub journal: bool,
    /// Whether the app has Extended Quota, once learned (from the database or an answer).
    pub extended: Option<bool>,
    /// The user's Spotify id, once known.
    pub me: Option<String>,
}

/// One phase at work.
pub(crate) struct PhaseCtx<'a> {
    pub phase: Phase,
    /// Where the phase's walk stands: moved by each committed batch (and by the phase itself
    /// for what it skips between batches).
    pub cp: Checkpoint,
    pub run: &'a mut RunFacts,
    link: Link<'a>,
    /// What the phase changed so far in this run (for its log line).
    counts: Counts,
}

impl<'a> PhaseCtx<'a> {
    pub(crate) fn new(
        phase: Phase,
        cp: Checkpoint,
        run: &'a mut RunFacts,
        link: Link<'a>,
    ) -> PhaseCtx<'a> {
        PhaseCtx {
            phase,
            cp,
            run,
            link,
            counts: Counts::default(),
        }
    }

    /// What the phase changed so far in this run.
    pub(crate) fn counts(&self) -> Counts {
        self.counts
    }

    /// Whether the app has Extended Quota, as known so far.
    pub(crate) fn extended(&self) -> bool {
        self.run.extended.unwrap_or(false)
    }

    /// An incremental run (or a plays run): lists are read from the newest until a known item.
    pub(crate) fn incremental(&self) -> bool {
        self.run.kind != RunKind::Full
    }

    /// One request of this phase through the gate.
    pub(crate) async fn request<T: DeserializeOwned>(
        &mut self,
        endpoint: Endpoint,
    ) -> Result<T, ReqError> {
        self.link.request(Some(self.phase), endpoint).await
    }

    /// Read the store.
    pub(crate) async fn read<R, F>(&self, f: F) -> Result<R, Stop>
    where
        F: FnOnce(Sql<'_>) -> rusqlite::Result<R> + Send + 'static,
        R: Send + 'static,
    {
        self.link.db().read(f).await
    }

    /// Write to the store outside a batch (what the phase learned, not its rows).
    pub(crate) async fn write<R, F>(&self, f: F) -> Result<R, Stop>
    where
        F: FnOnce(Sql<'_>) -> rusqlite::Result<R> + Send + 'static,
        R: Send + 'static,
    {
        self.link.db().write(f).await
    }

    /// Commit one batch: `write` stores its rows and moves the checkpoint, saved with the run's
    /// counters in one transaction ([`commit_batch`]); [`PhaseCtx::cp`] moves only when it
    /// committed. Then the front end hears of it.
    pub(crate) async fn commit<R, F>(&mut self, write: F) -> Result<R, Stop>
    where
        F: FnOnce(Sql<'_>, &BatchCtx, &mut Checkpoint) -> rusqlite::Result<Stored<R>>
            + Send
            + 'static,
        R: Send + 'static,
    {
        let batch = BatchCtx::new(self.run.id, self.run.journal, Utc::now());
        let done = commit_batch(self.link.db(), self.phase, &self.cp, batch, write).await?;
        self.cp = done.cp;
        let c = done.counts;
        self.counts += c;
        let (phase, cp) = (self.phase, &self.cp);
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
        let event = SyncEvent::BatchCommitted {
            phase,
            done: cp.items_processed,
            total: cp.total_items,
            added: c.added,
            updated: c.updated,
            removed: c.removed,
            api_calls: done.api_calls,
        };
        self.link.emit(event).await;
        // After the batch's requests: the 24-hour count matches the run's `api_calls`.
        self.link.emit_usage().await;
        Ok(done.value)
    }

    /// The phase walked everything: its checkpoint is complete (no batch, no event).
    pub(crate) async fn complete(&mut self) -> Result<(), Stop> {
        complete_phase(self.link.db(), self.phase, &mut self.cp).await
    }

    /// The batch boundary: apply commands (cancel stops here); send a plays poll that fell due;
    /// when paused, wait for resume.
    pub(crate) async fn boundary(&mut self) -> Result<(), Stop> {
        self.link.take_commands()?;
        if self.phase != Phase::Plays && self.link.take_poll() {
            self.poll_between_batches().await?;
        }
        self.link.pause_point(self.phase).await
    }

    /// A poll that fell due while this phase runs ([`crate::sync::SyncCommand::PollPlays`]):
    /// sent now, between this phase's batches, with the plays phase's own checkpoint. A poll
    /// that fails is logged and left to the next one; this phase goes on.
    async fn poll_between_batches(&mut self) -> Result<(), Stop> {
        let cp = self
            .read(|q| Ok(q.phase(Phase::Plays)?.map(|r| r.checkpoint)))
            .await?
            .unwrap_or_default();
        let mut poll = PhaseCtx::new(Phase::Plays, cp, self.run, self.link.reborrow());
        match plays::poll(&mut poll).await {
            Ok(()) => {
                tracing::info!(
                    "listening history polled between batches: {} new play(s)",
                    poll.counts.added
                );
                Ok(())
            }
            Err(Stop::PhaseFailed(e) | Stop::Skipped(e)) => {
                tracing::warn!("listening-history poll between batches failed: {e}");
                Ok(())
            }
            Err(s) => Err(s),
        }
    }

    /// An answer showed whether the app has Extended Quota: remember it for the run and keep it.
    pub(crate) async fn learned_extended(&mut self, extended: bool) -> Result<(), Stop> {
        if self.run.extended == Some(extended) {
            return Ok(());
        }
        self.run.extended = Some(extended);
        let now = Utc::now();
        self.write(move |tx| {
            tx.set_capability(
                Capability::ExtendedQuota,
                CapabilityValue::flag(extended),
                now,
            )
        })
        .await
    }
}
