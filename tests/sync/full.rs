//! A full sync mirrors the library exactly, for the minimum number of requests.

use spotsync::cli::SimMode;
use spotsync::sync::{RunStatus, StartMode, SyncEvent};

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_sync_dev_mode_equals_truth_with_minimum_requests() {
    let sim = start_sim(sim_options(2000, SimMode::Dev)).await;
    let env = Env::new(100_000);
    let out = env
        .run(&sim, &["sync", "--only", LIBRARY_PHASES, "--json"])
        .await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);

    // One JSON object per event on stdout, ending with the run.
    let events: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is a JSON object"))
        .collect();
    assert_eq!(events.first().unwrap()["event"], "run_started");
    let last = events.last().unwrap();
    assert_eq!(last["event"], "run_finished");
    assert_eq!(last["run"]["status"], "success");
    assert!(
        events
            .iter()
            .filter(|e| e["event"] == "batch_committed")
            .count()
            > 40,
        "a batch_committed event per commit"
    );

    let t = truth(&sim).await;
    assert_mirror(&env.open(), &t, false);

    let stats = sim.stats();
    assert_eq!(stats.total, minimum_requests(&t, false), "{stats:#?}");
    assert_eq!(
        stats.count("403"),
        0,
        "no request for a playlist we cannot read"
    );
    assert_eq!(stats.count("404"), 0);
    assert_eq!(stats.count("429"), 0);
    assert_eq!(last["run"]["api_calls"].as_u64(), Some(stats.total));

    // A second sync of an unchanged library is incremental and cheap: one page of saved
    // tracks, the playlist list, nothing to enrich (and the user id is known).
    sim.reset_stats();
    let out = env.run(&sim, &["sync", "--only", LIBRARY_PHASES]).await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let followed = t.playlists.iter().filter(|p| p.followed).count();
    assert_eq!(sim.stats().total, 1 + followed.div_ceil(50) as u64);
    assert_mirror(&env.open(), &t, false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_sync_extended_mode_uses_batch_endpoints() {
    let sim = start_sim(sim_options(2000, SimMode::Extended)).await;
    let env = Env::new(100_000);
    let (run, events) =
        engine_sync(&env.db, &sim, StartMode::Full, library_phases(), 100_000).await;
    assert_eq!(run.status, RunStatus::Success, "{events:#?}");
    let t = truth(&sim).await;
    assert_mirror(&env.open(), &t, true);
    let stats = sim.stats();
    assert_eq!(stats.total, minimum_requests(&t, true), "{stats:#?}");
    assert_eq!(stats.count("403"), 0);
    assert_eq!(stats.endpoint("GET /v1/albums/{id}"), 0, "{stats:#?}");
    assert_eq!(stats.endpoint("GET /v1/artists/{id}"), 0, "{stats:#?}");
    // Events: every commit reported, phases in order.
    let phases: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            SyncEvent::PhaseStarted { phase, .. } => Some(*phase),
            _ => None,
        })
        .collect();
    assert_eq!(phases, library_phases());
    let capability: String = env
        .open()
        .query_row(
            "SELECT value FROM capabilities WHERE name = 'extended_quota'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(capability, "true");
}
