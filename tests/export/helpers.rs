//! Shared helpers: a synced simulated library, the export command without a token, the files.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use spotsync::cli::{SimMode, SimOptions};
use spotsync::simulator::RunningSim;

use crate::common::*;

/// A simulator with `tracks` saved tracks and `playlists` playlists, fully synced (every phase,
/// listening history included) into a fresh database.
pub async fn synced_library(tracks: usize, playlists: usize) -> (RunningSim, Env) {
    let sim = start_sim(SimOptions {
        tracks,
        playlists,
        mode: SimMode::Dev,
        ..SimOptions::default()
    })
    .await;
    let env = Env::new(100_000);
    let out = env.run(&sim, &["sync", "--full"]).await;
    assert_eq!(out.code, Some(0), "sync: {}", out.stderr);
    (sim, env)
}

/// `spotsync export ARGS` against `env`'s database, with no token anywhere and the API URLs
/// pointing at `sim` (so any request would show in its statistics).
pub async fn export(env: &Env, sim: &RunningSim, args: &[&str]) -> Output {
    spotsync(env, sim, "export", args).await
}

/// `spotsync SUBCOMMAND ARGS` as [`export`] runs it, MusicBrainz being the simulator's.
pub async fn spotsync(env: &Env, sim: &RunningSim, sub: &str, args: &[&str]) -> Output {
    let out = tokio::time::timeout(
        Duration::from_secs(120),
        tokio::process::Command::new(BIN)
            .arg("--db")
            .arg(&env.db)
            .arg("--api-url")
            .arg(sim.api_url())
            .arg("--accounts-url")
            .arg(sim.accounts_url())
            .arg("--config")
            .arg(&env.config)
            .arg(sub)
            .args(args)
            .env("SPOTSYNC_MUSICBRAINZ_URL", sim.base_url())
            .env_remove("SPOTSYNC_MUSICBRAINZ_INTERVAL_MS")
            .current_dir(env.dir.path())
            .env_remove("SPOTSYNC_ACCESS_TOKEN")
            .env_remove("SPOTSYNC_DB")
            .env("XDG_DATA_HOME", env.dir.path().join("data"))
            .env("XDG_STATE_HOME", env.dir.path().join("state"))
            .env("XDG_CONFIG_HOME", env.dir.path().join("cfg"))
            .env("HOME", env.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("export finished within 2 minutes")
    .expect("spotsync runs");
    Output {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Every file of a directory, by name.
pub fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let bytes = if e.path().is_file() {
                std::fs::read(e.path()).unwrap()
            } else {
                Vec::new()
            };
            (e.file_name().into_string().unwrap(), bytes)
        })
        .filter(|(n, _)| dir.join(n).is_file())
        .collect()
}

/// Every file of an export's folders (`playlists/`, `history/`, `library/` and the top), by
/// file name.
pub fn all_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = files_only(dir);
    for sub in ["playlists", "history", "library"] {
        if dir.join(sub).is_dir() {
            out.extend(files_only(&dir.join(sub)));
        }
    }
    out
}

fn files_only(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    files(dir)
        .into_iter()
        .filter(|(n, _)| dir.join(n).is_file())
        .collect()
}

pub fn count(c: &rusqlite::Connection, sql: &str, p: &[&dyn rusqlite::ToSql]) -> usize {
    c.query_row(sql, p, |r| r.get::<_, i64>(0)).unwrap() as usize
}

pub async fn control(
    sim: &RunningSim,
    method: reqwest::Method,
    path: &str,
    body: serde_json::Value,
) {
    let r = reqwest::Client::new()
        .request(method, format!("{}{path}", sim.base_url()))
        .json(&body)
        .send()
        .await
        .expect("control request");
    assert!(r.status().is_success(), "{path}: {}", r.status());
}

pub const ALL_FORMATS: &str = "csv,json,m3u8,jspf,xspf";
