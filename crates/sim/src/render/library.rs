//! The library lists besides liked songs and playlists: saved albums (full album objects),
//! followed artists (cursor paging, full artist objects), saved shows, episodes and audiobooks,
//! and the top artists / tracks.

use serde::Serialize;
use serde::ser::SerializeMap;
use serde_json::{Value, json};

use super::catalog::{album_full, artist_full, track_full};
use super::json::Images;
use super::{Ctx, MARKETS, Page, page, to_vec};
use crate::model::*;

/// A simplified show object.
pub fn show_json(c: &Ctx<'_>, s: u32) -> Value {
    let s = &c.lib.shows[s as usize];
    let sid = id_str(&s.id);
    json!({
        "available_markets": MARKETS,
        "copyrights": [],
        "description": &*s.description,
        "html_description": format!("<p>{}</p>", s.description),
        "explicit": false,
        "external_urls": {"spotify": format!("https://open.spotify.com/show/{sid}")},
        "href": format!("{}shows/{sid}", c.base),
        "id": sid,
        "images": Images(sid),
        "is_externally_hosted": false,
        "languages": ["en"],
        "media_type": "audio",
        "name": &*s.name,
        "publisher": &*s.publisher,
        "total_episodes": s.total_episodes,
        "type": "show",
        "uri": format!("spotify:show:{sid}"),
    })
}

/// `{"added_at": …, "<key>": item}`
struct SavedJson<T> {
    key: &'static str,
    added_at: i64,
    item: T,
}

impl<T: Serialize> Serialize for SavedJson<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("added_at", &super::Ts(self.added_at))?;
        m.serialize_entry(self.key, &self.item)?;
        m.end()
    }
}

/// One page of an `added_at` list at `{base}{path}`.
fn saved_page<T: Serialize>(
    c: &Ctx<'_>,
    list: &[SavedItem],
    path: &str,
    key: &'static str,
    (offset, limit): (usize, usize),
    render: impl Fn(u32) -> T,
) -> Vec<u8> {
    let total = list.len();
    let end = (offset + limit).min(total);
    let items: Vec<SavedJson<T>> = list
        .get(offset..end)
        .unwrap_or(&[])
        .iter()
        .map(|s| SavedJson {
            key,
            added_at: s.added_at,
            item: render(s.item),
        })
        .collect();
    to_vec(&page(
        &format!("{}{path}", c.base),
        offset,
        limit,
        total,
        items,
    ))
}

/// `/me/albums`: full album objects.
pub fn saved_albums_page(c: &Ctx<'_>, offset: usize, limit: usize) -> Vec<u8> {
    saved_page(
        c,
        &c.lib.saved_albums,
        "me/albums",
        "album",
        (offset, limit),
        |a| album_full(c, a),
    )
}

/// `/me/shows`: simplified show objects.
pub fn saved_shows_page(c: &Ctx<'_>, offset: usize, limit: usize) -> Vec<u8> {
    saved_page(
        c,
        &c.lib.saved_shows,
        "me/shows",
        "show",
        (offset, limit),
        |s| show_json(c, s),
    )
}

/// A full episode object as `/me/episodes` sends it (with the listener's resume point).
fn saved_episode_json(c: &Ctx<'_>, e: u32) -> Value {
    let mut v = episode_json(c, e);
    let ep = &c.lib.episodes[e as usize];
    if let Value::Object(m) = &mut v {
        // The legacy flags belong to playlist items only.
        m.remove("episode");
        m.remove("track");
        let seed = u32::from(ep.id[0]) + u32::from(ep.id[1]);
        let fully_played = seed % 4 == 0;
        let position = if fully_played {
            0
        } else {
            (ep.duration_ms / 97).saturating_mul(seed % 97)
        };
        m.insert(
            "resume_point".into(),
            json!({"fully_played": fully_played, "resume_position_ms": position}),
        );
    }
    v
}

/// `/me/episodes`: full episode objects.
pub fn saved_episodes_page(c: &Ctx<'_>, offset: usize, limit: usize) -> Vec<u8> {
    saved_page(
        c,
        &c.lib.saved_episodes,
        "me/episodes",
        "episode",
        (offset, limit),
        |e| saved_episode_json(c, e),
    )
}

/// A simplified audiobook object, as `/me/audiobooks` sends its items: no chapters, and the
/// `uri` / `external_urls` of a show, as recorded from the real API in 2026.
pub fn audiobook_simple_json(c: &Ctx<'_>, a: u32) -> Value {
    let b = &c.lib.audiobooks[a as usize];
    let id = id_str(&b.id);
    let names =
        |xs: &[Box<str>]| -> Vec<Value> { xs.iter().map(|n| json!({"name": &**n})).collect() };
    json!({
        "authors": names(&b.authors),
        "available_markets": MARKETS,
        "copyrights": [{"text": format!("{} 2024", b.publisher), "type": "C"}],
        "description": &*b.description,
        "html_description": format!("<p>{}</p>", b.description),
        "edition": &*b.edition,
        "explicit": false,
        "external_urls": {"spotify": format!("https://open.spotify.com/show/{id}")},
        "href": format!("{}audiobooks/{id}", c.base),
        "id": id,
        "images": Images(id),
        "is_externally_hosted": false,
        "languages": ["en"],
        "media_type": "audio",
        "name": &*b.name,
        "narrators": names(&b.narrators),
        "publisher": &*b.publisher,
        "type": "audiobook",
        "uri": format!("spotify:show:{id}"),
        "total_chapters": b.chapters.len(),
    })
}

