//! Scopes of the library lists (403 "Insufficient client scope") and their control API:
//! save / unsave albums, shows, episodes, audiobooks; follow / unfollow artists.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::json;
use spotsync_sim::RunningSim;
use spotsync_sim::model::LibraryTruth;

use crate::common::*;
use crate::library::following_raw;

#[tokio::test]
async fn a_token_without_the_scope_gets_403_insufficient_client_scope() {
    let sim = sim().await;
    let narrow = sim
        .issue_token_with_scopes(&["user-library-read"])
        .access_token;
    let expected = json!({"error": {"status": 403, "message": "Insufficient client scope"}});
    for path in [
        "me/following?type=artist",
        "me/top/artists",
        "me/top/tracks",
        "me/episodes",
    ] {
        let r = api(&sim, &narrow, path).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(r.body, expected, "{path}");
    }
    for path in ["me/albums", "me/shows", "me/audiobooks", "me/tracks"] {
        assert_eq!(
            api(&sim, &narrow, path).await.status,
            StatusCode::OK,
            "{path}"
        );
    }
    // Scopes asked for at the control API.
    let (s, t) = control(&sim, "__sim/token", json!({"scopes": ["user-follow-read"]})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(t["scope"], json!("user-follow-read"));
    let follow = t["access_token"].as_str().unwrap();
    assert_eq!(
        api(&sim, follow, "me/following?type=artist").await.status,
        StatusCode::OK
    );
    assert_eq!(
        api(&sim, follow, "me/albums").await.status,
        StatusCode::FORBIDDEN
    );
    let (s, t) = control(&sim, "__sim/token", json!({"scopes": []})).await;
    assert_eq!(s, StatusCode::OK);
    let none = t["access_token"].as_str().unwrap();
    assert_eq!(api(&sim, none, "me/shows").await.body, expected);
    let (s, _) = control(&sim, "__sim/token", json!({"scopes": ["user-follow-reed"]})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "an unknown scope is refused");
    // The default token grants everything.
    let (_, t) = control(&sim, "__sim/token", json!({})).await;
    let all = t["access_token"].as_str().unwrap();
    for path in ["me/following?type=artist", "me/top/tracks", "me/episodes"] {
        assert_eq!(api(&sim, all, path).await.status, StatusCode::OK, "{path}");
    }
    // No token: 401 first.
    let r = get_url(&format!("{}me/albums", sim.api_url()), None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    sim.shutdown().await;
}

async fn truth(sim: &RunningSim) -> LibraryTruth {
    let r = get_url(&format!("{}__sim/library", sim.base_url()), None).await;
    assert_eq!(r.status, StatusCode::OK);
    serde_json::from_value(r.body).expect("LibraryTruth")
}

/// The id of a list entry: under `key`, or the entry's own when `key` is empty (the bare
/// audiobooks of `/me/audiobooks`).
fn entry_id<'a>(entry: &'a serde_json::Value, key: &str) -> Option<&'a str> {
    let object = if key.is_empty() { entry } else { &entry[key] };
    object["id"].as_str()
}

async fn first_id(sim: &RunningSim, token: &str, path: &str, key: &str) -> Option<String> {
    let r = api(sim, token, path).await;
    entry_id(&r.body["items"][0], key).map(str::to_string)
}

