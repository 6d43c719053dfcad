//! One Authorization Code + PKCE login: the authorize URL, the redirect (caught on the loopback
//! port or pasted), the code exchange and `GET /me`. Front ends (CLI, TUI) drive it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Html;

use base64::Engine as _;
use chrono::Utc;
use rand::Rng;
use rand::distr::Alphanumeric;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use super::store::{StoredToken, TOKEN_FILE_VERSION};
use crate::spotify::body::{MAX_ERROR_BODY, read_body_capped};
use crate::spotify::credentials::check_access_token;
use crate::spotify::token::settle_expiry;

/// What the sync reads: saved tracks, playlists (private and collaborative), listening history.
pub const SCOPES: [&str; 7] = [
    "user-library-read",
    "playlist-read-private",
    "playlist-read-collaborative",
    "user-read-recently-played",
    "user-follow-read",
    "user-top-read",
    "user-read-playback-position",
];

/// Why a login did not complete. Messages never contain a code or a token.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error(
        "refused: the redirected URL does not belong to this login (its `state` does not match). \
         Nothing was saved. Run `spotsync auth` again and use the link it prints."
    )]
    StateMismatch,
    #[error("Spotify reported `{0}` instead of approving access. Nothing was saved.")]
    Denied(String),
    #[error("that is not the redirected URL: {0}")]
    NotARedirect(String),
    #[error(
        "Spotify refused the authorization code ({0}): it may have expired or been used already. \
         Run `spotsync auth` again."
    )]
    CodeRejected(String),
    #[error(
        "Spotify answered 403 to `GET /me`: this Spotify account may not use the app. In \
         Development Mode the app's owner needs Spotify Premium, and every other account must be \
         added on the app's Settings > User Management page of \
         https://developer.spotify.com/dashboard (at most 5). Fix that, then run `spotsync auth` \
         again.{0}"
    )]
    NotAllowListed(String),
    #[error("{0}")]
    Http(String),
}

/// A login in progress: the PKCE verifier and the `state` that the redirect must carry back.
pub struct PkceLogin {
    client_id: String,
    redirect_uri: String,
    verifier: String,
    state: String,
    authorize_url: String,
}

impl std::fmt::Debug for PkceLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PkceLogin")
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