/// `/me/audiobooks`: a page of **bare** simplified audiobook objects, newest first, with no
/// `added_at` and no `{added_at, audiobook}` wrapper (what Spotify answers, although its
/// OpenAPI description says `SavedAudiobookObject`).
pub fn saved_audiobooks_page(c: &Ctx<'_>, offset: usize, limit: usize) -> Vec<u8> {
    let list = &c.lib.saved_audiobooks;
    let end = (offset + limit).min(list.len());
    let items: Vec<Value> = list
        .get(offset..end)
        .unwrap_or(&[])
        .iter()
        .map(|s| audiobook_simple_json(c, s.item))
        .collect();
    to_vec(&page(
        &format!("{}me/audiobooks", c.base),
        offset,
        limit,
        list.len(),
        items,
    ))
}

#[derive(Serialize)]
struct Cursors<'a> {
    after: Option<&'a str>,
}

#[derive(Serialize)]
struct CursorPage<'a, I: Serialize> {
    href: String,
    items: I,
    limit: usize,
    next: Option<String>,
    cursors: Cursors<'a>,
    total: usize,
}

/// `/me/following?type=artist`: the followed artists after the id `after` (ascending id).
pub fn followed_page(c: &Ctx<'_>, after: Option<&Id>, limit: usize) -> Vec<u8> {
    let lib = c.lib;
    let list = &lib.followed_artists;
    let start = match after {
        None => 0,
        Some(a) => list.partition_point(|&x| lib.artists[x as usize].id <= *a),
    };
    let end = (start + limit).min(list.len());
    let slice = list.get(start..end).unwrap_or(&[]);
    let url = format!("{}me/following?type=artist", c.base);
    let last = slice.last().map(|&x| id_str(&lib.artists[x as usize].id));
    let more = end < list.len();
    let href = match after {
        Some(a) => format!("{url}&after={}&limit={limit}", id_str(a)),
        None => format!("{url}&limit={limit}"),
    };
    let page = CursorPage {
        href,
        items: slice.iter().map(|&a| artist_full(c, a)).collect::<Vec<_>>(),
        limit,
        next: last
            .filter(|_| more)
            .map(|l| format!("{url}&after={l}&limit={limit}")),
        cursors: Cursors {
            after: last.filter(|_| more),
        },
        total: list.len(),
    };
    to_vec(&json!({ "artists": page }))
}

/// A page over `total` items at `{base}{path}` whose links carry the `time_range`.
fn ranged_page<I: Serialize>(
    c: &Ctx<'_>,
    path: &str,
    range: TimeRange,
    (offset, limit): (usize, usize),
    total: usize,
    items: I,
) -> Page<I> {
    let link = |o: usize| {
        format!(
            "{}{path}?offset={o}&limit={limit}&time_range={}",
            c.base,
            range.as_str()
        )
    };
    Page {
        href: link(offset),
        items,
        limit,
        next: (offset + limit < total).then(|| link(offset + limit)),
        offset,
        previous: (offset > 0).then(|| link(offset.saturating_sub(limit))),
        total,
    }
}

fn window(list: &[u32], offset: usize, limit: usize) -> &[u32] {
    let end = (offset + limit).min(list.len());
    list.get(offset..end).unwrap_or(&[])
}

/// `/me/top/artists`: full artist objects in rank order.
pub fn top_artists_page(c: &Ctx<'_>, range: TimeRange, offset: usize, limit: usize) -> Vec<u8> {
    let list = &c.lib.top_artists[range.index()];
    let items: Vec<_> = window(list, offset, limit)
        .iter()
        .map(|&a| artist_full(c, a))
        .collect();
    to_vec(&ranged_page(
        c,
        "me/top/artists",
        range,
        (offset, limit),
        list.len(),
        items,
    ))
}

/// `/me/top/tracks`: full track objects in rank order.
pub fn top_tracks_page(c: &Ctx<'_>, range: TimeRange, offset: usize, limit: usize) -> Vec<u8> {
    let list = &c.lib.top_tracks[range.index()];
    let items: Vec<_> = window(list, offset, limit)
        .iter()
        .map(|&t| track_full(c, t))
        .collect();
    to_vec(&ranged_page(
        c,
        "me/top/tracks",
        range,
        (offset, limit),
        list.len(),
        items,
    ))
}

pub fn episode_json(c: &Ctx<'_>, e: u32) -> Value {
    let lib = c.lib;
    let e = &lib.episodes[e as usize];
    let id = id_str(&e.id);
    json!({
        "audio_preview_url": null,
        "description": &*e.description,
        "html_description": format!("<p>{}</p>", e.description),
        "duration_ms": e.duration_ms,
        "explicit": e.explicit,
        "external_urls": {"spotify": format!("https://open.spotify.com/episode/{id}")},
        "href": format!("{}episodes/{id}", c.base),
        "id": id,
        "images": Images(id),
        "is_externally_hosted": false,
        "is_playable": true,
        // Deprecated, still sent (and required by rspotify's episode model).
        "language": "en",
        "languages": ["en"],
        "name": &*e.name,
        "release_date": &*e.release_date,
        "release_date_precision": "day",
        "type": "episode",
        "uri": format!("spotify:episode:{id}"),
        "show": show_json(c, e.show),
        // Legacy flags Spotify still sends on episodes inside playlists.
        "episode": true,
        "track": false,
    })
}
