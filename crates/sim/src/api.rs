//! The Web API (`/v1/...`): the request gate (latency, limits, faults, auth, statistics) and
//! the endpoint handlers.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, RawQuery, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::ConnInfo;
use super::faults::{FaultKind, Verdict, is_write};
use super::model::{Library, Play};
use super::render::{self, Ctx};
use super::state::{Gate, Scopes, Settings, Shared, lock};
use super::stats::{Limited, Sender};

pub type AppState = Arc<Shared>;

/// Who is calling (set by the gate after the bearer token is checked).
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    /// The simulated user of a user token; `None` for client credentials.
    pub user: Option<usize>,
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

/// The Web API's routes: these endpoints plus `more` (the other modules' handlers), all behind
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
    ];
    endpoints.extend(more);
    // One method router per path (reads and writes of a path come from different modules).
    let mut by_path: Vec<(&str, axum::routing::MethodRouter<AppState>)> = Vec::new();
    for (path, handler) in endpoints {
        match by_path.iter_mut().find(|(p, _)| *p == path) {
            Some((_, existing)) => *existing = std::mem::take(existing).merge(handler),
            None => by_path.push((path, handler)),
        }
    }
    let mut r = Router::new();
    for (path, handler) in by_path {
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
    let method = req.method().as_str().to_string();
    let who = Sender {
        route: &route,
        user: token_user(&s, &req),
        write: is_write(&method),
    };
    let settings = s.settings();
    if settings.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(settings.latency_ms)).await;
    }
    if let Some(refused) = limited(&s, &settings, who) {
        return refused;
    }
    let verdict = lock(&s.faults).decide(&method);
    let fault = match verdict {
        Verdict::Strike(kind) => Some(kind),
        _ => s.random_fault(&settings),
    };
    if let Some(fault) = fault {
        return faulty(&s, fault, who, req, next).await;
    }
    let resp = serve(&s, req, next).await;
    if let (Verdict::ServeCounting(seq), true) = (verdict, resp.status().is_success()) {
        lock(&s.faults).succeeded(seq);
    }
    s.record_v1(who, resp.status().as_u16());
    resp
}

/// The user whose (known) bearer token the request carries, for the statistics.
fn token_user(s: &Shared, req: &Request) -> Option<usize> {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")?
        .trim();
    lock(&s.auth).access.get(token).and_then(|t| t.user)
}

/// The 429 of the rate window or the daily quota when either refuses the request (counted,
/// and counted as knocking when a block was already on).
fn limited(s: &Shared, settings: &Settings, who: Sender<'_>) -> Option<Response> {
    let (verdict, knocking) = s.gate(settings);
    let (secs, why) = match verdict {
        Gate::Pass => return None,
        Gate::Window(secs) => (secs, Limited::Window),
        Gate::Quota(secs) => (secs, Limited::Quota),
    };
    if knocking {
        lock(&s.stats).while_blocked += 1;
    }
    s.told_to_wait(secs);
    s.record_limited(who, why);
    let header = (!settings.omit_retry_after).then_some(secs);
    Some(too_many(header, why == Limited::Quota))
}

/// Close the request's connection without an answer.
fn kill(req_extensions: &axum::http::Extensions) {
    if let Some(ConnectInfo(c)) = req_extensions.get::<ConnectInfo<ConnInfo>>() {
        c.kill.store(true, Ordering::SeqCst);
    }
}

/// The answer of a request hit by `fault`.
async fn faulty(
    s: &Shared,
    fault: FaultKind,
    who: Sender<'_>,
    req: Request,
    next: Next,
) -> Response {
    let (code, msg) = match fault {
        FaultKind::Drop => {
            kill(req.extensions());
            s.record_dropped(who);
            // Never delivered: the connection is closed instead.
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
        FaultKind::DropAfter => {
            let conn = req.extensions().clone();
            let _served = serve(s, req, next).await;
            kill(&conn);
            s.record_dropped(who);
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
        FaultKind::E429 | FaultKind::E429NoRetryAfter => {
            s.record_limited(who, Limited::Window);
            return too_many((fault == FaultKind::E429).then_some(1), false);
        }
        FaultKind::Malformed => return malformed(s, who, req, next).await,
        FaultKind::E500 => (500, "Server error."),
        FaultKind::E502 => (502, "Bad gateway."),
        FaultKind::E503 => (503, "Service unavailable"),
    };
    s.record_v1(who, code);
    error(code, msg)
}

/// The `malformed` fault: the request is served, and its body cut in half.
async fn malformed(s: &Shared, who: Sender<'_>, req: Request, next: Next) -> Response {
    let resp = serve(s, req, next).await;
    let status = resp.status();
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let cut = bytes.len() / 2;
    s.record_v1(who, status.as_u16());
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
        user: None,
        scopes: Scopes::default(),
    })
}

/// The caller's user, or the 401 Spotify sends to an app token on a `/me` endpoint.
pub(crate) fn need_user(c: Caller) -> Result<usize, Response> {
    c.user
        .ok_or_else(|| error(401, "Valid user authentication required"))
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
        cdn: &s.base,
        extended,
        own: true,
    }
}

pub(crate) fn ok(body: Vec<u8>) -> Response {
    json(StatusCode::OK, body)
}

pub(crate) type Ext = Option<axum::Extension<Caller>>;

/// The caller's user, or return the 401.
macro_rules! user_or_401 {
    ($c:expr) => {
        match need_user(caller($c)) {
            Ok(u) => u,
            Err(r) => return r,
        }
    };
}

async fn me(State(s): State<AppState>, c: Ext) -> Response {
    let user = user_or_401!(c);
    let ext = s.settings().extended();
    let lib = s.read_user(user);
    ok(render::me(&ctx(&s, &lib, ext)))
}

async fn saved_tracks(State(s): State<AppState>, c: Ext, RawQuery(q): RawQuery) -> Response {
    let user = user_or_401!(c);
    let (offset, limit) = match paging(&query(&q)) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ext = s.settings().extended();
    let lib = s.read_user(user);
    ok(super::fast::saved_page(&ctx(&s, &lib, ext), offset, limit))
}

async fn my_playlists(State(s): State<AppState>, c: Ext, RawQuery(q): RawQuery) -> Response {
    let user = user_or_401!(c);
    let (offset, limit) = match paging(&query(&q)) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ext = s.settings().extended();
    let lib = s.read_user(user);
    ok(render::playlists_page(&ctx(&s, &lib, ext), offset, limit))
}

/// Only the newest 50 plays exist for the API.
pub const HISTORY: usize = 50;

async fn recently_played(State(s): State<AppState>, c: Ext, RawQuery(raw): RawQuery) -> Response {
    let user = user_or_401!(c);
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
    let lib = s.read_user(user);
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
        let route = format!("{} (unknown)", req.method());
        let who = Sender {
            route: &route,
            user: token_user(&s, &req),
            write: is_write(req.method().as_str()),
        };
        s.record_v1(who, 404);
        return error(404, "Service not found");
    }
    error(404, "Not found")
}
