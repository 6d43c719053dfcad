//! The stored token in real syncs: many refreshes in one long sync, and `invalid_grant` → exit 3.

use std::time::{Duration, Instant};

use crate::common::*;

fn db(env: &Env) -> String {
    env.dir.path().join("library.db").display().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn long_sync_keeps_going_across_many_refreshes() {
    const TTL: u64 = 5;
    let sim = start_sim(&[
        "--tracks",
        "150",
        "--playlists",
        "4",
        "--token-ttl",
        &TTL.to_string(),
        "--latency-ms",
        "350",
    ])
    .await;
    let env = Env::new(&sim);
    login_by_paste(&env).await;
    let rt0 = env.refresh_token();
    sim.reset_stats();

    let started = Instant::now();
    let mut cmd = env.command(&["--db", &db(&env), "sync"]);
    cmd.stdin(std::process::Stdio::null());
    let out = tokio::time::timeout(Duration::from_secs(600), cmd.output())
        .await
        .expect("the sync finishes")
        .unwrap();
    let elapsed = started.elapsed();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    env.record(&run);
    assert_eq!(run.code, 0, "{run:?}");

    let stats = sim.stats();
    let refreshes = stats.endpoint("POST /api/token");
    let windows = elapsed.as_secs() / TTL;
    eprintln!(
        "sync took {elapsed:?} ({windows} token lifetimes), {} API requests, {refreshes} refreshes",
        stats.total
    );
    assert!(
        elapsed >= Duration::from_secs(3 * TTL),
        "the sync was too short to outlive several tokens: {elapsed:?}"
    );
    assert!(refreshes >= 3, "only {refreshes} refreshes in {elapsed:?}");
    // The sync never stopped on an expired token: every 401 was followed by a successful retry.
    assert!(stats.count("2xx") > 0);

    // Every rotation was persisted: the simulator only accepts the newest refresh token.
    assert_ne!(env.refresh_token(), rt0);
    let run = env.run(&["auth", "refresh"]).await;
    assert_eq!(
        run.code, 0,
        "the stored refresh token is the current one: {run:?}"
    );
    env.assert_no_token_leaked();
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_with_an_expired_refresh_token_exits_3() {
    let sim = start_sim(&["--tracks", "50"]).await;
    let env = Env::new(&sim);
    login_by_paste(&env).await;
    sim_post(&sim, "__sim/refresh-tokens/expire").await;
    sim_post(&sim, "__sim/tokens/expire").await;
    sim.reset_stats();

    let run = env.run(&["--db", &db(&env), "sync"]).await;
    assert_eq!(run.code, 3, "{run:?}");
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(all.contains("spotsync auth"), "{run:?}");
    // No retries of a dead grant.
    let refreshes = sim.stats().endpoint("POST /api/token");
    assert!(refreshes <= 1, "{refreshes} refresh attempts");
    env.assert_no_token_leaked();
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_without_a_token_exits_3() {
    let sim = start_sim(&["--tracks", "10"]).await;
    let env = Env::new(&sim);
    let run = env.run(&["--db", &db(&env), "sync"]).await;
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        format!("{}{}", run.stdout, run.stderr).contains("spotsync auth"),
        "{run:?}"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_and_status_warn_before_the_authorization_ends() {
    let sim = start_sim(&["--tracks", "20"]).await;
    let env = Env::new(&sim);
    login_by_paste(&env).await;
    let run = env.run(&["--db", &db(&env), "sync"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!run.stderr.contains("authorization ends"), "{run:?}");

    crate::lifecycle::age_authorization(&env, 6);
    let run = env.run(&["--db", &db(&env), "sync"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains("authorization ends in 6 days"),
        "{run:?}"
    );
    let run = env.run(&["--db", &db(&env), "status", "--json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains("authorization ends in 6 days"),
        "{run:?}"
    );
    // The JSON on stdout stays JSON.
    serde_json::from_str::<serde_json::Value>(run.stdout.trim()).unwrap();
    env.assert_no_token_leaked();
    sim.shutdown().await;
}
