//! Tracks, albums and artists (simplified and full) and the saved-tracks page.

use serde::Serialize;

use super::json::{ExtUrls, Href, Images, SpUri, Ts, ext};
use super::{Ctx, MARKETS, Page, page, to_vec};
use crate::model::*;

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

/// `GET /albums/{id}/tracks`: a page of the album's simplified tracks, in album order.
pub fn album_tracks_page(c: &Ctx<'_>, a: u32, offset: usize, limit: usize) -> Vec<u8> {
    let al = &c.lib.albums[a as usize];
    let end = (offset + limit).min(al.tracks.len());
    let items: Vec<TrackSimple<'_>> = al
        .tracks
        .get(offset..end)
        .unwrap_or(&[])
        .iter()
        .map(|&t| track_simple(c, t))
        .collect();
    let url = format!("{}albums/{}/tracks", c.base, id_str(&al.id));
    to_vec(&page(&url, offset, limit, al.tracks.len(), items))
}
