//! The sync engine: its loop, its runs and phases, pacing and retry. Never imports the UI.
//!
//! - `engine`: the task's parts and its loop (idle until a command; a run; a probe).
//! - `runner`: one run: open it ([`crate::plan::next_run`] decides) → execute the phases → a
//!   pure fold into the outcome → close it.
//! - `link`: the parts a run borrows, each on its own: the store off the runtime (with the
//!   requests not yet recorded), the front end, the commands (pause, cancel at once), the
//!   gate-passing requester, and the one batch commit.
//! - `phases`: one module per phase, each a function of its context (`PhaseCtx`: checkpoint,
//!   run facts, requests, batch commits, boundaries), and the one page walker.
//! - `outcome`: how phases and runs end, folded purely into the run's final state.
//! - [`gate`]: pacing, holds and the day's tally ([`crate::quota`]'s economy, applied).
//! - `probe`: the totals of a fresh database's lists, for the plan ([`crate::plan`]).
//! - `unsaved`: the bisection that finds un-saved tracks, pure over a page source.
//! - [`events`]: the contract with front ends.

mod engine;
pub mod events;
pub mod gate;
mod link;
mod outcome;
mod phases;
mod probe;
mod runner;
mod unsaved;

pub use crate::settings::{EnrichTarget, SyncConfig};
pub use events::*;

use std::path::PathBuf;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::spotify::{Credentials, SpotifyClient};
use crate::store::{Reader, Store, StoreError};

/// What the engine needs to run.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    pub db: PathBuf,
    /// e.g. `https://api.spotify.com/v1/` or a simulator's `http://127.0.0.1:PORT/v1/`.
    pub api_url: String,
    /// e.g. `https://accounts.spotify.com/`.
    pub accounts_url: String,
    pub credentials: Credentials,
    pub config: SyncConfig,
}

/// A running engine task. Send [`SyncCommand`]s, receive [`SyncEvent`]s. Cancelling `cancel`
/// (or sending [`SyncCommand::Shutdown`]) stops it at the next batch boundary; await `task`.
pub struct EngineHandle {
    pub commands: mpsc::Sender<SyncCommand>,
    pub events: mpsc::Receiver<SyncEvent>,
    pub cancel: CancellationToken,
    pub task: JoinHandle<()>,
}

/// Why the engine could not start.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error("another spotsync is using {0}; wait for it to finish or stop it")]
    Locked(PathBuf),
    #[error("{0}")]
    Other(String),
}

/// Open the database (taking the one-writer lock) off the async runtime, then spawn the
/// engine task on the current tokio runtime. The engine idles until it receives
/// [`SyncCommand::Start`].
pub async fn spawn(options: EngineOptions) -> Result<EngineHandle, SpawnError> {
    let runtime = tokio::runtime::Handle::try_current()
        .map_err(|_| SpawnError::Other("the sync engine needs a tokio runtime".into()))?;
    let db = options.db.clone();
    // Opening checks (and may migrate) a possibly large file: never on the runtime's threads.
    let opened = tokio::task::spawn_blocking(move || {
        let store = Store::open(&db)?;
        let hold = store.sql().load_block(chrono::Utc::now())?;
        Ok::<_, StoreError>((store, hold))
    })
    .await
    .map_err(|e| SpawnError::Other(format!("opening the database failed: {e}")))?;
    let (store, hold) = opened.map_err(|e| match e {
        StoreError::Locked(p) => SpawnError::Locked(p),
        other => SpawnError::Other(other.to_string()),
    })?;
    let client = SpotifyClient::new(
        &options.api_url,
        &options.accounts_url,
        &options.credentials,
    );
    let (cmd_tx, cmd_rx) = mpsc::channel(64);
    let (ev_tx, ev_rx) = mpsc::channel(1024);
    let cancel = CancellationToken::new();
    let engine = engine::Engine::new(
        store,
        hold,
        client,
        options.config,
        ev_tx,
        cmd_rx,
        cancel.clone(),
    );
    let task = runtime.spawn(engine.main_loop());
    Ok(EngineHandle {
        commands: cmd_tx,
        events: ev_rx,
        cancel,
        task,
    })
}

/// Load what a front end shows at start, read-only: works while another process syncs.
pub fn load_status(db: &std::path::Path, history_limit: u32) -> Result<StatusSnapshot, String> {
    load_status_with_budget(db, history_limit, None)
}

/// Listening-history gaps carried by a [`StatusSnapshot`].
pub const PLAY_GAPS_SHOWN: u32 = 5;

/// [`load_status`] with the configured daily budget filled in.
pub fn load_status_with_budget(
    db: &std::path::Path,
    history_limit: u32,
    daily_budget: Option<u64>,
) -> Result<StatusSnapshot, String> {
    let Some(reader) = Reader::open(db).map_err(|e| e.to_string())? else {
        return Ok(StatusSnapshot {
            daily_budget,
            ..StatusSnapshot::default()
        });
    };
    let now = chrono::Utc::now();
    let q = reader.sql();
    let read = || -> rusqlite::Result<StatusSnapshot> {
        let current_run = match q.unfinished_run()? {
            Some((run, _)) => Some(run),
            None => q.last_run()?,
        };
        let phases = match &current_run {
            Some(r) => q
                .phases_of_run(r.id)?
                .iter()
                .map(|p| p.progress())
                .collect(),
            None => Vec::new(),
        };
        Ok(StatusSnapshot {
            current_run,
            phases,
            blocked_until: q.load_block(now)?,
            calls_24h: q.calls_24h(now)?,
            daily_budget,
            history: q.history(history_limit)?,
            play_gaps: q.play_gaps(PLAY_GAPS_SHOWN)?,
        })
    };
    read().map_err(|e| format!("cannot read {}: {e}", db.display()))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{Duration, Instant};

    use super::*;
    use crate::spotify::Credentials;

    /// Opening the store waits on SQLite (here: another connection holds the write lock for a
    /// second); meanwhile the runtime's only thread keeps running other tasks.
    #[tokio::test(flavor = "current_thread")]
    async fn spawn_opens_the_store_off_the_runtime() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        drop(Store::open(&db).unwrap());
        let holder = rusqlite::Connection::open(&db).unwrap();
        holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
        let release = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(1000));
            holder.execute_batch("COMMIT").unwrap();
        });
        let ticks = Arc::new(AtomicU64::new(0));
        let ticker = {
            let ticks = Arc::clone(&ticks);
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    ticks.fetch_add(1, Ordering::SeqCst);
                }
            })
        };
        let started = Instant::now();
        let handle = spawn(EngineOptions {
            db: db.clone(),
            api_url: "http://127.0.0.1:9/v1/".into(),
            accounts_url: "http://127.0.0.1:9/".into(),
            credentials: Credentials::AccessToken("test".into()),
            config: SyncConfig::default(),
        })
        .await
        .unwrap();
        let waited = started.elapsed();
        release.join().unwrap();
        ticker.abort();
        assert!(
            waited >= Duration::from_millis(900),
            "the open waited for the lock: {waited:?}"
        );
        let n = ticks.load(Ordering::SeqCst);
        assert!(
            n >= 40,
            "the runtime kept running while the store opened: {n} ticks"
        );
        handle.cancel.cancel();
        handle.task.await.unwrap();
    }
}
