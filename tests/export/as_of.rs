//! `--as-of`: after the library changes (un-saves, removals from a playlist, renames, new saves,
//! a new playlist) and a sync, an export as of an earlier date is byte for byte the
//! export made at that date (the JSON document's `exported_at` aside).

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::*;

/// Now, to the second, once the current second is over (so every timestamp written before this
/// call is before the returned time, and every one written after it is after).
async fn instant_between() -> String {
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let t = spotsync::store::ts(chrono::Utc::now());
    tokio::time::sleep(Duration::from_millis(1100)).await;
    t
}

fn without_as_of(bytes: &[u8]) -> Value {
    let mut v: Value = serde_json::from_slice(bytes).unwrap();
    v["as_of"] = Value::Null;
    v["exported_at"] = Value::Null;
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_of_an_earlier_date_reproduces_the_earlier_export() {
    let (sim, env) = synced_library(300, 10).await;
    let at = instant_between().await;

    // The export at that date, plain and with --as-of that date: the same library.
    let out = export(&env, &sim, &["--format", ALL_FORMATS, "--out", "then"]).await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let out = export(
        &env,
        &sim,
        &[
            "--format",
            ALL_FORMATS,
            "--out",
            "then-as-of",
            "--as-of",
            &at,
        ],
    )
    .await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let then = all_files(&env.dir.path().join("then"));
    let then_as_of = all_files(&env.dir.path().join("then-as-of"));
    assert_eq!(
        then.keys().collect::<Vec<_>>(),
        then_as_of.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &then {
        if name.ends_with(".json") {
            assert_eq!(without_as_of(bytes), without_as_of(&then_as_of[name]));
        } else {
            assert!(bytes == &then_as_of[name], "{name}: as of now = now");
        }
    }

    // Change the library: un-save 3, save 2, remove items from an owned playlist, rename an
    // owned and a followed playlist, create a playlist. (Not plays: the simulator stamps new
    // plays minutes before now, i.e. before that date, and as of a date the listening history
    // holds every play played by then, synced then or later.)
    let truth = crate::common::truth(&sim).await;
    let unsave: Vec<String> = truth.saved_tracks[10..13]
        .iter()
        .map(|s| s.track_id.clone())
        .collect();
    control(
        &sim,
        reqwest::Method::POST,
        "__sim/tracks/unsave",
        json!({"ids": unsave}),
    )
    .await;
    control(
        &sim,
        reqwest::Method::POST,
        "__sim/tracks/save",
        json!({"count": 2}),
    )
    .await;
    let followed: Vec<_> = truth.playlists.iter().filter(|p| p.followed).collect();
    let owned: Vec<_> = followed
        .iter()
        .filter(|p| p.owned && p.items.len() >= 3)
        .collect();
    assert!(owned.len() >= 2, "two owned playlists with items");
    control(
        &sim,
        reqwest::Method::POST,
        &format!("__sim/playlists/{}", owned[0].id),
        json!({"remove_positions": [0, 2]}),
    )
    .await;
    control(
        &sim,
        reqwest::Method::POST,
        &format!("__sim/playlists/{}", owned[1].id),
        json!({"name": "Renamed, later"}),
    )
    .await;
    let other = followed
        .iter()
        .find(|p| !p.owned && !p.collaborative && !p.id.starts_with("37i9"))
        .expect("a followed playlist");
    control(
        &sim,
        reqwest::Method::POST,
        &format!("__sim/playlists/{}", other.id),
        json!({"name": "Renamed by its owner"}),
    )
    .await;
    control(
        &sim,
        reqwest::Method::POST,
        "__sim/playlists",
        json!({"name": "Made later", "add_tracks": 3}),
    )
    .await;

    let out = env.run(&sim, &["sync"]).await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);

    // Now the export differs...
    let out = export(&env, &sim, &["--format", ALL_FORMATS, "--out", "now"]).await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let now = all_files(&env.dir.path().join("now"));
    assert!(now.contains_key("Renamed, later.csv") && !then.contains_key("Renamed, later.csv"));
    assert!(now.contains_key("Made later.csv"));
    assert_ne!(now["Liked Songs.csv"], then["Liked Songs.csv"]);

    // ...and as of the earlier date it is the earlier export, byte for byte.
    sim.reset_stats();
    let out = export(
        &env,
        &sim,
        &["--format", ALL_FORMATS, "--out", "again", "--as-of", &at],
    )
    .await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        !out.stderr.contains("note: playlist"),
        "no playlist left out: {}",
        out.stderr
    );
    let again = all_files(&env.dir.path().join("again"));
    let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&again), names(&then_as_of));
    for (name, bytes) in &then_as_of {
        if name.ends_with(".json") {
            let stamp = |b: &[u8]| {
                let mut v: Value = serde_json::from_slice(b).unwrap();
                v["exported_at"] = Value::Null;
                v
            };
            assert_eq!(stamp(bytes), stamp(&again[name]), "{name}");
            continue;
        }
        assert!(
            bytes == &again[name],
            "{name} differs:\n--- then\n{}\n--- again\n{}",
            String::from_utf8_lossy(bytes),
            String::from_utf8_lossy(&again[name])
        );
    }
    assert_eq!(sim.stats().total, 0, "no request");

    // A date before the first sync: nothing was liked or played yet, and no playlist has
    // history that far back.
    let out = export(
        &env,
        &sim,
        &[
            "liked",
            "plays",
            "--format",
            "json",
            "--out",
            "-",
            "--as-of",
            "2020-01-01",
        ],
    )
    .await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["as_of"], "2020-01-01T23:59:59Z");
    assert_eq!(doc["liked_songs"]["entries"].as_array().unwrap().len(), 0);
    assert_eq!(
        doc["listening_history"]["entries"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let out = export(
        &env,
        &sim,
        &[
            "playlists",
            "--format",
            "json",
            "--out",
            "-",
            "--as-of",
            "2020-01-01",
        ],
    )
    .await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stderr.contains("left out"), "{}", out.stderr);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(!doc["skipped_playlists"].as_array().unwrap().is_empty());
}
