//! Shared helpers: a temp environment, the real binary, and an export with every quirk of the
//! real files, built by hand so each expected count is known.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use rusqlite::{Connection, OpenFlags};
use serde_json::{Value, json};

pub const BIN: &str = env!("CARGO_BIN_EXE_spotsync");
/// Planted in every fixture row: must never reach the database.
pub const PLANTED_IP: &str = "203.0.113.199";
pub const PLANTED_IP_OLD: &str = "203.0.113.244";
pub const PLANTED_UA: &str = "Planted-UserAgent/9.9";

pub struct Env {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("library.db");
        Env { dir, db }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The binary with `--db` and XDG dirs inside the temp dir.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.arg("--db")
            .arg(&self.db)
            .arg("--config")
            .arg(self.dir.path().join("config.toml"))
            .args(args)
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("XDG_STATE_HOME", self.dir.path().join("state"))
            .env("XDG_CONFIG_HOME", self.dir.path().join("cfg"))
            .env("HOME", self.dir.path())
            .env_remove("SPOTSYNC_DB")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("run spotsync")
    }

    /// `spotsync import --json PATHS…`: exit code and the summary.
    pub fn import(&self, paths: &[&Path]) -> (i32, Value, String) {
        let mut args = vec!["import".to_string(), "--json".to_string()];
        args.extend(paths.iter().map(|p| p.display().to_string()));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = self.run(&refs);
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        let summary = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("summary JSON ({e}): {stdout}\nstderr: {stderr}"));
        (out.status.code().unwrap_or(-1), summary, stderr)
    }

    pub fn open(&self) -> Connection {
        Connection::open_with_flags(&self.db, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open db")
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.open()
            .query_row(sql, [], |r| r.get(0))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Plays per `source`.
    pub fn by_source(&self) -> (i64, i64, i64) {
        (
            self.count("SELECT COUNT(*) FROM plays WHERE source = 'api'"),
            self.count("SELECT COUNT(*) FROM plays WHERE source = 'extended'"),
            self.count("SELECT COUNT(*) FROM plays WHERE source = 'account'"),
        )
    }

    /// Every byte of the database files (main, WAL, shared memory).
    pub fn db_bytes(&self) -> Vec<u8> {
        let mut all = Vec::new();
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.db.as_os_str().to_owned();
            p.push(suffix);
            if let Ok(b) = std::fs::read(PathBuf::from(p)) {
                all.extend(b);
            }
        }
        all
    }
}

pub fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

pub const T1: &str = "spotify:track:1111111111111111111111";
pub const T2: &str = "spotify:track:2222222222222222222222";
pub const T3: &str = "spotify:track:3333333333333333333333";
pub const T4: &str = "spotify:track:4444444444444444444444";
pub const T5: &str = "spotify:track:5555555555555555555555";
pub const T6: &str = "spotify:track:6666666666666666666666";
pub const EP: &str = "spotify:episode:7777777777777777777777";

fn full(ts: &str, uri: &str, name: &str, ms: i64) -> Value {
    json!({
        "ts": ts, "username": "someone", "platform": "Linux", "ms_played": ms,
        "conn_country": "SE", "ip_addr": PLANTED_IP, "user_agent": PLANTED_UA,
        "master_metadata_track_name": name,
        "master_metadata_album_artist_name": "Various Artists",
        "master_metadata_album_album_name": "Compilation",
        "spotify_track_uri": uri, "episode_name": null, "episode_show_name": null,
        "spotify_episode_uri": null, "audiobook_title": null, "audiobook_uri": null,
        "audiobook_chapter_uri": null, "audiobook_chapter_title": null,
        "reason_start": "trackdone", "reason_end": "trackdone", "shuffle": false,
        "skipped": false, "offline": false, "offline_timestamp": 0, "incognito_mode": false
    })
}

/// What [`write_quirky_export`] holds, and what importing it must give.
pub struct Quirky {
    /// The export folder (as unzipped).
    pub folder: PathBuf,
    /// The same as `my_spotify_data.zip`.
    pub zip: PathBuf,
    /// The extended audio file alone.
    pub audio: PathBuf,
}

/// Plays from the whole quirky export: extended-history plays, account-only plays.
pub const QUIRKY_EXTENDED: i64 = 9;
pub const QUIRKY_ACCOUNT_ONLY: i64 = 1;
/// Plays from the audio file alone.
pub const QUIRKY_AUDIO_ONLY: i64 = 7;

