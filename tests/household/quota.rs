//! One quota for the household: every process sees one ledger, so a `QUOTA_EXCEEDED` one
//! account meets holds them all, and two processes never overspend the quota together.

use std::time::Duration;

use crate::common::*;

/// Spotify blocks the app while account `default` syncs: account `b`, in another process,
/// then sends nothing at all until the block ends, and says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quota_exceeded_seen_by_one_account_holds_every_account() {
    let sim = start_household_sim(&[50, 50], |_| {}).await;
    let env = Env::new(&sim, "");
    env.connect("default", 0).await;
    env.connect("b", 1).await;
    sim.exhaust_quota(3_600);
    let out = env.run(&["sync", "--max-wait", "1s", "--json"]).await;
    assert_eq!(out.code, 75, "{out:?}");
    assert!(out.stdout.contains("\"reason\":\"quota\""), "{out:?}");
    let stats = sim.stats();
    assert_eq!(stats.quota_exceeded, 1, "{stats:#?}");
    sim.reset_stats();

    let out = env
        .run(&["--account", "b", "sync", "--max-wait", "1s"])
        .await;
    assert_eq!(out.code, 75, "{out:?}");
    assert!(
        out.stderr.contains("Spotify's daily request quota"),
        "{out:?}"
    );
    let stats = sim.stats();
    assert_eq!(
        stats.total, 0,
        "b sent nothing during the block: {stats:#?}"
    );
    let all = env.run(&["status", "--all", "--json"]).await;
    assert_eq!(all.code, 0, "{all:?}");
    let v = all.json();
    assert_eq!(v["household"]["blocked_until"][1], "quota", "{v:#}");
    let names: Vec<&str> = v["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["account"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["default", "b"]);
    let text = env.run(&["status", "--all"]).await;
    assert!(
        text.stdout.contains("== account b ==")
            && text
                .stdout
                .contains("Every account is on hold by Spotify's daily request quota"),
        "{text:?}"
    );
}

/// The done-when line: a daemon and an interactive `sync --account b` at the same time under
/// a small quota: the requests of any rolling 24 hours (here: all of them, the test is shorter
/// than a day) never exceed it, and Spotify never answers `QUOTA_EXCEEDED`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_and_an_interactive_sync_never_overspend_the_quota() {
    const QUOTA: u64 = 120;
    let sim = start_household_sim(&[400, 400], |o| {
        o.quota = QUOTA as u32;
        o.quota_retry_after = 3_600;
    })
    .await;
    let env = Env::new(
        &sim,
        &format!("[sync]\nrequests_per_window = 1000\nmax_calls_per_day = {QUOTA}\n"),
    );
    env.connect("default", 0).await;
    env.connect("b", 1).await;

    let mut daemon = env
        .command(&[
            "--account",
            "default",
            "daemon",
            "--every",
            "2s",
            "--plays-every",
            "1s",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the daemon starts");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let interactive = env
        .run(&["--account", "b", "sync", "--max-wait", "30s"])
        .await;
    assert_eq!(interactive.code, 75, "{interactive:?}");
    assert!(interactive.stderr.contains("reserve"), "{interactive:?}");
    // The daemon keeps polling: past the `changes` ceiling each account's poll waits its turn
    // in the polls' own room (one every 75 min each at this quota), which is not spent at once.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let pid = daemon.id().expect("daemon pid");
    let killed = std::process::Command::new("kill")
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(30), daemon.wait())
        .await
        .expect("the daemon stops on SIGTERM")
        .unwrap();
    assert_eq!(status.code(), Some(0));

    let stats = sim.stats();
    assert_eq!(stats.quota_exceeded, 0, "{stats:#?}");
    assert_eq!(stats.while_blocked, 0, "{stats:#?}");
    assert!(
        stats.total <= QUOTA,
        "{} requests in the day, the quota is {QUOTA}",
        stats.total
    );
    let (a, b) = (stats.user(0).total, stats.user(1).total);
    assert!(a > 0 && b > 0, "both accounts went: {a} + {b}");
    // Bulk work (80 a day at this quota) was shared: neither took more than its half (the
    // full walks of a first mirror; `GET /me` and the polls are not bulk work).
    let bulk = |u: usize| {
        let s = stats.user(u);
        s.per_endpoint
            .iter()
            .filter(|(k, _)| !k.contains("recently-played") && k.as_str() != "GET /v1/me")
            .map(|(_, n)| n)
            .sum::<u64>()
    };
    assert!(bulk(0) <= 41 && bulk(1) <= 41, "{} / {}", bulk(0), bulk(1));
    let plays = stats
        .user(0)
        .per_endpoint
        .get("GET /v1/me/player/recently-played")
        .copied()
        .unwrap_or(0);
    assert!(plays >= 1, "the daemon's polls went: {stats:#?}");
    // Polls every second would have spent the polls' room to the budget's end (119) at once;
    // paced, at most one poll an account goes into it in these seconds.
    assert!(stats.total <= 90, "the polls' room was paced: {stats:#?}");
}