fn random_string(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// `BASE64URL(SHA256(verifier))` without padding (RFC 7636, S256).
pub fn code_challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// `base` with exactly one trailing slash, so `join`-style concatenation works.
fn with_slash(base: &str) -> String {
    format!("{}/", base.trim_end_matches('/'))
}

impl PkceLogin {
    /// A fresh verifier (64 characters) and state (32 characters), and the authorize URL on
    /// `accounts_url` (e.g. `https://accounts.spotify.com/`).
    pub fn new(client_id: &str, redirect_uri: &str, accounts_url: &str) -> Result<Self, FlowError> {
        let verifier = random_string(64);
        let state = random_string(32);
        let base = format!("{}authorize", with_slash(accounts_url));
        let scope = SCOPES.join(" ");
        let url = url::Url::parse_with_params(
            &base,
            [
                ("client_id", client_id),
                ("response_type", "code"),
                ("redirect_uri", redirect_uri),
                ("code_challenge_method", "S256"),
                ("code_challenge", &code_challenge(&verifier)),
                ("state", &state),
                ("scope", &scope),
            ],
        )
        .map_err(|e| {
            FlowError::Http(format!(
                "the accounts URL {accounts_url:?} is not valid: {e}"
            ))
        })?;
        Ok(PkceLogin {
            client_id: client_id.to_string(),
            redirect_uri: redirect_uri.to_string(),
            verifier,
            state,
            authorize_url: url.into(),
        })
    }

    /// The URL the person opens in a browser.
    pub fn authorize_url(&self) -> &str {
        &self.authorize_url
    }

    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The authorization code from the query parameters of the redirect, after checking `state`.
    pub fn code_from_query(&self, query: &HashMap<String, String>) -> Result<String, FlowError> {
        let has_code = query.contains_key("code");
        let error = query.get("error");
        if !has_code && error.is_none() {
            return Err(FlowError::NotARedirect(format!(
                "it has no `code` parameter. Paste the whole address the browser shows after you \
                 approve (it starts with {}?code=).",
                self.redirect_uri
            )));
        }
        if query.get("state").map(String::as_str) != Some(self.state.as_str()) {
            return Err(FlowError::StateMismatch);
        }
        if let Some(e) = error {
            return Err(FlowError::Denied(e.clone()));
        }
        match query.get("code") {
            Some(code) if !code.is_empty() => Ok(code.clone()),
            _ => Err(FlowError::NotARedirect("its `code` is empty".into())),
        }
    }

    /// Like [`Self::code_from_query`] for a pasted URL (the whole address from the browser).
    pub fn code_from_pasted(&self, pasted: &str) -> Result<String, FlowError> {
        let pasted = pasted
            .trim()
            .trim_matches(|c| c == '"' || c == '\'' || c == '<' || c == '>');
        let url = url::Url::parse(pasted).map_err(|_| {
            FlowError::NotARedirect(format!(
                "it does not parse as a URL. Paste the whole address the browser shows after you \
                 approve (it starts with {}?code=).",
                self.redirect_uri
            ))
        })?;
        let query: HashMap<String, String> = url.query_pairs().into_owned().collect();
        self.code_from_query(&query)
    }

    /// Exchange the code for a token (`POST {accounts_url}api/token`), then read the user
    /// (`GET {api_url}me`). Nothing is written.
    pub async fn finish(
        &self,
        code: &str,
        accounts_url: &str,
        api_url: &str,
    ) -> Result<StoredToken, FlowError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| FlowError::Http(format!("cannot set up HTTP: {e}")))?;
        let authorized_at = Utc::now();
        let token = self.exchange(&http, code, accounts_url).await?;
        let me = read_me(&http, api_url, &token).await?;
        Ok(StoredToken {
            version: TOKEN_FILE_VERSION,
            client_id: self.client_id.clone(),
            authorized_at,
            user_id: me.id,
            user_name: me.display_name.filter(|n| !n.is_empty()),
            token,
        })
    }

    /// `POST {accounts_url}api/token`: the code for a token, checked (a usable access token, a
    /// refresh token, a bounded lifetime).
    async fn exchange(
        &self,
        http: &reqwest::Client,
        code: &str,
        accounts_url: &str,
    ) -> Result<rspotify::Token, FlowError> {
        let token_url = format!("{}api/token", with_slash(accounts_url));
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("client_id", self.client_id.as_str()),
            ("code_verifier", self.verifier.as_str()),
        ];
        let received_at = Utc::now();
        let resp = http
            .post(&token_url)
            .form(&form)
            .send()
            .await
            .map_err(|e| {
                FlowError::Http(format!("cannot reach {token_url}: {}", e.without_url()))
            })?;
        let status = resp.status();
        let body = read_body_capped(resp, MAX_ERROR_BODY).await;
        if !status.is_success() {
            let reason = oauth_error(&body).unwrap_or_else(|| format!("HTTP {status}"));
            return Err(if status.as_u16() == 400 {
                FlowError::CodeRejected(reason)
            } else {
                FlowError::Http(format!("the token endpoint answered {status}: {reason}"))
            });
        }
        let mut token: rspotify::Token = serde_json::from_str(&body).map_err(|e| {
            FlowError::Http(format!(
                "the token endpoint sent an answer spotsync cannot read ({})",
                e.classify_name()
            ))
        })?;
        // `expires_in` as sent may be negative or absurd: bounded (see `settle_expiry`).
        token.expires_at = None;
        settle_expiry(&mut token, received_at);
        if check_access_token(&token.access_token, "the new token").is_err() {
            return Err(FlowError::Http(
                "the token endpoint sent an access token that an HTTP header cannot carry; \
                 nothing was saved"
                    .into(),
            ));
        }
        if token.refresh_token.is_none() {
            return Err(FlowError::Http(
                "the token endpoint sent no refresh token; spotsync needs one to keep syncing"
                    .into(),
            ));
        }
        if token.scopes.is_empty() {
            token.scopes = SCOPES.iter().map(|s| s.to_string()).collect();
        }
        Ok(token)
    }
}

/// The user a token belongs to, as `GET /me` names them.
#[derive(Deserialize)]
struct Me {
    id: String,
    display_name: Option<String>,
}

