//! The Web API (`/v1/...`): the request gate (latency, limits, faults, auth, statistics) and
//! the endpoint handlers.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Path, RawQuery, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::ConnInfo;
use super::model::{Library, Play, parse_id};
use super::render::{self, Ctx};
use super::state::{FaultKind, Gate, Scopes, Settings, Shared, lock};

pub type AppState = Arc<Shared>;

/// Who is calling (set by the gate after the bearer token is checked).
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    /// A user token (authorization code); `false` for client credentials.
    pub user: bool,
    /// The scopes the token was granted.
    pub scopes: Scopes,
}

pub fn json(status: StatusCode, body: Vec<u8>) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

/// Spotify's error body with this status.
pub fn error(status: u16, message: &str) -> Response {
    json(
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        render::error_body(status, message, None),
    )
}

fn too_many(retry_after: Option<u64>, quota: bool) -> Response {
    let body = if quota {
        render::error_body(
            429,
            "Your application has exceeded its daily request quota",
            Some("QUOTA_EXCEEDED"),
        )
    } else {
        render::error_body(429, "API rate limit exceeded", None)
    };
    let mut r = json(StatusCode::TOO_MANY_REQUESTS, body);
    if let Some(s) = retry_after {
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(s));
    }
    r
}

/// The Web API's routes: these endpoints plus `more` (the library lists' handlers), all behind
/// the same gate (latency, limits, faults, bearer auth, statistics).
pub fn routes(
    state: AppState,
    more: Vec<(&'static str, axum::routing::MethodRouter<AppState>)>,
) -> Router<AppState> {
    let mut endpoints: Vec<(&str, axum::routing::MethodRouter<AppState>)> = vec![
        ("/v1/me", get(me)),
        ("/v1/me/tracks", get(saved_tracks)),
        ("/v1/me/playlists", get(my_playlists)),
        ("/v1/me/player/recently-played", get(recently_played)),
        ("/v1/playlists/{id}", get(playlist)),
        ("/v1/playlists/{id}/items", get(playlist_items)),
        ("/v1/playlists/{id}/tracks", get(playlist_tracks)),
        ("/v1/artists", get(several_artists)),
        ("/v1/artists/{id}", get(artist)),
        ("/v1/albums", get(several_albums)),
        ("/v1/albums/{id}", get(album)),
        ("/v1/albums/{id}/tracks", get(album_tracks)),
    ];
    endpoints.extend(more);
    let mut r = Router::new();
    for (path, handler) in endpoints {
        // Spotify accepts a trailing slash (rspotify requests `me/`).
        r = r
            .route(path, handler.clone())
            .route(&format!("{path}/"), handler);
    }
    r.route_layer(middleware::from_fn_with_state(state, gate))
}

/// Everything every `/v1` request goes through, in this order: latency, rate window and
/// quota, injected / random faults, bearer auth; then the handler; statistics at the end.
async fn gate(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let route = format!(
        "{} {}",
        req.method(),
        req.extensions()
            .get::<MatchedPath>()
            .map(|m| m.as_str().trim_end_matches('/'))
            .unwrap_or("(unmatched)")
    );
    let settings = s.settings();
    if settings.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(settings.latency_ms)).await;
    }
    if let Some(refused) = limited(&s, &settings, &route) {
        return refused;
    }
    let injected = lock(&s.faults).pop_front();
    if let Some(fault) = injected.or_else(|| s.random_fault(&settings)) {
        return faulty(&s, fault, &route, req, next).await;
    }
    let resp = serve(&s, req, next).await;
    s.record(&route, resp.status().as_u16(), true);
    resp
}

