//! Export figures for a 100,000-track database:
//!
//! 1. per format: load (read the library in one read transaction) + render (rows → bytes) +
//!    atomic write into a temporary directory, in this process;
//! 2. the real binary, every format at once, now and `--as-of`, with `--api-url` pointing at a
//!    listener of this bench that must see no connection (the command never opens one).
//!
//! The database is built by inserting rows directly (a synced library's shape: saved tracks,
//! albums, artists with credits, 50 playlists of 2,000 items, 50 plays, one stored version per
//! playlist). Run: `cargo bench --bench export` (release). Prints one line per figure.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a bench may fail loudly

use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use rusqlite::params;
use spotsync::store::Store;
use spotsync_core::export::{self, Format, Selection};

const TRACKS: usize = 100_000;
const ALBUMS: usize = 10_000;
const ARTISTS: usize = 3_000;
const PLAYLISTS: usize = 50;
const ITEMS_PER_PLAYLIST: usize = 2_000;

fn id(prefix: &str, n: usize) -> String {
    format!("{prefix}{n:0>21}")
}

fn build(db: &Path) {
    // The store creates the schema; rows go in over a plain connection.
    drop(Store::open(db).unwrap());
    let conn = rusqlite::Connection::open(db).unwrap();
    let c = &conn;
    c.execute_batch("BEGIN").unwrap();
    {
        let mut artist = c
            .prepare("INSERT INTO artists (id, name, uri, genres, enriched_at) VALUES (?1, ?2, ?3, '[]', '2026-11-01T00:00:00Z')")
            .unwrap();
        for a in 0..ARTISTS {
            let aid = id("a", a);
            artist
                .execute(params![
                    aid,
                    format!("Artist {a}, the \"{a}\""),
                    format!("spotify:artist:{aid}")
                ])
                .unwrap();
        }
        let mut album = c
            .prepare(
                "INSERT INTO albums (id, name, album_type, release_date, total_tracks, uri, images)
                 VALUES (?1, ?2, 'album', '2001-02-03', 10, ?3, ?4)",
            )
            .unwrap();
        let mut album_artist = c
            .prepare("INSERT INTO album_artists (album_id, artist_id, position) VALUES (?1, ?2, 0)")
            .unwrap();
        for b in 0..ALBUMS {
            let bid = id("b", b);
            album
                .execute(params![
                    bid,
                    format!("Album {b}"),
                    format!("spotify:album:{bid}"),
                    format!("[{{\"url\":\"https://i.scdn.co/image/{bid}\",\"height\":640,\"width\":640}}]")
                ])
                .unwrap();
            album_artist
                .execute(params![bid, id("a", b % ARTISTS)])
                .unwrap();
        }
        let mut track = c
            .prepare(
                "INSERT INTO tracks (id, name, album_id, duration_ms, explicit, disc_number,
                                     track_number, isrc, uri)
                 VALUES (?1, ?2, ?3, ?4, 0, 1, ?5, ?6, ?7)",
            )
            .unwrap();
        let mut credit = c
            .prepare(
                "INSERT INTO track_artists (track_id, artist_id, position) VALUES (?1, ?2, ?3)",
            )
            .unwrap();
        let mut saved = c
            .prepare("INSERT INTO saved_tracks (track_id, added_at, last_seen_run_id) VALUES (?1, ?2, 1)")
            .unwrap();
        for t in 0..TRACKS {
            let tid = id("t", t);
            track
                .execute(params![
                    tid,
                    format!("Track {t}: ünïcødé, \"quoted\""),
                    id("b", t % ALBUMS),
                    120_000 + (t as i64 * 7919) % 240_000,
                    (t % 12 + 1) as i64,
                    format!("USX{t:0>9}"),
                    format!("spotify:track:{tid}")
                ])
                .unwrap();
            credit
                .execute(params![tid, id("a", t % ARTISTS), 0])
                .unwrap();
            if t % 3 == 0 {
                credit
                    .execute(params![tid, id("a", (t + 1) % ARTISTS), 1])
                    .unwrap();
            }
            let added = chrono::DateTime::from_timestamp(1_700_000_000 + t as i64 * 60, 0).unwrap();
            saved
                .execute(params![tid, spotsync::store::ts(added)])
                .unwrap();
        }
        let mut playlist = c
            .prepare(
                "INSERT INTO playlists (id, name, owner_id, snapshot_id, items_status, uri,
                                        list_position, items_snapshot_id, items_synced_at)
                 VALUES (?1, ?2, 'me', 's1', 'synced', ?3, ?4, 's1', '2026-11-01T00:00:00Z')",
            )
            .unwrap();
        let mut item = c
            .prepare(
                "INSERT INTO playlist_items (playlist_id, position, item_type, track_id, uri, name,
                                             added_at, added_by)
                 VALUES (?1, ?2, 'track', ?3, ?4, NULL, '2026-10-01T00:00:00Z', 'me')",
            )
            .unwrap();
        for p in 0..PLAYLISTS {
            let pid = id("p", p);
            playlist
                .execute(params![
                    pid,
                    format!("Playlist {p} / mix"),
                    format!("spotify:playlist:{pid}"),
                    p as i64
                ])
                .unwrap();
            for i in 0..ITEMS_PER_PLAYLIST {
                let t = (p * 7919 + i * 13) % TRACKS;
                let tid = id("t", t);
                item.execute(params![pid, i as i64, tid, format!("spotify:track:{tid}")])
                    .unwrap();
            }
        }
        let mut play = c
            .prepare(
                "INSERT INTO plays (played_at, source, api_played_at, track_id)
                 VALUES (?1, 'api', ?1, ?2)",
            )
            .unwrap();
        for n in 0..50 {
            play.execute(params![
                format!("2026-11-20T10:{n:02}:00.000Z"),
                id("t", n * 17)
            ])
            .unwrap();
        }
    }
    c.execute_batch("COMMIT").unwrap();
    drop(conn);
    // Each playlist's items as its first stored version, as a sync records them.
    let mut store = Store::open(db).unwrap();
    store
        .transaction(|tx| {
            for p in 0..PLAYLISTS {
                tx.record_playlist_version(&id("p", p), "2026-11-01T00:00:00Z")?;
            }
            Ok(())
        })
        .unwrap();
}

