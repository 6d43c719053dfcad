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
    let budget = (config.sync.max_calls_per_day > 0).then_some(config.sync.max_calls_per_day);
    let snap = super::load_status_with_budget(&paths.db, 10, budget).map_err(|e| eyre!(e))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&snap)?);
    } else {
        print_status(&snap, &paths.db);
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

pub async fn run_changes(_global: &GlobalArgs, _args: &ChangesArgs) -> Result<i32> {
    Err(eyre!("`spotsync changes` is not available yet"))
}

pub async fn run_daemon(_global: &GlobalArgs, _args: &DaemonArgs) -> Result<i32> {
    Err(eyre!("`spotsync daemon` is not available yet"))
}