/// The 429 of the rate window or the daily quota when either refuses the request (counted,
/// and counted as knocking when a block was already on).
fn limited(s: &Shared, settings: &Settings, route: &str) -> Option<Response> {
    let (verdict, knocking) = s.gate(settings);
    let (secs, quota) = match verdict {
        Gate::Pass => return None,
        Gate::Window(secs) => {
            lock(&s.stats).rate_limited += 1;
            (secs, false)
        }
        Gate::Quota(secs) => {
            lock(&s.stats).quota_exceeded += 1;
            (secs, true)
        }
    };
    if knocking {
        lock(&s.stats).while_blocked += 1;
    }
    s.told_to_wait(secs);
    s.record(route, 429, true);
    let header = (!settings.omit_retry_after).then_some(secs);
    Some(too_many(header, quota))
}

/// The answer of a request hit by `fault`.
async fn faulty(s: &Shared, fault: FaultKind, route: &str, req: Request, next: Next) -> Response {
    let (code, msg) = match fault {
        FaultKind::Drop => {
            if let Some(ConnectInfo(c)) = req.extensions().get::<ConnectInfo<ConnInfo>>() {
                c.kill.store(true, Ordering::SeqCst);
            }
            s.record_dropped(route);
            // Never delivered: the connection is closed instead.
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
        FaultKind::E429 | FaultKind::E429NoRetryAfter => {
            s.record(route, 429, true);
            lock(&s.stats).rate_limited += 1;
            return too_many((fault == FaultKind::E429).then_some(1), false);
        }
        FaultKind::Malformed => return malformed(s, route, req, next).await,
        FaultKind::E500 => (500, "Server error."),
        FaultKind::E502 => (502, "Bad gateway."),
        FaultKind::E503 => (503, "Service unavailable"),
    };
    s.record(route, code, true);
    error(code, msg)
}

/// The `malformed` fault: the request is served, and its body cut in half.
async fn malformed(s: &Shared, route: &str, req: Request, next: Next) -> Response {
    let resp = serve(s, req, next).await;
    let status = resp.status();
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let cut = bytes.len() / 2;
    s.record(route, status.as_u16(), true);
    Response::from_parts(parts, Body::from(bytes.slice(..cut)))
}

/// The handler's answer to an authorized request, else the 401.
async fn serve(s: &Shared, mut req: Request, next: Next) -> Response {
    match authorized(s, &mut req) {
        Ok(()) => next.run(req).await,
        Err(r) => r,
    }
}

/// Check the bearer token; on success the [`Caller`] is attached to the request.
fn authorized(s: &Shared, req: &mut Request) -> Result<(), Response> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Err(error(401, "No token provided"));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("");
    if token.is_empty() {
        return Err(error(401, "No token provided"));
    }
    let caller = {
        let auth = lock(&s.auth);
        match auth.access.get(token) {
            None => return Err(error(401, "Invalid access token")),
            Some(t) if t.expires_at <= std::time::Instant::now() => {
                return Err(error(401, "The access token expired"));
            }
            Some(t) => Caller {
                user: t.user,
                scopes: t.scopes,
            },
        }
    };
    req.extensions_mut().insert(caller);
    Ok(())
}

pub(crate) fn caller(req_caller: Option<axum::Extension<Caller>>) -> Caller {
    req_caller.map(|c| c.0).unwrap_or(Caller {
        user: false,
        scopes: Scopes::default(),
    })
}

pub(crate) fn need_user(c: Caller) -> Result<(), Response> {
    if c.user {
        Ok(())
    } else {
        Err(error(401, "Valid user authentication required"))
    }
}

pub(crate) fn query(raw: &Option<String>) -> Vec<(String, String)> {
    raw.as_deref()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn param<'a>(q: &'a [(String, String)], k: &str) -> Option<&'a str> {
    q.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str())
}

/// `limit` (1..=50, default 20) and `offset` (≥ 0, default 0).
pub fn paging(q: &[(String, String)]) -> Result<(usize, usize), Response> {
    let limit = match param(q, "limit") {
        None => 20,
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (1..=50).contains(&n) => n as usize,
            _ => return Err(error(400, "Invalid limit")),
        },
    };
    let offset = match param(q, "offset") {
        None => 0,
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (0..=100_000_000).contains(&n) => n as usize,
            _ => return Err(error(400, "Invalid offset")),
        },
    };
    Ok((offset, limit))
}

