//! Playlists (simplified and full), their items — tracks, episodes, local files, unavailable
//! entries — and item pages.

use serde::Serialize;
use serde_json::{Value, json};

use super::catalog::{TrackFull, track_full};
use super::json::Ts;
use super::library::episode_json;
use super::{Ctx, UserRefJson, page, to_vec, user_ref};
use crate::model::*;

fn local_json(artist: &str, album: &str, title: &str, seconds: u32) -> Value {
    json!({
        "album": {
            "album_type": null,
            "total_tracks": 0,
            "artists": [],
            "available_markets": [],
            "external_urls": {},
            "href": null,
            "id": null,
            "images": [],
            "name": album,
            "release_date": null,
            "release_date_precision": null,
            "type": "album",
            "uri": null,
        },
        "artists": [{
            "external_urls": {},
            "href": null,
            "id": null,
            "name": artist,
            "type": "artist",
            "uri": null,
        }],
        "available_markets": [],
        "disc_number": 0,
        "duration_ms": seconds * 1000,
        "explicit": false,
        "external_ids": {},
        "external_urls": {},
        "href": null,
        "id": null,
        "is_local": true,
        "name": title,
        "popularity": 0,
        "preview_url": null,
        "track_number": 0,
        "type": "track",
        "uri": local_uri(artist, album, title, seconds),
    })
}

#[derive(Serialize)]
#[serde(untagged)]
pub enum ItemJson<'a> {
    Track(Box<TrackFull<'a>>),
    Other(Value),
}

#[derive(Serialize)]
pub struct PlaylistItemJson<'a> {
    added_at: Option<Ts>,
    added_by: Option<UserRefJson<'a>>,
    is_local: bool,
    primary_color: Option<&'static str>,
    item: &'a ItemJson<'a>,
    track: &'a ItemJson<'a>,
    video_thumbnail: VideoThumb,
}

#[derive(Serialize)]
struct VideoThumb {
    url: Option<&'static str>,
}

/// The items of a playlist as JSON values (`item` and the legacy `track` key carry the same).
pub fn item_values<'a>(c: &Ctx<'a>, items: &'a [PlaylistItem]) -> Vec<ItemJson<'a>> {
    items
        .iter()
        .map(|it| match &it.kind {
            ItemKind::Track(t) => ItemJson::Track(Box::new(track_full(c, *t))),
            ItemKind::Episode(e) => ItemJson::Other(episode_json(c, *e)),
            ItemKind::Local {
                artist,
                album,
                title,
                seconds,
            } => ItemJson::Other(local_json(artist, album, title, *seconds)),
            ItemKind::Unavailable => ItemJson::Other(Value::Null),
        })
        .collect()
}

pub fn playlist_items_json<'a>(
    c: &Ctx<'a>,
    items: &'a [PlaylistItem],
    values: &'a [ItemJson<'a>],
) -> Vec<PlaylistItemJson<'a>> {
    items
        .iter()
        .zip(values)
        .map(|(it, v)| PlaylistItemJson {
            added_at: it.added_at.map(Ts),
            added_by: it.added_by.map(|u| user_ref(c, u, false)),
            is_local: matches!(it.kind, ItemKind::Local { .. }),
            primary_color: None,
            item: v,
            track: v,
            video_thumbnail: VideoThumb { url: None },
        })
        .collect()
}

/// `GET /playlists/{id}/items` (or `/tracks`) page.
pub fn items_page(c: &Ctx<'_>, p: &Playlist, path: &str, offset: usize, limit: usize) -> Vec<u8> {
    let total = p.items.len();
    let end = (offset + limit).min(total);
    let slice = p.items.get(offset..end).unwrap_or(&[]);
    let values = item_values(c, slice);
    let items = playlist_items_json(c, slice, &values);
    let url = format!("{}playlists/{}/{path}", c.base, id_str(&p.id));
    to_vec(&page(&url, offset, limit, total, items))
}

#[derive(Serialize)]
struct ItemsRef {
    href: String,
    total: usize,
}

