//! The listening history as ListenBrainz listens: JSON lines of `{"listened_at", "track_metadata":
//! {"artist_name", "track_name", "release_name", "additional_info": {…}}}`, oldest first, and
//! the same lines in a ZIP of `listens/YEAR.jsonl` files, which is what ListenBrainz's import
//! takes for the service "listenbrainz" (a `.zip` of `.jsonl` files).
//!
//! A play ListenBrainz would refuse is left out and counted: one played before 2002-10-01
//! (ListenBrainz's lower bound), one more than an hour in the future, one without a track or
//! artist name. NUL characters (which ListenBrainz refuses) are dropped from every text.

use std::collections::BTreeMap;
use std::io::Write;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::ExportError;
use super::model::{Entry, TrackList};

/// ListenBrainz's earliest accepted listen: 2002-10-01T00:00:00Z.
pub const MIN_LISTENED_AT: i64 = 1_033_430_400;
/// ListenBrainz accepts listens up to an hour ahead of its clock.
const FUTURE_SKEW_SECS: i64 = 3600;
/// ListenBrainz's largest `duration_ms` (24 days).
const MAX_DURATION_MS: i64 = 24 * 24 * 60 * 60 * 1000;

fn text(s: &str) -> String {
    s.replace('\0', "")
}

fn some_text(s: Option<String>) -> Option<String> {
    s.map(|s| text(&s)).filter(|s| !s.trim().is_empty())
}

/// One listen, or `None` when ListenBrainz would refuse it.
pub fn listen(e: &Entry, now: DateTime<Utc>) -> Option<Value> {
    let at = DateTime::parse_from_rfc3339(e.added_at.as_deref()?).ok()?;
    let listened_at = at.timestamp();
    if listened_at < MIN_LISTENED_AT || listened_at >= now.timestamp() + FUTURE_SKEW_SECS {
        return None;
    }
    let track_name = some_text(e.title())?;
    let artists = e.artist_names();
    let artist_name = some_text((!artists.is_empty()).then(|| artists.join(", ")))?;
    let mut info = Map::new();
    if let Some(d) = e.duration_ms().filter(|d| *d > 0 && *d <= MAX_DURATION_MS) {
        info.insert("duration_ms".into(), json!(d));
    }
    if let Some(url) = e.open_url() {
        info.insert("spotify_id".into(), json!(url));
        info.insert("origin_url".into(), json!(url));
    }
    info.insert("music_service".into(), json!("spotify.com"));
    if let Some(isrc) = some_text(e.isrc().map(str::to_string)) {
        info.insert("isrc".into(), json!(isrc));
    }
    if let Some(mb) = e.musicbrainz() {
        info.insert("recording_mbid".into(), json!(mb.recording_mbid));
        if !mb.artist_mbids.is_empty() {
            info.insert("artist_mbids".into(), json!(mb.artist_mbids));
        }
    }
    if let Some(t) = e.track.as_deref() {
        let artists: Vec<&str> = t.artists.iter().filter_map(|a| a.uri.as_deref()).collect();
        if !artists.is_empty() {
            info.insert("spotify_artist_ids".into(), json!(artists));
        }
        if let Some(n) = t.track_number.filter(|n| *n > 0) {
            info.insert("tracknumber".into(), json!(n.to_string()));
        }
    }
    if let Some(ms) = e.play.as_ref().and_then(|p| p.ms_played).filter(|m| *m > 0) {
        info.insert("duration_played".into(), json!(ms / 1000));
    }
    info.insert("submission_client".into(), json!("spotsync"));
    info.insert(
        "submission_client_version".into(),
        json!(env!("CARGO_PKG_VERSION")),
    );
    let mut meta = Map::new();
    meta.insert("artist_name".into(), json!(artist_name));
    meta.insert("track_name".into(), json!(track_name));
    if let Some(release) = some_text(e.album_name()) {
        meta.insert("release_name".into(), json!(release));
    }
    meta.insert("additional_info".into(), Value::Object(info));
    Some(json!({"listened_at": listened_at, "track_metadata": meta}))
}

/// The listens of `plays`, oldest first, one JSON document a line, by year; and how many plays
/// were left out.
fn lines_by_year(
    plays: &TrackList,
    now: DateTime<Utc>,
) -> Result<(BTreeMap<i32, Vec<u8>>, usize), ExportError> {
    let mut years: BTreeMap<i32, Vec<u8>> = BTreeMap::new();
    let mut left_out = 0;
    for e in plays.entries.iter().rev() {
        let Some(l) = listen(e, now) else {
            left_out += 1;
            continue;
        };
        let year = l["listened_at"]
            .as_i64()
            .and_then(|t| DateTime::from_timestamp(t, 0))
            .map_or(0, |t| chrono::Datelike::year(&t));
        let out = years.entry(year).or_default();
        serde_json::to_writer(&mut *out, &l)?;
        out.push(b'\n');
    }
    Ok((years, left_out))
}

/// The JSON lines, oldest first, and how many plays were left out.
pub fn jsonl(plays: &TrackList, now: DateTime<Utc>) -> Result<(Vec<u8>, usize), ExportError> {
    let (years, left_out) = lines_by_year(plays, now)?;
    Ok((years.into_values().flatten().collect(), left_out))
}

/// The ZIP ListenBrainz imports: `listens/YEAR.jsonl`, one file a year.
pub fn zip(plays: &TrackList, now: DateTime<Utc>) -> Result<(Vec<u8>, usize), ExportError> {
    let (years, left_out) = lines_by_year(plays, now)?;
    let io = |e: std::io::Error| ExportError::Zip(e.to_string());
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (year, lines) in &years {
        zip.start_file(format!("listens/{year}.jsonl"), options)
            .map_err(|e| io(std::io::Error::other(e)))?;
        zip.write_all(lines).map_err(io)?;
    }
    let cursor = zip.finish().map_err(|e| io(std::io::Error::other(e)))?;
    Ok((cursor.into_inner(), left_out))
}
