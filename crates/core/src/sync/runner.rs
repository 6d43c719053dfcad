//! One run, start to end: open it (resume the unfinished run or create one, as
//! [`crate::plan::next_run`] decides) → execute the phases in order → fold what they came to
//! into the run's outcome ([`outcome::fold`], pure) → close the run.

use chrono::Utc;

use super::events::*;
use super::link::{Db, Link, ReqError};
use super::outcome::{self, RunOutcome, Step, Stop};
use super::phases::{self, RunFacts};
use crate::domain::{
    Capability, CapabilityValue, DISPLAY_NAME_KEY, RequestClass, RunId, StartMode, USER_ID_KEY,
};
use crate::plan::Closing;
use crate::settings::SyncConfig;
use crate::store::library::Counts;

/// The run opened: its id and kind, the phases to execute, and whether it resumes one.
struct OpenedRun {
    id: RunId,
    kind: RunKind,
    phases: Vec<Phase>,
    resumed: bool,
}

/// One run of `mode` (and `only`): open → execute → fold → close.
pub(super) async fn run(
    mut link: Link<'_>,
    config: &SyncConfig,
    mode: StartMode,
    only: Vec<Phase>,
) {
    link.start_run();
    link.reload_limits().await;
    let opened = match open_run(link.db(), config, mode, &only).await {
        Ok(o) => o,
        Err(e) => {
            tracing::error!("cannot start a sync run: {}", e.describe());
            link.emit(SyncEvent::Error {
                kind: ErrorKind::Other,
                message: e.describe(),
            })
            .await;
            return;
        }
    };
    let mut link = link.in_run(opened.id, opened.kind);
    let mut facts = match run_facts(link.db(), &opened).await {
        Ok(f) => f,
        Err(e) => {
            let steps = [Step {
                phase: None,
                result: Err(e),
            }];
            finish(&mut link, opened.id, outcome::fold(&steps)).await;
            return;
        }
    };
    announce(&mut link, &opened).await;
    let steps = execute(&mut link, &mut facts, &opened).await;
    finish(&mut link, opened.id, outcome::fold(&steps)).await;
}

/// Resume the unfinished run, or create a new one ([`crate::plan::next_run`] decides; this
/// carries it out in one transaction). The phases of a new run are those named with `--only`
/// (all of them: naming an enrichment phase runs it even when `[sync] enrich` leaves it out),
/// else `[sync] phases` without the enrichment phases `[sync] enrich` leaves out.
async fn open_run(
    db: &Db,
    config: &SyncConfig,
    mode: StartMode,
    only: &[Phase],
) -> Result<OpenedRun, Stop> {
    let (config, only) = (config.clone(), only.to_vec());
    let now = Utc::now();
    db.write(move |tx| {
        let unfinished = tx.unfinished()?;
        let full_mirror = tx.last_success(RunKind::Full)?.is_some();
        let next =
            crate::plan::next_run(&config, mode, &only, unfinished.as_ref(), full_mirror, now);
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
        let (id, resumed) = match next.resumes.and_then(RunId::new) {
            Some(id) => {
                tx.set_run_status(id, RunStatus::Running, None, now)?;
                (id, true)
            }
            None => (tx.create_run(next.kind, &next.phases, now)?, false),
        };
        Ok(OpenedRun {
            id,
            kind: next.kind,
            phases: next.phases,
            resumed,
        })
    })
    .await
}

/// What the phases need to know of the run, as the database knows it at its start.
async fn run_facts(db: &Db, opened: &OpenedRun) -> Result<RunFacts, Stop> {
    let (id, kind) = (opened.id, opened.kind);
    db.read(move |q| {
        let extended = q
            .capability(Capability::ExtendedQuota)?
            .map(|v| v == CapabilityValue::True);
        Ok(RunFacts {
            id,
            kind,
            // Changes are journaled once a complete mirror exists from an earlier run.
            journal: q
                .last_success(RunKind::Full)?
                .is_some_and(|r| r.id != id.get()),
            extended,
            me: q.account(USER_ID_KEY)?,
        })
    })
    .await
}

