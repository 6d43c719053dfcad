//! The Web API's reads by id: playlists, their items and cover, artists, albums and their
//! tracks, and the batch lookups of Extended Quota. An id is looked up in the caller's library
//! first, then in the other simulated users' (the catalogue and the playlists are Spotify's,
//! the same for every user).

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use axum::routing::{MethodRouter, get};

use super::api::{AppState, Ext, caller, error, ok, paging, param, query};
use super::model::{Library, parse_id};
use super::render::{self, Ctx};
use super::state::Shared;

pub fn endpoints() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/v1/playlists/{id}", get(playlist)),
        ("/v1/playlists/{id}/items", get(playlist_items)),
        ("/v1/playlists/{id}/tracks", get(playlist_tracks)),
        ("/v1/playlists/{id}/images", get(playlist_images)),
        ("/v1/artists", get(several_artists)),
        ("/v1/artists/{id}", get(artist)),
        ("/v1/albums", get(several_albums)),
        ("/v1/albums/{id}", get(album)),
        ("/v1/albums/{id}/tracks", get(album_tracks)),
    ]
}

/// The first library (the caller's, then the others in order) where `f` finds something.
pub fn locate<T>(
    libs: &[Library],
    first: usize,
    f: impl Fn(&Library) -> Option<T>,
) -> Option<(usize, T)> {
    std::iter::once(first)
        .chain((0..libs.len()).filter(|&i| i != first))
        .filter(|&i| i < libs.len())
        .find_map(|i| f(&libs[i]).map(|t| (i, t)))
}

/// Rendering from library `i` for a caller whose own library is `mine`.
fn ctx_of<'a>(s: &'a Shared, libs: &'a [Library], i: usize, mine: usize, ext: bool) -> Ctx<'a> {
    Ctx {
        lib: &libs[i],
        base: &s.api_base,
        cdn: &s.base,
        extended: ext,
        own: i == mine,
    }
}

/// A playlist this app may see: `(library, position)`; 400 for a malformed id, 404 unknown or
/// Spotify-owned in Development Mode.
fn find_playlist(
    libs: &[Library],
    mine: usize,
    id: &str,
    ext: bool,
) -> Result<(usize, usize), Response> {
    if parse_id(id).is_none() {
        return Err(error(400, "Invalid base62 id"));
    }
    match locate(libs, mine, |l| l.playlist_pos(id)) {
        Some((l, i)) if ext || !libs[l].playlists[i].spotify_owned() => Ok((l, i)),
        _ => Err(error(404, "Resource not found")),
    }
}

async fn playlist(State(s): State<AppState>, c: Ext, Path(id): Path<String>) -> Response {
    let ext = s.settings().extended();
    let mine = caller(c).user.unwrap_or(0);
    let lib = s.read_user(mine);
    match find_playlist(lib.all(), mine, &id, ext) {
        Ok((l, i)) => {
            let c = ctx_of(&s, lib.all(), l, mine, ext);
            ok(render::playlist_full(&c, &lib.all()[l].playlists[i]))
        }
        Err(r) => r,
    }
}

/// `GET /playlists/{id}/images`: the cover as `images` lists it.
async fn playlist_images(State(s): State<AppState>, c: Ext, Path(id): Path<String>) -> Response {
    let ext = s.settings().extended();
    let mine = caller(c).user.unwrap_or(0);
    let lib = s.read_user(mine);
    match find_playlist(lib.all(), mine, &id, ext) {
        Ok((l, i)) => {
            let c = ctx_of(&s, lib.all(), l, mine, ext);
            ok(render::to_vec(&render::playlist_images(
                &c,
                &lib.all()[l].playlists[i],
            )))
        }
        Err(r) => r,
    }
}

fn items(s: &Shared, c: Ext, id: &str, q: &Option<String>, path: &str) -> Response {
    let ext = s.settings().extended();
    let mine = caller(c).user.unwrap_or(0);
    let lib = s.read_user(mine);
    let (l, i) = match find_playlist(lib.all(), mine, id, ext) {
        Ok(found) => found,
        Err(r) => return r,
    };
    let p = &lib.all()[l].playlists[i];
    let c = ctx_of(s, lib.all(), l, mine, ext);
    if !render::items_visible(&c, p) {
        return error(403, "Forbidden");
    }
    let (offset, limit) = match paging(&query(q)) {
        Ok(p) => p,
        Err(r) => return r,
    };
    ok(render::items_page(&c, p, path, offset, limit))
}

async fn playlist_items(
    State(s): State<AppState>,
    c: Ext,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    items(&s, c, &id, &q, "items")
}

