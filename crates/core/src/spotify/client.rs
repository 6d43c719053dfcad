//! The Web API client: rspotify's `AuthCodePkceSpotify` for transport, authorization and token
//! refresh, its raw `api_get` for requests, and our own tolerant models and error classification.
//!
//! The client sends exactly one HTTP request per [`SpotifyClient::get`] call (plus a token refresh
//! when the access token has expired). Pacing, waiting and retrying belong to the caller (the
//! sync engine's request gate), so that every request passes through one gate.

use std::collections::HashMap;

use rspotify::clients::BaseClient;
use rspotify::http::HttpError;
use rspotify::{AuthCodePkceSpotify, ClientError, Token};
use serde::de::DeserializeOwned;

use super::body::{MAX_ERROR_BODY, read_body_capped};
use super::credentials::{Credentials, check_access_token};
use super::error::{ApiError, classify_status, classify_token_status, parse_retry_after};
use super::token::settle_expiry;

/// One request of the Web API that spotsync uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `GET /me`
    Me,
    /// `GET /me/tracks?limit&offset`
    SavedTracks { offset: u64, limit: u32 },
    /// `GET /me/playlists?limit&offset`
    Playlists { offset: u64, limit: u32 },
    /// `GET /playlists/{id}/items?limit&offset`
    PlaylistItems { id: String, offset: u64, limit: u32 },
    /// `GET /albums/{id}`
    Album(String),
    /// `GET /albums?ids=` (Extended Quota apps only; ≤ 20 ids)
    Albums(Vec<String>),
    /// `GET /artists/{id}`
    Artist(String),
    /// `GET /artists?ids=` (Extended Quota apps only; ≤ 50 ids)
    Artists(Vec<String>),
    /// `GET /me/player/recently-played?limit&after`
    RecentlyPlayed { after_ms: Option<i64>, limit: u32 },
    /// `GET /me/albums?limit&offset`
    SavedAlbums { offset: u64, limit: u32 },
    /// `GET /me/following?type=artist&limit&after` (cursor paging)
    FollowedArtists { after: Option<String>, limit: u32 },
    /// `GET /me/shows?limit&offset`
    SavedShows { offset: u64, limit: u32 },
    /// `GET /me/episodes?limit&offset`
    SavedEpisodes { offset: u64, limit: u32 },
    /// `GET /me/audiobooks?limit&offset`
    SavedAudiobooks { offset: u64, limit: u32 },
    /// `GET /me/top/artists?time_range&limit&offset`
    TopArtists {
        range: &'static str,
        offset: u64,
        limit: u32,
    },
    /// `GET /me/top/tracks?time_range&limit&offset`
    TopTracks {
        range: &'static str,
        offset: u64,
        limit: u32,
    },
}

impl Endpoint {
    /// The path below the API base URL. Ids are percent-encoded, so an odd id (from a damaged
    /// database) can never point the request at another path.
    pub fn path(&self) -> String {
        match self {
            Endpoint::Me => "me".into(),
            Endpoint::SavedTracks { .. } => "me/tracks".into(),
            Endpoint::Playlists { .. } => "me/playlists".into(),
            Endpoint::PlaylistItems { id, .. } => format!("playlists/{}/items", segment(id)),
            Endpoint::Album(id) => format!("albums/{}", segment(id)),
            Endpoint::Albums(_) => "albums".into(),
            Endpoint::Artist(id) => format!("artists/{}", segment(id)),
            Endpoint::Artists(_) => "artists".into(),
            Endpoint::RecentlyPlayed { .. } => "me/player/recently-played".into(),
            Endpoint::SavedAlbums { .. } => "me/albums".into(),
            Endpoint::FollowedArtists { .. } => "me/following".into(),
            Endpoint::SavedShows { .. } => "me/shows".into(),
            Endpoint::SavedEpisodes { .. } => "me/episodes".into(),
            Endpoint::SavedAudiobooks { .. } => "me/audiobooks".into(),
            Endpoint::TopArtists { .. } => "me/top/artists".into(),
            Endpoint::TopTracks { .. } => "me/top/tracks".into(),
        }
    }

    /// The query parameters.
    pub fn query(&self) -> Vec<(&'static str, String)> {
        match self {
            Endpoint::Me | Endpoint::Album(_) | Endpoint::Artist(_) => vec![],
            Endpoint::SavedTracks { offset, limit }
            | Endpoint::Playlists { offset, limit }
            | Endpoint::PlaylistItems { offset, limit, .. }
            | Endpoint::SavedAlbums { offset, limit }
            | Endpoint::SavedShows { offset, limit }
            | Endpoint::SavedEpisodes { offset, limit }
            | Endpoint::SavedAudiobooks { offset, limit } => {
                vec![("limit", limit.to_string()), ("offset", offset.to_string())]
            }
            Endpoint::TopArtists {
                range,
                offset,
                limit,
            }
            | Endpoint::TopTracks {
                range,
                offset,
                limit,
            } => vec![
                ("time_range", (*range).to_string()),
                ("limit", limit.to_string()),
                ("offset", offset.to_string()),
            ],
            Endpoint::FollowedArtists { after, limit } => {
                let mut q = vec![("type", "artist".to_string()), ("limit", limit.to_string())];
                if let Some(a) = after {
                    q.push(("after", a.clone()));
                }
                q
            }
            Endpoint::Albums(ids) | Endpoint::Artists(ids) => vec![("ids", ids.join(","))],
            Endpoint::RecentlyPlayed { after_ms, limit } => {
                let mut q = vec![("limit", limit.to_string())];
                if let Some(a) = after_ms {
                    q.push(("after", a.to_string()));
                }
                q
            }
        }
    }

