//! The store against real SQLite files: the lock, foreign files, our mark, typed reads.

use super::*;

#[test]
fn second_writer_is_refused_and_reader_works() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let _a = Store::open(&db).unwrap();
    match Store::open(&db) {
        Err(StoreError::Locked(p)) => assert_eq!(p, db),
        other => panic!("expected Locked, got {other:?}"),
    }
    assert!(open_read_only(&db).unwrap().is_some());
}

#[test]
fn non_sqlite_file_is_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notes.txt");
    let content = b"my precious notes, not a database\n".repeat(40);
    std::fs::write(&db, &content).unwrap();
    let err = Store::open(&db).unwrap_err();
    assert!(matches!(err, StoreError::NotADatabase { .. }), "{err}");
    assert!(err.to_string().contains("not a spotsync database"));
    assert_eq!(std::fs::read(&db).unwrap(), content);
    assert!(open_read_only(&db).is_err());
}

#[test]
fn reopen_keeps_schema() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    drop(Store::open(&db).unwrap());
    let s = Store::open(&db).unwrap();
    let mode: String = s
        .conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = s
        .conn
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1);
}

fn app_id(path: &Path) -> i32 {
    Connection::open(path)
        .unwrap()
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .unwrap()
}

#[test]
fn new_databases_are_marked_as_ours() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    drop(Store::open(&db).unwrap());
    assert_eq!(app_id(&db), APPLICATION_ID);
    assert!(Reader::open(&db).unwrap().is_some());
}

#[test]
fn an_earlier_unmarked_spotsync_database_is_recognised_and_marked() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    drop(Store::open(&db).unwrap());
    Connection::open(&db)
        .unwrap()
        .pragma_update(None, "application_id", 0)
        .unwrap();
    assert_eq!(app_id(&db), 0);
    // Readers accept it as it is; the writer marks it.
    assert!(Reader::open(&db).unwrap().is_some());
    assert_eq!(app_id(&db), 0);
    drop(Store::open(&db).unwrap());
    assert_eq!(app_id(&db), APPLICATION_ID);
}

#[test]
fn an_empty_sqlite_file_becomes_ours() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    // A valid SQLite file without any table (as `sqlite3 x.db 'VACUUM'` leaves).
    Connection::open(&db)
        .unwrap()
        .execute_batch("CREATE TABLE t (x); DROP TABLE t;")
        .unwrap();
    assert!(Reader::open(&db).unwrap().is_none(), "no spotsync data yet");
    drop(Store::open(&db).unwrap());
    assert_eq!(app_id(&db), APPLICATION_ID);
}

#[test]
fn another_applications_database_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    // Unmarked, with tables that are not ours.
    let history = dir.path().join("History");
    Connection::open(&history)
        .unwrap()
        .execute_batch(
            "CREATE TABLE urls (id INTEGER PRIMARY KEY, url TEXT);
             CREATE TABLE visits (id INTEGER PRIMARY KEY, url INTEGER);
             INSERT INTO urls (url) VALUES ('https://example.org/');
             INSERT INTO visits (url) VALUES (1);",
        )
        .unwrap();
    // Marked by another application, even without tables.
    let marked = dir.path().join("other.db");
    let c = Connection::open(&marked).unwrap();
    c.pragma_update(None, "application_id", 0x0f05_5112)
        .unwrap();
    c.execute_batch("CREATE TABLE t (x); DROP TABLE t;")
        .unwrap();
    drop(c);
    for db in [&history, &marked] {
        let before = std::fs::read(db).unwrap();
        let errors = [
            Store::open(db).unwrap_err(),
            Reader::open(db).unwrap_err(),
            open_side_writer(db).unwrap_err(),
        ];
        for err in errors {
            assert!(matches!(err, StoreError::NotADatabase { .. }), "{err}");
            let text = err.to_string();
            assert!(text.contains(&db.display().to_string()), "{text}");
            assert!(text.contains("not a spotsync database"), "{text}");
        }
        assert_eq!(std::fs::read(db).unwrap(), before);
        assert!(!lock_path(db).exists(), "no lock file left beside it");
    }
    let err = Store::open(&history).unwrap_err().to_string();
    assert!(err.contains("urls, visits"), "{err}");
}

