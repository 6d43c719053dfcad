//! A malformed file among good ones, personal data kept out, a killed or interrupted import
//! restarted without duplicates, exit codes.

use std::time::{Duration, Instant};

use crate::common::*;
use crate::generate;

#[test]
fn malformed_files_are_named_and_the_others_still_import() {
    let env = Env::new();
    let q = write_quirky_export(env.dir.path());
    let ext = q.folder.join("Spotify Extended Streaming History");
    // Cut short after two rows; a value of the wrong type; not an array at all.
    let good = std::fs::read_to_string(&q.audio).unwrap();
    let cut = good
        .split("\"ts\"")
        .take(3)
        .collect::<Vec<_>>()
        .join("\"ts\"");
    std::fs::write(
        ext.join("Streaming_History_Audio_2021_1.json"),
        &cut[..cut.len() - 40],
    )
    .unwrap();
    std::fs::write(
        ext.join("endsong_1.json"),
        r#"[{"ts":"2018-01-01T00:00:00Z","ms_played":"lots","spotify_track_uri":"spotify:track:x"}]"#,
    )
    .unwrap();
    std::fs::write(
        ext.join("Streaming_History_Video_2021.json"),
        r#"{"ts": 1}"#,
    )
    .unwrap();

    let (code, summary, stderr) = env.import(&[&q.folder]);
    assert_eq!(code, 1, "exit 1 when a file failed: {stderr}");
    assert_eq!(summary["failed"], 3, "{summary:#}");
    for (file, what) in [
        ("Streaming_History_Audio_2021_1.json", "cut short"),
        ("endsong_1.json", "expected a number, found \"lots\""),
        ("Streaming_History_Video_2021.json", "JSON array"),
    ] {
        let line = stderr
            .lines()
            .find(|l| l.contains(file))
            .unwrap_or_else(|| panic!("no error line for {file}: {stderr}"));
        assert!(line.contains(what), "{line}");
        assert!(line.contains("line "), "says where: {line}");
    }
    // Everything else imported as if the bad files were not there (the cut file's complete rows
    // are the same plays as the good file's first two, so they add nothing).
    assert_eq!(env.by_source(), (0, QUIRKY_EXTENDED, QUIRKY_ACCOUNT_ONLY));
    // A fixed file imports on the next run; what is stored stays.
    std::fs::remove_file(ext.join("endsong_1.json")).unwrap();
    std::fs::remove_file(ext.join("Streaming_History_Video_2021.json")).unwrap();
    std::fs::remove_file(ext.join("Streaming_History_Audio_2021_1.json")).unwrap();
    let (code, summary, _) = env.import(&[&q.folder]);
    assert_eq!(code, 0);
    assert_eq!(summary["added"], 0);
}

#[test]
fn paths_that_hold_no_export_fail_clearly() {
    let env = Env::new();
    let missing = env.path("nowhere.zip");
    let (code, summary, stderr) = env.import(&[&missing]);
    assert_eq!(code, 1);
    assert!(stderr.contains("nowhere.zip: cannot read it"), "{stderr}");
    assert_eq!(summary["failed"], 1);
    let other = env.path("notes.txt");
    std::fs::write(&other, "hello").unwrap();
    let (code, _, stderr) = env.import(&[&other]);
    assert_eq!(code, 1);
    assert!(stderr.contains("no export file found"), "{stderr}");
    let fake_zip = env.path("broken.zip");
    std::fs::write(&fake_zip, b"PK\x03\x04 not really").unwrap();
    let (code, _, stderr) = env.import(&[&fake_zip]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("broken.zip: not a readable zip archive"),
        "{stderr}"
    );
    // No PATH at all is a command-line error.
    assert_eq!(env.run(&["import"]).status.code(), Some(2));
}

#[test]
fn ip_addresses_and_user_agents_never_reach_the_database() {
    let env = Env::new();
    let q = write_quirky_export(env.dir.path());
    let gen_dir = env.path("gen");
    generate::write_history(&gen_dir, 300);
    let (code, _, stderr) = env.import(&[&q.zip, &gen_dir]);
    assert_eq!(code, 0, "{stderr}");
    // The planted values were in the files...
    let audio = std::fs::read(&q.audio).unwrap();
    assert!(contains(&audio, PLANTED_IP) && contains(&audio, PLANTED_UA));
    // ...and are nowhere in the database's bytes, nor in any column.
    let bytes = env.db_bytes();
    assert!(bytes.len() > 10_000);
    for needle in [
        PLANTED_IP,
        PLANTED_IP_OLD,
        PLANTED_UA,
        generate::GEN_IP,
        "203.0.113.",
    ] {
        assert!(!contains(&bytes, needle), "{needle} found in the database");
    }
    let cols: Vec<String> = env
        .open()
        .prepare("SELECT name FROM pragma_table_info('plays')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(
        cols.iter()
            .all(|c| !c.starts_with("ip") && !c.contains("agent")),
        "{cols:?}"
    );
    // The same holds for the JSON summary and status output.
    let out = env.run(&["status", "--json"]);
    assert!(!contains(&out.stdout, "203.0.113."));
}

