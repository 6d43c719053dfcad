//! The probe: what a fresh database cannot know, asked of Spotify for the plan
//! ([`crate::plan`]). It reads the first page of each list the sync would walk (its total, and
//! from saved tracks a sample of albums and artists and whether the app has Extended Quota) and
//! the whole playlist list (each playlist's item count and whether this app may read it).
//! Every request goes through the gate like a sync's. Nothing of the library is stored: only
//! the probe's own record, which the plan reads until the lists are mirrored.

use std::collections::BTreeSet;

use chrono::Utc;
use serde::de::DeserializeOwned;

use super::events::SyncEvent;
use super::link::{Link, ReqError};
use super::outcome::Stop;
use super::phases::{PageEnd, listing_done, saved_list_first_page, scope_refusal};
use crate::domain::{
    Capability, CapabilityValue, PAGE, PROBE_KEY, Phase, TOP_LIST_ORDER, USER_ID_KEY,
};
use crate::plan::{self, Probe, ProbedList, ProbedPlaylist, ProbedPlaylists, TrackSample};
use crate::settings::SyncConfig;
use crate::spotify::model::{Me, Page, Playlist, SavedTrack};
use crate::spotify::{ApiError, Endpoint};
use crate::store::library::{ItemsAccess, items_access};

/// A listing longer than this many pages is not believed (a server that never ends it).
const MAX_LIST_PAGES: u64 = 10_000;

/// How a probed list's first request ended.
fn failed(phase: Phase, e: &ApiError) -> ProbedList {
    match scope_refusal(e, Some("a scope")) {
        Some(_) => ProbedList::Refused {
            reason: format!("{phase}: {e}"),
        },
        None => ProbedList::Failed {
            reason: e.to_string(),
        },
    }
}

/// Albums and artists among a page of saved tracks, and whether they carry Extended Quota
/// fields.
fn sample(page: &Page) -> (TrackSample, Option<bool>) {
    let items: Vec<Option<SavedTrack>> = page.parse_items();
    let mut albums = BTreeSet::new();
    let mut artists = BTreeSet::new();
    let mut tracks = 0;
    let mut extended = None;
    for t in items.iter().flatten().filter_map(|s| s.track.as_ref()) {
        if t.id.is_none() {
            continue;
        }
        tracks += 1;
        extended = Some(extended.unwrap_or(false) || t.popularity.is_some());
        let album_artists = t.album.iter().flat_map(|a| a.artists.iter());
        for a in t.artists.iter().chain(album_artists) {
            if let Some(id) = &a.id {
                artists.insert(id.clone());
            }
        }
        if let Some(id) = t.album.as_ref().and_then(|a| a.id.clone()) {
            albums.insert(id);
        }
    }
    (
        TrackSample {
            tracks,
            albums: albums.len() as u64,
            artists: artists.len() as u64,
        },
        extended,
    )
}

