//! One account as the daemon serves it: its engine, its health rows, and its schedule (a plays
//! poll every `plays_every`, an incremental sync every `every`; a poll that falls due during a
//! long run goes into it, ahead of its bulk work). Every account of the household is served
//! this way at once; what they send is kept within the shared quota by the ledger, and while
//! some account's bulk work waits, the household's cadence ([`super::cadence`]) stretches
//! what can wait.

use std::time::Duration;

use chrono::Utc;
use spotsync_core::quota::Schedule;
use spotsync_core::quota::household::{Cadence, LastPoll};
use spotsync_core::store::health::HealthKey;
use spotsync_core::sync::{
    EngineHandle, ErrorKind, Phase, RunStatus, StartMode, SyncCommand, SyncEvent,
};
use tokio_util::sync::CancellationToken;

use super::cadence::CadenceSource;
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
    pub cadence: CadenceSource,
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
        one_run(&mut self.handle, &self.health, stop, polls)
            .await
            .tick
    }

    /// Serve the account until the daemon stops, its authorization is refused or its engine
    /// ends; then stop its engine and record that in its health.
    pub(super) async fn serve(
        mut self,
        schedule: Schedule,
        stop: CancellationToken,
    ) -> (String, Tick) {
        let end = ticks(
            &mut self.handle,
            &self.health,
            &mut self.cadence,
            schedule,
            &stop,
        )
        .await;
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
/// daemon stops, a refused authorization or the engine's end. The ticks follow the household's
/// cadence (the schedule for a single account), read again after every run and at least every
/// `every` meanwhile, so the schedule comes back as soon as no bulk work waits.
async fn ticks(
    handle: &mut EngineHandle,
    health: &HealthWriter,
    cadence: &mut CadenceSource,
    schedule: Schedule,
    stop: &CancellationToken,
) -> Tick {
    // Holds are waited out in-process: no request is sent until the reset time.
    if !send(handle, SyncCommand::SetMaxWait(None)).await {
        return Tick::EngineGone;
    }
    let mut c = Cadence {
        sync_every: schedule.every,
        poll_every: schedule.plays_every,
    };
    let now = tokio::time::Instant::now();
    // The last sync and poll sent (a sync polls too); the first sync goes at once.
    let (mut synced_at, mut polled_at): (Option<tokio::time::Instant>, _) = (None, now);
    let mut last_poll: Option<LastPoll> = None;
    let mut own_bulk = true;
    let mut read_at = now;
    loop {
        let next_sync = synced_at.map_or(now, |at| at + c.sync_every);
        let next_plays = polled_at + c.poll_every;
        health.set_time(HealthKey::NextSync, wall(next_sync));
        health.set_time(HealthKey::NextPlays, wall(next_plays));
        let stretched = c.sync_every > schedule.every || c.poll_every > schedule.plays_every;
        health.set(
            HealthKey::Cadence,
            stretched.then(|| super::cadence::words(&c)).as_deref(),
        );
        let reread = read_at + schedule.every;
        tokio::select! {
            _ = tokio::time::sleep_until(next_sync.min(next_plays).min(reread)) => {}
            _ = stop.cancelled() => return Tick::Stop,
        }
        let started = tokio::time::Instant::now();
        if started < next_sync && started < next_plays {
            c = cadence.now(schedule, own_bulk, last_poll).await;
            read_at = started;
            continue;
        }
        let syncs = started >= next_sync;
        let (mode, only) = if syncs {
            (StartMode::Auto, Vec::new())
        } else {
            (StartMode::Incremental, vec![Phase::Plays])
        };
        if !send(handle, SyncCommand::Start { mode, only }).await {
            return Tick::EngineGone;
        }
        let mut during = started + c.poll_every;
        let polls = PollTimer {
            next: &mut during,
            every: c.poll_every,
            health,
        };
        let end = one_run(handle, health, stop, polls).await;
        if end.tick != Tick::Done {
            return end.tick;
        }
        if syncs {
            synced_at = Some(started);
            if let Some(status) = end.status {
                // Held, cancelled or failed: its mirror or enrichment is not done.
                own_bulk = status != RunStatus::Success;
            }
        }
        last_poll = Some(LastPoll {
            found: end.plays_found,
            covered: started.saturating_duration_since(polled_at),
        });
        polled_at = started;
        c = cadence.now(schedule, own_bulk, last_poll).await;
        read_at = tokio::time::Instant::now();
    }
}

/// The plays poll's schedule while a run is followed: a poll that falls due during a long run
/// is sent into it ([`SyncCommand::PollPlays`]), ahead of its bulk work.
struct PollTimer<'a> {
    next: &'a mut tokio::time::Instant,
    every: Duration,
    health: &'a HealthWriter,
}

