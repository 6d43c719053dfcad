//! Ground truth (public, stable): what a perfect mirror of the simulated account contains, as
//! `GET /__sim/library` serves it, and its derivation from the compact library.

use serde::{Deserialize, Serialize};

use super::{
    Album, AlbumType, Artist, DatePrecision, Episode, ItemKind, Library, Play, Playlist,
    PlaylistItem, Saved, Track, TruthAudiobook, TruthRanges, TruthSavedItem, TruthShow, fmt_millis,
    fmt_secs, id_str, local_uri,
};

impl Library {
    /// The ground truth, as served by `GET /__sim/library`.
    pub fn truth(&self) -> LibraryTruth {
        let c = self.truth_collections();
        LibraryTruth {
            user: self.truth_user(),
            saved_tracks: self.saved.iter().map(|s| self.truth_saved(s)).collect(),
            tracks: self.tracks.iter().map(|t| self.truth_track(t)).collect(),
            albums: self.albums.iter().map(|a| self.truth_album(a)).collect(),
            artists: self.artists.iter().map(truth_artist).collect(),
            episodes: self
                .episodes
                .iter()
                .map(|e| self.truth_episode(e))
                .collect(),
            playlists: self
                .playlists
                .iter()
                .map(|p| self.truth_playlist(p))
                .collect(),
            plays: self.plays.iter().map(|p| self.truth_play(p)).collect(),
            saved_albums: c.saved_albums,
            followed_artists: c.followed_artists,
            shows: c.shows,
            saved_shows: c.saved_shows,
            saved_episodes: c.saved_episodes,
            audiobooks: c.audiobooks,
            saved_audiobooks: c.saved_audiobooks,
            top_artists: c.top_artists,
            top_tracks: c.top_tracks,
            followed_users: self.followed_users.iter().map(|u| u.to_string()).collect(),
        }
    }

    fn truth_user(&self) -> TruthUser {
        let u = self.user();
        TruthUser {
            id: u.id.to_string(),
            display_name: u.display_name.as_deref().map(str::to_string),
            account_id: self.account_id.clone(),
        }
    }

    fn track_id_str(&self, t: u32) -> String {
        id_str(&self.tracks[t as usize].id).to_string()
    }

    fn artist_id_str(&self, a: u32) -> String {
        id_str(&self.artists[a as usize].id).to_string()
    }

    fn truth_saved(&self, s: &Saved) -> TruthSaved {
        TruthSaved {
            added_at: fmt_secs(s.added_at),
            track_id: self.track_id_str(s.track),
        }
    }

    fn truth_track(&self, t: &Track) -> TruthTrack {
        TruthTrack {
            id: id_str(&t.id).to_string(),
            name: t.name.to_string(),
            album_id: id_str(&self.albums[t.album as usize].id).to_string(),
            artist_ids: t.artists.iter().map(|&a| self.artist_id_str(a)).collect(),
            duration_ms: t.duration_ms,
            explicit: t.explicit,
            disc_number: t.disc_number as u32,
            track_number: t.track_number as u32,
            isrc: std::str::from_utf8(&t.isrc).unwrap_or("").to_string(),
            uri: format!("spotify:track:{}", id_str(&t.id)),
        }
    }

    fn truth_album(&self, a: &Album) -> TruthAlbum {
        TruthAlbum {
            id: id_str(&a.id).to_string(),
            name: a.name.to_string(),
            album_type: a.album_type,
            release_date: a.release_date.to_string(),
            release_date_precision: a.precision,
            total_tracks: a.tracks.len() as u32,
            label: a.label.to_string(),
            upc: a.upc.to_string(),
            artist_ids: a.artists.iter().map(|&x| self.artist_id_str(x)).collect(),
            track_ids: a.tracks.iter().map(|&t| self.track_id_str(t)).collect(),
        }
    }

    fn truth_episode(&self, e: &Episode) -> TruthEpisode {
        let show = &self.shows[e.show as usize];
        TruthEpisode {
            id: id_str(&e.id).to_string(),
            name: e.name.to_string(),
            show_id: id_str(&show.id).to_string(),
            show_name: show.name.to_string(),
            duration_ms: e.duration_ms,
            release_date: e.release_date.to_string(),
            uri: format!("spotify:episode:{}", id_str(&e.id)),
        }
    }

