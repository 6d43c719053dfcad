//! Every printing command whose reader goes away (`spotsync status | head -1`) exits quietly,
//! with the code it would have had: no panic, no backtrace, no complaint.

use std::time::Duration;

use crate::common::*;

/// One export file of the listening history (Spotify's extended streaming history shape).
fn write_history_file(dir: &std::path::Path) -> std::path::PathBuf {
    let rows: Vec<serde_json::Value> = (0..3)
        .map(|i| {
            serde_json::json!({
                "ts": format!("2024-05-0{}T10:00:00Z", i + 1),
                "ms_played": 200_000,
                "master_metadata_track_name": format!("Song {i}"),
                "master_metadata_album_artist_name": "Band",
                "master_metadata_album_album_name": "Album",
                "spotify_track_uri": format!("spotify:track:{:022}", i),
            })
        })
        .collect();
    let path = dir.join("Streaming_History_Audio_2024_0.json");
    std::fs::write(&path, serde_json::to_vec(&rows).unwrap()).unwrap();
    path
}

/// `args` with stdout read to the end, then with stdout closed before the first line.
fn run_both_ways(home: &Home, token: &str, args: &[&str]) {
    let mut read = home.command(args);
    read.env("SPOTSYNC_ACCESS_TOKEN", token);
    let read = finish(read);
    assert_no_panic(&read);

    let mut closed = home.command(args);
    closed.env("SPOTSYNC_ACCESS_TOKEN", token);
    let mut child = closed.spawn().unwrap();
    // The reader goes away before the binary has written anything.
    drop(child.stdout.take());
    let closed = wait_bounded(child, Duration::from_secs(120));
    assert_no_panic(&closed);
    assert_eq!(
        closed.code, read.code,
        "{args:?} with stdout closed: {closed:?}\nread: {read:?}"
    );
    assert!(
        !closed.stderr.contains("stdout"),
        "{args:?}: a reader that went away is no error: {closed:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_printing_command_exits_quietly_when_stdout_closes() {
    let sim = start_sim(30).await;
    let token = sim.issue_token();
    let home = Home::with_sim(&sim);
    tokio::task::spawn_blocking(move || {
        let mut sync = home.command(&["sync"]);
        sync.env("SPOTSYNC_ACCESS_TOKEN", &token);
        let synced = finish(sync);
        assert_eq!(synced.code, Some(0), "{synced:?}");
        let history = write_history_file(home.dir.path());
        let history = history.to_str().unwrap();
        let commands: &[&[&str]] = &[
            &["status"],
            &["status", "--json"],
            &["history"],
            &["history", "--json"],
            &["changes"],
            &["changes", "--json"],
            &["plan", "--no-probe"],
            &["plan", "--no-probe", "--json"],
            &["plan"],
            &["sync", "--dry-run"],
            &["sync", "--dry-run", "--json"],
            &["sync", "--json", "--only", "plays"],
            &["auth", "status"],
            &["auth", "status", "--json"],
            &["logout"],
            &["import", history],
            &["import", "--json", history],
            &["export", "liked", "--format", "csv", "--out", "-"],
            &["export", "--format", "csv,json"],
            &[
                "export",
                "--format",
                "json",
                "--json",
                "--out",
                "json-export",
            ],
        ];
        for args in commands {
            run_both_ways(&home, &token, args);
        }
        // Without a token: the commands that then answer exit 3 still do.
        run_both_ways(&home, "", &["auth", "status"]);
    })
    .await
    .unwrap();
}

#[test]
fn a_full_disk_behind_stdout_is_an_error() {
    let home = Home::new();
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // no /dev/full on this system
    };
    let mut c = home.command(&["status"]);
    c.stdout(full);
    let run = finish(c);
    assert_no_panic(&run);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stderr.contains("cannot write to stdout"), "{run:?}");
}
