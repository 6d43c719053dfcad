//! Faults on demand: injected 5xx, malformed bodies, dropped connections, random failures,
//! latency.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;
use spotsync_sim::{FaultKind, SettingsPatch};

use crate::common::*;

#[tokio::test]
async fn injected_faults_hit_exactly_the_next_requests() {
    let sim = sim().await;
    let token = sim.issue_token();
    let (s, v) = control(
        &sim,
        "__sim/faults/next",
        json!({"kind": "503", "count": 2}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["queued"], 2);
    for _ in 0..2 {
        let r = api(&sim, &token, "me/tracks").await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.body["error"]["status"], 503);
    }
    assert_eq!(api(&sim, &token, "me/tracks").await.status, StatusCode::OK);

    control(&sim, "__sim/faults/next", json!({"kind": "500"})).await;
    assert_eq!(
        api(&sim, &token, "me").await.status,
        StatusCode::INTERNAL_SERVER_ERROR
    );

    // Malformed: a 200 whose body is not valid JSON.
    control(&sim, "__sim/faults/next", json!({"kind": "malformed"})).await;
    let r = api(&sim, &token, "me/tracks?limit=5").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.text.is_empty());
    assert!(serde_json::from_str::<serde_json::Value>(&r.text).is_err());
    assert!(r.text.starts_with("{\"href\""));

    // A 502 with Spotify's error body.
    sim.inject_faults(FaultKind::E502, 1);
    let r = api(&sim, &token, "me").await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY);
    assert_eq!(
        (r.body["error"]["status"].as_u64(), message(&r)),
        (Some(502), "Bad gateway.")
    );

    // A 429 with a one-second Retry-After, and one without, for clients' fallback.
    sim.inject_faults(FaultKind::E429, 1);
    let r = api(&sim, &token, "me").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers["retry-after"], "1");
    assert_eq!(message(&r), "API rate limit exceeded");
    sim.inject_faults(FaultKind::E429NoRetryAfter, 1);
    let r = api(&sim, &token, "me").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers.get("retry-after").is_none());

    // A malformed answer to an unauthorized request: the 401 cut in half.
    sim.inject_faults(FaultKind::Malformed, 1);
    let r = api(&sim, "not-a-token", "me").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text.starts_with("{") && serde_json::from_str::<serde_json::Value>(&r.text).is_err());

    let st = sim.stats();
    assert_eq!(st.count("5xx"), 4);
    assert_eq!(st.count("503"), 2);
    assert_eq!((st.rate_limited, st.total), (2, 9));
    sim.shutdown().await;
}

#[tokio::test]
async fn dropped_connection_gives_no_response() {
    let sim = sim().await;
    let token = sim.issue_token();
    sim.inject_faults(FaultKind::Drop, 1);
    let err = http()
        .get(format!("{}me", sim.api_url()))
        .bearer_auth(&token)
        .send()
        .await
        .expect_err("the connection is closed without an answer");
    assert!(!err.is_status() && !err.is_timeout(), "{err:?}");
    // The next request (new connection) is served.
    assert_eq!(api(&sim, &token, "me").await.status, StatusCode::OK);
    let st = sim.stats();
    assert_eq!((st.dropped, st.total), (1, 2));
    assert_eq!(st.count("5xx"), 0, "a dropped connection has no status");
    sim.shutdown().await;
}

async fn statuses(fail_rate: f64, seed: u64, n: usize) -> Vec<u16> {
    let sim = sim_with(|o| {
        o.fail_rate = fail_rate;
        o.seed = seed;
    })
    .await;
    let token = sim.issue_token();
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(api(&sim, &token, "me").await.status.as_u16());
    }
    sim.shutdown().await;
    out
}

#[tokio::test]
async fn fail_rate_is_mixed_and_deterministic() {
    let a = statuses(0.5, 9, 60).await;
    let b = statuses(0.5, 9, 60).await;
    assert_eq!(a, b, "same seed, same failures");
    let failures = a.iter().filter(|&&s| s >= 500).count();
    assert!((10..=50).contains(&failures), "{failures} of 60 failed");
    for code in [500, 502, 503] {
        assert!(a.contains(&code), "{code} appears in {a:?}");
    }
    assert!(statuses(1.0, 9, 10).await.iter().all(|&s| s >= 500));
    assert!(statuses(0.0, 9, 10).await.iter().all(|&s| s == 200));
}

#[tokio::test]
async fn latency_delays_every_api_request() {
    let sim = sim().await;
    let token = sim.issue_token();
    let t = Instant::now();
    api(&sim, &token, "me").await;
    let fast = t.elapsed();
    sim.update_settings(SettingsPatch {
        latency_ms: Some(300),
        ..Default::default()
    })
    .unwrap();
    let t = Instant::now();
    assert_eq!(api(&sim, &token, "me").await.status, StatusCode::OK);
    let slow = t.elapsed();
    assert!(slow >= Duration::from_millis(300), "{slow:?}");
    assert!(slow > fast);
    sim.shutdown().await;
}
