//! The orchestrator: a tokio task that plans a run (which phases, from which checkpoints), then
//! executes each phase page by page. Every batch commits its rows, its checkpoint and the run's
//! counters in one transaction; every request passes the one gate.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::SyncConfig;
use super::events::*;
use super::gate::{self, Gate};
use crate::spotify::model::{self, Page};
use crate::spotify::{ApiError, Endpoint, SpotifyClient};
use crate::store::library::{self, Counts, EnrichTable, ItemsAccess};
use crate::store::plays;
use crate::store::state::{self, Checkpoint};
use crate::store::{Store, ts};

const PAGE: u32 = 50;
const CURSOR_INCREMENTAL: &str = "incremental";
const CURSOR_RECONCILE: &str = "reconcile";
const ALBUM_BATCH: usize = 20;
const ARTIST_BATCH: usize = 50;

/// Capability names (table `capabilities`).
pub const CAP_EXTENDED: &str = "extended_quota";
pub const CAP_BATCH_ALBUMS: &str = "batch_albums";
pub const CAP_BATCH_ARTISTS: &str = "batch_artists";

/// Why a phase or run stopped early.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Stop {
    /// The user cancelled: the run is closed as cancelled.
    Cancelled,
    /// Shutdown / the cancel token / a signal: the run stays resumable (paused).
    Interrupted,
    /// A hold longer than the caller wants to wait: resumable.
    Blocked {
        until: DateTime<Utc>,
        reason: LimitReason,
    },
    /// No usable authorization.
    Auth(String),
    /// This phase failed after bounded retries; later phases may still run.
    PhaseFailed(String),
    /// The database failed: the run cannot go on.
    Fatal(String),
}

impl From<rusqlite::Error> for Stop {
    fn from(e: rusqlite::Error) -> Self {
        Stop::Fatal(format!("database error: {e}"))
    }
}

/// A request that did not succeed.
#[derive(Debug)]
enum ReqError {
    Stop(Stop),
    /// A definitive answer the caller decides about (403, 404, other 4xx).
    Api(ApiError),
}

impl From<Stop> for ReqError {
    fn from(s: Stop) -> Self {
        ReqError::Stop(s)
    }
}

impl From<rusqlite::Error> for ReqError {
    fn from(e: rusqlite::Error) -> Self {
        ReqError::Stop(e.into())
    }
}

struct RunCtx {
    id: i64,
    kind: RunKind,
    journal: bool,
    extended: Option<bool>,
    me: Option<String>,
}

pub(crate) struct Engine {
    store: Store,
    client: SpotifyClient,
    config: SyncConfig,
    events: mpsc::Sender<SyncEvent>,
    commands: mpsc::Receiver<SyncCommand>,
    cancel: CancellationToken,
    gate: Gate,
    max_wait: Option<Duration>,
    run: Option<RunCtx>,
    pause_requested: bool,
    shutdown: bool,
    /// The hold we last announced (so `RateLimited` is sent once per hold).
    announced: Option<DateTime<Utc>>,
    /// What the current phase changed so far in this run (for its log line).
    phase_counts: Counts,
}

impl Engine {
    pub(crate) fn new(
        store: Store,
        client: SpotifyClient,
        config: SyncConfig,
        events: mpsc::Sender<SyncEvent>,
        commands: mpsc::Receiver<SyncCommand>,
        cancel: CancellationToken,
    ) -> Engine {
        let mut gate = Gate::new(config.requests_per_window);
        if let Ok(Some((until, reason))) = state::load_block(&store.conn, Utc::now()) {
            gate.set_hold(until, reason);
        }
        Engine {
            store,
            client,
            config,
            events,
            commands,
            cancel,
            gate,
            max_wait: None,
            run: None,
            pause_requested: false,
            shutdown: false,
            announced: None,
            phase_counts: Counts::default(),
        }
    }

    async fn emit(&mut self, ev: SyncEvent) {
        let _ = self.events.send(ev).await;
    }

    /// Idle until a command; run; repeat until shutdown.
    pub(crate) async fn main_loop(mut self) {
        loop {
            let cmd = tokio::select! {
                c = self.commands.recv() => c,
                _ = self.cancel.cancelled() => None,
            };
            match cmd {
                None | Some(SyncCommand::Shutdown) => break,
                Some(SyncCommand::SetMaxWait(d)) => self.max_wait = d,
                Some(SyncCommand::Start { mode, only }) => {
                    self.run(mode, only).await;
                    if self.shutdown || self.cancel.is_cancelled() {
                        break;
                    }
                }
                Some(SyncCommand::Pause | SyncCommand::Resume | SyncCommand::Cancel) => {}
            }
        }
    }

    fn ordered_phases(&self, only: &[Phase]) -> Vec<Phase> {
        if only.is_empty() {
            let mut v: Vec<Phase> = Vec::new();
            for p in &self.config.phases {
                if !v.contains(p) {
                    v.push(*p);
                }
            }
            if v.is_empty() { Phase::ALL.to_vec() } else { v }
        } else {
            let mut v: Vec<Phase> = only.to_vec();
            v.sort();
            v.dedup();
            v
        }
    }

    /// Plan: resume the unfinished run, or create a new one.
    fn plan(
        &mut self,
        mode: StartMode,
        only: &[Phase],
    ) -> Result<(i64, RunKind, Vec<Phase>, bool), Stop> {
        let now = Utc::now();
        // A listening-history poll runs on its own, leaving an unfinished sync resumable.
        let plays_only = self.ordered_phases(only) == [Phase::Plays] && mode != StartMode::Full;
        let unfinished = if plays_only {
            None
        } else {
            state::unfinished_run(&self.store.conn)?
        };
        match (mode, unfinished) {
            (StartMode::Auto | StartMode::Incremental, Some((run, phases)))
                if !phases.is_empty() =>
            {
                state::set_run_status(&self.store.conn, run.id, RunStatus::Running, None, now)?;
                return Ok((run.id, run.kind, phases, true));
            }
            (StartMode::Full, Some((run, _))) => {
                state::set_run_status(
                    &self.store.conn,
                    run.id,
                    RunStatus::Cancelled,
                    Some("superseded by a new full sync"),
                    now,
                )?;
            }
            _ => {}
        }
        let kind = match mode {
            StartMode::Incremental => RunKind::Incremental,
            StartMode::Full => RunKind::Full,
            StartMode::Auto => {
                if state::last_success(&self.store.conn, RunKind::Full)?.is_some() {
                    RunKind::Incremental
                } else {
                    RunKind::Full
                }
            }
        };
        let phases = self.ordered_phases(only);
        let kind = if phases == [Phase::Plays] && mode != StartMode::Full {
            RunKind::Plays
        } else {
            kind
        };
        let id = state::create_run(&mut self.store.conn, kind, &phases, now)?;
        Ok((id, kind, phases, false))
    }

