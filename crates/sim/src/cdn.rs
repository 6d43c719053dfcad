//! The image CDN (it stands for `i.scdn.co` and `mosaic.scdn.co`): not under `/v1`, never
//! counted as an API request, limited or faulted.
//!
//! - `GET /__cdn/image/{hash}`: a custom cover (generated or uploaded with
//!   `PUT /v1/playlists/{id}/images`), `{hash}` = the SHA-256 of its JPEG bytes in hex;
//! - `GET /__cdn/mosaic/{playlist id}`: the mosaic Spotify makes for a playlist without a
//!   custom cover (a 64×64 JPEG of four colour squares, the same for the same playlist id).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::api::{AppState, error};
use super::covers::mosaic_jpeg;
use super::model::parse_id;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/__cdn/image/{hash}", get(image))
        .route("/__cdn/mosaic/{id}", get(mosaic))
}

fn jpeg_response(bytes: Arc<[u8]>) -> Response {
    let mut r = (StatusCode::OK, axum::body::Bytes::from_owner(bytes)).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
    r
}

async fn image(State(s): State<AppState>, Path(hash): Path<String>) -> Response {
    let found = {
        let lib = s.read();
        lib.all()
            .iter()
            .flat_map(|l| l.covers.values())
            .find(|c| c.hash == hash)
            .map(|c| c.bytes.clone())
    };
    match found {
        Some(bytes) => jpeg_response(bytes),
        None => error(404, "Not found"),
    }
}

async fn mosaic(Path(id): Path<String>) -> Response {
    match parse_id(&id) {
        Some(id) => jpeg_response(mosaic_jpeg(&id).into()),
        None => error(404, "Not found"),
    }
}
