//! Wording for people: one line per engine event, a run's summary, times and progress; and
//! the exit code a finished run gives.

use chrono::{DateTime, Local, Utc};
use spotsync_core::sync::{LimitReason, Phase, PhaseStatus, RunRecord, RunStatus, SyncEvent};

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

pub(crate) fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

pub(crate) fn human_wait(d: chrono::Duration) -> String {
    let s = d.num_seconds().max(0);
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

pub(crate) fn progress(done: u64, total: Option<u64>) -> String {
    match total {
        Some(t) => format!("{done}/{t}"),
        None => format!("{done}"),
    }
}

/// One line for people on stderr (None: nothing worth a line).
pub(crate) fn describe_event(ev: &SyncEvent) -> Option<String> {
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
        } => describe_hold(*until, *reason, *phase),
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
        SyncEvent::Probed { probe } => format!(
            "probe: {} for the lists' totals{}",
            spotsync_core::plan::requests(probe.requests),
            probe
                .error
                .as_ref()
                .map(|e| format!(" (stopped early: {e})"))
                .unwrap_or_default()
        ),
    })
}

/// A hold in words: the reserve (bulk work waits, the plays poll goes on) or a limit.
fn describe_hold(until: DateTime<Utc>, reason: LimitReason, phase: Option<Phase>) -> String {
    let phase = phase.map(|p| format!("{p}: ")).unwrap_or_default();
    let (at, wait) = (local(until), human_wait(until - Utc::now()));
    match reason {
        LimitReason::Reserve => format!(
            "{phase}bulk work stops at the reserve kept for the plays poll and incremental \
             syncs; it resumes from {at} (in {wait}) as the rolling day frees requests; the \
             plays poll goes on"
        ),
        reason => format!(
            "{phase}on hold by {}: no requests until {at} (in {wait})",
            reason.describe()
        ),
    }
}

pub(crate) fn describe_run_end(run: &RunRecord) -> String {
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
