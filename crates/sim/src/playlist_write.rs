//! Writing playlists: `POST /me/playlists` (create), `PUT /playlists/{id}` (details),
//! `POST` / `PUT` / `DELETE /playlists/{id}/items` (add; replace or reorder; remove) and
//! `PUT /playlists/{id}/images` (a custom cover). Every change stores a new `snapshot_id`; the
//! item endpoints answer it. Added items carry the time of the write and the caller as
//! `added_by`.

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, post, put};
use base64::Engine;
use serde::Deserialize;
use serde_json::json;

use super::api::{
    AppState, Caller, Ext, caller, error, json as json_response, need_user, param, query,
};
use super::control::now_secs;
use super::covers::{Cover, is_jpeg};
use super::generate::snapshot;
use super::model::{ItemKind, Library, Playlist, PlaylistItem, random_id};
use super::render::{self, Ctx};
use super::state::{Shared, lock};
use super::uris::{Target, Uri, UriKind, item_uri, parse_all, parse_list, resolve_all};
use super::users::LibWrite;

/// The most items one request may add, set or remove.
pub const MAX_ITEMS: usize = 100;
/// The largest cover upload: 256 KB of base64.
pub const MAX_IMAGE: usize = 256 * 1024;

pub fn endpoints() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/v1/me/playlists", post(create)),
        ("/v1/playlists/{id}", put(details)),
        (
            "/v1/playlists/{id}/items",
            post(add_items).put(replace_or_reorder).delete(remove_items),
        ),
        ("/v1/playlists/{id}/images", put(upload_cover)),
    ]
}

fn bad_json() -> Response {
    error(400, "Error parsing JSON.")
}

/// A JSON object body (an empty body reads as `{}`).
fn body<T: for<'de> Deserialize<'de>>(b: &Bytes) -> Result<T, Response> {
    if b.iter().all(|c| c.is_ascii_whitespace()) {
        return serde_json::from_str("{}").map_err(|_| bad_json());
    }
    serde_json::from_slice(b).map_err(|_| bad_json())
}

/// The scope a change of a playlist that is (or becomes) public / private needs.
fn visibility_scope(public: bool) -> &'static str {
    if public {
        "playlist-modify-public"
    } else {
        "playlist-modify-private"
    }
}

fn need(c: Caller, scopes: &[&str]) -> Result<(), Response> {
    if scopes.iter().all(|s| c.scopes.has(s)) {
        Ok(())
    } else {
        Err(error(403, "Insufficient client scope"))
    }
}

/// What a caller may do to a playlist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Right {
    /// Name, description, flags, cover: the owner only.
    Details,
    /// Items: the owner, or anyone following a collaborative playlist.
    Items,
}

/// The position of the playlist `id` the caller may change; 400 malformed id, 404 unknown (or
/// Spotify's own in Development Mode), 403 someone else's.
fn writable(w: &LibWrite<'_>, id: &str, right: Right, ext: bool) -> Result<usize, Response> {
    if super::model::parse_id(id).is_none() {
        return Err(error(400, "Invalid base62 id"));
    }
    let Some(pos) = w.playlist_pos(id) else {
        let elsewhere = w.all().iter().any(|l| l.playlist_pos(id).is_some());
        return Err(if elsewhere {
            error(403, "You cannot change a playlist you do not own")
        } else {
            error(404, "Resource not found")
        });
    };
    let p = &w.playlists[pos];
    if p.spotify_owned() && !ext {
        return Err(error(404, "Resource not found"));
    }
    let allowed = p.owned_by_user() || (right == Right::Items && p.collaborative && p.in_library);
    if !allowed {
        return Err(error(403, "You cannot change a playlist you do not own"));
    }
    Ok(pos)
}

fn new_snapshot(s: &Shared, p: &mut Playlist) -> String {
    p.snapshot_id = snapshot(&mut lock(&s.mut_rng));
    p.snapshot_id.clone()
}

fn snapshot_answer(status: StatusCode, snapshot_id: &str) -> Response {
    json_response(
        status,
        render::to_vec(&json!({ "snapshot_id": snapshot_id })),
    )
}

#[derive(Debug, Deserialize)]
struct Details {
    name: Option<String>,
    description: Option<String>,
    public: Option<bool>,
    collaborative: Option<bool>,
}

