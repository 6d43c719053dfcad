//! `spotsync daemon`: incremental syncs and plays polls on the configured schedule.

use std::time::Duration;

use chrono::Utc;
use color_eyre::eyre::{Result, eyre};
use spotsync_core::sync::{
    self, EngineOptions, ErrorKind, Phase, RunStatus, SpawnError, StartMode, SyncCommand, SyncEvent,
};

use super::*;
use crate::cli::{DaemonArgs, GlobalArgs};
use crate::exit;

fn set_health(health: &spotsync_core::store::SideWriter, key: &str, value: Option<&str>) {
    if let Err(e) = health.set_health(key, value) {
        tracing::warn!("cannot record the daemon's health ({key}): {e}");
    }
}

/// Read the daemon's health (key → value), if a daemon ever ran on this database.
pub(crate) fn daemon_health(db: &std::path::Path) -> Vec<(String, Option<String>)> {
    let Ok(Some(conn)) = spotsync_core::store::open_read_only(db) else {
        return Vec::new();
    };
    conn.sql().daemon_health().unwrap_or_default()
}

/// `spotsync daemon`: incremental syncs and plays polls on schedule, in one process.
pub async fn run(global: &GlobalArgs, args: &DaemonArgs) -> Result<i32> {
    let (paths, config) = setup(global)?;
    let _log = crate::logging::init(&paths.log_dir, true);
    let credentials = match spotsync_core::spotify::auth::load_credentials(
        &paths.token_file,
        config.client_id().as_deref(),
    ) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("spotsync: {e}");
            return Ok(exit::AUTH_NEEDED);
        }
    };
    spotsync_core::spotify::auth::warn_if_authorization_ends_soon(&paths.token_file);
    let mut handle = match sync::spawn(EngineOptions {
        db: paths.db.clone(),
        api_url: global.api_url.clone(),
        accounts_url: global.accounts_url.clone(),
        credentials,
        config: config.sync.clone(),
    })
    .await
    {
        Ok(h) => h,
        Err(SpawnError::Locked(p)) => {
            eprintln!("spotsync: another spotsync is using {}", p.display());
            return Ok(exit::LOCKED);
        }
        Err(SpawnError::Other(m)) => return Err(eyre!(m)),
    };
    let health = spotsync_core::store::open_side_writer(&paths.db)?;
    set_health(&health, "pid", Some(&std::process::id().to_string()));
    set_health(
        &health,
        "started_at",
        Some(&spotsync_core::store::ts(Utc::now())),
    );
    set_health(&health, "last_error", None);
    // Holds are waited out in-process: no request is sent until the reset time.
    let _ = handle.commands.send(SyncCommand::SetMaxWait(None)).await;

    let mut sigterm =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let every = args.every.max(Duration::from_secs(1));
    let plays_every = args.plays_every.max(Duration::from_secs(1));
    let mut next_sync = tokio::time::Instant::now();
    let mut next_plays = next_sync + plays_every;
    let wall = |d: tokio::time::Instant| {
        spotsync_core::store::ts(
            Utc::now()
                + chrono::Duration::from_std(
                    d.saturating_duration_since(tokio::time::Instant::now()),
                )
                .unwrap_or_default(),
        )
    };
    let mut stopping = false;
    let mut auth_failed = false;
    while !stopping {
        set_health(&health, "next_sync", Some(&wall(next_sync)));
        set_health(&health, "next_plays", Some(&wall(next_plays)));
        let due = next_sync.min(next_plays);
        tokio::select! {
            _ = tokio::time::sleep_until(due) => {}
            _ = tokio::signal::ctrl_c() => break,
            _ = async {
                match sigterm.as_mut() {
                    Some(s) => { s.recv().await; }
                    None => std::future::pending::<()>().await,
                }
            } => break,
        }
        let now = tokio::time::Instant::now();
        let (mode, only) = if now >= next_sync {
            next_sync = now + every;
            next_plays = now + plays_every;
            (StartMode::Auto, Vec::new())
        } else {
            next_plays = now + plays_every;
            (StartMode::Incremental, vec![Phase::Plays])
        };
        let _ = handle
            .commands
            .send(SyncCommand::Start { mode, only })
            .await;
        let mut run_started = false;
        loop {
            let ev = tokio::select! {
                ev = handle.events.recv() => ev,
                _ = tokio::signal::ctrl_c(), if !stopping => {
                    stopping = true;
                    handle.cancel.cancel();
                    continue;
                }
                _ = async {
                    match sigterm.as_mut() {
                        Some(s) => { s.recv().await; }
                        None => std::future::pending::<()>().await,
                    }
                }, if !stopping => {
                    stopping = true;
                    handle.cancel.cancel();
                    continue;
                }
            };
            let Some(ev) = ev else {
                stopping = true;
                break;
            };
            if let Some(line) = describe_event(&ev) {
                tracing::info!("{line}");
            }
            match &ev {
                SyncEvent::RunStarted { .. } => run_started = true,
                SyncEvent::Error { message, .. } if !run_started => {
                    // The run could not start; try again at the next tick.
                    set_health(&health, "last_error", Some(message));
                    break;
                }
                SyncEvent::RateLimited { until, .. } => {
                    set_health(
                        &health,
                        "blocked_until",
                        Some(&spotsync_core::store::ts(*until)),
                    );
                }
                SyncEvent::RateLimitCleared => set_health(&health, "blocked_until", None),
                SyncEvent::Error { kind, message } => {
                    set_health(&health, "last_error", Some(message));
                    if *kind == ErrorKind::Auth {
                        auth_failed = true;
                    }
                }
                SyncEvent::RunFinished { run } => {
                    set_health(&health, "last_run_status", Some(run.status.as_str()));
                    if run.status == RunStatus::Success {
                        set_health(
                            &health,
                            "last_success",
                            Some(&spotsync_core::store::ts(Utc::now())),
                        );
                        set_health(&health, "last_error", None);
                    } else if let Some(e) = &run.error {
                        set_health(&health, "last_error", Some(e));
                    }
                    break;
                }
                _ => {}
            }
        }
        if auth_failed {
            eprintln!(
                "spotsync: authorization refused: run `spotsync auth`, then restart the daemon"
            );
            break;
        }
    }
    handle.cancel.cancel();
    let _ = handle.commands.send(SyncCommand::Shutdown).await;
    let _ = handle.task.await;
    set_health(&health, "pid", None);
    set_health(
        &health,
        "stopped_at",
        Some(&spotsync_core::store::ts(Utc::now())),
    );
    Ok(if auth_failed {
        exit::AUTH_NEEDED
    } else {
        exit::OK
    })
}
