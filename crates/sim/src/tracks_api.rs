//! `GET /tracks/{id}` and, for Extended Quota apps, `GET /tracks?ids=` (≤ 50): the catalogue's
//! full tracks by id, looked up like albums and artists (the caller's library first, then the
//! other users'). Development Mode answers the batch with 403, as it does `/albums?ids=`.

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use axum::routing::{MethodRouter, get};

use super::api::{AppState, Ext, caller, error, ok, param, query};
use super::model::parse_id;
use super::read_api::locate;
use super::render::{self, Ctx};

pub fn endpoints() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/v1/tracks", get(several_tracks)),
        ("/v1/tracks/{id}", get(track)),
    ]
}

async fn track(State(s): State<AppState>, c: Ext, Path(id): Path<String>) -> Response {
    if parse_id(&id).is_none() {
        return error(400, "Invalid base62 id");
    }
    let ext = s.settings().extended();
    let mine = caller(c).user.unwrap_or(0);
    let lib = s.read_user(mine);
    let libs = lib.all();
    match locate(libs, mine, |l| l.track_by_id(&id)) {
        Some((l, t)) => {
            let c = Ctx {
                lib: &libs[l],
                base: &s.api_base,
                cdn: &s.base,
                extended: ext,
                own: l == mine,
            };
            ok(render::to_vec(&render::track_full(&c, t)))
        }
        None => error(404, "Resource not found"),
    }
}

async fn several_tracks(State(s): State<AppState>, c: Ext, RawQuery(q): RawQuery) -> Response {
    let ext = s.settings().extended();
    if !ext {
        return error(403, "Forbidden");
    }
    let q = query(&q);
    let ids: Vec<&str> = param(&q, "ids")
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if ids.is_empty() {
        return error(400, "Missing required parameter: ids");
    }
    if ids.len() > 50 {
        return error(400, "Too many ids requested");
    }
    if ids.iter().any(|i| parse_id(i).is_none()) {
        return error(400, "Invalid base62 id");
    }
    let mine = caller(c).user.unwrap_or(0);
    let lib = s.read_user(mine);
    let libs = lib.all();
    let items: Vec<Option<render::TrackFull<'_>>> = ids
        .iter()
        .map(|i| {
            locate(libs, mine, |l| l.track_by_id(i)).map(|(l, t)| {
                let c = Ctx {
                    lib: &libs[l],
                    base: &s.api_base,
                    cdn: &s.base,
                    extended: ext,
                    own: l == mine,
                };
                render::track_full(&c, t)
            })
        })
        .collect();
    ok(render::to_vec(&serde_json::json!({ "tracks": items })))
}