/// `GET {api_url}me` with `token`: who logged in. A 403 means the account is not allowed to use
/// the app (Development Mode's allow-list).
async fn read_me(
    http: &reqwest::Client,
    api_url: &str,
    token: &rspotify::Token,
) -> Result<Me, FlowError> {
    let me_url = format!("{}me", with_slash(api_url));
    let resp = http
        .get(&me_url)
        .bearer_auth(&token.access_token)
        .send()
        .await
        .map_err(|e| FlowError::Http(format!("cannot reach {me_url}: {}", e.without_url())))?;
    let status = resp.status();
    let body = read_body_capped(resp, MAX_ERROR_BODY).await;
    if status.as_u16() == 403 {
        let detail = api_error_message(&body)
            .map(|m| format!(" (Spotify said: {m})"))
            .unwrap_or_default();
        return Err(FlowError::NotAllowListed(detail));
    }
    if !status.is_success() {
        let detail = api_error_message(&body).unwrap_or_default();
        return Err(FlowError::Http(format!(
            "`GET /me` answered {status} {detail}"
        )));
    }
    serde_json::from_str(&body).map_err(|e| {
        FlowError::Http(format!(
            "`GET /me` sent an answer spotsync cannot read: {e}"
        ))
    })
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    // The message of a serde_json error can quote input: keep only its category.
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "I/O error",
            serde_json::error::Category::Syntax => "not JSON",
            serde_json::error::Category::Data => "missing or mistyped fields",
            serde_json::error::Category::Eof => "truncated",
        }
    }
}

/// `error` / `error_description` of an OAuth error body (`{"error":"invalid_grant",...}`).
pub fn oauth_error(body: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct E {
        error: String,
        error_description: Option<String>,
    }
    let e: E = serde_json::from_str(body).ok()?;
    Some(match e.error_description {
        Some(d) if !d.is_empty() => format!("{}: {d}", e.error),
        _ => e.error,
    })
}

/// `message` of a Web API error body (`{"error":{"status":403,"message":"..."}}`).
fn api_error_message(body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    v.get("error")?.get("message")?.as_str().map(str::to_string)
}

/// Where to listen for the redirect: the redirect URI's loopback address and path, or `None`
/// when it is not an `http://` loopback URI (then only pasting works).
pub fn loopback_target(redirect_uri: &str) -> Option<(SocketAddr, String)> {
    let url = url::Url::parse(redirect_uri).ok()?;
    if url.scheme() != "http" {
        return None;
    }
    let ip: std::net::IpAddr = match url.host()? {
        url::Host::Ipv4(ip) => ip.into(),
        url::Host::Ipv6(ip) => ip.into(),
        url::Host::Domain(_) => return None,
    };
    if !ip.is_loopback() {
        return None;
    }
    let port = url.port_or_known_default()?;
    Some((SocketAddr::new(ip, port), url.path().to_string()))
}

/// A one-shot HTTP listener on the redirect URI's port. Each request to the redirect path is
/// checked with [`PkceLogin::code_from_query`]; the first that carries a code or an error is
/// sent on the returned channel and answered with a page saying what happened.
pub struct RedirectListener {
    pub addr: SocketAddr,
    pub results: mpsc::Receiver<Result<String, FlowError>>,
    shutdown: tokio_util::sync::CancellationToken,
}

impl RedirectListener {
    /// Bind `addr` and serve until [`Self::stop`]. `check` validates the query parameters.
    pub async fn bind(
        addr: SocketAddr,
        path: String,
        check: impl Fn(&HashMap<String, String>) -> Result<String, FlowError> + Send + Sync + 'static,
    ) -> std::io::Result<RedirectListener> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = mpsc::channel(4);
        let check: Arc<Check> = Arc::new(check);
        let path = if path.is_empty() {
            "/".to_string()
        } else {
            path
        };
        let app = axum::Router::new()
            .route(&path, axum::routing::get(callback))
            .fallback(|| async { (StatusCode::NOT_FOUND, "not found") })
            .with_state((check, tx));
        let shutdown = tokio_util::sync::CancellationToken::new();
        let stop = shutdown.clone();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(stop.cancelled_owned())
                .await;
        });
        Ok(RedirectListener {
            addr,
            results: rx,
            shutdown,
        })
    }

    pub fn stop(&self) {
        self.shutdown.cancel();
    }
}

/// What checks a redirect's query parameters, and where its outcome goes.
type Check = dyn Fn(&HashMap<String, String>) -> Result<String, FlowError> + Send + Sync;
type Results = mpsc::Sender<Result<String, FlowError>>;

