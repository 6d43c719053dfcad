//! The replay: the Web API answered from what other projects recorded of the real one
//! (`real-world/api/` beside the checkout; see its `SOURCES.md`), as one account, so that a
//! sync meets the shapes Spotify really sends rather than the ones the simulator writes.
//!
//! [`start`] serves the account composed by [`Account::load`] behind the simulator's own gate
//! (bearer tokens, the rate window and quota, faults, statistics) and accounts service, in
//! Development Mode or with Extended Quota:
//! - Development Mode: the items of a playlist the account neither owns nor collaborates on are
//!   refused (403), a Spotify-owned one (`37i9…`) is not found (404), the batch lookups
//!   (`/albums?ids=`, `/artists?ids=`) and `/playlists/{id}/tracks` are refused (403);
//! - Extended Quota: every recorded playlist's items, and the batch lookups, are served.
//!
//! Lists are paged by `offset`/`limit` (≤ 50) over the recorded items, with `total`, `next`
//! and `previous` of the list as composed; the follows' cursor pages and every object are
//! answered as recorded. What no recording holds (an album's track page past the recorded
//! one, the items of a listed playlist nobody recorded, an id nobody recorded) is a 404 saying
//! so.

mod account;
mod playlists;

pub use account::{Account, TopLists};
pub use playlists::OWN_PLAYLIST;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path as UrlPath, RawQuery};
use axum::response::Response;
use axum::routing::{MethodRouter, get};
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::api::{self, AppState, error, ok, paging, param, query};
use crate::options::SimMode;
use crate::{RunningSim, StartError, accounts, control, state};

/// Why the recordings could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not JSON: {source}")]
    Json {
        path: String,
        source: serde_json::Error,
    },
    #[error("{0}: a recording this replay needs is missing")]
    Missing(String),
}

/// `real-world/api` beside the checkout: `$SPOTSYNC_REAL_WORLD/api` when set, else the first
/// `shared/real-world/api` found in `start` or one of its parents.
pub fn recordings_dir(start: &Path) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("SPOTSYNC_REAL_WORLD") {
        return Some(PathBuf::from(dir).join("api"));
    }
    start
        .ancestors()
        .map(|d| d.join("shared/real-world/api"))
        .find(|d| d.is_dir())
}

/// What the handlers share.
struct Replay {
    account: Account,
    extended: bool,
    /// `http://127.0.0.1:PORT/v1/`
    base: String,
}

type R = Arc<Replay>;

/// Serve the recordings of `dir` on `127.0.0.1:port` (0 = any free port).
pub async fn start(dir: &Path, mode: SimMode, port: u16) -> Result<RunningSim, StartError> {
    let account = Account::load(dir).map_err(|e| StartError::Generate(e.to_string()))?;
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|source| StartError::Listen { port, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| StartError::Listen { port, source })?;
    let settings = crate::initial_settings(&crate::SimOptions {
        mode,
        ..crate::SimOptions::default()
    });
    // The gate and the token service work on a simulated library of their own; no endpoint
    // of the replay reads it.
    let lib = crate::generate::generate(crate::generate::GenParams {
        seed: 1,
        tracks: 0,
        playlists: 0,
    });
    let shared = Arc::new(state::Shared::new(
        vec![lib],
        settings,
        1,
        format!("http://{addr}/"),
    ));
    let replay = Arc::new(Replay {
        account,
        extended: mode == SimMode::Extended,
        base: format!("http://{addr}/v1/"),
    });
    let router = Router::new()
        .merge(api::gated(shared.clone(), endpoints(&replay)))
        .merge(accounts::routes(shared.clone()))
        .merge(control::routes())
        .fallback(api::not_found)
        .with_state(shared.clone());
    Ok(crate::serve(listener, addr, router, shared, "replay"))
}

/// A `GET` handler of the query string.
fn q(r: &R, f: fn(&Replay, &[(String, String)]) -> Response) -> MethodRouter<AppState> {
    let r = r.clone();
    get(move |RawQuery(raw): RawQuery| {
        let r = r.clone();
        async move { f(&r, &query(&raw)) }
    })
}

/// A `GET` handler of an `{id}` path and the query string.
fn id_q(r: &R, f: fn(&Replay, &str, &[(String, String)]) -> Response) -> MethodRouter<AppState> {
    let r = r.clone();
    get(
        move |UrlPath(id): UrlPath<String>, RawQuery(raw): RawQuery| {
            let r = r.clone();
            async move { f(&r, &id, &query(&raw)) }
        },
    )
}