async fn playlist_tracks(
    State(s): State<AppState>,
    c: Ext,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    if !s.settings().extended() {
        return error(403, "Forbidden");
    }
    items(&s, c, &id, &q, "tracks")
}

/// The library holding the artist / album `id`, and its index there.
fn catalogue_lookup(
    libs: &[Library],
    mine: usize,
    id: &str,
    find: fn(&Library, &str) -> Option<u32>,
) -> Result<(usize, u32), Response> {
    if parse_id(id).is_none() {
        return Err(error(400, "Invalid base62 id"));
    }
    locate(libs, mine, |l| find(l, id)).ok_or_else(|| error(404, "Resource not found"))
}

async fn artist(State(s): State<AppState>, c: Ext, Path(id): Path<String>) -> Response {
    let ext = s.settings().extended();
    let mine = caller(c).user.unwrap_or(0);
    let lib = s.read_user(mine);
    match catalogue_lookup(lib.all(), mine, &id, Library::artist_by_id) {
        Ok((l, a)) => {
            let c = ctx_of(&s, lib.all(), l, mine, ext);
            ok(render::to_vec(&render::artist_full(&c, a)))
        }
        Err(r) => r,
    }
}

async fn album(State(s): State<AppState>, c: Ext, Path(id): Path<String>) -> Response {
    let ext = s.settings().extended();
    let mine = caller(c).user.unwrap_or(0);
    let lib = s.read_user(mine);
    match catalogue_lookup(lib.all(), mine, &id, Library::album_by_id) {
        Ok((l, a)) => {
            let c = ctx_of(&s, lib.all(), l, mine, ext);
            ok(render::to_vec(&render::album_full(&c, a)))
        }
        Err(r) => r,
    }
}

/// Offset paging over the album's tracks (`limit` 1–50, default 20).
async fn album_tracks(
    State(s): State<AppState>,
    c: Ext,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let ext = s.settings().extended();
    let mine = caller(c).user.unwrap_or(0);
    let lib = s.read_user(mine);
    let (l, a) = match catalogue_lookup(lib.all(), mine, &id, Library::album_by_id) {
        Ok(found) => found,
        Err(r) => return r,
    };
    match paging(&query(&q)) {
        Ok((offset, limit)) => {
            let c = ctx_of(&s, lib.all(), l, mine, ext);
            ok(render::album_tracks_page(&c, a, offset, limit))
        }
        Err(r) => r,
    }
}

/// The `ids` of a batch request: present, at most `max`, each a base62 id.
fn batch_ids(q: &Option<String>, max: usize) -> Result<Vec<String>, Response> {
    let q = query(q);
    let Some(ids) = param(&q, "ids") else {
        return Err(error(400, "Missing required parameter: ids"));
    };
    let ids: Vec<String> = ids
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if ids.is_empty() {
        return Err(error(400, "Missing required parameter: ids"));
    }
    if ids.len() > max {
        return Err(error(400, "Too many ids requested"));
    }
    if ids.iter().any(|i| parse_id(i).is_none()) {
        return Err(error(400, "Invalid base62 id"));
    }
    Ok(ids)
}

async fn several_artists(State(s): State<AppState>, c: Ext, RawQuery(q): RawQuery) -> Response {
    let ext = s.settings().extended();
    if !ext {
        return error(403, "Forbidden");
    }
    let ids = match batch_ids(&q, 50) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let mine = caller(c).user.unwrap_or(0);
    let lib = s.read_user(mine);
    let libs = lib.all();
    let items: Vec<Option<render::ArtistFull<'_>>> = ids
        .iter()
        .map(|i| {
            locate(libs, mine, |l| l.artist_by_id(i))
                .map(|(l, a)| render::artist_full(&ctx_of(&s, libs, l, mine, ext), a))
        })
        .collect();
    ok(render::to_vec(&serde_json::json!({ "artists": items })))
}

async fn several_albums(State(s): State<AppState>, c: Ext, RawQuery(q): RawQuery) -> Response {
    let ext = s.settings().extended();
    if !ext {
        return error(403, "Forbidden");
    }
    let ids = match batch_ids(&q, 20) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let mine = caller(c).user.unwrap_or(0);
    let lib = s.read_user(mine);
    let libs = lib.all();
    let items: Vec<Option<render::AlbumFull<'_>>> = ids
        .iter()
        .map(|i| {
            locate(libs, mine, |l| l.album_by_id(i))
                .map(|(l, a)| render::album_full(&ctx_of(&s, libs, l, mine, ext), a))
        })
        .collect();
    ok(render::to_vec(&serde_json::json!({ "albums": items })))
}