/// The redirect: checked, its outcome sent on, and a page saying what happened.
async fn callback(
    State((check, tx)): State<(Arc<Check>, Results)>,
    Query(q): Query<HashMap<String, String>>,
) -> (StatusCode, Html<String>) {
    let result = check(&q);
    let page = match &result {
        Ok(_) => (
            StatusCode::OK,
            page(
                "spotsync is connected",
                "Spotify approved the access. You can close this tab and go back to the \
                 terminal.",
            ),
        ),
        Err(FlowError::NotARedirect(_)) => {
            return (
                StatusCode::BAD_REQUEST,
                page(
                    "Not a Spotify redirect",
                    "This address only receives Spotify's answer to `spotsync auth`.",
                ),
            );
        }
        Err(e) => (
            StatusCode::BAD_REQUEST,
            page("spotsync was not connected", &e.to_string()),
        ),
    };
    let _ = tx.send(result).await;
    page
}

/// A small HTML page (`title`, then `text`), both escaped.
fn page(title: &str, text: &str) -> Html<String> {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title></head>\
         <body style=\"font-family:sans-serif;max-width:40em;margin:4em auto\">\
         <h1>{t}</h1><p>{x}</p></body></html>",
        t = esc(title),
        x = esc(text)
    ))
}

impl Drop for RedirectListener {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login() -> PkceLogin {
        PkceLogin::new(
            "cid",
            "http://127.0.0.1:8888/callback",
            "https://accounts.example/",
        )
        .unwrap()
    }

    #[test]
    fn authorize_url_has_pkce_and_scopes() {
        let l = login();
        let url = url::Url::parse(l.authorize_url()).unwrap();
        assert_eq!(url.path(), "/authorize");
        let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
        assert_eq!(q["client_id"], "cid");
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["redirect_uri"], "http://127.0.0.1:8888/callback");
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["code_challenge"], code_challenge(&l.verifier));
        assert_eq!(q["state"], l.state);
        assert_eq!(q["scope"], SCOPES.join(" "));
        assert!(!l.authorize_url().contains(&l.verifier));
        // Two logins never share a verifier or state.
        let m = login();
        assert_ne!(l.verifier, m.verifier);
        assert_ne!(l.state, m.state);
    }

    #[test]
    fn rfc7636_challenge() {
        // RFC 7636 appendix B.
        assert_eq!(
            code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn pasted_urls() {
        let l = login();
        let ok = format!("http://127.0.0.1:8888/callback?code=abc&state={}", l.state);
        assert_eq!(l.code_from_pasted(&format!("  {ok}\n")).unwrap(), "abc");
        assert!(matches!(
            l.code_from_pasted("http://127.0.0.1:8888/callback?code=abc&state=wrong"),
            Err(FlowError::StateMismatch)
        ));
        assert!(matches!(
            l.code_from_pasted("http://127.0.0.1:8888/callback?code=abc"),
            Err(FlowError::StateMismatch)
        ));
        assert!(matches!(
            l.code_from_pasted(&format!(
                "http://127.0.0.1:8888/callback?error=access_denied&state={}",
                l.state
            )),
            Err(FlowError::Denied(e)) if e == "access_denied"
        ));
        assert!(matches!(
            l.code_from_pasted("hello"),
            Err(FlowError::NotARedirect(_))
        ));
        assert!(matches!(
            l.code_from_pasted(l.authorize_url()),
            Err(FlowError::NotARedirect(_))
        ));
    }

    #[test]
    fn loopback_targets() {
        let (addr, path) = loopback_target("http://127.0.0.1:8888/callback").unwrap();
        assert_eq!(addr.to_string(), "127.0.0.1:8888");
        assert_eq!(path, "/callback");
        assert!(loopback_target("http://[::1]:9/cb").is_some());
        assert!(loopback_target("https://example.org/cb").is_none());
        assert!(loopback_target("http://localhost:8888/callback").is_none());
    }

    #[test]
    fn oauth_errors() {
        assert_eq!(
            oauth_error(r#"{"error":"invalid_grant","error_description":"Refresh token revoked"}"#)
                .unwrap(),
            "invalid_grant: Refresh token revoked"
        );
        assert!(oauth_error("<html>").is_none());
    }
}
