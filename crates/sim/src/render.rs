//! JSON of the Web API, built per request from the compact library (no JSON is kept in memory).
//!
//! The structs here borrow from the library and serialize straight into the response buffer.

use std::fmt::{self, Display};

use chrono::{Datelike, Timelike};
use serde::Serialize;
use serde::ser::SerializeSeq;
use serde_json::{Value, json};

use super::model::*;

/// Markets sent in Extended Quota mode (Development Mode removed `available_markets`).
const MARKETS: &[&str] = &["CA", "DE", "ES", "FR", "GB", "JP", "SE", "US"];

/// What every renderer needs: the library, the server's own API base and the mode.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub lib: &'a Library,
    /// `http://127.0.0.1:PORT/v1/`
    pub base: &'a str,
    pub extended: bool,
}

/// Serializes any `Display` as a JSON string without an intermediate `String`.
pub struct Disp<T>(pub T);
impl<T: Display> Serialize for Disp<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// Serialize the concatenation of `parts` as one JSON string, without allocating for the
/// short strings (links, URIs) that make up most of a page.
fn concat_str<S: serde::Serializer>(s: S, parts: &[&str]) -> Result<S::Ok, S::Error> {
    let total: usize = parts.iter().map(|p| p.len()).sum();
    if total <= 256 {
        let mut buf = [0u8; 256];
        let mut i = 0;
        for p in parts {
            buf[i..i + p.len()].copy_from_slice(p.as_bytes());
            i += p.len();
        }
        s.serialize_str(std::str::from_utf8(&buf[..i]).unwrap_or(""))
    } else {
        s.serialize_str(&parts.concat())
    }
}

/// `{base}{kind}s/{id}`
pub struct Href<'a>(pub &'a str, pub &'static str, pub &'a str);
impl Serialize for Href<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        concat_str(s, &[self.0, self.1, "s/", self.2])
    }
}

/// `spotify:{kind}:{id}`
pub struct SpUri<'a>(pub &'static str, pub &'a str);
impl Serialize for SpUri<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        concat_str(s, &["spotify:", self.0, ":", self.1])
    }
}

/// `https://open.spotify.com/{kind}/{id}`
pub struct OpenUrl<'a>(pub &'static str, pub &'a str);
impl Serialize for OpenUrl<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        concat_str(s, &["https://open.spotify.com/", self.0, "/", self.1])
    }
}

/// Unix seconds as `2026-11-20T12:00:00Z`.
pub struct Ts(pub i64);
impl Ts {
    fn write(&self, out: &mut [u8; 20]) {
        let d = chrono::DateTime::from_timestamp(self.0, 0).unwrap_or_default();
        let put = |out: &mut [u8; 20], at: usize, width: usize, mut v: u32| {
            for k in (0..width).rev() {
                out[at + k] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        *out = *b"0000-00-00T00:00:00Z";
        put(out, 0, 4, d.year().clamp(0, 9999) as u32);
        put(out, 5, 2, d.month());
        put(out, 8, 2, d.day());
        put(out, 11, 2, d.hour());
        put(out, 14, 2, d.minute());
        put(out, 17, 2, d.second());
    }
}
impl Serialize for Ts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut b = [0u8; 20];
        self.write(&mut b);
        s.serialize_str(std::str::from_utf8(&b).unwrap_or(""))
    }
}
impl Display for Ts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut b = [0u8; 20];
        self.write(&mut b);
        f.write_str(std::str::from_utf8(&b).unwrap_or(""))
    }
}

#[derive(Serialize)]
pub struct ExtUrls<'a> {
    spotify: OpenUrl<'a>,
}
fn ext<'a>(kind: &'static str, id: &'a str) -> ExtUrls<'a> {
    ExtUrls {
        spotify: OpenUrl(kind, id),
    }
}