    /// The endpoint's template, for logs and messages (no ids).
    pub fn template(&self) -> &'static str {
        match self {
            Endpoint::Me => "GET /me",
            Endpoint::SavedTracks { .. } => "GET /me/tracks",
            Endpoint::Playlists { .. } => "GET /me/playlists",
            Endpoint::PlaylistItems { .. } => "GET /playlists/{id}/items",
            Endpoint::Album(_) => "GET /albums/{id}",
            Endpoint::Albums(_) => "GET /albums",
            Endpoint::Artist(_) => "GET /artists/{id}",
            Endpoint::Artists(_) => "GET /artists",
            Endpoint::RecentlyPlayed { .. } => "GET /me/player/recently-played",
            Endpoint::SavedAlbums { .. } => "GET /me/albums",
            Endpoint::FollowedArtists { .. } => "GET /me/following",
            Endpoint::SavedShows { .. } => "GET /me/shows",
            Endpoint::SavedEpisodes { .. } => "GET /me/episodes",
            Endpoint::SavedAudiobooks { .. } => "GET /me/audiobooks",
            Endpoint::TopArtists { .. } => "GET /me/top/artists",
            Endpoint::TopTracks { .. } => "GET /me/top/tracks",
        }
    }
}

/// `id` as one path segment: ASCII letters and digits as they are (every Spotify id), any other
/// byte percent-encoded.
fn segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The Web API client.
#[derive(Clone)]
pub struct SpotifyClient {
    inner: AuthCodePkceSpotify,
    refreshable: bool,
}

impl std::fmt::Debug for SpotifyClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpotifyClient")
            .field("api_base_url", &self.inner.config.api_base_url)
            .field("refreshable", &self.refreshable)
            .finish_non_exhaustive()
    }
}

impl SpotifyClient {
    /// A client for `api_url` (e.g. `https://api.spotify.com/v1/`) and `accounts_url`
    /// (e.g. `https://accounts.spotify.com/`).
    pub fn new(api_url: &str, accounts_url: &str, credentials: &Credentials) -> SpotifyClient {
        let mut config = rspotify::Config {
            api_base_url: with_slash(api_url),
            auth_base_url: with_slash(accounts_url),
            token_cached: false,
            ..Default::default()
        };
        match credentials {
            Credentials::AccessToken(access) => {
                config.token_refreshing = false;
                let token = Token {
                    access_token: access.clone(),
                    expires_at: None,
                    refresh_token: None,
                    ..Default::default()
                };
                let inner = AuthCodePkceSpotify::from_token_with_config(
                    token,
                    rspotify::Credentials::default(),
                    rspotify::OAuth::default(),
                    config,
                );
                SpotifyClient {
                    inner,
                    refreshable: false,
                }
            }
            Credentials::Pkce {
                client_id,
                token,
                on_refresh,
                ..
            } => {
                // Expiry is checked in `get_raw`, so that every refreshed token passes
                // `settle_expiry` before it is trusted (rspotify's own check would use the
                // server's `expires_in` as sent, however absurd).
                config.token_refreshing = false;
                let cb = on_refresh.clone();
                config.token_callback_fn =
                    std::sync::Arc::new(Some(rspotify::TokenCallback(Box::new(move |mut t| {
                        // What is persisted is the settled token, as the client keeps it.
                        settle_expiry(&mut t, chrono::Utc::now());
                        cb(&t);
                        Ok(())
                    }))));
                let refreshable = token.refresh_token.is_some();
                let inner = AuthCodePkceSpotify::from_token_with_config(
                    token.clone(),
                    rspotify::Credentials::new_pkce(client_id),
                    rspotify::OAuth::default(),
                    config,
                );
                SpotifyClient { inner, refreshable }
            }
        }
    }

    /// Whether a 401 can be cured by refreshing the token.
    pub fn can_refresh(&self) -> bool {
        self.refreshable
    }

    /// Refresh the access token now (after a 401). The new token is handed to `on_refresh`.
    pub async fn refresh(&self) -> Result<(), ApiError> {
        if !self.refreshable {
            return Err(ApiError::Unauthorized(
                "the access token was refused and cannot be refreshed".into(),
            ));
        }
        match self.inner.refresh_token().await {
            Ok(()) => {
                if let Ok(mut guard) = self.inner.token.lock().await
                    && let Some(token) = guard.as_mut()
                {
                    settle_expiry(token, chrono::Utc::now());
                }
                Ok(())
            }
            Err(e) => Err(map_client_error(e).await),
        }
    }

