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

/// A sync logs its activity at info to the log file: the run, each phase with what it changed,
/// the summary. Never the token (nor in what it prints).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_logs_its_activity_but_never_the_token() {
    let sim = start_sim(sim_options(120, SimMode::Dev)).await;
    let env = Env::new(100_000);
    let token = sim.issue_token();
    let out = env
        .command(&sim, &token, &["sync", "--only", "tracks"])
        .output()
        .await
        .expect("spotsync runs");
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut file = String::new();
    for dir in std::fs::read_dir(env.dir.path().join("state/spotsync/logs")).expect("log dir") {
        file += &std::fs::read_to_string(dir.unwrap().path()).unwrap();
    }
    assert!(!stderr.contains(&token));
    for line in [
        "sync run 1 started (full; phases: tracks)",
        "phase tracks started (0 done)",
        "phase tracks success: 120 of 120 done; 120 added, 0 updated, 0 removed",
        "sync run 1 finished: success; 120 added, 0 updated, 0 removed; 3 requests",
    ] {
        assert!(file.contains(line), "{line:?} missing from:\n{file}");
    }
    assert!(!file.contains(&token), "the token is never logged");
}
