//! The probe: what a fresh database cannot know, asked of Spotify for the plan
//! ([`crate::plan`]). It reads the first page of each list the sync would walk (its total, and
//! from saved tracks a sample of albums and artists and whether the app has Extended Quota) and
//! the whole playlist list (each playlist's item count and whether this app may read it).
//! Every request goes through the gate like a sync's. Nothing of the library is stored: only
//! the probe's own record, which the plan reads until the lists are mirrored.

use std::collections::BTreeSet;

use chrono::Utc;
use serde::de::DeserializeOwned;

use super::engine::{Engine, ReqError};
use super::events::SyncEvent;
use super::outcome::Stop;
use super::phases::{PAGE, PageEnd, listing_done, saved_list_first_page, scope_refusal};
use crate::domain::{Capability, CapabilityValue, Phase};
use crate::plan::{
    self, PROBE_KEY, Probe, ProbedList, ProbedPlaylist, ProbedPlaylists, TrackSample,
};
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

impl Engine {
    /// Probe the lists of `only` (empty: the config's phases), keep the probe, and emit
    /// [`SyncEvent::Probed`]. A stop (a hold longer than the caller waits, no authorization,
    /// Spotify out of reach, cancel) ends it early with what it learned.
    pub(crate) async fn probe(&mut self, only: Vec<Phase>) {
        let phases = plan::ordered_phases(&self.config, &only);
        let mut p = Probe::new(Utc::now());
        // Its requests count against the day like any other (class `changes`).
        if let Err(e) = self.load_quota().await {
            tracing::warn!("cannot read the daily quota's state: {}", e.describe());
        }
        if let Err(stop) = self.probe_lists(&phases, &mut p).await {
            tracing::warn!("the probe stopped early: {}", stop.describe());
            p.error = Some(stop.describe());
        }
        // What an earlier probe learned of the lists not asked about this time is kept.
        let earlier = self
            .db(|s| s.sql().account(PROBE_KEY))
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
        match serde_json::to_string(&p) {
            Ok(json) => {
                let now = Utc::now();
                if let Err(e) = self
                    .db(move |s| s.sql().set_account(PROBE_KEY, Some(&json), now))
                    .await
                {
                    tracing::warn!("cannot keep the probe: {}", e.describe());
                }
            }
            Err(e) => tracing::warn!("cannot keep the probe: {e}"),
        }
        self.emit_usage().await;
        self.emit(SyncEvent::Probed { probe: p }).await;
    }

    /// One probe request: a definitive refusal is the caller's to record; a stop ends the
    /// probe.
    async fn probe_get<T: DeserializeOwned>(
        &mut self,
        p: &mut Probe,
        phase: Option<Phase>,
        endpoint: Endpoint,
    ) -> Result<Result<T, ApiError>, Stop> {
        p.requests += 1;
        match self.request::<T>(phase, endpoint).await {
            Ok(v) => Ok(Ok(v)),
            Err(ReqError::Api(e)) => Ok(Err(e)),
            Err(ReqError::Stop(s)) => Err(s),
        }
    }

    async fn probe_lists(&mut self, phases: &[Phase], p: &mut Probe) -> Result<(), Stop> {
        let (me, extended) = self
            .db(|s| {
                let q = s.sql();
                let extended = q
                    .capability(Capability::ExtendedQuota)?
                    .map(|v| v == CapabilityValue::True);
                Ok((q.account("user_id")?, extended))
            })
            .await?;
        p.user_id = me;
        p.extended = extended;
        if phases.contains(&Phase::Playlists) && p.user_id.is_none() {
            // Who owns which playlist.
            if let Ok(me) = self.probe_get::<Me>(p, None, Endpoint::Me).await? {
                p.user_id = me.id;
            }
        }
        if phases.contains(&Phase::Tracks) {
            let endpoint = Endpoint::SavedTracks {
                offset: 0,
                limit: PAGE,
            };
            let list = match self
                .probe_get::<Page>(p, Some(Phase::Tracks), endpoint)
                .await?
            {
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
        }
        if phases.contains(&Phase::Playlists) {
            self.probe_playlists(p).await?;
        }
        for &phase in phases {
            let endpoint = match saved_list_first_page(phase) {
                Some(first) => first,
                None if phase == Phase::ArtistsFollowed => {
                    let endpoint = Endpoint::FollowedArtists {
                        after: None,
                        limit: PAGE,
                    };
                    let list = match self
                        .probe_get::<serde_json::Value>(p, Some(phase), endpoint)
                        .await?
                    {
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
                    };
                    p.lists.insert(phase, list);
                    continue;
                }
                None if phase == Phase::Top => {
                    let list = self.probe_top(p).await?;
                    p.lists.insert(phase, list);
                    continue;
                }
                None => continue,
            };
            let list = match self.probe_get::<Page>(p, Some(phase), endpoint).await? {
                Ok(page) => total_of(page.total, page.items.len()),
                Err(e) => failed(phase, &e),
            };
            p.lists.insert(phase, list);
        }
        Ok(())
    }

    /// The whole playlist list: each playlist's item count and whether this app may read it.
    async fn probe_playlists(&mut self, p: &mut Probe) -> Result<(), Stop> {
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
            let page = match self
                .probe_get::<Page>(p, Some(Phase::Playlists), endpoint)
                .await?
            {
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
                let readable =
                    items_access(pl, p.user_id.as_deref(), extended) == ItemsAccess::Fetch;
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
    async fn probe_top(&mut self, p: &mut Probe) -> Result<ProbedList, Stop> {
        let mut totals = Vec::with_capacity(crate::domain::TOP_LIST_ORDER.len());
        for (kind, range) in crate::domain::TOP_LIST_ORDER {
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
            match self
                .probe_get::<Page>(p, Some(Phase::Top), endpoint)
                .await?
            {
                Ok(page) => match total_of(page.total, page.items.len()) {
                    ProbedList::Totals { totals: t } => totals.extend(t),
                    other => return Ok(other),
                },
                Err(e) => return Ok(failed(Phase::Top, &e)),
            }
        }
        Ok(ProbedList::Totals { totals })
    }
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
    fn the_plan_pages_like_the_engine() {
        assert_eq!(plan::PAGE, u64::from(PAGE));
    }

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
