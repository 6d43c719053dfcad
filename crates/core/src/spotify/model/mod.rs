//! Tolerant models of today's Web API payloads.
//!
//! Every field is optional: Development Mode drops fields (`popularity`, `label`, `followers`...),
//! playlists may come without `items`, playlist entries may be `null`, episodes or local files.
//! Page items are kept as raw JSON and converted one by one, so one odd item never loses a page.
//!
//! Every field is read by a [`lenient`] reader: a mistyped or absurd value
//! (a negative `total`, a string `duration_ms`, a malformed `added_at`, an id with a `/`)
//! becomes `None` with the meaning documented there, instead of failing the whole object. What
//! is still an error: a body that is not JSON, a payload that is not an object, and a listing
//! whose `items` (or `albums`/`artists`) is missing or not an array — an empty page read from
//! nonsense would end a walk early and mark the rest of the library removed.
//!
//! `next` links are never followed (the engine pages by offset or by `after`); only whether
//! one is present is read, so a `next` pointing elsewhere changes nothing.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::lenient::{self, MAX_DURATION_MS, MAX_FOLLOWERS, MAX_POPULARITY, MAX_SMALL};

/// A page of a limit/offset listing. Items stay raw until converted one by one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Page {
    /// Required: a listing without an `items` array is unreadable.
    pub items: Vec<Value>,
    #[serde(default, deserialize_with = "lenient::paging")]
    pub total: Option<u64>,
    #[serde(default, deserialize_with = "lenient::paging")]
    pub limit: Option<u64>,
    #[serde(default, deserialize_with = "lenient::paging")]
    pub offset: Option<u64>,
    #[serde(default, deserialize_with = "lenient::string")]
    pub next: Option<String>,
}

impl Page {
    /// Convert each raw item; `None` where an item is `null` or unreadable (position kept).
    pub fn parse_items<T: serde::de::DeserializeOwned>(&self) -> Vec<Option<T>> {
        self.items
            .iter()
            .map(|v| {
                if v.is_null() {
                    None
                } else {
                    serde_json::from_value(v.clone()).ok()
                }
            })
            .collect()
    }
}

/// A cursor-paged listing (`/me/player/recently-played`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CursorPage {
    /// Required, as in [`Page`].
    pub items: Vec<Value>,
    #[serde(default, deserialize_with = "lenient::string")]
    pub next: Option<String>,
    #[serde(default, deserialize_with = "lenient::object")]
    pub cursors: Option<Cursors>,
    #[serde(default, deserialize_with = "lenient::paging")]
    pub limit: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Cursors {
    #[serde(deserialize_with = "lenient::string")]
    pub after: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub before: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Image {
    #[serde(deserialize_with = "lenient::string")]
    pub url: Option<String>,
    #[serde(deserialize_with = "lenient::count::<_, MAX_SMALL>")]
    pub height: Option<i64>,
    #[serde(deserialize_with = "lenient::count::<_, MAX_SMALL>")]
    pub width: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExternalIds {
    #[serde(deserialize_with = "lenient::string")]
    pub isrc: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub upc: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub ean: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Followers {
    #[serde(deserialize_with = "lenient::count::<_, MAX_FOLLOWERS>")]
    pub total: Option<i64>,
}

/// A simplified or full artist.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Artist {
    #[serde(deserialize_with = "lenient::id")]
    pub id: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub uri: Option<String>,
    /// Deprecated: may be absent, null or empty.
    #[serde(deserialize_with = "lenient::strings")]
    pub genres: Option<Vec<String>>,
    #[serde(deserialize_with = "lenient::raw_list")]
    pub images: Option<Vec<Value>>,
    /// Extended Quota only.
    #[serde(deserialize_with = "lenient::count::<_, MAX_POPULARITY>")]
    pub popularity: Option<i64>,
    /// Extended Quota only.
    #[serde(deserialize_with = "lenient::object")]
    pub followers: Option<Followers>,
}

/// A simplified or full album.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Album {
    #[serde(deserialize_with = "lenient::id")]
    pub id: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub album_type: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub release_date: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub release_date_precision: Option<String>,
    #[serde(deserialize_with = "lenient::count::<_, MAX_SMALL>")]
    pub total_tracks: Option<i64>,
    #[serde(deserialize_with = "lenient::raw_list")]
    pub images: Option<Vec<Value>>,
    #[serde(deserialize_with = "lenient::list")]
    pub artists: Vec<Artist>,
    #[serde(deserialize_with = "lenient::string")]
    pub uri: Option<String>,
    /// Extended Quota only.
    #[serde(deserialize_with = "lenient::string")]
    pub label: Option<String>,
    /// Extended Quota only.
    #[serde(deserialize_with = "lenient::count::<_, MAX_POPULARITY>")]
    pub popularity: Option<i64>,
    #[serde(deserialize_with = "lenient::strings")]
    pub genres: Option<Vec<String>>,
    #[serde(deserialize_with = "lenient::object")]
    pub external_ids: Option<ExternalIds>,
}

/// A track, an episode, or a local file (as playlist entries carry them).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Playable {
    #[serde(deserialize_with = "lenient::id")]
    pub id: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub name: Option<String>,
    #[serde(rename = "type", deserialize_with = "lenient::string")]
    pub kind: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub uri: Option<String>,
    #[serde(deserialize_with = "lenient::boolean")]
    pub is_local: Option<bool>,
    #[serde(deserialize_with = "lenient::object")]
    pub album: Option<Album>,
    #[serde(deserialize_with = "lenient::list")]
    pub artists: Vec<Artist>,
    /// Milliseconds, `0..=`[`MAX_DURATION_MS`].
    #[serde(deserialize_with = "lenient::count::<_, MAX_DURATION_MS>")]
    pub duration_ms: Option<i64>,
    #[serde(deserialize_with = "lenient::boolean")]
    pub explicit: Option<bool>,
    #[serde(deserialize_with = "lenient::count::<_, MAX_SMALL>")]
    pub disc_number: Option<i64>,
    #[serde(deserialize_with = "lenient::count::<_, MAX_SMALL>")]
    pub track_number: Option<i64>,
    #[serde(deserialize_with = "lenient::object")]
    pub external_ids: Option<ExternalIds>,
    /// Extended Quota only.
    #[serde(deserialize_with = "lenient::count::<_, MAX_POPULARITY>")]
    pub popularity: Option<i64>,
    /// Episodes only.
    #[serde(deserialize_with = "lenient::non_null")]
    pub show: Option<Value>,
    #[serde(deserialize_with = "lenient::string")]
    pub release_date: Option<String>,
}