fn endpoints(r: &R) -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/v1/me", q(r, |r, _| ok(to_vec(&r.account.me)))),
        (
            "/v1/me/tracks",
            q(r, |r, q| list(r, "me/tracks", &r.account.saved_tracks, q)),
        ),
        (
            "/v1/me/playlists",
            q(r, |r, q| list(r, "me/playlists", &r.account.playlists, q)),
        ),
        (
            "/v1/me/albums",
            q(r, |r, q| list(r, "me/albums", &r.account.saved_albums, q)),
        ),
        (
            "/v1/me/shows",
            q(r, |r, q| list(r, "me/shows", &r.account.saved_shows, q)),
        ),
        (
            "/v1/me/episodes",
            q(r, |r, q| {
                list(r, "me/episodes", &r.account.saved_episodes, q)
            }),
        ),
        (
            "/v1/me/audiobooks",
            q(r, |r, q| {
                list(r, "me/audiobooks", &r.account.saved_audiobooks, q)
            }),
        ),
        ("/v1/me/following", q(r, following)),
        ("/v1/me/top/artists", q(r, |r, q| top(r, "artists", q))),
        ("/v1/me/top/tracks", q(r, |r, q| top(r, "tracks", q))),
        ("/v1/me/player/recently-played", q(r, recently_played)),
        (
            "/v1/playlists/{id}/items",
            id_q(r, |r, id, q| items(r, id, q, "items")),
        ),
        (
            "/v1/playlists/{id}/tracks",
            id_q(r, |r, id, q| items(r, id, q, "tracks")),
        ),
        (
            "/v1/albums/{id}",
            id_q(r, |r, id, _| by_id(&r.account.albums, id)),
        ),
        ("/v1/albums/{id}/tracks", id_q(r, album_tracks)),
        (
            "/v1/albums",
            q(r, |r, q| several(r, &r.account.albums, "albums", 20, q)),
        ),
        (
            "/v1/artists/{id}",
            id_q(r, |r, id, _| by_id(&r.account.artists, id)),
        ),
        (
            "/v1/artists",
            q(r, |r, q| several(r, &r.account.artists, "artists", 50, q)),
        ),
    ]
}

fn to_vec(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

fn not_recorded(what: &str) -> Response {
    error(404, &format!("Resource not found (no recording of {what})"))
}

/// One page of `items` at the query's offset and limit, as `path` would answer it.
fn page_of(
    base: &str,
    path: &str,
    extra: &str,
    items: &[Value],
    offset: usize,
    limit: usize,
) -> Value {
    let end = offset.saturating_add(limit).min(items.len());
    let slice = items.get(offset..end).unwrap_or(&[]);
    let link = |o: usize| format!("{base}{path}?offset={o}&limit={limit}{extra}");
    json!({
        "href": link(offset),
        "items": slice,
        "limit": limit,
        "next": (end < items.len()).then(|| link(end)),
        "offset": offset,
        "previous": (offset > 0).then(|| link(offset.saturating_sub(limit))),
        "total": items.len(),
    })
}

fn list(r: &Replay, path: &str, items: &[Value], q: &[(String, String)]) -> Response {
    match paging(q) {
        Ok((offset, limit)) => ok(to_vec(&page_of(&r.base, path, "", items, offset, limit))),
        Err(resp) => resp,
    }
}

fn top(r: &Replay, kind: &str, q: &[(String, String)]) -> Response {
    let range = param(q, "time_range").unwrap_or("medium_term");
    let i = match range {
        "short_term" => 0,
        "medium_term" => 1,
        "long_term" => 2,
        _ => return error(400, "Invalid time range"),
    };
    let lists = if kind == "artists" {
        &r.account.top.artists
    } else {
        &r.account.top.tracks
    };
    match paging(q) {
        Ok((offset, limit)) => {
            let path = format!("me/top/{kind}");
            let extra = format!("&time_range={range}");
            ok(to_vec(&page_of(
                &r.base, &path, &extra, &lists[i], offset, limit,
            )))
        }
        Err(resp) => resp,
    }
}

/// The recorded cursor page that follows the one whose `cursors.after` is the query's `after`.
fn following(r: &Replay, q: &[(String, String)]) -> Response {
    if param(q, "type") != Some("artist") {
        return error(400, "type must be artist");
    }
    let pages = &r.account.follows;
    let at = match param(q, "after") {
        None => 0,
        Some(after) => match pages
            .iter()
            .position(|p| p["cursors"]["after"].as_str() == Some(after))
        {
            Some(i) => i + 1,
            None => return not_recorded("the follows after this cursor"),
        },
    };
    match pages.get(at) {
        Some(p) => ok(to_vec(&json!({ "artists": p }))),
        None => not_recorded("the follows after this cursor"),
    }
}

/// Milliseconds since the epoch of a play's `played_at`.
fn played_ms(p: &Value) -> Option<i64> {
    let s = p["played_at"].as_str()?;
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.timestamp_millis())
}

