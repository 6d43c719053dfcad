//! Which run the next sync is: the phases it runs, whether it resumes the unfinished run or
//! closes it, and of which kind a new run is. Pure; the engine's runner carries the decision
//! out, the plan describes it.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::domain::{Phase, RunKind, RunStatus, StartMode};
use crate::settings::SyncConfig;

/// The phases a sync runs, as the engine orders them: `only` sorted in phase order (a phase
/// named there runs even if `enrich` leaves it out), else the config's (first occurrence; every
/// phase when empty) less the enrichment phases `enrich` leaves out.
pub fn ordered_phases(config: &SyncConfig, only: &[Phase]) -> Vec<Phase> {
    if only.is_empty() {
        let mut v: Vec<Phase> = Vec::new();
        for p in &config.phases {
            if !v.contains(p) {
                v.push(*p);
            }
        }
        if v.is_empty() {
            v = Phase::ALL.to_vec();
        }
        v.retain(|p| !config.enrich_disabled(*p));
        v
    } else {
        let set: BTreeSet<Phase> = only.iter().copied().collect();
        set.into_iter().collect()
    }
}

/// The phases left of an unfinished run when it resumes: its stored ones, less the enrichment
/// phases `enrich` has left out since (unless named in `only`).
pub fn resumed_phases(config: &SyncConfig, only: &[Phase], stored: &[Phase]) -> Vec<Phase> {
    stored
        .iter()
        .copied()
        .filter(|p| only.contains(p) || !config.enrich_disabled(*p))
        .collect()
}

/// How often the lists are checked for changes while enrichment is held by the reserve: every
/// check costs an incremental sync's requests, which come out of the enrichment's share. The
/// same six hours bound a household account's checks while another account's bulk work waits
/// ([`crate::quota::household::LONGEST_CHECK_INTERVAL`]).
pub const CHANGES_DURING_ENRICHMENT: chrono::TimeDelta =
    chrono::TimeDelta::seconds(crate::quota::household::LONGEST_CHECK_INTERVAL.as_secs() as i64);

/// Whether a plain sync closes an unfinished run instead of resuming it: the run stopped at a
/// hold with only enrichment (and the plays poll) left, so its lists are mirrored, and it
/// started at least [`CHANGES_DURING_ENRICHMENT`] ago. It is closed as a success, and a new
/// incremental run checks the lists for changes (class `changes`) while enrichment goes on from
/// whatever is still unenriched: a first mirror whose enrichment takes days does not keep new
/// liked songs and playlist changes waiting for it.
pub fn supersedes(
    status: RunStatus,
    remaining: &[Phase],
    only: &[Phase],
    started_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> bool {
    let enrichment = |p: &Phase| matches!(p, Phase::Albums | Phase::Artists | Phase::History);
    only.is_empty()
        && status == RunStatus::RateLimited
        && remaining.iter().any(enrichment)
        && remaining
            .iter()
            .all(|p| enrichment(p) || *p == Phase::Plays)
        && now.signed_duration_since(started_at) >= CHANGES_DURING_ENRICHMENT
}

pub use crate::store::UnfinishedRun;

/// How an unfinished run is closed before the new one starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closing {
    /// A success: only enrichment held by the reserve was left ([`supersedes`]).
    Superseded,
    /// Cancelled: a full sync starts afresh.
    CancelledByFull,
}

impl Closing {
    /// The note the closed run keeps.
    pub fn note(self) -> &'static str {
        match self {
            Closing::Superseded => {
                "its lists are mirrored; enrichment held by the reserve continues in later runs"
            }
            Closing::CancelledByFull => "superseded by a new full sync",
        }
    }
}

/// What the next sync does: resume the unfinished run, or start a new one (closing the
/// unfinished one first, when there is one that is not resumed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextRun {
    pub kind: RunKind,
    pub phases: Vec<Phase>,
    /// The unfinished run it resumes.
    pub resumes: Option<i64>,
    /// The unfinished run closed first, and how.
    pub closes: Option<(i64, Closing)>,
}

