//! Albums longer than one page: the generated library holds a few (compilations, deluxe
//! editions); the album object and the saved-album entries carry their first 50 tracks, and
//! `GET /albums/{id}/tracks` pages the rest.

use futures::TryStreamExt;
use reqwest::StatusCode;
use rspotify::model::AlbumId;
use rspotify::prelude::*;
use serde_json::json;
use spotsync_sim::generate::long_albums;
use spotsync_sim::model::TruthAlbum;

use crate::common::*;
use crate::endpoints::rspotify_client;

fn long(albums: &[TruthAlbum]) -> Vec<&TruthAlbum> {
    albums.iter().filter(|a| a.track_ids.len() > 50).collect()
}

#[tokio::test]
async fn long_albums_are_saved_and_paged_to_their_last_track() {
    let sim = sim().await;
    let truth = sim.truth();
    let token = sim.issue_token();
    let long = long(&truth.albums);
    assert_eq!(long.len(), long_albums(180), "{:?}", long.len());
    let saved: Vec<&str> = truth.saved_albums.iter().map(|s| s.id.as_str()).collect();
    for a in &long {
        assert!(saved.contains(&a.id.as_str()), "{} is saved", a.name);
    }
    assert!(long.iter().any(|a| a.name.contains("Deluxe Edition")));
    assert!(
        long.iter()
            .any(|a| a.artist_ids == ["0LyfQWJT6nXafLPZqxe9Of"])
    );
    let mut added = truth.saved_albums.clone();
    added.sort_by(|a, b| b.added_at.cmp(&a.added_at));
    assert_eq!(added, truth.saved_albums, "still newest first");

    for a in &long {
        // The album object: the first 50 tracks and a link to the next page.
        let full = api(&sim, &token, &format!("albums/{}", a.id)).await.body;
        let first = &full["tracks"];
        assert_eq!(first["total"], json!(a.track_ids.len()));
        assert_eq!(first["items"].as_array().unwrap().len(), 50);
        assert_eq!(
            first["next"],
            format!("{}albums/{}/tracks?offset=50&limit=50", sim.api_url(), a.id)
        );
        // Following `next` from there reaches every track, in album order.
        let (rest, total) = collect_pages(first["next"].as_str().unwrap(), &token).await;
        assert_eq!(total as usize, a.track_ids.len());
        let ids: Vec<&str> = first["items"]
            .as_array()
            .unwrap()
            .iter()
            .chain(&rest)
            .map(|t| t["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, a.track_ids);
        // Discs and numbers: each disc numbered from 1.
        let discs: Vec<(u64, u64)> = first["items"]
            .as_array()
            .unwrap()
            .iter()
            .chain(&rest)
            .map(|t| {
                (
                    t["disc_number"].as_u64().unwrap(),
                    t["track_number"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(discs[0], (1, 1));
        for w in discs.windows(2) {
            assert!(
                w[1] == (w[0].0, w[0].1 + 1) || w[1] == (w[0].0 + 1, 1),
                "{w:?}"
            );
        }
    }
    // The same first page inside `/me/albums`.
    let (entries, _) = collect_pages(&format!("{}me/albums?limit=50", sim.api_url()), &token).await;
    let entry = entries
        .iter()
        .find(|e| e["album"]["id"] == long[0].id.as_str())
        .unwrap();
    assert_eq!(
        entry["album"]["tracks"]["items"].as_array().unwrap().len(),
        50
    );
    assert!(entry["album"]["tracks"]["next"].is_string());

    // rspotify pages the album's tracks through the same endpoint.
    let spotify = rspotify_client(&sim);
    let tracks: Vec<_> = spotify
        .album_track(AlbumId::from_id(long[0].id.as_str()).unwrap(), None)
        .try_collect()
        .await
        .expect("album tracks parse in rspotify");
    let ids: Vec<String> = tracks
        .iter()
        .map(|t| t.id.as_ref().unwrap().id().to_string())
        .collect();
    assert_eq!(ids, long[0].track_ids);
    sim.shutdown().await;
}

#[tokio::test]
async fn album_tracks_limits_and_errors() {
    let sim = sim().await;
    let truth = sim.truth();
    let token = sim.issue_token();
    let short = truth.albums.iter().find(|a| a.track_ids.len() > 3).unwrap();
    let r = api(&sim, &token, &format!("albums/{}/tracks", short.id)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["limit"], json!(20), "default limit");
    assert_eq!(r.body["total"], json!(short.track_ids.len()));
    let r = api(
        &sim,
        &token,
        &format!("albums/{}/tracks?offset=1&limit=2", short.id),
    )
    .await;
    let ids: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, short.track_ids[1..3]);
    for (path, status) in [
        (format!("albums/{}/tracks?limit=51", short.id), 400),
        (format!("albums/{}/tracks?offset=-1", short.id), 400),
        ("albums/not-an-id/tracks".to_string(), 400),
        ("albums/0000000000000000000000/tracks".to_string(), 404),
    ] {
        let r = api(&sim, &token, &path).await;
        assert_eq!(r.status.as_u16(), status, "{path}: {}", r.text);
        assert_eq!(r.body["error"]["status"], json!(status));
    }
    let r = get_url(
        &format!("{}albums/{}/tracks", sim.api_url(), short.id),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(sim.stats().endpoint("GET /v1/albums/{id}/tracks"), 7);
    sim.shutdown().await;
}