pub(crate) fn ctx<'a>(s: &'a Shared, lib: &'a Library, extended: bool) -> Ctx<'a> {
    Ctx {
        lib,
        base: &s.api_base,
        extended,
    }
}

pub(crate) fn ok(body: Vec<u8>) -> Response {
    json(StatusCode::OK, body)
}

pub(crate) type Ext = Option<axum::Extension<Caller>>;

async fn me(State(s): State<AppState>, c: Ext) -> Response {
    if let Err(r) = need_user(caller(c)) {
        return r;
    }
    let ext = s.settings().extended();
    let lib = s.read();
    ok(render::me(&ctx(&s, &lib, ext)))
}

async fn saved_tracks(State(s): State<AppState>, c: Ext, RawQuery(q): RawQuery) -> Response {
    if let Err(r) = need_user(caller(c)) {
        return r;
    }
    let (offset, limit) = match paging(&query(&q)) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ext = s.settings().extended();
    let lib = s.read();
    ok(super::fast::saved_page(&ctx(&s, &lib, ext), offset, limit))
}

async fn my_playlists(State(s): State<AppState>, c: Ext, RawQuery(q): RawQuery) -> Response {
    if let Err(r) = need_user(caller(c)) {
        return r;
    }
    let (offset, limit) = match paging(&query(&q)) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ext = s.settings().extended();
    let lib = s.read();
    ok(render::playlists_page(&ctx(&s, &lib, ext), offset, limit))
}

/// Find a playlist this app may see; 400 for a malformed id, 404 unknown / Spotify-owned in
/// Development Mode.
fn find_playlist(lib: &Library, id: &str, extended: bool) -> Result<usize, Response> {
    if parse_id(id).is_none() {
        return Err(error(400, "Invalid base62 id"));
    }
    match lib.playlist_pos(id) {
        Some(i) if extended || !lib.playlists[i].spotify_owned() => Ok(i),
        _ => Err(error(404, "Resource not found")),
    }
}

async fn playlist(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    let ext = s.settings().extended();
    let lib = s.read();
    match find_playlist(&lib, &id, ext) {
        Ok(i) => ok(render::playlist_full(
            &ctx(&s, &lib, ext),
            &lib.playlists[i],
        )),
        Err(r) => r,
    }
}

fn items(s: &Shared, id: &str, q: &Option<String>, path: &str) -> Response {
    let ext = s.settings().extended();
    let lib = s.read();
    let i = match find_playlist(&lib, id, ext) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let p = &lib.playlists[i];
    let c = ctx(s, &lib, ext);
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
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    items(&s, &id, &q, "items")
}

async fn playlist_tracks(
    State(s): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    if !s.settings().extended() {
        return error(403, "Forbidden");
    }
    items(&s, &id, &q, "tracks")
}

async fn artist(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    let ext = s.settings().extended();
    let lib = s.read();
    if parse_id(&id).is_none() {
        return error(400, "Invalid base62 id");
    }
    match lib.artist_by_id(&id) {
        Some(a) => ok(render::to_vec(&render::artist_full(&ctx(&s, &lib, ext), a))),
        None => error(404, "Resource not found"),
    }
}

async fn album(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    let ext = s.settings().extended();
    let lib = s.read();
    if parse_id(&id).is_none() {
        return error(400, "Invalid base62 id");
    }
    match lib.album_by_id(&id) {
        Some(a) => ok(render::to_vec(&render::album_full(&ctx(&s, &lib, ext), a))),
        None => error(404, "Resource not found"),
    }
}

