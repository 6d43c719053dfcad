//! Odd client input never crashes the simulator: absurd numbers and garbage in the control
//! API's bodies and in the Web API's query parameters get a 4xx (or a sane reading), and the
//! server keeps answering afterwards.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

/// POST `body` (raw text) to `path`; the status, or why no answer came.
async fn post_raw(sim: &spotsync_sim::RunningSim, path: &str, body: &str) -> StatusCode {
    let r = http()
        .post(format!("{}{}", sim.base_url(), path))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {path} {body}: no answer ({e})"));
    r.status()
}

/// GET an API path; the status, or why no answer came.
async fn get_status(sim: &spotsync_sim::RunningSim, token: &str, path: &str) -> StatusCode {
    let r = http()
        .get(format!("{}{}", sim.api_url(), path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: no answer ({e})"));
    r.status()
}

#[tokio::test]
async fn absurd_numbers_in_control_bodies_are_refused_or_capped() {
    let sim = sim().await;
    let max = u64::MAX.to_string();
    let cases: Vec<(&str, String)> = vec![
        ("__sim/token", format!(r#"{{"ttl": {max}}}"#)),
        (
            "__sim/quota/exhaust",
            format!(r#"{{"retry_after": {max}}}"#),
        ),
        (
            "__sim/settings",
            format!(r#"{{"quota_retry_after": {max}, "token_ttl": {max}, "quota": 1}}"#),
        ),
        (
            "__sim/faults/next",
            r#"{"kind": "500", "count": 4294967295}"#.into(),
        ),
        ("__sim/tracks/save", format!(r#"{{"count": {max}}}"#)),
        ("__sim/playlists", format!(r#"{{"add_tracks": {max}}}"#)),
        ("__sim/plays", format!(r#"{{"count": {max}}}"#)),
        ("__sim/plays", r#"{"count": 100000000}"#.into()),
        ("__sim/tracks/save", r#"{"count": -1}"#.into()),
        ("__sim/settings", r#"{"fail_rate": 1e400}"#.into()),
        ("__sim/settings", r#"{"mode": 5}"#.into()),
        ("__sim/settings", format!(r#"{{"latency_ms": {max}}}"#)),
        ("__sim/faults/next", r#"{"kind": "nope"}"#.into()),
        ("__sim/faults/next", "not json".into()),
        ("__sim/tracks/unsave", r#"{"ids": [1, 2]}"#.into()),
        ("__sim/tracks/save", "\u{0}\u{1}".into()),
    ];
    for (path, body) in &cases {
        let s = post_raw(&sim, path, body).await;
        assert!(
            s.is_success() || s.is_client_error(),
            "POST {path} {body}: {s}"
        );
    }
    // Still serving, with a fresh token and with a token of absurd lifetime.
    let (s, v) = control(&sim, "__sim/quota/reset", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = control(&sim, "__sim/settings", json!({"quota": 0})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["latency_ms"], 0, "an absurd latency is refused, not kept");
    let token = sim.issue_token();
    assert_eq!(get_status(&sim, &token, "me").await, StatusCode::OK);
    sim.shutdown().await;
}

#[tokio::test]
async fn absurd_limits_answer_429_not_a_crash() {
    let sim = sim().await;
    let token = sim.issue_token();
    sim.exhaust_quota(u64::MAX);
    let r = api(&sim, &token, "me").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let secs: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(secs >= 86_400, "{secs}");
    sim.reset_limits();
    let (s, _) = control(
        &sim,
        "__sim/settings",
        json!({"quota": 1, "quota_retry_after": u64::MAX}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(get_status(&sim, &token, "me").await, StatusCode::OK);
    assert_eq!(
        get_status(&sim, &token, "me").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn odd_query_parameters_are_400_or_read_sanely() {
    let sim = sim().await;
    let token = sim.issue_token();
    let id = sim.truth().playlists[0].id.clone();
    for q in [
        "me/tracks?limit=abc",
        "me/tracks?limit=0",
        "me/tracks?limit=-1",
        "me/tracks?limit=99999999999999999999",
        "me/tracks?offset=-1",
        "me/tracks?offset=18446744073709551615",
        "me/tracks?offset=1e3",
        "me/playlists?offset=%FF%FE",
        "artists?ids=",
        "albums?ids=,,,",
        "artists?ids=%00",
        "me/player/recently-played?after=abc",
        "me/player/recently-played?after=1&before=2",
        "me/player/recently-played?limit=51",
        "playlists/..%2F..%2Fme/items",
        "albums/%E2%82%AC",
    ] {
        let s = get_status(&sim, &token, q).await;
        assert!(
            s == StatusCode::BAD_REQUEST
                || s == StatusCode::NOT_FOUND
                || s == StatusCode::FORBIDDEN,
            "{q}: {s}"
        );
    }
    for q in [
        "me/tracks?offset=100000000&limit=50".to_string(),
        "me/tracks?limit=50&limit=1&offset=3&offset=x".to_string(),
        "me/playlists?offset=100000000".to_string(),
        format!("playlists/{id}/items?offset=100000000&limit=50"),
        "me/player/recently-played?after=9223372036854775807".to_string(),
        "me/player/recently-played?before=-9223372036854775808".to_string(),
        "me/player/recently-played?after=-9223372036854775808&limit=50".to_string(),
    ] {
        let r = api(&sim, &token, &q).await;
        assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.text);
        assert!(r.body["items"].is_array(), "{q}");
    }
    // A huge after cursor finds nothing newer; its page is well-formed.
    let r = api(
        &sim,
        &token,
        "me/player/recently-played?after=9223372036854775807",
    )
    .await;
    assert_eq!(r.body["items"], Value::Array(vec![]));
    sim.shutdown().await;
}

#[tokio::test]
async fn absurd_library_sizes_are_refused_at_start() {
    for (tracks, playlists) in [(usize::MAX, 1), (1, usize::MAX)] {
        let o = spotsync_sim::SimOptions {
            tracks,
            playlists,
            ..spotsync_sim::SimOptions::default()
        };
        let r = spotsync_sim::start(spotsync_sim::SimConfig::new(o), 0).await;
        assert!(r.is_err());
    }
}
