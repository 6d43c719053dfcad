//! `spotsync import PATH…`: Spotify's data export into the listening history, merged with the
//! polled plays. No request to Spotify.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use color_eyre::eyre::{Result, eyre};
use spotsync_core::import::{self, ImportOptions, ImportSummary, Progress};
use spotsync_core::store::{Store, StoreError};

use super::*;
use crate::cli::{GlobalArgs, ImportArgs};
use crate::exit;

fn progress_bar() -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(0),
        indicatif::ProgressDrawTarget::stderr_with_hz(10),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} importing {bar:30} {bytes}/{total_bytes} · {msg} · {elapsed}",
    ) {
        bar.set_style(style);
    }
    Some(bar)
}

fn print_summary(s: &ImportSummary) {
    for f in &s.files {
        let mut extra = String::new();
        if f.without_time > 0 {
            extra += &format!(", {} without a time (not imported)", f.without_time);
        }
        if f.refused > 0 {
            extra += &format!(", {} refused", f.refused);
        }
        outln!(
            "{}: {} rows ({}) — {} new, {} merged with stored plays, {} already there{extra}",
            f.file,
            f.rows,
            if f.kind.is_empty() { "?" } else { &f.kind },
            f.added,
            f.merged,
            f.known,
        );
        for why in &f.refusals {
            outln!("  refused {why}");
        }
        if f.refused > f.refusals.len() as u64 {
            outln!("  … and {} more", f.refused - f.refusals.len() as u64);
        }
    }
    if !s.skipped.is_empty() {
        outln!(
            "Skipped {} file(s) that are not listening history: {}",
            s.skipped.len(),
            s.skipped.join(", ")
        );
    }
    outln!(
        "Imported {} rows: {} new plays, {} merged with plays already stored, {} already imported{}{}",
        s.rows,
        s.added,
        s.merged,
        s.known,
        if s.refused > 0 {
            format!(", {} refused", s.refused)
        } else {
            String::new()
        },
        if s.gaps_closed > 0 {
            format!("; closed {} listening-history gap(s)", s.gaps_closed)
        } else {
            String::new()
        }
    );
    outln!("{}", super::status::coverage_line(&s.coverage));
}

/// Watch SIGINT and SIGTERM from now on (the handlers are in place when this returns); the
/// flag is set when one comes.
async fn watch_signals(cancel: Arc<AtomicBool>) -> tokio::task::JoinHandle<()> {
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(async move {
        let mut signal = std::pin::pin!(super::simulate::wait_for_signal());
        // The first poll installs the handlers.
        let first = futures::poll!(signal.as_mut());
        let _ = ready_tx.send(());
        if first.is_pending() {
            signal.await;
        }
        cancel.store(true, Ordering::Relaxed);
    });
    let _ = ready_rx.await;
    task
}

/// Run the import on a blocking thread, with a progress bar on a terminal.
async fn import_on_a_thread(
    db: std::path::PathBuf,
    inputs: Vec<std::path::PathBuf>,
    opts: ImportOptions,
) -> Result<Result<ImportSummary, ImportFailure>> {
    let bar = progress_bar();
    let task_bar = bar.clone();
    let res = tokio::task::spawn_blocking(move || {
        let mut store = Store::open(&db)?;
        let mut on_progress = |p: Progress| {
            if let Some(b) = &task_bar {
                b.set_length(p.bytes_total);
                b.set_position(p.bytes_read);
                b.set_message(format!("{} rows", p.rows));
            }
        };
        import::import(&mut store, &inputs, &opts, &mut on_progress)
            .map_err(|e| ImportFailure::Import(e.to_string()))
    })
    .await;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    res.map_err(|e| eyre!("the import stopped: {e}"))
}

/// `spotsync import`.
pub async fn run(global: &GlobalArgs, args: &ImportArgs) -> Result<i32> {
    let (paths, _config) = setup(global)?;
    let cancel = Arc::new(AtomicBool::new(false));
    let signal = watch_signals(cancel.clone()).await;
    let opts = ImportOptions {
        cancel: Some(cancel.clone()),
    };
    let res = import_on_a_thread(paths.db.clone(), args.paths.clone(), opts).await;
    signal.abort();
    let summary = match res? {
        Ok(s) => s,
        Err(ImportFailure::Store(StoreError::Locked(p))) => {
            errln!(
                "spotsync: another spotsync is using {}; wait for it to finish or stop it",
                p.display()
            );
            return Ok(exit::LOCKED);
        }
        Err(e) => return Err(eyre!("{e}")),
    };
    report(&summary, args.json)
}

/// Print the summary (and what went wrong on stderr); the exit code.
fn report(summary: &ImportSummary, json: bool) -> Result<i32> {
    for f in summary.files.iter().filter(|f| f.error.is_some()) {
        errln!(
            "spotsync: {}: {}",
            f.file,
            f.error.as_deref().unwrap_or_default()
        );
    }
    if json {
        outln!("{}", serde_json::to_string_pretty(summary)?);
    } else {
        print_summary(summary);
    }
    if summary.interrupted {
        errln!("spotsync: import interrupted; run it again to finish (nothing is doubled)");
        return Ok(exit::INTERRUPTED);
    }
    if summary.files.is_empty() {
        errln!(
            "spotsync: no export file found (looked for Streaming_History_*.json, endsong_*.json, \
             endvideo.json, StreamingHistory*.json)"
        );
        return Ok(exit::ERROR);
    }
    Ok(if summary.failed > 0 {
        exit::ERROR
    } else {
        exit::OK
    })
}

#[derive(Debug, thiserror::Error)]
enum ImportFailure {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Import(String),
}
