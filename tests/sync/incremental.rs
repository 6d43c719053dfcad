//! Incremental sync, the change journal, listening history and the daemon.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::json;
use spotsync::cli::SimMode;
use spotsync::simulator::RunningSim;

use crate::common::*;

async fn control(sim: &RunningSim, method: reqwest::Method, path: &str, body: serde_json::Value) {
    let r = reqwest::Client::new()
        .request(method, format!("{}{path}", sim.base_url()))
        .json(&body)
        .send()
        .await
        .expect("control request");
    assert!(r.status().is_success(), "{path}: {}", r.status());
}

/// The changes one run journaled, as the terminal app's drill-down reads them.
fn run_changes(
    db: &std::path::Path,
    run: i64,
    limit: u32,
) -> Result<Vec<spotsync::store::journal::ChangeRow>, spotsync::store::StoreError> {
    spotsync::store::Reader::read(db, |q| q.run_changes(run, limit))
}

fn count(c: &rusqlite::Connection, sql: &str) -> u64 {
    c.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap() as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_sync_applies_changes_and_journals_each_once() {
    let sim = start_sim(sim_options(1000, SimMode::Dev)).await;
    let env = Env::new(100_000);
    let out = env.run(&sim, &["sync", "--only", LIBRARY_PHASES]).await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let before = truth(&sim).await;
    let (albums0, artists0) = {
        let c = env.open();
        (
            count(&c, "SELECT COUNT(*) FROM albums"),
            count(&c, "SELECT COUNT(*) FROM artists"),
        )
    };

    // Save 3, un-save 2, edit 1 owned playlist, rename 1 followed one, unfollow another.
    control(
        &sim,
        reqwest::Method::POST,
        "__sim/tracks/save",
        json!({"count": 3}),
    )
    .await;
    let unsave: Vec<String> = before.saved_tracks[100..102]
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
    let followed: Vec<_> = before.playlists.iter().filter(|p| p.followed).collect();
    let owned = followed
        .iter()
        .find(|p| p.owned && !p.items.is_empty())
        .expect("an owned playlist");
    let others: Vec<_> = followed
        .iter()
        .filter(|p| !p.owned && !p.collaborative && !p.id.starts_with("37i9"))
        .collect();
    assert!(others.len() >= 2, "two followed playlists");
    control(
        &sim,
        reqwest::Method::POST,
        &format!("__sim/playlists/{}", owned.id),
        json!({"add_tracks": 2}),
    )
    .await;
    control(
        &sim,
        reqwest::Method::POST,
        &format!("__sim/playlists/{}", others[0].id),
        json!({"name": "Renamed by its owner"}),
    )
    .await;
    control(
        &sim,
        reqwest::Method::DELETE,
        &format!("__sim/playlists/{}", others[1].id),
        json!({}),
    )
    .await;

    sim.reset_stats();
    let out = env
        .run(&sim, &["sync", "--incremental", "--only", LIBRARY_PHASES])
        .await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let after = truth(&sim).await;
    let c = env.open();
    assert_mirror(&c, &after, false);

    // Journal: each change exactly once, in this run.
    let run: i64 = c
        .query_row("SELECT MAX(id) FROM sync_history", [], |r| r.get(0))
        .unwrap();
    let mut st = c
        .prepare(
            "SELECT entity_type || '/' || change, COUNT(*) FROM library_changes
             WHERE sync_history_id = ?1 GROUP BY 1",
        )
        .unwrap();
    let got: BTreeMap<String, i64> = st
        .query_map([run], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let want: BTreeMap<String, i64> = [
        ("saved_track/added", 3),
        ("saved_track/removed", 2),
        ("playlist/renamed", 1),
        ("playlist/playlist_items_changed", 1),
        ("playlist/removed", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(got, want);
    let total_journal = count(&c, "SELECT COUNT(*) FROM library_changes");
    assert_eq!(total_journal, 8, "the first full mirror journals nothing");

    // Cost: the newest page plus a bisection for the two un-saves (at most log2(pages) reads
    // each, instead of reading every page), the playlist list, the edited playlist's items, and
    // the new albums and artists.
    let pages = |n: usize| n.div_ceil(50) as u64;
    let stats = sim.stats();
    let saved_reads = stats.endpoint("GET /v1/me/tracks");
    let log2_pages = (pages(after.saved_tracks.len()) as f64).log2().ceil() as u64;
    assert!(
        saved_reads <= 1 + 2 * log2_pages && saved_reads < pages(after.saved_tracks.len()),
        "{saved_reads} pages of saved tracks read"
    );
    let new_albums = count(&c, "SELECT COUNT(*) FROM albums") - albums0;
    let new_artists = count(&c, "SELECT COUNT(*) FROM artists") - artists0;
    let edited = after.playlists.iter().find(|p| p.id == owned.id).unwrap();
    let followed_after = after.playlists.iter().filter(|p| p.followed).count();
    let expected =
        saved_reads + pages(followed_after) + pages(edited.items.len()) + new_albums + new_artists;
    assert_eq!(stats.total, expected, "{stats:#?}");

    // `spotsync changes` shows them.
    let ch = env.run(&sim, &["changes", "--json"]).await;
    assert_eq!(ch.code, Some(0), "{}", ch.stderr);
    let v: serde_json::Value = serde_json::from_str(&ch.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 8);
    let ch = env.run(&sim, &["changes"]).await;
    assert!(ch.stdout.contains("Renamed by its owner"), "{}", ch.stdout);

    // The shared query (the terminal app's drill-down into a run) reads the same rows.
    let rows = run_changes(&env.db, run, 100).expect("run changes");
    let mut by_kind: BTreeMap<String, i64> = BTreeMap::new();
    for r in &rows {
        assert_eq!(r.sync_history_id, Some(run));
        *by_kind
            .entry(format!("{}/{}", r.entity_type, r.change))
            .or_default() += 1;
    }
    assert_eq!(by_kind, want);
    assert!(rows.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    let renamed = rows.iter().find(|r| r.change == "renamed").unwrap();
    assert_eq!(renamed.label(), "Renamed by its owner");
    assert_eq!(renamed.new_value.as_deref(), Some("Renamed by its owner"));
    assert!(renamed.describe().contains("→"), "{}", renamed.describe());
    let added = rows.iter().find(|r| r.change == "added").unwrap();
    assert_ne!(added.label(), added.entity_id, "a saved track has its name");
    // Another run's changes are not mixed in; the limit holds.
    assert!(run_changes(&env.db, run - 1, 100).unwrap().is_empty());
    assert_eq!(run_changes(&env.db, run, 3).unwrap().len(), 3);
    let ch = env
        .run(&sim, &["changes", "--json", "--run", &run.to_string()])
        .await;
    let v: serde_json::Value = serde_json::from_str(&ch.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 8);
    let ch = env
        .run(
            &sim,
            &["changes", "--json", "--run", &(run - 1).to_string()],
        )
        .await;
    assert_eq!(ch.stdout.trim(), "[]");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plays_are_stored_once_and_gaps_recorded() {
    let sim = start_sim(sim_options(200, SimMode::Dev)).await;
    let env = Env::new(100_000);
    let out = env.run(&sim, &["sync", "--only", "plays"]).await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let plays = |env: &Env| count(&env.open(), "SELECT COUNT(*) FROM plays");
    let first = plays(&env);
    assert!(first > 0 && first <= 50);

    control(
        &sim,
        reqwest::Method::POST,
        "__sim/plays",
        json!({"count": 30}),
    )
    .await;
    sim.reset_stats();
    let out = env.run(&sim, &["sync", "--only", "plays"]).await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(plays(&env), first + 30);
    assert_eq!(sim.stats().total, 1);
    let t = truth(&sim).await;
    let newest: String = env
        .open()
        .query_row("SELECT MAX(played_at) FROM plays", [], |r| r.get(0))
        .unwrap();
    assert_eq!(newest, t.plays[0].played_at);

    // Polling again stores nothing twice.
    let out = env.run(&sim, &["sync", "--only", "plays"]).await;
    assert_eq!(out.code, Some(0));
    assert_eq!(plays(&env), first + 30);
    assert_eq!(count(&env.open(), "SELECT COUNT(*) FROM play_gaps"), 0);

    // 120 new plays: only the newest 50 can be read; the gap is recorded and shown.
    control(
        &sim,
        reqwest::Method::POST,
        "__sim/plays",
        json!({"count": 120}),
    )
    .await;
    let out = env.run(&sim, &["sync", "--only", "plays"]).await;
    assert_eq!(out.code, Some(0));
    assert_eq!(plays(&env), first + 30 + 50);
    assert_eq!(count(&env.open(), "SELECT COUNT(*) FROM play_gaps"), 1);
    let st = env.run(&sim, &["status"]).await;
    assert!(st.stdout.contains("gap"), "{}", st.stdout);
    let snap = spotsync::sync::load_status(&env.db, 10).expect("status");
    assert_eq!(snap.play_gaps.len(), 1);
    assert!(
        st.stdout.contains(&snap.play_gaps[0].before),
        "{}",
        st.stdout
    );
    let st = env.run(&sim, &["status", "--json"]).await;
    let v: serde_json::Value = serde_json::from_str(&st.stdout).unwrap();
    assert_eq!(
        v["play_gaps"][0]["before"],
        snap.play_gaps[0].before.as_str()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemon_waits_out_a_quota_block_and_stops_cleanly_on_sigterm() {
    let sim = start_sim(sim_options(100, SimMode::Dev)).await;
    let env = Env::new(100_000);
    let token = sim.issue_token();
    let child = env
        .command(
            &sim,
            &token,
            &["daemon", "--every", "3s", "--plays-every", "1s"],
        )
        .spawn()
        .unwrap();
    let pid = child.id().unwrap();
    // The first run is a full mirror.
    let mut mirrored = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if env.db.exists() {
            let c = env.open();
            let ok: i64 = c
                .query_row(
                    "SELECT COUNT(*) FROM sync_history WHERE status = 'success' AND kind = 'full'",
                    [],
                    |r| r.get(0),
                )
                .unwrap_or(0);
            if ok > 0 {
                mirrored = true;
                break;
            }
        }
    }
    assert!(mirrored, "the daemon mirrored the library");
    // A quota block of 3 s: the next poll is refused once, then nothing until the reset.
    sim.exhaust_quota(3);
    sim.reset_stats();
    tokio::time::sleep(Duration::from_millis(5500)).await;
    let stats = sim.stats();
    assert_eq!(stats.quota_exceeded, 1, "{stats:#?}");
    assert_eq!(
        stats.while_blocked, 0,
        "no request while blocked: {stats:#?}"
    );
    assert!(
        stats.count("2xx") >= 1,
        "resumed after the block: {stats:#?}"
    );
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = tokio::time::timeout(Duration::from_secs(10), child.wait_with_output())
        .await
        .expect("stops promptly")
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let st = env.run(&sim, &["status"]).await;
    assert!(
        st.stdout.contains("Daemon: stopped; last success"),
        "{}",
        st.stdout
    );
    assert_mirror(&env.open(), &truth(&sim).await, false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scattered_unsaves_are_all_found_without_reading_every_page() {
    let sim = start_sim(sim_options(1000, SimMode::Dev)).await;
    let env = Env::new(100_000);
    let out = env.run(&sim, &["sync", "--only", "tracks"]).await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let before = truth(&sim).await;
    let positions = [
        0usize, 1, 49, 50, 51, 333, 334, 500, 501, 502, 503, 998, 999,
    ];
    let unsave: Vec<String> = positions
        .iter()
        .map(|&i| before.saved_tracks[i].track_id.clone())
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
        json!({"count": 60}),
    )
    .await;
    sim.reset_stats();
    let out = env.run(&sim, &["sync", "--only", "tracks"]).await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let after = truth(&sim).await;
    let c = env.open();
    let saved: Vec<String> = c
        .prepare(
            "SELECT track_id FROM saved_tracks WHERE removed_at IS NULL ORDER BY added_at DESC",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let want: Vec<String> = after
        .saved_tracks
        .iter()
        .map(|s| s.track_id.clone())
        .collect();
    assert_eq!(saved, want);
    // The simulator may pick some of the un-saved tracks for the new saves: those are saved
    // again (newer `added_at`), not gone.
    let gone = unsave.iter().filter(|id| !want.contains(id)).count() as u64;
    assert!(gone >= 8, "{gone}");
    assert_eq!(
        count(
            &c,
            "SELECT COUNT(*) FROM library_changes WHERE change = 'removed'"
        ),
        gone
    );
    let reads = sim.stats().endpoint("GET /v1/me/tracks");
    assert!(reads < 20, "{reads} pages read of 20");
}

/// (kind, added, updated, removed) of the newest library run in `sync_history`.
fn last_run_counts(c: &rusqlite::Connection) -> (String, u64, u64, u64) {
    c.query_row(
        "SELECT kind, items_added, items_updated, items_removed FROM sync_history
         WHERE kind != 'plays' ORDER BY id DESC LIMIT 1",
        [],
        |r| {
            Ok((
                r.get(0)?,
                r.get::<_, i64>(1)? as u64,
                r.get::<_, i64>(2)? as u64,
                r.get::<_, i64>(3)? as u64,
            ))
        },
    )
    .unwrap()
}

/// "Updated" means a stored row changed: re-reading an unchanged library counts nothing, and one
/// edit counts once.
async fn counts_report_only_real_changes(mode: SimMode) {
    let sim = start_sim(sim_options(300, mode)).await;
    let env = Env::new(100_000);
    let out = env.run(&sim, &["sync"]).await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let (kind, added, _, _) = last_run_counts(&env.open());
    assert_eq!(kind, "full");
    assert!(added > 300, "the first mirror adds the library: {added}");

    // Nothing changed: nothing added, updated or removed.
    let out = env.run(&sim, &["sync"]).await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(
        last_run_counts(&env.open()),
        ("incremental".to_string(), 0, 0, 0),
        "{}",
        out.stdout
    );
    assert!(
        format!("{}{}", out.stdout, out.stderr).contains("0 added, 0 updated, 0 removed"),
        "{}{}",
        out.stdout,
        out.stderr
    );

    // Rename one owned playlist (its snapshot changes, so its items are read again, unchanged):
    // exactly one update.
    let t = truth(&sim).await;
    let owned = t
        .playlists
        .iter()
        .find(|p| p.followed && p.owned && p.items.len() > 2)
        .expect("an owned playlist with items");
    control(
        &sim,
        reqwest::Method::POST,
        &format!("__sim/playlists/{}", owned.id),
        json!({"name": "A new name"}),
    )
    .await;
    let out = env.run(&sim, &["sync"]).await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(
        last_run_counts(&env.open()),
        ("incremental".to_string(), 0, 1, 0),
        "{}",
        out.stdout
    );

    // Drop its first item and append a track already in the library: the playlist is updated
    // (new snapshot), one item added, one removed — not every position counted.
    let known = t.saved_tracks[0].track_id.clone();
    control(
        &sim,
        reqwest::Method::POST,
        &format!("__sim/playlists/{}", owned.id),
        json!({"remove_positions": [0], "add_track_ids": [known]}),
    )
    .await;
    let out = env.run(&sim, &["sync"]).await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(
        last_run_counts(&env.open()),
        ("incremental".to_string(), 1, 1, 1),
        "{}",
        out.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_report_only_real_changes_dev() {
    counts_report_only_real_changes(SimMode::Dev).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_report_only_real_changes_extended() {
    counts_report_only_real_changes(SimMode::Extended).await;
}
