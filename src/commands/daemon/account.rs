//! One account as the daemon serves it: its engine, its health rows, and its schedule (a plays
//! poll every `plays_every`, an incremental sync every `every`; a poll that falls due during a
//! long run goes into it, ahead of its bulk work). Every account of the household is served
//! this way at once; what they send is kept within the shared quota by the ledger.

use std::time::Duration;

use chrono::Utc;
use spotsync_core::quota::Schedule;
use spotsync_core::store::health::HealthKey;
use spotsync_core::sync::{
    EngineHandle, ErrorKind, Phase, RunStatus, StartMode, SyncCommand, SyncEvent,
};
use tokio_util::sync::CancellationToken;

use super::health::HealthWriter;
use crate::commands::{describe_event, finish_engine, send};

/// The wall-clock time of a monotonic deadline, for the health table.
fn wall(at: tokio::time::Instant) -> chrono::DateTime<Utc> {
    let now = Utc::now();
    chrono::TimeDelta::from_std(at.saturating_duration_since(tokio::time::Instant::now()))
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .unwrap_or(now)
}

/// How serving an account ended (or one of its runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tick {
    /// The run finished (or could not start): wait for the next one.
    Done,
    /// The daemon is stopping.
    Stop,
    /// The authorization is refused: only `spotsync auth` helps.
    AuthFailed,
    /// The engine task ended by itself.
    EngineGone,
}

/// An account the daemon serves.
pub(super) struct Served {
    pub name: String,
    pub handle: EngineHandle,
    pub health: HealthWriter,
}

impl Served {
    /// The first plays poll, before any account's bulk work (the daemon waits for every
    /// account's first poll before it starts the syncs).
    pub(super) async fn first_poll(&mut self, stop: &CancellationToken) -> Tick {
        if !send(&self.handle, SyncCommand::SetMaxWait(None)).await {
            return Tick::EngineGone;
        }
        let start = SyncCommand::Start {
            mode: StartMode::Incremental,
            only: vec![Phase::Plays],
        };
        if !send(&self.handle, start).await {
            return Tick::EngineGone;
        }
        let mut never = tokio::time::Instant::now() + Duration::from_secs(366 * 86_400);
        let polls = PollTimer {
            next: &mut never,
            every: Duration::from_secs(366 * 86_400),
            health: &self.health,
        };
        one_run(&mut self.handle, &self.health, stop, polls).await
    }

    /// Serve the account until the daemon stops, its authorization is refused or its engine
    /// ends; then stop its engine and record that in its health.
    pub(super) async fn serve(
        mut self,
        schedule: Schedule,
        stop: CancellationToken,
    ) -> (String, Tick) {
        let end = ticks(&mut self.handle, &self.health, schedule, &stop).await;
        self.handle.cancel.cancel();
        // The engine may already be gone (that is how a stop ends): nothing to report then.
        if self
            .handle
            .commands
            .send(SyncCommand::Shutdown)
            .await
            .is_err()
        {
            tracing::debug!("the engine had already stopped");
        }
        let clean = finish_engine(self.handle).await;
        self.health.set(HealthKey::Pid, None);
        self.health.set_time(HealthKey::StoppedAt, Utc::now());
        if end == Tick::AuthFailed {
            self.health.set(
                HealthKey::LastError,
                Some("authorization refused: run `spotsync auth` for this account"),
            );
        }
        self.health.close().await;
        let end = match end {
            Tick::Stop | Tick::Done if !clean => Tick::EngineGone,
            other => other,
        };
        (self.name, end)
    }
}

