//! `spotsync sync`: one run, headless, with progress on stderr and documented exit codes.

use std::time::{Duration, Instant};

use color_eyre::eyre::Result;
use spotsync_core::sync::{ErrorKind, Phase, StartMode, SyncCommand, SyncEvent};

use super::signals::StopSignals;
use super::*;
use crate::cli::{GlobalArgs, SyncArgs};
use crate::exit;

/// `spotsync sync`.
pub async fn run(global: &GlobalArgs, args: &SyncArgs) -> Result<i32> {
    if args.dry_run {
        return super::plan::dry_run(global, args).await;
    }
    let (paths, config) = setup(global)?;
    let _log = crate::logging::init(&paths.log_dir, false);
    let mut handle = match start_engine(global, &paths, &config, |p| {
        format!(
            "another spotsync is syncing {} right now; wait for it to finish \
             (`spotsync status` shows its progress)",
            p.display()
        )
    })
    .await
    {
        Ok(h) => h,
        Err(code) => return Ok(code),
    };
    let mode = if args.full {
        StartMode::Full
    } else if args.incremental {
        StartMode::Incremental
    } else {
        StartMode::Auto
    };
    let only: Vec<Phase> = args.only.iter().map(|p| Phase::from(*p)).collect();
    // A failed send means the engine has ended: its events channel closes, and the run's
    // missing end gives exit 1 below.
    if send(&handle, SyncCommand::SetMaxWait(Some(args.max_wait))).await {
        send(&handle, SyncCommand::Start { mode, only }).await;
    }

    let mut follow = Follow {
        json: args.json,
        json_out: args.json,
        started: false,
        auth_error: false,
        code: None,
        last_line: Instant::now() - Duration::from_secs(10),
    };
    let mut signals = StopSignals::new();
    let mut interrupted = false;
    loop {
        let Some(ev) = signals
            .next_event(
                &mut handle,
                &mut interrupted,
                "everything committed is kept",
            )
            .await
        else {
            break;
        };
        if follow.on_event(&ev) {
            send(&handle, SyncCommand::Shutdown).await;
        }
    }
    Ok(finish_followed(handle, follow.code, interrupted).await)
}

/// What following one run's events has seen.
struct Follow {
    /// One JSON object per event on stdout (`--json`), else lines for people on stderr.
    json: bool,
    /// Whether stdout still takes the JSON lines.
    json_out: bool,
    started: bool,
    auth_error: bool,
    /// The exit code, once the run has ended (or could not start).
    code: Option<i32>,
    /// When the last progress line of a batch was said (they come at most once a second).
    last_line: Instant,
}

impl Follow {
    /// Show `ev` and take in what it means. True when the run is over: the engine may stop.
    fn on_event(&mut self, ev: &SyncEvent) -> bool {
        if self.json {
            if self.json_out {
                self.json_out = write_json(ev);
            }
        } else {
            let throttled = matches!(ev, SyncEvent::BatchCommitted { .. });
            if !throttled || self.last_line.elapsed() >= Duration::from_secs(1) {
                if let Some(line) = describe_event(ev) {
                    errln!("{line}");
                }
                if throttled {
                    self.last_line = Instant::now();
                }
            }
        }
        match ev {
            SyncEvent::RunStarted { .. } => self.started = true,
            SyncEvent::Error { kind, .. } if !self.started => {
                // The run could not even start: nothing more will come.
                self.code = Some(if *kind == ErrorKind::Auth {
                    exit::AUTH_NEEDED
                } else {
                    exit::ERROR
                });
                return true;
            }
            SyncEvent::Error {
                kind: ErrorKind::Auth,
                ..
            } => self.auth_error = true,
            SyncEvent::RunFinished { run } => {
                self.code = Some(exit_code_for(run.status, self.auth_error));
                return true;
            }
            _ => {}
        }
        false
    }
}

/// One event as a JSON line on stdout. False once stdout is gone (e.g. the reading end of a
/// pipe closed): the sync goes on without its JSON stream.
fn write_json(ev: &SyncEvent) -> bool {
    match serde_json::to_string(ev) {
        Ok(line) => outln!("{line}"),
        Err(e) => tracing::warn!("cannot write an event as JSON: {e}"),
    }
    !crate::output::stdout_failed()
}