/// The next sync of `mode` (and `only`), given the unfinished run and whether a complete mirror
/// exists: the one decision the engine carries out and the plan describes.
///
/// A plays-only sync runs on its own and leaves an unfinished run resumable. Otherwise an
/// unfinished run is resumed (with the phases [`resumed_phases`] keeps), unless a full sync
/// cancels it or it is [`supersedes`]-closed as a success; then a new run starts, incremental
/// when a complete mirror exists (a superseded full run is one).
pub fn next_run(
    config: &SyncConfig,
    mode: StartMode,
    only: &[Phase],
    unfinished: Option<&UnfinishedRun>,
    full_mirror: bool,
    now: DateTime<Utc>,
) -> NextRun {
    let phases = ordered_phases(config, only);
    let plays_only = phases == [Phase::Plays] && mode != StartMode::Full;
    let new = |kind, closes| NextRun {
        kind,
        phases: phases.clone(),
        resumes: None,
        closes,
    };
    if plays_only {
        return new(RunKind::Plays, None);
    }
    let mut full_mirror = full_mirror;
    let mut closes = None;
    if let Some(u) = unfinished {
        if mode == StartMode::Full {
            closes = Some((u.id, Closing::CancelledByFull));
        } else {
            let resumed = resumed_phases(config, only, &u.phases);
            let left: Vec<Phase> = resumed
                .iter()
                .copied()
                .filter(|p| !u.done.contains(p))
                .collect();
            if supersedes(u.status, &left, only, u.started_at, now) {
                closes = Some((u.id, Closing::Superseded));
                full_mirror |= u.kind == RunKind::Full;
            } else if !resumed.is_empty() {
                return NextRun {
                    kind: u.kind,
                    phases: resumed,
                    resumes: Some(u.id),
                    closes: None,
                };
            }
        }
    }
    let kind = match mode {
        StartMode::Full => RunKind::Full,
        StartMode::Incremental => RunKind::Incremental,
        StartMode::Auto if full_mirror => RunKind::Incremental,
        StartMode::Auto => RunKind::Full,
    };
    new(kind, closes)
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;
    use crate::settings::EnrichTarget;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2027-01-15T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn enrich_left_out_is_dropped_from_new_and_resumed_runs_unless_named() {
        let config = SyncConfig {
            enrich: vec![EnrichTarget::Artists],
            ..SyncConfig::default()
        };
        let plain = ordered_phases(&config, &[]);
        assert!(!plain.contains(&Phase::Albums) && plain.contains(&Phase::Artists));
        assert_eq!(ordered_phases(&config, &[Phase::Albums]), [Phase::Albums]);
        let stored = [Phase::Albums, Phase::Artists, Phase::Plays];
        assert_eq!(
            resumed_phases(&config, &[], &stored),
            [Phase::Artists, Phase::Plays]
        );
        assert_eq!(resumed_phases(&config, &[Phase::Albums], &stored), stored);
        let none = SyncConfig {
            enrich: Vec::new(),
            ..SyncConfig::default()
        };
        assert_eq!(resumed_phases(&none, &[], &stored), [Phase::Plays]);
    }

    #[test]
    fn a_run_left_with_only_enrichment_held_by_the_reserve_is_superseded() {
        use RunStatus::*;
        let (a, r, p, t) = (Phase::Albums, Phase::Artists, Phase::Plays, Phase::Tracks);
        // (status, remaining, only, superseded)
        let table: [(RunStatus, &[Phase], &[Phase], bool); 8] = [
            (RateLimited, &[a, r, p], &[], true),
            (RateLimited, &[r], &[], true),
            // A list still to walk: resumed.
            (RateLimited, &[t, a, r, p], &[], false),
            // Only the poll left: resumed (nothing held back).
            (RateLimited, &[p], &[], false),
            // Stopped otherwise: resumed.
            (Paused, &[a, r], &[], false),
            (Failed, &[a, r], &[], false),
            // Named phases: resumed as asked.
            (RateLimited, &[a], &[a], false),
            (RateLimited, &[], &[], false),
        ];
        let long_ago = now() - CHANGES_DURING_ENRICHMENT;
        for (i, (status, remaining, only, want)) in table.into_iter().enumerate() {
            assert_eq!(
                supersedes(status, remaining, only, long_ago, now()),
                want,
                "row {i}"
            );
        }
        // A run that started less than the interval ago is resumed: the lists were just checked.
        let recent = now() - CHANGES_DURING_ENRICHMENT + TimeDelta::minutes(1);
        assert!(!supersedes(RateLimited, &[a, r], &[], recent, now()));
    }

    #[test]
    fn the_next_run_resumes_closes_or_starts_as_the_engine_does() {
        use Phase::*;
        let config = SyncConfig::default();
        let all = ordered_phases(&config, &[]);
        let held = UnfinishedRun {
            id: 4,
            kind: RunKind::Full,
            status: RunStatus::RateLimited,
            started_at: now() - TimeDelta::hours(7),
            phases: all.clone(),
            done: all
                .iter()
                .copied()
                .filter(|p| !matches!(p, Albums | Artists))
                .collect(),
        };
        let paused = UnfinishedRun {
            status: RunStatus::Paused,
            ..held.clone()
        };
        let next = |mode, only: &[Phase], u: Option<&UnfinishedRun>, mirror| {
            let n = next_run(&config, mode, only, u, mirror, now());
            (n.kind, n.resumes, n.closes)
        };
        // Nothing unfinished: full until a complete mirror exists.
        assert_eq!(
            next(StartMode::Auto, &[], None, false),
            (RunKind::Full, None, None)
        );
        assert_eq!(
            next(StartMode::Auto, &[], None, true).0,
            RunKind::Incremental
        );
        // A plays poll leaves the unfinished run alone.
        assert_eq!(
            next(StartMode::Auto, &[Plays], Some(&paused), false),
            (RunKind::Plays, None, None)
        );
        // Resumed, with its stored phases.
        let n = next_run(&config, StartMode::Auto, &[], Some(&paused), false, now());
        assert_eq!(
            (n.kind, n.resumes, &n.phases),
            (RunKind::Full, Some(4), &all)
        );
        // A full sync cancels it.
        assert_eq!(
            next(StartMode::Full, &[], Some(&paused), false),
            (RunKind::Full, None, Some((4, Closing::CancelledByFull)))
        );
        // Only enrichment held: closed as a success, and the full run it was makes the next
        // one incremental.
        assert_eq!(
            next(StartMode::Auto, &[], Some(&held), false),
            (RunKind::Incremental, None, Some((4, Closing::Superseded)))
        );
        // A resumed run with nothing left of what the config keeps starts afresh.
        let none = SyncConfig {
            enrich: Vec::new(),
            ..SyncConfig::default()
        };
        let only_enrichment = UnfinishedRun {
            phases: vec![Albums, Artists],
            ..paused.clone()
        };
        let n = next_run(
            &none,
            StartMode::Auto,
            &[],
            Some(&only_enrichment),
            true,
            now(),
        );
        assert_eq!(
            (n.kind, n.resumes, n.closes),
            (RunKind::Incremental, None, None)
        );
    }
}