/// An export with every quirk the issue lists:
///
/// `Streaming_History_Audio_2019-2020_0.json` (9 rows → 7 plays): r1 (T1) and r2 (T2) share a
/// `ts`; r3 repeats r1 exactly; r4 has only `ts`, `ms_played` and a URI; r5 names nothing; r6 is a
/// local file (names, no URI); r7 / r8 have `offline_timestamp` in seconds / milliseconds for
/// the same moment; r9 has `ts: null`.
/// `endsong_0.json` (older format, `*_decrypted` fields): e1 (T6) new, e2 = r4 again.
/// `Streaming_History_Video_2020.json`: one podcast episode.
/// `StreamingHistory_music_0.json`: a1 = r1 to the minute (naming the track's artist, not the
/// album's), a2 = r6 by names, a3 heard only there, a4 = a3 again.
/// `StreamingHistory_podcast_0.json`: the episode again. Plus files that are not history.
pub fn write_quirky_export(root: &Path) -> Quirky {
    let folder = root.join("MyData");
    let ext = folder.join("Spotify Extended Streaming History");
    let acc = folder.join("Spotify Account Data");
    std::fs::create_dir_all(&ext).unwrap();
    std::fs::create_dir_all(&acc).unwrap();

    let r1 = full("2020-03-01T10:00:00Z", T1, "First Song", 200_000);
    let r2 = full("2020-03-01T10:00:00Z", T2, "Skipped Song", 1_500);
    let r3 = r1.clone();
    let r4 = json!({"ts": "2020-03-01T11:00:00Z", "ms_played": 90_000, "spotify_track_uri": T3});
    let r5 = json!({"ts": "2020-03-01T11:30:00Z", "ms_played": 12_000, "ip_addr": PLANTED_IP,
                    "master_metadata_track_name": null, "spotify_track_uri": null,
                    "episode_name": null, "spotify_episode_uri": null, "reason_start": null,
                    "shuffle": null, "skipped": null, "offline": null, "incognito_mode": null});
    let mut r6 = full("2020-03-01T12:00:00Z", T1, "Home Demo", 150_000);
    r6["spotify_track_uri"] = Value::Null;
    r6["master_metadata_album_artist_name"] = json!("Me Myself");
    let mut r7 = full("2020-03-02T08:00:00Z", T4, "Offline One", 100_000);
    r7["offline"] = json!(true);
    r7["offline_timestamp"] = json!(1_583_134_300i64);
    let mut r8 = full("2020-03-02T09:00:00Z", T5, "Offline Two", 100_000);
    r8["offline"] = json!(true);
    r8["offline_timestamp"] = json!(1_583_134_300_000i64);
    let r9 = full("2020-03-02T10:00:00Z", T6, "No Time", 1)
        .as_object()
        .map(|o| {
            let mut o = o.clone();
            o.insert("ts".into(), Value::Null);
            Value::Object(o)
        });
    let audio = ext.join("Streaming_History_Audio_2019-2020_0.json");
    std::fs::write(
        &audio,
        serde_json::to_vec_pretty(&json!([r1, r2, r3, r4, r5, r6, r7, r8, r9])).unwrap(),
    )
    .unwrap();

    let e1 = json!({"ts": "2019-06-01T20:00:00Z", "username": "someone", "platform": "Windows 10",
        "ms_played": 240_000, "conn_country": "SE", "ip_addr_decrypted": PLANTED_IP_OLD,
        "user_agent_decrypted": PLANTED_UA, "master_metadata_track_name": "Old Song",
        "master_metadata_album_artist_name": "Old Band", "master_metadata_album_album_name": "Old",
        "spotify_track_uri": T6, "episode_name": null, "episode_show_name": null,
        "spotify_episode_uri": null, "reason_start": "clickrow", "reason_end": "endplay",
        "shuffle": null, "skipped": null, "offline": false, "offline_timestamp": 1_559_418_960,
        "incognito_mode": false});
    let e2 = json!({"ts": "2020-03-01T11:00:00Z", "ms_played": 90_000, "spotify_track_uri": T3,
                    "ip_addr_decrypted": PLANTED_IP_OLD});
    std::fs::write(
        ext.join("endsong_0.json"),
        serde_json::to_vec(&json!([e1, e2])).unwrap(),
    )
    .unwrap();

    let v1 = json!({"ts": "2020-04-01T07:30:00Z", "ms_played": 1_800_000, "ip_addr": PLANTED_IP,
        "user_agent": PLANTED_UA, "master_metadata_track_name": null,
        "spotify_track_uri": null, "episode_name": "Episode 12: Imports",
        "episode_show_name": "The Data Show", "spotify_episode_uri": EP,
        "reason_start": "clickrow", "reason_end": "endplay", "incognito_mode": true});
    std::fs::write(
        ext.join("Streaming_History_Video_2020.json"),
        serde_json::to_vec_pretty(&json!([v1])).unwrap(),
    )
    .unwrap();
    std::fs::write(
        ext.join("ReadMeFirst_ExtendedStreamingHistory.pdf"),
        b"%PDF-1.4",
    )
    .unwrap();

    let music = json!([
        {"endTime": "2020-03-01 10:00", "artistName": "Song Artist", "trackName": "First Song",
         "msPlayed": 200_000},
        {"endTime": "2020-03-01 12:00", "artistName": "Me Myself", "trackName": "Home Demo",
         "msPlayed": 150_000},
        {"endTime": "2020-05-05 18:44", "artistName": "Radio", "trackName": "Only Here",
         "msPlayed": 61_000},
        {"endTime": "2020-05-05 18:44", "artistName": "Radio", "trackName": "Only Here",
         "msPlayed": 61_000}
    ]);
    std::fs::write(
        acc.join("StreamingHistory_music_0.json"),
        serde_json::to_vec_pretty(&music).unwrap(),
    )
    .unwrap();
    let podcast = json!([{"endTime": "2020-04-01 07:30", "podcastName": "The Data Show",
                          "episodeName": "Episode 12: Imports", "msPlayed": 1_800_000}]);
    std::fs::write(
        acc.join("StreamingHistory_podcast_0.json"),
        serde_json::to_vec_pretty(&podcast).unwrap(),
    )
    .unwrap();
    std::fs::write(acc.join("Userdata.json"), br#"{"username":"someone"}"#).unwrap();

    let zip = root.join("my_spotify_data.zip");
    zip_folder(&folder, &zip);
    Quirky { folder, zip, audio }
}

/// Zip `folder` (its files, under its name) into `zip`.
pub fn zip_folder(folder: &Path, zip: &Path) {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::fs::File::create(zip).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let base = folder.parent().unwrap();
    let mut stack = vec![folder.to_path_buf()];
    while let Some(d) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                stack.push(p);
            } else {
                let name = p
                    .strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                w.start_file(name, opts).unwrap();
                w.write_all(&std::fs::read(&p).unwrap()).unwrap();
            }
        }
    }
    w.finish().unwrap();
}