    /// Whether the access token has expired (or expires within 10 seconds).
    async fn token_expired(&self) -> bool {
        match self.inner.token.lock().await {
            Ok(guard) => guard.as_ref().is_none_or(Token::is_expired),
            Err(_) => false,
        }
    }

    /// The access token in use, checked: a token HTTP cannot carry (however it came: the
    /// environment, a damaged token file, a refresh) is never handed to the HTTP client, which
    /// would panic on it.
    async fn check_token(&self) -> Result<(), ApiError> {
        let guard = self.inner.token.lock().await;
        let Ok(guard) = guard else { return Ok(()) };
        match guard.as_ref() {
            Some(t) => Ok(check_access_token(&t.access_token, "the access token")?),
            None => Ok(()),
        }
    }

    /// Send one request and return the raw body. An expired token is refreshed first (when it
    /// can be).
    pub async fn get_raw(&self, endpoint: &Endpoint) -> Result<String, ApiError> {
        if self.refreshable && self.token_expired().await {
            self.refresh().await?;
        }
        self.check_token().await?;
        let path = endpoint.path();
        let query_owned = endpoint.query();
        let query: HashMap<&str, &str> =
            query_owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
        match self.inner.api_get(&path, &query).await {
            Ok(body) => Ok(body),
            Err(e) => Err(map_client_error(e).await),
        }
    }

    /// Send one request and parse the body into a tolerant model. An unreadable body (not JSON,
    /// truncated, not the payload's shape) is a [`ApiError::Transient`] (worth one more try),
    /// never a panic.
    pub async fn get<T: DeserializeOwned>(&self, endpoint: &Endpoint) -> Result<T, ApiError> {
        let body = self.get_raw(endpoint).await?;
        serde_json::from_str(&body).map_err(|e| {
            ApiError::Transient(format!(
                "unreadable response from {}: {e}",
                endpoint.template()
            ))
        })
    }
}

fn with_slash(url: &str) -> String {
    if url.ends_with('/') {
        url.to_string()
    } else {
        format!("{url}/")
    }
}

/// Classify an rspotify error, reading the response (status, Retry-After, body) when there is one.
async fn map_client_error(e: ClientError) -> ApiError {
    match e {
        ClientError::Http(boxed) => match *boxed {
            HttpError::StatusCode(resp) => {
                let status = resp.status().as_u16();
                let is_token = resp.url().path().ends_with("/api/token");
                let retry_after = resp
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(parse_retry_after);
                let body = read_body_capped(resp, MAX_ERROR_BODY).await;
                if is_token {
                    classify_token_status(status, &body)
                } else {
                    classify_status(status, retry_after, &body)
                }
            }
            HttpError::Client(err) => classify_reqwest(&err),
        },
        other => map_client_error_sync(other),
    }
}

fn map_client_error_sync(e: ClientError) -> ApiError {
    match e {
        ClientError::Http(boxed) => match *boxed {
            HttpError::StatusCode(resp) => {
                let status = resp.status().as_u16();
                if resp.url().path().ends_with("/api/token") {
                    classify_token_status(status, "")
                } else {
                    classify_status(status, None, "")
                }
            }
            HttpError::Client(err) => classify_reqwest(&err),
        },
        ClientError::InvalidToken => ApiError::Unauthorized("no access token".into()),
        ClientError::ParseJson(e) => ApiError::Transient(format!("unreadable response: {e}")),
        other => ApiError::Other(other.to_string()),
    }
}

/// A failure without an HTTP status: [`ApiError::Unreachable`] when no answer could come (the
/// connection was not made, or closed before any answer), else [`ApiError::Transient`] (a
/// timeout, which a slow server causes too; a body cut off after the status line).
fn classify_reqwest(err: &reqwest::Error) -> ApiError {
    let words = describe_reqwest(err);
    if err.is_connect() || (err.is_request() && !err.is_timeout()) {
        ApiError::Unreachable(words)
    } else {
        ApiError::Transient(words)
    }
}

/// A reqwest error in words, without the URL's query (never carries a token anyway).
fn describe_reqwest(err: &reqwest::Error) -> String {
    let what = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else if err.is_body() || err.is_decode() {
        "connection dropped while reading the response"
    } else if err.is_request() {
        "connection closed before an answer"
    } else {
        "network error"
    };
    let mut source = String::new();
    let mut cur: Option<&dyn std::error::Error> = std::error::Error::source(err);
    while let Some(s) = cur {
        source = s.to_string();
        cur = s.source();
    }
    if source.is_empty() {
        what.to_string()
    } else {
        format!("{what}: {source}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_ids_stay_in_their_path_segment() {
        assert_eq!(
            Endpoint::Album("4uLU6hMCjMI75M1A2tKUQC".into()).path(),
            "albums/4uLU6hMCjMI75M1A2tKUQC"
        );
        assert_eq!(
            Endpoint::Artist("../me?x=1".into()).path(),
            "artists/%2E%2E%2Fme%3Fx%3D1"
        );
        assert_eq!(
            Endpoint::PlaylistItems {
                id: "a/b".into(),
                offset: 0,
                limit: 50
            }
            .path(),
            "playlists/a%2Fb/items"
        );
    }
}
