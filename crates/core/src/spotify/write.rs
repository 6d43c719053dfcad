//! The Web API's writes a restore sends: saving and removing through `/me/library` (≤ 40 URIs),
//! creating a playlist, its details, its items (≤ 100 a request) and its cover. One HTTP
//! request per [`SpotifyClient::send`] call; pacing, holds and retries are the caller's (the
//! engine's gate), as for reads.

use std::collections::HashSet;

use serde_json::{Value, json};

use super::SpotifyClient;
use super::body::{MAX_ERROR_BODY, read_body_capped};
use super::client::classify_reqwest;
use super::error::{ApiError, classify_status, parse_retry_after};

/// The most bytes of an answer to a write that are read (a created playlist's object).
const MAX_WRITE_BODY: usize = 1 << 20;

/// An HTTP method of a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Put,
    Post,
    Delete,
}

/// What a write's body is.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    None,
    Json(Value),
    /// Base64 text of a JPEG (`Content-Type: image/jpeg`).
    Jpeg(String),
}

/// One write request.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteRequest {
    pub method: Method,
    /// Below the API base URL.
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub body: Body,
    /// For logs and the journal (no ids): `PUT /me/library`.
    pub template: &'static str,
    /// Sending it twice leaves the account as sending it once (a save, a replace, details);
    /// a create or an append is not: after an answer that may hide a carried-out write it is
    /// never sent again blindly.
    pub idempotent: bool,
}

/// `id` as one path segment (ids are base62; anything else is percent-encoded).
fn segment(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

impl WriteRequest {
    /// `PUT /me/library?uris=…`: save (or follow) up to 40 URIs.
    pub fn save(uris: &[String]) -> WriteRequest {
        WriteRequest {
            method: Method::Put,
            path: "me/library".into(),
            query: vec![("uris", uris.join(","))],
            body: Body::None,
            template: "PUT /me/library",
            idempotent: true,
        }
    }

    /// `DELETE /me/library?uris=…`: remove (or unfollow) up to 40 URIs.
    pub fn remove(uris: &[String]) -> WriteRequest {
        WriteRequest {
            method: Method::Delete,
            template: "DELETE /me/library",
            ..WriteRequest::save(uris)
        }
    }

    /// `POST /me/playlists`: a new playlist (first in the user's list).
    pub fn create_playlist(
        name: &str,
        description: &str,
        public: bool,
        collaborative: bool,
    ) -> WriteRequest {
        WriteRequest {
            method: Method::Post,
            path: "me/playlists".into(),
            query: Vec::new(),
            body: Body::Json(json!({
                "name": name,
                "description": description,
                "public": public && !collaborative,
                "collaborative": collaborative,
            })),
            template: "POST /me/playlists",
            idempotent: false,
        }
    }

    /// `PUT /playlists/{id}`: name, description and flags (those given).
    pub fn details(
        id: &str,
        name: Option<&str>,
        description: &str,
        public: Option<bool>,
        collaborative: Option<bool>,
    ) -> WriteRequest {
        let mut body = json!({ "description": description });
        if let Some(n) = name {
            body["name"] = json!(n);
        }
        if let Some(c) = collaborative {
            body["collaborative"] = json!(c);
        }
        if let Some(p) = public {
            body["public"] = json!(p && collaborative != Some(true));
        }
        WriteRequest {
            method: Method::Put,
            path: format!("playlists/{}", segment(id)),
            query: Vec::new(),
            body: Body::Json(body),
            template: "PUT /playlists/{id}",
            idempotent: true,
        }
    }

    /// `PUT /playlists/{id}/items`: replace every item with up to 100 URIs (none: empty it).
    pub fn replace_items(id: &str, uris: &[String]) -> WriteRequest {
        WriteRequest {
            method: Method::Put,
            path: format!("playlists/{}/items", segment(id)),
            query: Vec::new(),
            body: Body::Json(json!({ "uris": uris })),
            template: "PUT /playlists/{id}/items",
            idempotent: true,
        }
    }

    /// `POST /playlists/{id}/items`: append up to 100 URIs.
    pub fn add_items(id: &str, uris: &[String]) -> WriteRequest {
        WriteRequest {
            method: Method::Post,
            template: "POST /playlists/{id}/items",
            idempotent: false,
            ..WriteRequest::replace_items(id, uris)
        }
    }

    /// `PUT /playlists/{id}/images`: a custom cover (base64 of a JPEG, ≤ 256 KB).
    pub fn cover(id: &str, base64: String) -> WriteRequest {
        WriteRequest {
            method: Method::Put,
            path: format!("playlists/{}/images", segment(id)),
            query: Vec::new(),
            body: Body::Jpeg(base64),
            template: "PUT /playlists/{id}/images",
            idempotent: true,
        }
    }
}

impl SpotifyClient {
    /// The scopes the stored authorization was granted; `None` when unknown (an access token
    /// given as is).
    pub async fn granted_scopes(&self) -> Option<HashSet<String>> {
        let guard = self.token_lock().await?;
        let scopes = &guard.as_ref()?.scopes;
        (!scopes.is_empty()).then(|| scopes.clone())
    }

    /// Send one write and return the answer's body. An expired token is refreshed first.
    pub async fn send(&self, req: &WriteRequest) -> Result<String, ApiError> {
        let token = self.access_token().await?;
        let mut url = format!("{}{}", self.api_base(), req.path);
        if !req.query.is_empty() {
            let q: String = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(req.query.iter().map(|(k, v)| (*k, v.as_str())))
                .finish();
            url.push('?');
            url.push_str(&q);
        }
        let http = self.http();
        let builder = match req.method {
            Method::Put => http.put(&url),
            Method::Post => http.post(&url),
            Method::Delete => http.delete(&url),
        }
        .bearer_auth(token);
        let builder = match &req.body {
            Body::None => builder.header(reqwest::header::CONTENT_LENGTH, 0),
            Body::Json(v) => builder.json(v),
            Body::Jpeg(b) => builder
                .header(reqwest::header::CONTENT_TYPE, "image/jpeg")
                .body(b.clone()),
        };
        let resp = builder.send().await.map_err(|e| classify_reqwest(&e))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(read_body_capped(resp, MAX_WRITE_BODY).await);
        }
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let body = read_body_capped(resp, MAX_ERROR_BODY).await;
        Err(classify_status(status.as_u16(), retry_after, &body))
    }
}

/// Whether a refusal says the token lacks a scope (403 "Insufficient client scope").
pub fn is_scope_refusal(e: &ApiError) -> bool {
    matches!(e, ApiError::Forbidden(m) if m.to_ascii_lowercase().contains("scope"))
}
