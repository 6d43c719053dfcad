//! What each list's items must look like for spotsync to read them, and the first item of a page
//! that does not.
//!
//! The models read every field leniently (one odd field never loses an object), but an item
//! whose *object* cannot be found is another matter: a list answered in a shape the program does
//! not know (as `/me/audiobooks` answers bare audiobooks although the OpenAPI description says
//! `{added_at, audiobook}`) would otherwise be read as a page of nothing, counted as done, and a
//! complete walk would then mark every stored item of that list removed. A phase that meets such
//! an item fails loudly instead (see `crate::sync::phases`).
//!
//! An item that is `null`, or whose object is `null` (`{"track": null}`: an unavailable item),
//! is readable: it is Spotify's way of saying the item is gone, and the lists store what they
//! can of it.

use serde_json::Value;

use crate::spotify::lenient::is_id;

/// The shape of one list's items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemShape {
    /// `{added_at, <key>}` (`/me/tracks`: `track`; `/me/albums`: `album`; `/me/shows`: `show`;
    /// `/me/episodes`: `episode`): the object under `key` with an id, or `null`.
    Saved(&'static str),
    /// `/me/audiobooks`: `{added_at, audiobook}` as the OpenAPI description says, or the
    /// audiobook object itself, as Spotify answers.
    SavedAudiobook,
    /// An object with an id: a playlist of `/me/playlists`, a followed or top artist, a top
    /// track.
    Object,
    /// A playlist entry: an object carrying `item` or `track` (either may be `null`: an
    /// unavailable item; local files and episodes are read as such).
    PlaylistEntry,
    /// A play of `/me/player/recently-played`: a readable `played_at` and a `track`.
    Play,
}

/// The item's own id, when it is a JSON object with one.
fn has_id(v: &Value) -> bool {
    v.get("id").and_then(Value::as_str).is_some_and(is_id)
}

/// The first few keys of an object (or what the value is), to name an unreadable item.
fn looks(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&str> = m.keys().map(String::as_str).take(6).collect();
            if m.len() > keys.len() {
                keys.push("…");
            }
            format!("an object with {}", keys.join(", "))
        }
        Value::Array(_) => "an array".into(),
        Value::String(_) => "a string".into(),
        Value::Number(_) => "a number".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Null => "null".into(),
    }
}

impl ItemShape {
    /// Why `v` (a non-null item) cannot be read, or `None` when it can.
    pub fn why_unreadable(self, v: &Value) -> Option<String> {
        if !v.is_object() {
            return Some(format!("{} where an object was expected", looks(v)));
        }
        let wrapped = |key: &str| match v.get(key) {
            Some(Value::Null) => None,
            Some(o) if has_id(o) => None,
            Some(o) => Some(format!("its `{key}` is {} without an id", looks(o))),
            None => Some(format!("it has no `{key}` ({})", looks(v))),
        };
        match self {
            ItemShape::Saved(key) => wrapped(key),
            ItemShape::SavedAudiobook if v.get("audiobook").is_some() => wrapped("audiobook"),
            ItemShape::SavedAudiobook | ItemShape::Object => {
                (!has_id(v)).then(|| format!("{} without an id", looks(v)))
            }
            ItemShape::PlaylistEntry => (v.get("item").is_none() && v.get("track").is_none())
                .then(|| format!("it has neither `item` nor `track` ({})", looks(v))),
            ItemShape::Play => {
                let time = v
                    .get("played_at")
                    .and_then(Value::as_str)
                    .and_then(crate::spotify::lenient::normalize_timestamp);
                if time.is_none() {
                    Some(format!("it has no readable `played_at` ({})", looks(v)))
                } else {
                    wrapped("track")
                }
            }
        }
    }

    /// The first non-null item of `items` that cannot be read: its index and why.
    pub fn first_unreadable(self, items: &[Value]) -> Option<(usize, String)> {
        items
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.is_null())
            .find_map(|(i, v)| self.why_unreadable(v).map(|why| (i, why)))
    }
}

/// The object of a saved-list entry under `key`; for `/me/audiobooks`, also the entry itself
/// when it is the bare audiobook (it has an id and no `audiobook` key).
pub fn entry_object(entry: &Value, key: &str, bare: bool) -> Option<Value> {
    match entry.get(key) {
        Some(Value::Null) => None,
        Some(o) => Some(o.clone()),
        None if bare && has_id(entry) => Some(entry.clone()),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_shape_names_what_it_cannot_read() {
        let id = "4uLU6hMCjMI75M1A2tKUQC";
        let table = [
            // (shape, item, readable)
            (
                ItemShape::Saved("track"),
                json!({"added_at": null, "track": {"id": id}}),
                true,
            ),
            (ItemShape::Saved("track"), json!({"track": null}), true),
            (
                ItemShape::Saved("track"),
                json!({"id": id, "name": "bare"}),
                false,
            ),
            (
                ItemShape::Saved("track"),
                json!({"track": {"name": "no id"}}),
                false,
            ),
            (
                ItemShape::Saved("album"),
                json!({"album": {"id": "a/b"}}),
                false,
            ),
            (ItemShape::Saved("show"), json!("show"), false),
            (
                ItemShape::SavedAudiobook,
                json!({"id": id, "type": "audiobook"}),
                true,
            ),
            (
                ItemShape::SavedAudiobook,
                json!({"audiobook": {"id": id}}),
                true,
            ),
            (
                ItemShape::SavedAudiobook,
                json!({"audiobook": {"name": "x"}}),
                false,
            ),
            (ItemShape::SavedAudiobook, json!({"name": "no id"}), false),
            (ItemShape::Object, json!({"id": id}), true),
            (
                ItemShape::Object,
                json!({"id": null, "name": "Starred"}),
                false,
            ),
            (ItemShape::PlaylistEntry, json!({"track": null}), true),
            (
                ItemShape::PlaylistEntry,
                json!({"item": {"id": null}}),
                true,
            ),
            (ItemShape::PlaylistEntry, json!({"added_at": "x"}), false),
            (
                ItemShape::Play,
                json!({"played_at": "2026-06-01T00:00:00Z", "track": {"id": id}}),
                true,
            ),
            (
                ItemShape::Play,
                json!({"played_at": "soon", "track": {"id": id}}),
                false,
            ),
            (
                ItemShape::Play,
                json!({"played_at": "2026-06-01T00:00:00Z"}),
                false,
            ),
        ];
        for (i, (shape, item, readable)) in table.into_iter().enumerate() {
            let why = shape.why_unreadable(&item);
            assert_eq!(why.is_none(), readable, "row {i}: {why:?}");
        }
        let page = [json!(null), json!({"track": {"id": id}}), json!({"id": id})];
        let (at, why) = ItemShape::Saved("track").first_unreadable(&page).unwrap();
        assert_eq!(at, 2);
        assert!(why.contains("no `track`") && why.contains("id"), "{why}");
    }

    #[test]
    fn an_audiobook_is_read_wrapped_or_bare() {
        let bare = json!({"id": "b1", "name": "Bare", "type": "audiobook"});
        let wrapped = json!({"added_at": "2026-01-01T00:00:00Z", "audiobook": {"id": "b2"}});
        assert_eq!(entry_object(&bare, "audiobook", true), Some(bare.clone()));
        assert_eq!(
            entry_object(&wrapped, "audiobook", true),
            Some(json!({"id": "b2"}))
        );
        // Another list never reads its entry as the object.
        assert_eq!(entry_object(&bare, "album", false), None);
        assert_eq!(
            entry_object(&json!({"audiobook": null}), "audiobook", true),
            None
        );
    }
}