/// `POST /me/playlists`: `name` required; `public` defaults to true, `collaborative` to
/// false (a collaborative playlist must be private). 201 with the playlist, first in the list.
async fn create(State(s): State<AppState>, c: Ext, b: Bytes) -> Response {
    let c = caller(c);
    let user = match need_user(c) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let d: Details = match body(&b) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let Some(name) = d.name.filter(|n| !n.trim().is_empty()) else {
        return error(400, "Missing required field: name");
    };
    let public = d.public.unwrap_or(true);
    let collaborative = d.collaborative.unwrap_or(false);
    if public && collaborative {
        return error(400, "A collaborative playlist must not be public");
    }
    let mut scopes = vec![visibility_scope(public)];
    if collaborative {
        scopes.push("playlist-modify-public");
    }
    if let Err(r) = need(c, &scopes) {
        return r;
    }
    let ext = s.settings().extended();
    let mut w = s.write_user(user);
    if w.playlists.len() >= crate::MAX_PLAYLISTS + 11_000 {
        return error(400, "Too many playlists");
    }
    let mut p = Playlist {
        id: random_id(&mut *lock(&s.mut_rng)),
        name: name.into_boxed_str(),
        description: d.description.map(String::into_boxed_str),
        owner: 0,
        public,
        collaborative,
        snapshot_id: String::new(),
        followers: 0,
        in_library: true,
        items: Vec::new(),
    };
    new_snapshot(&s, &mut p);
    w.playlists.insert(0, p);
    let c = Ctx {
        lib: &w,
        base: &s.api_base,
        cdn: &s.base,
        extended: ext,
        own: true,
    };
    json_response(
        StatusCode::CREATED,
        render::playlist_full(&c, &w.playlists[0]),
    )
}

/// `PUT /playlists/{id}`: name, description, public, collaborative (the owner only). 200 with
/// no body, as Spotify answers; the new `snapshot_id` is in `GET /playlists/{id}`.
async fn details(State(s): State<AppState>, c: Ext, Path(id): Path<String>, b: Bytes) -> Response {
    let c = caller(c);
    let user = match need_user(c) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let d: Details = match body(&b) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let ext = s.settings().extended();
    let mut w = s.write_user(user);
    let pos = match writable(&w, &id, Right::Details, ext) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let p = &w.playlists[pos];
    let public = d.public.unwrap_or(p.public);
    let collaborative = d.collaborative.unwrap_or(p.collaborative);
    if public && collaborative {
        return error(400, "A collaborative playlist must not be public");
    }
    if d.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
        return error(400, "The name must not be empty");
    }
    if let Err(r) = need(c, &[visibility_scope(p.public), visibility_scope(public)]) {
        return r;
    }
    let p = &mut w.playlists[pos];
    if let Some(n) = d.name {
        p.name = n.into_boxed_str();
    }
    if let Some(desc) = d.description {
        p.description = Some(desc.into_boxed_str());
    }
    p.public = public;
    p.collaborative = collaborative;
    new_snapshot(&s, p);
    StatusCode::OK.into_response()
}

#[derive(Debug, Deserialize)]
struct ItemsBody {
    uris: Option<Vec<String>>,
    position: Option<i64>,
    range_start: Option<i64>,
    insert_before: Option<i64>,
    range_length: Option<i64>,
    /// Accepted, not checked: the simulator keeps no history of snapshots.
    #[serde(rename = "snapshot_id")]
    _snapshot_id: Option<String>,
}

/// The items a request adds or sets: `uris` of the query (comma-separated) before the body's.
fn item_uris(q: &[(String, String)], b: &ItemsBody) -> Result<Option<Vec<Uri>>, Response> {
    let uris = match (param(q, "uris"), &b.uris) {
        (Some(raw), _) => parse_list(Some(raw), MAX_ITEMS)?,
        (None, Some(list)) => parse_all(list.iter().map(String::as_str), MAX_ITEMS)?,
        (None, None) => return Ok(None),
    };
    if let Some(u) = uris
        .iter()
        .find(|u| !matches!(u.kind, UriKind::Track | UriKind::Episode))
    {
        return Err(error(
            400,
            &format!("Unsupported URI type for a playlist: {}", u.id),
        ));
    }
    Ok(Some(uris))
}

/// New entries for `targets`, added now by the library's user.
fn entries(targets: Vec<Target>, now: i64) -> Vec<PlaylistItem> {
    targets
        .into_iter()
        .filter_map(|t| match t {
            Target::Track(x) => Some(ItemKind::Track(x)),
            Target::Episode(x) => Some(ItemKind::Episode(x)),
            _ => None,
        })
        .map(|kind| PlaylistItem {
            kind,
            added_at: Some(now),
            added_by: Some(0),
        })
        .collect()
}

/// The caller, the body and the playlist of an items request, with the scope it needs.
struct ItemsRequest {
    c: Caller,
    user: usize,
    q: Vec<(String, String)>,
    b: ItemsBody,
}

