//! One daemon for the household: every account's first poll before anyone's bulk work, every
//! account mirrored and polled, an account connected meanwhile served too, each account's
//! health in its own database, `status --all` naming what the daemon serves.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::common::*;

fn query_strings(db: &std::path::Path, sql: &str) -> Vec<String> {
    let Ok(c) =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return Vec::new();
    };
    let Ok(mut st) = c.prepare(sql) else {
        return Vec::new();
    };
    st.query_map([], |r| r.get::<_, String>(0))
        .map(|rows| rows.filter_map(Result::ok).collect())
        .unwrap_or_default()
}

fn full_mirrors(env: &Env, name: &str) -> usize {
    query_strings(
        &env.db(name),
        "SELECT status FROM sync_history WHERE kind = 'full' AND status = 'success'",
    )
    .len()
}

async fn wait_until(timeout: Duration, mut pred: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if pred() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    pred()
}

/// Connect each account (name, simulated user) and start one daemon for them all (its output
/// unread: a full pipe would block it).
async fn connect_and_serve(env: &Env, accounts: &[(&str, usize)]) -> tokio::process::Child {
    for (name, user) in accounts {
        env.connect(name, *user).await;
    }
    env.command(&["daemon"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the daemon starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_daemon_serves_every_account_polls_first() {
    let sim = start_household_sim(&[80, 120, 40, 30], |_| {}).await;
    let env = Env::new(&sim, "[daemon]\nevery = \"2s\"\nplays_every = \"1s\"\n");
    let mut daemon = connect_and_serve(&env, &[("default", 0), ("b", 1), ("c", 2)]).await;
    let names = ["default", "b", "c"];
    let mirrored = wait_until(Duration::from_secs(90), || {
        names.iter().all(|n| full_mirrors(&env, n) >= 1)
    })
    .await;
    assert!(mirrored, "every account was mirrored");

    // A listener per account while the daemon polls.
    let client = reqwest::Client::new();
    let mut added: Vec<BTreeSet<String>> = vec![BTreeSet::new(); 3];
    for _ in 0..6 {
        for (user, set) in added.iter_mut().enumerate() {
            let r: serde_json::Value = client
                .post(format!("{}__sim/plays?user={user}", sim.base_url()))
                .json(&serde_json::json!({ "count": 3 }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            for p in r["played_at"].as_array().unwrap() {
                set.insert(p.as_str().unwrap().to_string());
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    // Connected while the daemon runs: served from its next sync interval on.
    env.connect("d", 3).await;
    assert!(
        wait_until(Duration::from_secs(120), || full_mirrors(&env, "d") >= 1).await,
        "an account connected meanwhile is served"
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let all = env.run(&["status", "--all"]).await;
    assert!(
        all.stdout.contains("Daemon: serving default (pid")
            && all.stdout.contains(", b (pid")
            && all.stdout.contains(", d (pid"),
        "{all:?}"
    );

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

    for (user, name) in names.iter().enumerate() {
        let db = env.db(name);
        let saved = count(
            &db,
            "SELECT COUNT(*) FROM saved_tracks WHERE removed_at IS NULL",
        );
        assert_eq!(
            saved as usize,
            sim.truth_of(user).saved_tracks.len(),
            "{name}"
        );
        let stored: BTreeSet<String> = query_strings(&db, "SELECT played_at FROM plays")
            .into_iter()
            .collect();
        let lost: Vec<&String> = added[user]
            .iter()
            .filter(|p| !stored.contains(*p))
            .collect();
        assert!(lost.is_empty(), "{name} lost plays: {lost:?}");
        // Its first run was the plays poll, and every account's first poll ended before any
        // account's first mirror started.
        let kinds = query_strings(&db, "SELECT kind FROM sync_history ORDER BY id");
        assert_eq!(
            kinds.first().map(String::as_str),
            Some("plays"),
            "{name}: {kinds:?}"
        );
        let pid = query_strings(
            &db,
            "SELECT value FROM daemon_health WHERE key = 'pid' AND value IS NOT NULL",
        );
        assert!(pid.is_empty(), "{name}: the health says the daemon stopped");
    }
    let polls_ended: Vec<String> = names
        .iter()
        .flat_map(|n| {
            query_strings(
                &env.db(n),
                "SELECT finished_at FROM sync_history WHERE id = 1",
            )
        })
        .collect();
    let first_full: Vec<String> = names
        .iter()
        .flat_map(|n| {
            query_strings(
                &env.db(n),
                "SELECT started_at FROM sync_history WHERE kind = 'full' ORDER BY id LIMIT 1",
            )
        })
        .collect();
    let last_poll = polls_ended.iter().max().unwrap();
    let first_bulk = first_full.iter().min().unwrap();
    assert!(last_poll <= first_bulk, "{polls_ended:?} / {first_full:?}");
    let stats = sim.stats();
    assert_eq!(stats.quota_exceeded, 0);
    assert_eq!(stats.rate_limited, 0, "the shared pace held: {stats:#?}");
}

fn runs_of_kind(env: &Env, name: &str, kind: &str) -> usize {
    query_strings(
        &env.db(name),
        &format!("SELECT status FROM sync_history WHERE kind = '{kind}'"),
    )
    .len()
}

/// While b's mirror waits for the reserve, a (mirrored) checks its lists at most every six
/// hours instead of every `every`, and a's quiet listener is polled hourly: the quota goes to
/// b's mirror.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_one_account_mirrors_the_others_checks_wait() {
    let sim = start_household_sim(&[5, 2_000], |o| o.mode = spotsync::cli::SimMode::Dev).await;
    let env = Env::new(
        &sim,
        "[sync]\nmax_calls_per_day = 150\n\n[daemon]\nevery = \"2s\"\nplays_every = \"1s\"\n",
    );
    let mut daemon = connect_and_serve(&env, &[("default", 0), ("b", 1)]).await;
    let held = |env: &Env| {
        query_strings(
            &env.db("b"),
            "SELECT status FROM sync_history WHERE status = 'rate_limited'",
        )
        .len()
    };
    let ready = wait_until(Duration::from_secs(120), || {
        full_mirrors(&env, "default") >= 1 && held(&env) >= 1
    })
    .await;
    let history = |name: &str| {
        query_strings(
            &env.db(name),
            "SELECT kind || ' ' || status || ' ' || COALESCE(error, '') FROM sync_history",
        )
    };
    assert!(
        ready,
        "a is mirrored and b's mirror is held by the reserve: {:?} / {:?}",
        history("default"),
        history("b")
    );
    let (checks, polls) = (
        runs_of_kind(&env, "default", "incremental"),
        runs_of_kind(&env, "default", "plays"),
    );
    tokio::time::sleep(Duration::from_secs(12)).await;
    let checks_after = runs_of_kind(&env, "default", "incremental");
    let polls_after = runs_of_kind(&env, "default", "plays");
    let b_waits = full_mirrors(&env, "b") == 0;
    // `status` says why a's next sync is hours away.
    let status = env.run(&["status"]).await;
    daemon.start_kill().ok();
    daemon.wait().await.ok();
    // On the schedule, a would have checked its lists about six times and polled twelve.
    assert_eq!(checks_after, checks, "a's lists were not checked again");
    assert!(polls_after <= polls + 1, "{polls} → {polls_after}");
    assert!(b_waits, "b's mirror waited for the reserve all along");
    assert!(
        status
            .stdout
            .contains("(the household's quota pays for a sync every 6h00m and a poll every"),
        "{status:?}"
    );
    assert_eq!(sim.stats().quota_exceeded, 0);
}
