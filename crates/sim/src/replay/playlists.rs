//! The replayed account's playlists and their entries (see `account` for the rules).

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::ReplayError;

const EXPORTIFY: &str = "exportify_handlers.json";
/// watsonbox's own playlist: the one a Development Mode app may read.
pub const OWN_PLAYLIST: &str = "4XOGDpHMrVoH33uJEwHWU5";

fn get<'a>(
    files: &'a HashMap<String, Value>,
    file: &str,
    key: &str,
) -> Result<&'a Value, ReplayError> {
    let v = files
        .get(file)
        .ok_or_else(|| ReplayError::Missing(file.to_string()))?;
    if key.is_empty() {
        return Ok(v);
    }
    v.get(key)
        .ok_or_else(|| ReplayError::Missing(format!("{file} → {key}")))
}

fn items(v: &Value) -> Vec<Value> {
    v.get("items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// The entries of a full playlist (under `items`, or the older `tracks`).
fn entries_of(full: &Value) -> Vec<Value> {
    ["items", "tracks"]
        .iter()
        .filter_map(|k| full.get(*k))
        .map(items)
        .find(|e| !e.is_empty())
        .unwrap_or_default()
}

/// Append `more` to `to`, leaving out an entry equal to one already there.
fn append_new(to: &mut Vec<Value>, more: Vec<Value>) {
    for e in more {
        if !to.contains(&e) {
            to.push(e);
        }
    }
}

/// The playlists' entries, by playlist id.
type Entries = HashMap<String, Vec<Value>>;

/// The account's playlist listing and the playlists' entries.
pub(super) fn compose(
    files: &HashMap<String, Value>,
) -> Result<(Vec<Value>, Entries), ReplayError> {
    let mut entries = Entries::new();
    let api = |path: &str| format!("handlers: GET https://api.spotify.com/v1{path}");
    let own_items = format!("/playlists/{OWN_PLAYLIST}/tracks");
    // The account's own listing (its test appends a `null`).
    let mut listing = items(get(files, EXPORTIFY, &api("/users/watsonbox/playlists"))?);
    // watsonbox's playlist: its recorded pages, odd ones included.
    let mut own = Vec::new();
    for handlers in [
        "handlers",
        "duplicateTrackHandlers",
        "nullTrackHandlers",
        "localTrackHandlers",
    ] {
        let key = format!("{handlers}: GET https://api.spotify.com/v1{own_items}");
        append_new(&mut own, items(get(files, EXPORTIFY, &key)?));
    }
    // Entries recorded without their playlist.
    let rspotify = "rspotify_test_models.json";
    let jmperez = "jmperez_spotify-web-api-js.json";
    own.extend(items(get(
        files,
        rspotify,
        "test_deserialization_playlist_item_with_malformed_episodes",
    )?));
    own.extend(items(get(
        files,
        jmperez,
        "__test__/fixtures/playlist_tracks.json",
    )?));
    if let Some(m) = get(files, "spotify_docs_local_file.json", "")?.as_object() {
        own.extend(m.values().cloned());
    }
    own.extend(items(get(
        files,
        "clayton-knapp_30-second-preview-test_data.json",
        "",
    )?));
    entries.insert(OWN_PLAYLIST.to_string(), own);
    // Full playlists: listed simplified, with their own entries.
    for full in [
        get(files, jmperez, "__test__/fixtures/playlist.json")?,
        get(files, rspotify, "test_full_playlist_accepts_items_field")?,
    ] {
        listing.push(simplified(full));
        if let Some(id) = full.get("id").and_then(Value::as_str) {
            entries.insert(id.to_string(), entries_of(full));
        }
    }
    let ofaruk = "ofarukaydin_react-spotify-youtube.json";
    listing.extend(items(get(
        files,
        ofaruk,
        "src/utils/mockedPlaylistsData.ts",
    )?));
    let details = get(files, ofaruk, "src/utils/mockedPlaylistDetailsData.ts")?;
    if let Some(id) = details.get("id").and_then(Value::as_str) {
        entries.insert(id.to_string(), entries_of(details));
    }
    listing.push(get(files, rspotify, "test_simplified_playlist")?.clone());
    Ok((listing, entries))
}

/// A full playlist as `/me/playlists` lists it: its item page replaced by `{href, total}`.
fn simplified(full: &Value) -> Value {
    let mut m: Map<String, Value> = full.as_object().cloned().unwrap_or_default();
    for key in ["items", "tracks"] {
        if let Some(page) = m.get(key).filter(|p| p.get("items").is_some()) {
            let summary = json!({"href": page["href"], "total": page["total"]});
            m.insert(key.to_string(), summary);
        }
    }
    Value::Object(m)
}