    fn truth_play(&self, p: &Play) -> TruthPlay {
        TruthPlay {
            played_at: fmt_millis(p.played_at_ms),
            track_id: self.track_id_str(p.track),
            context_uri: p
                .context
                .map(|(k, id)| format!("spotify:{}:{}", k.as_str(), id_str(&id))),
        }
    }

    pub fn truth_playlist(&self, p: &Playlist) -> TruthPlaylist {
        let owner = &self.users[p.owner as usize];
        TruthPlaylist {
            id: id_str(&p.id).to_string(),
            name: p.name.to_string(),
            description: p.description.as_deref().map(str::to_string),
            owner_id: owner.id.to_string(),
            owner_name: owner.display_name.as_deref().map(str::to_string),
            public: p.public,
            collaborative: p.collaborative,
            snapshot_id: p.snapshot_id.clone(),
            followed: p.in_library,
            owned: p.owned_by_user(),
            items_readable_in_dev: p.items_readable_in_dev() && !p.spotify_owned(),
            custom_cover: self.covers.get(&p.id).map(|c| c.hash.clone()),
            cover: match self.covers.get(&p.id) {
                Some(c) => Some(format!("/__cdn/image/{}", c.hash)),
                None if p.items.is_empty() => None,
                None => Some(format!("/__cdn/mosaic/{}", id_str(&p.id))),
            },
            items: p
                .items
                .iter()
                .enumerate()
                .map(|(pos, it)| self.truth_item(pos as u32, it))
                .collect(),
        }
    }

    /// The item at `position` of a playlist: what it is, its id, URI and name where it has them.
    fn truth_item(&self, position: u32, it: &PlaylistItem) -> TruthItem {
        let (kind, id, uri, name) = match &it.kind {
            ItemKind::Track(t) => {
                let t = &self.tracks[*t as usize];
                (
                    ItemType::Track,
                    Some(id_str(&t.id).to_string()),
                    Some(format!("spotify:track:{}", id_str(&t.id))),
                    Some(t.name.to_string()),
                )
            }
            ItemKind::Episode(e) => {
                let e = &self.episodes[*e as usize];
                (
                    ItemType::Episode,
                    Some(id_str(&e.id).to_string()),
                    Some(format!("spotify:episode:{}", id_str(&e.id))),
                    Some(e.name.to_string()),
                )
            }
            ItemKind::Local {
                artist,
                album,
                title,
                seconds,
            } => (
                ItemType::Local,
                None,
                Some(local_uri(artist, album, title, *seconds)),
                Some(title.to_string()),
            ),
            ItemKind::Unavailable => (ItemType::Unavailable, None, None, None),
        };
        TruthItem {
            position,
            kind,
            id,
            uri,
            name,
            added_at: it.added_at.map(fmt_secs),
            added_by: it.added_by.map(|u| self.users[u as usize].id.to_string()),
        }
    }
}

fn truth_artist(a: &Artist) -> TruthArtist {
    TruthArtist {
        id: id_str(&a.id).to_string(),
        name: a.name.to_string(),
        genres: a.genres.iter().map(|g| g.to_string()).collect(),
    }
}

