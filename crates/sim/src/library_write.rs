//! Saving and removing through `PUT` / `DELETE /me/library?uris=…` (Spotify's one write path
//! for the library since February 2026) and `GET /me/library/contains?uris=…`.
//!
//! At most 40 URIs a request: tracks, albums, episodes, shows, audiobooks (`spotify:audiobook:`
//! or, as recorded, `spotify:show:`), artists and users to follow, playlists to follow. Every
//! item saved by one request gets the same `added_at` (the server's clock) and the request's
//! URIs are saved in turn, so the **last URI ends up first** in its list; an item already saved
//! stays where it is. A request is checked whole (URIs, scopes, ids) before anything changes.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, put};

use super::api::{AppState, Ext, caller, need_user, ok, param, query};
use super::control::now_secs;
use super::model::{Library, Saved, SavedItem, id_str};
use super::uris::{Target, Uri, UriKind, check_scopes, find, parse_list, resolve_all};

/// The most URIs one request may carry.
pub const MAX_URIS: usize = 40;

pub fn endpoints() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/v1/me/library", put(save).delete(remove)),
        ("/v1/me/library/contains", get(contains)),
    ]
}

/// The scope a write of this kind needs.
pub fn modify_scope(kind: UriKind) -> &'static str {
    match kind {
        UriKind::Artist | UriKind::User => "user-follow-modify",
        UriKind::Playlist => "playlist-modify-public",
        _ => "user-library-modify",
    }
}

/// The scope a check of this kind needs.
pub fn read_scope(kind: UriKind) -> &'static str {
    match kind {
        UriKind::Artist | UriKind::User => "user-follow-read",
        UriKind::Playlist => "playlist-read-private",
        _ => "user-library-read",
    }
}

/// The user and the URIs of a library request whose scopes `scope` names.
fn request(
    c: Ext,
    q: &Option<String>,
    scope: fn(UriKind) -> &'static str,
) -> Result<(usize, Vec<Uri>), Response> {
    let c = caller(c);
    let user = need_user(c)?;
    let q = query(q);
    let uris = parse_list(param(&q, "uris"), MAX_URIS)?;
    if let Some(local) = uris.iter().find(|u| u.kind == UriKind::Local) {
        return Err(super::api::error(
            400,
            &format!("Unsupported URI type: {}", local.id),
        ));
    }
    check_scopes(c.scopes, &uris, scope)?;
    Ok((user, uris))
}

async fn save(State(s): State<AppState>, c: Ext, RawQuery(q): RawQuery) -> Response {
    let (user, uris) = match request(c, &q, modify_scope) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let mut w = s.write_user(user);
    let targets = match resolve_all(&mut w, &uris) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let now = now_secs();
    for t in targets {
        add(&mut w, t, now);
    }
    StatusCode::OK.into_response()
}

/// Put `item` first in `list` with `now`, unless it is there already.
fn save_item(list: &mut Vec<SavedItem>, item: u32, now: i64) {
    if !list.iter().any(|s| s.item == item) {
        list.insert(
            0,
            SavedItem {
                item,
                added_at: now,
            },
        );
    }
}

/// Save / follow one thing.
fn add(lib: &mut Library, t: Target, now: i64) {
    match t {
        Target::Track(track) => {
            if !lib.saved.iter().any(|s| s.track == track) {
                lib.saved.insert(
                    0,
                    Saved {
                        track,
                        added_at: now,
                    },
                );
            }
        }
        Target::Album(a) => save_item(&mut lib.saved_albums, a, now),
        Target::Show(x) => save_item(&mut lib.saved_shows, x, now),
        Target::Episode(x) => save_item(&mut lib.saved_episodes, x, now),
        Target::Audiobook(x) => save_item(&mut lib.saved_audiobooks, x, now),
        Target::Artist(a) => {
            if !lib.followed_artists.contains(&a) {
                lib.followed_artists.push(a);
                lib.sort_followed();
            }
        }
        Target::User(u) => {
            if !lib.followed_users.contains(&u) {
                lib.followed_users.push(u);
            }
        }
        Target::Playlist(id) => {
            let Some(pos) = lib.playlist_pos(id_str(&id)) else {
                return;
            };
            if !lib.playlists[pos].in_library {
                // Followed (again): back in the list with its id, first.
                let mut p = lib.playlists.remove(pos);
                p.in_library = true;
                lib.playlists.insert(0, p);
            }
        }
        Target::Local(_) => {}
    }
}

async fn remove(State(s): State<AppState>, c: Ext, RawQuery(q): RawQuery) -> Response {
    let (user, uris) = match request(c, &q, modify_scope) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let mut w = s.write_user(user);
    // What this library does not hold is not saved: nothing to remove.
    let targets: Vec<Target> = uris.iter().filter_map(|u| find(&w, u)).collect();
    for t in targets {
        drop_target(&mut w, t);
    }
    StatusCode::OK.into_response()
}

/// Unsave / unfollow one thing. A playlist leaves the list but still exists (Spotify's
/// "delete" of one's own playlist is this unfollowing).
fn drop_target(lib: &mut Library, t: Target) {
    let unsave = |list: &mut Vec<SavedItem>, x: u32| list.retain(|s| s.item != x);
    match t {
        Target::Track(track) => lib.saved.retain(|s| s.track != track),
        Target::Album(a) => unsave(&mut lib.saved_albums, a),
        Target::Show(x) => unsave(&mut lib.saved_shows, x),
        Target::Episode(x) => unsave(&mut lib.saved_episodes, x),
        Target::Audiobook(x) => unsave(&mut lib.saved_audiobooks, x),
        Target::Artist(a) => lib.followed_artists.retain(|&x| x != a),
        Target::User(u) => lib.followed_users.retain(|x| *x != u),
        Target::Playlist(id) => {
            if let Some(pos) = lib.playlist_pos(id_str(&id)) {
                lib.playlists[pos].in_library = false;
            }
        }
        Target::Local(_) => {}
    }
}

/// Whether `t` is in the library's lists.
fn holds(lib: &Library, t: &Target) -> bool {
    let saved = |list: &[SavedItem], x: u32| list.iter().any(|s| s.item == x);
    match t {
        Target::Track(track) => lib.saved.iter().any(|s| s.track == *track),
        Target::Album(a) => saved(&lib.saved_albums, *a),
        Target::Show(x) => saved(&lib.saved_shows, *x),
        Target::Episode(x) => saved(&lib.saved_episodes, *x),
        Target::Audiobook(x) => saved(&lib.saved_audiobooks, *x),
        Target::Artist(a) => lib.followed_artists.contains(a),
        Target::User(u) => lib.followed_users.contains(u),
        Target::Playlist(id) => lib
            .playlist_pos(id_str(id))
            .is_some_and(|pos| lib.playlists[pos].in_library),
        Target::Local(_) => false,
    }
}

/// `[true, false, …]` in the order of the URIs; an unknown id is `false`.
async fn contains(State(s): State<AppState>, c: Ext, RawQuery(q): RawQuery) -> Response {
    let (user, uris) = match request(c, &q, read_scope) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let lib = s.read_user(user);
    let answer: Vec<bool> = uris
        .iter()
        .map(|u| find(&lib, u).is_some_and(|t| holds(&lib, &t)))
        .collect();
    ok(super::render::to_vec(&answer))
}
