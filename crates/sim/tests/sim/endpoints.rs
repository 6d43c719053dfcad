//! Every endpoint, driven with rspotify 0.16 where its models parse today's API and with raw
//! JSON where they cannot; paging reaches every item.

use std::collections::HashMap;

use futures::TryStreamExt;
use reqwest::StatusCode;
use rspotify::model::{AlbumId, ArtistId, PlayableItem, PlaylistId};
use rspotify::prelude::*;
use rspotify::{AuthCodePkceSpotify, Config, Credentials, OAuth, Token};
use serde_json::Value;
use spotsync_sim::RunningSim;
use spotsync_sim::model::{ItemType, LibraryTruth};

use crate::common::*;

/// An rspotify client pointed at the simulator, holding a simulator token.
pub fn rspotify_client(sim: &RunningSim) -> AuthCodePkceSpotify {
    let t = sim.issue_token_full();
    let token = Token {
        access_token: t.access_token,
        expires_in: chrono::TimeDelta::seconds(t.expires_in as i64),
        expires_at: Some(chrono::Utc::now() + chrono::TimeDelta::seconds(t.expires_in as i64)),
        refresh_token: t.refresh_token,
        scopes: t.scope.split(' ').map(String::from).collect(),
    };
    AuthCodePkceSpotify::from_token_with_config(
        token,
        Credentials::new_pkce("spotsync-test-client"),
        OAuth::default(),
        Config {
            api_base_url: sim.api_url(),
            auth_base_url: sim.accounts_url(),
            pagination_chunks: 50,
            ..Default::default()
        },
    )
}

/// Raw JSON through rspotify's authenticated `api_get`, following `next` links.
async fn raw_pages(
    spotify: &AuthCodePkceSpotify,
    sim: &RunningSim,
    first: &str,
) -> (Vec<Value>, u64) {
    let mut path = Some(first.to_string());
    let mut items = Vec::new();
    let mut total = 0;
    while let Some(p) = path {
        let text = spotify
            .api_get(&p, &HashMap::new())
            .await
            .unwrap_or_else(|e| panic!("{p}: {e}"));
        let v: Value = serde_json::from_str(&text).expect("JSON page");
        total = v["total"].as_u64().expect("total");
        items.extend(v["items"].as_array().expect("items").iter().cloned());
        path = v["next"].as_str().map(|n| {
            n.strip_prefix(&sim.api_url())
                .expect("next is an absolute URL on the simulator")
                .to_string()
        });
    }
    (items, total)
}

