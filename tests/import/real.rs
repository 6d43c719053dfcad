//! Real exports that people published (`../shared/real-world/exports` beside the checkout, or the folder
//! `SPOTSYNC_REAL_EXPORTS` names; IP addresses and user agents replaced by `REDACTED-…`), each
//! folder imported into its own database by the real binary: every file read, every play once
//! by the README's rule (counted here from the files themselves), nothing personal kept, a
//! re-import changes nothing.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::*;
use crate::real_exports::real_exports;

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

fn norm(s: Option<&str>) -> String {
    s.unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn text<'a>(row: &'a Value, key: &str) -> Option<&'a str> {
    row[key].as_str().map(str::trim).filter(|s| !s.is_empty())
}

/// What the README promises of one folder: rows read, and the plays they hold (rows identical
/// in time, item and `ms_played` are one play; account data to the minute, by names).
#[derive(Debug, Default)]
struct Expected {
    rows: u64,
    extended: HashSet<String>,
    account: HashSet<String>,
}

fn expected(files: &[PathBuf]) -> Expected {
    let mut e = Expected::default();
    for f in files {
        let rows: Vec<Value> = serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap();
        e.rows += rows.len() as u64;
        for r in &rows {
            let ms = r["ms_played"]
                .as_i64()
                .or(r["msPlayed"].as_i64())
                .unwrap_or(-1);
            if let Some(ts) = text(r, "ts") {
                let uri = [
                    "spotify_track_uri",
                    "spotify_episode_uri",
                    "audiobook_chapter_uri",
                ]
                .iter()
                .find_map(|k| text(r, k));
                let item = match uri {
                    Some(u) => u.to_string(),
                    None => {
                        let track = ["master_metadata_track_name", "episode_name"]
                            .iter()
                            .find_map(|k| text(r, k));
                        let artist = ["master_metadata_album_artist_name", "episode_show_name"]
                            .iter()
                            .find_map(|k| text(r, k));
                        format!("{}|{}", norm(track), norm(artist))
                    }
                };
                e.extended.insert(format!("{ts}|{item}|{ms}"));
            } else if let Some(end) = text(r, "endTime") {
                let names = |keys: &[&str]| keys.iter().find_map(|k| text(r, k));
                let artist = names(&["artistName", "podcastName", "audiobookName"]);
                let track = names(&["trackName", "episodeName", "chapterName"]);
                e.account.insert(format!(
                    "{}|{}|{}|{ms}",
                    &end[..16],
                    norm(artist),
                    norm(track)
                ));
            }
        }
    }
    e
}

fn check_folder(folder: &Path) {
    let mut files = Vec::new();
    json_files(folder, &mut files);
    let want = expected(&files);
    let env = Env::new();
    let (code, summary, stderr) = env.import(&[folder]);
    let name = folder.display();
    assert_eq!(code, 0, "{name}: {stderr}");
    assert_eq!(summary["failed"], 0, "{name}: {summary:#}");
    assert_eq!(
        summary["skipped"].as_array().unwrap().len(),
        0,
        "{name}: every file is listening history: {summary:#}"
    );
    assert_eq!(summary["files"].as_array().unwrap().len(), files.len());
    assert_eq!(summary["rows"], want.rows, "{name}");
    let n = |k: &str| summary[k].as_u64().unwrap();
    assert_eq!(
        n("added") + n("merged") + n("known") + n("without_time") + n("refused"),
        want.rows,
        "{name}: every row accounted for: {summary:#}"
    );
    // Within a source, the plays are the distinct rows; an account row merges with the
    // extended row of the same play.
    let distinct = (want.extended.len() + want.account.len()) as u64;
    assert_eq!(
        n("known") + n("without_time") + n("refused"),
        want.rows - distinct,
        "{name}: duplicates by the README's rule: {summary:#}"
    );
    let plays = env.count("SELECT COUNT(*) FROM plays") as u64;
    assert_eq!(plays, distinct - n("merged"), "{name}");
    assert_eq!(
        env.count("SELECT COUNT(*) FROM plays WHERE extended_key IS NOT NULL") as u64,
        want.extended.len() as u64,
        "{name}"
    );

    let bytes = env.db_bytes();
    for needle in ["REDACTED-ip", "REDACTED-ua"] {
        assert!(!contains(&bytes, needle), "{name}: {needle} stored");
    }

    let before = env.count("SELECT COUNT(*) FROM plays");
    let (code, again, _) = env.import(&[folder]);
    assert_eq!(code, 0);
    assert_eq!(
        (again["added"].as_u64(), again["merged"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(env.count("SELECT COUNT(*) FROM plays"), before);
}

#[test]
fn every_real_export_imports_each_play_once_and_keeps_nothing_personal() {
    let root = real_exports();
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    assert!(folders.len() >= 10, "{folders:?}");
    for f in &folders {
        check_folder(f);
    }
}

#[test]
fn old_video_history_and_account_audiobooks_are_listening_history() {
    let root = real_exports();
    let env = Env::new();
    let (code, summary, stderr) = env.import(&[&root.join("lshatkin_What_I_Listen")]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        summary["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["file"].as_str().unwrap().ends_with("endvideo.json") && f["rows"] == 16),
        "{summary:#}"
    );
    let env = Env::new();
    let (code, _, stderr) = env.import(&[&root.join("hobbies-w-erin_Spotify-Account-Data")]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        env.count(
            "SELECT COUNT(*) FROM plays WHERE item_type = 'chapter' AND track_name IS NOT NULL
               AND artist_name IS NOT NULL"
        ),
        11
    );
}
