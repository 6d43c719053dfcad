//! Headless commands: `sync`, `status`, `history`, `changes`, `daemon`.

use std::io::Write;
use std::time::{Duration, Instant};

use chrono::{DateTime, Local, Utc};
use color_eyre::eyre::{Result, eyre};

use super::{
    EngineOptions, ErrorKind, Phase, PhaseStatus, RunRecord, RunStatus, SpawnError, StartMode,
    StatusSnapshot, SyncCommand, SyncEvent,
};
use crate::cli::{ChangesArgs, DaemonArgs, GlobalArgs, HistoryArgs, StatusArgs, SyncArgs};
use crate::config::{Config, Paths};
use crate::exit;

/// Exit code for a finished run.
pub fn exit_code_for(status: RunStatus, auth_error: bool) -> i32 {
    match status {
        RunStatus::Success => exit::OK,
        RunStatus::RateLimited => exit::RATE_LIMITED,
        RunStatus::Paused | RunStatus::Cancelled => exit::INTERRUPTED,
        RunStatus::Failed if auth_error => exit::AUTH_NEEDED,
        RunStatus::Failed | RunStatus::Running => exit::ERROR,
    }
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn human_wait(d: chrono::Duration) -> String {
    let s = d.num_seconds().max(0);
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

fn progress(done: u64, total: Option<u64>) -> String {
    match total {
        Some(t) => format!("{done}/{t}"),
        None => format!("{done}"),
    }
}

/// One line for people on stderr (None: nothing worth a line).
fn describe_event(ev: &SyncEvent) -> Option<String> {
    Some(match ev {
        SyncEvent::RunStarted {
            run_id,
            kind,
            phases,
            resumed,
        } => {
            let names: Vec<&str> = phases.iter().map(|p| p.as_str()).collect();
            format!(
                "{} {kind} sync #{run_id}: {}",
                if *resumed { "Resuming" } else { "Starting" },
                names.join(", ")
            )
        }
        SyncEvent::PhaseStarted { phase, done, total } => {
            if *done > 0 {
                format!("{phase}: resuming at {}", progress(*done, *total))
            } else {
                format!("{phase}: started")
            }
        }
        SyncEvent::BatchCommitted {
            phase,
            done,
            total,
            api_calls,
            ..
        } => format!(
            "{phase}: {} ({api_calls} requests)",
            progress(*done, *total)
        ),
        SyncEvent::RateLimited {
            until,
            reason,
            phase,
        } => format!(
            "{}on hold by {}: no requests until {} (in {})",
            phase.map(|p| format!("{p}: ")).unwrap_or_default(),
            reason.describe(),
            local(*until),
            human_wait(*until - Utc::now())
        ),
        SyncEvent::RateLimitCleared => "requests flow again".into(),
        SyncEvent::Retrying {
            phase,
            attempt,
            delay,
            error,
        } => format!(
            "{phase}: {error}; retry {attempt} in {:.1}s",
            delay.as_secs_f64()
        ),
        SyncEvent::PhaseFinished {
            phase,
            status,
            error,
        } => match (status, error) {
            (PhaseStatus::Success, _) => format!("{phase}: done"),
            (s, Some(e)) => format!("{phase}: {} — {e}", s.as_str()),
            (s, None) => format!("{phase}: {}", s.as_str()),
        },
        SyncEvent::Paused => "paused".into(),
        SyncEvent::Resumed => "resumed".into(),
        SyncEvent::ApiUsage { .. } => return None,
        SyncEvent::RunFinished { run } => describe_run_end(run),
        SyncEvent::Error { message, .. } => format!("error: {message}"),
    })
}

fn describe_run_end(run: &RunRecord) -> String {
    let what = match run.status {
        RunStatus::Success => "finished".to_string(),
        RunStatus::RateLimited => format!(
            "stopped, resumable: {}",
            run.error.clone().unwrap_or_else(|| "rate limited".into())
        ),
        RunStatus::Paused => "interrupted; run `spotsync sync` to resume".to_string(),
        RunStatus::Cancelled => "cancelled".to_string(),
        RunStatus::Failed => format!(
            "failed (resumable): {}",
            run.error.clone().unwrap_or_default()
        ),
        RunStatus::Running => "running".to_string(),
    };
    format!(
        "Sync #{} {what} — {} requests, {} added, {} updated, {} removed, {} rate limits, waited {}s",
        run.id,
        run.api_calls,
        run.items_added,
        run.items_updated,
        run.items_removed,
        run.rate_limited_count,
        run.waited_seconds
    )
}

/// Load paths and config, or explain what is wrong.
fn setup(global: &GlobalArgs) -> Result<(Paths, Config)> {
    let paths = Paths::resolve(global)?;
    let config = Config::load(&paths.config_file)?;
    Ok((paths, config))
}

/// `spotsync sync`.
pub async fn run_sync(global: &GlobalArgs, args: &SyncArgs) -> Result<i32> {
    let (paths, config) = setup(global)?;
    let _log = crate::logging::init(&paths.log_dir, false);
    let credentials = match crate::spotify::auth::load_credentials(&paths, &config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("spotsync: {e}");
            return Ok(exit::AUTH_NEEDED);
        }
    };
    crate::spotify::auth::warn_if_authorization_ends_soon(&paths);
    let options = EngineOptions {
        db: paths.db.clone(),
        api_url: global.api_url.clone(),
        accounts_url: global.accounts_url.clone(),
        credentials,
        config: config.sync.clone(),
    };
    let mut handle = match super::spawn(options) {
        Ok(h) => h,
        Err(SpawnError::Locked(p)) => {
            eprintln!(
                "spotsync: another spotsync is syncing {} right now; wait for it to finish \
                 (`spotsync status` shows its progress)",
                p.display()
            );
            return Ok(exit::LOCKED);
        }
        Err(SpawnError::Other(m)) => return Err(eyre!(m)),
    };
    let mode = if args.full {
        StartMode::Full
    } else if args.incremental {
        StartMode::Incremental
    } else {
        StartMode::Auto
    };
    let only: Vec<Phase> = args.only.iter().map(|p| Phase::from(*p)).collect();
    let _ = handle
        .commands
        .send(SyncCommand::SetMaxWait(Some(args.max_wait)))
        .await;
    let _ = handle
        .commands
        .send(SyncCommand::Start { mode, only })
        .await;

    let mut sigterm = {
        #[cfg(unix)]
        {
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok()
        }
    };
    let mut interrupted = false;
    let mut auth_error = false;
    let mut started = false;
    let mut code: Option<i32> = None;
    let mut last_line = Instant::now() - Duration::from_secs(10);
    let stdout = std::io::stdout();
    loop {
        let ev = tokio::select! {
            ev = handle.events.recv() => ev,
            _ = tokio::signal::ctrl_c(), if !interrupted => {
                interrupted = true;
                eprintln!("interrupted: stopping now; everything committed is kept");
                handle.cancel.cancel();
                continue;
            }
            _ = async {
                match sigterm.as_mut() {
                    Some(s) => { s.recv().await; }
                    None => std::future::pending::<()>().await,
                }
            }, if !interrupted => {
                interrupted = true;
                eprintln!("terminated: stopping now; everything committed is kept");
                handle.cancel.cancel();
                continue;
            }
        };
        let Some(ev) = ev else { break };
        if args.json {
            if let Ok(line) = serde_json::to_string(&ev) {
                let mut out = stdout.lock();
                let _ = writeln!(out, "{line}");
                let _ = out.flush();
            }
        } else {
            let throttled = matches!(ev, SyncEvent::BatchCommitted { .. });
            if !throttled || last_line.elapsed() >= Duration::from_secs(1) {
                if let Some(line) = describe_event(&ev) {
                    eprintln!("{line}");
                }
                if throttled {
                    last_line = Instant::now();
                }
            }
        }
        match &ev {
            SyncEvent::RunStarted { .. } => started = true,
            SyncEvent::Error { kind, .. } if !started => {
                // The run could not even start: nothing more will come.
                code = Some(if *kind == ErrorKind::Auth {
                    exit::AUTH_NEEDED
                } else {
                    exit::ERROR
                });
                let _ = handle.commands.send(SyncCommand::Shutdown).await;
            }
            SyncEvent::Error {
                kind: ErrorKind::Auth,
                ..
            } => auth_error = true,
            SyncEvent::RunFinished { run } => {
                code = Some(exit_code_for(run.status, auth_error));
                let _ = handle.commands.send(SyncCommand::Shutdown).await;
            }
            _ => {}
        }
    }
    let _ = handle.task.await;
    Ok(match code {
        _ if interrupted => exit::INTERRUPTED,
        Some(c) => c,
        None => exit::ERROR,
    })
}

fn print_status(s: &StatusSnapshot, db: &std::path::Path) {
    println!("Database: {}", db.display());
    match &s.current_run {
        None => println!("No sync yet: run `spotsync sync`."),
        Some(run) => {
            println!(
                "Sync #{} ({}) {} — started {}{}",
                run.id,
                run.kind,
                run.status.as_str(),
                local(run.started_at),
                run.finished_at
                    .map(|f| format!(", ended {}", local(f)))
                    .unwrap_or_default()
            );
            println!(
                "  {} requests, {} added, {} updated, {} removed, {} rate limits, waited {}s",
                run.api_calls,
                run.items_added,
                run.items_updated,
                run.items_removed,
                run.rate_limited_count,
                run.waited_seconds
            );
            if let Some(e) = &run.error {
                println!("  {e}");
            }
            for p in &s.phases {
                println!(
                    "  {:<10} {:<12} {}{}",
                    p.phase.as_str(),
                    p.status.as_str(),
                    progress(p.done, p.total),
                    p.last_error
                        .as_ref()
                        .map(|e| format!("  ({e})"))
                        .unwrap_or_default()
                );
            }
        }
    }
    if let Some((until, reason)) = s.blocked_until {
        println!(
            "On hold by {} until {} (in {})",
            reason.describe(),
            local(until),
            human_wait(until - Utc::now())
        );
    }
    match s.daily_budget {
        Some(b) => println!("Requests in the last 24 h: {} of {b}", s.calls_24h),
        None => println!("Requests in the last 24 h: {}", s.calls_24h),
    }
}

/// `spotsync status`.
pub async fn run_status(global: &GlobalArgs, args: &StatusArgs) -> Result<i32> {
    let (paths, config) = setup(global)?;
    crate::spotify::auth::warn_if_authorization_ends_soon(&paths);
    let budget = (config.sync.max_calls_per_day > 0).then_some(config.sync.max_calls_per_day);
    let snap = super::load_status_with_budget(&paths.db, 10, budget).map_err(|e| eyre!(e))?;
    let daemon = daemon_health(&paths.db);
    if args.json {
        let mut v = serde_json::to_value(&snap)?;
        if let Some(obj) = v.as_object_mut() {
            let d: serde_json::Map<String, serde_json::Value> = daemon
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::json!(v)))
                .collect();
            obj.insert("daemon".into(), serde_json::Value::Object(d));
        }
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        print_status(&snap, &paths.db);
        if !daemon.is_empty() {
            let get = |k: &str| {
                daemon
                    .iter()
                    .find(|(key, _)| key == k)
                    .and_then(|(_, v)| v.clone())
            };
            println!(
                "Daemon: {}; last success {}; next sync {}{}{}",
                if get("pid").is_some() {
                    "running"
                } else {
                    "stopped"
                },
                get("last_success").unwrap_or_else(|| "never".into()),
                get("next_sync").unwrap_or_else(|| "-".into()),
                get("blocked_until")
                    .map(|b| format!("; blocked until {b}"))
                    .unwrap_or_default(),
                get("last_error")
                    .map(|e| format!("; last error: {e}"))
                    .unwrap_or_default()
            );
        }
        for g in &snap.play_gaps {
            println!(
                "Listening history gap: plays between {} and {} may be missing",
                g.after.as_deref().unwrap_or("?"),
                g.before
            );
        }
    }
    Ok(exit::OK)
}

