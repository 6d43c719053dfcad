//! Playlist covers: the generated ones and the mosaics on the image CDN, uploads through
//! `PUT /playlists/{id}/images` (limits, scopes, whose playlist); and the controls that stage
//! a loss in a playlist (empty it, reorder it).

use base64::Engine;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use spotsync_sim::RunningSim;
use spotsync_sim::covers::{is_jpeg, quadrants_jpeg};
use spotsync_sim::model::TruthPlaylist;

use crate::common::*;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

async fn upload(sim: &RunningSim, token: &str, id: &str, body: String) -> reqwest::Response {
    http()
        .put(format!("{}playlists/{id}/images", sim.api_url()))
        .bearer_auth(token)
        .header("content-type", "image/jpeg")
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn covers_are_served_by_the_image_cdn_and_can_be_uploaded() {
    let sim = sim_with(|o| o.window = 40).await;
    let token = sim.issue_token();
    let t = sim.truth();
    // Generated: some custom covers, one larger than an upload may be; mosaics otherwise.
    let custom: Vec<&TruthPlaylist> = t
        .playlists
        .iter()
        .filter(|p| p.custom_cover.is_some())
        .collect();
    assert!(!custom.is_empty());
    let mut large = 0;
    for p in &custom {
        let url = format!("{}{}", sim.base_url(), &p.cover.as_ref().unwrap()[1..]);
        let r = http().get(&url).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "image/jpeg");
        let bytes = r.bytes().await.unwrap();
        assert!(is_jpeg(&bytes));
        assert_eq!(
            spotsync_sim::covers::hex(&Sha256::digest(&bytes)),
            *p.custom_cover.as_ref().unwrap()
        );
        large += usize::from(b64(&bytes).len() > 256 * 1024);
        let api_images = api(&sim, &token, &format!("playlists/{}/images", p.id))
            .await
            .body;
        assert_eq!(api_images[0]["url"], url.as_str());
        assert_eq!(api_images[0]["height"], Value::Null);
    }
    assert_eq!(large, 1, "one cover too large to upload as it is");
    let mosaic = t
        .playlists
        .iter()
        .find(|p| p.custom_cover.is_none() && !p.items.is_empty())
        .unwrap();
    let r = http()
        .get(format!("{}__cdn/mosaic/{}", sim.base_url(), mosaic.id))
        .send()
        .await
        .unwrap();
    assert!(is_jpeg(&r.bytes().await.unwrap()));
    let cdn_missing = http()
        .get(format!("{}__cdn/image/{}", sim.base_url(), "00".repeat(32)))
        .send()
        .await
        .unwrap();
    assert_eq!(cdn_missing.status(), StatusCode::NOT_FOUND);

    // Upload a cover: 202, a new URL whose bytes are the upload's.
    let own = t
        .playlists
        .iter()
        .find(|p| p.owned && p.followed && p.custom_cover.is_none())
        .unwrap();
    let jpeg = quadrants_jpeg(
        [[200, 10, 10], [10, 200, 10], [10, 10, 200], [0, 0, 0]],
        8,
        b"",
    );
    let r = upload(&sim, &token, &own.id, b64(&jpeg)).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let p = api(&sim, &token, &format!("playlists/{}", own.id))
        .await
        .body;
    let hash = spotsync_sim::covers::hex(&Sha256::digest(&jpeg));
    let url = p["images"][0]["url"].as_str().unwrap().to_string();
    assert!(url.ends_with(&hash), "{url}");
    assert_ne!(p["snapshot_id"], own.snapshot_id.as_str());
    let served = http()
        .get(&url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&served[..], &jpeg[..]);
    let after = truth_of(&sim, 0).await;
    let tp = after.playlists.iter().find(|x| x.id == own.id).unwrap();
    assert_eq!(tp.custom_cover.as_deref(), Some(hash.as_str()));

    // Refused: too large, not base64, not a JPEG, no ugc-image-upload, someone else's.
    let big = quadrants_jpeg([[1, 2, 3]; 4], 8, &[b'.'; 200_000]);
    for (body, status) in [
        (b64(&big), StatusCode::BAD_REQUEST),
        ("%%% not base64".to_string(), StatusCode::BAD_REQUEST),
        (b64(b"GIF89a not a jpeg"), StatusCode::BAD_REQUEST),
    ] {
        let r = upload(&sim, &token, &own.id, body).await;
        assert_eq!(r.status(), status);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["status"], 400);
    }
    let no_ugc = token_of(
        &sim,
        0,
        &["playlist-modify-public", "playlist-modify-private"],
    )
    .await;
    assert_eq!(
        upload(&sim, &no_ugc, &own.id, b64(&jpeg)).await.status(),
        StatusCode::FORBIDDEN
    );
    let theirs = t
        .playlists
        .iter()
        .find(|p| !p.owned && !p.id.starts_with("37i9"))
        .unwrap();
    assert_eq!(
        upload(&sim, &token, &theirs.id, b64(&jpeg)).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(truth_of(&sim, 0).await, after, "nothing changed");

    // The CDN is neither counted nor limited.
    let before = sim.stats().total;
    for _ in 0..60 {
        let r = http().get(&url).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    assert_eq!(sim.stats().total, before);
    sim.shutdown().await;
}

#[tokio::test]
async fn controls_stage_a_loss_empty_reorder_unfollow() {
    let sim = sim().await;
    let token = sim.issue_token();
    let t = sim.truth();
    let own: Vec<&TruthPlaylist> = t
        .playlists
        .iter()
        .filter(|p| p.owned && p.followed && p.items.len() >= 3)
        .collect();
    let (a, b) = (own[0], own[1]);
    let (s, v) = control(&sim, &format!("__sim/playlists/{}/empty", a.id), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["removed"], json!(a.items.len()));
    assert_eq!(
        api(&sim, &token, &format!("playlists/{}", a.id)).await.body["items"]["total"],
        0
    );
    let (s, v) = control(
        &sim,
        &format!("__sim/playlists/{}/reorder", b.id),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let after = truth_of(&sim, 0).await;
    let rb = after.playlists.iter().find(|p| p.id == b.id).unwrap();
    let reversed: Vec<_> = b.items.iter().rev().map(|i| i.uri.clone()).collect();
    assert_eq!(
        rb.items.iter().map(|i| i.uri.clone()).collect::<Vec<_>>(),
        reversed
    );
    assert_eq!(rb.snapshot_id, v["snapshot_id"].as_str().unwrap());
    let n = b.items.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.swap(0, 1);
    let (s, _) = control(
        &sim,
        &format!("__sim/playlists/{}/reorder", b.id),
        json!({"positions": order}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    for bad in [
        json!({"positions": [0]}),
        json!({"positions": vec![0; n]}),
        json!({"positions": [n]}),
        json!({"nope": 1}),
    ] {
        let (s, _) = control(
            &sim,
            &format!("__sim/playlists/{}/reorder", b.id),
            bad.clone(),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}");
    }
    let (s, _) = control(
        &sim,
        "__sim/playlists/0000000000000000000000/empty",
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = control(
        &sim,
        &format!("__sim/playlists/{}/empty?user=3", a.id),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "no user 3");
    sim.shutdown().await;
}