#[test]
fn unknown_stored_values_are_errors_not_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let mut s = Store::open(&db).unwrap();
    let now = Utc::now();
    let run = s
        .transaction(|tx| {
            tx.create_run(
                crate::domain::RunKind::Full,
                &[crate::domain::Phase::Tracks],
                now,
            )
        })
        .unwrap();
    assert!(s.sql().last_run().unwrap().is_some());
    assert!(
        s.sql()
            .phase(crate::domain::Phase::Tracks)
            .unwrap()
            .is_some()
    );
    let raw = Connection::open(&db).unwrap();
    raw.execute(
        "UPDATE sync_history SET status = 'finished' WHERE id = ?1",
        [run],
    )
    .unwrap();
    let err = s.sql().last_run().unwrap_err().to_string();
    assert!(err.contains("unknown run status \"finished\""), "{err}");
    raw.execute(
        "UPDATE sync_history SET status = 'success', kind = 'weekly'",
        [],
    )
    .unwrap();
    assert!(s.sql().history(5).is_err());
    raw.execute("UPDATE sync_history SET kind = 'full'", [])
        .unwrap();
    assert_eq!(s.sql().history(5).unwrap().len(), 1);
    raw.execute("UPDATE sync_state SET cursor = 'sideways'", [])
        .unwrap();
    assert!(s.sql().phase(crate::domain::Phase::Tracks).is_err());
    raw.execute(
        "INSERT INTO capabilities (name, value, detected_at) VALUES ('extended_quota', 'maybe', ?1)",
        [ts(now)],
    )
    .unwrap();
    assert!(
        s.sql()
            .capability(crate::domain::Capability::ExtendedQuota)
            .is_err()
    );
    raw.execute(
        "INSERT INTO library_changes (changed_at, sync_history_id, entity_type, entity_id, change)
         VALUES (?1, ?2, 'saved_track', 't1', 'moved')",
        rusqlite::params![ts(now), run],
    )
    .unwrap();
    assert!(
        s.sql()
            .changes(&journal::ChangeFilter {
                limit: 10,
                ..Default::default()
            })
            .is_err()
    );
}

#[test]
fn journal_rows_take_the_engines_time() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let mut s = Store::open(&db).unwrap();
    let now = Utc::now();
    let run = s
        .transaction(|tx| {
            tx.create_run(
                crate::domain::RunKind::Full,
                &[crate::domain::Phase::Tracks],
                now,
            )
        })
        .unwrap();
    Connection::open(&db)
        .unwrap()
        .execute("INSERT INTO tracks (id, name) VALUES ('t1', 'One')", [])
        .unwrap();
    // A clock far from the wall clock: journal rows must carry it, not SQL's `now`.
    let at = "2031-05-06T07:08:09Z";
    let j = library::Journal { run: Some(run), at };
    s.transaction(|tx| {
        tx.upsert_saved("t1", Some("2026-01-01T00:00:00Z"), run, j)?;
        tx.mark_removed(&["t1".to_string()], at, j)
    })
    .unwrap();
    let rows = s
        .sql()
        .changes(&journal::ChangeFilter {
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.changed_at == at), "{rows:?}");
}

#[test]
fn the_library_lists_migration_keeps_checkpoints_and_allows_skipped() {
    use crate::domain::{Checkpoint, Cursor, Phase, PhaseStatus};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    {
        // A database at an earlier schema (3 migrations), mid-run.
        let mut c = Connection::open(&db).unwrap();
        super::schema::migrations().to_version(&mut c, 3).unwrap();
        c.execute_batch(
            "INSERT INTO sync_history (kind, started_at, status, phases)
             VALUES ('full', '2026-11-20T12:00:00Z', 'paused', '[\"tracks\"]');
             INSERT INTO sync_state (state_key, sync_history_id, entity_type, current_offset,
                                     total_items, items_processed, status, created_at,
                                     updated_at, cursor)
             VALUES ('tracks', 1, 'tracks', 150, 400, 150, 'paused', '2026-11-20T12:00:00Z',
                     '2026-11-20T12:00:00Z', 'incremental');",
        )
        .unwrap();
    }
    let s = Store::open(&db).unwrap();
    let row = s
        .sql()
        .phase(Phase::Tracks)
        .unwrap()
        .expect("the checkpoint survives");
    assert_eq!(
        row.checkpoint,
        Checkpoint {
            current_offset: 150,
            total_items: Some(400),
            items_processed: 150,
            cursor: Some(Cursor::Incremental),
            after: None,
        }
    );
    assert_eq!(row.status, PhaseStatus::Paused);
    s.sql()
        .set_phase_status(
            Phase::Tracks,
            PhaseStatus::Skipped,
            Some("no scope"),
            chrono::Utc::now(),
        )
        .unwrap();
    let row = s.sql().phase(Phase::Tracks).unwrap().unwrap();
    assert_eq!(row.status, PhaseStatus::Skipped);
    for table in [
        "saved_albums",
        "followed_artists",
        "saved_shows",
        "top_items",
    ] {
        let n: i64 = s
            .conn
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0, "{table} exists, empty");
    }
}

