//! The detail of a track (album, artists, ISRC, liked and un-liked, its playlists with
//! positions, its plays), a playlist (its items in order), an album (its track list, the liked
//! ones marked, or its tracks in the library while the list is not stored) or an artist (their
//! tracks in the library). Shows, episodes and audiobooks are in `audio`.

use rusqlite::{Row as SqlRow, params};

use super::super::Sql;
use super::super::row::FromRow;
use super::fields::{ALBUM_ARTISTS, TRACK_ARTISTS, field, length, missing, saved};
use super::{DETAIL_ITEMS, Detail, DetailItem};

/// A track's own fields.
struct TrackHead {
    name: String,
    artists: String,
    album: String,
    released: Option<String>,
    isrc: Option<String>,
    duration_ms: Option<i64>,
    added: Option<String>,
    removed: Option<String>,
}

impl FromRow for TrackHead {
    fn from_row(r: &SqlRow<'_>) -> rusqlite::Result<Self> {
        Ok(TrackHead {
            name: r.get("name")?,
            artists: r.get("artists")?,
            album: r.get("album")?,
            released: r.get("released")?,
            isrc: r.get("isrc")?,
            duration_ms: r.get("duration_ms")?,
            added: r.get("added")?,
            removed: r.get("removed")?,
        })
    }
}

/// How often a track was played, first and last.
struct Plays {
    count: i64,
    first: Option<String>,
    last: Option<String>,
}

impl FromRow for Plays {
    fn from_row(r: &SqlRow<'_>) -> rusqlite::Result<Self> {
        Ok(Plays {
            count: r.get("count")?,
            first: r.get("first")?,
            last: r.get("last")?,
        })
    }
}

impl Plays {
    fn describe(self) -> String {
        match (self.first, self.last) {
            (Some(f), Some(l)) if self.count > 0 => format!("{}, first {f}, last {l}", self.count),
            _ => "none recorded".to_string(),
        }
    }
}

/// A playlist's own fields.
struct PlaylistHead {
    name: String,
    owner: String,
    about: Option<String>,
    items_status: String,
    synced: Option<String>,
    removed: Option<String>,
}

impl FromRow for PlaylistHead {
    fn from_row(r: &SqlRow<'_>) -> rusqlite::Result<Self> {
        Ok(PlaylistHead {
            name: r.get("name")?,
            owner: r.get("owner")?,
            about: r.get("about")?,
            items_status: r.get("items_status")?,
            synced: r.get("synced")?,
            removed: r.get("removed")?,
        })
    }
}

impl PlaylistHead {
    /// Whether and when its items were mirrored.
    fn items(&self) -> String {
        match self.items_status.as_str() {
            "synced" => format!("mirrored {}", self.synced.as_deref().unwrap_or_default()),
            "forbidden" => "not readable with this account (Spotify refuses them)".into(),
            "not_found" => "gone from Spotify".into(),
            _ => "not mirrored yet".into(),
        }
    }
}

/// An album's own fields.
struct AlbumHead {
    name: String,
    artists: String,
    released: Option<String>,
    label: Option<String>,
    /// The track list's length as Spotify said it, and whether the rest of it can still come.
    tracks_total: Option<i64>,
    tracks_error: Option<String>,
}

impl FromRow for AlbumHead {
    fn from_row(r: &SqlRow<'_>) -> rusqlite::Result<Self> {
        Ok(AlbumHead {
            name: r.get("name")?,
            artists: r.get("artists")?,
            released: r.get("released")?,
            label: r.get("label")?,
            tracks_total: r.get("tracks_total")?,
            tracks_error: r.get("tracks_error")?,
        })
    }
}

/// An artist's own fields.
struct ArtistHead {
    name: String,
    genres: Option<String>,
}

impl FromRow for ArtistHead {
    fn from_row(r: &SqlRow<'_>) -> rusqlite::Result<Self> {
        Ok(ArtistHead {
            name: r.get("name")?,
            genres: r.get("genres")?,
        })
    }
}