/// Start a run at every tick of `schedule` (a sync, or a plays poll) and follow it, until the
/// daemon stops, a refused authorization or the engine's end.
async fn ticks(
    handle: &mut EngineHandle,
    health: &HealthWriter,
    schedule: Schedule,
    stop: &CancellationToken,
) -> Tick {
    // Holds are waited out in-process: no request is sent until the reset time.
    if !send(handle, SyncCommand::SetMaxWait(None)).await {
        return Tick::EngineGone;
    }
    let mut next_sync = tokio::time::Instant::now();
    let mut next_plays = next_sync + schedule.plays_every;
    loop {
        health.set_time(HealthKey::NextSync, wall(next_sync));
        health.set_time(HealthKey::NextPlays, wall(next_plays));
        tokio::select! {
            _ = tokio::time::sleep_until(next_sync.min(next_plays)) => {}
            _ = stop.cancelled() => return Tick::Stop,
        }
        let now = tokio::time::Instant::now();
        let (mode, only) = if now >= next_sync {
            next_sync = now + schedule.every;
            next_plays = now + schedule.plays_every;
            (StartMode::Auto, Vec::new())
        } else {
            next_plays = now + schedule.plays_every;
            (StartMode::Incremental, vec![Phase::Plays])
        };
        if !send(handle, SyncCommand::Start { mode, only }).await {
            return Tick::EngineGone;
        }
        let polls = PollTimer {
            next: &mut next_plays,
            every: schedule.plays_every,
            health,
        };
        match one_run(handle, health, stop, polls).await {
            Tick::Done => {}
            other => return other,
        }
    }
}

/// The plays poll's schedule while a run is followed: a poll that falls due during a long run
/// is sent into it ([`SyncCommand::PollPlays`]), ahead of its bulk work.
struct PollTimer<'a> {
    next: &'a mut tokio::time::Instant,
    every: Duration,
    health: &'a HealthWriter,
}

/// Follow one run's events to its end, recording what matters in the health table.
async fn one_run(
    handle: &mut EngineHandle,
    health: &HealthWriter,
    stop: &CancellationToken,
    polls: PollTimer<'_>,
) -> Tick {
    let mut run_started = false;
    let mut stopping = false;
    let mut auth_failed = false;
    loop {
        let ev = tokio::select! {
            ev = handle.events.recv() => ev,
            _ = stop.cancelled(), if !stopping => {
                stopping = true;
                handle.cancel.cancel();
                continue;
            }
            _ = tokio::time::sleep_until(*polls.next), if run_started && !stopping => {
                *polls.next = tokio::time::Instant::now() + polls.every;
                polls.health.set_time(HealthKey::NextPlays, wall(*polls.next));
                tracing::debug!("a listening-history poll fell due during the run");
                if handle.commands.send(SyncCommand::PollPlays).await.is_err() {
                    return Tick::EngineGone;
                }
                continue;
            }
        };
        let Some(ev) = ev else {
            return if stopping {
                Tick::Stop
            } else {
                Tick::EngineGone
            };
        };
        if let Some(line) = describe_event(&ev) {
            tracing::info!("{line}");
        }
        match &ev {
            SyncEvent::RunStarted { .. } => run_started = true,
            SyncEvent::Error { message, .. } if !run_started => {
                // The run could not start; try again at the next tick.
                health.set(HealthKey::LastError, Some(message));
                break;
            }
            SyncEvent::RateLimited { until, .. } => {
                health.set_time(HealthKey::BlockedUntil, *until);
            }
            SyncEvent::RateLimitCleared => health.set(HealthKey::BlockedUntil, None),
            SyncEvent::Error { kind, message } => {
                health.set(HealthKey::LastError, Some(message));
                if *kind == ErrorKind::Auth {
                    auth_failed = true;
                }
            }
            SyncEvent::RunFinished { run } => {
                health.set(HealthKey::LastRunStatus, Some(run.status.as_str()));
                if run.status == RunStatus::Success {
                    health.set_time(HealthKey::LastSuccess, Utc::now());
                    health.set(HealthKey::LastError, None);
                } else if let Some(e) = &run.error {
                    health.set(HealthKey::LastError, Some(e));
                }
                break;
            }
            _ => {}
        }
    }
    if auth_failed {
        Tick::AuthFailed
    } else if stopping {
        Tick::Stop
    } else {
        Tick::Done
    }
}
