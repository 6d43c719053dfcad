//! Reading the [`Snapshot`] the plan is computed from: one pass of read-only queries.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::{PhaseRecord, Plan, Probe, Request, Snapshot, compute};
use crate::domain::{
    Capability, CapabilityValue, PROBE_KEY, Phase, PhaseStatus, RunKind, TOP_SNAPSHOT_KEY,
    USER_ID_KEY, mirrored_key,
};
use crate::settings::SyncConfig;
use crate::store::library::{EnrichTable, SavedList};
use crate::store::{Reader, Sql};

/// The lists whose walk sets their `mirrored_*` key, with the table of what they hold.
const KEYED_LISTS: [(Phase, Option<SavedList>); 5] = [
    (Phase::AlbumsSaved, Some(SavedList::ALBUMS)),
    (Phase::Shows, Some(SavedList::SHOWS)),
    (Phase::Episodes, Some(SavedList::EPISODES)),
    (Phase::Audiobooks, Some(SavedList::AUDIOBOOKS)),
    (Phase::ArtistsFollowed, None),
];

/// What the database knows at `now`, with `config`'s phases, enrichment and quota settings.
pub fn read_snapshot(
    q: Sql<'_>,
    config: &SyncConfig,
    now: DateTime<Utc>,
) -> rusqlite::Result<Snapshot> {
    let mut s = Snapshot::empty(config.clone(), now);
    s.observations = q.quota_observations()?;
    s.incremental_cost = q.incremental_cost()?;
    s.used = q.quota_window(&s.observations, now)?.used(now);
    s.unfinished = q.unfinished()?;
    s.full_mirror = q.last_success(RunKind::Full)?.is_some();
    s.me_known = q.account(USER_ID_KEY)?.is_some();
    s.extended = q
        .capability(Capability::ExtendedQuota)?
        .map(|v| v == CapabilityValue::True);
    s.batch_albums_gone =
        q.capability(Capability::BatchAlbums)? == Some(CapabilityValue::Unavailable);
    s.batch_artists_gone =
        q.capability(Capability::BatchArtists)? == Some(CapabilityValue::Unavailable);
    for phase in Phase::ALL {
        if let Some(row) = q.phase(phase)? {
            s.phases.insert(
                phase,
                PhaseRecord {
                    run_id: row.run_id.map(|r| r.get()),
                    status: row.status,
                    checkpoint: row.checkpoint,
                    last_error: row.last_error,
                },
            );
        }
    }
    let succeeded = |p: Phase| {
        s.phases
            .get(&p)
            .is_some_and(|r| r.status == PhaseStatus::Success)
    };
    let mut mirrored = BTreeMap::new();
    // Saved tracks were walked to their end once (rows of a walk still under way are not a
    // mirror: the rest of the list brings albums and artists the database lacks).
    if succeeded(Phase::Tracks) || (s.full_mirror && q.any_saved_tracks()?) {
        mirrored.insert(Phase::Tracks, vec![q.count_saved()?]);
    }
    s.playlists = q.stored_playlists()?;
    if !s.playlists.is_empty() || succeeded(Phase::Playlists) {
        mirrored.insert(Phase::Playlists, vec![s.playlists.len() as u64]);
    }
    for (phase, list) in KEYED_LISTS {
        if q.account(&mirrored_key(phase))?.is_none() {
            continue;
        }
        let n = match list {
            Some(l) => q.count_saved_items(l)?,
            None => q.count_followed()?,
        };
        mirrored.insert(phase, vec![n]);
    }
    if let Some(date) = q.account(TOP_SNAPSHOT_KEY)? {
        mirrored.insert(Phase::Top, q.top_counts(&date)?);
        s.top_today = date == now.format("%Y-%m-%d").to_string();
    }
    s.mirrored = mirrored;
    s.unenriched_albums = q.count_unenriched(EnrichTable::Albums)?;
    s.unenriched_artists = q.count_unenriched(EnrichTable::Artists)?;
    s.catalog = q.catalog_counts()?;
    // A probe that cannot be read (written by another version) is as good as none.
    s.probe = q
        .account(PROBE_KEY)?
        .and_then(|j| serde_json::from_str::<Probe>(&j).ok());
    Ok(s)
}

/// [`read_snapshot`] of the database at `db`, read-only (works while another process syncs);
/// a database that does not exist yet knows nothing.
pub fn load_snapshot(
    db: &Path,
    config: &SyncConfig,
    now: DateTime<Utc>,
) -> Result<Snapshot, String> {
    let Some(reader) = Reader::open(db).map_err(|e| e.to_string())? else {
        return Ok(Snapshot::empty(config.clone(), now));
    };
    read_snapshot(reader.sql(), config, now)
        .map_err(|e| format!("cannot read {}: {e}", db.display()))
}

/// The plan of `req` from the database at `db` (see [`compute`]).
pub fn load_plan(
    db: &Path,
    config: &SyncConfig,
    req: &Request,
    now: DateTime<Utc>,
) -> Result<Plan, String> {
    Ok(compute(&load_snapshot(db, config, now)?, req))
}