/// Three sizes of cover art derived from the id (Spotify's size prefixes).
pub struct Images<'a>(pub &'a str);
impl Serialize for Images<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Image<'a> {
            url: ImageUrl<'a>,
            height: u32,
            width: u32,
        }
        struct ImageUrl<'a>(&'static str, &'a str);
        impl Serialize for ImageUrl<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                concat_str(s, &["https://i.scdn.co/image/", self.0, self.1])
            }
        }
        let mut seq = s.serialize_seq(Some(3))?;
        for (px, prefix) in [
            (640, "ab67616d0000b273"),
            (300, "ab67616d00001e02"),
            (64, "ab67616d00004851"),
        ] {
            seq.serialize_element(&Image {
                url: ImageUrl(prefix, self.0),
                height: px,
                width: px,
            })?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
pub struct ArtistSimple<'a> {
    external_urls: ExtUrls<'a>,
    href: Href<'a>,
    id: &'a str,
    name: &'a str,
    #[serde(rename = "type")]
    ty: &'static str,
    uri: SpUri<'a>,
}

fn artist_simple<'a>(c: &Ctx<'a>, a: u32) -> ArtistSimple<'a> {
    let a = &c.lib.artists[a as usize];
    let id = id_str(&a.id);
    ArtistSimple {
        external_urls: ext("artist", id),
        href: Href(c.base, "artist", id),
        id,
        name: &a.name,
        ty: "artist",
        uri: SpUri("artist", id),
    }
}

pub struct Artists<'a>(Ctx<'a>, &'a [u32]);
impl Serialize for Artists<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.1.iter().map(|&a| artist_simple(&self.0, a)))
    }
}

#[derive(Serialize)]
pub struct AlbumSimple<'a> {
    album_type: &'static str,
    total_tracks: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    available_markets: Option<&'static [&'static str]>,
    external_urls: ExtUrls<'a>,
    href: Href<'a>,
    id: &'a str,
    images: Images<'a>,
    name: &'a str,
    release_date: &'a str,
    release_date_precision: &'static str,
    #[serde(rename = "type")]
    ty: &'static str,
    uri: SpUri<'a>,
    artists: Artists<'a>,
    is_playable: bool,
}

fn album_simple<'a>(c: &Ctx<'a>, a: u32) -> AlbumSimple<'a> {
    let a = &c.lib.albums[a as usize];
    let id = id_str(&a.id);
    AlbumSimple {
        album_type: a.album_type.as_str(),
        total_tracks: a.tracks.len() as u32,
        available_markets: c.extended.then_some(MARKETS),
        external_urls: ext("album", id),
        href: Href(c.base, "album", id),
        id,
        images: Images(id),
        name: &a.name,
        release_date: &a.release_date,
        release_date_precision: a.precision.as_str(),
        ty: "album",
        uri: SpUri("album", id),
        artists: Artists(*c, &a.artists),
        is_playable: true,
    }
}

#[derive(Serialize)]
struct ExternalIds<'a> {
    isrc: &'a str,
}

#[derive(Serialize)]
pub struct TrackFull<'a> {
    album: AlbumSimple<'a>,
    artists: Artists<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    available_markets: Option<&'static [&'static str]>,
    disc_number: u8,
    duration_ms: u32,
    explicit: bool,
    external_ids: ExternalIds<'a>,
    external_urls: ExtUrls<'a>,
    href: Href<'a>,
    id: &'a str,
    is_local: bool,
    is_playable: bool,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    popularity: Option<u8>,
    preview_url: Option<&'a str>,
    track_number: u16,
    #[serde(rename = "type")]
    ty: &'static str,
    uri: SpUri<'a>,
}

pub fn track_full<'a>(c: &Ctx<'a>, t: u32) -> TrackFull<'a> {
    let t = &c.lib.tracks[t as usize];
    let id = id_str(&t.id);
    TrackFull {
        album: album_simple(c, t.album),
        artists: Artists(*c, &t.artists),
        available_markets: c.extended.then_some(MARKETS),
        disc_number: t.disc_number,
        duration_ms: t.duration_ms,
        explicit: t.explicit,
        external_ids: ExternalIds {
            isrc: std::str::from_utf8(&t.isrc).unwrap_or(""),
        },
        external_urls: ext("track", id),
        href: Href(c.base, "track", id),
        id,
        is_local: false,
        is_playable: true,
        name: &t.name,
        popularity: c.extended.then_some(t.popularity),
        preview_url: None,
        track_number: t.track_number,
        ty: "track",
        uri: SpUri("track", id),
    }
}

