//! One run, start to end: plan (resume the unfinished run or create one) → execute the phases
//! in order → fold what they came to into the run's outcome ([`outcome::fold`], pure) → close
//! the run. Also the engine's idle loop between runs.

use chrono::Utc;

use super::engine::{Engine, ReqError, RunCtx};
use super::events::*;
use super::outcome::{self, Outcome, Step, Stop};
use crate::domain::{Capability, CapabilityValue, RequestClass, RunId};
use crate::plan::Closing;

/// The plan of a run: its id and kind, the phases to execute, and whether it is a resumption.
struct Plan {
    id: RunId,
    kind: RunKind,
    phases: Vec<Phase>,
    resumed: bool,
}

impl Engine {
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
                Some(SyncCommand::Probe { only }) => self.probe(only).await,
                Some(
                    SyncCommand::Pause
                    | SyncCommand::Resume
                    | SyncCommand::Cancel
                    | SyncCommand::PollPlays,
                ) => {}
            }
        }
    }

    /// The phases of a new run: those named with `--only` (all of them: naming an enrichment
    /// phase runs it even when `[sync] enrich` leaves it out), else `[sync] phases` without the
    /// enrichment phases `[sync] enrich` leaves out.
    /// Plan: resume the unfinished run, or create a new one ([`crate::plan::next_run`] decides;
    /// this carries it out in one transaction).
    async fn plan(&mut self, mode: StartMode, only: &[Phase]) -> Result<Plan, Stop> {
        let (config, only) = (self.config.clone(), only.to_vec());
        let now = Utc::now();
        self.db(move |s| {
            s.transaction(|tx| {
                let unfinished = tx.unfinished()?;
                let full_mirror = tx.last_success(RunKind::Full)?.is_some();
                let next = crate::plan::next_run(
                    &config,
                    mode,
                    &only,
                    unfinished.as_ref(),
                    full_mirror,
                    now,
                );
                if let Some((id, closing)) = next.closes
                    && let Some(id) = RunId::new(id)
                {
                    match closing {
                        Closing::Superseded => tx.close_superseded(id, closing.note())?,
                        Closing::CancelledByFull => {
                            tx.set_run_status(id, RunStatus::Cancelled, Some(closing.note()), now)?
                        }
                    }
                }
                if let Some(id) = next.resumes.and_then(RunId::new) {
                    tx.set_run_status(id, RunStatus::Running, None, now)?;
                    return Ok(Plan {
                        id,
                        kind: next.kind,
                        phases: next.phases,
                        resumed: true,
                    });
                }
                let id = tx.create_run(next.kind, &next.phases, now)?;
                Ok(Plan {
                    id,
                    kind: next.kind,
                    phases: next.phases,
                    resumed: false,
                })
            })
        })
        .await
    }

    /// One run: plan → execute the phases → fold their results into the run's outcome.
    async fn run(&mut self, mode: StartMode, only: Vec<Phase>) {
        self.pause_requested = false;
        self.poll_requested = false;
        // A hold whose time has passed (or was lifted) is forgotten; a live one is kept.
        let now = Utc::now();
        let hold = self
            .db(move |s| {
                let hold = s.sql().load_block(now)?;
                if hold.is_none() {
                    s.sql().clear_block(now)?;
                }
                Ok(hold)
            })
            .await;
        match hold {
            Ok(Some((until, reason))) => self.gate.set_hold(until, reason),
            Ok(None) => self.gate.clear_hold(),
            Err(e) => tracing::warn!("cannot read the persisted hold: {}", e.describe()),
        }
        if let Err(e) = self.load_quota().await {
            tracing::warn!("cannot read the daily quota's state: {}", e.describe());
        }
        let plan = match self.plan(mode, &only).await {
            Ok(p) => p,
            Err(e) => {
                tracing::error!("cannot start a sync run: {}", e.describe());
                self.emit(SyncEvent::Error {
                    kind: ErrorKind::Other,
                    message: e.describe(),
                })
                .await;
                return;
            }
        };
        let run_id = plan.id;
        let context = self
            .db(move |s| {
                let q = s.sql();
                let extended = q
                    .capability(Capability::ExtendedQuota)?
                    .map(|v| v == CapabilityValue::True);
                let me = q.account("user_id")?;
                let journal = q
                    .last_success(RunKind::Full)?
                    .is_some_and(|r| r.id != run_id.get());
                Ok((extended, me, journal))
            })
            .await;
        let (extended, me, journal) = match context {
            Ok(c) => c,
            Err(e) => {
                self.finish(
                    run_id,
                    outcome::fold(&[Step {
                        phase: None,
                        result: Err(e),
                    }]),
                )
                .await;
                return;
            }
        };
        self.run = Some(RunCtx {
            id: run_id,
            kind: plan.kind,
            journal,
            extended,
            me,
        });
        tracing::info!(
            "sync run {run_id} {} ({}; phases: {})",
            if plan.resumed { "resumed" } else { "started" },
            plan.kind,
            plan.phases
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        self.emit(SyncEvent::RunStarted {
            run_id: run_id.get(),
            kind: plan.kind,
            phases: plan.phases.clone(),
            resumed: plan.resumed,
        })
        .await;
        self.emit_usage().await;
        let steps = self.execute(&plan).await;
        let outcome = outcome::fold(&steps);
        self.finish(run_id, outcome).await;
    }

    /// Execute the plan: the account check when needed, then each phase not yet done, until
    /// one stops the run. Returns what each step came to.
    async fn execute(&mut self, plan: &Plan) -> Vec<Step> {
        let mut steps = Vec::new();
        // The highest class held by the reserve so far: phases of that class and below wait
        // for the next run; those above (the plays poll) still go.
        let mut deferred: Option<RequestClass> = None;
        // Who is the user? Needed to know which playlists are owned; also checks the token
        // early. A full run asks once (the account may have changed); others reuse the
        // stored id.
        let known = self.me().is_some();
        let needs_me = plan.phases.contains(&Phase::Playlists)
            && (!known || (plan.kind == RunKind::Full && !plan.resumed));
        if needs_me {
            let result = self.fetch_me().await;
            let stopped =
                matches!(&result, Err(s) if !matches!(s, Stop::PhaseFailed(_) | Stop::Skipped(_)));
            steps.push(Step {
                phase: None,
                result,
            });
            if stopped {
                return steps;
            }
        }
        for &phase in &plan.phases {
            let run_id = plan.id;
            let done = self
                .db(move |s| s.sql().phase(phase))
                .await
                .map(|row| row.is_some_and(|r| r.done_in(run_id.get())));
            match done {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => {
                    steps.push(Step {
                        phase: Some(phase),
                        result: Err(e),
                    });
                    break;
                }
            }
            if phase == Phase::Playlists
                && self.me().is_none()
                && steps.iter().any(|s| s.result.is_err())
            {
                // Without the user id we cannot tell owned playlists from followed ones.
                continue;
            }
            let class = RequestClass::of(phase, plan.kind);
            if deferred.is_some_and(|d| class >= d) {
                continue;
            }
            let result = self.run_phase(phase).await;
            let reserve = matches!(
                &result,
                Err(Stop::Blocked {
                    reason: LimitReason::Reserve,
                    ..
                })
            );
            let stopped = self.end_phase(phase, &result).await;
            steps.push(Step {
                phase: Some(phase),
                result,
            });
            if reserve {
                deferred = Some(deferred.map_or(class, |d| d.min(class)));
                continue;
            }
            if stopped {
                break;
            }
        }
        steps
    }

    /// Record how a phase ended; `true` when it stops the run.
    async fn end_phase(&mut self, phase: Phase, result: &Result<(), Stop>) -> bool {
        let (status, error, stops) = match result {
            Ok(()) => (PhaseStatus::Success, None, false),
            Err(Stop::PhaseFailed(e)) => (PhaseStatus::Failed, Some(e.clone()), false),
            Err(Stop::Skipped(e)) => (PhaseStatus::Skipped, Some(e.clone()), false),
            Err(s) => (s.phase_status(), s.phase_error(), true),
        };
        let now = Utc::now();
        let err = error.clone();
        if let Err(e) = self
            .db(move |s| s.sql().set_phase_status(phase, status, err.as_deref(), now))
            .await
        {
            tracing::error!(
                "cannot record that phase {phase} ended ({status}): {}",
                e.describe()
            );
        }
        self.log_phase_end(phase, status, error.as_deref()).await;
        if status.is_terminal() {
            self.emit(SyncEvent::PhaseFinished {
                phase,
                status,
                error,
            })
            .await;
        }
        stops
    }

    /// Close the run with its outcome: its status, an error event, a summary.
    async fn finish(&mut self, run_id: RunId, outcome: Outcome) {
        let Outcome {
            status,
            error,
            event,
            cancel_phases,
        } = outcome;
        let now = Utc::now();
        let err = error.clone();
        let closed = self
            .db(move |s| {
                s.transaction(|tx| {
                    if cancel_phases {
                        tx.cancel_unfinished_phases(run_id, now)?;
                    }
                    tx.set_run_status(run_id, status, err.as_deref(), now)
                })
            })
            .await;
        if let Err(e) = closed {
            // The run stays `running` in the database: the next start resumes it.
            tracing::error!(
                "cannot record that sync run {run_id} ended ({status}): {}",
                e.describe()
            );
            self.emit(SyncEvent::Error {
                kind: ErrorKind::Other,
                message: format!("cannot record the end of run {run_id}: {}", e.describe()),
            })
            .await;
        }
        if let Some((kind, message)) = event {
            self.emit(SyncEvent::Error { kind, message }).await;
        }
        self.emit_usage().await;
        let now = Utc::now();
        let record = self
            .db(move |s| {
                let run = s.sql().run(run_id)?;
                s.sql().prune_usage(now)?;
                Ok(run)
            })
            .await;
        match record {
            Ok(Some(run)) => {
                let summary = format!(
                    "sync run {} finished: {}; {} added, {} updated, {} removed; {} requests, \
                     {} rate-limited, {} s waited",
                    run.id,
                    run.status,
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
            Ok(None) => tracing::error!("sync run {run_id} is missing from the database"),
            Err(e) => tracing::error!("cannot read sync run {run_id}: {}", e.describe()),
        }
        self.run = None;
    }

    /// One log line for the end of a phase (or its stop), with what it changed in this run.
    async fn log_phase_end(&self, phase: Phase, status: PhaseStatus, error: Option<&str>) {
        let c = self.phase_counts;
        let done = match self.db(move |s| s.sql().phase(phase)).await {
            Ok(Some(r)) => {
                let total = r
                    .checkpoint
                    .total_items
                    .map(|t| format!(" of {t}"))
                    .unwrap_or_default();
                format!("{}{total} done; ", r.checkpoint.items_processed)
            }
            _ => String::new(),
        };
        let line = format!(
            "phase {phase} {status}: {done}{} added, {} updated, {} removed",
            c.added, c.updated, c.removed
        );
        match error {
            Some(e) => tracing::warn!("{line}; {e}"),
            None => tracing::info!("{line}"),
        }
    }

    /// `GET /me`: store the account and remember the user id for this run.
    async fn fetch_me(&mut self) -> Result<(), Stop> {
        let me: crate::spotify::model::Me =
            match self.request(None, crate::spotify::Endpoint::Me).await {
                Ok(m) => m,
                Err(ReqError::Stop(s)) => return Err(s),
                Err(ReqError::Api(e)) => return Err(Stop::PhaseFailed(format!("GET /me: {e}"))),
            };
        let now = Utc::now();
        let (id, name) = (me.id.clone(), me.display_name.clone());
        self.db(move |s| {
            s.transaction(|tx| {
                tx.set_account("user_id", id.as_deref(), now)?;
                tx.set_account("display_name", name.as_deref(), now)
            })
        })
        .await?;
        if let Some(run) = self.run.as_mut() {
            run.me = me.id.or(run.me.take());
        }
        Ok(())
    }
}