/// The whole simulated library, as `GET /__sim/library` serves it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LibraryTruth {
    pub user: TruthUser,
    /// Newest first (strictly descending `added_at`).
    pub saved_tracks: Vec<TruthSaved>,
    /// Every track in the simulated catalogue (saved or not), in generation order.
    pub tracks: Vec<TruthTrack>,
    pub albums: Vec<TruthAlbum>,
    pub artists: Vec<TruthArtist>,
    pub episodes: Vec<TruthEpisode>,
    /// In `/me/playlists` order first (`followed: true`), then playlists the user does not follow.
    pub playlists: Vec<TruthPlaylist>,
    /// Every play, newest first (the API only serves the newest 50).
    pub plays: Vec<TruthPlay>,
    /// `/me/albums`, newest first (`id` = album id).
    #[serde(default)]
    pub saved_albums: Vec<TruthSavedItem>,
    /// `/me/following?type=artist`: artist ids in the order served (ascending id).
    #[serde(default)]
    pub followed_artists: Vec<String>,
    /// Every show in the simulated catalogue (saved or not).
    #[serde(default)]
    pub shows: Vec<TruthShow>,
    /// `/me/shows`, newest first (`id` = show id).
    #[serde(default)]
    pub saved_shows: Vec<TruthSavedItem>,
    /// `/me/episodes`, newest first (`id` = episode id).
    #[serde(default)]
    pub saved_episodes: Vec<TruthSavedItem>,
    /// Every audiobook in the simulated catalogue (saved or not).
    #[serde(default)]
    pub audiobooks: Vec<TruthAudiobook>,
    /// `/me/audiobooks`, newest first (`id` = audiobook id).
    #[serde(default)]
    pub saved_audiobooks: Vec<TruthSavedItem>,
    /// `/me/top/artists` per `time_range`, in rank order.
    #[serde(default)]
    pub top_artists: TruthRanges,
    /// `/me/top/tracks` per `time_range`, in rank order.
    #[serde(default)]
    pub top_tracks: TruthRanges,
    /// Users followed through `PUT /me/library` (`spotify:user:…`), in the order followed.
    #[serde(default)]
    pub followed_users: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthUser {
    pub id: String,
    pub display_name: Option<String>,
    pub account_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthSaved {
    /// RFC 3339, `2026-11-20T12:00:00Z`.
    pub added_at: String,
    pub track_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthTrack {
    pub id: String,
    pub name: String,
    pub album_id: String,
    /// In credit order.
    pub artist_ids: Vec<String>,
    pub duration_ms: u32,
    pub explicit: bool,
    pub disc_number: u32,
    pub track_number: u32,
    pub isrc: String,
    pub uri: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthAlbum {
    pub id: String,
    pub name: String,
    pub album_type: AlbumType,
    pub release_date: String,
    pub release_date_precision: DatePrecision,
    pub total_tracks: u32,
    /// Served only in Extended Quota mode.
    pub label: String,
    pub upc: String,
    pub artist_ids: Vec<String>,
    pub track_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthArtist {
    pub id: String,
    pub name: String,
    pub genres: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthEpisode {
    pub id: String,
    pub name: String,
    pub show_id: String,
    pub show_name: String,
    pub duration_ms: u32,
    pub release_date: String,
    pub uri: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthPlaylist {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub owner_id: String,
    pub owner_name: Option<String>,
    pub public: bool,
    pub collaborative: bool,
    pub snapshot_id: String,
    /// In the user's playlist list (`/me/playlists`).
    pub followed: bool,
    /// Owned by the simulated user.
    pub owned: bool,
    /// Whether a Development Mode app can read the items (owned or collaborative, not `37i9…`).
    pub items_readable_in_dev: bool,
    /// The SHA-256 (hex) of its custom cover's JPEG bytes; `None` when it shows a mosaic.
    #[serde(default)]
    pub custom_cover: Option<String>,
    /// Where its image is on the simulator's image CDN (`/__cdn/image/{hash}` for a custom
    /// cover, `/__cdn/mosaic/{id}` for the mosaic); `None` when it has none (no items).
    #[serde(default)]
    pub cover: Option<String>,
    pub items: Vec<TruthItem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemType {
    Track,
    Episode,
    Local,
    Unavailable,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthItem {
    pub position: u32,
    #[serde(rename = "type")]
    pub kind: ItemType,
    /// `None` for local files and unavailable items.
    pub id: Option<String>,
    /// `None` for unavailable items; `spotify:local:…` for local files.
    pub uri: Option<String>,
    pub name: Option<String>,
    pub added_at: Option<String>,
    /// User id of who added it.
    pub added_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthPlay {
    /// RFC 3339 with milliseconds.
    pub played_at: String,
    pub track_id: String,
    pub context_uri: Option<String>,
}
