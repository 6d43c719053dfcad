//! `spotsync sync`: one run, headless, with progress on stderr and documented exit codes.

use std::io::Write;
use std::time::{Duration, Instant};

use color_eyre::eyre::{Result, eyre};
use spotsync_core::sync::{
    self, EngineOptions, ErrorKind, Phase, SpawnError, StartMode, SyncCommand, SyncEvent,
};

use super::*;
use crate::cli::{GlobalArgs, SyncArgs};
use crate::exit;

/// `spotsync sync`.
pub async fn run(global: &GlobalArgs, args: &SyncArgs) -> Result<i32> {
    let (paths, config) = setup(global)?;
    let _log = crate::logging::init(&paths.log_dir, false);
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
    let options = EngineOptions {
        db: paths.db.clone(),
        api_url: global.api_url.clone(),
        accounts_url: global.accounts_url.clone(),
        credentials,
        config: config.sync.clone(),
    };
    let mut handle = match sync::spawn(options).await {
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