fn items_request(c: Ext, q: &Option<String>, b: &Bytes) -> Result<ItemsRequest, Response> {
    let c = caller(c);
    let user = need_user(c)?;
    Ok(ItemsRequest {
        c,
        user,
        q: query(q),
        b: body(b)?,
    })
}

/// The playlist (position) an items request may change, its scope checked.
fn items_target(
    s: &Shared,
    w: &LibWrite<'_>,
    r: &ItemsRequest,
    id: &str,
) -> Result<usize, Response> {
    let pos = writable(w, id, Right::Items, s.settings().extended())?;
    need(r.c, &[visibility_scope(w.playlists[pos].public)])?;
    Ok(pos)
}

/// `POST /playlists/{id}/items`: add `uris` (query or body, at most 100) at `position`
/// (query or body; default the end). 201 `{"snapshot_id"}`.
async fn add_items(
    State(s): State<AppState>,
    c: Ext,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    b: Bytes,
) -> Response {
    let r = match items_request(c, &q, &b) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let uris = match item_uris(&r.q, &r.b) {
        Ok(Some(u)) => u,
        Ok(None) => return error(400, "Missing required parameter: uris"),
        Err(resp) => return resp,
    };
    let position = match param(&r.q, "position") {
        Some(v) => match v.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => return error(400, "Invalid position"),
        },
        None => r.b.position,
    };
    let mut w = s.write_user(r.user);
    let pos = match items_target(&s, &w, &r, &id) {
        Ok(p) => p,
        Err(resp) => return resp,
    };
    let len = w.playlists[pos].items.len();
    let at = match position {
        None => len,
        Some(n) if (0..=len as i64).contains(&n) => n as usize,
        Some(_) => return error(400, "Index out of bounds"),
    };
    let targets = match resolve_all(&mut w, &uris) {
        Ok(t) => t,
        Err(resp) => return resp,
    };
    let new = entries(targets, now_secs());
    let p = &mut w.playlists[pos];
    p.items.splice(at..at, new);
    let snap = new_snapshot(&s, p);
    snapshot_answer(StatusCode::CREATED, &snap)
}

/// `PUT /playlists/{id}/items`: replace the items with `uris` (query or body, at most 100; an
/// empty list clears), or reorder with `range_start`, `insert_before`, `range_length`
/// (default 1). Not both. 200 `{"snapshot_id"}`.
async fn replace_or_reorder(
    State(s): State<AppState>,
    c: Ext,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    b: Bytes,
) -> Response {
    let r = match items_request(c, &q, &b) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let uris = match item_uris(&r.q, &r.b) {
        Ok(u) => u,
        Err(resp) => return resp,
    };
    let reorder = r.b.range_start.is_some() || r.b.insert_before.is_some();
    if uris.is_some() == reorder {
        return error(
            400,
            "Either uris (replace) or range_start and insert_before (reorder)",
        );
    }
    let mut w = s.write_user(r.user);
    let pos = match items_target(&s, &w, &r, &id) {
        Ok(p) => p,
        Err(resp) => return resp,
    };
    match uris {
        Some(uris) => {
            let targets = match resolve_all(&mut w, &uris) {
                Ok(t) => t,
                Err(resp) => return resp,
            };
            w.playlists[pos].items = entries(targets, now_secs());
        }
        None => {
            if let Err(resp) = reorder_items(&mut w.playlists[pos].items, &r.b) {
                return resp;
            }
        }
    }
    let snap = new_snapshot(&s, &mut w.playlists[pos]);
    snapshot_answer(StatusCode::OK, &snap)
}

/// Move `range_length` items from `range_start` to before `insert_before` (positions before
/// the move).
fn reorder_items(items: &mut Vec<PlaylistItem>, b: &ItemsBody) -> Result<(), Response> {
    let len = items.len() as i64;
    let (Some(start), Some(before)) = (b.range_start, b.insert_before) else {
        return Err(error(
            400,
            "range_start and insert_before are both required",
        ));
    };
    let n = b.range_length.unwrap_or(1);
    if start < 0 || n < 1 || start + n > len || !(0..=len).contains(&before) {
        return Err(error(400, "Index out of bounds"));
    }
    let (start, n, before) = (start as usize, n as usize, before as usize);
    if (start..=start + n).contains(&before) {
        return Ok(());
    }
    let moved: Vec<PlaylistItem> = items.drain(start..start + n).collect();
    let at = if before > start { before - n } else { before };
    items.splice(at..at, moved);
    Ok(())
}

#[derive(Debug, Deserialize)]
struct Removal {
    uri: String,
    positions: Option<Vec<i64>>,
}

