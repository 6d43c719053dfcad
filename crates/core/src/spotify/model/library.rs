//! The library lists besides liked songs and playlists: saved albums, shows, episodes and
//! audiobooks (`{added_at, <kind>}` entries), followed artists (a cursor page under `artists`),
//! and the objects only they carry (shows, episodes with a resume point, audiobooks).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::CursorPage;
use crate::spotify::lenient::{self, MAX_DURATION_MS, MAX_SMALL};

/// One entry of `/me/albums`, `/me/shows`, `/me/episodes` or `/me/audiobooks`: its time and the
/// object under the list's key (kept raw; converted by the phase that knows which).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SavedEntry {
    /// RFC 3339 in UTC (see [`lenient::timestamp`]).
    #[serde(deserialize_with = "lenient::timestamp")]
    pub added_at: Option<String>,
    #[serde(deserialize_with = "lenient::non_null")]
    pub album: Option<Value>,
    #[serde(deserialize_with = "lenient::non_null")]
    pub show: Option<Value>,
    #[serde(deserialize_with = "lenient::non_null")]
    pub episode: Option<Value>,
    #[serde(deserialize_with = "lenient::non_null")]
    pub audiobook: Option<Value>,
    /// Every other key of the entry: `/me/audiobooks` answers bare audiobook objects, with no
    /// `added_at` and no `audiobook` wrapper.
    #[serde(flatten)]
    pub rest: serde_json::Map<String, Value>,
}

impl SavedEntry {
    /// The audiobook of an entry of `/me/audiobooks`: under `audiobook` (as the OpenAPI
    /// description says) or the entry itself (as Spotify answers).
    pub fn audiobook_object(&self) -> Option<Value> {
        self.audiobook.clone().or_else(|| {
            (self.rest.get("type").and_then(Value::as_str) == Some("audiobook"))
                .then(|| Value::Object(self.rest.clone()))
        })
    }
}

/// `GET /me/following?type=artist`: the page is under `artists` (required).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Following {
    pub artists: CursorPage,
}

/// A simplified show.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Show {
    #[serde(deserialize_with = "lenient::id")]
    pub id: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub publisher: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub description: Option<String>,
    #[serde(deserialize_with = "lenient::count::<_, MAX_SMALL>")]
    pub total_episodes: Option<i64>,
    #[serde(deserialize_with = "lenient::string")]
    pub media_type: Option<String>,
    #[serde(deserialize_with = "lenient::boolean")]
    pub explicit: Option<bool>,
    #[serde(deserialize_with = "lenient::raw_list")]
    pub images: Option<Vec<Value>>,
    #[serde(deserialize_with = "lenient::string")]
    pub uri: Option<String>,
}

/// Where the listener stopped in an episode.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ResumePoint {
    #[serde(deserialize_with = "lenient::boolean")]
    pub fully_played: Option<bool>,
    #[serde(deserialize_with = "lenient::count::<_, MAX_DURATION_MS>")]
    pub resume_position_ms: Option<i64>,
}

/// A full episode, as `/me/episodes` sends it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Episode {
    #[serde(deserialize_with = "lenient::id")]
    pub id: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lenient::count::<_, MAX_DURATION_MS>")]
    pub duration_ms: Option<i64>,
    #[serde(deserialize_with = "lenient::string")]
    pub release_date: Option<String>,
    #[serde(deserialize_with = "lenient::boolean")]
    pub explicit: Option<bool>,
    #[serde(deserialize_with = "lenient::string")]
    pub uri: Option<String>,
    #[serde(deserialize_with = "lenient::object")]
    pub show: Option<Show>,
    #[serde(deserialize_with = "lenient::object")]
    pub resume_point: Option<ResumePoint>,
}

/// An author or narrator.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Named {
    #[serde(deserialize_with = "lenient::string")]
    pub name: Option<String>,
}

/// A full audiobook, as `/me/audiobooks` sends it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Audiobook {
    #[serde(deserialize_with = "lenient::id")]
    pub id: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lenient::list")]
    pub authors: Vec<Named>,
    #[serde(deserialize_with = "lenient::list")]
    pub narrators: Vec<Named>,
    #[serde(deserialize_with = "lenient::string")]
    pub publisher: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub edition: Option<String>,
    #[serde(deserialize_with = "lenient::count::<_, MAX_SMALL>")]
    pub total_chapters: Option<i64>,
    #[serde(deserialize_with = "lenient::raw_list")]
    pub images: Option<Vec<Value>>,
    #[serde(deserialize_with = "lenient::string")]
    pub uri: Option<String>,
}

/// Names as a JSON array of strings (`None` when there are none).
pub fn names_json(names: &[Named]) -> Option<String> {
    let v: Vec<&str> = names.iter().filter_map(|n| n.name.as_deref()).collect();
    (!v.is_empty())
        .then(|| serde_json::to_string(&v).ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_entries_keep_what_is_readable() {
        let e: SavedEntry = serde_json::from_str(
            r#"{"added_at": "yesterday", "album": {"id": "abc"}, "show": null}"#,
        )
        .unwrap();
        assert_eq!(e.added_at, None);
        assert!(e.album.is_some() && e.show.is_none());
        let b: Audiobook = serde_json::from_str(
            r#"{"id": "x/y", "authors": [{"name": "A"}, 3, {"name": null}], "total_chapters": -1}"#,
        )
        .unwrap();
        assert_eq!(b.id, None);
        assert_eq!(names_json(&b.authors).as_deref(), Some(r#"["A"]"#));
        assert_eq!(b.total_chapters, None);
        // A following answer without its page is unreadable, not an empty list.
        assert!(serde_json::from_str::<Following>(r#"{"items": []}"#).is_err());
    }
}
