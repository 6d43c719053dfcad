//! The whole library: saved albums, followed artists, shows, episodes, audiobooks and the top
//! lists are mirrored exactly, harvest their albums and artists (so enrichment GETs only the
//! rest), follow changes incrementally, and a token without a scope skips only its phase.

use serde_json::json;
use spotsync::cli::SimMode;
use spotsync::simulator::{LibraryTruth, RunningSim};

use crate::common::*;
use crate::lists_common::*;

async fn control(sim: &RunningSim, path: &str, body: serde_json::Value) {
    let r = reqwest::Client::new()
        .post(format!("{}__sim/{path}", sim.base_url()))
        .json(&body)
        .send()
        .await
        .expect("control request");
    assert!(r.status().is_success(), "{path}: {}", r.status());
}

fn journal(c: &rusqlite::Connection, run: i64) -> Vec<(String, String, String)> {
    let mut st = c
        .prepare(
            "SELECT entity_type, entity_id, change FROM library_changes
             WHERE sync_history_id = ?1 ORDER BY entity_type, change, entity_id",
        )
        .unwrap();
    let mut rows: Vec<(String, String, String)> = st
        .query_map([run], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows.sort();
    rows
}

fn last_run(c: &rusqlite::Connection) -> i64 {
    c.query_row("SELECT MAX(id) FROM sync_history", [], |r| r.get(0))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_library_full_sync_equals_truth_with_harvest_minimum_then_cheap_incremental() {
    let sim = start_sim(sim_options(2000, SimMode::Dev)).await;
    let env = Env::new(100_000);
    let out = env
        .run(&sim, &["sync", "--only", WHOLE_PHASES, "--json"])
        .await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let t = truth(&sim).await;
    let c = env.open();
    assert_mirror(&c, &t, false);
    assert_lists(&c, &t, true);

    let stats = sim.stats();
    assert_eq!(stats.total, whole_minimum_requests(&t, false), "{stats:#?}");
    let (albums, artists) = unharvested(&t, false);
    assert_eq!(stats.endpoint("GET /v1/albums/{id}"), albums, "{stats:#?}");
    assert_eq!(
        stats.endpoint("GET /v1/artists/{id}"),
        artists,
        "{stats:#?}"
    );
    let (all_albums, all_artists) = catalogue(&t, false);
    assert!(albums < all_albums.len() as u64 && artists < all_artists.len() as u64);
    let per_id = stats.total - albums - artists + (all_albums.len() + all_artists.len()) as u64;
    eprintln!(
        "whole library, {} saved tracks: {} requests with harvest, {per_id} the per-id way ({:.3})",
        t.saved_tracks.len(),
        stats.total,
        stats.total as f64 / per_id as f64
    );
    assert_eq!(stats.count("403"), 0);
    assert_eq!(stats.count("429"), 0);

    // An unchanged library, incrementally: one request per list (the follows: their pages;
    // the top lists: none, today's snapshot is stored).
    sim.reset_stats();
    let out = env.run(&sim, &["sync", "--only", WHOLE_PHASES]).await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let stats = sim.stats();
    assert_eq!(
        stats.total,
        unchanged_incremental_requests(&t),
        "{stats:#?}"
    );
    // Here: saved tracks 1, playlists 1, albums/shows/episodes/audiobooks 1 each, follows 2.
    assert_eq!(stats.total, 8, "{stats:#?}");
    assert_eq!(stats.endpoint("GET /v1/me/albums"), 1);
    assert_eq!(stats.endpoint("GET /v1/me/top/artists"), 0);
    let c = env.open();
    assert_mirror(&c, &t, false);
    assert_lists(&c, &t, true);
    assert!(journal(&c, last_run(&c)).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_library_extended_mode_spends_the_batch_minimum() {
    let sim = start_sim(sim_options(2000, SimMode::Extended)).await;
    let env = Env::new(100_000);
    let out = env.run(&sim, &["sync", "--only", WHOLE_PHASES]).await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let t = truth(&sim).await;
    let c = env.open();
    assert_mirror(&c, &t, true);
    assert_lists(&c, &t, true);
    let stats = sim.stats();
    assert_eq!(stats.total, whole_minimum_requests(&t, true), "{stats:#?}");
    assert_eq!(stats.endpoint("GET /v1/albums/{id}"), 0, "{stats:#?}");
    assert_eq!(stats.endpoint("GET /v1/artists/{id}"), 0, "{stats:#?}");
    // Harvested albums keep the Extended Quota fields their list sent.
    let labelled: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM albums a JOIN saved_albums s ON s.album_id = a.id
             WHERE a.label IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(labelled as usize, t.saved_albums.len());
}

/// Ids to un-save: the oldest of a list (the incremental walk must reach its end).
fn oldest(list: &[spotsync::simulator::model::TruthSavedItem]) -> String {
    list.last().expect("a saved item").id.clone()
}

fn added(
    before: &[spotsync::simulator::model::TruthSavedItem],
    after: &[spotsync::simulator::model::TruthSavedItem],
) -> Vec<String> {
    after
        .iter()
        .filter(|a| !before.iter().any(|b| b.id == a.id))
        .map(|a| a.id.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saving_unsaving_following_unfollowing_each_kind_is_mirrored_and_journaled() {
    let sim = start_sim(sim_options(2000, SimMode::Dev)).await;
    let env = Env::new(100_000);
    // A mirror made before the lists existed; then the first sync with them (incremental): the
    // lists are new to the mirror, not changes of the library, so nothing is journaled.
    let out = env.run(&sim, &["sync", "--only", LIBRARY_PHASES]).await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let out = env.run(&sim, &["sync", "--only", WHOLE_PHASES]).await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    {
        let c = env.open();
        assert_eq!(
            c.query_row(
                "SELECT kind FROM sync_history WHERE id = ?1",
                [last_run(&c)],
                |r| r.get::<_, String>(0)
            )
            .unwrap(),
            "incremental"
        );
        assert_eq!(journal(&c, last_run(&c)), vec![]);
    }
    let before: LibraryTruth = truth(&sim).await;
    assert_lists(&env.open(), &before, true);

    // One save and one un-save of each kind (saves first: an un-saved item could be saved
    // again by a count).
    for kind in ["albums", "shows", "episodes", "audiobooks"] {
        control(&sim, &format!("{kind}/save"), json!({"count": 1})).await;
    }
    control(&sim, "artists/follow", json!({"count": 1})).await;
    let gone = [
        ("albums", oldest(&before.saved_albums)),
        ("shows", oldest(&before.saved_shows)),
        ("episodes", oldest(&before.saved_episodes)),
        ("audiobooks", oldest(&before.saved_audiobooks)),
    ];
    for (kind, id) in &gone {
        control(&sim, &format!("{kind}/unsave"), json!({"ids": [id]})).await;
    }
    let unfollowed = before.followed_artists[before.followed_artists.len() / 2].clone();
    control(&sim, "artists/unfollow", json!({"ids": [unfollowed]})).await;
    let after = truth(&sim).await;

    let out = env.run(&sim, &["sync", "--only", WHOLE_PHASES]).await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let c = env.open();
    assert_lists(&c, &after, true);
    assert_mirror(&c, &after, false);
    let kind_of = c
        .query_row(
            "SELECT kind FROM sync_history WHERE id = ?1",
            [last_run(&c)],
            |r| r.get::<_, String>(0),
        )
        .unwrap();
    assert_eq!(kind_of, "incremental");

    let mut want = Vec::new();
    let pairs = [
        (
            "saved_album",
            &before.saved_albums,
            &after.saved_albums,
            &gone[0].1,
        ),
        (
            "saved_show",
            &before.saved_shows,
            &after.saved_shows,
            &gone[1].1,
        ),
        (
            "saved_episode",
            &before.saved_episodes,
            &after.saved_episodes,
            &gone[2].1,
        ),
        (
            "saved_audiobook",
            &before.saved_audiobooks,
            &after.saved_audiobooks,
            &gone[3].1,
        ),
    ];
    for (entity, b, a, removed) in pairs {
        let new = added(b, a);
        assert_eq!(new.len(), 1, "{entity}: one saved");
        want.push((entity.to_string(), new[0].clone(), "added".to_string()));
        want.push((entity.to_string(), removed.clone(), "removed".to_string()));
    }
    let followed: Vec<String> = after
        .followed_artists
        .iter()
        .filter(|a| !before.followed_artists.contains(a))
        .cloned()
        .collect();
    assert_eq!(followed.len(), 1);
    want.push((
        "followed_artist".into(),
        followed[0].clone(),
        "added".into(),
    ));
    want.push((
        "followed_artist".into(),
        unfollowed.clone(),
        "removed".into(),
    ));
    want.sort();
    assert_eq!(journal(&c, last_run(&c)), want);

    // `spotsync changes` names them.
    let out = env.run(&sim, &["changes", "--json"]).await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stdout.contains("saved_album"), "{}", out.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_without_user_follow_read_skips_only_the_follows() {
    let sim = start_sim(sim_options(500, SimMode::Dev)).await;
    let env = Env::new(100_000);
    let scopes = [
        "user-library-read",
        "playlist-read-private",
        "playlist-read-collaborative",
        "user-read-recently-played",
        "user-top-read",
        "user-read-playback-position",
    ];
    let token = sim.issue_token_with_scopes(&scopes).access_token;
    let out = env
        .command(&sim, &token, &["sync", "--only", WHOLE_PHASES, "--json"])
        .output()
        .await
        .expect("spotsync runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let skipped: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["event"] == "phase_finished" && e["status"] == "skipped")
        .collect();
    assert_eq!(skipped.len(), 1, "{stdout}");
    assert_eq!(skipped[0]["phase"], "artists_followed");
    let msg = skipped[0]["error"].as_str().unwrap();
    assert!(
        msg.contains("user-follow-read") && msg.contains("run `spotsync auth` to grant it"),
        "{msg}"
    );
    assert!(
        stdout.lines().last().unwrap().contains("\"success\""),
        "{stdout}"
    );
    assert_eq!(sim.stats().count("403"), 1, "one refused request, no retry");

    // Everything else is mirrored.
    let t = truth(&sim).await;
    let c = env.open();
    assert_mirror(&c, &t, false);
    assert_lists(&c, &t, false);
    assert_eq!(
        state_text(&c, "artists_followed", "status").as_deref(),
        Some("skipped")
    );

    // `status` shows it, in words and in JSON.
    let st = env
        .command(&sim, &token, &["status"])
        .output()
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&st.stdout);
    assert!(
        text.contains("artists_followed") && text.contains("skipped"),
        "{text}"
    );
    assert!(text.contains("user-follow-read"), "{text}");
    let st = env
        .command(&sim, &token, &["status", "--json"])
        .output()
        .await
        .unwrap();
    let snap: serde_json::Value = serde_json::from_slice(&st.stdout).unwrap();
    let row = snap["phases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["phase"] == "artists_followed")
        .cloned()
        .unwrap();
    assert_eq!(row["status"], "skipped", "{snap:#}");
}

/// A quota that runs out within the saved albums: exit 75, the phase's checkpoint kept; an
/// immediate second run sends nothing; after the reset the walk goes on from its checkpoint,
/// nothing fetched twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quota_block_within_saved_albums_holds_then_resumes_from_the_checkpoint() {
    let mut opts = sim_options(2000, SimMode::Dev);
    opts.quota = 1;
    opts.quota_retry_after = 3600;
    let sim = start_sim(opts).await;
    let env = Env::new(100_000);
    let only = "albums_saved,artists_followed";
    let out = env
        .run(&sim, &["sync", "--only", only, "--max-wait", "2s"])
        .await;
    assert_eq!(out.code, Some(75), "stderr: {}", out.stderr);
    let first = sim.stats();
    assert_eq!(first.quota_exceeded, 1, "{first:#?}");
    {
        let c = env.open();
        assert_eq!(
            state_text(&c, "albums_saved", "status").as_deref(),
            Some("rate_limited")
        );
        let offset: i64 = c
            .query_row(
                "SELECT current_offset FROM sync_state WHERE state_key = 'albums_saved'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(offset, 50, "the first page is committed");
    }
    sim.reset_stats();
    let out = env
        .run(&sim, &["sync", "--only", only, "--max-wait", "2s"])
        .await;
    assert_eq!(out.code, Some(75), "stderr: {}", out.stderr);
    assert_eq!(
        sim.stats().total,
        0,
        "no request while the quota is exhausted"
    );

    sim.reset_limits();
    sim.update_settings(spotsync::simulator::SettingsPatch {
        quota: Some(0),
        ..Default::default()
    })
    .unwrap();
    {
        let c = rusqlite::Connection::open(&env.db).unwrap();
        c.execute(
            "UPDATE sync_state SET rate_limit_reset_at = '2000-01-01T00:00:00Z'
             WHERE rate_limit_reset_at IS NOT NULL",
            [],
        )
        .unwrap();
        c.execute(
            "UPDATE request_hold SET blocked_until = '2000-01-01T00:00:00Z'",
            [],
        )
        .unwrap();
    }
    sim.reset_stats();
    let out = env
        .run(&sim, &["sync", "--only", only, "--max-wait", "2s"])
        .await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    assert!(out.stderr.contains("Resuming"), "{}", out.stderr);
    let t = truth(&sim).await;
    let c = env.open();
    let saved: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM saved_albums WHERE removed_at IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(saved as usize, t.saved_albums.len());
    let follows: i64 = c
        .query_row("SELECT COUNT(*) FROM followed_artists", [], |r| r.get(0))
        .unwrap();
    assert_eq!(follows as usize, t.followed_artists.len());
    // Nothing fetched twice: the refused request is the only one repeated.
    let all = first.total + sim.stats().total;
    assert_eq!(
        all,
        pages1(t.saved_albums.len()) + pages1(t.followed_artists.len()) + 1
    );
}