/// `--db /dev/null` (here a link to it, so no lock file can land in /dev) and a named pipe:
/// refused as not a database before anything is created beside them, by the writer, the
/// readers and the daemon's side writer alike.
#[cfg(unix)]
#[test]
fn a_device_or_a_pipe_is_refused_before_anything_is_created_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let null = dir.path().join("null.db");
    std::os::unix::fs::symlink("/dev/null", &null).unwrap();
    let pipe = dir.path().join("pipe.db");
    let made = std::process::Command::new("mkfifo")
        .arg(&pipe)
        .status()
        .unwrap();
    assert!(made.success());
    for (db, kind) in [(&null, "a character device"), (&pipe, "a pipe")] {
        let errors = [
            Store::open(db).unwrap_err(),
            Reader::open(db).unwrap_err(),
            open_side_writer(db).unwrap_err(),
        ];
        for err in errors {
            assert!(matches!(err, StoreError::NotADatabase { .. }), "{err}");
            let text = err.to_string();
            assert!(text.contains("not a spotsync database"), "{text}");
            assert!(
                text.contains(&format!("it is {kind}, not a regular file")),
                "{text}"
            );
        }
    }
    let mut beside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    beside.sort();
    assert_eq!(beside, ["null.db", "pipe.db"]);
}

/// A schema number SQLite reads as negative is no schema of ours: named as such, not as a
/// schema from the future numbered 18446744073709551615, and the file is left as it was.
#[test]
fn a_negative_schema_number_is_named_as_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    drop(Store::open(&db).unwrap());
    Connection::open(&db)
        .unwrap()
        .pragma_update(None, "user_version", -1)
        .unwrap();
    let before = std::fs::read(&db).unwrap();
    for err in [
        Store::open(&db).unwrap_err(),
        Reader::open(&db).unwrap_err(),
    ] {
        assert!(matches!(err, StoreError::NotADatabase { .. }), "{err}");
        let text = err.to_string();
        assert!(text.contains("schema number (-1) is damaged"), "{text}");
        assert!(!text.contains("18446744073709551615"), "{text}");
    }
    assert_eq!(std::fs::read(&db).unwrap(), before);
    // Unmarked (an earlier spotsync's tables), the same.
    Connection::open(&db)
        .unwrap()
        .pragma_update(None, "application_id", 0)
        .unwrap();
    let text = Reader::open(&db).unwrap_err().to_string();
    assert!(text.contains("schema number (-1) is damaged"), "{text}");
}

#[test]
fn reader_read_answers_the_default_without_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let gaps = Reader::read(&db, |q| q.play_gaps(5)).unwrap();
    assert!(gaps.is_empty());
    assert!(!db.exists(), "reading creates nothing");
    let mut s = Store::open(&db).unwrap();
    s.transaction(|tx| {
        tx.exec(
            "INSERT INTO play_gaps (after, before, detected_at) VALUES (NULL, ?1, ?1)",
            ["2026-01-01T00:00:00Z"],
        )
    })
    .unwrap();
    let gaps = Reader::read(&db, |q| q.play_gaps(5)).unwrap();
    assert_eq!(gaps.len(), 1);
    assert_eq!(gaps[0].before, "2026-01-01T00:00:00Z");
}
