//! A library state: what a restore aims at (the target, the library as of a date) and what the
//! account holds now, in one shape so the diff compares like with like. Serializable: a
//! restore keeps its target pinned in the database (`restores.target`).

use serde::{Deserialize, Serialize};

/// The lists a restore can put back (`spotsync restore WHAT…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Liked songs (`spotify:track:`).
    Liked,
    /// The user's own playlists (and the others' they follow: followed again).
    Playlists,
    /// Saved albums.
    Albums,
    /// Saved shows (podcasts).
    Shows,
    /// Saved episodes.
    Episodes,
    /// Saved audiobooks.
    Audiobooks,
    /// Followed artists.
    Artists,
}

impl Kind {
    /// Every kind, in the order a restore writes them.
    pub const ALL: [Kind; 7] = [
        Kind::Liked,
        Kind::Albums,
        Kind::Shows,
        Kind::Episodes,
        Kind::Audiobooks,
        Kind::Artists,
        Kind::Playlists,
    ];

    /// The word for people and the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Liked => "liked",
            Kind::Playlists => "playlists",
            Kind::Albums => "albums",
            Kind::Shows => "shows",
            Kind::Episodes => "episodes",
            Kind::Audiobooks => "audiobooks",
            Kind::Artists => "artists",
        }
    }

    /// The URI type of a saved item of this kind (`spotify:{type}:{id}`); `None` for playlists.
    pub fn uri_type(self) -> Option<&'static str> {
        match self {
            Kind::Liked => Some("track"),
            Kind::Albums => Some("album"),
            Kind::Shows => Some("show"),
            Kind::Episodes => Some("episode"),
            Kind::Audiobooks => Some("audiobook"),
            Kind::Artists => Some("artist"),
            Kind::Playlists => None,
        }
    }

    /// The scope a write of this kind needs.
    pub fn scope(self) -> &'static str {
        match self {
            Kind::Artists => "user-follow-modify",
            Kind::Playlists => "playlist-modify-private",
            _ => "user-library-modify",
        }
    }
}

/// One saved item (or follow): its id and when it was saved (Spotify's `added_at`; for a
/// follow, when a sync first saw it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    pub id: String,
    pub added_at: Option<String>,
}

/// One entry of a playlist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// `track`, `episode`, `local` or `unavailable` (as `playlist_items.item_type`).
    pub kind: String,
    /// `spotify:track:…`, `spotify:episode:…`, a `spotify:local:…` URI, or `None`.
    pub uri: Option<String>,
    pub name: Option<String>,
    pub track_id: Option<String>,
}

impl Item {
    /// The URI a write can send: tracks and episodes only (local files cannot be added
    /// through the API; an unavailable entry has none).
    pub fn writable_uri(&self) -> Option<&str> {
        match self.kind.as_str() {
            "track" | "episode" => self.uri.as_deref(),
            _ => None,
        }
    }
}

/// A playlist as it was (or is).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaylistState {
    pub id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub public: Option<bool>,
    pub collaborative: Option<bool>,
    pub owner_id: Option<String>,
    /// The account owns it (its items, details and cover can be written).
    pub owned: bool,
    /// Its items, by position; `None` when the mirror never could read them (someone else's
    /// or Spotify's playlist in Development Mode).
    pub items: Option<Vec<Item>>,
    pub snapshot_id: Option<String>,
    /// The SHA-256 (hex) of its archived custom cover, when it had one.
    pub cover: Option<String>,
}

impl PlaylistState {
    /// The URIs a restore writes back, in order.
    pub fn writable_uris(&self) -> Vec<String> {
        self.items
            .iter()
            .flatten()
            .filter_map(|i| i.writable_uri().map(str::to_string))
            .collect()
    }
}

/// A library state: every list of `kinds`, saved lists oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryState {
    /// When it is of (`None`: the mirror now).
    pub as_of: Option<String>,
    /// The lists it covers.
    pub kinds: Vec<Kind>,
    pub liked: Vec<Saved>,
    pub albums: Vec<Saved>,
    pub shows: Vec<Saved>,
    pub episodes: Vec<Saved>,
    pub audiobooks: Vec<Saved>,
    pub artists: Vec<Saved>,
    pub playlists: Vec<PlaylistState>,
    /// Now only: the account's playlists gone from its list, as last mirrored (a playlist
    /// deleted by its owner is only unfollowed: following it again brings it back).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gone: Vec<PlaylistState>,
    /// Playlists of that date that cannot be restored from the mirror, with why.
    pub skipped: Vec<(String, String)>,
}

impl LibraryState {
    /// The saved items of `kind` (empty for playlists).
    pub fn saved(&self, kind: Kind) -> &[Saved] {
        match kind {
            Kind::Liked => &self.liked,
            Kind::Albums => &self.albums,
            Kind::Shows => &self.shows,
            Kind::Episodes => &self.episodes,
            Kind::Audiobooks => &self.audiobooks,
            Kind::Artists => &self.artists,
            Kind::Playlists => &[],
        }
    }

    /// The saved items of `kind`, to fill.
    pub fn saved_mut(&mut self, kind: Kind) -> Option<&mut Vec<Saved>> {
        Some(match kind {
            Kind::Liked => &mut self.liked,
            Kind::Albums => &mut self.albums,
            Kind::Shows => &mut self.shows,
            Kind::Episodes => &mut self.episodes,
            Kind::Audiobooks => &mut self.audiobooks,
            Kind::Artists => &mut self.artists,
            Kind::Playlists => return None,
        })
    }
}

/// What a restore is asked to do (the command's WHAT and flags).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    /// The lists to restore.
    pub kinds: Vec<Kind>,
    /// Only these playlists (name, id or `spotify:playlist:` URI); empty: all.
    pub playlists: Vec<String>,
    /// Also remove what the account has and the target has not.
    pub remove_extra: bool,
    /// Playlists that differ are created as copies ("NAME (restored DATE)").
    pub as_copy: bool,
    /// One item per request for saved lists, so each keeps its own `added_at`.
    pub exact_order: bool,
    /// The household account whose mirror the target is read from (`restore --from NAME`);
    /// `None`: this account's own. Its own playlists are created in this account as copies
    /// (an account cannot own another's playlist).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

impl Default for Selection {
    fn default() -> Self {
        Selection {
            kinds: Kind::ALL.to_vec(),
            playlists: Vec::new(),
            remove_extra: false,
            as_copy: false,
            exact_order: false,
            from: None,
        }
    }
}
