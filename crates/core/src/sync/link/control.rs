//! Commands while the engine works: pause and resume at batch boundaries, cancel and shutdown at
//! once, even in the middle of a wait or a request. [`Control`] holds what the commands asked;
//! a [`Link`] pauses (recording it on the run) where a phase or a wait lets it.

use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::Link;
use crate::domain::{Phase, PhaseStatus, RunStatus};
use crate::sync::events::{SyncCommand, SyncEvent};
use crate::sync::outcome::Stop;

/// The command channel and what it asked for so far.
pub(crate) struct Control {
    commands: mpsc::Receiver<SyncCommand>,
    cancel: CancellationToken,
    /// The longest hold waited out in-process ([`SyncCommand::SetMaxWait`]).
    max_wait: Option<Duration>,
    pause_requested: bool,
    /// A listening-history poll fell due during the run: it goes at the next batch boundary.
    poll_requested: bool,
    shutdown: bool,
}

/// How a sleep ended.
enum Woke {
    Elapsed,
    /// A pause was asked for: the sleeper pauses, then re-checks what it waited for.
    PauseRequested,
}

impl Control {
    pub(crate) fn new(commands: mpsc::Receiver<SyncCommand>, cancel: CancellationToken) -> Control {
        Control {
            commands,
            cancel,
            max_wait: None,
            pause_requested: false,
            poll_requested: false,
            shutdown: false,
        }
    }

    /// Between runs: the next command, `None` once cancelled or the channel closed.
    pub(crate) async fn idle(&mut self) -> Option<SyncCommand> {
        tokio::select! {
            c = self.commands.recv() => c,
            _ = self.cancel.cancelled() => None,
        }
    }

    pub(crate) fn set_max_wait(&mut self, d: Option<Duration>) {
        self.max_wait = d;
    }

    pub(crate) fn max_wait(&self) -> Option<Duration> {
        self.max_wait
    }

    /// A run starts: no pause or poll asked for before it carries over.
    pub(crate) fn start_run(&mut self) {
        self.pause_requested = false;
        self.poll_requested = false;
    }

    /// Whether the engine ends after the run: shutdown asked for, or cancelled.
    pub(crate) fn ending(&self) -> bool {
        self.shutdown || self.cancel.is_cancelled()
    }

    fn handle(&mut self, cmd: Option<SyncCommand>) -> Result<(), Stop> {
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
            Some(SyncCommand::Start { .. } | SyncCommand::Probe { .. }) => Ok(()),
        }
    }

    /// Apply the commands that came meanwhile (a batch boundary): stop if cancelled.
    pub(crate) fn take_commands(&mut self) -> Result<(), Stop> {
        if self.cancel.is_cancelled() {
            return Err(Stop::Interrupted);
        }
        while let Ok(cmd) = self.commands.try_recv() {
            self.handle(Some(cmd))?;
        }
        Ok(())
    }

    /// Whether a plays poll fell due (it is then taken).
    pub(crate) fn take_poll(&mut self) -> bool {
        std::mem::take(&mut self.poll_requested)
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
                cmd = self.commands.recv() => self.handle(cmd)?,
                out = &mut fut => return Ok(out),
            }
        }
    }

    /// Sleep for `d` while listening for commands: cancel / shutdown stop at once; a pause
    /// asked for (before or meanwhile) ends the sleep early.
    async fn sleep(&mut self, d: Duration) -> Result<Woke, Stop> {
        let deadline = tokio::time::Instant::now() + d;
        loop {
            if self.pause_requested {
                return Ok(Woke::PauseRequested);
            }
            tokio::select! {
                biased;
                _ = self.cancel.cancelled() => return Err(Stop::Interrupted),
                cmd = self.commands.recv() => self.handle(cmd)?,
                _ = tokio::time::sleep_until(deadline) => return Ok(Woke::Elapsed),
            }
        }
    }

    /// Wait while paused (until resume, or cancel / shutdown).
    async fn until_resumed(&mut self) -> Result<(), Stop> {
        while self.pause_requested {
            let cmd = tokio::select! {
                _ = self.cancel.cancelled() => return Err(Stop::Interrupted),
                c = self.commands.recv() => c,
            };
            self.handle(cmd)?;
        }
        Ok(())
    }
}

impl Link<'_> {
    /// Sleep for `d` while listening for commands: cancel / shutdown stop at once, a pause
    /// pauses here (nothing is sent while paused). Returns `true` when it returns early after a
    /// pause and resume: the caller re-checks what it was waiting for (a hold stays in force).
    pub(crate) async fn wait(&mut self, d: Duration, phase: Option<Phase>) -> Result<bool, Stop> {
        match self.control.sleep(d).await? {
            Woke::Elapsed => Ok(false),
            Woke::PauseRequested => {
                self.pause_here(phase).await?;
                Ok(true)
            }
        }
    }

    /// Await `fut`, but stop at once on cancel / shutdown.
    pub(crate) async fn interruptible<F: std::future::Future>(
        &mut self,
        fut: F,
    ) -> Result<F::Output, Stop> {
        self.control.interruptible(fut).await
    }

    /// Apply the commands that came meanwhile: stop if cancelled.
    pub(crate) fn take_commands(&mut self) -> Result<(), Stop> {
        self.control.take_commands()
    }

    /// Whether a plays poll fell due (it is then taken).
    pub(crate) fn take_poll(&mut self) -> bool {
        self.control.take_poll()
    }

    /// A run starts: no pause or poll asked for before it carries over.
    pub(crate) fn start_run(&mut self) {
        self.control.start_run();
    }

    /// Pause here when a pause was asked for (a batch boundary of `phase`).
    pub(crate) async fn pause_point(&mut self, phase: Phase) -> Result<(), Stop> {
        if !self.control.pause_requested {
            return Ok(());
        }
        self.pause_here(Some(phase)).await
    }

    /// Pause now: record it, tell the front end, and wait for resume (or cancel / shutdown).
    async fn pause_here(&mut self, phase: Option<Phase>) -> Result<(), Stop> {
        self.record_pause(phase, RunStatus::Paused, PhaseStatus::Paused)
            .await?;
        if let Some(id) = self.run_id() {
            tracing::info!("sync run {id} paused");
        }
        self.emit(SyncEvent::Paused).await;
        self.control.until_resumed().await?;
        self.record_pause(phase, RunStatus::Running, PhaseStatus::InProgress)
            .await?;
        if let Some(id) = self.run_id() {
            tracing::info!("sync run {id} resumed after a pause");
        }
        self.emit(SyncEvent::Resumed).await;
        Ok(())
    }

    /// Record the run's and phase's status while paused / after resuming.
    async fn record_pause(
        &self,
        phase: Option<Phase>,
        run: RunStatus,
        phase_status: PhaseStatus,
    ) -> Result<(), Stop> {
        let now = Utc::now();
        let run_id = self.run_id();
        self.db
            .write(move |tx| {
                if let Some(id) = run_id {
                    tx.set_run_status(id, run, None, now)?;
                }
                if let Some(phase) = phase {
                    tx.set_phase_status(phase, phase_status, None, now)?;
                }
                Ok(())
            })
            .await
    }
}
