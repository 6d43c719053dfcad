//! An access token that an HTTP header cannot carry (a damaged token file, a pasted variable, a
//! token endpoint that sends one) stops every front end with "the token is unusable: run
//! `spotsync auth`" and exit 3, before any request: never a panic in the HTTP client.

use std::time::Duration;

use chrono::Utc;
use spotsync::spotify::auth::store::{self, StoredToken, TOKEN_FILE_VERSION};

use crate::common::*;

const UNUSABLE: &str = "the token is unusable: run `spotsync auth`";

fn assert_unusable(run: &Run, what: &str) {
    assert_no_panic(run);
    assert_eq!(run.code, Some(3), "{what}: {run:?}");
    assert!(run.stderr.contains(UNUSABLE), "{what}: {run:?}");
}

/// A stored token as `spotsync auth` writes it, with `access_token` and its expiry.
fn store_token(home: &Home, access_token: &str, expires_in: chrono::TimeDelta) {
    let token = rspotify::Token {
        access_token: access_token.into(),
        expires_in,
        expires_at: Some(Utc::now() + expires_in),
        refresh_token: Some("RT-1".into()),
        scopes: ["user-library-read".to_string()].into_iter().collect(),
    };
    let stored = StoredToken {
        version: TOKEN_FILE_VERSION,
        client_id: "0123456789abcdef0123456789abcdef".into(),
        authorized_at: Utc::now(),
        user_id: "someone".into(),
        user_name: None,
        token,
    };
    store::write(&home.token_file(), &stored).unwrap();
}

#[test]
fn a_token_variable_with_a_control_character_is_refused_by_sync_and_the_daemon() {
    let home = Home::new();
    for token in ["abc\u{1}def", "abc\ndef", "tok\u{7f}en"] {
        for args in [&["sync"][..], &["sync", "--only", "plays"], &["daemon"]] {
            let mut c = home.command(args);
            c.env("SPOTSYNC_ACCESS_TOKEN", token);
            let run = wait_bounded(c.spawn().unwrap(), Duration::from_secs(60));
            assert_unusable(&run, &format!("{args:?} {token:?}"));
            assert!(run.stderr.contains("SPOTSYNC_ACCESS_TOKEN"), "{run:?}");
        }
    }
    // Nothing was left holding the database: a plain status reads it.
    let run = home.run(&["status"]);
    assert_eq!(run.code, Some(0), "{run:?}");
}

#[test]
fn a_damaged_token_file_is_refused_before_any_request() {
    let home = Home::new();
    store_token(&home, "BQ\u{1b}[31mred", chrono::TimeDelta::hours(1));
    for args in [&["sync"][..], &["daemon"]] {
        let run = wait_bounded(home.command(args).spawn().unwrap(), Duration::from_secs(60));
        assert_unusable(&run, &format!("{args:?}"));
        assert!(run.stderr.contains("the stored token"), "{run:?}");
    }
}

/// An accounts service whose token endpoint answers every refresh with `access_token`.
async fn accounts_sending(access_token: &'static str) -> String {
    let app = axum::Router::new().route(
        "/api/token",
        axum::routing::post(move || async move {
            axum::Json(serde_json::json!({
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 3600,
                "refresh_token": "RT-2",
                "scope": "user-library-read",
            }))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_that_brings_an_unusable_token_stops_the_engine_with_exit_3() {
    let sim = start_sim(20).await;
    let mut home = Home::with_sim(&sim);
    home.accounts_url = accounts_sending("fresh\r\nX-Injected: 1").await;
    // Expired: the engine refreshes before its first request.
    store_token(&home, "BQ-expired", chrono::TimeDelta::hours(-2));
    let run = tokio::task::spawn_blocking(move || {
        let run = wait_bounded(
            home.command(&["sync", "--only", "tracks"]).spawn().unwrap(),
            Duration::from_secs(60),
        );
        drop(home);
        run
    })
    .await
    .unwrap();
    assert_no_panic(&run);
    assert_eq!(run.code, Some(3), "{run:?}");
    assert!(run.stderr.contains(UNUSABLE), "{run:?}");
    sim.shutdown().await;
}
