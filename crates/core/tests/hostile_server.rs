//! The client against a server that sends absurd values over real HTTP (rspotify's transport):
//! every answer is classified or read, none panics, and none makes the client misbehave
//! (a refresh storm, a hold of years, a body held whole in memory).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{TimeDelta, Utc};
use spotsync_core::spotify::error::{MAX_MESSAGE_CHARS, MAX_RETRY_AFTER};
use spotsync_core::spotify::token::{MAX_TOKEN_LIFETIME, MIN_TOKEN_LIFETIME};
use spotsync_core::spotify::{ApiError, Credentials, Endpoint, SpotifyClient, model};

mod common;

#[derive(Default)]
struct Hostile {
    token_requests: AtomicU32,
    /// `expires_in` of the next token answer.
    expires_in: AtomicI64,
}

type S = Arc<Hostile>;

async fn token(State(s): State<S>) -> Response {
    let n = s.token_requests.fetch_add(1, Ordering::SeqCst);
    let body = serde_json::json!({
        "access_token": format!("access-{n}"),
        "token_type": "Bearer",
        "expires_in": s.expires_in.load(Ordering::SeqCst),
        "refresh_token": format!("refresh-{n}"),
        "scope": "user-library-read",
    });
    (StatusCode::OK, body.to_string()).into_response()
}

async fn me() -> Response {
    let mut h = HeaderMap::new();
    h.insert(
        header::RETRY_AFTER,
        HeaderValue::from_static("99999999999999999999999999"),
    );
    let body = r#"{"error":{"status":429,"message":"\u001b[2Jgone","reason":"QUOTA_EXCEEDED"}}"#;
    (StatusCode::TOO_MANY_REQUESTS, h, body).into_response()
}

async fn tracks() -> Response {
    // A huge error body that is not JSON.
    (StatusCode::SERVICE_UNAVAILABLE, "<html>".repeat(1 << 20)).into_response()
}

async fn playlists() -> Response {
    (StatusCode::OK, r#"{"items": null, "total": -1}"#).into_response()
}

async fn album() -> Response {
    let body = r#"{"id":"../me","name":7,"total_tracks":-3,"popularity":1e300,
        "release_date":null,"artists":[null,{"id":"a1"}],"images":"none"}"#;
    (StatusCode::OK, body).into_response()
}

async fn serve(state: S) -> String {
    let app = Router::new()
        .route("/api/token", post(token))
        .route("/v1/me", get(me))
        .route("/v1/me/tracks", get(tracks))
        .route("/v1/me/playlists", get(playlists))
        .route("/v1/albums/{id}", get(album))
        .with_state(state);
    common::serve(app).await
}

#[tokio::test]
async fn absurd_answers_are_classified_and_bounded() {
    let state = S::default();
    state.expires_in.store(-5, Ordering::SeqCst);
    let base = serve(state.clone()).await;
    let refreshed = Arc::new(std::sync::Mutex::new(Vec::<rspotify::Token>::new()));
    let seen = refreshed.clone();
    let dir = tempfile::tempdir().unwrap();
    let credentials = Credentials::Pkce {
        client_id: "cid".into(),
        token: rspotify::Token {
            access_token: "old".into(),
            expires_in: TimeDelta::seconds(3600),
            expires_at: Some(Utc::now() - TimeDelta::hours(1)),
            refresh_token: Some("refresh".into()),
            ..Default::default()
        },
        token_file: dir.path().join("token.json"),
        on_refresh: Arc::new(move |t: &rspotify::Token| seen.lock().unwrap().push(t.clone())),
    };
    let client = SpotifyClient::new(&format!("{base}v1/"), &base, &credentials);

    // The expired token is refreshed once; the answer's `expires_in: -5` is read as a minute,
    // so the following requests do not refresh again.
    let e = client.get::<model::Me>(&Endpoint::Me).await.unwrap_err();
    assert_eq!(
        e,
        ApiError::RateLimited {
            retry_after: Some(MAX_RETRY_AFTER),
            quota: true
        }
    );
    let e = client
        .get_raw(&Endpoint::SavedTracks {
            offset: 0,
            limit: 50,
        })
        .await
        .unwrap_err();
    let ApiError::Transient(m) = &e else {
        panic!("{e:?}")
    };
    assert!(m.chars().count() < MAX_MESSAGE_CHARS + 40, "{m}");
    let e = client
        .get::<model::Page>(&Endpoint::Playlists {
            offset: 0,
            limit: 50,
        })
        .await
        .unwrap_err();
    assert!(matches!(e, ApiError::Transient(_)), "{e:?}");
    let a: model::Album = client.get(&Endpoint::Album("x".into())).await.unwrap();
    assert_eq!(
        (a.id, a.name, a.total_tracks, a.popularity),
        (None, None, None, None)
    );
    assert_eq!(a.artists.len(), 2);
    assert_eq!(state.token_requests.load(Ordering::SeqCst), 1);
    {
        let tokens = refreshed.lock().unwrap();
        assert_eq!(tokens.len(), 1);
        assert_eq!(tokens[0].expires_in, MIN_TOKEN_LIFETIME);
    }

    // A lifetime past the end of the calendar means a day.
    state
        .expires_in
        .store(1_000_000_000_000_000, Ordering::SeqCst);
    client.refresh().await.unwrap();
    let t = refreshed.lock().unwrap().last().cloned().unwrap();
    assert_eq!(t.expires_in, MAX_TOKEN_LIFETIME);
    assert!(t.expires_at.unwrap() <= Utc::now() + MAX_TOKEN_LIFETIME);

    // A number rspotify cannot hold is an error of the answer, not a panic.
    state.expires_in.store(i64::MAX, Ordering::SeqCst);
    let e = client.refresh().await.unwrap_err();
    assert!(matches!(e, ApiError::Transient(_)), "{e:?}");
}

/// A failure without an answer is told apart from one with an answer: a refused connection
/// and a connection closed before any answer are `Unreachable`; a 5xx and a body cut off after
/// its status line are `Transient`.
#[tokio::test]
async fn no_answer_is_unreachable_a_bad_answer_is_transient() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let client_for = |base: &str| {
        SpotifyClient::new(
            &format!("{base}v1/"),
            base,
            &Credentials::AccessToken("token".into()),
        )
    };
    let me = |c: SpotifyClient| async move { c.get::<model::Me>(&Endpoint::Me).await.unwrap_err() };

    // Nothing listens on the port.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let e = me(client_for(&format!("http://{addr}/"))).await;
    assert!(matches!(e, ApiError::Unreachable(_)), "{e:?}");

    // A server that reads the request and closes without answering, or answers with a status
    // and a body cut short.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mode = Arc::new(AtomicU32::new(0));
    let m = mode.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let mut buf = vec![0u8; 4096];
            let _ = sock.read(&mut buf).await;
            let answer: &[u8] = match m.load(Ordering::SeqCst) {
                0 => b"",
                1 => b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n{\"id\":",
                _ => b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n",
            };
            let _ = sock.write_all(answer).await;
            let _ = sock.shutdown().await;
        }
    });
    let base = format!("http://{addr}/");
    let e = me(client_for(&base)).await;
    assert!(
        matches!(e, ApiError::Unreachable(_)),
        "closed unanswered: {e:?}"
    );
    mode.store(1, Ordering::SeqCst);
    let e = me(client_for(&base)).await;
    assert!(matches!(e, ApiError::Transient(_)), "body cut short: {e:?}");
    mode.store(2, Ordering::SeqCst);
    let e = me(client_for(&base)).await;
    assert!(matches!(e, ApiError::Transient(_)), "502: {e:?}");
    assert!(e.is_retryable());
}