impl Sql<'_> {
    /// A track: artists, album, ISRC, length, when liked, its plays and its playlists.
    pub(super) fn track_detail(&self, id: &str) -> rusqlite::Result<Detail> {
        let sql = format!(
            "SELECT COALESCE(t.name, t.id) AS name, {TRACK_ARTISTS} AS artists,
                    COALESCE(al.name, '') AS album, al.release_date AS released, t.isrc AS isrc,
                    t.duration_ms AS duration_ms, s.added_at AS added, s.removed_at AS removed
             FROM tracks t LEFT JOIN albums al ON al.id = t.album_id
             LEFT JOIN saved_tracks s ON s.track_id = t.id WHERE t.id = ?1"
        );
        let Some(h) = self.one::<TrackHead>(&sql, [id])? else {
            return Ok(missing("Track", id));
        };
        let album = match &h.released {
            Some(r) => format!("{} ({r})", h.album),
            None => h.album,
        };
        let mut fields = vec![
            field("Artists", h.artists),
            field("Album", album),
            field("ISRC", h.isrc.unwrap_or_else(|| "not stored".into())),
        ];
        if let Some(ms) = h.duration_ms {
            fields.push(field("Length", length(ms)));
        }
        fields.push(field("Liked", saved("un-liked", h.added, h.removed)));
        fields.push(field("Plays", self.plays_of(id)?.describe()));
        let items = self.playlists_with(id)?;
        Ok(Detail {
            title: h.name,
            fields,
            items_title: format!("In {} playlist position(s)", items.len()),
            items,
            ..Detail::default()
        })
    }

    /// How often the track `id` was played.
    fn plays_of(&self, id: &str) -> rusqlite::Result<Plays> {
        let plays = self.one(
            "SELECT count(*) AS count, min(played_at) AS first, max(played_at) AS last
             FROM plays WHERE track_id = ?1",
            [id],
        )?;
        Ok(plays.unwrap_or(Plays {
            count: 0,
            first: None,
            last: None,
        }))
    }

    /// The playlist positions of the track `id` (counted from 1), by playlist name.
    fn playlists_with(&self, id: &str) -> rusqlite::Result<Vec<DetailItem>> {
        self.all(
            "SELECT pi.position + 1 AS position, 'playlist' AS kind,
                    COALESCE(pl.name, pl.id) AS name,
                    CASE WHEN pl.removed_at IS NULL THEN ''
                         ELSE 'playlist removed ' || pl.removed_at END AS sub
             FROM playlist_items pi JOIN playlists pl ON pl.id = pi.playlist_id
             WHERE pi.track_id = ?1
             ORDER BY pl.name COLLATE NOCASE, pl.id, pi.position LIMIT ?2",
            params![id, DETAIL_ITEMS],
        )
    }

    /// A playlist: owner, about, whether its items are mirrored, and its items in order
    /// (counted from 1).
    pub(super) fn playlist_detail(&self, id: &str) -> rusqlite::Result<Detail> {
        let found: Option<PlaylistHead> = self.one(
            "SELECT COALESCE(name, id) AS name, COALESCE(owner_name, owner_id, '') AS owner,
                    description AS about, items_status, items_synced_at AS synced,
                    removed_at AS removed
             FROM playlists WHERE id = ?1",
            [id],
        )?;
        let Some(h) = found else {
            return Ok(missing("Playlist", id));
        };
        let items_field = field("Items", h.items());
        let mut fields = vec![field("Owner", h.owner)];
        if let Some(d) = h.about.filter(|d| !d.is_empty()) {
            fields.push(field("About", d));
        }
        fields.push(items_field);
        if let Some(r) = h.removed {
            fields.push(field("Removed", r));
        }
        let sql = format!(
            "SELECT pi.position + 1 AS position, pi.item_type AS kind,
                    COALESCE(t.name, pi.name, pi.uri, '') AS name,
                    CASE WHEN pi.track_id IS NOT NULL THEN {TRACK_ARTISTS} ELSE '' END AS sub
             FROM playlist_items pi LEFT JOIN tracks t ON t.id = pi.track_id
             WHERE pi.playlist_id = ?1 ORDER BY pi.position LIMIT ?2"
        );
        let items = self.all(&sql, params![id, DETAIL_ITEMS])?;
        let total = self.count(
            "SELECT count(*) AS n FROM playlist_items WHERE playlist_id = ?1",
            [id],
        )?;
        Ok(Detail {
            title: h.name,
            fields,
            items_title: format!("{total} item(s), in order"),
            items,
            ..Detail::default()
        })
    }

    /// Tracks of the library matching `cond` (on `t`; `?1` is the id), with whether each is
    /// liked, in album order.
    fn tracks_where(&self, cond: &str, id: &str) -> rusqlite::Result<Vec<DetailItem>> {
        let sql = format!(
            "SELECT t.track_number AS position,
                    CASE WHEN s.track_id IS NOT NULL AND s.removed_at IS NULL THEN 'liked'
                         ELSE 'track' END AS kind,
                    COALESCE(t.name, t.id) AS name, {TRACK_ARTISTS} AS sub
             FROM tracks t LEFT JOIN saved_tracks s ON s.track_id = t.id
             WHERE {cond} ORDER BY t.disc_number, t.track_number, t.name LIMIT ?2"
        );
        self.all(&sql, params![id, DETAIL_ITEMS])
    }

    /// An album's stored track list, in order, the liked tracks marked, numbered through (a
    /// two-disc album's track numbers start again on the second disc).
    fn album_list(&self, id: &str) -> rusqlite::Result<Vec<DetailItem>> {
        let sql = format!(
            "SELECT ROW_NUMBER() OVER (ORDER BY at.position) AS position,
                    CASE WHEN s.track_id IS NOT NULL AND s.removed_at IS NULL THEN 'liked'
                         ELSE 'track' END AS kind,
                    COALESCE(t.name, t.id) AS name, {TRACK_ARTISTS} AS sub
             FROM album_tracks at JOIN tracks t ON t.id = at.track_id
             LEFT JOIN saved_tracks s ON s.track_id = t.id
             WHERE at.album_id = ?1 ORDER BY at.position LIMIT ?2"
        );
        self.all(&sql, params![id, DETAIL_ITEMS])
    }

    /// An album: artists, release date, label, and its track list (every track of the album,
    /// the liked ones marked) when it is stored, else its tracks in the library.
    pub(super) fn album_detail(&self, id: &str) -> rusqlite::Result<Detail> {
        let sql = format!(
            "SELECT COALESCE(al.name, al.id) AS name, {ALBUM_ARTISTS} AS artists,
                    al.release_date AS released, al.label AS label,
                    al.tracks_total AS tracks_total, al.tracks_error AS tracks_error
             FROM albums al WHERE al.id = ?1"
        );
        let Some(h) = self.one::<AlbumHead>(&sql, [id])? else {
            return Ok(missing("Album", id));
        };
        let mut fields = vec![field("Artists", h.artists)];
        if let Some(r) = h.released {
            fields.push(field("Released", r));
        }
        if let Some(l) = h.label {
            fields.push(field("Label", l));
        }
        let listed = self.album_list(id)?;
        if listed.is_empty() {
            let items = self.tracks_where("t.album_id = ?1", id)?;
            return Ok(Detail {
                title: h.name,
                fields,
                items_title: format!("{} track(s) in the library", items.len()),
                items,
                ..Detail::default()
            });
        }
        let stored = self.count(
            "SELECT COUNT(*) AS n FROM album_tracks WHERE album_id = ?1",
            [id],
        )?;
        let liked = self.count(
            "SELECT COUNT(*) AS n FROM album_tracks at JOIN saved_tracks s
               ON s.track_id = at.track_id AND s.removed_at IS NULL
             WHERE at.album_id = ?1",
            [id],
        )?;
        let total = h.tracks_total.and_then(|t| u64::try_from(t).ok());
        let mut title = match total {
            Some(t) if t > stored => format!("{stored} of {t} tracks"),
            _ => format!("{stored} tracks"),
        };
        title.push_str(&format!(" · {liked} liked"));
        if total.is_some_and(|t| t > stored) {
            title.push_str(match h.tracks_error {
                Some(_) => " · the rest could not be fetched",
                None => " · the rest comes with the next sync's albums",
            });
        }
        fields.push(field("Tracks", total.unwrap_or(stored).to_string()));
        Ok(Detail {
            title: h.name,
            fields,
            items_title: title,
            items: listed,
            ..Detail::default()
        })
    }

    /// An artist: genres, and their tracks in the library.
    pub(super) fn artist_detail(&self, id: &str) -> rusqlite::Result<Detail> {
        let found: Option<ArtistHead> = self.one(
            "SELECT COALESCE(name, id) AS name, genres FROM artists WHERE id = ?1",
            [id],
        )?;
        let Some(h) = found else {
            return Ok(missing("Artist", id));
        };
        let mut fields = Vec::new();
        if let Some(g) = h.genres.filter(|g| !g.is_empty() && g != "[]") {
            fields.push(field("Genres", g));
        }
        let items = self.tracks_where(
            "t.id IN (SELECT track_id FROM track_artists WHERE artist_id = ?1)",
            id,
        )?;
        fields.push(field("Tracks", items.len().to_string()));
        Ok(Detail {
            title: h.name,
            fields,
            items_title: "Tracks in the library".into(),
            items,
            ..Detail::default()
        })
    }
}
