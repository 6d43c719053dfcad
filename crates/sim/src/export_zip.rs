//! A data export of the simulated account, as Spotify delivers it (`my_spotify_data.zip`): the
//! extended streaming history and the account data, for `spotsync import`.
//!
//! Its plays overlap the recently-played history the API serves: every simulated play is in it
//! (the API's `played_at` is when the play started, the export's `ts` when it ended, `ms_played`
//! later), together with older plays the API no longer shows. It has the quirks of real exports:
//! `offline_timestamp` in seconds and in milliseconds, absent and null fields, two rows sharing
//! a `ts`, a local file without a URI, a row naming nothing, podcast episodes in the video file,
//! account data to the minute, and `ip_addr` / `user_agent` values (which an importer must not
//! keep).

use std::io::Write;
use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use super::model::Library;

/// The address written as `ip_addr` in every row (a documentation range, RFC 5737).
pub const PLANTED_IP: &str = "198.51.100.77";
/// Older plays, before the oldest one the simulator keeps.
const OLDER_PLAYS: usize = 400;
/// Account data covers the newest plays only (a year, in a real export).
const ACCOUNT_ROWS: usize = 120;

/// What the export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExportSummary {
    /// Rows of the extended streaming history (each a distinct play).
    pub extended_rows: usize,
    /// Rows of the account data (each the same play as an extended row).
    pub account_rows: usize,
    /// Simulated plays (the API's history) that the export includes.
    pub api_plays: usize,
}

/// Why the export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write the zip archive {path}: {detail}")]
    Zip { path: String, detail: String },
}

