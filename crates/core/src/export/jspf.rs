//! JSPF as ListenBrainz imports it and troi reads it: XSPF's JSON form with MusicBrainz's
//! extensions (<https://musicbrainz.org/doc/jspf>).
//!
//! - playlist: `title` (never empty), `creator`, `annotation`, `identifier` (the Spotify URL),
//!   `date` (the earliest addition: Spotify does not tell when a playlist was made), and the
//!   extension `https://musicbrainz.org/doc/jspf#playlist` with `creator`, `public` (a boolean:
//!   ListenBrainz requires it), `last_modified_at` (the latest addition) and
//!   `additional_metadata` (the Spotify URI, snapshot, owner, and how many entries were left
//!   out);
//! - track: only entries whose track has a MusicBrainz recording (ListenBrainz refuses a file
//!   with any track without one), `identifier` = the recording URI first (ListenBrainz takes
//!   the first), then the Spotify URL and `urn:isrc:`; `title` always (troi requires it);
//!   `creator`, `album`, `duration`, `location` (the Spotify URI); and the extension
//!   `https://musicbrainz.org/doc/jspf#track` (troi requires it on a track with a `creator`)
//!   with `added_at`, `added_by`, `artist_identifiers` (MusicBrainz artist URIs) and
//!   `additional_metadata` (Spotify URIs, ISRC, position).

use serde_json::{Map, Value, json};

use super::ExportError;
use super::model::{Entry, ListKind, TrackList, open_url};

pub const PLAYLIST_EXTENSION: &str = "https://musicbrainz.org/doc/jspf#playlist";
pub const TRACK_EXTENSION: &str = "https://musicbrainz.org/doc/jspf#track";
pub const RECORDING_PREFIX: &str = "https://musicbrainz.org/recording/";
pub const ARTIST_PREFIX: &str = "https://musicbrainz.org/artist/";

/// The `identifier` of the liked songs (Spotify's own URL for them).
pub const LIKED_URL: &str = "https://open.spotify.com/collection/tracks";

/// The creator of a list: a playlist's owner, else the account.
pub fn list_creator(list: &TrackList, account: Option<&str>) -> Option<String> {
    match list.kind {
        ListKind::Playlist => list.owner_name.clone().or_else(|| list.owner_id.clone()),
        _ => account.map(str::to_string),
    }
}

/// The identifier of a list: its Spotify URL.
pub fn list_identifier(list: &TrackList) -> Option<String> {
    match list.kind {
        ListKind::LikedSongs => Some(LIKED_URL.to_string()),
        _ => list.uri.as_deref().and_then(open_url),
    }
}

fn insert(m: &mut Map<String, Value>, key: &str, v: Option<impl Into<Value>>) {
    if let Some(v) = v {
        m.insert(key.to_string(), v.into());
    }
}

/// One track, or `None` when its track has no MusicBrainz recording.
fn track(e: &Entry) -> Option<Value> {
    let mb = e.musicbrainz()?;
    let t = e.track.as_deref()?;
    let mut ids = vec![format!("{RECORDING_PREFIX}{}", mb.recording_mbid)];
    ids.extend(e.open_url());
    ids.extend(e.isrc().map(|i| format!("urn:isrc:{i}")));
    let names = e.artist_names();
    let mut tr = Map::new();
    tr.insert("identifier".into(), json!(ids));
    let title = e.title().or_else(|| mb.title.clone()).unwrap_or_default();
    tr.insert("title".into(), json!(title));
    insert(
        &mut tr,
        "creator",
        (!names.is_empty()).then(|| names.join(", ")),
    );
    insert(&mut tr, "album", e.album_name());
    insert(&mut tr, "duration", e.duration_ms().filter(|d| *d >= 0));
    insert(&mut tr, "location", e.uri.as_deref().map(|u| json!([u])));
    let mut ext = Map::new();
    insert(&mut ext, "added_at", e.added_at.clone());
    insert(&mut ext, "added_by", e.added_by.clone());
    if !mb.artist_mbids.is_empty() {
        let artists: Vec<String> = mb
            .artist_mbids
            .iter()
            .map(|a| format!("{ARTIST_PREFIX}{a}"))
            .collect();
        ext.insert("artist_identifiers".into(), json!(artists));
    }
    let spotify_artists: Vec<&str> = t.artists.iter().filter_map(|a| a.uri.as_deref()).collect();
    ext.insert(
        "additional_metadata".into(),
        json!({
            "spotify_uri": e.uri,
            "spotify_artist_uris": spotify_artists,
            "isrc": e.isrc(),
            "position": e.position,
        }),
    );
    let mut extension = Map::new();
    extension.insert(TRACK_EXTENSION.into(), Value::Object(ext));
    tr.insert("extension".into(), Value::Object(extension));
    Some(Value::Object(tr))
}

/// The document for `list`, and how many entries were left out (no MusicBrainz recording).
pub fn jspf(list: &TrackList, account: Option<&str>) -> Result<(Vec<u8>, usize), ExportError> {
    let tracks: Vec<Value> = list.entries.iter().filter_map(track).collect();
    let left_out = list.entries.len() - tracks.len();
    let added = list.entries.iter().filter_map(|e| e.added_at.as_deref());
    let first = added.clone().min();
    let last = added.max();
    let creator = list_creator(list, account);
    let mut ext = Map::new();
    insert(&mut ext, "creator", creator.clone());
    ext.insert("public".into(), json!(list.public.unwrap_or(false)));
    insert(&mut ext, "last_modified_at", last);
    ext.insert(
        "additional_metadata".into(),
        json!({
            "spotify_uri": list.uri,
            "spotify_snapshot_id": list.snapshot_id,
            "spotify_owner_id": list.owner_id,
            "collaborative": list.collaborative,
            "entries": list.entries.len(),
            "left_out_without_musicbrainz_id": left_out,
            "exported_by": format!("spotsync {}", env!("CARGO_PKG_VERSION")),
        }),
    );
    let mut pl = Map::new();
    let title = if list.name.trim().is_empty() {
        "Untitled playlist"
    } else {
        &list.name
    };
    pl.insert("title".into(), json!(title));
    insert(&mut pl, "creator", creator);
    insert(
        &mut pl,
        "annotation",
        list.description.clone().filter(|d| !d.is_empty()),
    );
    insert(&mut pl, "identifier", list_identifier(list));
    insert(&mut pl, "date", first);
    let mut extension = Map::new();
    extension.insert(PLAYLIST_EXTENSION.into(), Value::Object(ext));
    pl.insert("extension".into(), Value::Object(extension));
    pl.insert("track".into(), Value::Array(tracks));
    let mut out = serde_json::to_vec_pretty(&json!({ "playlist": pl }))?;
    out.push(b'\n');
    Ok((out, left_out))
}
