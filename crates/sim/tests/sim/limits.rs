//! The rolling 30-second window and the daily quota.

use reqwest::StatusCode;
use serde_json::json;
use spotsync_sim::SettingsPatch;

use crate::common::*;

fn retry_after(r: &Resp) -> Option<u64> {
    r.headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn window_answers_429_with_retry_after_and_counts_knocking() {
    let sim = sim_with(|o| o.window = 5).await;
    let token = sim.issue_token();
    for i in 0..5 {
        let r = api(&sim, &token, "me/tracks?limit=1").await;
        assert_eq!(r.status, StatusCode::OK, "request {i} is within the window");
    }
    let r = api(&sim, &token, "me/tracks?limit=1").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(message(&r), "API rate limit exceeded");
    assert_eq!(r.body["error"]["status"], 429);
    assert!(r.body["error"].get("reason").is_none());
    let secs = retry_after(&r).expect("Retry-After header");
    assert!(
        (1..=30).contains(&secs),
        "Retry-After {secs} within the window"
    );
    let st = sim.stats();
    assert_eq!(st.rate_limited, 1);
    assert_eq!(st.while_blocked, 0, "the first 429 is not knocking");
    assert_eq!(st.count("429"), 1);

    // Knocking again before Retry-After elapsed is visible.
    let r = api(&sim, &token, "me").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let st = sim.stats();
    assert_eq!(st.while_blocked, 1);
    assert_eq!(st.total, 7);

    // Control reset ends it.
    let (s, _) = control(&sim, "__sim/quota/reset", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(api(&sim, &token, "me").await.status, StatusCode::OK);
    sim.shutdown().await;
}

#[tokio::test]
async fn retry_after_can_be_omitted() {
    let sim = sim_with(|o| {
        o.window = 1;
        o.no_retry_after = true;
    })
    .await;
    let token = sim.issue_token();
    assert_eq!(api(&sim, &token, "me").await.status, StatusCode::OK);
    let r = api(&sim, &token, "me").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers.get("retry-after").is_none());
    // And back on at run time.
    sim.update_settings(SettingsPatch {
        omit_retry_after: Some(false),
        ..Default::default()
    })
    .unwrap();
    let r = api(&sim, &token, "me").await;
    assert!(retry_after(&r).is_some());
    sim.shutdown().await;
}

#[tokio::test]
async fn quota_blocks_with_quota_exceeded_and_long_retry_after() {
    let sim = sim_with(|o| {
        o.quota = 3;
        o.quota_retry_after = 22_708;
    })
    .await;
    let token = sim.issue_token();
    for _ in 0..3 {
        assert_eq!(api(&sim, &token, "me").await.status, StatusCode::OK);
    }
    let r = api(&sim, &token, "me").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.body["error"]["reason"], "QUOTA_EXCEEDED");
    assert_eq!(retry_after(&r), Some(22_708));
    // Still blocked, with the remaining time.
    let r = api(&sim, &token, "me/tracks").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.body["error"]["reason"], "QUOTA_EXCEEDED");
    let left = retry_after(&r).unwrap();
    assert!((22_700..=22_708).contains(&left), "remaining {left}");
    let st = sim.stats();
    assert_eq!(st.quota_exceeded, 2);
    assert_eq!(st.while_blocked, 1);
    // Control endpoints are not API requests: they are neither limited nor counted.
    let (s, v) = control(&sim, "__sim/quota/reset", json!({})).await;
    assert_eq!((s, v["reset"].clone()), (StatusCode::OK, json!(true)));
    assert_eq!(api(&sim, &token, "me").await.status, StatusCode::OK);
    assert_eq!(sim.stats().total, 6);
    sim.shutdown().await;
}

#[tokio::test]
async fn quota_exhaust_control_starts_a_block_now() {
    let sim = sim().await;
    let token = sim.issue_token();
    assert_eq!(api(&sim, &token, "me").await.status, StatusCode::OK);
    let (s, v) = control(&sim, "__sim/quota/exhaust", json!({"retry_after": 90})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["blocked_for"], 90);
    let r = api(&sim, &token, "me").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.body["error"]["reason"], "QUOTA_EXCEEDED");
    let left = retry_after(&r).unwrap();
    assert!((85..=90).contains(&left));
    sim.reset_limits();
    assert_eq!(api(&sim, &token, "me").await.status, StatusCode::OK);
    sim.shutdown().await;
}

#[tokio::test]
async fn rejected_requests_do_not_use_quota() {
    // Quota 3, window 2: the window rejects the third request; rejected requests must not
    // consume quota, so once the window is reset two more requests still pass.
    let sim = sim_with(|o| {
        o.quota = 3;
        o.window = 2;
    })
    .await;
    let token = sim.issue_token();
    assert_eq!(api(&sim, &token, "me").await.status, StatusCode::OK);
    assert_eq!(api(&sim, &token, "me").await.status, StatusCode::OK);
    for _ in 0..5 {
        let r = api(&sim, &token, "me").await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(r.body["error"].get("reason").is_none(), "window, not quota");
    }
    sim.update_settings(SettingsPatch {
        window: Some(0),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(api(&sim, &token, "me").await.status, StatusCode::OK);
    let r = api(&sim, &token, "me").await;
    assert_eq!(r.body["error"]["reason"], "QUOTA_EXCEEDED");
    sim.shutdown().await;
}
