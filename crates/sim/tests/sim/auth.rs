//! Bearer tokens, expiry, and the accounts service (Authorization Code with PKCE, refresh
//! rotation, expired refresh tokens) driven by rspotify's PKCE client.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::StatusCode;
use rspotify::prelude::*;
use rspotify::{AuthCodePkceSpotify, Config, Credentials, OAuth};
use serde_json::{Value, json};

use crate::common::*;

const CLIENT_ID: &str = "spotsync-test-client";
const REDIRECT: &str = "http://127.0.0.1:8888/callback";

fn pkce_client(sim: &spotsync_sim::RunningSim) -> AuthCodePkceSpotify {
    let scopes: HashSet<String> = [
        "user-library-read",
        "playlist-read-private",
        "playlist-read-collaborative",
        "user-read-recently-played",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    AuthCodePkceSpotify::with_config(
        Credentials::new_pkce(CLIENT_ID),
        OAuth {
            redirect_uri: REDIRECT.into(),
            scopes,
            state: "st4te".into(),
            ..Default::default()
        },
        Config {
            api_base_url: sim.api_url(),
            auth_base_url: sim.accounts_url(),
            ..Default::default()
        },
    )
}

/// Open the authorize URL like a browser and return the `code` from the redirect.
async fn authorize(url: &str) -> String {
    let r = http().get(url).send().await.expect("authorize");
    assert_eq!(r.status(), StatusCode::FOUND);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(loc.starts_with(REDIRECT), "{loc}");
    let u = url::Url::parse(&loc).unwrap();
    let q: Vec<(String, String)> = u.query_pairs().into_owned().collect();
    assert!(q.contains(&("state".into(), "st4te".into())));
    q.into_iter().find(|(k, _)| k == "code").expect("code").1
}

async fn token_post(sim: &spotsync_sim::RunningSim, form: &[(&str, &str)]) -> (u16, Value) {
    let r = http()
        .post(format!("{}api/token", sim.accounts_url()))
        .form(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn missing_invalid_and_expired_tokens_get_spotify_401s() {
    let sim = sim_with(|o| o.token_ttl = 1).await;
    let r = get_url(&format!("{}me", sim.api_url()), None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(message(&r), "No token provided");
    assert_eq!(r.body["error"]["status"], 401);
    let r = api(&sim, "not-a-token", "me").await;
    assert_eq!(message(&r), "Invalid access token");
    let token = sim.issue_token();
    assert_eq!(api(&sim, &token, "me").await.status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = api(&sim, &token, "me").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(message(&r), "The access token expired");
    // The control endpoint hands out a fresh one, and can expire all of them.
    let (s, t) = control(&sim, "__sim/token", json!({"ttl": 600})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 600);
    assert!(t["refresh_token"].is_string() && t["scope"].is_string());
    let fresh = t["access_token"].as_str().unwrap();
    assert_eq!(api(&sim, fresh, "me").await.status, StatusCode::OK);
    control(&sim, "__sim/tokens/expire", json!({})).await;
    assert_eq!(
        message(&api(&sim, fresh, "me").await),
        "The access token expired"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn pkce_flow_with_rspotify_then_refresh_rotation() {
    let sim = sim().await;
    let mut spotify = pkce_client(&sim);
    let url = spotify.get_authorize_url(None).unwrap();
    let code = authorize(&url).await;
    spotify.request_token(&code).await.expect("code exchange");
    let me = spotify.current_user().await.expect("me");
    assert_eq!(me.id.id(), sim.truth().user.id);

    let first = spotify.get_token().lock().await.unwrap().clone().unwrap();
    let old_refresh = first.refresh_token.clone().expect("refresh token");
    assert!(first.scopes.contains("user-library-read"));
    spotify.refresh_token().await.expect("refresh");
    let second = spotify.get_token().lock().await.unwrap().clone().unwrap();
    let new_refresh = second.refresh_token.clone().unwrap();
    assert_ne!(old_refresh, new_refresh, "refresh tokens rotate");
    assert_ne!(first.access_token, second.access_token);
    spotify
        .current_user()
        .await
        .expect("me with the refreshed token");
    // The scopes granted at /authorize stay with the token (and its refreshes): saved albums
    // yes, followed artists (user-follow-read was not asked for) no.
    let access = second.access_token.clone();
    assert_eq!(api(&sim, &access, "me/albums").await.status, StatusCode::OK);
    let r = api(&sim, &access, "me/following?type=artist").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(message(&r), "Insufficient client scope");

    // The old refresh token no longer works.
    let (s, v) = token_post(
        &sim,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &old_refresh),
            ("client_id", CLIENT_ID),
        ],
    )
    .await;
    assert_eq!((s, v["error"].as_str()), (400, Some("invalid_grant")));

    // Refresh tokens can be made to expire: invalid_grant through rspotify too.
    let (s, _) = control(&sim, "__sim/refresh-tokens/expire", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let err = spotify
        .refresh_token()
        .await
        .expect_err("expired refresh token");
    let text = match err {
        rspotify::ClientError::Http(h) => match *h {
            rspotify::http::HttpError::StatusCode(resp) => resp.text().await.unwrap_or_default(),
            other => format!("{other}"),
        },
        other => format!("{other}"),
    };
    assert!(text.contains("invalid_grant"), "{text}");
    assert!(sim.stats().endpoint("POST /api/token") >= 4);
    sim.shutdown().await;
}

#[tokio::test]
async fn wrong_verifier_reused_code_and_wrong_redirect_are_refused() {
    let sim = sim().await;
    let verifier = "a".repeat(64);
    let challenge = spotsync_sim::accounts::s256(&verifier);
    let authorize_url = |redirect: &str| {
        let mut u = url::Url::parse(&format!("{}authorize", sim.accounts_url())).unwrap();
        u.query_pairs_mut()
            .append_pair("client_id", CLIENT_ID)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", redirect)
            .append_pair("code_challenge_method", "S256")
            .append_pair("code_challenge", &challenge)
            .append_pair("state", "st4te")
            .append_pair("scope", "user-library-read");
        u.to_string()
    };
    let exchange = |code: String, verifier: String, redirect: &'static str| {
        let sim = &sim;
        async move {
            token_post(
                sim,
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", redirect),
                    ("code_verifier", &verifier),
                    ("client_id", CLIENT_ID),
                ],
            )
            .await
        }
    };

    // Wrong verifier.
    let code = authorize(&authorize_url(REDIRECT)).await;
    let (s, v) = exchange(code, "b".repeat(64), REDIRECT).await;
    assert_eq!(
        (s, v["error"].as_str()),
        (400, Some("invalid_grant")),
        "{v}"
    );

    // Right verifier works once; the same code again is refused.
    let code = authorize(&authorize_url(REDIRECT)).await;
    let (s, v) = exchange(code.clone(), verifier.clone(), REDIRECT).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["scope"], "user-library-read");
    let access = v["access_token"].as_str().unwrap();
    assert_eq!(api(&sim, access, "me").await.status, StatusCode::OK);
    let (s, v) = exchange(code, verifier.clone(), REDIRECT).await;
    assert_eq!((s, v["error"].as_str()), (400, Some("invalid_grant")));

    // The redirect URI must match the one authorized.
    let code = authorize(&authorize_url(REDIRECT)).await;
    let (s, v) = exchange(code, verifier.clone(), "http://127.0.0.1:9999/other").await;
    assert_eq!((s, v["error"].as_str()), (400, Some("invalid_grant")));

    // Bad authorize requests: 400, no redirect. `localhost` is not a loopback IP literal.
    let r = http()
        .get(authorize_url("http://localhost:8888/callback"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = http()
        .get(format!(
            "{}authorize?client_id=x&response_type=token",
            sim.accounts_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let (s, v) = token_post(&sim, &[("code", "x")]).await;
    assert_eq!(
        (s, v["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn client_credentials_reach_catalogue_but_not_the_user() {
    let sim = sim().await;
    let spotify = rspotify::ClientCredsSpotify::with_config(
        Credentials::new("app-id", "app-secret"),
        Config {
            api_base_url: sim.api_url(),
            auth_base_url: sim.accounts_url(),
            ..Default::default()
        },
    );
    spotify
        .request_token()
        .await
        .expect("client credentials token");
    let truth = sim.truth();
    let a = &truth.artists[1];
    let got = spotify
        .artist(rspotify::model::ArtistId::from_id(a.id.as_str()).unwrap())
        .await
        .expect("artist with an app token");
    assert_eq!(got.name, a.name);
    let token = spotify
        .get_token()
        .lock()
        .await
        .unwrap()
        .clone()
        .unwrap()
        .access_token;
    let r = api(&sim, &token, "me/tracks").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(message(&r), "Valid user authentication required");
    sim.shutdown().await;
}

#[tokio::test]
async fn each_refusal_of_the_token_endpoint_says_what_is_wrong() {
    let sim = sim().await;
    let verifier = "v".repeat(50);
    let code_for = |client: &'static str| {
        let mut u = url::Url::parse(&format!("{}authorize", sim.accounts_url())).unwrap();
        u.query_pairs_mut()
            .append_pair("client_id", client)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", REDIRECT)
            .append_pair("code_challenge_method", "S256")
            .append_pair("code_challenge", &spotsync_sim::accounts::s256(&verifier))
            .append_pair("state", "st4te");
        async move { authorize(u.as_str()).await }
    };
    let refused = |(s, v): (u16, Value)| {
        assert_eq!(s, 400, "{v}");
        (
            v["error"].as_str().unwrap_or("").to_string(),
            v["error_description"].as_str().unwrap_or("").to_string(),
        )
    };
    let said = |e: &str, d: &str| (e.to_string(), d.to_string());
    let grant = ("grant_type", "authorization_code");
    let redirect = ("redirect_uri", REDIRECT);

    // Authorization code: no client, no code, another client's code, no verifier.
    let code = code_for(CLIENT_ID).await;
    let form = [
        grant,
        ("code", &code),
        redirect,
        ("code_verifier", &verifier),
    ];
    let r = refused(token_post(&sim, &form).await);
    assert_eq!(r, said("invalid_client", "Invalid client"));
    let r = refused(token_post(&sim, &[grant, ("client_id", CLIENT_ID)]).await);
    assert_eq!(
        r,
        said("invalid_request", "Missing required parameter: code")
    );
    let code = code_for(CLIENT_ID).await;
    let other = [("client_id", "another-app"), ("code_verifier", &verifier)];
    let form = [grant, ("code", &code), redirect, other[0], other[1]];
    let r = refused(token_post(&sim, &form).await);
    assert_eq!(r, said("invalid_client", "Invalid client"));
    let form = [grant, ("code", &code), redirect, ("client_id", CLIENT_ID)];
    let r = refused(token_post(&sim, &form).await);
    assert_eq!(
        r,
        said("invalid_grant", "Invalid authorization code"),
        "used up"
    );
    let code = code_for(CLIENT_ID).await;
    let form = [grant, ("code", &code), redirect, ("client_id", CLIENT_ID)];
    let r = refused(token_post(&sim, &form).await);
    assert_eq!(r, said("invalid_grant", "code_verifier required"));

    // Refresh: no token, another client's token; the control API's tokens suit any client.
    let refresh = ("grant_type", "refresh_token");
    let r = refused(token_post(&sim, &[refresh, ("client_id", CLIENT_ID)]).await);
    assert_eq!(r, said("invalid_request", "refresh_token must be supplied"));
    let code = code_for(CLIENT_ID).await;
    let verified = ("code_verifier", verifier.as_str());
    let form = [
        grant,
        ("code", &code),
        redirect,
        verified,
        ("client_id", CLIENT_ID),
    ];
    let (s, v) = token_post(&sim, &form).await;
    assert_eq!(s, 200, "{v}");
    let rt = v["refresh_token"].as_str().unwrap().to_string();
    let form = [
        refresh,
        ("refresh_token", &rt),
        ("client_id", "another-app"),
    ];
    let r = refused(token_post(&sim, &form).await);
    assert_eq!(r, said("invalid_client", "Invalid client"));
    let form = [refresh, ("refresh_token", "nope"), ("client_id", CLIENT_ID)];
    let r = refused(token_post(&sim, &form).await);
    assert_eq!(r, said("invalid_grant", "Invalid refresh token"));
    let control_rt = sim.issue_token_full().refresh_token.unwrap();
    let form = [
        refresh,
        ("refresh_token", &control_rt),
        ("client_id", "any-app"),
    ];
    let (s, v) = token_post(&sim, &form).await;
    assert_eq!((s, v["token_type"].as_str()), (200, Some("Bearer")), "{v}");

    // Client credentials need a client; an unknown grant names the three it knows.
    let r = refused(token_post(&sim, &[("grant_type", "client_credentials")]).await);
    assert_eq!(r, said("invalid_client", "Invalid client"));
    let r = refused(token_post(&sim, &[("grant_type", "password")]).await);
    assert_eq!(
        r,
        said(
            "unsupported_grant_type",
            "grant_type must be client_credentials, authorization_code or refresh_token"
        )
    );
    sim.shutdown().await;
}