    async fn run(&mut self, mode: StartMode, only: Vec<Phase>) {
        self.pause_requested = false;
        // A hold whose time has passed (or was lifted) is forgotten; a live one is kept.
        let now = Utc::now();
        match state::load_block(&self.store.conn, now) {
            Ok(Some((until, reason))) => self.gate.set_hold(until, reason),
            Ok(None) => {
                self.gate.clear_hold();
                let _ = state::clear_block(&self.store.conn, now);
            }
            Err(_) => {}
        }
        let (run_id, kind, phases, resumed) = match self.plan(mode, &only) {
            Ok(p) => p,
            Err(e) => {
                self.emit(SyncEvent::Error {
                    kind: ErrorKind::Other,
                    message: describe_stop(&e),
                })
                .await;
                return;
            }
        };
        let extended = state::capability(&self.store.conn, CAP_EXTENDED)
            .ok()
            .flatten()
            .map(|v| v == "true");
        let me = state::account(&self.store.conn, "user_id").ok().flatten();
        let journal = state::last_success(&self.store.conn, RunKind::Full)
            .ok()
            .flatten()
            .is_some_and(|r| r.id != run_id);
        self.run = Some(RunCtx {
            id: run_id,
            kind,
            journal,
            extended,
            me,
        });
        tracing::info!(
            "sync run {run_id} {} ({kind}; phases: {})",
            if resumed { "resumed" } else { "started" },
            phases
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        self.emit(SyncEvent::RunStarted {
            run_id,
            kind,
            phases: phases.clone(),
            resumed,
        })
        .await;
        self.emit_usage().await;

        let mut failed: Option<String> = None;
        let mut stop: Option<Stop> = None;

        // Who is the user? Needed to know which playlists are owned; also checks the token early.
        // A full run asks once (the account may have changed); others reuse the stored id.
        let known = self.run.as_ref().is_some_and(|r| r.me.is_some());
        let needs_me =
            phases.contains(&Phase::Playlists) && (!known || (kind == RunKind::Full && !resumed));
        if needs_me && let Err(s) = self.fetch_me().await {
            match s {
                Stop::PhaseFailed(e) => {
                    failed = Some(e);
                }
                s => stop = Some(s),
            }
        }

        if stop.is_none() {
            for phase in phases.iter().copied() {
                let row = match state::phase(&self.store.conn, phase) {
                    Ok(r) => r,
                    Err(e) => {
                        stop = Some(e.into());
                        break;
                    }
                };
                if row
                    .as_ref()
                    .is_some_and(|r| r.status == PhaseStatus::Success && r.run_id == Some(run_id))
                {
                    continue;
                }
                if phase == Phase::Playlists && failed.is_some() && self.me().is_none() {
                    // Without the user id we cannot tell owned playlists from followed ones.
                    continue;
                }
                match self.run_phase(phase).await {
                    Ok(()) => {
                        let _ = state::set_phase_status(
                            &self.store.conn,
                            phase,
                            PhaseStatus::Success,
                            None,
                            Utc::now(),
                        );
                        self.log_phase_end(phase, PhaseStatus::Success, None);
                        self.emit(SyncEvent::PhaseFinished {
                            phase,
                            status: PhaseStatus::Success,
                            error: None,
                        })
                        .await;
                    }
                    Err(Stop::PhaseFailed(e)) => {
                        let _ = state::set_phase_status(
                            &self.store.conn,
                            phase,
                            PhaseStatus::Failed,
                            Some(&e),
                            Utc::now(),
                        );
                        self.log_phase_end(phase, PhaseStatus::Failed, Some(&e));
                        self.emit(SyncEvent::PhaseFinished {
                            phase,
                            status: PhaseStatus::Failed,
                            error: Some(e.clone()),
                        })
                        .await;
                        failed.get_or_insert(format!("{phase}: {e}"));
                    }
                    Err(s) => {
                        let status = match &s {
                            Stop::Cancelled => PhaseStatus::Cancelled,
                            Stop::Interrupted => PhaseStatus::Paused,
                            Stop::Blocked { .. } => PhaseStatus::RateLimited,
                            _ => PhaseStatus::Failed,
                        };
                        let err = match &s {
                            Stop::Auth(m) | Stop::Fatal(m) => Some(m.clone()),
                            _ => None,
                        };
                        let _ = state::set_phase_status(
                            &self.store.conn,
                            phase,
                            status,
                            err.as_deref(),
                            Utc::now(),
                        );
                        self.log_phase_end(phase, status, err.as_deref());
                        if status.is_terminal() {
                            self.emit(SyncEvent::PhaseFinished {
                                phase,
                                status,
                                error: err,
                            })
                            .await;
                        }
                        stop = Some(s);
                        break;
                    }
                }
            }
        }

        let (status, error) = match &stop {
            None if failed.is_none() => (RunStatus::Success, None),
            None => (RunStatus::Failed, failed.clone()),
            Some(Stop::Cancelled) => (RunStatus::Cancelled, None),
            Some(Stop::Interrupted) => (RunStatus::Paused, None),
            Some(Stop::Blocked { until, reason }) => (
                RunStatus::RateLimited,
                Some(format!(
                    "waiting for {} until {}",
                    reason.describe(),
                    ts(*until)
                )),
            ),
            Some(s) => (RunStatus::Failed, Some(describe_stop(s))),
        };
        if let Some(Stop::Cancelled) = &stop {
            // Close every phase that had not finished.
            let _ = self.store.conn.execute(
                "UPDATE sync_state SET status = 'cancelled', completed_at = ?2, updated_at = ?2
                 WHERE sync_history_id = ?1 AND status NOT IN ('success', 'failed')
                   AND state_key != ?3",
                rusqlite::params![run_id, ts(Utc::now()), state::GATE_KEY],
            );
        }
        let _ = state::set_run_status(
            &self.store.conn,
            run_id,
            status,
            error.as_deref(),
            Utc::now(),
        );
        match &stop {
            Some(Stop::Auth(m)) => {
                self.emit(SyncEvent::Error {
                    kind: ErrorKind::Auth,
                    message: m.clone(),
                })
                .await
            }
            Some(Stop::Fatal(m)) => {
                self.emit(SyncEvent::Error {
                    kind: ErrorKind::Other,
                    message: m.clone(),
                })
                .await
            }
            _ => {}
        }
        self.emit_usage().await;
        let record = state::run(&self.store.conn, run_id).ok().flatten();
        if let Some(run) = record {
            let summary = format!(
                "sync run {} finished: {}; {} added, {} updated, {} removed; {} requests, \
                 {} rate-limited, {} s waited",
                run.id,
                run.status.as_str(),
                run.items_added,
                run.items_updated,
                run.items_removed,
                run.api_calls,
                run.rate_limited_count,
                run.waited_seconds
            );
            match &run.error {
                Some(e) if run.status != RunStatus::Success => {
                    tracing::warn!("{summary}; {e}")
                }
                _ => tracing::info!("{summary}"),
            }
            self.emit(SyncEvent::RunFinished { run }).await;
        }
        let _ = state::prune_usage(&self.store.conn, Utc::now());
        self.run = None;
    }

    /// One log line for the end of a phase (or its stop), with what it changed in this run.
    fn log_phase_end(&self, phase: Phase, status: PhaseStatus, error: Option<&str>) {
        let c = self.phase_counts;
        let done = state::phase(&self.store.conn, phase)
            .ok()
            .flatten()
            .map(|r| {
                let total = r
                    .total_items
                    .map(|t| format!(" of {t}"))
                    .unwrap_or_default();
                format!("{}{total} done; ", r.items_processed)
            })
            .unwrap_or_default();
        let line = format!(
            "phase {phase} {}: {done}{} added, {} updated, {} removed",
            status.as_str(),
            c.added,
            c.updated,
            c.removed
        );
        match error {
            Some(e) => tracing::warn!("{line}; {e}"),
            None => tracing::info!("{line}"),
        }
    }

    /// Journal changes only once a complete mirror exists (the first one adds everything).
    fn journal(&self) -> library::Journal {
        self.run.as_ref().filter(|r| r.journal).map(|r| r.id)
    }

    fn me(&self) -> Option<String> {
        self.run.as_ref().and_then(|r| r.me.clone())
    }

    fn run_id(&self) -> Option<i64> {
        self.run.as_ref().map(|r| r.id)
    }

    async fn emit_usage(&mut self) {
        let calls = state::calls_24h(&self.store.conn, Utc::now()).unwrap_or(0);
        let budget = (self.config.max_calls_per_day > 0).then_some(self.config.max_calls_per_day);
        self.emit(SyncEvent::ApiUsage {
            calls_24h: calls,
            budget,
        })
        .await;
    }

    async fn fetch_me(&mut self) -> Result<(), Stop> {
        let me: model::Me = match self.request(None, Endpoint::Me).await {
            Ok(m) => m,
            Err(ReqError::Stop(s)) => return Err(s),
            Err(ReqError::Api(e)) => return Err(Stop::PhaseFailed(format!("GET /me: {e}"))),
        };
        let now = Utc::now();
        state::set_account(&self.store.conn, "user_id", me.id.as_deref(), now)?;
        state::set_account(
            &self.store.conn,
            "display_name",
            me.display_name.as_deref(),
            now,
        )?;
        if let Some(run) = self.run.as_mut() {
            run.me = me.id.clone().or(run.me.take());
        }
        Ok(())
    }

    // ----- commands, waits and the gate -------------------------------------------------

    fn handle_command(&mut self, cmd: Option<SyncCommand>) -> Result<(), Stop> {
        match cmd {
            None => Err(Stop::Interrupted),
            Some(SyncCommand::Cancel) => Err(Stop::Cancelled),
            Some(SyncCommand::Shutdown) => {
                self.shutdown = true;
                Err(Stop::Interrupted)
            }
            Some(SyncCommand::Pause) => {
                self.pause_requested = true;
                Ok(())
            }
            Some(SyncCommand::Resume) => {
                self.pause_requested = false;
                Ok(())
            }
            Some(SyncCommand::SetMaxWait(d)) => {
                self.max_wait = d;
                Ok(())
            }
            Some(SyncCommand::Start { .. }) => Ok(()),
        }
    }

    /// Await `fut`, but stop at once on cancel / shutdown (a pause is remembered for the next
    /// batch boundary).
    async fn interruptible<F: std::future::Future>(&mut self, fut: F) -> Result<F::Output, Stop> {
        tokio::pin!(fut);
        loop {
            tokio::select! {
                biased;
                _ = self.cancel.cancelled() => return Err(Stop::Interrupted),
                cmd = self.commands.recv() => self.handle_command(cmd)?,
                out = &mut fut => return Ok(out),
            }
        }
    }

    /// Sleep for `d` while listening for commands: cancel / shutdown stop at once, a pause
    /// pauses here (nothing is sent while paused). Returns `true` when it returns early after a
    /// pause and resume: the caller re-checks what it was waiting for (a hold stays in force).
    async fn wait(&mut self, d: Duration, phase: Option<Phase>) -> Result<bool, Stop> {
        let deadline = tokio::time::Instant::now() + d;
        loop {
            if self.pause_requested {
                self.pause_here(phase).await?;
                return Ok(true);
            }
            tokio::select! {
                biased;
                _ = self.cancel.cancelled() => return Err(Stop::Interrupted),
                cmd = self.commands.recv() => self.handle_command(cmd)?,
                _ = tokio::time::sleep_until(deadline) => return Ok(false),
            }
        }
    }

    /// The batch boundary: apply commands; when paused, wait for resume.
    async fn boundary(&mut self, phase: Phase) -> Result<(), Stop> {
        if self.cancel.is_cancelled() {
            return Err(Stop::Interrupted);
        }
        while let Ok(cmd) = self.commands.try_recv() {
            self.handle_command(Some(cmd))?;
        }
        if !self.pause_requested {
            return Ok(());
        }
        self.pause_here(Some(phase)).await
    }

    /// Pause now: record it, tell the front end, and wait for resume (or cancel / shutdown).
    async fn pause_here(&mut self, phase: Option<Phase>) -> Result<(), Stop> {
        let now = Utc::now();
        if let Some(id) = self.run_id() {
            state::set_run_status(&self.store.conn, id, RunStatus::Paused, None, now)?;
        }
        if let Some(phase) = phase {
            state::set_phase_status(&self.store.conn, phase, PhaseStatus::Paused, None, now)?;
        }
        tracing::info!("sync run {} paused", self.run_id().unwrap_or_default());
        self.emit(SyncEvent::Paused).await;
        while self.pause_requested {
            let cmd = tokio::select! {
                _ = self.cancel.cancelled() => return Err(Stop::Interrupted),
                c = self.commands.recv() => c,
            };
            self.handle_command(cmd)?;
        }
        let now = Utc::now();
        if let Some(id) = self.run_id() {
            state::set_run_status(&self.store.conn, id, RunStatus::Running, None, now)?;
        }
        if let Some(phase) = phase {
            state::set_phase_status(&self.store.conn, phase, PhaseStatus::InProgress, None, now)?;
        }
        tracing::info!(
            "sync run {} resumed after a pause",
            self.run_id().unwrap_or_default()
        );
        self.emit(SyncEvent::Resumed).await;
        Ok(())
    }

    /// Wait until the gate lets one request through (or stop).
    async fn pass_gate(&mut self, phase: Option<Phase>) -> Result<(), Stop> {
        loop {
            let now = Utc::now();
            let mut hold = self.gate.hold(now);
            if hold.is_none() && self.config.max_calls_per_day > 0 {
                let used = state::calls_24h(&self.store.conn, now)?;
                if used >= self.config.max_calls_per_day {
                    let until = state::usage_frees_at(&self.store.conn, now)?
                        .unwrap_or(now + chrono::Duration::minutes(1));
                    hold = Some((until, LimitReason::Budget));
                }
            }
            if let Some((until, reason)) = hold {
                let wait = (until - now).to_std().unwrap_or(Duration::ZERO);
                if self.max_wait.is_some_and(|m| wait > m) {
                    // The budget is derived from `api_usage`; only Spotify's holds are saved.
                    if let Some(p) = phase.filter(|_| reason != LimitReason::Budget) {
                        state::save_block(
                            &self.store.conn,
                            until,
                            reason,
                            Some(p),
                            self.run_id(),
                            now,
                        )?;
                    }
                    self.emit(SyncEvent::RateLimited {
                        until,
                        reason,
                        phase,
                    })
                    .await;
                    return Err(Stop::Blocked { until, reason });
                }
                if self.announced != Some(until) {
                    self.announced = Some(until);
                    tracing::info!(
                        "waiting for {} until {} (nothing is sent before)",
                        reason.describe(),
                        ts(until)
                    );
                    self.emit(SyncEvent::RateLimited {
                        until,
                        reason,
                        phase,
                    })
                    .await;
                }
                let started = Instant::now();
                let res = self.wait(wait, phase).await;
                let waited = started.elapsed().as_secs();
                if let Some(id) = self.run_id() {
                    state::add_waited(&self.store.conn, id, waited, false)?;
                }
                let paused = res?;
                if paused && reason != LimitReason::Budget && self.gate.hold(Utc::now()).is_some() {
                    // Paused during the hold and resumed before its end: keep waiting (the
                    // hold is announced again so the countdown comes back).
                    self.announced = None;
                    continue;
                }
                if reason != LimitReason::Budget {
                    self.gate.clear_hold();
                    state::clear_block(&self.store.conn, Utc::now())?;
                }
                self.announced = None;
                tracing::info!("hold ended ({}); requests resume", reason.describe());
                self.emit(SyncEvent::RateLimitCleared).await;
                self.emit_usage().await;
                continue;
            }
            if let Some(d) = self.gate.pacing_delay(Instant::now()) {
                self.wait(d, phase).await?;
                continue;
            }
            return Ok(());
        }
    }

    /// Send one request through the gate, with 429 handling, bounded retries of transient
    /// failures and one token refresh on 401.
    async fn request<T: DeserializeOwned>(
        &mut self,
        phase: Option<Phase>,
        endpoint: Endpoint,
    ) -> Result<T, ReqError> {
        let mut attempt = 0u32;
        let mut refreshed = false;
        loop {
            self.pass_gate(phase).await?;
            self.gate.record_send(Instant::now());
            let run_id = self.run_id();
            state::record_call(&mut self.store.conn, run_id, Utc::now())?;
            let client = self.client.clone();
            let res = self.interruptible(client.get::<T>(&endpoint)).await?;
            self.gate.record_answered(Instant::now());
            match res {
                Ok(v) => {
                    self.gate.on_success();
                    return Ok(v);
                }
                Err(ApiError::RateLimited { retry_after, quota }) => {
                    let now = Utc::now();
                    let (until, reason) =
                        self.gate
                            .on_rate_limited(retry_after, quota, now, Instant::now());
                    tracing::warn!(
                        "{}: rate limited ({}) until {}",
                        endpoint.template(),
                        reason.as_str(),
                        ts(until)
                    );
                    let run_id = self.run_id();
                    with_tx(&mut self.store.conn, |tx| {
                        state::save_block(tx, until, reason, phase, run_id, now)?;
                        if let Some(id) = run_id {
                            state::add_waited(tx, id, 0, true)?;
                        }
                        Ok(())
                    })?;
                    // The refused request counts too (Spotify counts every request it gets).
                    self.emit_usage().await;
                }
                Err(ApiError::Transient(msg)) => {
                    attempt += 1;
                    if attempt >= gate::MAX_ATTEMPTS {
                        return Err(Stop::PhaseFailed(format!(
                            "{} failed {attempt} times: {msg}",
                            endpoint.template()
                        ))
                        .into());
                    }
                    let delay = gate::backoff(attempt);
                    tracing::warn!(
                        "{}: {msg}; retry {attempt} in {delay:?}",
                        endpoint.template()
                    );
                    if let Some(p) = phase {
                        self.emit(SyncEvent::Retrying {
                            phase: p,
                            attempt,
                            delay,
                            error: msg.clone(),
                        })
                        .await;
                    }
                    self.wait(delay, phase).await?;
                }
                Err(ApiError::Unauthorized(m)) if !refreshed && self.client.can_refresh() => {
                    refreshed = true;
                    let client = self.client.clone();
                    match self.interruptible(client.refresh()).await? {
                        Ok(()) => {}
                        Err(e) if e.is_auth() => return Err(Stop::Auth(e.to_string()).into()),
                        Err(e) => {
                            return Err(Stop::Auth(format!(
                                "{m}; refreshing the token failed: {e}"
                            ))
                            .into());
                        }
                    }
                }
                Err(e) if e.is_auth() => return Err(Stop::Auth(e.to_string()).into()),
                Err(e) => return Err(ReqError::Api(e)),
            }
        }
    }

    fn detect_extended(&mut self, extended: bool) -> rusqlite::Result<()> {
        if let Some(run) = self.run.as_mut()
            && run.extended != Some(extended)
        {
            run.extended = Some(extended);
            state::set_capability(
                &self.store.conn,
                CAP_EXTENDED,
                if extended { "true" } else { "false" },
                Utc::now(),
            )?;
        }
        Ok(())
    }

    fn extended(&self) -> bool {
        self.run.as_ref().and_then(|r| r.extended).unwrap_or(false)
    }

    async fn batch_committed(&mut self, phase: Phase, cp: &Checkpoint, c: Counts) {
        self.phase_counts += c;
        tracing::debug!(
            "{phase}: batch committed, {} done{}; +{} ~{} -{}",
            cp.items_processed,
            cp.total_items
                .map(|t| format!(" of {t}"))
                .unwrap_or_default(),
            c.added,
            c.updated,
            c.removed
        );
        let api_calls = self
            .run_id()
            .and_then(|id| state::run(&self.store.conn, id).ok().flatten())
            .map(|r| r.api_calls)
            .unwrap_or(0);
        self.emit(SyncEvent::BatchCommitted {
            phase,
            done: cp.items_processed,
            total: cp.total_items,
            added: c.added,
            updated: c.updated,
            removed: c.removed,
            api_calls,
        })
        .await;
        // After the batch's requests: the 24-hour count matches the run's `api_calls`.
        self.emit_usage().await;
    }

    // ----- phases ---------------------------------------------------------------------------

    async fn run_phase(&mut self, phase: Phase) -> Result<(), Stop> {
        let row = state::phase(&self.store.conn, phase)?;
        let cp = row
            .as_ref()
            .map(|r| Checkpoint {
                current_offset: r.current_offset,
                total_items: r.total_items,
                items_processed: r.items_processed,
                cursor: r.cursor.clone(),
            })
            .unwrap_or_default();
        state::set_phase_status(
            &self.store.conn,
            phase,
            PhaseStatus::InProgress,
            None,
            Utc::now(),
        )?;
        self.phase_counts = Counts::default();
        tracing::info!(
            "phase {phase} started ({} done{})",
            cp.items_processed,
            cp.total_items
                .map(|t| format!(" of {t}"))
                .unwrap_or_default()
        );
        self.emit(SyncEvent::PhaseStarted {
            phase,
            done: cp.items_processed,
            total: cp.total_items,
        })
        .await;
        match phase {
            Phase::Tracks => self.phase_tracks(cp).await,
            Phase::Playlists => self.phase_playlists(cp).await,
            Phase::Albums => self.phase_enrich(cp, EnrichTable::Albums).await,
            Phase::Artists => self.phase_enrich(cp, EnrichTable::Artists).await,
            Phase::Plays => self.phase_plays(cp).await,
        }
    }

    fn req_to_stop(e: ReqError) -> Stop {
        match e {
            ReqError::Stop(s) => s,
            ReqError::Api(e) => Stop::PhaseFailed(e.to_string()),
        }
    }

    async fn phase_tracks(&mut self, mut cp: Checkpoint) -> Result<(), Stop> {
        let phase = Phase::Tracks;
        let run_id = self.run_id().unwrap_or_default();
        let kind = self.run.as_ref().map(|r| r.kind).unwrap_or(RunKind::Full);
        let journal = self.journal();
        // An incremental run reads from the newest until it meets a known save; when the count
        // then disagrees, something was un-saved and it reconciles with one full walk.
        if kind != RunKind::Full && cp.cursor.is_none() {
            cp.cursor = Some(CURSOR_INCREMENTAL.into());
        }
        // Pages read by this incremental walk (page index → track ids), for the search below.
        let mut pages_seen: HashMap<u64, Vec<Option<String>>> = HashMap::new();
        loop {
            if cp.total_items.is_some_and(|t| cp.current_offset >= t) {
                break;
            }
            let incremental = cp.cursor.as_deref() == Some(CURSOR_INCREMENTAL);
            self.boundary(phase).await?;
            let page: Page = self
                .request(
                    Some(phase),
                    Endpoint::SavedTracks {
                        offset: cp.current_offset,
                        limit: PAGE,
                    },
                )
                .await
                .map_err(Self::req_to_stop)?;
            let items: Vec<Option<model::SavedTrack>> = page.parse_items();
            let tracks: Vec<&model::Playable> = items
                .iter()
                .flatten()
                .filter_map(|s| s.track.as_ref())
                .collect();
            if !tracks.is_empty() {
                self.detect_extended(tracks.iter().any(|t| t.popularity.is_some()))?;
            }
            if incremental && cp.current_offset.is_multiple_of(u64::from(PAGE)) {
                pages_seen.insert(
                    cp.current_offset / u64::from(PAGE),
                    items
                        .iter()
                        .map(|s| {
                            s.as_ref()
                                .and_then(|s| s.track.as_ref())
                                .and_then(|t| t.id.clone())
                        })
                        .collect(),
                );
            }
            let now = Utc::now();
            let mut counts = Counts::default();
            let last = with_tx(&mut self.store.conn, |tx| {
                let mut met_known = false;
                for s in items.iter().flatten() {
                    let Some(t) = &s.track else { continue };
                    if incremental
                        && let Some(id) = t.id.as_deref()
                        && library::is_known_saved(tx, id, s.added_at.as_deref(), run_id)?
                    {
                        met_known = true;
                    }
                    if let Some((id, changed)) = library::upsert_track_changed(tx, t)? {
                        let saved =
                            library::upsert_saved(tx, &id, s.added_at.as_deref(), run_id, journal)?;
                        counts.record(saved.or_changed(changed));
                    }
                }
                let n = page.items.len() as u64;
                cp.current_offset += n;
                cp.items_processed += n;
                cp.total_items = page.total.or(cp.total_items);
                let mut last = n == 0
                    || cp.total_items.is_some_and(|t| cp.current_offset >= t)
                    || (page.total.is_none() && page.next.is_none());
                if incremental && (met_known || last) {
                    let stored = library::count_saved(tx)?;
                    if page.total.is_none_or(|t| t == stored) {
                        last = true;
                        cp.total_items = Some(cp.current_offset);
                    } else {
                        // Something was un-saved: walk the rest once to find what (the pages
                        // read so far were seen by this run already).
                        last = cp.total_items.is_some_and(|t| cp.current_offset >= t);
                        cp.cursor = Some(CURSOR_RECONCILE.into());
                        cp.total_items = page.total;
                        if last {
                            counts.removed = library::mark_unsaved(tx, run_id, &ts(now), journal)?;
                        }
                    }
                } else if last {
                    counts.removed = library::mark_unsaved(tx, run_id, &ts(now), journal)?;
                    cp.total_items = Some(cp.current_offset);
                }
                state::save_checkpoint(
                    tx,
                    phase,
                    &cp,
                    if last {
                        PhaseStatus::Success
                    } else {
                        PhaseStatus::InProgress
                    },
                    now,
                )?;
                state::add_run_counts(tx, run_id, counts.added, counts.updated, counts.removed)?;
                Ok(last)
            })?;
            self.batch_committed(phase, &cp, counts).await;
            if last {
                return Ok(());
            }
            if incremental && cp.cursor.as_deref() == Some(CURSOR_RECONCILE) {
                // Un-saves: find them by bisection instead of reading every page.
                let total = cp.total_items.unwrap_or_default();
                if let Some(removed) = self.find_unsaved(total, &mut pages_seen, &mut cp).await? {
                    let now = Utc::now();
                    let counts = with_tx(&mut self.store.conn, |tx| {
                        let n = library::mark_removed(tx, &removed, &ts(now), journal)?;
                        cp.total_items = Some(total);
                        cp.current_offset = total;
                        state::save_checkpoint(tx, phase, &cp, PhaseStatus::Success, now)?;
                        state::add_run_counts(tx, run_id, 0, 0, n)?;
                        Ok(Counts {
                            removed: n,
                            ..Counts::default()
                        })
                    })?;
                    self.batch_committed(phase, &cp, counts).await;
                    return Ok(());
                }
                tracing::info!("saved tracks: reconciling with a full walk");
            }
        }
        // Resumed after the last page was committed.
        Ok(())
    }

    /// Which saved tracks were un-saved, by bisection over Spotify's list. Both lists are newest
    /// first and Spotify's is ours minus the removed ones, so the drift `d(i)` (our position of
    /// Spotify's item `i`, minus `i`) never decreases and grows by one per removal: only ranges
    /// where it grows need reading. `None` when the lists do not line up (then walk them all).
    async fn find_unsaved(
        &mut self,
        total: u64,
        pages: &mut HashMap<u64, Vec<Option<String>>>,
        cp: &mut Checkpoint,
    ) -> Result<Option<Vec<String>>, Stop> {
        let ours = library::saved_in_order(&self.store.conn)?;
        let pos: HashMap<String, i64> = ours
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), i as i64))
            .collect();
        let total = total as i64;
        let r = ours.len() as i64 - total;
        if r <= 0 {
            return Ok(None);
        }
        let mut removed = Vec::new();
        let mut stack = vec![(-1i64, total)];
        while let Some((lo, hi)) = stack.pop() {
            let (Some(dlo), Some(dhi)) = (
                self.drift(lo, total, r, &pos, pages, cp).await?,
                self.drift(hi, total, r, &pos, pages, cp).await?,
            ) else {
                return Ok(None);
            };
            if dlo < 0 || dhi < dlo || dhi > r {
                return Ok(None);
            }
            if dlo == dhi {
                continue;
            }
            if hi - lo == 1 {
                let (from, to) = ((lo + dlo + 1) as usize, (hi + dhi) as usize);
                if from > to || to > ours.len() {
                    return Ok(None);
                }
                removed.extend(ours[from..to].iter().cloned());
                continue;
            }
            let mid = lo + (hi - lo) / 2;
            stack.push((mid, hi));
            stack.push((lo, mid));
        }
        Ok((removed.len() as i64 == r).then_some(removed))
    }

    /// `d(i)` for [`Self::find_unsaved`], reading (and storing) the page of `i` when needed.
    async fn drift(
        &mut self,
        i: i64,
        total: i64,
        r: i64,
        pos: &HashMap<String, i64>,
        pages: &mut HashMap<u64, Vec<Option<String>>>,
        cp: &mut Checkpoint,
    ) -> Result<Option<i64>, Stop> {
        if i < 0 {
            return Ok(Some(0));
        }
        if i >= total {
            return Ok(Some(r));
        }
        let page = i as u64 / u64::from(PAGE);
        if let std::collections::hash_map::Entry::Vacant(e) = pages.entry(page) {
            e.insert(self.read_saved_page(page * u64::from(PAGE), cp).await?);
        }
        let k = (i as u64 % u64::from(PAGE)) as usize;
        let id = pages.get(&page).and_then(|p| p.get(k)).cloned().flatten();
        Ok(id.and_then(|id| pos.get(&id).map(|p| p - i)))
    }

    /// Read one page of saved tracks at `offset` and store it (one transaction).
    async fn read_saved_page(
        &mut self,
        offset: u64,
        cp: &mut Checkpoint,
    ) -> Result<Vec<Option<String>>, Stop> {
        let phase = Phase::Tracks;
        let run_id = self.run_id().unwrap_or_default();
        let page: Page = self
            .request(
                Some(phase),
                Endpoint::SavedTracks {
                    offset,
                    limit: PAGE,
                },
            )
            .await
            .map_err(Self::req_to_stop)?;
        let items: Vec<Option<model::SavedTrack>> = page.parse_items();
        let now = Utc::now();
        let journal = self.journal();
        let mut counts = Counts::default();
        with_tx(&mut self.store.conn, |tx| {
            for s in items.iter().flatten() {
                let Some(t) = &s.track else { continue };
                if let Some((id, changed)) = library::upsert_track_changed(tx, t)? {
                    let saved =
                        library::upsert_saved(tx, &id, s.added_at.as_deref(), run_id, journal)?;
                    counts.record(saved.or_changed(changed));
                }
            }
            cp.items_processed += items.len() as u64;
            state::save_checkpoint(tx, phase, cp, PhaseStatus::InProgress, now)?;
            state::add_run_counts(tx, run_id, counts.added, counts.updated, 0)?;
            Ok(())
        })?;
        self.batch_committed(phase, cp, counts).await;
        Ok(items
            .iter()
            .map(|s| {
                s.as_ref()
                    .and_then(|s| s.track.as_ref())
                    .and_then(|t| t.id.clone())
            })
            .collect())
    }

    async fn phase_playlists(&mut self, mut cp: Checkpoint) -> Result<(), Stop> {
        let phase = Phase::Playlists;
        let run_id = self.run_id().unwrap_or_default();
        let journal = self.journal();
        // Step 1: the list.
        while cp.cursor.as_deref() != Some("items") {
            self.boundary(phase).await?;
            let page: Page = self
                .request(
                    Some(phase),
                    Endpoint::Playlists {
                        offset: cp.current_offset,
                        limit: PAGE,
                    },
                )
                .await
                .map_err(Self::req_to_stop)?;
            let items: Vec<Option<model::Playlist>> = page.parse_items();
            let me = self.me();
            let extended = self.extended();
            let now = Utc::now();
            let mut counts = Counts::default();
            with_tx(&mut self.store.conn, |tx| {
                for (i, p) in items.iter().enumerate() {
                    let Some(p) = p else { continue };
                    let access = library::items_access(p, me.as_deref(), extended);
                    let pos = cp.current_offset + i as u64;
                    counts.record(library::upsert_playlist(
                        tx, p, pos, access, run_id, journal,
                    )?);
                }
                let n = page.items.len() as u64;
                cp.current_offset += n;
                cp.items_processed += n;
                let list_done = n == 0
                    || page.total.is_some_and(|t| cp.current_offset >= t)
                    || (page.total.is_none() && page.next.is_none());
                if list_done {
                    counts.removed = library::mark_playlists_gone(tx, run_id, &ts(now), journal)?;
                    cp.cursor = Some("items".into());
                }
                cp.total_items = Some(cp.items_processed + library::pending_items_total(tx)?);
                state::save_checkpoint(tx, phase, &cp, PhaseStatus::InProgress, now)?;
                state::add_run_counts(tx, run_id, counts.added, counts.updated, counts.removed)?;
                Ok(())
            })?;
            self.batch_committed(phase, &cp, counts).await;
        }
        // Step 2: items of readable playlists whose snapshot changed.
        loop {
            self.boundary(phase).await?;
            let Some((pid, staged, total)) = library::next_pending_playlist(&self.store.conn)?
            else {
                break;
            };
            let now = Utc::now();
            if total == Some(0) || total.is_some_and(|t| staged >= t && staged > 0) {
                let counts = with_tx(&mut self.store.conn, |tx| {
                    let counts = library::finish_playlist_items(tx, &pid, &ts(now), journal)?;
                    state::save_checkpoint(tx, phase, &cp, PhaseStatus::InProgress, now)?;
                    state::add_run_counts(
                        tx,
                        run_id,
                        counts.added,
                        counts.updated,
                        counts.removed,
                    )?;
                    Ok(counts)
                })?;
                self.batch_committed(phase, &cp, counts).await;
                continue;
            }
            let res: Result<Page, ReqError> = self
                .request(
                    Some(phase),
                    Endpoint::PlaylistItems {
                        id: pid.clone(),
                        offset: staged,
                        limit: PAGE,
                    },
                )
                .await;
            let page = match res {
                Ok(p) => p,
                Err(ReqError::Api(ApiError::Forbidden(_))) => {
                    library::mark_playlist_unreadable(
                        &self.store.conn,
                        &pid,
                        ItemsAccess::Forbidden,
                    )?;
                    continue;
                }
                Err(ReqError::Api(ApiError::NotFound(_))) => {
                    library::mark_playlist_unreadable(
                        &self.store.conn,
                        &pid,
                        ItemsAccess::NotFound,
                    )?;
                    continue;
                }
                Err(e) => return Err(Self::req_to_stop(e)),
            };
            let entries: Vec<Option<model::PlaylistEntry>> = page.parse_items();
            let now = Utc::now();
            let counts = with_tx(&mut self.store.conn, |tx| {
                let n = library::stage_items(tx, &pid, staged, &entries)?;
                let staged_now = staged + n;
                let done = n == 0
                    || page.total.is_some_and(|t| staged_now >= t)
                    || (page.total.is_none() && page.next.is_none());
                let mut counts = Counts::default();
                if done {
                    counts = library::finish_playlist_items(tx, &pid, &ts(now), journal)?;
                }
                cp.items_processed += n;
                state::save_checkpoint(tx, phase, &cp, PhaseStatus::InProgress, now)?;
                state::add_run_counts(tx, run_id, counts.added, counts.updated, counts.removed)?;
                Ok(counts)
            })?;
            self.batch_committed(phase, &cp, counts).await;
        }
        cp.total_items = Some(cp.items_processed);
        state::save_checkpoint(
            &self.store.conn,
            phase,
            &cp,
            PhaseStatus::Success,
            Utc::now(),
        )?;
        Ok(())
    }

    async fn phase_enrich(&mut self, mut cp: Checkpoint, table: EnrichTable) -> Result<(), Stop> {
        let (phase, cap, batch) = match table {
            EnrichTable::Albums => (Phase::Albums, CAP_BATCH_ALBUMS, ALBUM_BATCH),
            EnrichTable::Artists => (Phase::Artists, CAP_BATCH_ARTISTS, ARTIST_BATCH),
        };
        let run_id = self.run_id().unwrap_or_default();
        cp.total_items =
            Some(cp.items_processed + library::count_unenriched(&self.store.conn, table)?);
        loop {
            self.boundary(phase).await?;
            let batch_ok = self.extended()
                && state::capability(&self.store.conn, cap)?.as_deref() != Some("unavailable");
            let ids =
                library::unenriched(&self.store.conn, table, if batch_ok { batch } else { 1 })?;
            if ids.is_empty() {
                break;
            }
            let now = Utc::now();
            let now_s = ts(now);
            if batch_ok {
                let endpoint = match table {
                    EnrichTable::Albums => Endpoint::Albums(ids.clone()),
                    EnrichTable::Artists => Endpoint::Artists(ids.clone()),
                };
                let res: Result<serde_json::Value, ReqError> =
                    self.request(Some(phase), endpoint).await;
                let body = match res {
                    Ok(b) => b,
                    Err(ReqError::Api(
                        ApiError::Forbidden(_) | ApiError::NotFound(_) | ApiError::Other(_),
                    )) => {
                        // Removed batch endpoint: switch to single GETs, and remember.
                        state::set_capability(&self.store.conn, cap, "unavailable", now)?;
                        continue;
                    }
                    Err(e) => return Err(Self::req_to_stop(e)),
                };
                let key = match table {
                    EnrichTable::Albums => "albums",
                    EnrichTable::Artists => "artists",
                };
                let list: Vec<serde_json::Value> = body
                    .get(key)
                    .and_then(|v| v.as_array())
                    .cloned()
                    .unwrap_or_default();
                let counts = with_tx(&mut self.store.conn, |tx| {
                    state::set_capability(tx, cap, "available", now)?;
                    let mut seen = std::collections::HashSet::new();
                    let mut counts = Counts::default();
                    for v in list.into_iter().filter(|v| !v.is_null()) {
                        let ok = match table {
                            EnrichTable::Albums => {
                                serde_json::from_value::<model::Album>(v).ok().map(|a| {
                                    let id = a.id.clone();
                                    library::upsert_album_full(tx, &a, &now_s).map(|_| id)
                                })
                            }
                            EnrichTable::Artists => {
                                serde_json::from_value::<model::Artist>(v).ok().map(|a| {
                                    let id = a.id.clone();
                                    library::upsert_artist_full(tx, &a, &now_s).map(|_| id)
                                })
                            }
                        };
                        // Only never-enriched rows are asked for: storing their details
                        // fills fields, so each one is an update.
                        if let Some(r) = ok
                            && let Some(id) = r?
                        {
                            seen.insert(id);
                            counts.updated += 1;
                        }
                    }
                    for id in &ids {
                        if !seen.contains(id) {
                            library::mark_unenrichable(tx, table, id, "not_found", &now_s)?;
                        }
                    }
                    cp.items_processed += ids.len() as u64;
                    state::save_checkpoint(tx, phase, &cp, PhaseStatus::InProgress, now)?;
                    state::add_run_counts(tx, run_id, 0, counts.updated, 0)?;
                    Ok(counts)
                })?;
                self.batch_committed(phase, &cp, counts).await;
            } else {
                let id = ids[0].clone();
                let endpoint = match table {
                    EnrichTable::Albums => Endpoint::Album(id.clone()),
                    EnrichTable::Artists => Endpoint::Artist(id.clone()),
                };
                let res: Result<serde_json::Value, ReqError> =
                    self.request(Some(phase), endpoint).await;
                let res = match res {
                    Ok(v) => Ok(v),
                    Err(ReqError::Api(e @ (ApiError::NotFound(_) | ApiError::Forbidden(_)))) => {
                        Err(e)
                    }
                    Err(e) => return Err(Self::req_to_stop(e)),
                };
                let (counts, detected) = with_tx(&mut self.store.conn, |tx| {
                    let mut counts = Counts::default();
                    let mut detected: Option<bool> = None;
                    match res {
                        Ok(v) => {
                            let stored = match table {
                                EnrichTable::Albums => {
                                    detected = Some(
                                        v.get("popularity").is_some_and(|p| !p.is_null())
                                            || v.get("label").is_some_and(|p| !p.is_null()),
                                    );
                                    let a: Option<model::Album> = serde_json::from_value(v).ok();
                                    match a {
                                        Some(mut a) => {
                                            a.id = Some(id.clone());
                                            library::upsert_album_full(tx, &a, &now_s)?
                                        }
                                        None => false,
                                    }
                                }
                                EnrichTable::Artists => {
                                    detected = Some(
                                        v.get("popularity").is_some_and(|p| !p.is_null())
                                            || v.get("followers").is_some_and(|p| !p.is_null()),
                                    );
                                    let a: Option<model::Artist> = serde_json::from_value(v).ok();
                                    match a {
                                        Some(mut a) => {
                                            a.id = Some(id.clone());
                                            library::upsert_artist_full(tx, &a, &now_s)?
                                        }
                                        None => false,
                                    }
                                }
                            };
                            if stored {
                                // A never-enriched row gained its details: an update.
                                counts.updated += 1;
                            } else {
                                library::mark_unenrichable(tx, table, &id, "unreadable", &now_s)?;
                            }
                        }
                        Err(ApiError::Forbidden(_)) => {
                            library::mark_unenrichable(tx, table, &id, "forbidden", &now_s)?;
                        }
                        Err(_) => {
                            library::mark_unenrichable(tx, table, &id, "not_found", &now_s)?;
                        }
                    }
                    cp.items_processed += 1;
                    state::save_checkpoint(tx, phase, &cp, PhaseStatus::InProgress, now)?;
                    state::add_run_counts(tx, run_id, 0, counts.updated, 0)?;
                    Ok((counts, detected))
                })?;
                if detected == Some(true) && !self.extended() {
                    self.detect_extended(true)?;
                }
                self.batch_committed(phase, &cp, counts).await;
            }
        }
        cp.total_items = Some(cp.items_processed);
        state::save_checkpoint(
            &self.store.conn,
            phase,
            &cp,
            PhaseStatus::Success,
            Utc::now(),
        )?;
        Ok(())
    }

    async fn phase_plays(&mut self, mut cp: Checkpoint) -> Result<(), Stop> {
        let phase = Phase::Plays;
        let run_id = self.run_id().unwrap_or_default();
        self.boundary(phase).await?;
        let last: Option<String> = plays::poll_cursor(&self.store.conn)?;
        let after_ms = last
            .as_deref()
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.timestamp_millis());
        let page: model::CursorPage = self
            .request(
                Some(phase),
                Endpoint::RecentlyPlayed {
                    after_ms,
                    limit: PAGE,
                },
            )
            .await
            .map_err(Self::req_to_stop)?;
        let plays: Vec<model::Play> = page
            .items
            .iter()
            .filter_map(|v| serde_json::from_value(v.clone()).ok())
            .collect();
        let now = Utc::now();
        let counts = with_tx(&mut self.store.conn, |tx| {
            let mut counts = Counts::default();
            let mut known = 0u64;
            let mut oldest: Option<String> = None;
            for p in &plays {
                let Some(played_at) = p.played_at.as_deref() else {
                    continue;
                };
                let track_id = match &p.track {
                    Some(t) => library::upsert_track(tx, t)?,
                    None => None,
                };
                let play = plays::ApiPlay::from_model(played_at, p, track_id.as_deref(), run_id);
                if plays::insert_api_play(tx, &play)? == plays::Outcome::Added {
                    counts.added += 1;
                } else {
                    known += 1;
                }
                if oldest.as_deref().is_none_or(|o| played_at < o) {
                    oldest = Some(played_at.to_string());
                }
            }
            // A full page of plays none of which we knew: some plays before it may be lost.
            if last.is_some()
                && plays.len() as u32 >= PAGE
                && known == 0
                && let Some(before) = &oldest
            {
                tx.execute(
                    "INSERT INTO play_gaps (after, before, detected_at) VALUES (?1, ?2, ?3)",
                    rusqlite::params![last, before, ts(now)],
                )?;
            }
            cp.items_processed += counts.added;
            cp.total_items = Some(cp.items_processed);
            state::save_checkpoint(tx, phase, &cp, PhaseStatus::Success, now)?;
            state::add_run_counts(tx, run_id, counts.added, 0, 0)?;
            Ok(counts)
        })?;
        self.batch_committed(phase, &cp, counts).await;
        Ok(())
    }
}

pub(crate) fn describe_stop(s: &Stop) -> String {
    match s {
        Stop::Cancelled => "cancelled".into(),
        Stop::Interrupted => "interrupted".into(),
        Stop::Blocked { until, reason } => {
            format!("waiting for {} until {}", reason.describe(), ts(*until))
        }
        Stop::Auth(m) | Stop::PhaseFailed(m) | Stop::Fatal(m) => m.clone(),
    }
}

/// Run `f` in one transaction (committed when `f` succeeds, rolled back otherwise). Keeps the
/// non-`Send` transaction out of the async state machine.
fn with_tx<R>(
    conn: &mut rusqlite::Connection,
    f: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<R>,
) -> rusqlite::Result<R> {
    let tx = conn.transaction()?;
    let r = f(&tx)?;
    tx.commit()?;
    Ok(r)
}
