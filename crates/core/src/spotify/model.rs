//! Tolerant models of today's Web API payloads.
//!
//! Every field is optional: Development Mode drops fields (`popularity`, `label`, `followers`...),
//! playlists may come without `items`, playlist entries may be `null`, episodes or local files.
//! Page items are kept as raw JSON and converted one by one, so one odd item never loses a page.

use serde::Deserialize;
use serde_json::Value;

/// A page of a limit/offset listing. Items stay raw until converted one by one.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Page {
    pub items: Vec<Value>,
    pub total: Option<u64>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
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
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CursorPage {
    pub items: Vec<Value>,
    pub next: Option<String>,
    pub cursors: Option<Cursors>,
    pub limit: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Cursors {
    pub after: Option<String>,
    pub before: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Image {
    pub url: Option<String>,
    pub height: Option<i64>,
    pub width: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ExternalIds {
    pub isrc: Option<String>,
    pub upc: Option<String>,
    pub ean: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Followers {
    pub total: Option<i64>,
}

/// A simplified or full artist.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Artist {
    pub id: Option<String>,
    pub name: Option<String>,
    pub uri: Option<String>,
    /// Deprecated: may be absent, null or empty.
    pub genres: Option<Vec<String>>,
    pub images: Option<Vec<Value>>,
    /// Extended Quota only.
    pub popularity: Option<i64>,
    /// Extended Quota only.
    pub followers: Option<Followers>,
}

/// A simplified or full album.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Album {
    pub id: Option<String>,
    pub name: Option<String>,
    pub album_type: Option<String>,
    pub release_date: Option<String>,
    pub release_date_precision: Option<String>,
    pub total_tracks: Option<i64>,
    pub images: Option<Vec<Value>>,
    pub artists: Vec<Artist>,
    pub uri: Option<String>,
    /// Extended Quota only.
    pub label: Option<String>,
    /// Extended Quota only.
    pub popularity: Option<i64>,
    pub genres: Option<Vec<String>>,
    pub external_ids: Option<ExternalIds>,
}

/// A track, an episode, or a local file (as playlist entries carry them).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Playable {
    pub id: Option<String>,
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub uri: Option<String>,
    pub is_local: Option<bool>,
    pub album: Option<Album>,
    pub artists: Vec<Artist>,
    pub duration_ms: Option<i64>,
    pub explicit: Option<bool>,
    pub disc_number: Option<i64>,
    pub track_number: Option<i64>,
    pub external_ids: Option<ExternalIds>,
    /// Extended Quota only.
    pub popularity: Option<i64>,
    /// Episodes only.
    pub show: Option<Value>,
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
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SavedTrack {
    pub added_at: Option<String>,
    pub track: Option<Playable>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct UserRef {
    pub id: Option<String>,
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ItemsRef {
    pub href: Option<String>,
    pub total: Option<u64>,
}

/// A simplified playlist of `/me/playlists`. `items` (or the older `tracks`) may be missing.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Playlist {
    pub id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub owner: Option<UserRef>,
    pub public: Option<bool>,
    pub collaborative: Option<bool>,
    pub snapshot_id: Option<String>,
    pub uri: Option<String>,
    pub items: Option<ItemsRef>,
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
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PlaylistEntry {
    pub added_at: Option<String>,
    pub added_by: Option<UserRef>,
    pub is_local: Option<bool>,
    pub item: Option<Value>,
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
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Me {
    pub id: Option<String>,
    pub display_name: Option<String>,
    pub account_id: Option<String>,
}

/// `GET /albums?ids=`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Albums {
    pub albums: Vec<Option<Value>>,
}

/// `GET /artists?ids=`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Artists {
    pub artists: Vec<Option<Value>>,
}

/// One play of `/me/player/recently-played`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Play {
    pub played_at: Option<String>,
    pub track: Option<Playable>,
    pub context: Option<PlayContext>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PlayContext {
    #[serde(rename = "type")]
    pub kind: Option<String>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn odd_playlist_entries_are_typed_not_fatal() {
        let page: Page = serde_json::from_value(json!({
            "items": [
                {"added_at": null, "added_by": null, "is_local": false, "item": null},
                {"added_at": "2020-01-01T00:00:00Z", "is_local": true,
                 "item": {"id": null, "uri": "spotify:local:a:b:c:120", "name": "c", "type": "track"}},
                {"added_at": "2020-01-01T00:00:00Z", "track": {"id": "e1", "type": "episode",
                 "uri": "spotify:episode:e1", "name": "ep"}},
                null,
                42
            ],
            "total": 5
        }))
        .unwrap();
        let items: Vec<Option<PlaylistEntry>> = page.parse_items();
        assert_eq!(items.len(), 5);
        assert!(items[0].as_ref().unwrap().playable().is_none());
        assert!(
            items[1]
                .as_ref()
                .unwrap()
                .playable()
                .unwrap()
                .is_local_file()
        );
        assert!(items[2].as_ref().unwrap().playable().unwrap().is_episode());
        assert!(items[3].is_none());
        assert!(items[4].is_none());
    }

    #[test]
    fn playlist_without_items_key() {
        let p: Playlist = serde_json::from_value(json!({"id": "p", "name": "x"})).unwrap();
        assert_eq!(p.total_items(), None);
        let p: Playlist =
            serde_json::from_value(json!({"id": "p", "tracks": {"href": "h", "total": 3}}))
                .unwrap();
        assert_eq!(p.total_items(), Some(3));
    }
}
