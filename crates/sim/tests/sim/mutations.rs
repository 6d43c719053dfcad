//! Library mutations through the control API change exactly what they say, and the API and
//! the ground truth agree afterwards.

use reqwest::StatusCode;
use serde_json::{Value, json};
use spotsync_sim::LibraryTruth;

use crate::common::*;

async fn truth(sim: &spotsync_sim::RunningSim) -> LibraryTruth {
    let r = get_url(&format!("{}__sim/library", sim.base_url()), None).await;
    assert_eq!(r.status, StatusCode::OK);
    serde_json::from_value(r.body).expect("library truth parses")
}

#[tokio::test]
async fn save_and_unsave_tracks() {
    let sim = sim().await;
    let token = sim.issue_token();
    let before = truth(&sim).await;
    let (s, v) = control(&sim, "__sim/tracks/save", json!({"count": 3})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let saved: Vec<String> = serde_json::from_value(v["saved"].clone()).unwrap();
    assert_eq!(saved.len(), 3);
    let after = truth(&sim).await;
    assert_eq!(after.saved_tracks.len(), before.saved_tracks.len() + 3);
    // The newest three are the new ones (last saved = newest), the rest is unchanged.
    let newest: Vec<&str> = after.saved_tracks[..3]
        .iter()
        .map(|s| s.track_id.as_str())
        .collect();
    assert_eq!(newest, vec![&*saved[2], &*saved[1], &*saved[0]]);
    assert_eq!(after.saved_tracks[3..], before.saved_tracks[..]);
    assert!(after.saved_tracks[0].added_at > before.saved_tracks[0].added_at);
    assert_eq!(after.playlists, before.playlists);

    let page = api(&sim, &token, "me/tracks?limit=3").await;
    assert_eq!(page.body["total"], after.saved_tracks.len());
    assert_eq!(page.body["items"][0]["track"]["id"], saved[2].as_str());

    // Saving given ids, then unsaving.
    let id = before.saved_tracks[10].track_id.clone();
    let (s, _) = control(&sim, "__sim/tracks/save", json!({"ids": [id]})).await;
    assert_eq!(s, StatusCode::OK);
    let t = truth(&sim).await;
    assert_eq!(
        t.saved_tracks[0].track_id, id,
        "re-saving moves it to the top"
    );
    assert_eq!(t.saved_tracks.len(), after.saved_tracks.len());
    let (s, v) = control(&sim, "__sim/tracks/unsave", json!({"ids": [id, saved[0]]})).await;
    assert_eq!((s, v["removed"].clone()), (StatusCode::OK, json!(2)));
    let t = truth(&sim).await;
    assert_eq!(t.saved_tracks.len(), after.saved_tracks.len() - 2);
    assert!(!t.saved_tracks.iter().any(|s| s.track_id == id));
    let (s, _) = control(&sim, "__sim/tracks/unsave", json!({"ids": ["nope"]})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    sim.shutdown().await;
}

#[tokio::test]
async fn create_edit_delete_playlists() {
    let sim = sim().await;
    let token = sim.issue_token();
    let before = truth(&sim).await;
    let ids: Vec<String> = before.saved_tracks[..4]
        .iter()
        .map(|s| s.track_id.clone())
        .collect();
    let (s, created) = control(
        &sim,
        "__sim/playlists",
        json!({"name": "Nouvelle vague 🌊", "description": "new", "add_track_ids": ids}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let pid = created["id"].as_str().unwrap().to_string();
    let snap1 = created["snapshot_id"].as_str().unwrap().to_string();
    let mine = api(&sim, &token, "me/playlists?limit=1").await;
    assert_eq!(mine.body["items"][0]["id"], pid.as_str());
    assert_eq!(mine.body["items"][0]["items"]["total"], 4);
    assert_eq!(mine.body["total"], mine_total(&before) + 1);

    // Edit: rename, drop position 0, add one; a new snapshot id.
    let (s, edited) = control(
        &sim,
        &format!("__sim/playlists/{pid}"),
        json!({"name": "Renamed", "remove_positions": [0], "add_track_ids": [ids[0]]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{edited}");
    assert_ne!(edited["snapshot_id"].as_str().unwrap(), snap1);
    let p = api(&sim, &token, &format!("playlists/{pid}")).await;
    assert_eq!(p.body["name"], "Renamed");
    assert_eq!(p.body["snapshot_id"], edited["snapshot_id"]);
    let items: Vec<Value> = p.body["items"]["items"].as_array().unwrap().clone();
    let got: Vec<&str> = items
        .iter()
        .map(|i| i["item"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, vec![&*ids[1], &*ids[2], &*ids[3], &*ids[0]]);
    // Other playlists untouched.
    let t = truth(&sim).await;
    assert_eq!(t.playlists[1..], before.playlists[..]);

    // Delete the own playlist: unfollowed, as Spotify does (out of the list, still readable
    // by id); purged: gone. Unfollow someone else's: out of the list, still there.
    let del = http()
        .delete(format!("{}__sim/playlists/{pid}", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), StatusCode::OK);
    assert_eq!(
        api(&sim, &token, &format!("playlists/{pid}")).await.status,
        StatusCode::OK
    );
    let t = truth(&sim).await;
    assert!(
        t.playlists
            .iter()
            .any(|p| p.id == pid && p.owned && !p.followed)
    );
    let mine = api(&sim, &token, "me/playlists?limit=1").await;
    assert_ne!(mine.body["items"][0]["id"], pid.as_str());
    let del = http()
        .delete(format!(
            "{}__sim/playlists/{pid}?purge=true",
            sim.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), StatusCode::OK);
    assert_eq!(
        api(&sim, &token, &format!("playlists/{pid}")).await.status,
        StatusCode::NOT_FOUND
    );
    let other = before
        .playlists
        .iter()
        .find(|p| !p.owned && !p.id.starts_with("37i9"))
        .unwrap();
    http()
        .delete(format!("{}__sim/playlists/{}", sim.base_url(), other.id))
        .send()
        .await
        .unwrap();
    let t = truth(&sim).await;
    assert!(t.playlists.iter().any(|p| p.id == other.id && !p.followed));
    let (all, total) =
        collect_pages(&format!("{}me/playlists?limit=50", sim.api_url()), &token).await;
    assert_eq!(total as usize, all.len());
    assert_eq!(total, mine_total(&before) - 1);
    assert!(all.iter().all(|p| p["id"] != other.id.as_str()));
    sim.shutdown().await;
}

fn mine_total(t: &LibraryTruth) -> u64 {
    t.playlists.iter().filter(|p| p.followed).count() as u64
}

#[tokio::test]
async fn add_plays_shows_up_in_recently_played() {
    let sim = sim().await;
    let token = sim.issue_token();
    let before = truth(&sim).await;
    let newest_before = api(&sim, &token, "me/player/recently-played?limit=1").await;
    let cursor = newest_before.body["cursors"]["after"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, v) = control(&sim, "__sim/plays", json!({"count": 3})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let after = truth(&sim).await;
    assert_eq!(after.plays.len(), before.plays.len() + 3);
    assert_eq!(after.plays[3..], before.plays[..]);
    let r = api(
        &sim,
        &token,
        &format!("me/player/recently-played?after={cursor}&limit=50"),
    )
    .await;
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "exactly the new plays are after the cursor");
    for (i, it) in items.iter().enumerate() {
        assert_eq!(it["played_at"], after.plays[i].played_at.as_str());
        assert_eq!(it["track"]["id"], after.plays[i].track_id.as_str());
    }
    sim.shutdown().await;
}
