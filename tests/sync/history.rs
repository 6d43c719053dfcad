//! The `history` enrichment: tracks that only an imported data export names (its plays name
//! them; the catalog does not know their album or artists). The plan says what fetching them
//! would cost even when `enrich` leaves them out; asked for, they are fetched most-played
//! first, one `GET /tracks/{id}` each in Development Mode.

use std::collections::BTreeSet;

use spotsync::cli::SimMode;
use spotsync::sync::Phase;

use crate::common::{Env, sim_options, start_sim};
use crate::enrich::enrich_then_cancel;

/// A database made only by importing the simulated account's data export.
async fn imported() -> (spotsync::simulator::RunningSim, Env) {
    let sim = start_sim(sim_options(200, SimMode::Dev)).await;
    let env = Env::new(100_000);
    let zip = env.dir.path().join("my_spotify_data.zip");
    sim.write_export_zip(&zip).unwrap();
    let out = env.run(&sim, &["import", zip.to_str().unwrap()]).await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    (sim, env)
}

/// Export-only tracks, most-played first (ties by id), with their plays.
fn export_only(env: &Env) -> Vec<(String, i64)> {
    let c = env.open();
    let mut st = c
        .prepare(
            "SELECT t.id, COUNT(*) FROM tracks t JOIN plays p ON p.track_id = t.id
             WHERE t.album_id IS NULL AND t.enriched_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM track_artists ta WHERE ta.track_id = t.id)
             GROUP BY t.id ORDER BY COUNT(*) DESC, t.id",
        )
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// What `spotsync plan` says of the history enrichment left out: (requests, items).
async fn planned(env: &Env, sim: &spotsync::simulator::RunningSim) -> Option<(u64, u64)> {
    let out = env.run(sim, &["plan", "--no-probe", "--json"]).await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let plan: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let left_out = plan["left_out"].as_array().expect("left_out");
    left_out.iter().find(|p| p["phase"] == "history").map(|p| {
        assert_eq!(p["basis"], "disabled");
        assert!(
            p["note"].as_str().unwrap().contains("\"history\""),
            "says how to ask for it: {p}"
        );
        (
            p["requests"].as_u64().unwrap(),
            p["items"].as_u64().unwrap(),
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_only_tracks_are_costed_then_fetched_most_played_first_when_asked() {
    let (sim, env) = imported().await;
    let before = export_only(&env).len();
    // Left out by default: a sync sends none of it. (The plays poll brings the recent plays'
    // tracks in full: those are no longer export-only.)
    let out = env.run(&sim, &["sync", "--only", "plays"]).await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    assert_eq!(sim.stats().endpoint("GET /v1/tracks/{id}"), 0);
    let all = export_only(&env);
    assert!(
        all.len() > 20 && all.len() < before,
        "the export names tracks: {before}, {} after the poll",
        all.len()
    );
    // The plan says what fetching them would cost.
    let n = all.len() as u64;
    assert_eq!(planned(&env, &sim).await, Some((n, n)));
    let out = env.run(&sim, &["plan", "--no-probe"]).await;
    let words = format!("left out by `enrich` (not in the total):\n  history: {n} requests");
    assert!(out.stdout.contains(&words), "{}", out.stdout);

    // Asked, stopped partway: what was fetched is the most played.
    sim.reset_stats();
    enrich_then_cancel(&env, &sim, Phase::History, 10).await;
    let left: BTreeSet<String> = export_only(&env).into_iter().map(|(id, _)| id).collect();
    let done: Vec<&(String, i64)> = all.iter().filter(|(id, _)| !left.contains(id)).collect();
    let k = done.len();
    assert!(k >= 10 && k < all.len(), "partway: {k} of {}", all.len());
    let asked = sim.stats().endpoint("GET /v1/tracks/{id}");
    assert!(
        asked == k as u64 || asked == k as u64 + 1,
        "{asked} for {k}"
    );
    let top: Vec<&(String, i64)> = all.iter().take(k).collect();
    assert_eq!(done, top, "the {k} most played");
    assert!(all[0].1 > all[all.len() - 1].1, "plays tell them apart");

    // Asked in the config: the rest, each with its album and artists.
    env.set_config(
        "[sync]\nrequests_per_window = 100000\nenrich = [\"artists\", \"albums\", \"history\"]\n",
    );
    let out = env.run(&sim, &["sync", "--only", "history"]).await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    assert!(export_only(&env).is_empty());
    let c = env.open();
    let missing: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM tracks t WHERE t.enriched_at IS NOT NULL
               AND (t.album_id IS NULL OR t.duration_ms IS NULL
                    OR NOT EXISTS (SELECT 1 FROM track_artists ta WHERE ta.track_id = t.id))",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        missing, 0,
        "every fetched track has its album, length and artists"
    );
    assert_eq!(planned(&env, &sim).await, None, "nothing left to fetch");
}
