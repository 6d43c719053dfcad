//! The control API under `/__sim/` (not part of Spotify): tokens, statistics, ground truth,
//! limits, faults, settings and library mutations.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use rand::Rng;
use serde::Deserialize;
use serde_json::json;

use super::api::{AppState, json, param, query};
use super::faults::{FaultKind, FaultMethod};
use super::generate::{gen_album, gen_name, skewed_artist, snapshot};
use super::model::*;
use super::render::to_vec;
use super::state::{ALL_SCOPES, KNOWN_SCOPES, SettingsPatch, later, lock};

/// The most items one control request may create (saved tracks, playlist entries, plays,
/// queued faults): enough for any test, and a bound on the time and memory one request takes.
pub const MAX_BATCH: usize = 10_000;

/// `Err(400)` when `n` is above [`MAX_BATCH`].
pub(crate) fn batch(what: &str, n: usize) -> Result<usize, Response> {
    if n > MAX_BATCH {
        return Err(bad(format!("{what} must be at most {MAX_BATCH}, not {n}")));
    }
    Ok(n)
}

macro_rules! try_resp {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(r) => return r,
        }
    };
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/__sim/token", post(token))
        .route("/__sim/tokens/expire", post(expire_access))
        .route("/__sim/refresh-tokens/expire", post(expire_refresh))
        .route("/__sim/stats", get(stats))
        .route("/__sim/stats/reset", post(stats_reset))
        .route("/__sim/library", get(library))
        .route("/__sim/settings", get(settings).post(update_settings))
        .route("/__sim/quota/exhaust", post(quota_exhaust))
        .route("/__sim/quota/reset", post(quota_reset))
        .route("/__sim/faults/next", post(faults_next))
        .route("/__sim/faults/clear", post(faults_clear))
        .route("/__sim/tracks/save", post(save_tracks))
        .route("/__sim/tracks/unsave", post(unsave_tracks))
        .route("/__sim/playlists", post(create_playlist))
        .route(
            "/__sim/playlists/{id}",
            post(edit_playlist).delete(delete_playlist),
        )
        .route("/__sim/plays", post(add_plays))
        .route("/__sim/login-as", get(login_as_now).post(login_as))
}

pub(crate) fn ok_json(v: &impl serde::Serialize) -> Response {
    json(StatusCode::OK, to_vec(v))
}

pub(crate) fn bad(msg: impl Into<String>) -> Response {
    json(
        StatusCode::BAD_REQUEST,
        to_vec(&json!({"error": {"status": 400, "message": msg.into()}})),
    )
}

/// Parse an optional JSON body (empty body = defaults).
pub(crate) fn body<T: for<'de> Deserialize<'de> + Default>(b: &Bytes) -> Result<T, Response> {
    if b.iter().all(|c| c.is_ascii_whitespace()) {
        return Ok(T::default());
    }
    serde_json::from_slice(b).map_err(|e| bad(format!("invalid JSON body: {e}")))
}