fn fmt_ts(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms - ms.rem_euclid(1000))
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn fmt_minute(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

struct Row {
    ended: i64,
    ms_played: i64,
    track: Option<u32>,
    value: Value,
}

/// One extended-history row of track `t`, ended at `ended`.
fn track_row(lib: &Library, t: u32, ended: i64, ms_played: i64, k: usize) -> Row {
    let tr = &lib.tracks[t as usize];
    let album = &lib.albums[tr.album as usize];
    let album_artist = album
        .artists
        .first()
        .map(|a| lib.artists[*a as usize].name.to_string());
    let skipped = ms_played < i64::from(tr.duration_ms);
    let mut v = json!({
        "ts": fmt_ts(ended),
        "platform": if k.is_multiple_of(3) { "android" } else { "linux" },
        "ms_played": ms_played,
        "conn_country": "DE",
        "ip_addr": PLANTED_IP,
        "user_agent": "unknown",
        "master_metadata_track_name": tr.name.to_string(),
        "master_metadata_album_artist_name": album_artist,
        "master_metadata_album_album_name": album.name.to_string(),
        "spotify_track_uri": format!("spotify:track:{}", super::model::id_str(&tr.id)),
        "episode_name": null,
        "episode_show_name": null,
        "spotify_episode_uri": null,
        "audiobook_title": null,
        "audiobook_uri": null,
        "audiobook_chapter_uri": null,
        "audiobook_chapter_title": null,
        "reason_start": if k.is_multiple_of(4) { "clickrow" } else { "trackdone" },
        "reason_end": if skipped { "fwdbtn" } else { "trackdone" },
        "shuffle": k.is_multiple_of(2),
        "skipped": skipped,
        "offline": k % 7 < 2,
        "offline_timestamp": match k % 7 {
            0 => json!((ended - ms_played) / 1000),
            1 => json!(ended - ms_played),
            _ => json!(0),
        },
        "incognito_mode": false,
    });
    if let Some(o) = v.as_object_mut() {
        if k.is_multiple_of(11) {
            o.remove("incognito_mode");
        }
        if k.is_multiple_of(13) {
            o.insert("skipped".into(), Value::Null);
        }
    }
    Row {
        ended,
        ms_played,
        track: Some(t),
        value: v,
    }
}

fn other_row(ended: i64, ms_played: i64, fields: Value) -> Row {
    let mut v = json!({
        "ts": fmt_ts(ended),
        "platform": "ios",
        "ms_played": ms_played,
        "conn_country": "FR",
        "ip_addr": PLANTED_IP,
        "user_agent": "unknown",
        "master_metadata_track_name": null,
        "master_metadata_album_artist_name": null,
        "master_metadata_album_album_name": null,
        "spotify_track_uri": null,
        "reason_start": "appload",
        "reason_end": "endplay",
        "shuffle": false,
        "skipped": false,
        "offline": false,
        "offline_timestamp": null,
        "incognito_mode": false,
    });
    if let (Some(o), Some(f)) = (v.as_object_mut(), fields.as_object()) {
        for (k, x) in f {
            o.insert(k.clone(), x.clone());
        }
    }
    Row {
        ended,
        ms_played,
        track: None,
        value: v,
    }
}

/// The export's own generator: seeded from the account, so the same library gives the same
/// export.
fn export_rng(lib: &Library) -> ChaCha8Rng {
    let seed = lib
        .account_id
        .bytes()
        .fold(0xE4_90_27u64, |h, b| h.wrapping_mul(31) ^ u64::from(b));
    ChaCha8Rng::seed_from_u64(seed)
}

/// Every simulated play: the API stamps its start, the export its end; every fifth one is
/// cut short.
fn api_play_rows(lib: &Library, rng: &mut ChaCha8Rng) -> Vec<Row> {
    let mut rows = Vec::with_capacity(lib.plays.len());
    for (k, p) in lib.plays.iter().enumerate() {
        let dur = i64::from(lib.tracks[p.track as usize].duration_ms);
        let ms = if k % 5 == 4 {
            rng.random_range(3_000..=dur.max(3_001))
        } else {
            dur
        };
        rows.push(track_row(lib, p.track, p.played_at_ms + ms, ms, k));
    }
    rows
}

/// [`OLDER_PLAYS`] plays before the oldest simulated one, going back in time, one of them
/// sharing its `ts` with a skip on another device; returns when the oldest ended.
fn older_play_rows(lib: &Library, rng: &mut ChaCha8Rng, rows: &mut Vec<Row>) -> i64 {
    let n_tracks = lib.tracks.len() as u32;
    let mut t = lib
        .plays
        .last()
        .map_or(1_790_000_000_000, |p| p.played_at_ms)
        - 600_000;
    for k in 0..OLDER_PLAYS {
        let track = rng.random_range(0..n_tracks.max(1));
        if n_tracks == 0 {
            break;
        }
        let dur = i64::from(lib.tracks[track as usize].duration_ms);
        let ms = if k % 6 == 5 {
            rng.random_range(1_000..30_000)
        } else {
            dur
        };
        rows.push(track_row(lib, track, t, ms, k + 3));
        if k == 10 {
            // Another row with the same `ts`: a track skipped at once on another device.
            let other = (track + 1) % n_tracks;
            rows.push(track_row(lib, other, t, 1_200, k + 4));
        }
        t -= ms + rng.random_range(20_000..400_000);
    }
    t
}

/// Before the oldest play: a local file (names but no URI) and a row naming nothing.
fn odd_rows(before: i64) -> [Row; 2] {
    [
        other_row(
            before - 60_000,
            187_000,
            json!({"master_metadata_track_name": "Demo (home recording)",
                   "master_metadata_album_artist_name": "The Simulated Band",
                   "master_metadata_album_album_name": "Local Files"}),
        ),
        other_row(before - 600_000, 30_500, json!({})),
    ]
}

/// Podcast episodes, an hour apart before `before` (they go in the video file).
fn episode_rows(lib: &Library, before: i64) -> Vec<Row> {
    let mut video: Vec<Row> = Vec::new();
    for (k, e) in lib.episodes.iter().take(3).enumerate() {
        let ended = before - 3_600_000 * (k as i64 + 1);
        let show = lib.shows.get(e.show as usize).map(|s| s.name.to_string());
        video.push(other_row(
            ended,
            i64::from(e.duration_ms) / 2,
            json!({"episode_name": e.name.to_string(), "episode_show_name": show,
                   "spotify_episode_uri": format!("spotify:episode:{}",
                                                  super::model::id_str(&e.id))}),
        ));
    }
    video
}

/// Account data's music: the newest [`ACCOUNT_ROWS`] track rows, oldest first, to the minute,
/// naming the track's first artist.
fn account_music(lib: &Library, rows: &[Row]) -> Vec<Value> {
    let mut music: Vec<Value> = rows
        .iter()
        .rev()
        .filter_map(|r| Some((r, r.track?)))
        .take(ACCOUNT_ROWS)
        .map(|(r, t)| {
            let tr = &lib.tracks[t as usize];
            json!({
                "endTime": fmt_minute(r.ended),
                "artistName": tr.artists.first().map(|a| lib.artists[*a as usize].name.to_string()),
                "trackName": tr.name.to_string(),
                "msPlayed": r.ms_played,
            })
        })
        .collect();
    music.reverse();
    music
}

/// Account data's podcasts: the episode rows, to the minute.
fn account_podcasts(video: &[Row]) -> Vec<Value> {
    video
        .iter()
        .map(|r| {
            json!({
                "endTime": fmt_minute(r.ended),
                "podcastName": r.value.get("episode_show_name"),
                "episodeName": r.value.get("episode_name"),
                "msPlayed": r.ms_played,
            })
        })
        .collect()
}

/// The rows of a data export, by file.
struct Export {
    /// Extended history of music, oldest first (split in two files).
    audio: Vec<Row>,
    /// Extended history of podcasts, oldest first.
    video: Vec<Row>,
    /// Account data's music and podcasts.
    music: Vec<Value>,
    podcast: Vec<Value>,
}

impl Export {
    fn of(lib: &Library) -> Export {
        let mut rng = export_rng(lib);
        let mut audio = api_play_rows(lib, &mut rng);
        let older_end = older_play_rows(lib, &mut rng, &mut audio);
        audio.extend(odd_rows(older_end));
        let mut video = episode_rows(lib, older_end);
        audio.sort_by_key(|r| r.ended);
        video.sort_by_key(|r| r.ended);
        let music = account_music(lib, &audio);
        let podcast = account_podcasts(&video);
        Export {
            audio,
            video,
            music,
            podcast,
        }
    }

    /// The archive's files, named and laid out as in a real export.
    fn files(&self, lib: &Library) -> Vec<(String, Vec<u8>)> {
        let values = |rows: &[Row]| -> Vec<u8> {
            to_json(&rows.iter().map(|r| &r.value).collect::<Vec<&Value>>())
        };
        let (first, second) = self.audio.split_at(self.audio.len() / 2);
        let ext = "Spotify Extended Streaming History";
        let acc = "Spotify Account Data";
        vec![
            (
                format!("{ext}/Streaming_History_Audio_2025-2026_0.json"),
                values(first),
            ),
            (
                format!("{ext}/Streaming_History_Audio_2026_1.json"),
                values(second),
            ),
            (
                format!("{ext}/Streaming_History_Video_2025-2026.json"),
                values(&self.video),
            ),
            (
                format!("{ext}/ReadMeFirst_ExtendedStreamingHistory.pdf"),
                b"%PDF-1.4 (not a real PDF)\n".to_vec(),
            ),
            (
                format!("{acc}/StreamingHistory_music_0.json"),
                to_json(&self.music),
            ),
            (
                format!("{acc}/StreamingHistory_podcast_0.json"),
                to_json(&self.podcast),
            ),
            (
                format!("{acc}/Userdata.json"),
                to_json(&json!({"username": lib.user().id.to_string(), "country": "DE"})),
            ),
        ]
    }
}

/// Write the export of `lib` as a zip archive at `path`.
pub fn write_export_zip(lib: &Library, path: &Path) -> Result<ExportSummary, ExportError> {
    write_export_zip_with_years(lib, path, 0)
}

/// [`write_export_zip`] with `years` of listening before it in the extended history: most
/// days a session or two, each year with favourite tracks of its own (so the years' top
/// lists differ and each year has artists new to it).
pub fn write_export_zip_with_years(
    lib: &Library,
    path: &Path,
    years: u32,
) -> Result<ExportSummary, ExportError> {
    let mut export = Export::of(lib);
    if years > 0 && !lib.tracks.is_empty() {
        let oldest = export.audio.first().map_or(1_790_000_000_000, |r| r.ended);
        let mut rng = export_rng(lib);
        let mut rows = years_of_rows(lib, &mut rng, oldest, years);
        rows.append(&mut export.audio);
        export.audio = rows;
    }
    write_zip(path, &export.files(lib))?;
    Ok(ExportSummary {
        extended_rows: export.audio.len() + export.video.len(),
        account_rows: export.music.len() + export.podcast.len(),
        api_plays: lib.plays.len(),
    })
}

/// `years` of daily listening before `before` (ms), oldest first.
fn years_of_rows(lib: &Library, rng: &mut ChaCha8Rng, before: i64, years: u32) -> Vec<Row> {
    const DAY: i64 = 86_400_000;
    let n = lib.tracks.len() as u32;
    let first_day = (before / DAY - 1) - i64::from(years) * 365;
    let mut rows = Vec::new();
    for day in first_day..before / DAY {
        if rng.random_bool(0.2) {
            continue;
        }
        // Favourites: a stretch of the catalogue that moves each year.
        let year = (day - first_day) / 365;
        let base = (year as u32).wrapping_mul(n / 3 + 7) % n;
        let mut t = day * DAY + rng.random_range(7..22) * 3_600_000;
        for k in 0..rng.random_range(3..25usize) {
            let track = if rng.random_bool(0.7) {
                (base + rng.random_range(0..n.min(60))) % n
            } else {
                rng.random_range(0..n)
            };
            let dur = i64::from(lib.tracks[track as usize].duration_ms);
            let ms = if k % 8 == 7 {
                rng.random_range(1_000..30_000)
            } else {
                dur
            };
            t += ms + rng.random_range(1_000..20_000);
            if t >= before {
                break;
            }
            rows.push(track_row(lib, track, t, ms, k + 5));
        }
    }
    rows
}

fn to_json<T: serde::Serialize + ?Sized>(v: &T) -> Vec<u8> {
    serde_json::to_vec_pretty(v).unwrap_or_default()
}

fn write_zip(path: &Path, files: &[(String, Vec<u8>)]) -> Result<(), ExportError> {
    let io = |source| ExportError::Io {
        path: path.display().to_string(),
        source,
    };
    let zerr = |e: zip::result::ZipError| ExportError::Zip {
        path: path.display().to_string(),
        detail: e.to_string(),
    };
    let file = std::fs::File::create(path).map_err(io)?;
    let mut zip = zip::ZipWriter::new(file);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        zip.start_file(name.as_str(), opts).map_err(zerr)?;
        zip.write_all(bytes).map_err(io)?;
    }
    zip.finish().map_err(zerr)?;
    Ok(())
}