#[derive(Serialize)]
pub struct TrackSimple<'a> {
    artists: Artists<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    available_markets: Option<&'static [&'static str]>,
    disc_number: u8,
    duration_ms: u32,
    explicit: bool,
    external_urls: ExtUrls<'a>,
    href: Href<'a>,
    id: &'a str,
    is_local: bool,
    is_playable: bool,
    name: &'a str,
    preview_url: Option<&'a str>,
    track_number: u16,
    #[serde(rename = "type")]
    ty: &'static str,
    uri: SpUri<'a>,
}

fn track_simple<'a>(c: &Ctx<'a>, t: u32) -> TrackSimple<'a> {
    let t = &c.lib.tracks[t as usize];
    let id = id_str(&t.id);
    TrackSimple {
        artists: Artists(*c, &t.artists),
        available_markets: c.extended.then_some(MARKETS),
        disc_number: t.disc_number,
        duration_ms: t.duration_ms,
        explicit: t.explicit,
        external_urls: ext("track", id),
        href: Href(c.base, "track", id),
        id,
        is_local: false,
        is_playable: true,
        name: &t.name,
        preview_url: None,
        track_number: t.track_number,
        ty: "track",
        uri: SpUri("track", id),
    }
}

/// A paging object (`href`, `items`, `limit`, `next`, `offset`, `previous`, `total`).
#[derive(Serialize)]
pub struct Page<I: Serialize> {
    pub href: String,
    pub items: I,
    pub limit: usize,
    pub next: Option<String>,
    pub offset: usize,
    pub previous: Option<String>,
    pub total: usize,
}

/// Build a page over `total` items; `url` is the endpoint's absolute URL without query
/// (`extra` is appended to every link's query, e.g. `&market=SE`).
pub fn page<I: Serialize>(
    url: &str,
    offset: usize,
    limit: usize,
    total: usize,
    items: I,
) -> Page<I> {
    let link = |o: usize| format!("{url}?offset={o}&limit={limit}");
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

#[derive(Serialize)]
pub struct SavedTrackJson<'a> {
    added_at: Ts,
    track: TrackFull<'a>,
}

pub fn saved_page(c: &Ctx<'_>, offset: usize, limit: usize) -> Vec<u8> {
    let lib = c.lib;
    let total = lib.saved.len();
    let end = (offset + limit).min(total);
    let items: Vec<SavedTrackJson<'_>> = lib
        .saved
        .get(offset..end)
        .unwrap_or(&[])
        .iter()
        .map(|s| SavedTrackJson {
            added_at: Ts(s.added_at),
            track: track_full(c, s.track),
        })
        .collect();
    let url = format!("{}me/tracks", c.base);
    to_vec(&page(&url, offset, limit, total, items))
}

pub fn to_vec<T: Serialize>(v: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(128 * 1024);
    // Serializing these types cannot fail (no maps with non-string keys, no failing Display).
    let _ = serde_json::to_writer(&mut out, v);
    out
}

// --- users -----------------------------------------------------------------------------------

#[derive(Serialize)]
pub struct UserRefJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<Option<&'a str>>,
    external_urls: ExtUrls<'a>,
    href: Href<'a>,
    id: &'a str,
    #[serde(rename = "type")]
    ty: &'static str,
    uri: SpUri<'a>,
}

fn user_ref<'a>(c: &Ctx<'a>, u: u32, with_name: bool) -> UserRefJson<'a> {
    let u = &c.lib.users[u as usize];
    UserRefJson {
        display_name: with_name.then_some(u.display_name.as_deref()),
        external_urls: ext("user", &u.id),
        href: Href(c.base, "user", &u.id),
        id: &u.id,
        ty: "user",
        uri: SpUri("user", &u.id),
    }
}