fn playlist_common(c: &Ctx<'_>, p: &Playlist) -> serde_json::Map<String, Value> {
    let id = id_str(&p.id);
    let mut m = serde_json::Map::new();
    m.insert("collaborative".into(), json!(p.collaborative));
    m.insert("description".into(), json!(p.description.as_deref()));
    m.insert(
        "external_urls".into(),
        json!({"spotify": format!("https://open.spotify.com/playlist/{id}")}),
    );
    m.insert("href".into(), json!(format!("{}playlists/{id}", c.base)));
    m.insert("id".into(), json!(id));
    m.insert("images".into(), playlist_images(c, p));
    m.insert("name".into(), json!(&*p.name));
    m.insert("owner".into(), json!(user_ref(c, p.owner, true)));
    m.insert("primary_color".into(), Value::Null);
    m.insert("public".into(), json!(p.public));
    m.insert("snapshot_id".into(), json!(p.snapshot_id));
    m.insert("type".into(), json!("playlist"));
    m.insert("uri".into(), json!(format!("spotify:playlist:{id}")));
    m
}

/// The playlist's `images`: its custom cover or its mosaic on the simulator's image CDN.
pub fn playlist_images(c: &Ctx<'_>, p: &Playlist) -> Value {
    crate::covers::images_json(
        c.cdn,
        id_str(&p.id),
        !p.items.is_empty(),
        c.lib.covers.get(&p.id),
    )
}

/// Whether this app may read the playlist's items: in Development Mode only when the caller
/// owns the playlist or it is collaborative.
pub fn items_visible(c: &Ctx<'_>, p: &Playlist) -> bool {
    let readable = if c.own {
        p.items_readable_in_dev()
    } else {
        p.collaborative
    };
    c.extended || (readable && !p.spotify_owned())
}

/// SimplifiedPlaylistObject (in `/me/playlists`).
pub fn playlist_simple(c: &Ctx<'_>, p: &Playlist) -> Value {
    let mut m = playlist_common(c, p);
    // Lists carry an empty string where the full object has null.
    m.insert(
        "description".into(),
        json!(p.description.as_deref().unwrap_or("")),
    );
    if items_visible(c, p) {
        let id = id_str(&p.id);
        let r = |path: &str| {
            json!(ItemsRef {
                href: format!("{}playlists/{id}/{path}", c.base),
                total: p.items.len(),
            })
        };
        m.insert("items".into(), r("items"));
        m.insert("tracks".into(), r("tracks"));
    }
    Value::Object(m)
}

pub fn playlists_page(c: &Ctx<'_>, offset: usize, limit: usize) -> Vec<u8> {
    let mine: Vec<&Playlist> = c.lib.playlists.iter().filter(|p| p.in_library).collect();
    let total = mine.len();
    let items: Vec<Value> = mine
        .iter()
        .skip(offset)
        .take(limit)
        .map(|p| playlist_simple(c, p))
        .collect();
    let url = format!("{}me/playlists", c.base);
    to_vec(&page(&url, offset, limit, total, items))
}

/// PlaylistObject (`GET /playlists/{id}`): the first 50 items embedded when readable.
pub fn playlist_full(c: &Ctx<'_>, p: &Playlist) -> Vec<u8> {
    let mut m = playlist_common(c, p);
    m.insert(
        "followers".into(),
        json!({"href": null, "total": p.followers}),
    );
    if items_visible(c, p) {
        let limit = 50;
        let slice = &p.items[..p.items.len().min(limit)];
        let values = item_values(c, slice);
        let items = playlist_items_json(c, slice, &values);
        let id = id_str(&p.id);
        let pg = |path: &str| {
            json!(page(
                &format!("{}playlists/{id}/{path}", c.base),
                0,
                limit,
                p.items.len(),
                &items
            ))
        };
        m.insert("items".into(), pg("items"));
        m.insert("tracks".into(), pg("tracks"));
    }
    to_vec(&Value::Object(m))
}