/// `spotsync history`.
pub async fn run_history(global: &GlobalArgs, args: &HistoryArgs) -> Result<i32> {
    let (paths, _config) = setup(global)?;
    let snap = super::load_status(&paths.db, args.limit).map_err(|e| eyre!(e))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&snap.history)?);
        return Ok(exit::OK);
    }
    if snap.history.is_empty() {
        println!("No sync yet.");
    }
    for r in &snap.history {
        println!(
            "#{:<5} {:<11} {:<12} {}  {:>6} req  +{} ~{} -{}{}",
            r.id,
            r.kind.as_str(),
            r.status.as_str(),
            local(r.started_at),
            r.api_calls,
            r.items_added,
            r.items_updated,
            r.items_removed,
            r.error
                .as_ref()
                .map(|e| format!("  {e}"))
                .unwrap_or_default()
        );
    }
    Ok(exit::OK)
}

fn parse_since(s: &str) -> Result<String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(crate::store::ts(t.with_timezone(&Utc)));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(format!("{}T00:00:00Z", d.format("%Y-%m-%d")));
    }
    Err(eyre!(
        "--since {s:?}: expected a date (2026-11-20) or an RFC 3339 time (2026-11-20T12:00:00Z)"
    ))
}

/// `spotsync changes`.
pub async fn run_changes(global: &GlobalArgs, args: &ChangesArgs) -> Result<i32> {
    let (paths, _config) = setup(global)?;
    let since = args.since.as_deref().map(parse_since).transpose()?;
    let Some(conn) = crate::store::open_read_only(&paths.db)? else {
        if args.json {
            println!("[]");
        } else {
            println!("No sync yet.");
        }
        return Ok(exit::OK);
    };
    let changes = crate::store::journal::changes(
        &conn,
        &crate::store::journal::ChangeFilter {
            since,
            run: args.run,
            limit: args.limit,
        },
    )?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&changes)?);
        return Ok(exit::OK);
    }
    if changes.is_empty() {
        println!("No changes recorded.");
    }
    for c in &changes {
        let what = c.describe();
        println!(
            "{}  #{:<4} {:<11} {:<24} {}",
            c.changed_at,
            c.sync_history_id.map(|i| i.to_string()).unwrap_or_default(),
            c.entity_type.replace('_', " "),
            what,
            c.label()
        );
    }
    Ok(exit::OK)
}