fn recently_played(r: &Replay, q: &[(String, String)]) -> Response {
    let limit = match param(q, "limit").map(str::parse::<usize>) {
        None => 20,
        Some(Ok(n)) if (1..=50).contains(&n) => n,
        Some(_) => return error(400, "Invalid limit"),
    };
    let cursor = |k: &str| param(q, k).map(str::parse::<i64>);
    let plays = &r.account.plays;
    let page: Vec<&Value> = match (cursor("after"), cursor("before")) {
        (Some(Err(_)), _) | (_, Some(Err(_))) => return error(400, "Invalid cursor"),
        (Some(Ok(_)), Some(Ok(_))) => {
            return error(400, "Only one of after or before may be specified");
        }
        (Some(Ok(a)), None) => {
            let newer: Vec<&Value> = plays.iter().filter(|p| played_ms(p) > Some(a)).collect();
            newer[newer.len().saturating_sub(limit)..].to_vec()
        }
        (None, Some(Ok(b))) => plays
            .iter()
            .filter(|p| played_ms(p).is_some_and(|t| t < b))
            .take(limit)
            .collect(),
        (None, None) => plays.iter().take(limit).collect(),
    };
    let first = page.first().and_then(|p| played_ms(p));
    let last = page.last().and_then(|p| played_ms(p));
    let older = last.is_some_and(|l| plays.iter().any(|p| played_ms(p).is_some_and(|t| t < l)));
    let next = older.then(|| {
        format!(
            "{}me/player/recently-played?before={}&limit={limit}",
            r.base,
            last.unwrap_or(0)
        )
    });
    let body = json!({
        "href": format!("{}me/player/recently-played?limit={limit}", r.base),
        "items": page,
        "limit": limit,
        "next": next,
        "cursors": first.zip(last).map(|(a, b)| json!({"after": a.to_string(), "before": b.to_string()})),
    });
    ok(to_vec(&body))
}

/// Whether a Development Mode app may read the playlist's items: the account owns it or
/// collaborates on it.
fn own_or_collaborative(r: &Replay, id: &str) -> bool {
    let me = r.account.me["id"].as_str();
    r.account.playlists.iter().any(|p| {
        p["id"].as_str() == Some(id)
            && (p["owner"]["id"].as_str() == me || p["collaborative"].as_bool() == Some(true))
    })
}

fn items(r: &Replay, id: &str, q: &[(String, String)], path: &str) -> Response {
    if !r.extended {
        if path == "tracks" {
            return error(403, "Forbidden");
        }
        if id.starts_with("37i9") {
            return error(404, "Resource not found");
        }
        if !own_or_collaborative(r, id) {
            return error(403, "Forbidden");
        }
    }
    let Some(entries) = r.account.items.get(id) else {
        return not_recorded("this playlist's items");
    };
    match paging(q) {
        Ok((offset, limit)) => {
            let path = format!("playlists/{id}/{path}");
            ok(to_vec(&page_of(&r.base, &path, "", entries, offset, limit)))
        }
        Err(resp) => resp,
    }
}

fn by_id(objects: &std::collections::HashMap<String, Value>, id: &str) -> Response {
    match objects.get(id) {
        Some(v) => ok(to_vec(v)),
        None => not_recorded("this id"),
    }
}

/// An album's recorded track page, re-paged; a page past what was recorded is not served.
fn album_tracks(r: &Replay, id: &str, q: &[(String, String)]) -> Response {
    let Some(album) = r.account.albums.get(id) else {
        return not_recorded("this id");
    };
    let recorded = album["tracks"]["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let (offset, limit) = match paging(q) {
        Ok(p) => p,
        Err(resp) => return resp,
    };
    if offset >= recorded.len() && offset > 0 {
        return not_recorded("this page of the album's tracks");
    }
    let path = format!("albums/{id}/tracks");
    ok(to_vec(&page_of(
        &r.base, &path, "", &recorded, offset, limit,
    )))
}

/// `GET /albums?ids=` and `/artists?ids=`: Extended Quota only; `null` for an unknown id.
fn several(
    r: &Replay,
    objects: &std::collections::HashMap<String, Value>,
    key: &str,
    max: usize,
    q: &[(String, String)],
) -> Response {
    if !r.extended {
        return error(403, "Forbidden");
    }
    let ids: Vec<&str> = param(q, "ids")
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.is_empty())
        .collect();
    if ids.is_empty() || ids.len() > max {
        return error(400, "Invalid ids");
    }
    let found: Vec<Value> = ids
        .iter()
        .map(|i| objects.get(*i).cloned().unwrap_or(Value::Null))
        .collect();
    ok(to_vec(&json!({ key: found })))
}