#[derive(Debug, Deserialize)]
struct RemoveBody {
    #[serde(alias = "tracks")]
    items: Option<Vec<Removal>>,
    /// Accepted, not checked: the simulator keeps no history of snapshots.
    #[serde(rename = "snapshot_id")]
    _snapshot_id: Option<String>,
}

/// `DELETE /playlists/{id}/items`: body `{"items": [{"uri", "positions"?}], "snapshot_id"?}`
/// (at most 100; `tracks` is read as `items`). Without `positions` every occurrence of the URI
/// goes; with them, those positions, which must hold that URI. 200 `{"snapshot_id"}`.
async fn remove_items(
    State(s): State<AppState>,
    c: Ext,
    Path(id): Path<String>,
    b: Bytes,
) -> Response {
    let c = caller(c);
    let user = match need_user(c) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let rb: RemoveBody = match body(&b) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(list) = rb.items.filter(|l| !l.is_empty()) else {
        return error(400, "Missing required field: items");
    };
    let uris = match parse_all(list.iter().map(|r| r.uri.as_str()), MAX_ITEMS) {
        Ok(u) => u,
        Err(r) => return r,
    };
    if let Some(u) = uris
        .iter()
        .find(|u| !matches!(u.kind, UriKind::Track | UriKind::Episode | UriKind::Local))
    {
        return error(
            400,
            &format!("Unsupported URI type for a playlist: {}", u.id),
        );
    }
    let mut w = s.write_user(user);
    let pos = match writable(&w, &id, Right::Items, s.settings().extended()) {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Err(r) = need(c, &[visibility_scope(w.playlists[pos].public)]) {
        return r;
    }
    let gone = match removed_positions(&w, &w.playlists[pos], &list) {
        Ok(g) => g,
        Err(r) => return r,
    };
    let p = &mut w.playlists[pos];
    let mut i = 0;
    p.items.retain(|_| {
        let keep = !gone.contains(&i);
        i += 1;
        keep
    });
    let snap = new_snapshot(&s, p);
    snapshot_answer(StatusCode::OK, &snap)
}

/// The positions a removal takes away.
fn removed_positions(
    lib: &Library,
    p: &Playlist,
    list: &[Removal],
) -> Result<std::collections::HashSet<usize>, Response> {
    let uris: Vec<Option<String>> = p.items.iter().map(|it| item_uri(lib, &it.kind)).collect();
    let mut gone = std::collections::HashSet::new();
    for r in list {
        let uri = r.uri.trim();
        match &r.positions {
            None => gone.extend((0..uris.len()).filter(|&i| uris[i].as_deref() == Some(uri))),
            Some(ps) => {
                for &at in ps {
                    let ok = usize::try_from(at)
                        .ok()
                        .filter(|&i| uris.get(i).and_then(|u| u.as_deref()) == Some(uri));
                    match ok {
                        Some(i) => {
                            gone.insert(i);
                        }
                        None => {
                            return Err(error(
                                400,
                                &format!(
                                    "Could not remove items: position {at} does not hold {uri}"
                                ),
                            ));
                        }
                    }
                }
            }
        }
    }
    Ok(gone)
}

/// `PUT /playlists/{id}/images`: the body is a base64-encoded JPEG, at most 256 KB of base64
/// (larger, not base64, or not a JPEG: 400). Needs `ugc-image-upload` and the playlist's modify
/// scope; the owner only. 202 with no body; the cover gets a new URL.
async fn upload_cover(
    State(s): State<AppState>,
    c: Ext,
    Path(id): Path<String>,
    b: Body,
) -> Response {
    let c = caller(c);
    let user = match need_user(c) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let Ok(raw) = axum::body::to_bytes(b, MAX_IMAGE + 1024).await else {
        return error(400, "The image is larger than 256 KB");
    };
    let text: Vec<u8> = raw
        .iter()
        .copied()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    if text.len() > MAX_IMAGE {
        return error(400, "The image is larger than 256 KB");
    }
    let Ok(jpeg) = base64::engine::general_purpose::STANDARD.decode(&text) else {
        return error(400, "The image must be base64-encoded");
    };
    if !is_jpeg(&jpeg) {
        return error(400, "The image must be a JPEG");
    }
    let mut w = s.write_user(user);
    let pos = match writable(&w, &id, Right::Details, s.settings().extended()) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let scope = visibility_scope(w.playlists[pos].public);
    if let Err(r) = need(c, &["ugc-image-upload", scope]) {
        return r;
    }
    let pid = w.playlists[pos].id;
    w.covers.insert(pid, Cover::new(jpeg));
    new_snapshot(&s, &mut w.playlists[pos]);
    StatusCode::ACCEPTED.into_response()
}