// `genres` and `label` are deprecated in rspotify; reading them is the point here.
#[allow(deprecated)]
#[tokio::test]
async fn dev_mode_library_through_rspotify_and_raw_json() {
    let sim = sim_with(|o| {
        o.tracks = 260;
        o.playlists = 14;
    })
    .await;
    let truth: LibraryTruth = sim.truth();
    let spotify = rspotify_client(&sim);
    let token = sim.issue_token();

    // /me
    let me = spotify.current_user().await.expect("me");
    assert_eq!(me.id.id(), truth.user.id);
    let raw_me = api(&sim, &token, "me").await.body;
    assert_eq!(raw_me["account_id"], truth.user.account_id.as_str());
    for gone in ["email", "country", "product", "followers"] {
        assert!(
            raw_me.get(gone).is_none(),
            "/me has no {gone} in Development Mode"
        );
    }

    // Saved tracks: every one, in order, with added_at.
    let saved: Vec<_> = spotify
        .current_user_saved_tracks(None)
        .try_collect()
        .await
        .expect("saved tracks");
    assert_eq!(saved.len(), truth.saved_tracks.len());
    for (got, want) in saved.iter().zip(&truth.saved_tracks) {
        assert_eq!(got.track.id.as_ref().unwrap().id(), want.track_id);
        assert_eq!(
            got.added_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            want.added_at
        );
    }
    let first = &api(&sim, &token, "me/tracks?limit=1").await.body["items"][0]["track"];
    for gone in ["popularity", "available_markets", "linked_from"] {
        assert!(first.get(gone).is_none(), "track has no {gone}");
        assert!(first["album"].get("available_markets").is_none());
    }

    // Playlists: raw (rspotify's simplified playlist panics without items/tracks).
    let (playlists, total) = raw_pages(&spotify, &sim, "me/playlists?limit=50").await;
    assert_eq!(total as usize, playlists.len());
    let followed: Vec<_> = truth.playlists.iter().filter(|p| p.followed).collect();
    assert_eq!(playlists.len(), followed.len());
    let mut readable = 0;
    for (json, want) in playlists.iter().zip(&followed) {
        assert_eq!(json["id"], want.id.as_str());
        assert_eq!(json["snapshot_id"], want.snapshot_id.as_str());
        let pid = PlaylistId::from_id(want.id.as_str()).unwrap();
        if want.items_readable_in_dev {
            readable += 1;
            assert_eq!(json["items"]["total"], want.items.len());
            // Raw pages: every position, nulls, local files and episodes included.
            let (items, total) = raw_pages(
                &spotify,
                &sim,
                &format!("playlists/{}/items?limit=50", want.id),
            )
            .await;
            assert_eq!(total as usize, items.len());
            assert_eq!(items.len(), want.items.len());
            for (it, w) in items.iter().zip(&want.items) {
                assert_eq!(it["item"], it["track"], "item and legacy track agree");
                let kind = match (&it["item"], it["is_local"].as_bool()) {
                    (Value::Null, _) => ItemType::Unavailable,
                    (_, Some(true)) => ItemType::Local,
                    (v, _) if v["type"] == "episode" => ItemType::Episode,
                    _ => ItemType::Track,
                };
                assert_eq!(kind, w.kind, "position {}", w.position);
                assert_eq!(it["item"]["uri"].as_str(), w.uri.as_deref());
                assert_eq!(it["added_at"].as_str(), w.added_at.as_deref());
            }
            // rspotify parses these pages: unavailable items come as `item: None`.
            let parsed: Vec<_> = spotify
                .playlist_items(pid, None, None)
                .try_collect()
                .await
                .expect("rspotify playlist items");
            assert_eq!(parsed.len(), want.items.len());
            for (p, w) in parsed.iter().zip(&want.items) {
                match (&p.item, w.kind) {
                    (None, ItemType::Unavailable) => {}
                    (Some(PlayableItem::Track(t)), ItemType::Track) => {
                        assert_eq!(t.id.as_ref().map(|i| i.id()), w.id.as_deref());
                    }
                    (Some(PlayableItem::Episode(e)), ItemType::Episode) => {
                        assert_eq!(Some(e.id.id()), w.id.as_deref());
                    }
                    // Local files parse as tracks without an id.
                    (Some(PlayableItem::Track(t)), ItemType::Local) => {
                        assert!(p.is_local && t.id.is_none());
                    }
                    (got, want) => panic!("position {}: {got:?} vs {want:?}", w.position),
                }
            }
            let tracks = parsed
                .iter()
                .filter(|p| matches!(p.item, Some(PlayableItem::Track(_))))
                .count();
            let want_tracks = want
                .items
                .iter()
                .filter(|i| matches!(i.kind, ItemType::Track | ItemType::Local))
                .count();
            assert_eq!(tracks, want_tracks);
        } else {
            assert!(json.get("items").is_none() && json.get("tracks").is_none());
            let r = api(&sim, &token, &format!("playlists/{}/items", want.id)).await;
            if want.id.starts_with("37i9") {
                assert_eq!(r.status, StatusCode::NOT_FOUND);
                let r = api(&sim, &token, &format!("playlists/{}", want.id)).await;
                assert_eq!(r.status, StatusCode::NOT_FOUND);
            } else {
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
                let p = api(&sim, &token, &format!("playlists/{}", want.id)).await;
                assert_eq!(p.status, StatusCode::OK);
                assert!(p.body.get("items").is_none() && p.body.get("tracks").is_none());
            }
        }
        // The old contents path is gone in Development Mode.
        let r = api(&sim, &token, &format!("playlists/{}/tracks", want.id)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    assert!(readable >= 3);

    // Artists and albums, one per call.
    for a in truth.artists.iter().skip(1).take(5) {
        let got = spotify
            .artist(ArtistId::from_id(a.id.as_str()).unwrap())
            .await
            .expect("artist");
        assert_eq!(got.name, a.name);
        assert_eq!(got.genres, a.genres);
        let raw = api(&sim, &token, &format!("artists/{}", a.id)).await.body;
        assert!(raw.get("followers").is_none() && raw.get("popularity").is_none());
    }
    for al in truth.albums.iter().take(5) {
        let got = spotify
            .album(AlbumId::from_id(al.id.as_str()).unwrap(), None)
            .await
            .expect("album");
        assert_eq!(got.name, al.name);
        assert_eq!(got.tracks.total as usize, al.track_ids.len());
        assert_eq!(got.label, None, "no label in Development Mode");
        let raw = api(&sim, &token, &format!("albums/{}", al.id)).await.body;
        assert!(raw.get("popularity").is_none() && raw.get("available_markets").is_none());
    }
    let r = api(&sim, &token, "artists/0000000000000000000000").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = api(&sim, &token, "albums/not-an-id").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // Batch lookups are gone.
    let ids = &truth.artists[1].id;
    let r = api(&sim, &token, &format!("artists?ids={ids}")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = api(&sim, &token, &format!("albums?ids={}", truth.albums[0].id)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Recently played: only the newest 50 exist.
    let page = spotify
        .current_user_recently_played(Some(50), None)
        .await
        .expect("recently played");
    assert_eq!(page.items.len(), 50);
    assert!(truth.plays.len() > 50);
    for (got, want) in page.items.iter().zip(&truth.plays) {
        assert_eq!(got.track.id.as_ref().unwrap().id(), want.track_id);
    }
    sim.shutdown().await;
}

#[allow(deprecated)]
#[tokio::test]
async fn extended_mode_serves_batches_and_full_fields() {
    let sim = sim_with(|o| {
        o.mode = spotsync_sim::SimMode::Extended;
        o.tracks = 1500;
    })
    .await;
    let truth = sim.truth();
    let spotify = rspotify_client(&sim);
    let token = sim.issue_token();

    let ids: Vec<ArtistId> = truth
        .artists
        .iter()
        .take(50)
        .map(|a| ArtistId::from_id(a.id.as_str()).unwrap())
        .collect();
    let artists = spotify.artists(ids).await.expect("50 artists");
    assert_eq!(artists.len(), 50);
    assert_eq!(artists[3].name, truth.artists[3].name);
    let album_ids: Vec<AlbumId> = truth
        .albums
        .iter()
        .take(20)
        .map(|a| AlbumId::from_id(a.id.as_str()).unwrap())
        .collect();
    let albums = spotify.albums(album_ids, None).await.expect("20 albums");
    assert_eq!(albums.len(), 20);
    assert_eq!(
        albums[0].label.as_deref(),
        Some(truth.albums[0].label.as_str())
    );

    let too_many: Vec<&str> = truth
        .artists
        .iter()
        .take(51)
        .map(|a| a.id.as_str())
        .collect();
    let r = api(&sim, &token, &format!("artists?ids={}", too_many.join(","))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let too_many: Vec<&str> = truth
        .albums
        .iter()
        .take(21)
        .map(|a| a.id.as_str())
        .collect();
    let r = api(&sim, &token, &format!("albums?ids={}", too_many.join(","))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    let me = api(&sim, &token, "me").await.body;
    assert!(me["email"].is_string() && me["product"].is_string());
    let t = &api(&sim, &token, "me/tracks?limit=1").await.body["items"][0]["track"];
    assert!(t["popularity"].is_u64() && t["available_markets"].is_array());

    // Every playlist is readable, including Spotify's and other people's.
    for p in truth.playlists.iter().filter(|p| !p.items_readable_in_dev) {
        let (items, total) = collect_pages(
            &format!("{}playlists/{}/items?limit=50", sim.api_url(), p.id),
            &token,
        )
        .await;
        assert_eq!(
            (items.len(), total as usize),
            (p.items.len(), p.items.len())
        );
        let r = api(&sim, &token, &format!("playlists/{}/tracks?limit=5", p.id)).await;
        assert_eq!(r.status, StatusCode::OK);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn paging_links_and_validation() {
    let sim = sim().await;
    let token = sim.issue_token();
    let total = sim.truth().saved_tracks.len();
    for (q, msg) in [
        ("limit=0", "Invalid limit"),
        ("limit=51", "Invalid limit"),
        ("limit=ten", "Invalid limit"),
        ("offset=-1", "Invalid offset"),
        ("offset=x", "Invalid offset"),
    ] {
        let r = api(&sim, &token, &format!("me/tracks?{q}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(message(&r), msg, "{q}");
        assert_eq!(r.body["error"]["status"], 400);
    }
    let r = api(&sim, &token, "me/tracks").await;
    assert_eq!(r.body["limit"], 20, "default limit");
    let r = api(&sim, &token, "me/tracks?offset=40&limit=20").await;
    let base = sim.api_url();
    assert_eq!(
        r.body["href"],
        format!("{base}me/tracks?offset=40&limit=20")
    );
    assert_eq!(
        r.body["next"],
        format!("{base}me/tracks?offset=60&limit=20")
    );
    assert_eq!(
        r.body["previous"],
        format!("{base}me/tracks?offset=20&limit=20")
    );
    assert_eq!(r.body["total"], total);
    let last = api(
        &sim,
        &token,
        &format!("me/tracks?offset={}&limit=50", total - 3),
    )
    .await;
    assert_eq!(last.body["items"].as_array().unwrap().len(), 3);
    assert!(last.body["next"].is_null());
    let beyond = api(&sim, &token, &format!("me/tracks?offset={}", total + 10)).await;
    assert_eq!(beyond.status, StatusCode::OK);
    assert!(beyond.body["items"].as_array().unwrap().is_empty());
    let (items, t) = collect_pages(&format!("{base}me/tracks?limit=7"), &token).await;
    assert_eq!((items.len(), t as usize), (total, total));
    let r = api(&sim, &token, "nope/endpoint").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    sim.shutdown().await;
}

#[tokio::test]
async fn recently_played_cursors() {
    let sim = sim().await;
    let token = sim.issue_token();
    let plays = sim.truth().plays;
    let ms = |i: usize| {
        chrono::DateTime::parse_from_rfc3339(&plays[i].played_at)
            .unwrap()
            .timestamp_millis()
    };
    // Paging backwards with `next` (before-cursor) reaches exactly the 50 that exist.
    let mut url = Some(format!(
        "{}me/player/recently-played?limit=20",
        sim.api_url()
    ));
    let mut seen = Vec::new();
    while let Some(u) = url {
        let r = get_url(&u, Some(&token)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let items = r.body["items"].as_array().unwrap();
        if let (Some(first), Some(last)) = (items.first(), items.last()) {
            assert_eq!(
                r.body["cursors"]["after"].as_str().unwrap(),
                chrono::DateTime::parse_from_rfc3339(first["played_at"].as_str().unwrap())
                    .unwrap()
                    .timestamp_millis()
                    .to_string()
            );
            assert!(r.body["cursors"]["before"].as_str().is_some());
            let _ = last;
        }
        seen.extend(
            items
                .iter()
                .map(|i| i["played_at"].as_str().unwrap().to_string()),
        );
        url = r.body["next"].as_str().map(str::to_string);
    }
    let want: Vec<String> = plays[..50].iter().map(|p| p.played_at.clone()).collect();
    assert_eq!(seen, want);

    // after: the plays right after the cursor (newest first).
    let r = api(
        &sim,
        &token,
        &format!("me/player/recently-played?after={}&limit=3", ms(10)),
    )
    .await;
    let got: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["played_at"].as_str().unwrap())
        .collect();
    assert_eq!(
        got,
        vec![
            &*plays[7].played_at,
            &*plays[8].played_at,
            &*plays[9].played_at
        ]
    );
    // before: strictly older than the cursor.
    let r = api(
        &sim,
        &token,
        &format!("me/player/recently-played?before={}&limit=2", ms(10)),
    )
    .await;
    assert_eq!(
        r.body["items"][0]["played_at"],
        plays[11].played_at.as_str()
    );
    let r = api(&sim, &token, "me/player/recently-played?before=1&after=2").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = api(&sim, &token, "me/player/recently-played?limit=51").await;
    assert_eq!(message(&r), "Invalid limit");
    sim.shutdown().await;
}
