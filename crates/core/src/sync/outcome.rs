//! How a run ends: why a phase or run stopped early ([`Stop`]), what each step of a run came to
//! ([`Step`]), and the pure fold of those steps into the run's final state ([`fold`]).

use chrono::{DateTime, Utc};

use crate::domain::{LimitReason, Phase, PhaseStatus, RunStatus};
use crate::store::ts;
use crate::sync::events::ErrorKind;

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
    /// This phase failed after a definitive answer; later phases may still run.
    PhaseFailed(String),
    /// The token lacks a scope this phase needs: the phase is `skipped` (the message names the
    /// scope); the run goes on and may still succeed.
    Skipped(String),
    /// Spotify could not be reached (no connection, or closed before any answer) through
    /// every retry: the run ends, resumable from its checkpoints; later phases would only fail
    /// the same way. (A 5xx that outlasts the retries is a [`Stop::PhaseFailed`].)
    Unreachable(String),
    /// The database failed: the run cannot go on.
    Fatal(String),
}

impl From<rusqlite::Error> for Stop {
    fn from(e: rusqlite::Error) -> Self {
        Stop::Fatal(format!("database error: {e}"))
    }
}

impl Stop {
    /// Words for people.
    pub(crate) fn describe(&self) -> String {
        match self {
            Stop::Cancelled => "cancelled".into(),
            Stop::Interrupted => "interrupted".into(),
            Stop::Blocked {
                until,
                reason: LimitReason::Reserve,
            } => format!(
                "bulk work held by the reserve kept for the plays poll and incremental syncs \
                 until {} (requests free up one by one before; the plays poll goes on)",
                ts(*until)
            ),
            Stop::Blocked { until, reason } => {
                format!("waiting for {} until {}", reason.describe(), ts(*until))
            }
            Stop::Auth(m)
            | Stop::PhaseFailed(m)
            | Stop::Skipped(m)
            | Stop::Unreachable(m)
            | Stop::Fatal(m) => m.clone(),
        }
    }

    /// The status a phase is left in when this stops it (`PhaseFailed` is handled apart).
    pub(crate) fn phase_status(&self) -> PhaseStatus {
        match self {
            Stop::Cancelled => PhaseStatus::Cancelled,
            Stop::Interrupted => PhaseStatus::Paused,
            Stop::Blocked { .. } => PhaseStatus::RateLimited,
            Stop::Skipped(_) => PhaseStatus::Skipped,
            Stop::Auth(_) | Stop::PhaseFailed(_) | Stop::Unreachable(_) | Stop::Fatal(_) => {
                PhaseStatus::Failed
            }
        }
    }

    /// The error a phase row keeps when this stops it.
    pub(crate) fn phase_error(&self) -> Option<String> {
        match self {
            Stop::Auth(m)
            | Stop::Unreachable(m)
            | Stop::Fatal(m)
            | Stop::PhaseFailed(m)
            | Stop::Skipped(m) => Some(m.clone()),
            Stop::Cancelled | Stop::Interrupted | Stop::Blocked { .. } => None,
        }
    }
}

/// What one step of a run came to. `phase` is `None` for the account check (`GET /me`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Step {
    pub phase: Option<Phase>,
    pub result: Result<(), Stop>,
}

/// How a run ends.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RunOutcome {
    pub status: RunStatus,
    pub error: Option<String>,
    /// An error event for the front end (authorization, database, unreachable API).
    pub event: Option<(ErrorKind, String)>,
    /// Close the run's unfinished phases as cancelled.
    pub cancel_phases: bool,
}

