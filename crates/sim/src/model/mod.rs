//! The simulated library: compact in-memory structs (JSON is built per request from these) and
//! the public ground-truth types served by `GET /__sim/library` ([`LibraryTruth`] and its parts).

mod collections;
mod import;
mod truth;

pub use collections::*;
pub use truth::*;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// A Spotify id: 22 base62 characters, stored inline.
pub type Id = [u8; 22];

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The id as text.
pub fn id_str(id: &Id) -> &str {
    std::str::from_utf8(id).unwrap_or("")
}

/// Parse a 22-character base62 Spotify id.
pub fn parse_id(s: &str) -> Option<Id> {
    let b = s.as_bytes();
    if b.len() != 22 || !b.iter().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let mut id = [0u8; 22];
    id.copy_from_slice(b);
    Some(id)
}

/// A random id from `rng`.
pub fn random_id(rng: &mut impl rand::Rng) -> Id {
    let mut id = [0u8; 22];
    for c in id.iter_mut() {
        *c = BASE62[rng.random_range(0..62)];
    }
    id
}

/// An id that starts with `prefix` (e.g. Spotify-owned playlists start with `37i9dQZF1`).
pub fn random_id_with_prefix(rng: &mut impl rand::Rng, prefix: &str) -> Id {
    let mut id = random_id(rng);
    let p = prefix.as_bytes();
    let n = p.len().min(22);
    id[..n].copy_from_slice(&p[..n]);
    id
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlbumType {
    Album,
    Single,
    Compilation,
}

impl AlbumType {
    pub fn as_str(self) -> &'static str {
        match self {
            AlbumType::Album => "album",
            AlbumType::Single => "single",
            AlbumType::Compilation => "compilation",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatePrecision {
    Year,
    Month,
    Day,
}

impl DatePrecision {
    pub fn as_str(self) -> &'static str {
        match self {
            DatePrecision::Year => "year",
            DatePrecision::Month => "month",
            DatePrecision::Day => "day",
        }
    }
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: Box<str>,
    pub display_name: Option<Box<str>>,
}

#[derive(Debug, Clone)]
pub struct Artist {
    pub id: Id,
    pub name: Box<str>,
    pub genres: Box<[&'static str]>,
    pub followers: u32,
    pub popularity: u8,
}

#[derive(Debug, Clone)]
pub struct Album {
    pub id: Id,
    pub name: Box<str>,
    pub album_type: AlbumType,
    pub release_date: Box<str>,
    pub precision: DatePrecision,
    pub label: Box<str>,
    pub upc: Box<str>,
    pub artists: Box<[u32]>,
    pub tracks: Vec<u32>,
    pub popularity: u8,
}

#[derive(Debug, Clone)]
pub struct Track {
    pub id: Id,
    pub name: Box<str>,
    pub album: u32,
    pub artists: Box<[u32]>,
    pub duration_ms: u32,
    pub explicit: bool,
    pub disc_number: u8,
    pub track_number: u16,
    pub isrc: [u8; 12],
    pub popularity: u8,
}

#[derive(Debug, Clone)]
pub struct Show {
    pub id: Id,
    pub name: Box<str>,
    pub publisher: Box<str>,
    pub description: Box<str>,
    pub total_episodes: u32,
}

#[derive(Debug, Clone)]
pub struct Episode {
    pub id: Id,
    pub name: Box<str>,
    pub show: u32,
    pub duration_ms: u32,
    pub release_date: Box<str>,
    pub explicit: bool,
    pub description: Box<str>,
}

/// A saved track (`/me/tracks`), `added_at` in unix seconds.
#[derive(Debug, Clone, Copy)]
pub struct Saved {
    pub track: u32,
    pub added_at: i64,
}

#[derive(Debug, Clone)]
pub enum ItemKind {
    Track(u32),
    Episode(u32),
    Local {
        artist: Box<str>,
        album: Box<str>,
        title: Box<str>,
        seconds: u32,
    },
    /// A track no longer available: the API sends `item: null`.
    Unavailable,
}

#[derive(Debug, Clone)]
pub struct PlaylistItem {
    pub kind: ItemKind,
    /// Unix seconds; `None` on some very old playlists.
    pub added_at: Option<i64>,
    /// Index into `Library::users`; `None` on some very old playlists.
    pub added_by: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct Playlist {
    pub id: Id,
    pub name: Box<str>,
    pub description: Option<Box<str>>,
    /// Index into `Library::users` (0 = the simulated user).
    pub owner: u32,
    pub public: bool,
    pub collaborative: bool,
    pub snapshot_id: String,
    pub followers: u32,
    /// In the user's playlist list (`/me/playlists`): owned or followed.
    pub in_library: bool,
    pub items: Vec<PlaylistItem>,
}

impl Playlist {
    pub fn owned_by_user(&self) -> bool {
        self.owner == 0
    }
    /// Whether a Development Mode app may read the items: the user owns the playlist or
    /// collaborates on it.
    pub fn items_readable_in_dev(&self) -> bool {
        self.owned_by_user() || self.collaborative
    }
    /// Spotify-owned editorial / algorithmic playlist (`37i9…`).
    pub fn spotify_owned(&self) -> bool {
        self.id.starts_with(b"37i9")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContextKind {
    Album,
    Playlist,
    Artist,
}

impl ContextKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ContextKind::Album => "album",
            ContextKind::Playlist => "playlist",
            ContextKind::Artist => "artist",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Play {
    /// Unix milliseconds.
    pub played_at_ms: i64,
    pub track: u32,
    pub context: Option<(ContextKind, Id)>,
}

/// The whole simulated world.
#[derive(Debug, Clone, Default)]
pub struct Library {
    /// `users[0]` is the simulated (logged-in) user; `users[1]` is `spotify`.
    pub users: Vec<User>,
    pub account_id: String,
    pub artists: Vec<Artist>,
    pub albums: Vec<Album>,
    pub tracks: Vec<Track>,
    pub shows: Vec<Show>,
    pub episodes: Vec<Episode>,
    /// Newest first, strictly descending `added_at`.
    pub saved: Vec<Saved>,
    /// Order of `/me/playlists` (newest first among created ones).
    pub playlists: Vec<Playlist>,
    /// Newest first.
    pub plays: Vec<Play>,
    pub audiobooks: Vec<Audiobook>,
    /// `/me/albums`, newest first (indexes into `albums`).
    pub saved_albums: Vec<SavedItem>,
    /// `/me/following?type=artist`, ascending artist id (indexes into `artists`).
    pub followed_artists: Vec<u32>,
    /// `/me/shows`, newest first.
    pub saved_shows: Vec<SavedItem>,
    /// `/me/episodes`, newest first.
    pub saved_episodes: Vec<SavedItem>,
    /// `/me/audiobooks`, newest first.
    pub saved_audiobooks: Vec<SavedItem>,
    /// `/me/top/artists`, per [`TimeRange::index`], rank order.
    pub top_artists: [Vec<u32>; 3],
    /// `/me/top/tracks`, per [`TimeRange::index`], rank order.
    pub top_tracks: [Vec<u32>; 3],
    pub track_index: HashMap<Id, u32>,
    pub album_index: HashMap<Id, u32>,
    pub artist_index: HashMap<Id, u32>,
    /// Custom covers, by playlist id (the others show their mosaic).
    pub covers: HashMap<Id, crate::covers::Cover>,
    /// Users followed with `PUT /me/library?uris=spotify:user:…`, in the order followed.
    pub followed_users: Vec<Box<str>>,
}

impl Library {
    pub fn user(&self) -> &User {
        &self.users[0]
    }

    pub fn playlist_pos(&self, id: &str) -> Option<usize> {
        let id = id.as_bytes();
        self.playlists.iter().position(|p| p.id.as_slice() == id)
    }

    pub fn track_by_id(&self, id: &str) -> Option<u32> {
        parse_id(id).and_then(|i| self.track_index.get(&i).copied())
    }

    pub fn album_by_id(&self, id: &str) -> Option<u32> {
        parse_id(id).and_then(|i| self.album_index.get(&i).copied())
    }

    pub fn artist_by_id(&self, id: &str) -> Option<u32> {
        parse_id(id).and_then(|i| self.artist_index.get(&i).copied())
    }

    pub fn rebuild_indexes(&mut self) {
        self.track_index = self
            .tracks
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id, i as u32))
            .collect();
        self.album_index = self
            .albums
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id, i as u32))
            .collect();
        self.artist_index = self
            .artists
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id, i as u32))
            .collect();
    }
}

/// `spotify:local:artist:album:title:seconds`, each part form-urlencoded like Spotify does.
pub fn local_uri(artist: &str, album: &str, title: &str, seconds: u32) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "spotify:local:{}:{}:{}:{seconds}",
        enc(artist),
        enc(album),
        enc(title)
    )
}

/// `2026-11-20T12:00:00Z`
pub fn fmt_secs(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// `2026-11-20T12:00:00.123Z`
pub fn fmt_millis(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}
