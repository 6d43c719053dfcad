//! `spotsync daemon`: incremental syncs and plays polls on the configured schedule
//! (`[daemon]` in the config file; `--every` / `--plays-every` override it).

mod health;

use std::time::Duration;

use chrono::Utc;
use color_eyre::eyre::{Result, eyre};
use spotsync_core::quota::Schedule;
use spotsync_core::store::health::HealthKey;
use spotsync_core::sync::{ErrorKind, Phase, RunStatus, StartMode, SyncCommand, SyncEvent};

use self::health::HealthWriter;
use super::signals::StopSignals;
use super::*;
use crate::cli::{DaemonArgs, GlobalArgs};
use crate::config::DaemonConfig;
use crate::exit;

/// The daemon's cadence: the command line's flags where given, else the config file's
/// `[daemon]` values (whose own defaults are 30m and 10m).
pub fn schedule(args: &DaemonArgs, config: &DaemonConfig) -> Result<Schedule, String> {
    let every = match args.every {
        Some(d) => d,
        None => config.every().map_err(|m| format!("`daemon.every` {m}"))?,
    };
    let plays_every = match args.plays_every {
        Some(d) => d,
        None => config
            .plays_every()
            .map_err(|m| format!("`daemon.plays_every` {m}"))?,
    };
    Ok(Schedule { every, plays_every })
}

/// The wall-clock time of a monotonic deadline, for the health table.
fn wall(at: tokio::time::Instant) -> chrono::DateTime<Utc> {
    let now = Utc::now();
    chrono::TimeDelta::from_std(at.saturating_duration_since(tokio::time::Instant::now()))
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .unwrap_or(now)
}

/// How one tick ended.
enum Tick {
    /// The run finished (or could not start): wait for the next one.
    Done,
    /// A signal asked the daemon to stop.
    Stop,
    /// The authorization is refused: only `spotsync auth` helps.
    AuthFailed,
    /// The engine task ended by itself.
    EngineGone,
}

/// `spotsync daemon`: incremental syncs and plays polls on schedule, in one process.
pub async fn run(global: &GlobalArgs, args: &DaemonArgs) -> Result<i32> {
    let (paths, mut config) = setup(global)?;
    let schedule = schedule(args, &config.daemon)
        .map_err(|m| eyre!("config file {}: {m}", paths.config_file.display()))?;
    // The reserve is sized from the cadence this daemon keeps (flags included).
    config.sync.schedule = schedule;
    let _log = crate::logging::init(&paths.log_dir, true);
    let mut handle = match start_engine(global, &paths, &config, |p| {
        format!("another spotsync is using {}", p.display())
    })
    .await
    {
        Ok(h) => h,
        Err(code) => return Ok(code),
    };
    let health = match HealthWriter::open(&paths.db) {
        Ok(h) => h,
        Err(e) => {
            handle.cancel.cancel();
            finish_engine(handle).await;
            return Err(e);
        }
    };
    health.set(HealthKey::Pid, Some(&std::process::id().to_string()));
    health.set_time(HealthKey::StartedAt, Utc::now());
    health.set(HealthKey::LastError, None);
    tracing::info!(
        "daemon: an incremental sync every {}, a listening-history poll every {}",
        human_wait(chrono::TimeDelta::from_std(schedule.every).unwrap_or_default()),
        human_wait(chrono::TimeDelta::from_std(schedule.plays_every).unwrap_or_default()),
    );

    let end = ticks(&mut handle, &health, schedule).await;
    handle.cancel.cancel();
    // The engine may already be gone (that is how a stop ends): nothing to report then.
    if handle.commands.send(SyncCommand::Shutdown).await.is_err() {
        tracing::debug!("the engine had already stopped");
    }
    let clean = finish_engine(handle).await;
    health.set(HealthKey::Pid, None);
    health.set_time(HealthKey::StoppedAt, Utc::now());
    health.close().await;
    Ok(match end {
        Some(Tick::AuthFailed) => {
            errln!("spotsync: authorization refused: run `spotsync auth`, then restart the daemon");
            exit::AUTH_NEEDED
        }
        Some(Tick::EngineGone) => {
            errln!("spotsync: the sync engine stopped unexpectedly; see the log");
            exit::ERROR
        }
        _ if !clean => exit::ERROR,
        _ => exit::OK,
    })
}

/// Start a run at every tick of `schedule` (a sync, or a plays poll) and follow it, until a
/// signal, a refused authorization or the engine's end. `None` when a signal stopped it
/// between runs.
async fn ticks(
    handle: &mut EngineHandle,
    health: &HealthWriter,
    schedule: Schedule,
) -> Option<Tick> {
    let mut signals = StopSignals::new();
    // Holds are waited out in-process: no request is sent until the reset time.
    if !send(handle, SyncCommand::SetMaxWait(None)).await {
        return Some(Tick::EngineGone);
    }
    let mut next_sync = tokio::time::Instant::now();
    let mut next_plays = next_sync + schedule.plays_every;
    loop {
        health.set_time(HealthKey::NextSync, wall(next_sync));
        health.set_time(HealthKey::NextPlays, wall(next_plays));
        tokio::select! {
            _ = tokio::time::sleep_until(next_sync.min(next_plays)) => {}
            _ = signals.any() => return None,
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
            return Some(Tick::EngineGone);
        }
        let polls = PollTimer {
            next: &mut next_plays,
            every: schedule.plays_every,
            health,
        };
        match one_run(handle, health, &mut signals, polls).await {
            Tick::Done => {}
            other => return Some(other),
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
    signals: &mut StopSignals,
    polls: PollTimer<'_>,
) -> Tick {
    let mut run_started = false;
    let mut stopping = false;
    let mut auth_failed = false;
    loop {
        let ev = tokio::select! {
            ev = handle.events.recv() => ev,
            _ = signals.any(), if !stopping => {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn args(every: Option<u64>, plays_every: Option<u64>) -> DaemonArgs {
        DaemonArgs {
            every: every.map(Duration::from_secs),
            plays_every: plays_every.map(Duration::from_secs),
        }
    }

    #[test]
    fn the_schedule_comes_from_the_config_and_flags_override_it() {
        let config = DaemonConfig {
            every: "2h".into(),
            plays_every: "45s".into(),
        };
        let s = schedule(&args(None, None), &config).unwrap();
        assert_eq!(s.every, Duration::from_secs(7200));
        assert_eq!(s.plays_every, Duration::from_secs(45));
        let s = schedule(&args(Some(60), None), &config).unwrap();
        assert_eq!(
            (s.every, s.plays_every),
            (Duration::from_secs(60), Duration::from_secs(45))
        );
        let s = schedule(&args(None, Some(5)), &config).unwrap();
        assert_eq!(
            (s.every, s.plays_every),
            (Duration::from_secs(7200), Duration::from_secs(5))
        );
        let s = schedule(&args(None, None), &DaemonConfig::default()).unwrap();
        assert_eq!(s, Schedule::default());
    }

    #[test]
    fn bad_config_values_name_the_key() {
        for (every, plays_every, key) in [
            ("500ms", "10m", "daemon.every"),
            ("30m", "nope", "daemon.plays_every"),
            ("5", "10m", "daemon.every"),
        ] {
            let config = DaemonConfig {
                every: every.into(),
                plays_every: plays_every.into(),
            };
            let e = schedule(&args(None, None), &config).unwrap_err();
            assert!(e.contains(key), "{every} {plays_every}: {e}");
        }
    }
}