/// Fold the steps of a run, in order, into its outcome. The first step that stopped the run
/// decides; otherwise the first failed phase makes the run `failed` (resumable); otherwise it
/// succeeded (a skipped phase does not fail it).
pub(crate) fn fold(steps: &[Step]) -> RunOutcome {
    let stop = steps.iter().find_map(|s| match &s.result {
        Err(e) if !matches!(e, Stop::PhaseFailed(_) | Stop::Skipped(_)) => Some(e),
        _ => None,
    });
    let failed = steps.iter().find_map(|s| match (&s.result, s.phase) {
        (Err(Stop::PhaseFailed(e)), Some(p)) => Some(format!("{p}: {e}")),
        (Err(Stop::PhaseFailed(e)), None) => Some(e.clone()),
        _ => None,
    });
    let (status, error) = match stop {
        None => match failed {
            None => (RunStatus::Success, None),
            Some(e) => (RunStatus::Failed, Some(e)),
        },
        Some(Stop::Cancelled) => (RunStatus::Cancelled, None),
        Some(Stop::Interrupted) => (RunStatus::Paused, None),
        Some(s @ Stop::Blocked { .. }) => (RunStatus::RateLimited, Some(s.describe())),
        Some(s) => (RunStatus::Failed, Some(s.describe())),
    };
    let event = match stop {
        Some(Stop::Auth(m)) => Some((ErrorKind::Auth, m.clone())),
        Some(Stop::Fatal(m) | Stop::Unreachable(m)) => Some((ErrorKind::Other, m.clone())),
        _ => None,
    };
    RunOutcome {
        status,
        error,
        event,
        cancel_phases: matches!(stop, Some(Stop::Cancelled)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(p: Phase) -> Step {
        Step {
            phase: Some(p),
            result: Ok(()),
        }
    }

    fn err(p: Option<Phase>, s: Stop) -> Step {
        Step {
            phase: p,
            result: Err(s),
        }
    }

    #[test]
    fn fold_table() {
        let until = DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let failed = |m: &str| Stop::PhaseFailed(m.into());
        type Row = (
            Vec<Step>,
            RunStatus,
            Option<&'static str>,
            Option<ErrorKind>,
            bool,
        );
        let table: Vec<Row> = vec![
            // Nothing ran (every phase already done): success.
            (vec![], RunStatus::Success, None, None, false),
            (
                vec![ok(Phase::Tracks), ok(Phase::Playlists)],
                RunStatus::Success,
                None,
                None,
                false,
            ),
            // A failed phase fails the run with the first failure, named by its phase.
            (
                vec![
                    ok(Phase::Tracks),
                    err(Some(Phase::Albums), failed("HTTP 400")),
                    err(Some(Phase::Artists), failed("HTTP 418")),
                ],
                RunStatus::Failed,
                Some("albums: HTTP 400"),
                None,
                false,
            ),
            // A phase skipped for a missing scope does not fail the run.
            (
                vec![
                    ok(Phase::Tracks),
                    err(
                        Some(Phase::ArtistsFollowed),
                        Stop::Skipped("needs the user-follow-read scope".into()),
                    ),
                    ok(Phase::Albums),
                ],
                RunStatus::Success,
                None,
                None,
                false,
            ),
            // The account check failing has no phase prefix.
            (
                vec![err(None, failed("GET /me: forbidden")), ok(Phase::Tracks)],
                RunStatus::Failed,
                Some("GET /me: forbidden"),
                None,
                false,
            ),
            // A stop decides over earlier failures.
            (
                vec![
                    err(Some(Phase::Tracks), failed("x")),
                    err(Some(Phase::Playlists), Stop::Cancelled),
                ],
                RunStatus::Cancelled,
                None,
                None,
                true,
            ),
            (
                vec![
                    ok(Phase::Tracks),
                    err(Some(Phase::Playlists), Stop::Interrupted),
                ],
                RunStatus::Paused,
                None,
                None,
                false,
            ),
            (
                vec![err(
                    Some(Phase::Tracks),
                    Stop::Blocked {
                        until,
                        reason: LimitReason::Quota,
                    },
                )],
                RunStatus::RateLimited,
                Some("waiting for Spotify's daily request quota until 2026-12-01T10:00:00Z"),
                None,
                false,
            ),
            (
                vec![err(None, Stop::Auth("run `spotsync auth`".into()))],
                RunStatus::Failed,
                Some("run `spotsync auth`"),
                Some(ErrorKind::Auth),
                false,
            ),
            (
                vec![err(
                    Some(Phase::Tracks),
                    Stop::Unreachable("could not connect".into()),
                )],
                RunStatus::Failed,
                Some("could not connect"),
                Some(ErrorKind::Other),
                false,
            ),
            (
                vec![
                    ok(Phase::Tracks),
                    err(Some(Phase::Plays), Stop::Fatal("disk full".into())),
                ],
                RunStatus::Failed,
                Some("disk full"),
                Some(ErrorKind::Other),
                false,
            ),
        ];
        for (i, (steps, status, error, kind, cancel)) in table.into_iter().enumerate() {
            let o = fold(&steps);
            assert_eq!(o.status, status, "row {i}");
            assert_eq!(o.error.as_deref(), error, "row {i}");
            assert_eq!(o.event.as_ref().map(|e| e.0), kind, "row {i}");
            assert_eq!(o.cancel_phases, cancel, "row {i}");
        }
    }

    #[test]
    fn stopped_phases_keep_a_resumable_status() {
        assert_eq!(Stop::Interrupted.phase_status(), PhaseStatus::Paused);
        assert_eq!(Stop::Cancelled.phase_status(), PhaseStatus::Cancelled);
        assert_eq!(
            Stop::Unreachable("x".into()).phase_status(),
            PhaseStatus::Failed
        );
        assert_eq!(Stop::Interrupted.phase_error(), None);
    }
}
