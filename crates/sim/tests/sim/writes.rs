//! `PUT` / `DELETE /me/library` and `GET /me/library/contains`: every kind of URI, the order and
//! time of a request's saves, the limit of 40, malformed and unknown URIs, scopes, and writes
//! going through the gate (quota, faults, statistics).

use std::collections::HashSet;

use reqwest::{Method, StatusCode};
use serde_json::json;
use spotsync_sim::{FaultKind, FaultMethod, LibraryTruth, RunningSim};

use crate::common::*;

fn uris(kind: &str, ids: &[&str]) -> String {
    ids.iter()
        .map(|i| format!("spotify:{kind}:{i}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Catalogue tracks not saved yet.
fn unsaved_tracks(t: &LibraryTruth, n: usize) -> Vec<String> {
    let saved: HashSet<&str> = t.saved_tracks.iter().map(|s| s.track_id.as_str()).collect();
    t.tracks
        .iter()
        .map(|x| x.id.clone())
        .filter(|i| !saved.contains(i.as_str()))
        .take(n)
        .collect()
}

fn unsaved(all: Vec<String>, saved: &[spotsync_sim::model::TruthSavedItem]) -> String {
    let saved: HashSet<&str> = saved.iter().map(|s| s.id.as_str()).collect();
    all.into_iter()
        .find(|i| !saved.contains(i.as_str()))
        .expect("something unsaved")
}

async fn put_library(sim: &RunningSim, token: &str, uris: &str) -> Resp {
    call(
        sim,
        Method::PUT,
        &format!("me/library?uris={uris}"),
        token,
        None,
    )
    .await
}

async fn delete_library(sim: &RunningSim, token: &str, uris: &str) -> Resp {
    call(
        sim,
        Method::DELETE,
        &format!("me/library?uris={uris}"),
        token,
        None,
    )
    .await
}

async fn contains(sim: &RunningSim, token: &str, uris: &str) -> Vec<bool> {
    let r = api(sim, token, &format!("me/library/contains?uris={uris}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    serde_json::from_value(r.body).expect("an array of booleans")
}

fn secs(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .expect("RFC 3339")
        .timestamp()
}

#[tokio::test]
async fn every_kind_is_saved_with_the_time_of_the_write_and_removed() {
    let sim = sim().await;
    let token = sim.issue_token();
    let before = sim.truth();
    let tracks = unsaved_tracks(&before, 3);
    let album = unsaved(
        before.albums.iter().map(|a| a.id.clone()).collect(),
        &before.saved_albums,
    );
    let show = unsaved(
        before.shows.iter().map(|a| a.id.clone()).collect(),
        &before.saved_shows,
    );
    let episode = unsaved(
        before.episodes.iter().map(|a| a.id.clone()).collect(),
        &before.saved_episodes,
    );
    let book = unsaved(
        before.audiobooks.iter().map(|a| a.id.clone()).collect(),
        &before.saved_audiobooks,
    );
    let artist = before
        .artists
        .iter()
        .skip(1)
        .map(|a| a.id.clone())
        .find(|a| !before.followed_artists.contains(a))
        .unwrap();
    let t0 = chrono::Utc::now().timestamp();
    let all = [
        uris("track", &[&tracks[0], &tracks[1], &tracks[2]]),
        format!("spotify:album:{album},spotify:show:{show},spotify:episode:{episode}"),
        format!("spotify:audiobook:{book},spotify:artist:{artist},spotify:user:friend.of.a_friend"),
    ]
    .join(",");
    let r = put_library(&sim, &token, &all).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.is_empty(), "no body: {}", r.text);
    let after = truth_of(&sim, 0).await;

    // The request's tracks first, the last URI first of all, sharing one added_at: now.
    let newest: Vec<&str> = after.saved_tracks[..3]
        .iter()
        .map(|s| s.track_id.as_str())
        .collect();
    assert_eq!(newest, [&*tracks[2], &*tracks[1], &*tracks[0]]);
    let at = &after.saved_tracks[0].added_at;
    assert!(after.saved_tracks[..3].iter().all(|s| &s.added_at == at));
    assert!(
        (t0 - 2..=t0 + 5).contains(&secs(at)),
        "{at} is the write's time"
    );
    assert_eq!(after.saved_tracks[3..], before.saved_tracks[..]);
    for (list, id) in [
        (&after.saved_albums, &album),
        (&after.saved_shows, &show),
        (&after.saved_episodes, &episode),
        (&after.saved_audiobooks, &book),
    ] {
        assert_eq!(&list[0].id, id);
        assert_eq!(&list[0].added_at, at, "one added_at for the whole request");
    }
    assert!(after.followed_artists.contains(&artist));
    assert_eq!(after.followed_users, ["friend.of.a_friend"]);
    // The API agrees with the ground truth.
    let page = api(&sim, &token, "me/tracks?limit=3").await.body;
    assert_eq!(page["items"][0]["track"]["id"], tracks[2].as_str());
    assert_eq!(page["items"][0]["added_at"], at.as_str());
    let books = api(&sim, &token, "me/audiobooks?limit=1").await.body;
    assert_eq!(books["items"][0]["id"], book.as_str());

    // contains, in the order asked; an unknown id is false.
    let check = format!(
        "spotify:track:{},spotify:track:0000000000000000000000,spotify:artist:{artist},\
         spotify:user:friend.of.a_friend,spotify:user:nobody,spotify:show:{book}",
        tracks[1]
    );
    assert_eq!(
        contains(&sim, &token, &check).await,
        [true, false, true, true, false, true]
    );

    // Saving a saved item again leaves it where it is.
    let r = put_library(&sim, &token, &format!("spotify:track:{}", tracks[0])).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(truth_of(&sim, 0).await.saved_tracks, after.saved_tracks);

    // Removing: every kind; what is not saved is no error.
    let gone = format!(
        "spotify:track:{},spotify:album:{album},spotify:artist:{artist},spotify:user:friend.of.a_friend,\
         spotify:show:{book},spotify:track:0000000000000000000000",
        tracks[1]
    );
    let r = delete_library(&sim, &token, &gone).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let t = truth_of(&sim, 0).await;
    assert!(!t.saved_tracks.iter().any(|s| s.track_id == tracks[1]));
    assert!(!t.saved_albums.iter().any(|s| s.id == album));
    assert!(!t.saved_audiobooks.iter().any(|s| s.id == book));
    assert!(!t.followed_artists.contains(&artist) && t.followed_users.is_empty());
    assert_eq!(t.saved_tracks.len(), after.saved_tracks.len() - 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_playlist_unfollowed_comes_back_first_with_its_id() {
    let sim = sim().await;
    let token = sim.issue_token();
    let before = sim.truth();
    let own = before
        .playlists
        .iter()
        .filter(|p| p.followed && p.owned)
        .nth(2)
        .unwrap();
    let uri = format!("spotify:playlist:{}", own.id);
    assert_eq!(contains(&sim, &token, &uri).await, [true]);
    let r = delete_library(&sim, &token, &uri).await;
    assert_eq!(r.status, StatusCode::OK);
    let (list, _) = collect_pages(&format!("{}me/playlists?limit=50", sim.api_url()), &token).await;
    assert!(list.iter().all(|p| p["id"] != own.id.as_str()));
    // Deleted by its owner = unfollowed: it still exists, unchanged.
    let r = api(&sim, &token, &format!("playlists/{}", own.id)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["snapshot_id"], own.snapshot_id.as_str());
    assert_eq!(contains(&sim, &token, &uri).await, [false]);

    let r = put_library(&sim, &token, &uri).await;
    assert_eq!(r.status, StatusCode::OK);
    let first = api(&sim, &token, "me/playlists?limit=1").await.body;
    assert_eq!(first["items"][0]["id"], own.id.as_str());
    let t = truth_of(&sim, 0).await;
    let back = t.playlists.iter().find(|p| p.id == own.id).unwrap();
    assert!(back.followed);
    assert_eq!(back.items, own.items);
    sim.shutdown().await;
}

#[tokio::test]
async fn limits_malformed_and_unknown_uris_change_nothing() {
    let sim = sim().await;
    let token = sim.issue_token();
    let before = sim.truth();
    let ids: Vec<String> = unsaved_tracks(&before, 41);
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let forty_one = uris("track", &refs);
    let known = format!("spotify:track:{}", ids[0]);
    let cases: Vec<(String, &str)> = vec![
        (forty_one.clone(), "Too many URIs"),
        (String::new(), "Missing required parameter: uris"),
        (",,".into(), "Missing required parameter: uris"),
        ("spotify:track:short".into(), "Invalid URI"),
        (
            "spotify:chapter:0000000000000000000000".into(),
            "Unsupported URI type",
        ),
        ("spotify:local:a:b:c:10".into(), "Unsupported URI type"),
        ("https://open.spotify.com/track/x".into(), "Invalid URI"),
        ("spotify:user:".into(), "Invalid URI"),
        (
            format!("{known},spotify:track:0000000000000000000000"),
            "Payload contains a non-existing ID",
        ),
    ];
    for method in [Method::PUT, Method::DELETE] {
        for (u, msg) in &cases {
            if method == Method::DELETE && msg.starts_with("Payload") {
                continue; // removing what is not there is no error
            }
            let r = call(
                &sim,
                method.clone(),
                &format!("me/library?uris={u}"),
                &token,
                None,
            )
            .await;
            assert_eq!(
                r.status,
                StatusCode::BAD_REQUEST,
                "{method} {u}: {}",
                r.text
            );
            assert_eq!(r.body["error"]["status"], 400);
            assert!(message(&r).starts_with(msg), "{u}: {}", message(&r));
        }
    }
    let r = call(&sim, Method::PUT, "me/library", &token, None).await;
    assert_eq!(message(&r), "Missing required parameter: uris");
    let r = api(
        &sim,
        &token,
        &format!("me/library/contains?uris={forty_one}"),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(truth_of(&sim, 0).await, before, "nothing changed");
    // Exactly 40 is fine.
    let r = put_library(&sim, &token, &uris("track", &refs[..40])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        truth_of(&sim, 0).await.saved_tracks.len(),
        before.saved_tracks.len() + 40
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn each_kind_needs_the_scope_its_description_names() {
    let sim = sim().await;
    let before = sim.truth();
    let track = format!("spotify:track:{}", unsaved_tracks(&before, 1)[0]);
    let artist = format!("spotify:artist:{}", before.artists[3].id);
    let playlist = format!(
        "spotify:playlist:{}",
        before.playlists.iter().find(|p| p.followed).unwrap().id
    );
    let forbidden = json!({"error": {"status": 403, "message": "Insufficient client scope"}});
    let library = token_of(&sim, 0, &["user-library-modify"]).await;
    let follow = token_of(&sim, 0, &["user-follow-modify"]).await;
    let public = token_of(&sim, 0, &["playlist-modify-public"]).await;
    let read_only = sim.issue_token_with_scopes(&[
        "user-library-read",
        "user-follow-read",
        "playlist-read-private",
    ]);
    for (token, uri) in [
        (&library, &artist),
        (&library, &playlist),
        (&follow, &track),
        (&public, &track),
        (&read_only.access_token, &track),
        (&library, &format!("{track},{artist}")),
    ] {
        for method in [Method::PUT, Method::DELETE] {
            let r = call(&sim, method, &format!("me/library?uris={uri}"), token, None).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{uri}");
            assert_eq!(r.body, forbidden);
        }
    }
    assert_eq!(truth_of(&sim, 0).await, before, "nothing written");
    // With the right scope each passes.
    for (token, uri) in [(&library, &track), (&follow, &artist), (&public, &playlist)] {
        assert_eq!(
            put_library(&sim, token, uri).await.status,
            StatusCode::OK,
            "{uri}"
        );
    }
    // contains needs the read scopes.
    let r = api(&sim, &library, &format!("me/library/contains?uris={track}")).await;
    assert_eq!(r.body, forbidden);
    let r = api(
        &sim,
        &read_only.access_token,
        &format!("me/library/contains?uris={track},{artist},{playlist}"),
    )
    .await;
    assert_eq!(r.body, json!([true, true, true]));
    // No token, an app token: 401.
    let r = get_url(
        &format!("{}me/library/contains?uris={track}", sim.api_url()),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    sim.shutdown().await;
}

#[tokio::test]
async fn writes_spend_the_quota_and_count_in_the_statistics() {
    let sim = sim_with(|o| o.quota = 3).await;
    let token = sim.issue_token();
    let t = sim.truth();
    let ids = unsaved_tracks(&t, 3);
    for id in &ids[..2] {
        let r = put_library(&sim, &token, &format!("spotify:track:{id}")).await;
        assert_eq!(r.status, StatusCode::OK);
    }
    assert_eq!(api(&sim, &token, "me").await.status, StatusCode::OK);
    let r = put_library(&sim, &token, &format!("spotify:track:{}", ids[2])).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.body["error"]["reason"], "QUOTA_EXCEEDED");
    let after = truth_of(&sim, 0).await;
    assert!(
        !after.saved_tracks.iter().any(|s| s.track_id == ids[2]),
        "not written"
    );
    let st = sim.stats();
    assert_eq!((st.total, st.writes), (4, 3));
    assert_eq!(st.endpoint("PUT /v1/me/library"), 3);
    assert_eq!(st.user(0).writes, 3);
    assert_eq!(st.quota_exceeded, 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_write_fails_or_is_cut_off_after_n_successful_writes() {
    let sim = sim().await;
    let token = sim.issue_token();
    let ids = unsaved_tracks(&sim.truth(), 6);
    let save = |i: usize| format!("spotify:track:{}", ids[i]);
    // The third write fails with a 500; reads in between do not count.
    let (s, v) = control(
        &sim,
        "__sim/faults/next",
        json!({"kind": "500", "method": "write", "after": 2}),
    )
    .await;
    assert_eq!((s, v["queued"].clone()), (StatusCode::OK, json!(1)));
    assert_eq!(
        put_library(&sim, &token, &save(0)).await.status,
        StatusCode::OK
    );
    assert_eq!(api(&sim, &token, "me").await.status, StatusCode::OK);
    // A refused write (400) does not count as a successful one.
    let r = put_library(&sim, &token, "spotify:track:bad").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        put_library(&sim, &token, &save(1)).await.status,
        StatusCode::OK
    );
    let r = put_library(&sim, &token, &save(2)).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        put_library(&sim, &token, &save(3)).await.status,
        StatusCode::OK
    );
    let t = truth_of(&sim, 0).await;
    let saved: HashSet<&str> = t.saved_tracks.iter().map(|s| s.track_id.as_str()).collect();
    assert!(saved.contains(ids[1].as_str()) && !saved.contains(ids[2].as_str()));

    // drop: not carried out, no answer; drop-after: carried out, no answer.
    sim.inject_faults_when(FaultKind::Drop, 1, FaultMethod::Put, 0);
    let err = http()
        .put(format!("{}me/library?uris={}", sim.api_url(), save(4)))
        .bearer_auth(&token)
        .send()
        .await;
    assert!(err.is_err(), "no answer");
    sim.inject_faults_when(FaultKind::DropAfter, 1, FaultMethod::Put, 0);
    let err = http()
        .put(format!("{}me/library?uris={}", sim.api_url(), save(5)))
        .bearer_auth(&token)
        .send()
        .await;
    assert!(err.is_err(), "no answer");
    let t = truth_of(&sim, 0).await;
    let saved: HashSet<&str> = t.saved_tracks.iter().map(|s| s.track_id.as_str()).collect();
    assert!(!saved.contains(ids[4].as_str()), "drop: not written");
    assert!(saved.contains(ids[5].as_str()), "drop-after: written");
    assert_eq!(sim.stats().dropped, 2);

    // Queued faults can be cleared; a bad method is refused.
    control(
        &sim,
        "__sim/faults/next",
        json!({"kind": "503", "method": "DELETE"}),
    )
    .await;
    let (s, v) = control(&sim, "__sim/faults/clear", json!({})).await;
    assert_eq!((s, v["queued"].clone()), (StatusCode::OK, json!(0)));
    let r = delete_library(&sim, &token, &save(0)).await;
    assert_eq!(r.status, StatusCode::OK);
    let (s, _) = control(
        &sim,
        "__sim/faults/next",
        json!({"kind": "500", "method": "PATCHY"}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    sim.shutdown().await;
}
