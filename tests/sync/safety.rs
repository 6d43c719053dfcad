//! A second instance, a corrupt database, missing authorization: clear errors, nothing lost.

use std::time::Duration;

use spotsync::cli::SimMode;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_instance_exits_4_while_status_works() {
    let mut opts = sim_options(600, SimMode::Dev);
    opts.latency_ms = 30;
    let sim = start_sim(opts).await;
    let env = Env::new(100_000);
    let token = sim.issue_token();
    let mut first = env
        .command(&sim, &token, &["sync", "--only", LIBRARY_PHASES])
        .spawn()
        .unwrap();
    // Wait until the first one is syncing.
    let mut running = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let st = env.run(&sim, &["status", "--json"]).await;
        assert_eq!(
            st.code,
            Some(0),
            "status works during a sync: {}",
            st.stderr
        );
        let v: serde_json::Value = serde_json::from_str(&st.stdout).unwrap();
        if v["current_run"]["status"] == "running"
            && v["current_run"]["api_calls"].as_u64() > Some(2)
        {
            running = true;
            break;
        }
    }
    assert!(running, "the first sync started");
    let second = env.run(&sim, &["sync"]).await;
    assert_eq!(second.code, Some(4), "{}", second.stderr);
    assert!(
        second.stderr.contains("another spotsync"),
        "{}",
        second.stderr
    );
    let st = env.run(&sim, &["status"]).await;
    assert_eq!(st.code, Some(0));
    assert!(st.stdout.contains("running"), "{}", st.stdout);
    first.start_kill().unwrap();
    first.wait().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_or_foreign_database_is_refused_and_untouched() {
    let sim = start_sim(sim_options(50, SimMode::Dev)).await;
    let env = Env::new(100_000);
    let mut header_ok = b"SQLite format 3\0".to_vec();
    header_ok.extend((0..8192u32).map(|i| (i * 7 + 3) as u8));
    let cases: Vec<Vec<u8>> = vec![b"name,artist\nsong,someone\n".repeat(100), header_ok];
    for content in cases {
        std::fs::write(&env.db, &content).unwrap();
        for args in [&["sync"][..], &["status"][..], &["history"][..]] {
            let out = env.run(&sim, args).await;
            assert_eq!(out.code, Some(1), "{args:?}: {}", out.stderr);
            assert!(
                out.stderr.contains("not a spotsync database"),
                "{args:?}: {}",
                out.stderr
            );
            assert_eq!(std::fs::read(&env.db).unwrap(), content, "file untouched");
        }
        let wal = env.db.with_extension("db-wal");
        assert!(!wal.exists());
    }
    assert_eq!(sim.stats().total, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_or_refused_token_exits_3() {
    let sim = start_sim(sim_options(50, SimMode::Dev)).await;
    let env = Env::new(100_000);
    let out = env
        .command(&sim, "", &["sync"])
        .env_remove("SPOTSYNC_ACCESS_TOKEN")
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("spotsync auth"));

    let out = env
        .command(&sim, "not-a-valid-token", &["sync"])
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("spotsync auth"), "{stderr}");
    assert!(
        !stderr.contains("not-a-valid-token"),
        "no token in messages"
    );
}
