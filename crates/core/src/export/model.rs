//! The rows an export is made of, read from the database by [`super::query`] and turned into
//! bytes by the writers. Every value the database does not know is `None`, never 0 or "".

use std::sync::Arc;

use serde::Serialize;

/// An artist credit (on a track or an album).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Credit {
    pub id: String,
    pub uri: Option<String>,
    pub name: Option<String>,
}

/// The album a track is on, as embedded in track rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlbumRef {
    pub id: String,
    pub uri: Option<String>,
    pub name: Option<String>,
    pub release_date: Option<String>,
    /// The first (largest) cover image.
    pub image_url: Option<String>,
    pub artists: Vec<Credit>,
}

/// A track with everything the mirror knows about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Track {
    pub id: String,
    pub uri: Option<String>,
    pub name: Option<String>,
    pub artists: Vec<Credit>,
    pub album: Option<AlbumRef>,
    pub duration_ms: Option<i64>,
    pub explicit: Option<bool>,
    pub disc_number: Option<i64>,
    pub track_number: Option<i64>,
    pub isrc: Option<String>,
    pub popularity: Option<i64>,
    /// The MusicBrainz recording its ISRC points at, when the cache knows it.
    pub musicbrainz: Option<MbMatch>,
}

/// A track's MusicBrainz recording (from the cache `spotsync musicbrainz` fills).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MbMatch {
    pub recording_mbid: String,
    pub title: Option<String>,
    pub artist_mbids: Vec<String>,
}

/// What a local file's `spotify:local:` URI carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocalFields {
    pub artist: Option<String>,
    pub album: Option<String>,
    pub title: Option<String>,
    pub duration_ms: Option<i64>,
}

/// What a play adds to its entry: the names Spotify's data export gave (for a track the
/// catalog does not hold) and how long it was played.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PlayFields {
    pub track_name: Option<String>,
    pub artist_name: Option<String>,
    pub album_name: Option<String>,
    pub ms_played: Option<i64>,
}

/// What a list entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Track,
    Episode,
    /// A local file (`spotify:local:…`).
    Local,
    /// Spotify sent `null`: only the position (and perhaps the date) is known.
    Unavailable,
}

impl ItemKind {
    pub fn parse(s: &str) -> Option<ItemKind> {
        Some(match s {
            "track" => ItemKind::Track,
            "episode" => ItemKind::Episode,
            "local" => ItemKind::Local,
            "unavailable" => ItemKind::Unavailable,
            _ => return None,
        })
    }
}

/// One position of a track list (liked songs, a playlist, the listening history).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub position: u64,
    #[serde(rename = "type")]
    pub kind: ItemKind,
    pub uri: Option<String>,
    pub name: Option<String>,
    /// When it was added (or, in the listening history, played).
    pub added_at: Option<String>,
    /// A Spotify user id.
    pub added_by: Option<String>,
    /// Listening history only: what the play was started from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_uri: Option<String>,
    /// Local files: the artist, album, title and length their URI carries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local: Option<LocalFields>,
    /// Listening history only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub play: Option<PlayFields>,
    #[serde(serialize_with = "arc_track")]
    pub track: Option<Arc<Track>>,
}

fn arc_track<S: serde::Serializer>(t: &Option<Arc<Track>>, s: S) -> Result<S::Ok, S::Error> {
    t.as_deref().serialize(s)
}

impl Entry {
    /// The entry's title: the track's, else the item's own name, else a local file's title.
    pub fn title(&self) -> Option<String> {
        self.track
            .as_ref()
            .and_then(|t| t.name.clone())
            .or_else(|| self.name.clone())
            .or_else(|| self.local().and_then(|l| l.title))
            .or_else(|| self.play.as_ref().and_then(|p| p.track_name.clone()))
    }

    /// Artist names in credit order (a local file's artist from its URI).
    pub fn artist_names(&self) -> Vec<String> {
        match &self.track {
            Some(t) => t.artists.iter().filter_map(|a| a.name.clone()).collect(),
            None => self
                .local()
                .and_then(|l| l.artist)
                .or_else(|| self.play.as_ref().and_then(|p| p.artist_name.clone()))
                .into_iter()
                .collect(),
        }
    }

    pub fn album_name(&self) -> Option<String> {
        match &self.track {
            Some(t) => t.album.as_ref().and_then(|a| a.name.clone()),
            None => self
                .local()
                .and_then(|l| l.album)
                .or_else(|| self.play.as_ref().and_then(|p| p.album_name.clone())),
        }
    }

    pub fn duration_ms(&self) -> Option<i64> {
        match &self.track {
            Some(t) => t.duration_ms,
            None => self.local().and_then(|l| l.seconds).map(|s| s * 1000),
        }
    }

    /// What a local file's URI tells.
    pub fn local(&self) -> Option<LocalFile> {
        match self.kind {
            ItemKind::Local => self.uri.as_deref().and_then(LocalFile::parse),
            _ => None,
        }
    }

    /// `https://open.spotify.com/track/ID` (or episode) when the item is on Spotify.
    pub fn open_url(&self) -> Option<String> {
        open_url(self.uri.as_deref()?)
    }

    /// The ISRC of its track, if known.
    pub fn isrc(&self) -> Option<&str> {
        self.track.as_ref().and_then(|t| t.isrc.as_deref())
    }

