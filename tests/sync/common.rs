//! Shared helpers: start the simulator, run the real binary or the engine against it, and
//! compare the database with the simulator's ground truth.

#![allow(dead_code)]

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use spotsync::cli::{SimMode, SimOptions};
use spotsync::simulator::{self, LibraryTruth, RunningSim, SimConfig};
use spotsync::spotify::Credentials;
use spotsync::sync::{self, EngineOptions, RunRecord, StartMode, SyncCommand, SyncEvent};

pub const BIN: &str = env!("CARGO_BIN_EXE_spotsync");

pub fn sim_options(tracks: usize, mode: SimMode) -> SimOptions {
    SimOptions {
        tracks,
        mode,
        ..SimOptions::default()
    }
}

pub async fn start_sim(options: SimOptions) -> RunningSim {
    simulator::start(SimConfig { options }, 0)
        .await
        .expect("simulator starts")
}

/// A temp dir with a config file and XDG dirs, so the binary never touches the real home.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    pub config: PathBuf,
}

impl Env {
    pub fn new(requests_per_window: u32) -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("library.db");
        let config = dir.path().join("config.toml");
        std::fs::write(
            &config,
            format!("[sync]\nrequests_per_window = {requests_per_window}\n"),
        )
        .expect("write config");
        Env { dir, db, config }
    }

    pub fn set_config(&self, text: &str) {
        std::fs::write(&self.config, text).expect("write config");
    }

    /// The binary with the global flags pointing at `sim`.
    pub fn command(&self, sim: &RunningSim, token: &str, args: &[&str]) -> tokio::process::Command {
        let mut c = tokio::process::Command::new(BIN);
        c.arg("--db")
            .arg(&self.db)
            .arg("--api-url")
            .arg(sim.api_url())
            .arg("--accounts-url")
            .arg(sim.accounts_url())
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .env("SPOTSYNC_ACCESS_TOKEN", token)
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("XDG_STATE_HOME", self.dir.path().join("state"))
            .env("XDG_CONFIG_HOME", self.dir.path().join("cfg"))
            .env("HOME", self.dir.path())
            .env_remove("SPOTSYNC_DB")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        c
    }

    /// Run the binary to completion.
    pub async fn run(&self, sim: &RunningSim, args: &[&str]) -> Output {
        let token = sim.issue_token();
        let out = tokio::time::timeout(
            Duration::from_secs(300),
            self.command(sim, &token, args).output(),
        )
        .await
        .expect("spotsync finished within 5 minutes")
        .expect("spotsync runs");
        Output {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn open(&self) -> Connection {
        Connection::open_with_flags(&self.db, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open db read-only")
    }
}

#[derive(Debug)]
pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Run one sync through the engine API (as the TUI does) and collect its events.
pub async fn engine_sync(
    db: &Path,
    sim: &RunningSim,
    mode: StartMode,
    only: Vec<spotsync::sync::Phase>,
    requests_per_window: u32,
) -> (RunRecord, Vec<SyncEvent>) {
    let config = spotsync::config::SyncConfig {
        requests_per_window,
        ..Default::default()
    };
    let mut handle = sync::spawn(EngineOptions {
        db: db.to_owned(),
        api_url: sim.api_url(),
        accounts_url: sim.accounts_url(),
        credentials: Credentials::AccessToken(sim.issue_token()),
        config,
    })
    .await
    .expect("engine spawns");
    handle
        .commands
        .send(SyncCommand::Start { mode, only })
        .await
        .expect("send start");
    let mut events = Vec::new();
    let run = loop {
        let ev = tokio::time::timeout(Duration::from_secs(300), handle.events.recv())
            .await
            .expect("engine makes progress")
            .expect("engine sends RunFinished before stopping");
        events.push(ev.clone());
        if let SyncEvent::RunFinished { run } = ev {
            break run;
        }
    };
    handle.commands.send(SyncCommand::Shutdown).await.ok();
    handle.task.await.expect("engine task ends cleanly");
    (run, events)
}

/// Fetch the ground truth over HTTP, as any client would.
pub async fn truth(sim: &RunningSim) -> LibraryTruth {
    reqwest::get(format!("{}__sim/library", sim.base_url()))
        .await
        .expect("GET /__sim/library")
        .json()
        .await
        .expect("library truth parses")
}

/// The tracks of the top lists (any time range).
pub fn top_track_ids(t: &LibraryTruth) -> BTreeSet<String> {
    let r = &t.top_tracks;
    [&r.short_term, &r.medium_term, &r.long_term]
        .into_iter()
        .flatten()
        .cloned()
        .collect()
}

/// Whether the database's last run completed `phase`.
pub fn phase_done(c: &Connection, phase: &str) -> bool {
    state_text(c, phase, "status").as_deref() == Some("success")
}

/// Whether a playlist's items are readable by the app.
pub fn readable(p: &simulator::model::TruthPlaylist, extended: bool) -> bool {
    extended || p.items_readable_in_dev
}

/// The tracks a perfect mirror holds: saved ones and those in readable playlists.
pub fn mirrored_track_ids(t: &LibraryTruth, extended: bool) -> BTreeSet<String> {
    let mut ids: BTreeSet<String> = t.saved_tracks.iter().map(|s| s.track_id.clone()).collect();
    for p in t
        .playlists
        .iter()
        .filter(|p| p.followed && readable(p, extended))
    {
        for it in &p.items {
            if it.kind == simulator::model::ItemType::Track
                && let Some(id) = &it.id
            {
                ids.insert(id.clone());
            }
        }
    }
    ids
}

/// The minimum number of `/v1` requests for a full sync (tracks, playlists, albums, artists).
pub fn minimum_requests(t: &LibraryTruth, extended: bool) -> u64 {
    let pages = |n: usize| n.div_ceil(50) as u64;
    let followed: Vec<_> = t.playlists.iter().filter(|p| p.followed).collect();
    let mut n = 1 + pages(t.saved_tracks.len()) + pages(followed.len());
    for p in followed.iter().filter(|p| readable(p, extended)) {
        n += pages(p.items.len());
    }
    let tracks: HashMap<&str, &simulator::model::TruthTrack> =
        t.tracks.iter().map(|x| (x.id.as_str(), x)).collect();
    let mut albums = BTreeSet::new();
    let mut artists = BTreeSet::new();
    for id in mirrored_track_ids(t, extended) {
        let tr = tracks[id.as_str()];
        albums.insert(tr.album_id.clone());
        artists.extend(tr.artist_ids.iter().cloned());
    }
    let (more_artists, pages) = crate::album_lists::album_lists(t, &albums);
    artists.extend(more_artists);
    if extended {
        n + pages + albums.len().div_ceil(20) as u64 + artists.len().div_ceil(50) as u64
    } else {
        n + pages + albums.len() as u64 + artists.len() as u64
    }
}

fn opt_str(c: &Connection, sql: &str, id: &str) -> Option<String> {
    c.query_row(sql, [id], |r| r.get(0)).expect(sql)
}

/// The database equals the truth: saved tracks, tracks, playlists and items, enrichment.
pub fn assert_mirror(c: &Connection, t: &LibraryTruth, extended: bool) {
    // Saved tracks, newest first, with added_at.
    let mut st = c
        .prepare(
            "SELECT track_id, added_at FROM saved_tracks WHERE removed_at IS NULL
             ORDER BY added_at DESC",
        )
        .unwrap();
    let saved: Vec<(String, String)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let want: Vec<(String, String)> = t
        .saved_tracks
        .iter()
        .map(|s| (s.track_id.clone(), s.added_at.clone()))
        .collect();
    assert_eq!(saved.len(), want.len(), "saved track count");
    assert_eq!(saved, want, "saved tracks and added_at");

    // Every mirrored track with its attributes and artists in credit order.
    let tracks: HashMap<&str, &simulator::model::TruthTrack> =
        t.tracks.iter().map(|x| (x.id.as_str(), x)).collect();
    let mut ids = mirrored_track_ids(t, extended);
    // The lists' phases (when this database ran them) add the top tracks and saved albums.
    if phase_done(c, "top") {
        ids.extend(top_track_ids(t));
    }
    // Every album stored in full (saved, or enriched) brings its whole track list: simplified
    // tracks, without an ISRC.
    crate::album_lists::assert_album_lists(c, t);
    let listed_only: BTreeSet<String> = crate::album_lists::album_list_tracks(c, t)
        .into_iter()
        .filter(|id| !ids.contains(id))
        .collect();
    ids.extend(listed_only.iter().cloned());
    let n_tracks: i64 = c
        .query_row("SELECT COUNT(*) FROM tracks", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        n_tracks as usize,
        ids.len(),
        "tracks table holds the mirrored tracks"
    );
    let mut album_ids = BTreeSet::new();
    for id in &ids {
        let want = tracks[id.as_str()];
        type Row = (String, String, i64, i64, i64, i64, Option<String>, String);
        let row: Row = c
            .query_row(
                "SELECT name, album_id, duration_ms, explicit, disc_number, track_number, isrc, uri
                 FROM tracks WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                    ))
                },
            )
            .unwrap_or_else(|e| panic!("track {id}: {e}"));
        assert_eq!(row.0, want.name, "track {id} name");
        assert_eq!(row.1, want.album_id, "track {id} album");
        assert_eq!(row.2, want.duration_ms as i64);
        assert_eq!(row.3 != 0, want.explicit);
        assert_eq!(row.4, want.disc_number as i64);
        assert_eq!(row.5, want.track_number as i64);
        let isrc = (!listed_only.contains(id)).then_some(want.isrc.as_str());
        assert_eq!(row.6.as_deref(), isrc, "track {id} isrc");
        assert_eq!(row.7, want.uri);
        let mut st = c
            .prepare_cached(
                "SELECT artist_id FROM track_artists WHERE track_id = ?1 ORDER BY position",
            )
            .unwrap();
        let artists: Vec<String> = st
            .query_map([id], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(artists, want.artist_ids, "track {id} artists");
        album_ids.insert(want.album_id.clone());
    }

    if phase_done(c, "albums_saved") {
        album_ids.extend(t.saved_albums.iter().map(|a| a.id.clone()));
    }

    // Playlists of the user's list, with items or the reason there are none.
    let followed: Vec<_> = t.playlists.iter().filter(|p| p.followed).collect();
    let n_pl: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM playlists WHERE removed_at IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n_pl as usize, followed.len(), "playlist count");
    for p in followed {
        let (name, owner, status, snapshot, items_snapshot): (
            String,
            String,
            String,
            Option<String>,
            Option<String>,
        ) = c
            .query_row(
                "SELECT name, owner_id, items_status, snapshot_id, items_snapshot_id
                 FROM playlists WHERE id = ?1",
                [&p.id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .unwrap_or_else(|e| panic!("playlist {}: {e}", p.id));
        assert_eq!(name, p.name);
        assert_eq!(owner, p.owner_id);
        assert_eq!(snapshot.as_deref(), Some(p.snapshot_id.as_str()));
        let mut st = c
            .prepare_cached(
                "SELECT position, item_type, COALESCE(track_id, episode_id), uri, name, added_at,
                        added_by
                 FROM playlist_items WHERE playlist_id = ?1 ORDER BY position",
            )
            .unwrap();
        type Item = (
            i64,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let items: Vec<Item> = st
            .query_map([&p.id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        if readable(p, extended) {
            assert_eq!(status, "synced", "playlist {} status", p.id);
            assert_eq!(items_snapshot.as_deref(), Some(p.snapshot_id.as_str()));
            let want: Vec<Item> = p
                .items
                .iter()
                .map(|i| {
                    let kind = serde_json::to_value(i.kind)
                        .unwrap()
                        .as_str()
                        .unwrap()
                        .to_string();
                    (
                        i.position as i64,
                        kind,
                        i.id.clone(),
                        i.uri.clone(),
                        i.name.clone(),
                        i.added_at.clone(),
                        i.added_by.clone(),
                    )
                })
                .collect();
            assert_eq!(items, want, "items of playlist {}", p.id);
        } else {
            let expect = if p.id.starts_with("37i9") {
                "not_found"
            } else {
                "forbidden"
            };
            assert_eq!(status, expect, "playlist {} status", p.id);
            assert!(items.is_empty());
        }
    }

    // Enrichment: every album and artist, with the fields the mode serves.
    let albums: HashMap<&str, &simulator::model::TruthAlbum> =
        t.albums.iter().map(|x| (x.id.as_str(), x)).collect();
    let db_albums: BTreeSet<String> = {
        let mut st = c.prepare("SELECT id FROM albums").unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(
        db_albums, album_ids,
        "albums are those of the mirrored tracks"
    );
    for id in &album_ids {
        let want = albums[id.as_str()];
        let (name, kind, date, total, label, enriched, err): (
            String,
            String,
            String,
            i64,
            Option<String>,
            Option<String>,
            Option<String>,
        ) = c
            .query_row(
                "SELECT name, album_type, release_date, total_tracks, label, enriched_at,
                        enrich_error
                 FROM albums WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                },
            )
            .unwrap();
        assert_eq!(name, want.name);
        assert_eq!(kind, want.album_type.as_str());
        assert_eq!(date, want.release_date);
        assert_eq!(total, want.total_tracks as i64);
        assert!(enriched.is_some(), "album {id} enriched");
        assert_eq!(err, None);
        if extended {
            assert_eq!(label.as_deref(), Some(want.label.as_str()));
        } else {
            assert_eq!(label, None, "Development Mode sends no label: NULL, not ''");
        }
        let upc = opt_str(c, "SELECT upc FROM albums WHERE id = ?1", id);
        assert_eq!(upc.as_deref(), Some(want.upc.as_str()), "album {id} upc");
    }
    let unenriched: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM artists WHERE enriched_at IS NULL OR enrich_error IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(unenriched, 0, "every artist enriched");
    let artists: HashMap<&str, &simulator::model::TruthArtist> =
        t.artists.iter().map(|x| (x.id.as_str(), x)).collect();
    let mut st = c.prepare("SELECT id, name FROM artists").unwrap();
    for row in st
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap()
    {
        let (id, name) = row.unwrap();
        assert_eq!(name, artists[id.as_str()].name, "artist {id}");
    }
}

/// Phases of a full mirror without the listening history.
pub const LIBRARY_PHASES: &str = "tracks,playlists,albums,artists";

pub fn library_phases() -> Vec<spotsync::sync::Phase> {
    use spotsync::sync::Phase;
    vec![
        Phase::Tracks,
        Phase::Playlists,
        Phase::Albums,
        Phase::Artists,
    ]
}

/// Read one `sync_state` column of a phase.
pub fn state_text(c: &Connection, key: &str, column: &str) -> Option<String> {
    c.query_row(
        &format!("SELECT {column} FROM sync_state WHERE state_key = ?1"),
        [key],
        |r| r.get(0),
    )
    .ok()
    .flatten()
}
