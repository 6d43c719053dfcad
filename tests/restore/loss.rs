//! A staged loss: 3 playlists deleted, 1 emptied, 1 reordered, 50 liked songs, 5 saved albums
//! and 3 follows gone. The plan lists exactly those; the apply puts the account back; a second
//! apply writes nothing.

use serde_json::{Value, json};

use crate::kit::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staged_loss_is_planned_then_restored_and_a_rerun_writes_nothing() {
    let sim = sim(300, 14).await;
    let acct = Account::new(&sim, sim.issue_token());
    acct.sync();
    let before = sim.truth();
    let own: Vec<_> = before
        .playlists
        .iter()
        .filter(|p| p.owned && p.followed && p.items.len() >= 2)
        .map(|p| p.id.clone())
        .collect();
    assert!(own.len() >= 5, "{} own playlists", own.len());
    for id in &own[..3] {
        control(&sim, "DELETE", &format!("playlists/{id}"), json!({})).await;
    }
    control(
        &sim,
        "POST",
        &format!("playlists/{}/empty", own[3]),
        json!({}),
    )
    .await;
    control(
        &sim,
        "POST",
        &format!("playlists/{}/reorder", own[4]),
        json!({}),
    )
    .await;
    let liked: Vec<String> = before.saved_tracks[10..60]
        .iter()
        .map(|s| s.track_id.clone())
        .collect();
    control(&sim, "POST", "tracks/unsave", json!({ "ids": liked })).await;
    let albums: Vec<String> = before.saved_albums[..5]
        .iter()
        .map(|s| s.id.clone())
        .collect();
    control(&sim, "POST", "albums/unsave", json!({ "ids": albums })).await;
    let artists: Vec<String> = before.followed_artists[..3].to_vec();
    control(&sim, "POST", "artists/unfollow", json!({ "ids": artists })).await;

    // The plan: exactly the loss, and nothing written.
    sim.reset_stats();
    let (code, plan, run) = acct.restore(&[]);
    assert_eq!(code, Some(0), "{run:?}");
    assert_eq!(sim.stats().writes, 0, "a plan writes nothing");
    let diff = &plan["plan"]["diff"];
    let adds = |kind: &str| -> usize {
        diff["lists"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["kind"] == kind)
            .map_or(0, |l| l["add"].as_array().unwrap().len())
    };
    assert_eq!(adds("liked"), 50, "{diff}");
    assert_eq!(adds("albums"), 5);
    assert_eq!(adds("artists"), 3);
    assert_eq!(adds("shows") + adds("episodes") + adds("audiobooks"), 0);
    let playlists = diff["playlists"].as_array().unwrap();
    let actions: Vec<(String, String)> = playlists
        .iter()
        .map(|p| {
            (
                p["target"]["id"].as_str().unwrap().to_string(),
                p["action"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut expected: Vec<(String, String)> = own[..3]
        .iter()
        .map(|id| (id.clone(), "recreate".to_string()))
        .chain(
            own[3..5]
                .iter()
                .map(|id| (id.clone(), "roll_back".to_string())),
        )
        .collect();
    let mut got = actions.clone();
    expected.sort();
    got.sort();
    assert_eq!(got, expected, "{diff}");
    let as_of = plan["plan"]["restore"]["as_of"]
        .as_str()
        .unwrap()
        .to_string();

    // The apply: the account as before the loss.
    let (code, out, run) = acct.restore(&["--apply"]);
    assert_eq!(code, Some(0), "{run:?}");
    assert_eq!(out["outcome"]["done"], Value::Bool(true), "{out}");
    let after = sim.truth();
    assert_eq!(liked_set(&after), liked_set(&before));
    assert_eq!(albums_set(&after), albums_set(&before));
    assert_eq!(follows_set(&after), follows_set(&before));
    assert_eq!(own_playlists(&after), own_playlists(&before));
    // The re-saved songs read in their original order, newest first, at the top.
    let top: Vec<&str> = after.saved_tracks[..50]
        .iter()
        .map(|s| s.track_id.as_str())
        .collect();
    let was: Vec<&str> = before.saved_tracks[10..60]
        .iter()
        .map(|s| s.track_id.as_str())
        .collect();
    assert_eq!(top, was);
    // The change journal says what the restore did.
    let c = rusqlite::Connection::open(&acct.home.db).unwrap();
    let by_restore = |entity: &str| -> i64 {
        c.query_row(
            "SELECT COUNT(*) FROM library_changes
             WHERE source = 'restore' AND entity_type = ?1 AND change = 'added'",
            [entity],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(by_restore("saved_track"), 50);
    assert_eq!(by_restore("saved_album"), 5);
    assert_eq!(by_restore("followed_artist"), 3);
    assert_eq!(by_restore("playlist"), 3);

    // Again, as of the same date: nothing to write.
    sim.reset_stats();
    let (code, out, run) = acct.restore(&["--apply", "--as-of", &as_of]);
    assert_eq!(code, Some(0), "{run:?}");
    assert_eq!(out["plan"]["diff"]["requests"], json!(0), "{out}");
    assert_eq!(sim.stats().writes, 0, "{run:?}");
}