/// Log and tell the front end the run started (or resumed), with the day's usage.
async fn announce(link: &mut Link<'_>, opened: &OpenedRun) {
    tracing::info!(
        "sync run {} {} ({}; phases: {})",
        opened.id,
        if opened.resumed { "resumed" } else { "started" },
        opened.kind,
        opened
            .phases
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    link.emit(SyncEvent::RunStarted {
        run_id: opened.id.get(),
        kind: opened.kind,
        phases: opened.phases.clone(),
        resumed: opened.resumed,
    })
    .await;
    link.emit_usage().await;
}

/// Execute the run: the account check when needed, then each phase not yet done, until one
/// stops the run. Returns what each step came to.
async fn execute(link: &mut Link<'_>, facts: &mut RunFacts, run: &OpenedRun) -> Vec<Step> {
    let mut steps = Vec::new();
    // The highest class held by the reserve so far: phases of that class and below wait for
    // the next run; those above (the plays poll) still go.
    let mut deferred: Option<RequestClass> = None;
    // Who is the user? Needed to know which playlists are owned; also checks the token early.
    // A full run asks once (the account may have changed); others reuse the stored id.
    let needs_me = run.phases.contains(&Phase::Playlists)
        && (facts.me.is_none() || (run.kind == RunKind::Full && !run.resumed));
    if needs_me {
        let result = fetch_me(link, facts).await;
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
    for &phase in &run.phases {
        match done_in_run(link.db(), phase, run.id).await {
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
            && facts.me.is_none()
            && steps.iter().any(|s| s.result.is_err())
        {
            // Without the user id we cannot tell owned playlists from followed ones.
            continue;
        }
        let class = RequestClass::of(phase, run.kind);
        if deferred.is_some_and(|d| class >= d) {
            continue;
        }
        let (result, counts) = phases::run(link.reborrow(), facts, phase).await;
        let reserve = matches!(
            &result,
            Err(Stop::Blocked {
                reason: LimitReason::Reserve,
                ..
            })
        );
        let stopped = end_phase(link, phase, &result, counts).await;
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

/// Whether `phase` is done in the run `id` (a resumed run skips it).
async fn done_in_run(db: &Db, phase: Phase, id: RunId) -> Result<bool, Stop> {
    db.read(move |q| Ok(q.phase(phase)?.is_some_and(|r| r.done_in(id.get()))))
        .await
}

/// Record how a phase ended (`counts`: what it changed in this run); `true` when it stops the
/// run.
async fn end_phase(
    link: &mut Link<'_>,
    phase: Phase,
    result: &Result<(), Stop>,
    counts: Counts,
) -> bool {
    let (status, error, stops) = match result {
        Ok(()) => (PhaseStatus::Success, None, false),
        Err(Stop::PhaseFailed(e)) => (PhaseStatus::Failed, Some(e.clone()), false),
        Err(Stop::Skipped(e)) => (PhaseStatus::Skipped, Some(e.clone()), false),
        Err(s) => (s.phase_status(), s.phase_error(), true),
    };
    let now = Utc::now();
    let err = error.clone();
    let recorded = link
        .db()
        .write(move |tx| tx.set_phase_status(phase, status, err.as_deref(), now))
        .await;
    if let Err(e) = recorded {
        tracing::error!(
            "cannot record that phase {phase} ended ({status}): {}",
            e.describe()
        );
    }
    log_phase_end(link.db(), phase, status, error.as_deref(), counts).await;
    if status.is_terminal() {
        link.emit(SyncEvent::PhaseFinished {
            phase,
            status,
            error,
        })
        .await;
    }
    stops
}

/// One log line for the end of a phase (or its stop), with what it changed in this run.
async fn log_phase_end(db: &Db, phase: Phase, status: PhaseStatus, error: Option<&str>, c: Counts) {
    let done = match db.read(move |q| q.phase(phase)).await {
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

/// Close the run with its outcome: its status, an error event, a summary.
async fn finish(link: &mut Link<'_>, run_id: RunId, outcome: RunOutcome) {
    let RunOutcome {
        status,
        error,
        event,
        cancel_phases,
    } = outcome;
    let now = Utc::now();
    let err = error.clone();
    let closed = link
        .db()
        .write(move |tx| {
            if cancel_phases {
                tx.cancel_unfinished_phases(run_id, now)?;
            }
            tx.set_run_status(run_id, status, err.as_deref(), now)
        })
        .await;
    if let Err(e) = closed {
        // The run stays `running` in the database: the next start resumes it.
        tracing::error!(
            "cannot record that sync run {run_id} ended ({status}): {}",
            e.describe()
        );
        link.emit(SyncEvent::Error {
            kind: ErrorKind::Other,
            message: format!("cannot record the end of run {run_id}: {}", e.describe()),
        })
        .await;
    }
    if let Some((kind, message)) = event {
        link.emit(SyncEvent::Error { kind, message }).await;
    }
    link.emit_usage().await;
    let now = Utc::now();
    let record = link
        .db()
        .write(move |tx| {
            tx.prune_usage(now)?;
            tx.run(run_id)
        })
        .await;
    match record {
        Ok(Some(run)) => {
            log_summary(&run);
            link.emit(SyncEvent::RunFinished { run }).await;
        }
        Ok(None) => tracing::error!("sync run {run_id} is missing from the database"),
        Err(e) => tracing::error!("cannot read sync run {run_id}: {}", e.describe()),
    }
}

/// One log line for the end of a run.
fn log_summary(run: &RunRecord) {
    let summary = format!(
        "sync run {} finished: {}; {} added, {} updated, {} removed; {} requests, {} \
         rate-limited, {} s waited",
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
        Some(e) if run.status != RunStatus::Success => tracing::warn!("{summary}; {e}"),
        _ => tracing::info!("{summary}"),
    }
}

/// `GET /me`: store the account and remember the user id for this run.
async fn fetch_me(link: &mut Link<'_>, facts: &mut RunFacts) -> Result<(), Stop> {
    let me: crate::spotify::model::Me = match link.request(None, crate::spotify::Endpoint::Me).await
    {
        Ok(m) => m,
        Err(ReqError::Stop(s)) => return Err(s),
        Err(ReqError::Api(e)) => return Err(Stop::PhaseFailed(format!("GET /me: {e}"))),
    };
    let now = Utc::now();
    let (id, name) = (me.id.clone(), me.display_name.clone());
    link.db()
        .write(move |tx| {
            tx.set_account(USER_ID_KEY, id.as_deref(), now)?;
            tx.set_account(DISPLAY_NAME_KEY, name.as_deref(), now)
        })
        .await?;
    facts.me = me.id.or(facts.me.take());
    Ok(())
}
