//! Control API for the library lists besides liked songs and playlists:
//! `POST /__sim/{albums,shows,episodes,audiobooks}/{save,unsave}` and
//! `POST /__sim/artists/{follow,unfollow}`.
//!
//! Body: `{"ids": [...]}` and/or (to save / follow) `{"count": N}` — N items of the catalogue not
//! in the list yet (fewer when the catalogue has fewer). Saved items become the newest, in the
//! order given; unknown ids, more than [`MAX_BATCH`] items or a malformed body get a 400.

use std::collections::HashSet;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::routing::post;
use serde::Deserialize;
use serde_json::json;

use super::api::AppState;
use super::control::{MAX_BATCH, bad, batch, body, now_secs, ok_json, user_param};
use super::model::{Library, SavedItem, id_str, insert_newest};

/// The lists the control API can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Albums,
    Artists,
    Shows,
    Episodes,
    Audiobooks,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Albums => "album",
            Kind::Artists => "artist",
            Kind::Shows => "show",
            Kind::Episodes => "episode",
            Kind::Audiobooks => "audiobook",
        }
    }

    fn find(self, lib: &Library, id: &str) -> Option<u32> {
        match self {
            Kind::Albums => lib.album_by_id(id),
            Kind::Artists => lib.artist_by_id(id),
            Kind::Shows => lib.show_by_id(id),
            Kind::Episodes => lib.episode_by_id(id),
            Kind::Audiobooks => lib.audiobook_by_id(id),
        }
    }

    fn catalogue_len(self, lib: &Library) -> usize {
        match self {
            Kind::Albums => lib.albums.len(),
            Kind::Artists => lib.artists.len(),
            Kind::Shows => lib.shows.len(),
            Kind::Episodes => lib.episodes.len(),
            Kind::Audiobooks => lib.audiobooks.len(),
        }
    }

    fn id(self, lib: &Library, i: u32) -> String {
        let id = match self {
            Kind::Albums => &lib.albums[i as usize].id,
            Kind::Artists => &lib.artists[i as usize].id,
            Kind::Shows => &lib.shows[i as usize].id,
            Kind::Episodes => &lib.episodes[i as usize].id,
            Kind::Audiobooks => &lib.audiobooks[i as usize].id,
        };
        id_str(id).to_string()
    }

    /// The `added_at` list of this kind (`None` for the followed artists).
    fn saved(self, lib: &mut Library) -> Option<&mut Vec<SavedItem>> {
        match self {
            Kind::Albums => Some(&mut lib.saved_albums),
            Kind::Artists => None,
            Kind::Shows => Some(&mut lib.saved_shows),
            Kind::Episodes => Some(&mut lib.saved_episodes),
            Kind::Audiobooks => Some(&mut lib.saved_audiobooks),
        }
    }

    fn members(self, lib: &Library) -> HashSet<u32> {
        match self {
            Kind::Albums => lib.saved_albums.iter().map(|s| s.item).collect(),
            Kind::Artists => lib.followed_artists.iter().copied().collect(),
            Kind::Shows => lib.saved_shows.iter().map(|s| s.item).collect(),
            Kind::Episodes => lib.saved_episodes.iter().map(|s| s.item).collect(),
            Kind::Audiobooks => lib.saved_audiobooks.iter().map(|s| s.item).collect(),
        }
    }

    fn len(self, lib: &Library) -> usize {
        match self {
            Kind::Albums => lib.saved_albums.len(),
            Kind::Artists => lib.followed_artists.len(),
            Kind::Shows => lib.saved_shows.len(),
            Kind::Episodes => lib.saved_episodes.len(),
            Kind::Audiobooks => lib.saved_audiobooks.len(),
        }
    }
}

pub fn routes() -> Router<AppState> {
    let mut r = Router::new();
    for (kind, add, remove) in [
        (Kind::Albums, "/__sim/albums/save", "/__sim/albums/unsave"),
        (Kind::Shows, "/__sim/shows/save", "/__sim/shows/unsave"),
        (
            Kind::Episodes,
            "/__sim/episodes/save",
            "/__sim/episodes/unsave",
        ),
        (
            Kind::Audiobooks,
            "/__sim/audiobooks/save",
            "/__sim/audiobooks/unsave",
        ),
        (
            Kind::Artists,
            "/__sim/artists/follow",
            "/__sim/artists/unfollow",
        ),
    ] {
        r = r
            .route(
                add,
                post(
                    move |State(s): State<AppState>, RawQuery(q): RawQuery, b: Bytes| async move {
                        save(&s, kind, &q, &b)
                    },
                ),
            )
            .route(
                remove,
                post(
                    move |State(s): State<AppState>, RawQuery(q): RawQuery, b: Bytes| async move {
                        unsave(&s, kind, &q, &b)
                    },
                ),
            );
    }
    r
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AddReq {
    /// These ids, in this order (the last one becomes the newest).
    ids: Option<Vec<String>>,
    /// This many items of the catalogue not in the list yet.
    count: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RemoveReq {
    ids: Vec<String>,
}

/// Resolve `ids` (at most [`MAX_BATCH`], each known).
fn resolve(lib: &Library, kind: Kind, ids: &[String]) -> Result<Vec<u32>, Response> {
    batch("ids", ids.len())?;
    ids.iter()
        .map(|id| {
            kind.find(lib, id)
                .ok_or_else(|| bad(format!("unknown {} id {id:?}", kind.name())))
        })
        .collect()
}

fn save(s: &AppState, kind: Kind, q: &Option<String>, b: &Bytes) -> Response {
    let user = match user_param(s, q) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let req: AddReq = match body(b) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let mut lib = s.write_user(user);
    let mut items = match resolve(&lib, kind, req.ids.as_deref().unwrap_or(&[])) {
        Ok(i) => i,
        Err(r) => return r,
    };
    if let Some(n) = req.count {
        if let Err(r) = batch("count", n) {
            return r;
        }
        let mut taken = kind.members(&lib);
        taken.extend(items.iter().copied());
        // Artist 0 is "Various Artists": nobody follows it.
        let first = u32::from(kind == Kind::Artists);
        items.extend(
            (first..kind.catalogue_len(&lib) as u32)
                .filter(|i| !taken.contains(i))
                .take(n),
        );
    }
    if items.len() > MAX_BATCH {
        return bad(format!("at most {MAX_BATCH} items at once"));
    }
    let now = now_secs();
    match kind.saved(&mut lib) {
        Some(list) => {
            for &i in &items {
                insert_newest(list, i, now);
            }
        }
        None => {
            lib.followed_artists.extend(items.iter().copied());
            lib.sort_followed();
        }
    }
    let ids: Vec<String> = items.iter().map(|&i| kind.id(&lib, i)).collect();
    ok_json(&json!({"added": ids, "total": kind.len(&lib)}))
}

fn unsave(s: &AppState, kind: Kind, q: &Option<String>, b: &Bytes) -> Response {
    let user = match user_param(s, q) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let req: RemoveReq = match body(b) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let mut lib = s.write_user(user);
    let set: HashSet<u32> = match resolve(&lib, kind, &req.ids) {
        Ok(i) => i.into_iter().collect(),
        Err(r) => return r,
    };
    let before = kind.len(&lib);
    match kind.saved(&mut lib) {
        Some(list) => list.retain(|x| !set.contains(&x.item)),
        None => lib.followed_artists.retain(|a| !set.contains(a)),
    }
    let after = kind.len(&lib);
    ok_json(&json!({"removed": before - after, "total": after}))
}