pub fn me(c: &Ctx<'_>) -> Vec<u8> {
    let u = c.lib.user();
    let mut v = json!({
        "account_id": c.lib.account_id,
        "display_name": u.display_name.as_deref(),
        "external_urls": {"spotify": format!("https://open.spotify.com/user/{}", u.id)},
        "href": format!("{}users/{}", c.base, u.id),
        "id": &*u.id,
        "images": [],
        "type": "user",
        "uri": format!("spotify:user:{}", u.id),
    });
    if let (true, Value::Object(m)) = (c.extended, &mut v) {
        m.insert("country".into(), json!("SE"));
        m.insert("email".into(), json!(format!("{}@example.com", u.id)));
        m.insert("product".into(), json!("premium"));
        m.insert("followers".into(), json!({"href": null, "total": 3}));
        m.insert(
            "explicit_content".into(),
            json!({"filter_enabled": false, "filter_locked": false}),
        );
    }
    to_vec(&v)
}

// --- artists and albums ------------------------------------------------------------------------

#[derive(Serialize)]
struct Followers {
    href: Option<&'static str>,
    total: u32,
}

#[derive(Serialize)]
pub struct ArtistFull<'a> {
    external_urls: ExtUrls<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    followers: Option<Followers>,
    genres: &'a [&'static str],
    href: Href<'a>,
    id: &'a str,
    images: Images<'a>,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    popularity: Option<u8>,
    #[serde(rename = "type")]
    ty: &'static str,
    uri: SpUri<'a>,
}

pub fn artist_full<'a>(c: &Ctx<'a>, a: u32) -> ArtistFull<'a> {
    let a = &c.lib.artists[a as usize];
    let id = id_str(&a.id);
    ArtistFull {
        external_urls: ext("artist", id),
        followers: c.extended.then_some(Followers {
            href: None,
            total: a.followers,
        }),
        genres: &a.genres,
        href: Href(c.base, "artist", id),
        id,
        images: Images(id),
        name: &a.name,
        popularity: c.extended.then_some(a.popularity),
        ty: "artist",
        uri: SpUri("artist", id),
    }
}

#[derive(Serialize)]
struct Copyright {
    text: String,
    #[serde(rename = "type")]
    ty: &'static str,
}

#[derive(Serialize)]
struct Upc<'a> {
    upc: &'a str,
}

#[derive(Serialize)]
pub struct AlbumFull<'a> {
    #[serde(flatten)]
    simple: AlbumSimple<'a>,
    tracks: Page<Vec<TrackSimple<'a>>>,
    copyrights: [Copyright; 2],
    external_ids: Upc<'a>,
    genres: [&'static str; 0],
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    popularity: Option<u8>,
}

pub fn album_full<'a>(c: &Ctx<'a>, a: u32) -> AlbumFull<'a> {
    let al = &c.lib.albums[a as usize];
    let id = id_str(&al.id);
    let limit = 50;
    let items: Vec<TrackSimple<'a>> = al
        .tracks
        .iter()
        .take(limit)
        .map(|&t| track_simple(c, t))
        .collect();
    let year = al.release_date.get(..4).unwrap_or("2000");
    AlbumFull {
        simple: album_simple(c, a),
        tracks: page(
            &format!("{}albums/{}/tracks", c.base, id),
            0,
            limit,
            al.tracks.len(),
            items,
        ),
        copyrights: [
            Copyright {
                text: format!("© {year} {}", al.label),
                ty: "C",
            },
            Copyright {
                text: format!("℗ {year} {}", al.label),
                ty: "P",
            },
        ],
        external_ids: Upc { upc: &al.upc },
        genres: [],
        label: c.extended.then_some(&*al.label),
        popularity: c.extended.then_some(al.popularity),
    }
}

// --- episodes and playlists ---------------------------------------------------------------

