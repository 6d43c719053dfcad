//! `spotsync daemon` as a logged-in user runs it from systemd: the schedule comes from the
//! config file, stderr (a pipe here, a file or journald there) carries no colour codes, the
//! health shows in `status`, and SIGTERM stops it with exit 0.

use std::process::Stdio;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};
use tokio::io::AsyncReadExt;

use crate::common::*;

/// `sync_history` runs of one kind that finished successfully (0 while there is no database).
fn runs(db: &std::path::Path, kind: &str) -> i64 {
    let Ok(c) = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY) else {
        return 0;
    };
    c.query_row(
        "SELECT COUNT(*) FROM sync_history WHERE kind = ?1 AND status = 'success'",
        [kind],
        |r| r.get(0),
    )
    .unwrap_or(0)
}

/// Poll until `pred` holds; false after `timeout`.
async fn wait_until(timeout: Duration, mut pred: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if pred() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    pred()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemon_follows_the_config_schedule_logs_plainly_and_stops_on_sigterm() {
    let sim = start_sim(&["--tracks", "60", "--playlists", "3"]).await;
    let env = Env::new(&sim);
    login_by_paste(&env).await;
    // The defaults (30m / 10m) would run nothing but the first sync within this test.
    env.write_config(&format!(
        "client_id = \"{CLIENT_ID}\"\nredirect_uri = \"{}\"\n\n[daemon]\nevery = \"4s\"\nplays_every = \"1s\"\n",
        env.redirect_uri()
    ));
    let db = env.dir.path().join("library.db");
    let mut cmd = env.command(&["--db", &db.display().to_string(), "daemon"]);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .env_remove("NO_COLOR")
        .env("RUST_LOG", "info");
    let mut child = cmd.spawn().expect("spawn spotsync daemon");
    let mut stderr_pipe = child.stderr.take().unwrap();
    let stderr_task = tokio::spawn(async move {
        let mut buf = Vec::new();
        stderr_pipe.read_to_end(&mut buf).await.unwrap();
        buf
    });

    // The first run mirrors the library; then plays polls every second and an incremental
    // sync every 4 s, as the config says.
    assert!(
        wait_until(Duration::from_secs(60), || runs(&db, "full") >= 1).await,
        "the daemon's first sync did not finish"
    );
    sim.reset_stats();
    let polled_at = Instant::now();
    assert!(
        wait_until(Duration::from_secs(20), || runs(&db, "plays") >= 3
            && runs(&db, "incremental") >= 1)
        .await,
        "after {:?}: {} plays polls and {} incremental syncs",
        polled_at.elapsed(),
        runs(&db, "plays"),
        runs(&db, "incremental")
    );
    let stats = sim.stats();
    assert!(
        stats.endpoint("GET /v1/me/player/recently-played") >= 3,
        "{stats:#?}"
    );

    let status = env
        .run(&["--db", &db.display().to_string(), "status"])
        .await;
    assert!(
        status.stdout.contains("Daemon: running"),
        "{}",
        status.stdout
    );

    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().unwrap().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let exit = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("the daemon stops promptly on SIGTERM")
        .unwrap();
    let stderr = stderr_task.await.unwrap();
    let text = String::from_utf8_lossy(&stderr).into_owned();
    env.record(&Run {
        code: exit.code().unwrap_or(-1),
        stdout: String::new(),
        stderr: text.clone(),
    });
    assert_eq!(exit.code(), Some(0), "{text}");
    assert!(text.contains("every 4s"), "the schedule is logged: {text}");
    assert!(text.contains("Starting plays sync"), "{text}");
    assert!(
        !stderr.contains(&0x1b),
        "colour codes in a piped stderr: {text:?}"
    );

    let status = env
        .run(&["--db", &db.display().to_string(), "status"])
        .await;
    assert!(
        status.stdout.contains("Daemon: stopped; last success"),
        "{}",
        status.stdout
    );
    env.assert_no_token_leaked();
    sim.shutdown().await;
}
