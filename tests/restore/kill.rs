//! Kills: the real binary SIGKILLed at every phase of an apply (reading the account, saving
//! liked songs, creating playlists, writing their items, details and covers, reading the
//! account again), and a create whose answer never arrives (carried out, its id never
//! recorded). Each rerun reads the account and goes on: the end is the account before the loss,
//! with no playlist twice and no item twice.

use std::time::{Duration, Instant};

use serde_json::json;
use spotsync::simulator::{FaultKind, FaultMethod, LibraryTruth, RunningSim, SettingsPatch};

use crate::kit::*;

/// Own playlists by name, counted: a duplicate shows as a count of 2.
fn names(t: &LibraryTruth) -> Vec<(String, usize)> {
    let mut v: Vec<String> = t
        .playlists
        .iter()
        .filter(|p| p.owned && p.followed)
        .map(|p| p.name.clone())
        .collect();
    v.sort();
    let mut out: Vec<(String, usize)> = Vec::new();
    for n in v {
        match out.last_mut() {
            Some((m, c)) if *m == n => *c += 1,
            _ => out.push((n, 1)),
        }
    }
    out
}

/// Stage a loss: `purge` own playlists with a custom cover deleted for good, one emptied, one
/// reordered, 120 liked songs and 5 albums un-saved.
async fn stage(sim: &RunningSim, before: &LibraryTruth, purge: usize) {
    let covered: Vec<String> = before
        .playlists
        .iter()
        .filter(|p| p.owned && p.followed && p.custom_cover.is_some() && p.items.len() > 1)
        .map(|p| p.id.clone())
        .collect();
    let mut gone: Vec<String> = covered.into_iter().take(1).collect();
    let more: Vec<String> = before
        .playlists
        .iter()
        .filter(|p| p.owned && p.followed && p.items.len() > 1 && !gone.contains(&p.id))
        .map(|p| p.id.clone())
        .take(purge - 1)
        .collect();
    gone.extend(more);
    let covered = gone;
    for id in &covered[..purge] {
        control(
            sim,
            "DELETE",
            &format!("playlists/{id}?purge=true"),
            json!({}),
        )
        .await;
    }
    let others: Vec<String> = before
        .playlists
        .iter()
        .filter(|p| p.owned && p.followed && !covered[..purge].contains(&p.id) && p.items.len() > 2)
        .map(|p| p.id.clone())
        .collect();
    control(
        sim,
        "POST",
        &format!("playlists/{}/empty", others[0]),
        json!({}),
    )
    .await;
    control(
        sim,
        "POST",
        &format!("playlists/{}/reorder", others[1]),
        json!({}),
    )
    .await;
    let liked: Vec<String> = before.saved_tracks[..120]
        .iter()
        .map(|s| s.track_id.clone())
        .collect();
    control(sim, "POST", "tracks/unsave", json!({ "ids": liked })).await;
    let albums: Vec<String> = before.saved_albums[..5]
        .iter()
        .map(|s| s.id.clone())
        .collect();
    control(sim, "POST", "albums/unsave", json!({ "ids": albums })).await;
}

fn assert_restored(acct: &Account, before: &LibraryTruth, after: &LibraryTruth) {
    assert_eq!(names(after), names(before), "no playlist twice");
    // The large cover went back re-encoded (its base64 over 256 KB): it stands for the other.
    let aliases = cover_aliases(&acct.home.db);
    assert_eq!(aliases.len(), 1, "{aliases:?}");
    let (a, b) = (own_playlists_as(after, &aliases), own_playlists(before));
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y, "the first playlist that differs");
    }
    assert_eq!(a, b, "items, order, details, covers");
    assert_eq!(liked_set(after), liked_set(before));
    assert_eq!(
        after.saved_tracks.len(),
        before.saved_tracks.len(),
        "no liked song twice"
    );
    assert_eq!(albums_set(after), albums_set(before));
}

/// Start an apply and SIGKILL it once `reached` says so (or let it end).
/// The next `--apply` succeeds, says the restore is done (else shows what is left of the
/// playlists), and the account `sim` serves is as `before`.
fn rerun_finishes(acct: &Account, before: &LibraryTruth, sim: &RunningSim) {
    let (code, out, run) = acct.restore(&["--apply"]);
    assert_eq!(code, Some(0), "{run:?}");
    let left = acct.restore(&[]).1;
    assert_eq!(
        out["outcome"]["done"],
        json!(true),
        "{}",
        left["plan"]["diff"]["playlists"]
    );
    assert_restored(acct, before, &sim.truth());
}

fn kill_when(acct: &Account, sim: &RunningSim, reached: impl Fn(&RunningSim) -> bool) -> bool {
    let mut child = acct.command(&["restore", "--apply"]).spawn().unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        if reached(sim) {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            return true;
        }
        assert!(start.elapsed() < Duration::from_secs(120), "the apply hung");
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_every_phase_of_an_apply_the_rerun_ends_equal_without_duplicates() {
    let sim = sim(300, 16).await;
    let acct = Account::new(&sim, sim.issue_token());
    acct.sync();
    let before = sim.truth();
    stage(&sim, &before, 2).await;
    sim.update_settings(SettingsPatch {
        latency_ms: Some(40),
        ..SettingsPatch::default()
    })
    .unwrap();
    let mut killed = 0;
    // While it reads the account (GETs only), then after each of the first writes: saves,
    // creates, items, details, covers.
    let reads = sim.stats().total;
    killed += u32::from(kill_when(&acct, &sim, |s| s.stats().total >= reads + 3));
    for k in 1..=14u64 {
        let w = sim.stats().writes;
        killed += u32::from(kill_when(&acct, &sim, |s| s.stats().writes >= w + k.min(2)));
    }
    assert!(killed >= 10, "only {killed} kills landed");
    sim.update_settings(SettingsPatch {
        latency_ms: Some(0),
        ..SettingsPatch::default()
    })
    .unwrap();
    rerun_finishes(&acct, &before, &sim);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_whose_answer_is_lost_is_found_by_its_marker_not_made_twice() {
    let sim = sim(200, 16).await;
    let acct = Account::new(&sim, sim.issue_token());
    acct.sync();
    let before = sim.truth();
    stage(&sim, &before, 1).await;
    // The create is carried out, then its connection dies: its id never reaches the database.
    sim.inject_faults_when(FaultKind::DropAfter, 1, FaultMethod::Post, 0);
    let (code, out, run) = acct.restore(&["--apply"]);
    assert_ne!(code, Some(0), "{run:?}");
    assert_eq!(out["outcome"]["done"], json!(false), "{out}");
    let marked = sim
        .truth()
        .playlists
        .iter()
        .filter(|p| {
            p.description
                .as_deref()
                .is_some_and(|d| d.contains("[spotsync-restore "))
        })
        .count();
    assert_eq!(marked, 1, "the created playlist carries its marker");
    rerun_finishes(&acct, &before, &sim);
}