fn all() -> Selection {
    Selection {
        liked: true,
        playlists: true,
        albums: true,
        artists: true,
        plays: true,
        ..Selection::default()
    }
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("library.db");
    let t = Instant::now();
    build(&db);
    println!(
        "built a {TRACKS}-track database ({PLAYLISTS} playlists × {ITEMS_PER_PLAYLIST} items) in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let conn = export::open(&db).unwrap();
    let t = Instant::now();
    let lib = export::load(&conn, &all()).unwrap();
    let load = t.elapsed().as_secs_f64();
    println!("load (every section, one read transaction): {load:.2} s");
    for format in Format::ALL {
        let out = dir.path().join(format.ext());
        let t = Instant::now();
        let files = export::render(&lib, &[format]).unwrap();
        let render = t.elapsed().as_secs_f64();
        let t = Instant::now();
        export::write_atomically(&out, &files).unwrap();
        let write = t.elapsed().as_secs_f64();
        let bytes: usize = files.iter().map(|f| f.bytes.len()).sum();
        println!(
            "{:<5} {:>3} files, {:>6.1} MB: render {render:.2} s + write {write:.2} s (+ load {load:.2} s) = {:.2} s",
            format.ext(),
            files.len(),
            bytes as f64 / 1e6,
            load + render + write
        );
    }

    // The real binary: no token, the API "at" a listener that must stay untouched.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let api = format!("http://{}/v1/", listener.local_addr().unwrap());
    for as_of in [None, Some("2026-11-02")] {
        let out = dir.path().join("binary");
        let t = Instant::now();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_spotsync"));
        cmd.arg("--db")
            .arg(&db)
            .args(["--api-url", &api, "--accounts-url", &api, "--config"])
            .arg(dir.path().join("none.toml"))
            .args(["export", "--format", "csv,json,m3u8,jspf,xspf", "--out"])
            .arg(&out)
            .env_remove("SPOTSYNC_ACCESS_TOKEN");
        if let Some(d) = as_of {
            cmd.args(["--as-of", d]);
        }
        let status = cmd.output().unwrap();
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
        println!(
            "spotsync export, all five formats{}: {:.2} s",
            as_of.map(|d| format!(" --as-of {d}")).unwrap_or_default(),
            t.elapsed().as_secs_f64()
        );
    }
    let connections = std::iter::from_fn(|| listener.accept().ok()).count();
    assert_eq!(connections, 0, "the export connected to the network");
    println!("network connections made by the exports: {connections}");
}