    /// Its track's MusicBrainz recording, if known.
    pub fn musicbrainz(&self) -> Option<&MbMatch> {
        self.track.as_ref().and_then(|t| t.musicbrainz.as_ref())
    }
}

impl LocalFile {
    /// The fields as the JSON document shows them.
    pub fn fields(&self) -> LocalFields {
        LocalFields {
            artist: self.artist.clone(),
            album: self.album.clone(),
            title: self.title.clone(),
            duration_ms: self.seconds.map(|s| s.saturating_mul(1000)),
        }
    }
}

/// `spotify:track:ID` → `https://open.spotify.com/track/ID` (tracks, episodes, albums, artists,
/// playlists); `None` for local files and anything else.
pub fn open_url(uri: &str) -> Option<String> {
    let mut parts = uri.split(':');
    let (Some("spotify"), Some(kind), Some(id), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let known = ["track", "episode", "album", "artist", "playlist"];
    (known.contains(&kind) && !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()))
        .then(|| format!("https://open.spotify.com/{kind}/{id}"))
}

/// The fields of `spotify:local:ARTIST:ALBUM:TITLE:SECONDS` (URL-encoded, `+` for spaces).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LocalFile {
    pub artist: Option<String>,
    pub album: Option<String>,
    pub title: Option<String>,
    pub seconds: Option<i64>,
}

impl LocalFile {
    pub fn parse(uri: &str) -> Option<LocalFile> {
        let rest = uri.strip_prefix("spotify:local:")?;
        let parts: Vec<&str> = rest.split(':').collect();
        let field = |i: usize| {
            parts
                .get(i)
                .map(|s| percent_decode(s))
                .filter(|s| !s.is_empty())
        };
        Some(LocalFile {
            artist: field(0),
            album: field(1),
            title: field(2),
            seconds: parts.get(3).and_then(|s| s.parse::<i64>().ok()),
        })
    }
}

/// Decode `%XX` escapes and `+` (lossy on invalid UTF-8; a malformed escape is kept as is).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Which list a [`TrackList`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    LikedSongs,
    Playlist,
    ListeningHistory,
}

/// An ordered list of entries with its details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrackList {
    pub kind: ListKind,
    pub id: Option<String>,
    pub uri: Option<String>,
    pub name: String,
    pub description: Option<String>,
    pub owner_id: Option<String>,
    pub owner_name: Option<String>,
    pub public: Option<bool>,
    pub collaborative: Option<bool>,
    /// The snapshot the entries belong to (`None` when no items are stored).
    pub snapshot_id: Option<String>,
    /// `synced`, `pending`, `forbidden`, `not_found` for playlists.
    pub items_status: Option<String>,
    pub entries: Vec<Entry>,
}

/// An album of the library, with its enrichment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Album {
    pub id: String,
    pub uri: Option<String>,
    pub name: Option<String>,
    pub album_type: Option<String>,
    pub release_date: Option<String>,
    pub total_tracks: Option<i64>,
    pub label: Option<String>,
    pub upc: Option<String>,
    pub popularity: Option<i64>,
    pub image_url: Option<String>,
    pub artists: Vec<Credit>,
    pub genres: Vec<String>,
}

/// An artist of the library, with its enrichment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Artist {
    pub id: String,
    pub uri: Option<String>,
    pub name: Option<String>,
    pub genres: Vec<String>,
    pub popularity: Option<i64>,
    pub followers: Option<i64>,
    pub image_url: Option<String>,
}

/// The connected account, from `GET /me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Account {
    pub user_id: Option<String>,
    pub display_name: Option<String>,
}

/// A playlist whose items could not be rebuilt for `--as-of`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub id: String,
    pub name: Option<String>,
    pub reason: String,
}

/// Everything one export holds. Sections not asked for are `None`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Library {
    pub as_of: Option<String>,
    /// When the export was made (ISO 8601, UTC).
    pub exported_at: Option<String>,
    pub account: Account,
    pub liked: Option<TrackList>,
    pub playlists: Option<Vec<TrackList>>,
    pub albums: Option<Vec<Album>>,
    pub artists: Option<Vec<Artist>>,
    pub plays: Option<TrackList>,
    /// Playlists left out of an `--as-of` export, and why.
    pub skipped: Vec<Skipped>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_uris_are_decoded() {
        let l = LocalFile::parse("spotify:local:The+Artist:Caf%C3%A9:Song%3A+1:215").unwrap();
        assert_eq!(l.artist.as_deref(), Some("The Artist"));
        assert_eq!(l.album.as_deref(), Some("Café"));
        assert_eq!(l.title.as_deref(), Some("Song: 1"));
        assert_eq!(l.seconds, Some(215));
        let l = LocalFile::parse("spotify:local:::x%:").unwrap();
        assert_eq!(l.artist, None);
        assert_eq!(l.title.as_deref(), Some("x%"));
        assert_eq!(l.seconds, None);
        assert!(LocalFile::parse("spotify:track:x").is_none());
        assert_eq!(percent_decode("%4"), "%4");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
    }

    #[test]
    fn open_urls_only_for_spotify_ids() {
        assert_eq!(
            open_url("spotify:track:abc123").as_deref(),
            Some("https://open.spotify.com/track/abc123")
        );
        assert_eq!(open_url("spotify:local:a:b:c:1"), None);
        assert_eq!(open_url("spotify:track:a/b"), None);
        assert_eq!(open_url("spotify:user:x"), None);
    }
}