/// Offset paging over the album's tracks (`limit` 1–50, default 20).
async fn album_tracks(
    State(s): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let ext = s.settings().extended();
    let lib = s.read();
    if parse_id(&id).is_none() {
        return error(400, "Invalid base62 id");
    }
    let Some(a) = lib.album_by_id(&id) else {
        return error(404, "Resource not found");
    };
    match paging(&query(&q)) {
        Ok((offset, limit)) => ok(render::album_tracks_page(
            &ctx(&s, &lib, ext),
            a,
            offset,
            limit,
        )),
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

async fn several_artists(State(s): State<AppState>, RawQuery(q): RawQuery) -> Response {
    let ext = s.settings().extended();
    if !ext {
        return error(403, "Forbidden");
    }
    let ids = match batch_ids(&q, 50) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let lib = s.read();
    let c = ctx(&s, &lib, ext);
    let items: Vec<Option<render::ArtistFull<'_>>> = ids
        .iter()
        .map(|i| lib.artist_by_id(i).map(|a| render::artist_full(&c, a)))
        .collect();
    ok(render::to_vec(&serde_json::json!({ "artists": items })))
}

async fn several_albums(State(s): State<AppState>, RawQuery(q): RawQuery) -> Response {
    let ext = s.settings().extended();
    if !ext {
        return error(403, "Forbidden");
    }
    let ids = match batch_ids(&q, 20) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let lib = s.read();
    let c = ctx(&s, &lib, ext);
    let items: Vec<Option<render::AlbumFull<'_>>> = ids
        .iter()
        .map(|i| lib.album_by_id(i).map(|a| render::album_full(&c, a)))
        .collect();
    ok(render::to_vec(&serde_json::json!({ "albums": items })))
}

/// Only the newest 50 plays exist for the API.
pub const HISTORY: usize = 50;

async fn recently_played(State(s): State<AppState>, c: Ext, RawQuery(raw): RawQuery) -> Response {
    if let Err(r) = need_user(caller(c)) {
        return r;
    }
    let q = query(&raw);
    let limit = match param(&q, "limit") {
        None => 20,
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (1..=50).contains(&n) => n as usize,
            _ => return error(400, "Invalid limit"),
        },
    };
    let cursor = |k: &str| -> Result<Option<i64>, Response> {
        match param(&q, k) {
            None => Ok(None),
            Some(v) => v
                .parse::<i64>()
                .map(Some)
                .map_err(|_| error(400, &format!("Invalid {k}"))),
        }
    };
    let (after, before) = match (cursor("after"), cursor("before")) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    if after.is_some() && before.is_some() {
        return error(400, "Only one of after or before may be specified");
    }
    let ext = s.settings().extended();
    let lib = s.read();
    let window: &[Play] = &lib.plays[..lib.plays.len().min(HISTORY)];
    let page: Vec<Play> = if let Some(a) = after {
        // The `limit` plays right after the cursor (so paging forward misses nothing),
        // newest first.
        let newer: Vec<Play> = window
            .iter()
            .filter(|p| p.played_at_ms > a)
            .copied()
            .collect();
        newer[newer.len().saturating_sub(limit)..].to_vec()
    } else if let Some(b) = before {
        window
            .iter()
            .filter(|p| p.played_at_ms < b)
            .take(limit)
            .copied()
            .collect()
    } else {
        window.iter().take(limit).copied().collect()
    };
    let has_older = page
        .last()
        .is_some_and(|o| window.iter().any(|p| p.played_at_ms < o.played_at_ms));
    let href_query = raw.unwrap_or_default();
    ok(render::recently_played(
        &ctx(&s, &lib, ext),
        &page,
        limit,
        &href_query,
        has_older,
    ))
}

/// Anything else under `/v1`.
pub async fn not_found(State(s): State<AppState>, req: Request) -> Response {
    if req.uri().path().starts_with("/v1/") {
        s.record(&format!("{} (unknown)", req.method()), 404, true);
        return error(404, "Service not found");
    }
    error(404, "Not found")
}