impl Playable {
    pub fn is_episode(&self) -> bool {
        self.kind.as_deref() == Some("episode")
            || self
                .uri
                .as_deref()
                .is_some_and(|u| u.starts_with("spotify:episode:"))
    }

    pub fn is_local_file(&self) -> bool {
        self.is_local == Some(true)
            || self
                .uri
                .as_deref()
                .is_some_and(|u| u.starts_with("spotify:local:"))
    }
}

/// One entry of `/me/tracks`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SavedTrack {
    /// RFC 3339 in UTC (see [`lenient::timestamp`]).
    #[serde(deserialize_with = "lenient::timestamp")]
    pub added_at: Option<String>,
    #[serde(deserialize_with = "lenient::object")]
    pub track: Option<Playable>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserRef {
    /// User ids are not base62 (legacy user names): any string.
    #[serde(deserialize_with = "lenient::string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ItemsRef {
    #[serde(deserialize_with = "lenient::string")]
    pub href: Option<String>,
    #[serde(deserialize_with = "lenient::paging")]
    pub total: Option<u64>,
}

/// A simplified playlist of `/me/playlists`. `items` (or the older `tracks`) may be missing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Playlist {
    #[serde(deserialize_with = "lenient::id")]
    pub id: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub description: Option<String>,
    #[serde(deserialize_with = "lenient::object")]
    pub owner: Option<UserRef>,
    #[serde(deserialize_with = "lenient::boolean")]
    pub public: Option<bool>,
    #[serde(deserialize_with = "lenient::boolean")]
    pub collaborative: Option<bool>,
    #[serde(deserialize_with = "lenient::string")]
    pub snapshot_id: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub uri: Option<String>,
    #[serde(deserialize_with = "lenient::object")]
    pub items: Option<ItemsRef>,
    #[serde(deserialize_with = "lenient::object")]
    pub tracks: Option<ItemsRef>,
}

impl Playlist {
    pub fn total_items(&self) -> Option<u64> {
        self.items
            .as_ref()
            .and_then(|i| i.total)
            .or_else(|| self.tracks.as_ref().and_then(|t| t.total))
    }
}

/// One entry of `/playlists/{id}/items`: `item` (new key) or `track` (old key), maybe `null`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlaylistEntry {
    /// RFC 3339 in UTC (see [`lenient::timestamp`]).
    #[serde(deserialize_with = "lenient::timestamp")]
    pub added_at: Option<String>,
    #[serde(deserialize_with = "lenient::object")]
    pub added_by: Option<UserRef>,
    #[serde(deserialize_with = "lenient::boolean")]
    pub is_local: Option<bool>,
    #[serde(deserialize_with = "lenient::non_null")]
    pub item: Option<Value>,
    #[serde(deserialize_with = "lenient::non_null")]
    pub track: Option<Value>,
}

impl PlaylistEntry {
    /// The entry's playable, whichever key carried it; `None` for an unavailable item.
    pub fn playable(&self) -> Option<Playable> {
        let raw = match (&self.item, &self.track) {
            (Some(v), _) if !v.is_null() => v,
            (_, Some(v)) if !v.is_null() => v,
            _ => return None,
        };
        let mut p: Playable = serde_json::from_value(raw.clone()).ok()?;
        if self.is_local == Some(true) {
            p.is_local = Some(true);
        }
        Some(p)
    }
}

/// `GET /me`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Me {
    #[serde(deserialize_with = "lenient::string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub display_name: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub account_id: Option<String>,
}

/// `GET /albums?ids=`: one entry per requested id (`null` for an unknown one). Required.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Albums {
    pub albums: Vec<Option<Value>>,
}

/// `GET /artists?ids=`: one entry per requested id (`null` for an unknown one). Required.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Artists {
    pub artists: Vec<Option<Value>>,
}

/// One play of `/me/player/recently-played`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Play {
    /// RFC 3339 in UTC (see [`lenient::timestamp`]); a play without a readable time is
    /// skipped by the engine.
    #[serde(deserialize_with = "lenient::timestamp")]
    pub played_at: Option<String>,
    #[serde(deserialize_with = "lenient::object")]
    pub track: Option<Playable>,
    #[serde(deserialize_with = "lenient::object")]
    pub context: Option<PlayContext>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlayContext {
    #[serde(rename = "type", deserialize_with = "lenient::string")]
    pub kind: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub uri: Option<String>,
}

/// The `images` array as JSON text (`None` when absent).
pub fn images_json(images: &Option<Vec<Value>>) -> Option<String> {
    images.as_ref().and_then(|v| serde_json::to_string(v).ok())
}

/// The `genres` array as JSON text (`None` when absent or null).
pub fn genres_json(genres: &Option<Vec<String>>) -> Option<String> {
    genres.as_ref().and_then(|v| serde_json::to_string(v).ok())
}

mod library;
pub use library::*;

#[cfg(test)]
mod tests;
