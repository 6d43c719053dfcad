//! Export of what is not a spotsync database: refused, the file untouched, no request sent.

use crate::common::*;
use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_what_is_not_a_spotsync_database() {
    let sim = start_sim(sim_options(10, spotsync::cli::SimMode::Dev)).await;
    let env = Env::new(1000);
    // No database yet.
    let out = export(&env, &sim, &["--format", "csv"]).await;
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("run `spotsync sync` first"),
        "{}",
        out.stderr
    );
    assert!(!env.db.exists(), "no database created");

    // Another application's SQLite file (unversioned, then versioned), and a text file:
    // refused, byte-identical.
    let c = rusqlite::Connection::open(&env.db).unwrap();
    c.execute_batch("CREATE TABLE history (url TEXT); INSERT INTO history VALUES ('x');")
        .unwrap();
    drop(c);
    let before = std::fs::read(&env.db).unwrap();
    let out = export(&env, &sim, &["--format", "csv"]).await;
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("not a spotsync database"),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read(&env.db).unwrap(), before);
    std::fs::remove_file(&env.db).unwrap();
    let c = rusqlite::Connection::open(&env.db).unwrap();
    c.execute_batch(
        "CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT);
         INSERT INTO moz_places (url) VALUES ('https://example.com/');
         PRAGMA user_version = 7;",
    )
    .unwrap();
    drop(c);
    let before = std::fs::read(&env.db).unwrap();
    let out = export(&env, &sim, &["--format", "json", "--out", "-"]).await;
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("not a spotsync database"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read(&env.db).unwrap(), before);

    std::fs::write(&env.db, b"my notes\n".repeat(100)).unwrap();
    let out = export(&env, &sim, &["--format", "csv"]).await;
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("not a spotsync database"),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read(&env.db).unwrap(), b"my notes\n".repeat(100));
    assert_eq!(sim.stats().total, 0);
}
