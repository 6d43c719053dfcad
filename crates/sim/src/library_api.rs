//! The Web API's library lists besides liked songs and playlists: `/me/albums`,
//! `/me/following`, `/me/shows`, `/me/episodes`, `/me/audiobooks`, `/me/top/{artists,tracks}`.
//! Each needs a user token with the scopes Spotify's description names; a token without them
//! gets Spotify's 403 "Insufficient client scope".

use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::routing::{MethodRouter, get};

use super::api::{AppState, Ext, caller, ctx, error, need_user, ok, paging, param, query};
use super::model::{TimeRange, parse_id};
use super::render::{self, Ctx};

pub const LIBRARY_READ: &str = "user-library-read";
pub const FOLLOW_READ: &str = "user-follow-read";
pub const TOP_READ: &str = "user-top-read";
pub const PLAYBACK_POSITION: &str = "user-read-playback-position";

pub fn endpoints() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/v1/me/albums", get(saved_albums)),
        ("/v1/me/following", get(following)),
        ("/v1/me/shows", get(saved_shows)),
        ("/v1/me/episodes", get(saved_episodes)),
        ("/v1/me/audiobooks", get(saved_audiobooks)),
        ("/v1/me/top/artists", get(top_artists)),
        ("/v1/me/top/tracks", get(top_tracks)),
    ]
}

/// A user token holding every one of `scopes`: its user.
fn allowed(c: Ext, scopes: &[&str]) -> Result<usize, Response> {
    let c = caller(c);
    let user = need_user(c)?;
    if scopes.iter().all(|s| c.scopes.has(s)) {
        Ok(user)
    } else {
        Err(error(403, "Insufficient client scope"))
    }
}

/// Check the token's scopes and the paging, then render an offset page.
fn offset_list(
    s: &AppState,
    c: Ext,
    q: &Option<String>,
    scopes: &[&str],
    render: impl Fn(&Ctx<'_>, usize, usize) -> Vec<u8>,
) -> Response {
    let user = match allowed(c, scopes) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let (offset, limit) = match paging(&query(q)) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ext = s.settings().extended();
    let lib = s.read_user(user);
    ok(render(&ctx(s, &lib, ext), offset, limit))
}

async fn saved_albums(State(s): State<AppState>, c: Ext, RawQuery(q): RawQuery) -> Response {
    offset_list(&s, c, &q, &[LIBRARY_READ], render::saved_albums_page)
}

async fn saved_shows(State(s): State<AppState>, c: Ext, RawQuery(q): RawQuery) -> Response {
    offset_list(&s, c, &q, &[LIBRARY_READ], render::saved_shows_page)
}

async fn saved_episodes(State(s): State<AppState>, c: Ext, RawQuery(q): RawQuery) -> Response {
    offset_list(
        &s,
        c,
        &q,
        &[LIBRARY_READ, PLAYBACK_POSITION],
        render::saved_episodes_page,
    )
}

async fn saved_audiobooks(State(s): State<AppState>, c: Ext, RawQuery(q): RawQuery) -> Response {
    offset_list(&s, c, &q, &[LIBRARY_READ], render::saved_audiobooks_page)
}

/// `time_range` (default `medium_term`).
fn time_range(q: &Option<String>) -> Result<TimeRange, Response> {
    match param(&query(q), "time_range") {
        None => Ok(TimeRange::Medium),
        Some(v) => TimeRange::parse(v).ok_or_else(|| error(400, "Invalid time range")),
    }
}

async fn top_artists(State(s): State<AppState>, c: Ext, RawQuery(q): RawQuery) -> Response {
    let range = match time_range(&q) {
        Ok(r) => r,
        Err(r) => return r,
    };
    offset_list(&s, c, &q, &[TOP_READ], |c, o, l| {
        render::top_artists_page(c, range, o, l)
    })
}

async fn top_tracks(State(s): State<AppState>, c: Ext, RawQuery(q): RawQuery) -> Response {
    let range = match time_range(&q) {
        Ok(r) => r,
        Err(r) => return r,
    };
    offset_list(&s, c, &q, &[TOP_READ], |c, o, l| {
        render::top_tracks_page(c, range, o, l)
    })
}

/// Cursor paging: `type=artist` (required), `limit` 1..=50 (default 20), `after` = the last
/// artist id of the previous page. There is no `offset`.
async fn following(State(s): State<AppState>, c: Ext, RawQuery(raw): RawQuery) -> Response {
    let user = match allowed(c, &[FOLLOW_READ]) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let q = query(&raw);
    match param(&q, "type") {
        None => return error(400, "Missing required parameter: type"),
        Some("artist") => {}
        Some(_) => return error(400, "Invalid type: only artist is supported"),
    }
    let limit = match param(&q, "limit") {
        None => 20,
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (1..=50).contains(&n) => n as usize,
            _ => return error(400, "Invalid limit"),
        },
    };
    let after = match param(&q, "after") {
        None => None,
        Some(v) => match parse_id(v) {
            Some(id) => Some(id),
            None => return error(400, "Invalid after: not a base62 id"),
        },
    };
    let ext = s.settings().extended();
    let lib = s.read_user(user);
    ok(render::followed_page(
        &ctx(&s, &lib, ext),
        after.as_ref(),
        limit,
    ))
}