fn plays(env: &Env) -> i64 {
    match rusqlite::Connection::open_with_flags(&env.db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    {
        Ok(c) => c
            .query_row("SELECT COUNT(*) FROM plays", [], |r| r.get(0))
            .unwrap_or(0),
        Err(_) => 0,
    }
}

/// Start an import of `dir`, wait until some plays are committed (polling the database), then
/// send `signal`; returns the exit status and the plays stored right after.
fn interrupt(env: &Env, dir: &std::path::Path, signal: &str, total: i64) -> (Option<i32>, i64) {
    let mut child = env.cmd(&["import", dir.to_str().unwrap()]).spawn().unwrap();
    let start = plays(env);
    let deadline = Instant::now() + Duration::from_secs(120);
    while plays(env) <= start {
        assert!(Instant::now() < deadline, "no progress");
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before the signal"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let pid = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
    let after = plays(env);
    assert!(
        after < total,
        "the {signal} landed after the import finished ({after} of {total}): make the export bigger"
    );
    (status.code(), after)
}

#[test]
fn killed_or_interrupted_import_restarts_without_duplicates() {
    let env = Env::new();
    let dir = env.path("big");
    // Four transactions' worth: a kill lands after the first commit, Ctrl-C after the second.
    let total = 4 * spotsync_core::import::write::TX_ROWS as i64;
    generate::write_history(&dir, total as u64);
    // A first plain import creates the database, so the kill lands in the rows.
    let (code, ..) = env.import(&[&generate::write_history(&env.path("one"), 1)[0]]);
    assert_eq!(code, 0);

    let (code, after_kill) = interrupt(&env, &dir, "-KILL", total + 1);
    assert_eq!(code, None, "killed");
    assert!(after_kill > 1);
    // A first import builds the indexes by track and by artist name after its rows: killed in
    // the rows, it left them unbuilt, and readers still answer.
    assert!(
        plays_indexes(&env) < DEFERRED_INDEXES,
        "the kill left them unbuilt"
    );
    let out = env.run(&["status", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The next open of the store builds them, and keeps the rows.
    drop(spotsync::store::Store::open(&env.db).unwrap());
    assert_eq!(plays_indexes(&env), DEFERRED_INDEXES);
    assert_eq!(plays(&env), after_kill);
    let (code, after_int) = interrupt(&env, &dir, "-INT", total + 1);
    assert_eq!(code, Some(130), "Ctrl-C stops at a batch boundary with 130");
    assert!(after_int < total, "stopped before the end");
    assert!(after_int >= after_kill);
    // Interrupted, the import built what it deferred before it ended.
    assert_eq!(plays_indexes(&env), DEFERRED_INDEXES);

    let (code, summary, stderr) = env.import(&[&dir]);
    assert_eq!(code, 0, "{stderr}");
    // (The one-row export was the big one's first row: the same play.)
    assert_eq!(plays(&env), total, "{summary:#}");
    assert_eq!(
        summary["added"].as_i64().unwrap() + summary["known"].as_i64().unwrap(),
        total
    );
    assert_eq!(
        env.count("SELECT COUNT(DISTINCT extended_key) FROM plays"),
        total
    );
    assert_eq!(plays_indexes(&env), DEFERRED_INDEXES);

    // The same rows as one uninterrupted import of the same files.
    let whole = Env::new();
    assert_eq!(whole.import(&[&env.path("one")]).0, 0);
    assert_eq!(whole.import(&[&dir]).0, 0);
    assert_eq!(plays_indexes(&whole), DEFERRED_INDEXES);
    let (a, b) = (stored_plays(&env), stored_plays(&whole));
    assert_eq!(a.len(), b.len());
    assert!(a == b, "the resumed import stored other rows");
}

/// The indexes of `plays` a first import builds at its end.
const DEFERRED_INDEXES: i64 = 2;

/// How many of them the database holds.
fn plays_indexes(env: &Env) -> i64 {
    env.count(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name IN
         ('plays_track', 'plays_artist_name')",
    )
}

/// Every play's columns but its row id, in the order of the extended history's key.
fn stored_plays(env: &Env) -> Vec<Vec<rusqlite::types::Value>> {
    let conn = env.open();
    let mut st = conn
        .prepare("SELECT * FROM plays ORDER BY extended_key, account_key, played_at")
        .unwrap();
    let n = st.column_count();
    st.query_map([], |r| (1..n).map(|i| r.get(i)).collect())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn a_second_writer_is_refused_with_exit_4() {
    let env = Env::new();
    let q = write_quirky_export(env.dir.path());
    assert_eq!(env.import(&[&q.audio]).0, 0);
    let _lock = spotsync::store::Store::open(&env.db).unwrap();
    let out = env.run(&["import", q.audio.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("another spotsync is using"));
}
