//! The accounts service: `GET /authorize` and `POST /api/token` (Authorization Code with PKCE,
//! refresh-token rotation, client credentials).

use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{MatchedPath, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use sha2::{Digest, Sha256};

use super::api::{AppState, json};
use super::render::to_vec;
use super::state::{AuthCode, Shared, lock};

/// How long an authorization code can be redeemed.
const CODE_TTL: Duration = Duration::from_secs(600);

pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/authorize", get(authorize))
        .route("/api/token", post(token))
        .route_layer(middleware::from_fn_with_state(state, count))
}

async fn count(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let route = format!(
        "{} {}",
        req.method(),
        req.extensions()
            .get::<MatchedPath>()
            .map(|m| m.as_str())
            .unwrap_or("")
    );
    let resp = next.run(req).await;
    s.record_accounts(&route, resp.status().as_u16());
    resp
}

/// `{"error": "...", "error_description": "..."}` with status 400 (as the accounts service).
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    json(
        status,
        to_vec(&serde_json::json!({"error": error, "error_description": description})),
    )
}

fn params(raw: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw).into_owned().collect()
}

fn get_param<'a>(q: &'a [(String, String)], k: &str) -> Option<&'a str> {
    q.iter()
        .find(|(a, _)| a == k)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// Redirect URIs must be HTTPS or plain HTTP on a loopback IP literal (`localhost` is refused).
fn redirect_allowed(u: &url::Url) -> bool {
    match u.scheme() {
        "https" => true,
        "http" => {
            matches!(
                u.host(),
                Some(url::Host::Ipv4(ip)) if ip.is_loopback()
            ) || matches!(u.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback())
        }
        _ => false,
    }
}

async fn authorize(State(s): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let q = params(raw.unwrap_or_default().as_bytes());
    let bad = |d: &str| oauth_error(StatusCode::BAD_REQUEST, "invalid_request", d);
    let Some(client_id) = get_param(&q, "client_id") else {
        return bad("Missing required parameter: client_id");
    };
    if get_param(&q, "response_type") != Some("code") {
        return bad("response_type must be code");
    }
    let Some(redirect) = get_param(&q, "redirect_uri") else {
        return bad("Missing required parameter: redirect_uri");
    };
    let Ok(mut target) = url::Url::parse(redirect) else {
        return bad("Invalid redirect URI");
    };
    if !redirect_allowed(&target) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "INVALID_CLIENT: Insecure redirect URI",
        );
    }
    if get_param(&q, "code_challenge_method") != Some("S256") {
        return bad("code_challenge_method must be S256");
    }
    let challenge = get_param(&q, "code_challenge").unwrap_or("");
    if challenge.len() != 43
        || !challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return bad("Invalid code_challenge");
    }
    // Who approves: `sim_user=N` on this request, else the user of `POST /__sim/login-as`.
    let user = match get_param(&q, "sim_user") {
        None => s.login_user(),
        Some(u) => match u.parse::<usize>() {
            Ok(u) if u < s.users() => u,
            _ => return bad("sim_user must name a simulated user (0, 1, …)"),
        },
    };
    let code = s.random_token("AQ");
    lock(&s.auth).codes.insert(
        code.clone(),
        AuthCode {
            client_id: client_id.to_string(),
            user,
            redirect_uri: redirect.to_string(),
            challenge: challenge.to_string(),
            scope: get_param(&q, "scope").unwrap_or("").to_string(),
            issued: Instant::now(),
        },
    );
    {
        let mut pairs = target.query_pairs_mut();
        pairs.append_pair("code", &code);
        if let Some(st) = get_param(&q, "state") {
            pairs.append_pair("state", st);
        }
    }
    let mut r = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(target.as_str()) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// `client_id[:secret]` from HTTP Basic auth.
fn basic_client(h: &HeaderMap) -> Option<String> {
    let v = h.get(header::AUTHORIZATION)?.to_str().ok()?;
    let b64 = v.strip_prefix("Basic ")?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    Some(text.split(':').next().unwrap_or("").to_string()).filter(|c| !c.is_empty())
}

/// BASE64URL(SHA256(verifier)) without padding.
pub fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

async fn token(State(s): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let q = params(&body);
    let client_id = get_param(&q, "client_id")
        .map(str::to_string)
        .or_else(|| basic_client(&headers));
    match get_param(&q, "grant_type") {
        None => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type parameter is missing",
        ),
        Some("authorization_code") => redeem_code(&s, &q, client_id),
        Some("refresh_token") => refresh(&s, &q, client_id),
        Some("client_credentials") => {
            if client_id.is_none() {
                return invalid_client();
            }
            let t = s.issue(None, "", None);
            json(StatusCode::OK, to_vec(&t))
        }
        Some(_) => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be client_credentials, authorization_code or refresh_token",
        ),
    }
}

fn invalid_client() -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_client", "Invalid client")
}

fn invalid_grant(description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

/// `grant_type=authorization_code`: a code from `/authorize`, for the client it was issued to,
/// with the same redirect URI and the verifier of its challenge. A code is consumed by its
/// first redemption attempt, successful or not.
fn redeem_code(s: &Shared, q: &[(String, String)], client_id: Option<String>) -> Response {
    let Some(client_id) = client_id else {
        return invalid_client();
    };
    let Some(code) = get_param(q, "code") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: code",
        );
    };
    let Some(c) = lock(&s.auth).codes.remove(code) else {
        return invalid_grant("Invalid authorization code");
    };
    if c.issued.elapsed() > CODE_TTL {
        return invalid_grant("Authorization code expired");
    }
    if c.client_id != client_id {
        return invalid_client();
    }
    if get_param(q, "redirect_uri") != Some(c.redirect_uri.as_str()) {
        return invalid_grant("Invalid redirect URI");
    }
    let Some(verifier) = get_param(q, "code_verifier") else {
        return invalid_grant("code_verifier required");
    };
    if !(43..=128).contains(&verifier.len()) || s256(verifier) != c.challenge {
        return invalid_grant("code_verifier was incorrect");
    }
    let t = s.issue(Some(&client_id), &c.scope, Some(c.user));
    json(StatusCode::OK, to_vec(&t))
}

/// `grant_type=refresh_token`: a live refresh token of this client (tokens from the control
/// API, issued to no client, suit any); the old one stops working (rotation).
fn refresh(s: &Shared, q: &[(String, String)], client_id: Option<String>) -> Response {
    let Some(rt) = get_param(q, "refresh_token") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "refresh_token must be supplied",
        );
    };
    let old = {
        let mut auth = lock(&s.auth);
        let Some(old) = auth.refresh.get(rt).cloned() else {
            return invalid_grant("Invalid refresh token");
        };
        if old.expired {
            return invalid_grant("Refresh token expired");
        }
        if !old.client_id.is_empty() && old.client_id != client_id.unwrap_or_default() {
            return invalid_client();
        }
        auth.refresh.remove(rt);
        old
    };
    let t = s.issue(Some(&old.client_id), &old.scope, Some(old.user));
    json(StatusCode::OK, to_vec(&t))
}