pub fn episode_json(c: &Ctx<'_>, e: u32) -> Value {
    let lib = c.lib;
    let e = &lib.episodes[e as usize];
    let s = &lib.shows[e.show as usize];
    let id = id_str(&e.id);
    let sid = id_str(&s.id);
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
        "show": {
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
        },
        // Legacy flags Spotify still sends on episodes inside playlists.
        "episode": true,
        "track": false,
    })
}

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
    let images = if p.items.is_empty() {
        json!([])
    } else {
        json!([{
            "url": format!("https://mosaic.scdn.co/640/{id}"),
            "height": 640,
            "width": 640,
        }])
    };
    m.insert("images".into(), images);
    m.insert("name".into(), json!(&*p.name));
    m.insert("owner".into(), json!(user_ref(c, p.owner, true)));
    m.insert("primary_color".into(), Value::Null);
    m.insert("public".into(), json!(p.public));
    m.insert("snapshot_id".into(), json!(p.snapshot_id));
    m.insert("type".into(), json!("playlist"));
    m.insert("uri".into(), json!(format!("spotify:playlist:{id}")));
    m
}

/// Whether this app may read the playlist's items.
pub fn items_visible(c: &Ctx<'_>, p: &Playlist) -> bool {
    c.extended || (p.items_readable_in_dev() && !p.spotify_owned())
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

// --- recently played -----------------------------------------------------------------------------

#[derive(Serialize)]
struct ContextJson {
    #[serde(rename = "type")]
    ty: &'static str,
    href: String,
    external_urls: Value,
    uri: String,
}

#[derive(Serialize)]
struct PlayJson<'a> {
    track: TrackFull<'a>,
    played_at: String,
    context: Option<ContextJson>,
}

#[derive(Serialize)]
struct Cursors {
    after: String,
    before: String,
}

#[derive(Serialize)]
struct CursorPage<'a> {
    href: String,
    items: Vec<PlayJson<'a>>,
    limit: usize,
    next: Option<String>,
    cursors: Option<Cursors>,
}

/// `plays` newest first; `has_older` tells whether older plays exist beyond this page.
pub fn recently_played(
    c: &Ctx<'_>,
    plays: &[Play],
    limit: usize,
    href_query: &str,
    has_older: bool,
) -> Vec<u8> {
    let url = format!("{}me/player/recently-played", c.base);
    let items: Vec<PlayJson<'_>> = plays
        .iter()
        .map(|p| PlayJson {
            track: track_full(c, p.track),
            played_at: fmt_millis(p.played_at_ms),
            context: p.context.map(|(k, id)| {
                let id = id_str(&id);
                ContextJson {
                    ty: k.as_str(),
                    href: format!("{}{}s/{id}", c.base, k.as_str()),
                    external_urls: json!({
                        "spotify": format!("https://open.spotify.com/{}/{id}", k.as_str())
                    }),
                    uri: format!("spotify:{}:{id}", k.as_str()),
                }
            }),
        })
        .collect();
    let cursors = match (plays.first(), plays.last()) {
        (Some(newest), Some(oldest)) => Some(Cursors {
            after: newest.played_at_ms.to_string(),
            before: oldest.played_at_ms.to_string(),
        }),
        _ => None,
    };
    let next = match (&cursors, has_older) {
        (Some(cur), true) => Some(format!("{url}?before={}&limit={limit}", cur.before)),
        _ => None,
    };
    to_vec(&CursorPage {
        href: format!("{url}?{href_query}"),
        items,
        limit,
        next,
        cursors,
    })
}

/// `{"error":{"status":N,"message":"…"}}` (+ `reason`).
pub fn error_body(status: u16, message: &str, reason: Option<&str>) -> Vec<u8> {
    let mut e = json!({"status": status, "message": message});
    if let (Some(r), Value::Object(m)) = (reason, &mut e) {
        m.insert("reason".into(), json!(r));
    }
    to_vec(&json!({ "error": e }))
}
