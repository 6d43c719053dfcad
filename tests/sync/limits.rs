//! Rate limits, the daily quota, and transient faults.

use spotsync::cli::SimMode;
use spotsync::simulator::SettingsPatch;

use crate::common::*;

/// A quota that runs out mid-sync: exit 75 with the reset time persisted; an immediate second
/// run sends nothing; after the quota resets the sync completes with nothing fetched twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quota_block_is_persisted_and_respected_across_runs() {
    let mut opts = sim_options(300, SimMode::Dev);
    opts.quota = 40;
    opts.quota_retry_after = 3600;
    let sim = start_sim(opts).await;
    let env = Env::new(100_000);

    let out = env
        .run(
            &sim,
            &["sync", "--only", LIBRARY_PHASES, "--max-wait", "2s"],
        )
        .await;
    assert_eq!(out.code, Some(75), "stderr: {}", out.stderr);
    assert!(out.stderr.contains("daily request quota"), "{}", out.stderr);
    let first = sim.stats();
    assert_eq!(first.quota_exceeded, 1, "{first:#?}");

    // The reset time is in sync_state, about an hour ahead.
    {
        let c = env.open();
        let reset: String = c
            .query_row(
                "SELECT MAX(rate_limit_reset_at) FROM sync_state WHERE rate_limit_reason = 'quota'",
                [],
                |r| r.get(0),
            )
            .expect("a persisted quota reset time");
        let reset = chrono::DateTime::parse_from_rfc3339(&reset).unwrap();
        let ahead = reset.with_timezone(&chrono::Utc) - chrono::Utc::now();
        assert!(
            ahead > chrono::Duration::minutes(55) && ahead <= chrono::Duration::minutes(61),
            "reset in {ahead}"
        );
        let status: String = c
            .query_row(
                "SELECT status FROM sync_history ORDER BY id DESC",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(status, "rate_limited");
    }

    // `status` shows the hold.
    let st = env.run(&sim, &["status", "--json"]).await;
    assert_eq!(st.code, Some(0), "{}", st.stderr);
    let snap: serde_json::Value = serde_json::from_str(&st.stdout).unwrap();
    assert_eq!(snap["blocked_until"][1], "quota", "{snap:#}");

    // Right away: zero requests, exit 75 again.
    sim.reset_stats();
    let out = env
        .run(
            &sim,
            &["sync", "--only", LIBRARY_PHASES, "--max-wait", "2s"],
        )
        .await;
    assert_eq!(out.code, Some(75), "stderr: {}", out.stderr);
    assert_eq!(
        sim.stats().total,
        0,
        "no request while the quota is exhausted"
    );

    // Time passes: the test stands in for the hour by resetting the simulator's quota and
    // moving the persisted reset time into the past.
    sim.reset_limits();
    sim.update_settings(SettingsPatch {
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
    // The refusal taught a quota of 40 a day, which would hold the rest of the mirror for
    // days: a configured budget is used as given instead.
    assert_eq!(
        env.open()
            .query_row("SELECT calls FROM quota_observations", [], |r| r
                .get::<_, i64>(0))
            .unwrap(),
        40
    );
    env.set_config("[sync]\nrequests_per_window = 100000\nmax_calls_per_day = 100000\n");
    sim.reset_stats();
    let out = env
        .run(
            &sim,
            &["sync", "--only", LIBRARY_PHASES, "--max-wait", "2s"],
        )
        .await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let t = truth(&sim).await;
    assert_mirror(&env.open(), &t, false);
    // Nothing fetched twice: the refused request is the only one repeated.
    let all = first.total + sim.stats().total;
    assert_eq!(all, minimum_requests(&t, false) + 1);
}

/// Random 5xx, dropped connections and a tight window: the same result, no request sent while
/// told to wait.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_and_tight_window_give_the_same_result() {
    let mut opts = sim_options(150, SimMode::Dev);
    opts.window = 25;
    opts.fail_rate = 0.1;
    opts.drop_rate = 0.02;
    let sim = start_sim(opts).await;
    // The default pace (60 per 30 s) is above this window: the engine must learn it.
    let env = Env::new(60);
    let out = env
        .run(&sim, &["sync", "--only", LIBRARY_PHASES, "--json"])
        .await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let stats = sim.stats();
    let t = truth(&sim).await;
    assert_mirror(&env.open(), &t, false);
    assert_eq!(stats.while_blocked, 0, "{stats:#?}");
    assert!(stats.count("5xx") > 0, "faults were injected: {stats:#?}");
    assert!(
        stats.rate_limited <= 2,
        "the pace adapts after a 429 instead of hitting the window again: {stats:#?}"
    );
    assert!(out.stdout.contains("\"event\":\"retrying\""));
    if stats.rate_limited > 0 {
        assert!(
            out.stdout.contains("\"reason\":\"window\""),
            "{}",
            out.stdout
        );
        assert!(out.stdout.contains("\"event\":\"rate_limit_cleared\""));
    }
}
