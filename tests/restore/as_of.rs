//! `--as-of` a date between two syncs: a playlist edited since goes back to what it was then
//! (items, order, name, description, flags); a date before the mirror's history is refused
//! with the earliest date that can be restored.

use std::time::Duration;

use serde_json::json;

use crate::kit::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_date_between_two_syncs_restores_the_earlier_playlist() {
    let sim = sim(150, 8).await;
    let acct = Account::new(&sim, sim.issue_token());
    acct.sync();
    let before = sim.truth();
    let p = before
        .playlists
        .iter()
        .find(|p| p.owned && p.followed && p.items.len() > 3 && !p.collaborative)
        .unwrap()
        .clone();
    // Stored times have whole seconds: the date falls strictly between the two syncs.
    std::thread::sleep(Duration::from_millis(1_100));
    let between = spotsync_core::store::ts(chrono::Utc::now());
    std::thread::sleep(Duration::from_millis(1_100));
    let edit = json!({
        "name": "Edited since", "description": "another description", "public": !p.public,
        "remove_positions": [0, 1], "add_tracks": 3,
    });
    control(&sim, "POST", &format!("playlists/{}", p.id), edit).await;
    acct.sync();

    // A date before the mirror's history: refused, with the earliest one.
    let (code, _, run) = acct.restore(&["playlists", "--as-of", "2001-01-01"]);
    assert_eq!(code, Some(1), "{run:?}");
    assert!(
        run.stderr
            .contains("the earliest date that can be restored is"),
        "{}",
        run.stderr
    );

    let (code, plan, run) = acct.restore(&["playlists", "--playlist", &p.id, "--as-of", &between]);
    assert_eq!(code, Some(0), "{run:?}");
    let diff = &plan["plan"]["diff"]["playlists"];
    assert_eq!(diff.as_array().unwrap().len(), 1, "{diff}");
    assert_eq!(diff[0]["action"], json!("roll_back"));
    assert_eq!(diff[0]["details"], json!(true));
    assert_eq!(diff[0]["name"], json!(p.name));

    let (code, out, run) = acct.restore(&[
        "playlists",
        "--playlist",
        &p.id,
        "--as-of",
        &between,
        "--apply",
    ]);
    assert_eq!(code, Some(0), "{run:?}");
    assert_eq!(out["outcome"]["done"], json!(true), "{out}");
    let now = sim.truth();
    let q = now.playlists.iter().find(|q| q.id == p.id).unwrap();
    assert_eq!(q.name, p.name);
    assert_eq!(q.description, p.description);
    assert_eq!(q.public, p.public);
    let uris = |x: &spotsync::simulator::model::TruthPlaylist| -> Vec<String> {
        x.items
            .iter()
            .filter_map(|i| i.uri.clone())
            .filter(|u| !u.starts_with("spotify:local:"))
            .collect()
    };
    assert_eq!(uris(q), uris(&p));
}