/// Probe the lists of `only` (empty: the config's phases), keep the probe, and emit
/// [`SyncEvent::Probed`]. A stop (a hold longer than the caller waits, no authorization,
/// Spotify out of reach, cancel) ends it early with what it learned.
pub(super) async fn probe(mut link: Link<'_>, config: &SyncConfig, only: &[Phase]) {
    let phases = plan::ordered_phases(config, only);
    let mut p = Probe::new(Utc::now());
    // Its requests count against the day like any other (class `changes`).
    link.load_quota().await;
    if let Err(stop) = probe_lists(&mut link, &phases, &mut p).await {
        tracing::warn!("the probe stopped early: {}", stop.describe());
        p.error = Some(stop.describe());
    }
    // What an earlier probe learned of the lists not asked about this time is kept.
    let earlier = link
        .db()
        .read(|q| q.account(PROBE_KEY))
        .await
        .ok()
        .flatten()
        .and_then(|j| serde_json::from_str::<Probe>(&j).ok());
    if let Some(e) = earlier {
        p.merge_earlier(e);
    }
    tracing::info!(
        "probe: {} requests for the totals of {}",
        p.requests,
        phases
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let json = serde_json::to_string(&p)
        .map_err(|e| tracing::warn!("cannot keep the probe: {e}"))
        .ok();
    // Written even without the probe: the write records the probe's requests.
    let now = Utc::now();
    let kept = link
        .db()
        .write(move |tx| match json {
            Some(json) => tx.set_account(PROBE_KEY, Some(&json), now),
            None => Ok(()),
        })
        .await;
    if let Err(e) = kept {
        tracing::warn!("cannot keep the probe: {}", e.describe());
    }
    link.emit_usage().await;
    link.emit(SyncEvent::Probed { probe: p }).await;
}

/// One probe request: a definitive refusal is the caller's to record; a stop ends the probe.
async fn probe_get<T: DeserializeOwned>(
    link: &mut Link<'_>,
    p: &mut Probe,
    phase: Option<Phase>,
    endpoint: Endpoint,
) -> Result<Result<T, ApiError>, Stop> {
    p.requests += 1;
    match link.request::<T>(phase, endpoint).await {
        Ok(v) => Ok(Ok(v)),
        Err(ReqError::Api(e)) => Ok(Err(e)),
        Err(ReqError::Stop(s)) => Err(s),
    }
}

/// The totals of every list of `phases`, into `p`.
async fn probe_lists(link: &mut Link<'_>, phases: &[Phase], p: &mut Probe) -> Result<(), Stop> {
    let (me, extended) = link
        .db()
        .read(|q| {
            let extended = q
                .capability(Capability::ExtendedQuota)?
                .map(|v| v == CapabilityValue::True);
            Ok((q.account(USER_ID_KEY)?, extended))
        })
        .await?;
    p.user_id = me;
    p.extended = extended;
    if phases.contains(&Phase::Playlists) && p.user_id.is_none() {
        // Who owns which playlist.
        if let Ok(me) = probe_get::<Me>(link, p, None, Endpoint::Me).await? {
            p.user_id = me.id;
        }
    }
    if phases.contains(&Phase::Tracks) {
        probe_tracks(link, p).await?;
    }
    if phases.contains(&Phase::Playlists) {
        probe_playlists(link, p).await?;
    }
    for &phase in phases {
        let list = match phase {
            Phase::ArtistsFollowed => probe_followed(link, p).await?,
            Phase::Top => probe_top(link, p).await?,
            _ => match saved_list_first_page(phase) {
                Some(first) => match probe_get::<Page>(link, p, Some(phase), first).await? {
                    Ok(page) => total_of(page.total, page.items.len()),
                    Err(e) => failed(phase, &e),
                },
                None => continue,
            },
        };
        p.lists.insert(phase, list);
    }
    Ok(())
}

/// The first page of saved tracks: the total, a sample of albums and artists, and whether the
/// app has Extended Quota.
async fn probe_tracks(link: &mut Link<'_>, p: &mut Probe) -> Result<(), Stop> {
    let endpoint = Endpoint::SavedTracks {
        offset: 0,
        limit: PAGE,
    };
    let list = match probe_get::<Page>(link, p, Some(Phase::Tracks), endpoint).await? {
        Ok(page) => {
            let (s, extended) = sample(&page);
            p.sample = Some(s);
            if p.extended.is_none() {
                p.extended = extended;
            }
            total_of(page.total, page.items.len())
        }
        Err(e) => failed(Phase::Tracks, &e),
    };
    p.lists.insert(Phase::Tracks, list);
    Ok(())
}

/// The first page of followed artists.
async fn probe_followed(link: &mut Link<'_>, p: &mut Probe) -> Result<ProbedList, Stop> {
    let phase = Phase::ArtistsFollowed;
    let endpoint = Endpoint::FollowedArtists {
        after: None,
        limit: PAGE,
    };
    Ok(
        match probe_get::<serde_json::Value>(link, p, Some(phase), endpoint).await? {
            Ok(v) => {
                let a = v.get("artists");
                let total = a.and_then(|a| a.get("total")).and_then(|t| t.as_u64());
                let n = a
                    .and_then(|a| a.get("items"))
                    .and_then(|i| i.as_array())
                    .map_or(0, |i| i.len());
                total_of(total, n)
            }
            Err(e) => failed(phase, &e),
        },
    )
}

/// The whole playlist list: each playlist's item count and whether this app may read it.
async fn probe_playlists(link: &mut Link<'_>, p: &mut Probe) -> Result<(), Stop> {
    let extended = p.extended.unwrap_or(false);
    let mut seen = ProbedPlaylists {
        total: 0,
        playlists: Vec::new(),
    };
    let mut offset = 0u64;
    for _ in 0..MAX_LIST_PAGES {
        let endpoint = Endpoint::Playlists {
            offset,
            limit: PAGE,
        };
        let page = match probe_get::<Page>(link, p, Some(Phase::Playlists), endpoint).await? {
            Ok(page) => page,
            Err(e) => {
                tracing::warn!("probe: GET /me/playlists: {e}");
                // What was read so far is no total: leave the playlists unknown.
                return Ok(());
            }
        };
        let items: Vec<Option<Playlist>> = page.parse_items();
        for pl in items.iter().flatten() {
            let Some(id) = pl.id.clone() else { continue };
            let readable = items_access(pl, p.user_id.as_deref(), extended) == ItemsAccess::Fetch;
            seen.playlists.push(ProbedPlaylist {
                id,
                snapshot_id: pl.snapshot_id.clone(),
                total: pl.total_items(),
                readable,
            });
        }
        let n = page.items.len() as u64;
        offset += n;
        seen.total = page.total.unwrap_or(offset);
        if listing_done(n, offset, &PageEnd::of(&page)) {
            p.playlists = Some(seen);
            return Ok(());
        }
    }
    tracing::warn!("probe: the playlist list did not end within {MAX_LIST_PAGES} pages");
    Ok(())
}

/// The first page of each top list (a refusal for want of the scope stops at the first).
async fn probe_top(link: &mut Link<'_>, p: &mut Probe) -> Result<ProbedList, Stop> {
    let mut totals = Vec::with_capacity(TOP_LIST_ORDER.len());
    for (kind, range) in TOP_LIST_ORDER {
        let endpoint = if kind == "artist" {
            Endpoint::TopArtists {
                range,
                offset: 0,
                limit: PAGE,
            }
        } else {
            Endpoint::TopTracks {
                range,
                offset: 0,
                limit: PAGE,
            }
        };
        match probe_get::<Page>(link, p, Some(Phase::Top), endpoint).await? {
            Ok(page) => match total_of(page.total, page.items.len()) {
                ProbedList::Totals { totals: t } => totals.extend(t),
                other => return Ok(other),
            },
            Err(e) => return Ok(failed(Phase::Top, &e)),
        }
    }
    Ok(ProbedList::Totals { totals })
}

/// A list's total from its first page: the page's `total`, else (a list that fits one page)
/// its item count.
fn total_of(total: Option<u64>, items: usize) -> ProbedList {
    match total {
        Some(t) => ProbedList::Totals { totals: vec![t] },
        None if (items as u64) < u64::from(PAGE) => ProbedList::Totals {
            totals: vec![items as u64],
        },
        None => ProbedList::Failed {
            reason: "the first page carries no total".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_page_without_a_total_tells_only_when_it_is_the_last() {
        assert_eq!(
            total_of(Some(120), 50),
            ProbedList::Totals { totals: vec![120] }
        );
        assert_eq!(total_of(None, 7), ProbedList::Totals { totals: vec![7] });
        assert!(matches!(total_of(None, 50), ProbedList::Failed { .. }));
    }
}
