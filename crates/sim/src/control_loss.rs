//! Control API to stage a loss in a playlist (what a collaborator or a mistaken click does):
//! `POST /__sim/playlists/{id}/empty` and `POST /__sim/playlists/{id}/reorder`. With the other
//! controls (unfollow a playlist, unsave, unfollow artists) they set up what a restore puts
//! back. Each takes `?user=N` and stores a new `snapshot_id`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use serde::Deserialize;
use serde_json::json;

use super::api::{AppState, json};
use super::control::{bad, body, ok_json, user_param};
use super::generate::snapshot;
use super::render::to_vec;
use super::state::lock;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/__sim/playlists/{id}/empty", post(empty))
        .route("/__sim/playlists/{id}/reorder", post(reorder))
}

fn unknown() -> Response {
    json(
        StatusCode::NOT_FOUND,
        to_vec(&json!({"error": {"status": 404, "message": "unknown playlist"}})),
    )
}

/// Remove every item.
async fn empty(
    State(s): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let user = match user_param(&s, &q) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let mut lib = s.write_user(user);
    let Some(pos) = lib.playlist_pos(&id) else {
        return unknown();
    };
    let p = &mut lib.playlists[pos];
    let removed = p.items.len();
    p.items.clear();
    p.snapshot_id = snapshot(&mut lock(&s.mut_rng));
    ok_json(&json!({"removed": removed, "snapshot_id": p.snapshot_id}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReorderReq {
    /// The new order as old positions (a permutation of all of them); default: reversed.
    positions: Option<Vec<usize>>,
}

/// Put the items in another order (reversed, or as `positions` says).
async fn reorder(
    State(s): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    b: Bytes,
) -> Response {
    let user = match user_param(&s, &q) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let req: ReorderReq = match body(&b) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let mut lib = s.write_user(user);
    let Some(pos) = lib.playlist_pos(&id) else {
        return unknown();
    };
    let p = &mut lib.playlists[pos];
    let n = p.items.len();
    let order: Vec<usize> = req.positions.unwrap_or_else(|| (0..n).rev().collect());
    let mut seen = vec![false; n];
    for &i in &order {
        if i >= n || std::mem::replace(&mut seen[i], true) {
            return bad(format!(
                "positions must name each of the {n} positions once (0 to {})",
                n.saturating_sub(1)
            ));
        }
    }
    if order.len() != n {
        return bad(format!(
            "positions must name each of the {n} positions once"
        ));
    }
    p.items = order.iter().map(|&i| p.items[i].clone()).collect();
    p.snapshot_id = snapshot(&mut lock(&s.mut_rng));
    ok_json(&json!({"snapshot_id": p.snapshot_id}))
}
