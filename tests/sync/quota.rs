//! The quota economy over real HTTP with the real binary: bulk work stops at the reserve, the
//! plays poll always finds room, `QUOTA_EXCEEDED` teaches the daily quota, and the daemon loses
//! no play while a tight quota holds its bulk work back.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use spotsync::cli::SimMode;
use spotsync::simulator::SettingsPatch;

use crate::common::*;

const PLAYS: &str = "GET /v1/me/player/recently-played";

fn requests_of(sim: &spotsync::simulator::RunningSim, endpoint: &str) -> u64 {
    sim.stats().endpoint(endpoint)
}

/// Rows of a table in the test's database.
fn count(env: &Env, sql: &str) -> i64 {
    env.open().query_row(sql, [], |r| r.get(0)).expect(sql)
}

/// With `max_calls_per_day = 150` and a library needing ~400 requests, `sync` stops within the
/// budget with reason `reserve` (exit 75), its own plays poll still goes, a following
/// `sync --only plays` sends its poll and exits 0, and polls keep going until the whole budget
/// (less a request of margin) is spent: never a request past it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_budget_keeps_its_reserve_for_the_plays_poll() {
    let sim = start_sim(sim_options(1_700, SimMode::Dev)).await;
    let t = truth(&sim).await;
    let needed = minimum_requests(&t, false);
    assert!(
        (300..=700).contains(&needed),
        "the library needs ~400 requests, not {needed}"
    );
    let env = Env::new(100_000);
    env.set_config("[sync]\nrequests_per_window = 100000\nmax_calls_per_day = 150\n");

    let out = env.run(&sim, &["sync", "--json"]).await;
    assert_eq!(out.code, Some(75), "stderr: {}", out.stderr);
    assert!(
        out.stdout.contains("\"reason\":\"reserve\""),
        "{}",
        out.stdout
    );
    let spent = sim.stats().total;
    // Bulk work stops at 150 less the reserve (a third of a small budget: 50).
    assert!(
        (100..=101).contains(&spent),
        "bulk work stops at the reserve: {spent} requests"
    );
    assert_eq!(
        requests_of(&sim, PLAYS),
        1,
        "the run's own plays poll still went after bulk work stopped"
    );
    assert_eq!(spent, 101, "100 of bulk work, then the poll");
    let status: String = env
        .open()
        .query_row(
            "SELECT status FROM sync_history ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(status, "rate_limited");

    let out = env.run(&sim, &["sync", "--only", "plays"]).await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    assert_eq!(requests_of(&sim, PLAYS), 2);
    let st = env.run(&sim, &["status"]).await;
    assert!(st.stdout.contains("102 of 150"), "{}", st.stdout);

    // A song liked meanwhile: the next plain sync does not wait for the held enrichment. The
    // run left with only enrichment is closed (its lists are mirrored) and a new incremental run
    // checks the lists (class `changes`, above the reserve), sends no bulk request, and polls.
    let liked: serde_json::Value = reqwest::Client::new()
        .post(format!("{}__sim/tracks/save", sim.base_url()))
        .json(&serde_json::json!({ "count": 1 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let liked = liked["saved"][0].as_str().expect("a saved id").to_string();
    let earlier = sim.stats().total;
    // Six hours pass (the lists are checked for changes that often while enrichment is held);
    // the test stands in for them by moving the run's start back.
    {
        let c = rusqlite::Connection::open(&env.db).unwrap();
        let then =
            (Utc::now() - chrono::TimeDelta::hours(7)).to_rfc3339_opts(SecondsFormat::Secs, true);
        c.execute(
            "UPDATE sync_history SET started_at = ?1 WHERE kind = 'full'",
            [&then],
        )
        .unwrap();
    }
    sim.reset_stats();
    let out = env.run(&sim, &["sync", "--max-wait", "1s"]).await;
    assert_eq!(out.code, Some(75), "stderr: {}", out.stderr);
    assert!(out.stderr.contains("reserve"), "{}", out.stderr);
    let stats = sim.stats();
    let bulk: u64 = stats
        .per_endpoint
        .iter()
        .filter(|(k, _)| k.starts_with("GET /v1/albums") || k.starts_with("GET /v1/artists"))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(bulk, 0, "bulk work stays held: {stats:#?}");
    assert!(
        stats.endpoint("GET /v1/me/tracks") >= 1,
        "{stats:#?}\n{}",
        out.stderr
    );
    assert_eq!(stats.endpoint(PLAYS), 1, "{stats:#?}");
    let c = env.open();
    let saved: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM saved_tracks WHERE track_id = ?1 AND removed_at IS NULL",
            [&liked],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(saved, 1, "the song liked meanwhile is mirrored");
    let runs: Vec<(String, String)> = c
        .prepare("SELECT kind, status FROM sync_history WHERE kind != 'plays' ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(
        runs,
        [
            ("full".to_string(), "success".to_string()),
            ("incremental".to_string(), "rate_limited".to_string())
        ]
    );
    drop(c);

    // Polls go on to the budget's end (less its margin), then wait for it.
    let mut last = 0;
    for _ in 0..80 {
        let out = env
            .run(
                &sim,
                &["sync", "--only", "plays", "--max-wait", "1s", "--json"],
            )
            .await;
        last = out.code.unwrap_or(-1);
        if last == 75 {
            assert!(
                out.stdout.contains("\"reason\":\"budget\""),
                "{}",
                out.stdout
            );
            break;
        }
        assert_eq!(last, 0, "stderr: {}", out.stderr);
    }
    assert_eq!(last, 75, "the polls stop at the budget");
    assert_eq!(
        earlier + sim.stats().total,
        149,
        "never a request past the budget"
    );
    assert_eq!(sim.stats().quota_exceeded, 0);
}

/// No budget, a simulator quota of 1,000 a day: day 1 runs into `QUOTA_EXCEEDED` (exit 75) and
/// learns the figure; once the block is over, day 2 makes real progress (at least half the
/// quota) with zero `QUOTA_EXCEEDED`, stopping at the reserve, and a plays poll right after
/// succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_quota_exceeded_teaches_the_daily_quota() {
    let mut opts = sim_options(20_000, SimMode::Dev);
    opts.quota = 1_000;
    // Spotify says hours; the simulated day is a few seconds long.
    opts.quota_retry_after = 3;
    let sim = start_sim(opts).await;
    let t = truth(&sim).await;
    assert!(minimum_requests(&t, false) > 3_000, "a library of days");
    let env = Env::new(100_000);

    // Day 1.
    let out = env.run(&sim, &["sync", "--max-wait", "1s", "--json"]).await;
    assert_eq!(out.code, Some(75), "stderr: {}", out.stderr);
    assert!(
        out.stdout.contains("\"reason\":\"quota\""),
        "{}",
        out.stdout
    );
    let day1 = sim.stats();
    assert_eq!(day1.quota_exceeded, 1, "{day1:#?}");
    let observed = count(&env, "SELECT MAX(calls) FROM quota_observations");
    assert_eq!(observed, 1_000, "what was sent before QUOTA_EXCEEDED");
    let stored_day1 = count(&env, "SELECT COUNT(*) FROM tracks");

    // The block ends (its Retry-After passes).
    tokio::time::sleep(Duration::from_secs(4)).await;

    // Day 2: real progress, no QUOTA_EXCEEDED, a stop at the reserve.
    sim.reset_stats();
    let out = env.run(&sim, &["sync", "--max-wait", "1s", "--json"]).await;
    assert_eq!(out.code, Some(75), "stderr: {}", out.stderr);
    assert!(
        out.stdout.contains("\"reason\":\"reserve\""),
        "{}",
        out.stdout
    );
    let day2 = sim.stats();
    assert_eq!(day2.quota_exceeded, 0, "{day2:#?}");
    assert!(
        day2.total >= 500,
        "day 2 spends at least half the quota: {}",
        day2.total
    );
    let enriched = count(
        &env,
        "SELECT (SELECT COUNT(*) FROM albums WHERE enriched_at IS NOT NULL)
              + (SELECT COUNT(*) FROM artists WHERE enriched_at IS NOT NULL)",
    );
    assert!(enriched > 0 && count(&env, "SELECT COUNT(*) FROM tracks") >= stored_day1);

    // A plays poll right after succeeds.
    let out = env.run(&sim, &["sync", "--only", "plays"]).await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    assert_eq!(sim.stats().quota_exceeded, 0);
    assert_eq!(
        requests_of(&sim, PLAYS),
        2,
        "day 2's run polled, then this one"
    );
}

/// The daemon against a tight quota while plays keep arriving: once the quota is learned, its
/// bulk work stops at the reserve instead of running into `QUOTA_EXCEEDED` (which would block
/// every request for an hour here), and every play a poll could fetch is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_loses_no_play_under_a_tight_quota() {
    let mut opts = sim_options(3_000, SimMode::Dev);
    opts.quota = 300;
    opts.quota_retry_after = 3_600;
    let sim = start_sim(opts).await;
    let env = Env::new(100_000);

    // An earlier day taught the quota.
    let out = env.run(&sim, &["sync", "--max-wait", "1s"]).await;
    assert_eq!(out.code, Some(75), "stderr: {}", out.stderr);
    assert_eq!(sim.stats().quota_exceeded, 1);
    // The hour passes: the test stands in for it by lifting the simulator's block and moving the
    // block's end (persisted, and in the observation) into the past.
    sim.reset_limits();
    sim.reset_stats();
    {
        let past =
            (Utc::now() - chrono::TimeDelta::seconds(1)).to_rfc3339_opts(SecondsFormat::Secs, true);
        let c = rusqlite::Connection::open(&env.db).unwrap();
        c.execute(
            "UPDATE sync_state SET rate_limit_reset_at = ?1 WHERE rate_limit_reset_at IS NOT NULL",
            [&past],
        )
        .unwrap();
        c.execute("UPDATE request_hold SET blocked_until = ?1", [&past])
            .unwrap();
        c.execute("UPDATE quota_observations SET resets_at = ?1", [&past])
            .unwrap();
    }

    let token = sim.issue_token();
    let mut daemon = env
        .command(
            &sim,
            &token,
            &["daemon", "--every", "3s", "--plays-every", "1s"],
        )
        // Not read by the test: a pipe would fill up and block the daemon's log.
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("daemon starts");

    // A listener: 4 plays a second for 20 s, 80 in all (the API keeps 50).
    let client = reqwest::Client::new();
    let mut added: BTreeSet<String> = BTreeSet::new();
    for _ in 0..20 {
        let r: serde_json::Value = client
            .post(format!("{}__sim/plays", sim.base_url()))
            .json(&serde_json::json!({ "count": 4 }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for p in r["played_at"].as_array().unwrap() {
            added.insert(p.as_str().unwrap().to_string());
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
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
    assert!(
        stats.total <= 300,
        "the daemon stays within the learned quota: {stats:#?}"
    );
    let c = env.open();
    let mut st = c.prepare("SELECT played_at FROM plays").unwrap();
    let stored: BTreeSet<String> = st
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    let lost: Vec<&String> = added.iter().filter(|p| !stored.contains(*p)).collect();
    assert!(
        lost.is_empty(),
        "plays in the simulator = plays stored; lost {} of {}: {lost:?}",
        lost.len(),
        added.len()
    );
    // Bulk work went on within the reserve while the polls ran.
    assert!(requests_of(&sim, PLAYS) >= 10, "{stats:#?}");
    drop(sim.update_settings(SettingsPatch::default()));
}

/// A poll that falls due while a run's bulk work is going is sent at the next batch boundary,
/// ahead of the rest of the run (`SyncCommand::PollPlays`, which the daemon sends on its
/// schedule), and its plays are stored although the run itself has no plays phase.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poll_that_falls_due_during_a_run_goes_first() {
    use spotsync::spotify::Credentials;
    use spotsync::sync::{self, EngineOptions, Phase, StartMode, SyncCommand, SyncEvent};

    let sim = start_sim(sim_options(2_000, SimMode::Dev)).await;
    let env = Env::new(100_000);
    let mut handle = sync::spawn(EngineOptions {
        db: env.db.clone(),
        api_url: sim.api_url(),
        accounts_url: sim.accounts_url(),
        credentials: Credentials::AccessToken(sim.issue_token()),
        config: spotsync::config::SyncConfig {
            requests_per_window: 100_000,
            ..Default::default()
        },
    })
    .await
    .expect("engine spawns");
    handle
        .commands
        .send(SyncCommand::Start {
            mode: StartMode::Full,
            only: vec![Phase::Tracks],
        })
        .await
        .unwrap();
    handle.commands.send(SyncCommand::PollPlays).await.unwrap();
    let mut batches: Vec<Phase> = Vec::new();
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(120), handle.events.recv())
            .await
            .expect("progress")
            .expect("RunFinished before the end");
        match ev {
            SyncEvent::RunStarted { phases, .. } => assert_eq!(phases, [Phase::Tracks]),
            SyncEvent::BatchCommitted { phase, .. } => batches.push(phase),
            SyncEvent::RunFinished { run } => {
                assert_eq!(run.status.as_str(), "success", "{run:?}");
                break;
            }
            _ => {}
        }
    }
    handle.commands.send(SyncCommand::Shutdown).await.ok();
    handle.task.await.unwrap();
    // It went at one of the first batch boundaries (the engine may have passed the very first
    // before the command arrived), ahead of the rest of the walk.
    let at = batches
        .iter()
        .position(|p| *p == Phase::Plays)
        .unwrap_or_else(|| panic!("no poll during the run: {batches:?}"));
    assert!(at <= 3, "the poll waited for {at} batches: {batches:?}");
    assert!(
        batches[at + 1..]
            .iter()
            .filter(|p| **p == Phase::Tracks)
            .count()
            >= 30,
        "{batches:?}"
    );
    assert_eq!(requests_of(&sim, PLAYS), 1);
    assert_eq!(count(&env, "SELECT COUNT(*) FROM plays"), 50);
}