#[tokio::test]
async fn control_saves_unsaves_follows_and_unfollows() {
    let sim = sim().await;
    let token = sim.issue_token();
    let before = truth(&sim).await;

    // Albums: save one by id (it becomes the newest), then unsave it.
    let saved: HashSet<&str> = before.saved_albums.iter().map(|s| s.id.as_str()).collect();
    let album = before
        .albums
        .iter()
        .find(|a| !saved.contains(a.id.as_str()))
        .unwrap();
    let (s, v) = control(&sim, "__sim/albums/save", json!({"ids": [album.id]})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["total"], json!(before.saved_albums.len() + 1));
    assert_eq!(
        first_id(&sim, &token, "me/albums", "album").await,
        Some(album.id.clone())
    );
    let t = truth(&sim).await;
    assert_eq!(t.saved_albums[0].id, album.id);
    assert!(t.saved_albums[0].added_at > before.saved_albums[0].added_at);
    let (s, v) = control(&sim, "__sim/albums/unsave", json!({"ids": [album.id]})).await;
    assert_eq!((s, v["removed"].clone()), (StatusCode::OK, json!(1)));
    assert_eq!(truth(&sim).await.saved_albums, before.saved_albums);
    let (s, v) = control(&sim, "__sim/albums/save", json!({"count": 3})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["added"].as_array().unwrap().len(), 3);
    assert_eq!(
        truth(&sim).await.saved_albums.len(),
        before.saved_albums.len() + 3
    );

    // Artists: follow one nobody follows, unfollow one.
    let followed: HashSet<&str> = before.followed_artists.iter().map(String::as_str).collect();
    let artist = before
        .artists
        .iter()
        .skip(1)
        .find(|a| !followed.contains(a.id.as_str()))
        .unwrap();
    let (s, _) = control(&sim, "__sim/artists/follow", json!({"ids": [artist.id]})).await;
    assert_eq!(s, StatusCode::OK);
    let ids = following_raw(&sim, &token, 50).await;
    assert!(ids.contains(&artist.id));
    assert_eq!(ids, truth(&sim).await.followed_artists);
    let gone = before.followed_artists[0].clone();
    let (s, _) = control(
        &sim,
        "__sim/artists/unfollow",
        json!({"ids": [gone, artist.id]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let ids = following_raw(&sim, &token, 50).await;
    assert!(!ids.contains(&gone) && !ids.contains(&artist.id));
    assert_eq!(ids.len(), before.followed_artists.len() - 1);

    // Shows, episodes, audiobooks.
    for (kind, key, path, list, catalogue) in [
        (
            "shows",
            "show",
            "me/shows",
            &before.saved_shows,
            before
                .shows
                .iter()
                .map(|x| x.id.clone())
                .collect::<Vec<_>>(),
        ),
        (
            "episodes",
            "episode",
            "me/episodes",
            &before.saved_episodes,
            before.episodes.iter().map(|x| x.id.clone()).collect(),
        ),
        (
            "audiobooks",
            "",
            "me/audiobooks",
            &before.saved_audiobooks,
            before.audiobooks.iter().map(|x| x.id.clone()).collect(),
        ),
    ] {
        let saved: HashSet<&str> = list.iter().map(|s| s.id.as_str()).collect();
        let new = catalogue
            .iter()
            .find(|i| !saved.contains(i.as_str()))
            .expect(kind);
        let (s, v) = control(&sim, &format!("__sim/{kind}/save"), json!({"ids": [new]})).await;
        assert_eq!(s, StatusCode::OK, "{kind}: {v}");
        assert_eq!(
            first_id(&sim, &token, path, key).await.as_ref(),
            Some(new),
            "{kind}"
        );
        let old = &list[0].id;
        let (s, _) = control(
            &sim,
            &format!("__sim/{kind}/unsave"),
            json!({"ids": [new, old]}),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let r = api(&sim, &token, &format!("{path}?limit=50")).await;
        assert_eq!(r.body["total"], json!(list.len() - 1), "{kind}");
        let served: Vec<&str> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| entry_id(i, key).unwrap())
            .collect();
        assert!(!served.contains(&new.as_str()) && !served.contains(&old.as_str()));
    }

    // Bad input: 400, nothing changes.
    let after = truth(&sim).await;
    for (path, body) in [
        (
            "__sim/albums/save",
            json!({"ids": ["0000000000000000000000"]}),
        ),
        ("__sim/albums/save", json!({"ids": ["short"]})),
        ("__sim/albums/save", json!({"count": 10_001})),
        ("__sim/albums/save", json!({"nope": 1})),
        ("__sim/artists/follow", json!({"ids": "not a list"})),
        (
            "__sim/artists/unfollow",
            json!({"ids": ["0000000000000000000000"]}),
        ),
        ("__sim/shows/unsave", json!({"ids": [1, 2]})),
        ("__sim/episodes/save", json!({"count": -1})),
        ("__sim/audiobooks/save", json!([])),
    ] {
        let (s, v) = control(&sim, path, body.clone()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{path} {body}: {v}");
    }
    let r = http()
        .post(format!("{}__sim/shows/save", sim.base_url()))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(truth(&sim).await, after);
    // A count larger than the catalogue saves what there is.
    let (s, v) = control(&sim, "__sim/audiobooks/save", json!({"count": 9_999})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["total"], json!(after.audiobooks.len()));
    sim.shutdown().await;
}
