//! The file at `--db`, through the real binary: what is not a database of ours is refused by
//! every command with words that say so, and nothing is created beside it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_spotsync");

/// The commands that open the database (sync gets a token and an API nobody listens on: it
/// must stop at the database, before any request).
const COMMANDS: &[&[&str]] = &[
    &["status"],
    &["history"],
    &["changes"],
    &["plan"],
    &["sync"],
    &["export", "--format", "csv"],
];

fn run(home: &Path, db: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .arg("--db")
        .arg(db)
        .current_dir(home)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("SPOTSYNC_ACCESS_TOKEN", "a-token")
        .env("SPOTSYNC_API_URL", "http://127.0.0.1:9/v1/")
        .env("SPOTSYNC_ACCOUNTS_URL", "http://127.0.0.1:9/")
        .env_remove("SPOTSYNC_DB")
        .env_remove("SPOTSYNC_CONFIG")
        .env_remove("SPOTIFY_CLIENT_ID")
        .output()
        .unwrap()
}

/// Every command refuses `db`, saying `want`; nothing but `keep` is left in its folder.
fn refused_by_every_command(home: &Path, db: &Path, want: &str, keep: &[&str]) {
    for args in COMMANDS {
        let out = run(home, db, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("is not a spotsync database"),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains(want), "{args:?}: {stderr}");
        assert!(!stderr.contains("I/O error"), "{args:?}: {stderr}");
        assert!(!stderr.contains("rusqlite_migration"), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("18446744073709551615"),
            "{args:?}: {stderr}"
        );
        let mut left: Vec<_> = std::fs::read_dir(db.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, keep, "{args:?}");
    }
}

/// `--db /dev/null` (a link to it in a folder of the test's own, so that nothing this test
/// could cause lands in /dev): "not a database", no `.lock` beside it.
#[cfg(unix)]
#[test]
fn dev_null_is_not_a_database() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spotsync.db");
    std::os::unix::fs::symlink("/dev/null", &db).unwrap();
    refused_by_every_command(
        home.path(),
        &db,
        "it is a character device, not a regular file",
        &["spotsync.db"],
    );
}

/// A database of ours whose schema number reads -1: said to be damaged, left as it was.
#[test]
fn a_negative_schema_number_is_said_to_be_damaged() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spotsync.db");
    drop(spotsync::store::Store::open(&db).unwrap());
    std::fs::remove_file(spotsync::store::lock_path(&db)).unwrap();
    let c = rusqlite::Connection::open(&db).unwrap();
    c.pragma_update(None, "journal_mode", "DELETE").unwrap();
    c.pragma_update(None, "user_version", -1).unwrap();
    drop(c);
    let before = std::fs::read(&db).unwrap();
    refused_by_every_command(
        home.path(),
        &db,
        "its schema number (-1) is damaged or unknown",
        &["spotsync.db"],
    );
    assert_eq!(std::fs::read(&db).unwrap(), before);
}
