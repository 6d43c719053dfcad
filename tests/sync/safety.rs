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

/// Another application's valid SQLite database (a browser-history-like file) passed as `--db`:
/// every command refuses it, naming the file, exits non-zero, and leaves it byte-identical.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_applications_database_is_refused_and_left_byte_identical() {
    let sim = start_sim(sim_options(50, SimMode::Dev)).await;
    let env = Env::new(100_000);
    {
        let c = rusqlite::Connection::open(&env.db).unwrap();
        c.execute_batch(
            "CREATE TABLE urls (id INTEGER PRIMARY KEY, url TEXT NOT NULL, title TEXT,
                                visit_count INTEGER NOT NULL DEFAULT 0);
             CREATE TABLE visits (id INTEGER PRIMARY KEY, url INTEGER NOT NULL,
                                  visit_time INTEGER NOT NULL);
             INSERT INTO urls (url, title, visit_count) VALUES
               ('https://example.org/', 'Example', 3),
               ('https://example.org/music', 'Music', 1);
             INSERT INTO visits (url, visit_time) VALUES (1, 13350000000000000),
               (1, 13350000100000000), (1, 13350000200000000), (2, 13350000300000000);",
        )
        .unwrap();
    }
    let before = std::fs::read(&env.db).unwrap();
    let name = env.db.display().to_string();
    for args in [
        &["sync"][..],
        &["status"][..],
        &["status", "--json"][..],
        &["history"][..],
        &["changes"][..],
    ] {
        let out = env.run(&sim, args).await;
        assert_ne!(out.code, Some(0), "{args:?}: {}", out.stdout);
        assert!(out.code.is_some(), "{args:?}: exited by a signal");
        assert!(
            out.stderr.contains("not a spotsync database") && out.stderr.contains(&name),
            "{args:?}: {}",
            out.stderr
        );
        assert_eq!(
            std::fs::read(&env.db).unwrap(),
            before,
            "{args:?}: file untouched"
        );
    }
    for side in ["db-wal", "db-shm", "db-journal"] {
        assert!(!env.db.with_extension(side).exists(), "no {side} beside it");
    }
    assert_eq!(sim.stats().total, 0, "nothing was sent to Spotify");
}

/// The API answers 401 and the accounts service cannot be reached to refresh the token: that
/// is no authorization problem (no "run `spotsync auth`"), but Spotify out of reach: the run
/// ends `failed`, resumable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accounts_service_out_of_reach_is_no_authorization_error() {
    use spotsync::sync::{ErrorKind, Phase, RunStatus, StartMode, SyncCommand, SyncEvent};

    let sim = start_sim(sim_options(100, SimMode::Dev)).await;
    let env = Env::new(100_000);
    let t = sim.issue_token_full();
    let credentials = spotsync::spotify::Credentials::Pkce {
        client_id: "test-client".into(),
        token: rspotify::Token {
            access_token: t.access_token,
            expires_in: chrono::Duration::seconds(3600),
            expires_at: Some(chrono::Utc::now() + chrono::Duration::seconds(3600)),
            refresh_token: t.refresh_token,
            scopes: Default::default(),
        },
        token_file: env.dir.path().join("token.json"),
        on_refresh: std::sync::Arc::new(|_: &rspotify::Token| {}),
    };
    // The access token is revoked (the API answers 401), and nothing listens where the
    // accounts service should be.
    reqwest::Client::new()
        .post(format!("{}__sim/tokens/expire", sim.base_url()))
        .send()
        .await
        .unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let accounts_url = format!("http://{}/", closed.local_addr().unwrap());
    drop(closed);
    let mut h = spotsync::sync::spawn(spotsync::sync::EngineOptions {
        db: env.db.clone(),
        api_url: sim.api_url(),
        accounts_url,
        credentials,
        config: spotsync::config::SyncConfig {
            requests_per_window: 100_000,
            ..Default::default()
        },
    })
    .await
    .unwrap();
    h.commands
        .send(SyncCommand::Start {
            mode: StartMode::Full,
            only: vec![Phase::Tracks],
        })
        .await
        .unwrap();
    let mut events = Vec::new();
    let run = loop {
        let ev = tokio::time::timeout(Duration::from_secs(60), h.events.recv())
            .await
            .unwrap()
            .unwrap();
        events.push(ev.clone());
        if let SyncEvent::RunFinished { run } = ev {
            break run;
        }
    };
    assert_eq!(run.status, RunStatus::Failed, "{events:#?}");
    let error = run.error.unwrap_or_default();
    assert!(error.contains("could not be reached"), "{error}");
    assert!(!error.contains("spotsync auth"), "{error}");
    let kinds: Vec<ErrorKind> = events
        .iter()
        .filter_map(|e| match e {
            SyncEvent::Error { kind, .. } => Some(*kind),
            _ => None,
        })
        .collect();
    assert_eq!(kinds, vec![ErrorKind::Other], "{events:#?}");
    h.commands.send(SyncCommand::Shutdown).await.ok();
    h.task.await.unwrap();
}
