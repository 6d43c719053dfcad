//! Kills and interrupts: a restarted sync resumes exactly where it stopped.

use std::time::Duration;

use rand::{Rng, SeedableRng};
use spotsync::cli::SimMode;

use crate::common::*;

fn signal(pid: u32, sig: &str) {
    let ok = std::process::Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status()
        .expect("kill runs")
        .success();
    assert!(ok, "kill -{sig} {pid}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_moments_then_resume_equals_truth() {
    let mut opts = sim_options(2000, SimMode::Dev);
    opts.latency_ms = 15;
    let sim = start_sim(opts).await;
    let env = Env::new(100_000);
    let token = sim.issue_token();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let mut kills = 0;
    let mut finished = false;
    for _ in 0..12 {
        let mut child = env
            .command(&sim, &token, &["sync", "--only", LIBRARY_PHASES])
            .spawn()
            .expect("spawn spotsync");
        let pid = child.id().expect("pid");
        let at = Duration::from_millis(rng.random_range(250..900));
        match tokio::time::timeout(at, child.wait()).await {
            Ok(status) => {
                assert_eq!(status.unwrap().code(), Some(0));
                finished = true;
                break;
            }
            Err(_) => {
                signal(pid, "KILL");
                let status = child.wait().await.unwrap();
                assert_eq!(status.code(), None, "killed by a signal");
                kills += 1;
            }
        }
        if kills >= 6 {
            break;
        }
    }
    assert!(kills >= 5, "only {kills} kills landed during the sync");
    if !finished {
        let out = env.run(&sim, &["sync", "--only", LIBRARY_PHASES]).await;
        assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
        assert!(out.stderr.contains("Resuming"), "{}", out.stderr);
    }
    let t = truth(&sim).await;
    assert_mirror(&env.open(), &t, false);
    let used = sim.stats().total;
    let min = minimum_requests(&t, false);
    eprintln!("{kills} kills: {used} requests for a minimum of {min}");
    assert!(
        used <= min + kills,
        "{used} requests for a minimum of {min} with {kills} kills"
    );
    // One run, resumed each time.
    let runs: i64 = env
        .open()
        .query_row("SELECT COUNT(*) FROM sync_history", [], |r| r.get(0))
        .unwrap();
    assert_eq!(runs, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_stops_now_exits_130_and_the_run_resumes() {
    let mut opts = sim_options(600, SimMode::Dev);
    opts.latency_ms = 20;
    let sim = start_sim(opts).await;
    let env = Env::new(100_000);
    let token = sim.issue_token();
    let child = env
        .command(&sim, &token, &["sync", "--only", LIBRARY_PHASES])
        .spawn()
        .unwrap();
    let pid = child.id().unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    signal(pid, "INT");
    let out = tokio::time::timeout(Duration::from_secs(10), child.wait_with_output())
        .await
        .expect("stops promptly")
        .unwrap();
    assert_eq!(out.status.code(), Some(130));
    let status: String = env
        .open()
        .query_row("SELECT status FROM sync_history", [], |r| r.get(0))
        .unwrap();
    assert_eq!(status, "paused");
    let out = env.run(&sim, &["sync", "--only", LIBRARY_PHASES]).await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let t = truth(&sim).await;
    assert_mirror(&env.open(), &t, false);
    let used = sim.stats().total;
    assert!(used <= minimum_requests(&t, false) + 1, "{used} requests");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plays_poll_in_between_keeps_the_interrupted_sync_resumable() {
    let mut opts = sim_options(400, SimMode::Dev);
    opts.latency_ms = 20;
    let sim = start_sim(opts).await;
    let env = Env::new(100_000);
    let token = sim.issue_token();
    let child = env
        .command(&sim, &token, &["sync", "--only", LIBRARY_PHASES])
        .spawn()
        .unwrap();
    let pid = child.id().unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    signal(pid, "TERM");
    let out = child.wait_with_output().await.unwrap();
    assert_eq!(out.status.code(), Some(130));

    let out = env.run(&sim, &["sync", "--only", "plays"]).await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stderr.contains("Starting plays sync"), "{}", out.stderr);

    let out = env.run(&sim, &["sync"]).await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        out.stderr.contains("Resuming full sync #1"),
        "{}",
        out.stderr
    );
    let t = truth(&sim).await;
    let saved: i64 = env
        .open()
        .query_row(
            "SELECT COUNT(*) FROM saved_tracks WHERE removed_at IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(saved as usize, t.saved_tracks.len());
}