fn set_health(conn: &rusqlite::Connection, key: &str, value: Option<&str>) {
    let _ = conn.execute(
        "INSERT INTO daemon_health (key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        rusqlite::params![key, value, crate::store::ts(Utc::now())],
    );
}

/// Read the daemon's health (key → value), if a daemon ever ran on this database.
fn daemon_health(db: &std::path::Path) -> Vec<(String, Option<String>)> {
    let Ok(Some(conn)) = crate::store::open_read_only(db) else {
        return Vec::new();
    };
    let Ok(mut st) = conn.prepare("SELECT key, value FROM daemon_health ORDER BY key") else {
        return Vec::new();
    };
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .map(|rows| rows.filter_map(Result::ok).collect())
        .unwrap_or_default()
}

/// `spotsync daemon`: incremental syncs and plays polls on schedule, in one process.
pub async fn run_daemon(global: &GlobalArgs, args: &DaemonArgs) -> Result<i32> {
    let (paths, config) = setup(global)?;
    let _log = crate::logging::init(&paths.log_dir, true);
    let credentials = match crate::spotify::auth::load_credentials(&paths, &config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("spotsync: {e}");
            return Ok(exit::AUTH_NEEDED);
        }
    };
    crate::spotify::auth::warn_if_authorization_ends_soon(&paths);
    let mut handle = match super::spawn(EngineOptions {
        db: paths.db.clone(),
        api_url: global.api_url.clone(),
        accounts_url: global.accounts_url.clone(),
        credentials,
        config: config.sync.clone(),
    }) {
        Ok(h) => h,
        Err(SpawnError::Locked(p)) => {
            eprintln!("spotsync: another spotsync is using {}", p.display());
            return Ok(exit::LOCKED);
        }
        Err(SpawnError::Other(m)) => return Err(eyre!(m)),
    };
    let health = crate::store::open_side_writer(&paths.db)?;
    set_health(&health, "pid", Some(&std::process::id().to_string()));
    set_health(&health, "started_at", Some(&crate::store::ts(Utc::now())));
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
        crate::store::ts(
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
                    set_health(&health, "blocked_until", Some(&crate::store::ts(*until)));
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
                        set_health(&health, "last_success", Some(&crate::store::ts(Utc::now())));
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
    set_health(&health, "stopped_at", Some(&crate::store::ts(Utc::now())));
    Ok(if auth_failed {
        exit::AUTH_NEEDED
    } else {
        exit::OK
    })
}
