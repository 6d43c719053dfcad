//! Commands while a run is in progress: pause and resume at batch boundaries, cancel and
//! shutdown at once, even in the middle of a wait or a request.

use std::time::Duration;

use chrono::Utc;

use super::Engine;
use crate::domain::{Phase, PhaseStatus, RunStatus};
use crate::sync::events::{SyncCommand, SyncEvent};
use crate::sync::outcome::Stop;

impl Engine {
    fn handle_command(&mut self, cmd: Option<SyncCommand>) -> Result<(), Stop> {
        match cmd {
            None => Err(Stop::Interrupted),
            Some(SyncCommand::Cancel) => Err(Stop::Cancelled),
            Some(SyncCommand::Shutdown) => {
                self.shutdown = true;
                Err(Stop::Interrupted)
            }
            Some(SyncCommand::Pause) => {
                self.pause_requested = true;
                Ok(())
            }
            Some(SyncCommand::Resume) => {
                self.pause_requested = false;
                Ok(())
            }
            Some(SyncCommand::SetMaxWait(d)) => {
                self.max_wait = d;
                Ok(())
            }
            Some(SyncCommand::PollPlays) => {
                self.poll_requested = true;
                Ok(())
            }
            Some(SyncCommand::Start { .. }) => Ok(()),
            Some(SyncCommand::Probe { .. }) => Ok(()),
        }
    }

    /// Await `fut`, but stop at once on cancel / shutdown (a pause is remembered for the next
    /// batch boundary).
    pub(crate) async fn interruptible<F: std::future::Future>(
        &mut self,
        fut: F,
    ) -> Result<F::Output, Stop> {
        tokio::pin!(fut);
        loop {
            tokio::select! {
                biased;
                _ = self.cancel.cancelled() => return Err(Stop::Interrupted),
                cmd = self.commands.recv() => self.handle_command(cmd)?,
                out = &mut fut => return Ok(out),
            }
        }
    }

    /// Sleep for `d` while listening for commands: cancel / shutdown stop at once, a pause
    /// pauses here (nothing is sent while paused). Returns `true` when it returns early after a
    /// pause and resume: the caller re-checks what it was waiting for (a hold stays in force).
    pub(crate) async fn wait(&mut self, d: Duration, phase: Option<Phase>) -> Result<bool, Stop> {
        let deadline = tokio::time::Instant::now() + d;
        loop {
            if self.pause_requested {
                self.pause_here(phase).await?;
                return Ok(true);
            }
            tokio::select! {
                biased;
                _ = self.cancel.cancelled() => return Err(Stop::Interrupted),
                cmd = self.commands.recv() => self.handle_command(cmd)?,
                _ = tokio::time::sleep_until(deadline) => return Ok(false),
            }
        }
    }

    /// The batch boundary: apply commands; when paused, wait for resume.
    pub(crate) async fn boundary(&mut self, phase: Phase) -> Result<(), Stop> {
        if self.cancel.is_cancelled() {
            return Err(Stop::Interrupted);
        }
        while let Ok(cmd) = self.commands.try_recv() {
            self.handle_command(Some(cmd))?;
        }
        if self.poll_requested && phase != Phase::Plays {
            self.poll_requested = false;
            self.poll_between_batches().await?;
        }
        if !self.pause_requested {
            return Ok(());
        }
        self.pause_here(Some(phase)).await
    }

    /// Record the run's and phase's status while paused / after resuming.
    async fn record_pause(
        &mut self,
        phase: Option<Phase>,
        run: RunStatus,
        phase_status: PhaseStatus,
    ) -> Result<(), Stop> {
        let now = Utc::now();
        let run_id = self.run.as_ref().map(|r| r.id);
        self.db(move |s| {
            s.transaction(|tx| {
                if let Some(id) = run_id {
                    tx.set_run_status(id, run, None, now)?;
                }
                if let Some(phase) = phase {
                    tx.set_phase_status(phase, phase_status, None, now)?;
                }
                Ok(())
            })
        })
        .await
    }

    /// Pause now: record it, tell the front end, and wait for resume (or cancel / shutdown).
    async fn pause_here(&mut self, phase: Option<Phase>) -> Result<(), Stop> {
        self.record_pause(phase, RunStatus::Paused, PhaseStatus::Paused)
            .await?;
        if let Some(r) = &self.run {
            tracing::info!("sync run {} paused", r.id);
        }
        self.emit(SyncEvent::Paused).await;
        while self.pause_requested {
            let cmd = tokio::select! {
                _ = self.cancel.cancelled() => return Err(Stop::Interrupted),
                c = self.commands.recv() => c,
            };
            self.handle_command(cmd)?;
        }
        self.record_pause(phase, RunStatus::Running, PhaseStatus::InProgress)
            .await?;
        if let Some(r) = &self.run {
            tracing::info!("sync run {} resumed after a pause", r.id);
        }
        self.emit(SyncEvent::Resumed).await;
        Ok(())
    }
}
