//! The engine task's state and its primitives, which every phase uses: requests through the one
//! gate (`request`), commands acting at once (`control`), and the one batch commit (`commit`).
//! SQLite work runs off the async runtime ([`Engine::db`]). How a run goes from plan to outcome
//! is `super::runner`; what each phase reads and stores is `super::phases`.

mod commit;
mod control;
mod request;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

pub(crate) use commit::{BatchCtx, Written};
pub(crate) use request::ReqError;

use super::SyncConfig;
use super::events::*;
use super::gate::Gate;
use super::outcome::Stop;
use crate::domain::{Capability, CapabilityValue, RunId};
use crate::quota::{QuotaPolicy, Window};
use crate::spotify::SpotifyClient;
use crate::store::Store;
use crate::store::library::Counts;

/// What the engine knows about the run in progress.
pub(crate) struct RunCtx {
    pub id: RunId,
    pub kind: RunKind,
    /// Journal changes (a complete mirror exists from an earlier run).
    pub journal: bool,
    pub extended: Option<bool>,
    pub me: Option<String>,
}
pub(crate) struct Engine {
    store: Arc<Mutex<Store>>,
    pub(crate) client: SpotifyClient,
    pub(crate) config: SyncConfig,
    events: mpsc::Sender<SyncEvent>,
    pub(super) commands: mpsc::Receiver<SyncCommand>,
    pub(super) cancel: CancellationToken,
    pub(super) gate: Gate,
    pub(super) max_wait: Option<Duration>,
    pub(crate) run: Option<RunCtx>,
    pub(super) pause_requested: bool,
    /// A listening-history poll fell due during the run: it goes at the next batch boundary.
    pub(super) poll_requested: bool,
    pub(super) shutdown: bool,
    /// The hold we last announced (so `RateLimited` is sent once per hold).
    announced: Option<DateTime<Utc>>,
    /// What the current phase changed so far in this run (for its log line).
    pub(crate) phase_counts: Counts,
}

impl Engine {
    /// A new engine over an open store. `initial_hold` is the persisted hold, if any.
    pub(crate) fn new(
        store: Store,
        initial_hold: Option<(DateTime<Utc>, LimitReason)>,
        client: SpotifyClient,
        config: SyncConfig,
        events: mpsc::Sender<SyncEvent>,
        commands: mpsc::Receiver<SyncCommand>,
        cancel: CancellationToken,
    ) -> Engine {
        let mut gate = Gate::new(config.requests_per_window);
        if let Some((until, reason)) = initial_hold {
            gate.set_hold(until, reason);
        }
        Engine {
            store: Arc::new(Mutex::new(store)),
            client,
            config,
            events,
            commands,
            cancel,
            gate,
            max_wait: None,
            run: None,
            pause_requested: false,
            poll_requested: false,
            shutdown: false,
            announced: None,
            phase_counts: Counts::default(),
        }
    }

    /// Run `f` on the store off the async runtime (SQLite blocks), and wait for it.
    pub(crate) async fn db<R, F>(&self, f: F) -> Result<R, Stop>
    where
        F: FnOnce(&mut Store) -> rusqlite::Result<R> + Send + 'static,
        R: Send + 'static,
    {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || {
            let mut store = store
                .lock()
                .map_err(|_| Stop::Fatal("the database handle is unusable".into()))?;
            f(&mut store).map_err(Stop::from)
        })
        .await
        .map_err(|e| Stop::Fatal(format!("the database task failed: {e}")))?
    }

    pub(crate) async fn emit(&mut self, ev: SyncEvent) {
        // The front end may have gone (quit): the engine still finishes its state cleanly.
        let _ = self.events.send(ev).await;
    }
    /// The run in progress; a phase never runs without one.
    pub(crate) fn run_id(&self) -> Result<RunId, Stop> {
        self.run
            .as_ref()
            .map(|r| r.id)
            .ok_or_else(|| Stop::Fatal("internal error: no run in progress".into()))
    }

    pub(crate) fn me(&self) -> Option<String> {
        self.run.as_ref().and_then(|r| r.me.clone())
    }

    pub(crate) fn extended(&self) -> bool {
        self.run.as_ref().and_then(|r| r.extended).unwrap_or(false)
    }

    /// Remember whether the app has extended quota (learned from a response).
    pub(crate) async fn detect_extended(&mut self, extended: bool) -> Result<(), Stop> {
        if let Some(run) = self.run.as_mut()
            && run.extended != Some(extended)
        {
            run.extended = Some(extended);
            let now = Utc::now();
            self.db(move |s| {
                s.sql().set_capability(
                    Capability::ExtendedQuota,
                    CapabilityValue::flag(extended),
                    now,
                )
            })
            .await?;
        }
        Ok(())
    }

    /// The daily policy and the counted requests as the database knows them now.
    async fn quota_state(&self) -> Result<(QuotaPolicy, Window), Stop> {
        let configured = self.config.max_calls_per_day;
        let schedule = self.config.schedule;
        let now = Utc::now();
        self.db(move |s| s.sql().quota_state(configured, &schedule, now))
            .await
    }

    /// Load the daily policy and the requests counted so far into the gate (at the start of a
    /// run: another process may have sent requests since).
    pub(crate) async fn load_quota(&mut self) -> Result<(), Stop> {
        let (policy, window) = self.quota_state().await?;
        self.gate.set_quota(policy, window);
        Ok(())
    }

    /// Recompute the daily policy from the stored observations (after a new one); the
    /// gate's count is kept.
    pub(crate) async fn refresh_policy(&mut self) -> Result<(), Stop> {
        let (policy, _) = self.quota_state().await?;
        if policy.daily != self.gate.policy().daily {
            tracing::info!(
                "daily quota now {} ({}); bulk work stops at {} to keep a reserve of {}",
                policy.daily.unwrap_or(0),
                policy.source.as_str(),
                policy.bulk_per_day().unwrap_or(0),
                policy.reserve
            );
        }
        self.gate.set_policy(policy);
        Ok(())
    }

    pub(crate) async fn emit_usage(&mut self) {
        let now = Utc::now();
        let calls = match self.db(move |s| s.sql().calls_24h(now)).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!("cannot count today's requests: {}", e.describe());
                0
            }
        };
        // The daily figure, configured or learned.
        let budget = self.gate.policy().daily;
        self.emit(SyncEvent::ApiUsage {
            calls_24h: calls,
            budget,
        })
        .await;
    }
}
