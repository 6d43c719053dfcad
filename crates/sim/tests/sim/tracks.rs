//! `GET /tracks/{id}` (any track of the catalogue, as the `history` enrichment asks for the
//! tracks an imported export names) and, with Extended Quota only, `GET /tracks?ids=`.

use reqwest::StatusCode;

use crate::common::*;

#[tokio::test]
async fn a_track_by_id_and_the_batch_only_with_extended_quota() {
    let sim = sim().await;
    let token = sim.issue_token();
    let truth = sim.truth();
    let t = &truth.tracks[7];
    let r = api(&sim, &token, &format!("tracks/{}", t.id)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["id"], t.id.as_str());
    assert_eq!(r.body["name"], t.name.as_str());
    assert_eq!(r.body["album"]["id"], t.album_id.as_str());
    assert_eq!(r.body["external_ids"]["isrc"], t.isrc.as_str());
    let artists: Vec<&str> = r.body["artists"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(artists, t.artist_ids);
    assert_eq!(
        api(&sim, &token, "tracks/0000000000000000000000")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api(&sim, &token, "tracks/not-an-id").await.status,
        StatusCode::BAD_REQUEST
    );
    let batch = format!("tracks?ids={},{}", truth.tracks[1].id, truth.tracks[2].id);
    assert_eq!(
        api(&sim, &token, &batch).await.status,
        StatusCode::FORBIDDEN
    );

    let sim = sim_extended().await;
    let token = sim.issue_token();
    let truth = sim.truth();
    let ids = format!("{},0000000000000000000000", truth.tracks[3].id);
    let r = api(&sim, &token, &format!("tracks?ids={ids}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["tracks"][0]["id"], truth.tracks[3].id.as_str());
    assert!(r.body["tracks"][1].is_null());
    let many: Vec<&str> = truth
        .tracks
        .iter()
        .take(51)
        .map(|t| t.id.as_str())
        .collect();
    let r = api(&sim, &token, &format!("tracks?ids={}", many.join(","))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}