macro_rules! parse_body {
    ($b:expr) => {
        match body(&$b) {
            Ok(v) => v,
            Err(r) => return r,
        }
    };
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenReq {
    /// Lifetime override in seconds.
    ttl: Option<u64>,
    /// Grant only these scopes (default: all of [`ALL_SCOPES`]).
    scopes: Option<Vec<String>>,
    /// The simulated user (default 0).
    user: Option<usize>,
}

async fn token(State(s): State<AppState>, b: Bytes) -> Response {
    let req: TokenReq = parse_body!(b);
    let scope = match &req.scopes {
        None => ALL_SCOPES.to_string(),
        Some(list) => {
            if let Some(unknown) = list.iter().find(|x| !KNOWN_SCOPES.contains(&x.as_str())) {
                return bad(format!("unknown scope {unknown:?}"));
            }
            list.join(" ")
        }
    };
    let user = req.user.unwrap_or(0);
    if user >= s.users() {
        return bad(format!(
            "no user {user} (the simulator serves {})",
            s.users()
        ));
    }
    let mut t = s.issue(Some(""), &scope, Some(user));
    if let Some(ttl) = req.ttl {
        if let Some(a) = lock(&s.auth).access.get_mut(&t.access_token) {
            a.expires_at = later(
                std::time::Instant::now(),
                std::time::Duration::from_secs(ttl),
            );
        }
        t.expires_in = ttl;
    }
    ok_json(&t)
}

async fn expire_access(State(s): State<AppState>) -> Response {
    let now = std::time::Instant::now();
    let mut auth = lock(&s.auth);
    let n = auth.access.len();
    for t in auth.access.values_mut() {
        t.expires_at = now;
    }
    ok_json(&json!({"expired": n}))
}

async fn expire_refresh(State(s): State<AppState>) -> Response {
    let mut auth = lock(&s.auth);
    let n = auth.refresh.len();
    for t in auth.refresh.values_mut() {
        t.expired = true;
    }
    ok_json(&json!({"expired": n}))
}

async fn stats(State(s): State<AppState>) -> Response {
    ok_json(&*lock(&s.stats))
}

async fn stats_reset(State(s): State<AppState>) -> Response {
    s.reset_stats();
    ok_json(&json!({"reset": true}))
}

async fn library(State(s): State<AppState>, RawQuery(q): RawQuery) -> Response {
    let user = try_resp!(user_param(&s, &q));
    let truth = s.read_user(user).truth();
    ok_json(&truth)
}

async fn settings(State(s): State<AppState>) -> Response {
    ok_json(&s.settings())
}

async fn update_settings(State(s): State<AppState>, b: Bytes) -> Response {
    let patch: SettingsPatch = parse_body!(b);
    let mut st = lock(&s.settings);
    match st.apply(patch) {
        Ok(()) => ok_json(&*st),
        Err(e) => bad(e),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExhaustReq {
    retry_after: Option<u64>,
}

async fn quota_exhaust(State(s): State<AppState>, b: Bytes) -> Response {
    let req: ExhaustReq = parse_body!(b);
    let secs = req
        .retry_after
        .unwrap_or_else(|| s.settings().quota_retry_after);
    s.exhaust_quota(secs);
    ok_json(&json!({"blocked_for": secs.max(1)}))
}

async fn quota_reset(State(s): State<AppState>) -> Response {
    s.reset_limits();
    ok_json(&json!({"reset": true}))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultReq {
    kind: FaultKind,
    #[serde(default = "one")]
    count: u32,
    /// Only requests of this method (`"GET"`, `"PUT"`, `"POST"`, `"DELETE"`, `"write"`).
    #[serde(default)]
    method: FaultMethod,
    /// Let this many matching requests succeed first.
    #[serde(default)]
    after: u32,
}
fn one() -> u32 {
    1
}

async fn faults_next(State(s): State<AppState>, b: Bytes) -> Response {
    let req: FaultReq = match serde_json::from_slice(&b) {
        Ok(r) => r,
        Err(e) => return bad(format!("invalid JSON body: {e}")),
    };
    try_resp!(batch("count", req.count as usize));
    try_resp!(batch("after", req.after as usize));
    let mut f = lock(&s.faults);
    if f.pending() + u64::from(req.count) > MAX_BATCH as u64 {
        return bad(format!("at most {MAX_BATCH} faults may be queued"));
    }
    f.push(req.kind, req.method, req.after, req.count);
    ok_json(&json!({"queued": f.pending()}))
}

/// `POST /__sim/faults/clear`: forget every queued fault.
async fn faults_clear(State(s): State<AppState>) -> Response {
    lock(&s.faults).clear();
    ok_json(&json!({"queued": 0}))
}

// --- mutations ---------------------------------------------------------------------------------

pub(crate) fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SaveReq {
    /// Save this many tracks that are not saved yet.
    count: Option<usize>,
    /// Save these track ids (in this order: the last one becomes the newest).
    ids: Option<Vec<String>>,
}

/// Pick `n` tracks not saved yet, creating new albums when the catalogue runs out.
fn unsaved_tracks(lib: &mut Library, rng: &mut rand_chacha::ChaCha8Rng, n: usize) -> Vec<u32> {
    let saved: std::collections::HashSet<u32> = lib.saved.iter().map(|s| s.track).collect();
    let mut out: Vec<u32> = (0..lib.tracks.len() as u32)
        .filter(|t| !saved.contains(t))
        .take(n)
        .collect();
    while out.len() < n {
        let primary = skewed_artist(rng, lib.artists.len());
        let a = gen_album(lib, rng, primary);
        let tr = lib.albums[a as usize].tracks.clone();
        for t in tr {
            let id = lib.tracks[t as usize].id;
            lib.track_index.insert(id, t);
            if out.len() < n {
                out.push(t);
            }
        }
        let id = lib.albums[a as usize].id;
        lib.album_index.insert(id, a);
    }
    out
}

/// Add `tracks` to the saved list, each newer than everything saved so far.
fn save(lib: &mut Library, tracks: &[u32]) {
    let newest = lib.saved.first().map(|s| s.added_at).unwrap_or(0);
    let mut t = now_secs().max(newest + 1);
    let mut new: Vec<Saved> = tracks
        .iter()
        .map(|&track| {
            let s = Saved { track, added_at: t };
            t += 1;
            s
        })
        .collect();
    new.reverse();
    new.append(&mut lib.saved);
    lib.saved = new;
}

async fn save_tracks(State(s): State<AppState>, RawQuery(q): RawQuery, b: Bytes) -> Response {
    let user = try_resp!(user_param(&s, &q));
    let req: SaveReq = parse_body!(b);
    let mut lib = s.write_user(user);
    let mut tracks = Vec::new();
    if let Some(ids) = &req.ids {
        for id in ids {
            match lib.track_by_id(id) {
                Some(t) => tracks.push(t),
                None => return bad(format!("unknown track id {id:?}")),
            }
        }
        // Saving a track again moves it to the top.
        let set: std::collections::HashSet<u32> = tracks.iter().copied().collect();
        lib.saved.retain(|s| !set.contains(&s.track));
    }
    if let Some(n) = req.count {
        try_resp!(batch("count", n));
        let mut rng = lock(&s.mut_rng);
        let more = unsaved_tracks(&mut lib, &mut rng, n);
        tracks.extend(more);
    }
    save(&mut lib, &tracks);
    let ids: Vec<String> = tracks
        .iter()
        .map(|&t| id_str(&lib.tracks[t as usize].id).to_string())
        .collect();
    ok_json(&json!({"saved": ids, "total": lib.saved.len()}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct UnsaveReq {
    ids: Vec<String>,
}

async fn unsave_tracks(State(s): State<AppState>, RawQuery(q): RawQuery, b: Bytes) -> Response {
    let user = try_resp!(user_param(&s, &q));
    let req: UnsaveReq = parse_body!(b);
    let mut lib = s.write_user(user);
    let mut set = std::collections::HashSet::new();
    for id in &req.ids {
        match lib.track_by_id(id) {
            Some(t) => {
                set.insert(t);
            }
            None => return bad(format!("unknown track id {id:?}")),
        }
    }
    let before = lib.saved.len();
    lib.saved.retain(|s| !set.contains(&s.track));
    let removed = before - lib.saved.len();
    ok_json(&json!({"removed": removed, "total": lib.saved.len()}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlaylistReq {
    name: Option<String>,
    description: Option<String>,
    public: Option<bool>,
    collaborative: Option<bool>,
    /// Append these track ids.
    add_track_ids: Option<Vec<String>>,
    /// Append this many random tracks.
    add_tracks: Option<usize>,
    /// Remove the items at these positions (positions before the edit).
    remove_positions: Option<Vec<usize>>,
    /// Remove every occurrence of these track ids.
    remove_track_ids: Option<Vec<String>>,
}

fn apply_edit(
    lib: &mut Library,
    rng: &mut rand_chacha::ChaCha8Rng,
    pos: usize,
    req: PlaylistReq,
) -> Result<(), Response> {
    let add_tracks = batch("add_tracks", req.add_tracks.unwrap_or(0))?;
    let mut add = Vec::new();
    for id in req.add_track_ids.unwrap_or_default() {
        match lib.track_by_id(&id) {
            Some(t) => add.push(t),
            None => return Err(bad(format!("unknown track id {id:?}"))),
        }
    }
    for _ in 0..add_tracks {
        add.push(rng.random_range(0..lib.tracks.len()) as u32);
    }
    let mut remove_tracks = std::collections::HashSet::new();
    for id in req.remove_track_ids.unwrap_or_default() {
        match lib.track_by_id(&id) {
            Some(t) => {
                remove_tracks.insert(t);
            }
            None => return Err(bad(format!("unknown track id {id:?}"))),
        }
    }
    let remove_pos: std::collections::HashSet<usize> = req
        .remove_positions
        .unwrap_or_default()
        .into_iter()
        .collect();
    let p = &mut lib.playlists[pos];
    if let Some(&bad_pos) = remove_pos.iter().find(|&&i| i >= p.items.len()) {
        return Err(bad(format!("no item at position {bad_pos}")));
    }
    if let Some(n) = req.name {
        p.name = n.into_boxed_str();
    }
    if let Some(d) = req.description {
        p.description = Some(d.into_boxed_str());
    }
    if let Some(x) = req.public {
        p.public = x;
    }
    if let Some(x) = req.collaborative {
        p.collaborative = x;
    }
    let mut i = 0;
    p.items.retain(|it| {
        let keep = !remove_pos.contains(&i)
            && !matches!(it.kind, ItemKind::Track(t) if remove_tracks.contains(&t));
        i += 1;
        keep
    });
    let now = now_secs();
    for t in add {
        p.items.push(PlaylistItem {
            kind: ItemKind::Track(t),
            added_at: Some(now),
            added_by: Some(0),
        });
    }
    p.snapshot_id = snapshot(rng);
    Ok(())
}

async fn create_playlist(State(s): State<AppState>, RawQuery(q): RawQuery, b: Bytes) -> Response {
    let user = try_resp!(user_param(&s, &q));
    let mut req: PlaylistReq = parse_body!(b);
    let mut lib = s.write_user(user);
    let mut rng = lock(&s.mut_rng);
    let name = req.name.take().unwrap_or_else(|| gen_name(&mut rng));
    let p = Playlist {
        id: random_id(&mut *rng),
        name: name.into_boxed_str(),
        description: Some(req.description.take().unwrap_or_default().into_boxed_str()),
        owner: 0,
        public: req.public.take().unwrap_or(false),
        collaborative: req.collaborative.take().unwrap_or(false),
        snapshot_id: String::new(),
        followers: 0,
        in_library: true,
        items: Vec::new(),
    };
    lib.playlists.insert(0, p);
    if let Err(r) = apply_edit(&mut lib, &mut rng, 0, req) {
        lib.playlists.remove(0);
        return r;
    }
    let t = lib.truth_playlist(&lib.playlists[0]);
    json(StatusCode::CREATED, to_vec(&t))
}

async fn edit_playlist(
    State(s): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    b: Bytes,
) -> Response {
    let user = try_resp!(user_param(&s, &q));
    let req: PlaylistReq = parse_body!(b);
    let mut lib = s.write_user(user);
    let Some(pos) = lib.playlist_pos(&id) else {
        return json(
            StatusCode::NOT_FOUND,
            to_vec(&json!({"error": {"status": 404, "message": "unknown playlist"}})),
        );
    };
    let mut rng = lock(&s.mut_rng);
    if let Err(r) = apply_edit(&mut lib, &mut rng, pos, req) {
        return r;
    }
    let t = lib.truth_playlist(&lib.playlists[pos]);
    ok_json(&t)
}

/// Deleting a playlist unfollows it, as Spotify does (it leaves `/me/playlists` and still
/// exists: following it again brings it back with its id); `?purge=true` removes the user's
/// own playlist entirely (404 afterwards).
async fn delete_playlist(
    State(s): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let user = try_resp!(user_param(&s, &q));
    let purge = param(&query(&q), "purge") == Some("true");
    let mut lib = s.write_user(user);
    let Some(pos) = lib.playlist_pos(&id) else {
        return json(
            StatusCode::NOT_FOUND,
            to_vec(&json!({"error": {"status": 404, "message": "unknown playlist"}})),
        );
    };
    let owned = lib.playlists[pos].owned_by_user();
    if purge && owned {
        let p = lib.playlists.remove(pos);
        lib.covers.remove(&p.id);
        return ok_json(&json!({"deleted": true, "unfollowed": true}));
    }
    lib.playlists[pos].in_library = false;
    ok_json(&json!({"deleted": owned, "unfollowed": true}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlaysReq {
    count: Option<usize>,
}

async fn add_plays(State(s): State<AppState>, RawQuery(q): RawQuery, b: Bytes) -> Response {
    let user = try_resp!(user_param(&s, &q));
    let req: PlaysReq = parse_body!(b);
    let n = try_resp!(batch("count", req.count.unwrap_or(1)));
    let mut lib = s.write_user(user);
    let mut rng = lock(&s.mut_rng);
    let newest = lib.plays.first().map(|p| p.played_at_ms).unwrap_or(0);
    let now = chrono::Utc::now().timestamp_millis();
    // Plays end now, three minutes apart, all newer than the existing history.
    let mut at = (now - 180_000 * n as i64).max(newest + 1);
    let mut new = Vec::with_capacity(n);
    for _ in 0..n {
        let track = if lib.saved.is_empty() {
            rng.random_range(0..lib.tracks.len()) as u32
        } else {
            lib.saved[rng.random_range(0..lib.saved.len())].track
        };
        let album = lib.albums[lib.tracks[track as usize].album as usize].id;
        new.push(Play {
            played_at_ms: at,
            track,
            context: Some((ContextKind::Album, album)),
        });
        at += 180_000;
    }
    new.reverse();
    let played: Vec<String> = new.iter().map(|p| fmt_millis(p.played_at_ms)).collect();
    new.append(&mut lib.plays);
    lib.plays = new;
    ok_json(&json!({"added": n, "played_at": played}))
}

/// The user a control request acts on: `?user=N` (default 0); 400 when there is no such user.
pub(crate) fn user_param(s: &AppState, q: &Option<String>) -> Result<usize, Response> {
    match param(&query(q), "user") {
        None => Ok(0),
        Some(v) => match v.parse::<usize>() {
            Ok(u) if u < s.users() => Ok(u),
            _ => Err(bad(format!(
                "user must be one of the {} simulated users (0 to {}), not {v:?}",
                s.users(),
                s.users() - 1
            ))),
        },
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginAsReq {
    user: usize,
}

/// `POST /__sim/login-as {"user": N}`: `GET /authorize` approves as user N from now on.
async fn login_as(State(s): State<AppState>, b: Bytes) -> Response {
    let req: LoginAsReq = parse_body!(b);
    if req.user >= s.users() {
        return bad(format!(
            "no user {} (the simulator serves {})",
            req.user,
            s.users()
        ));
    }
    *lock(&s.login_as) = req.user;
    ok_json(&json!({"user": req.user}))
}

async fn login_as_now(State(s): State<AppState>) -> Response {
    ok_json(&json!({"user": s.login_user()}))
}
