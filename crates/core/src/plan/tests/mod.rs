//! The plan computation over hand-made snapshots: what each phase would send (`figures`),
//! and the quota, the words and the JSON around it (`around`).

use std::time::Duration;

use chrono::TimeDelta;

use super::estimate::heaps;
use super::*;
use crate::domain::{Cursor, RunStatus};
use crate::quota::Schedule;
use crate::settings::EnrichTarget;

mod around;
mod figures;

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap()
}

fn config(phases: &[Phase]) -> SyncConfig {
    SyncConfig {
        phases: phases.to_vec(),
        ..SyncConfig::default()
    }
}

fn snapshot(phases: &[Phase]) -> Snapshot {
    Snapshot::empty(config(phases), now())
}

fn totals(t: &[u64]) -> ProbedList {
    ProbedList::Totals { totals: t.to_vec() }
}

fn playlist(id: &str, total: Option<u64>, readable: bool) -> ProbedPlaylist {
    ProbedPlaylist {
        id: id.into(),
        snapshot_id: Some(format!("snap-{id}")),
        total,
        readable,
    }
}

/// A probe of a library of `tracks` saved tracks and the given playlists.
fn probe(tracks: u64, playlists: Vec<ProbedPlaylist>) -> Probe {
    let mut p = Probe::new(now());
    p.requests = 12;
    p.extended = Some(false);
    p.lists.insert(Phase::Tracks, totals(&[tracks]));
    p.lists.insert(Phase::AlbumsSaved, totals(&[120]));
    p.lists.insert(Phase::ArtistsFollowed, totals(&[50]));
    p.lists.insert(Phase::Shows, totals(&[0]));
    p.lists
        .insert(Phase::Top, totals(&[50, 50, 50, 99, 100, 101]));
    p.playlists = Some(ProbedPlaylists {
        total: playlists.len() as u64,
        playlists,
    });
    p.sample = Some(TrackSample {
        tracks: 50,
        albums: 20,
        artists: 25,
    });
    p
}

fn phase(plan: &Plan, phase: Phase) -> &PhasePlan {
    plan.phases
        .iter()
        .find(|p| p.phase == phase)
        .unwrap_or_else(|| panic!("{phase} in {plan:#?}"))
}

fn figures(plan: &Plan) -> Vec<(Phase, u64, Basis)> {
    plan.phases
        .iter()
        .map(|p| (p.phase, p.requests, p.basis))
        .collect()
}