/// How one run ended.
struct RunEnd {
    tick: Tick,
    /// New plays its polls stored.
    plays_found: u64,
    /// Its status, when it finished.
    status: Option<RunStatus>,
}

/// What following one run has seen so far.
#[derive(Default)]
struct Followed {
    plays_found: u64,
    status: Option<RunStatus>,
    run_started: bool,
    stopping: bool,
    auth_failed: bool,
}

impl Followed {
    /// Take one event, recording what matters in the health table; `true` when the run ended.
    fn take(&mut self, ev: &SyncEvent, health: &HealthWriter) -> bool {
        match ev {
            SyncEvent::RunStarted { .. } => self.run_started = true,
            SyncEvent::BatchCommitted {
                phase: Phase::Plays,
                added,
                ..
            } => self.plays_found += added,
            SyncEvent::Error { message, .. } if !self.run_started => {
                // The run could not start; try again at the next tick.
                health.set(HealthKey::LastError, Some(message));
                return true;
            }
            SyncEvent::RateLimited { until, .. } => {
                health.set_time(HealthKey::BlockedUntil, *until);
            }
            SyncEvent::RateLimitCleared => health.set(HealthKey::BlockedUntil, None),
            SyncEvent::Error { kind, message } => {
                health.set(HealthKey::LastError, Some(message));
                if *kind == ErrorKind::Auth {
                    self.auth_failed = true;
                }
            }
            SyncEvent::RunFinished { run } => {
                self.status = Some(run.status);
                health.set(HealthKey::LastRunStatus, Some(run.status.as_str()));
                if run.status == RunStatus::Success {
                    health.set_time(HealthKey::LastSuccess, Utc::now());
                    health.set(HealthKey::LastError, None);
                } else if let Some(e) = &run.error {
                    health.set(HealthKey::LastError, Some(e));
                }
                return true;
            }
            _ => {}
        }
        false
    }

    /// How the run ended: `tick` unless the authorization was refused or the daemon stops.
    fn end(self, tick: Tick) -> RunEnd {
        let tick = if self.auth_failed {
            Tick::AuthFailed
        } else if self.stopping {
            Tick::Stop
        } else {
            tick
        };
        RunEnd {
            tick,
            plays_found: self.plays_found,
            status: self.status,
        }
    }
}

/// Follow one run's events to its end, recording what matters in the health table.
async fn one_run(
    handle: &mut EngineHandle,
    health: &HealthWriter,
    stop: &CancellationToken,
    polls: PollTimer<'_>,
) -> RunEnd {
    let mut seen = Followed::default();
    loop {
        let ev = tokio::select! {
            ev = handle.events.recv() => ev,
            _ = stop.cancelled(), if !seen.stopping => {
                seen.stopping = true;
                handle.cancel.cancel();
                continue;
            }
            _ = tokio::time::sleep_until(*polls.next), if seen.run_started && !seen.stopping => {
                *polls.next = tokio::time::Instant::now() + polls.every;
                polls.health.set_time(HealthKey::NextPlays, wall(*polls.next));
                tracing::debug!("a listening-history poll fell due during the run");
                if handle.commands.send(SyncCommand::PollPlays).await.is_err() {
                    return seen.end(Tick::EngineGone);
                }
                continue;
            }
        };
        let Some(ev) = ev else {
            return seen.end(Tick::EngineGone);
        };
        if let Some(line) = describe_event(&ev) {
            tracing::info!("{line}");
        }
        if seen.take(&ev, health) {
            return seen.end(Tick::Done);
        }
    }
}
