//! The exporter's reads: the stored rows `crate::export` builds its model from (the artist
//! credits, every album, track and artist, the liked songs, the playlists and their items, the
//! plays), now or as of a date, and what the as-of reconstruction asks of the change journal and
//! the stored playlist versions. [`Reader::snapshot`] runs them in one read transaction: a
//! consistent library while a sync commits beside it.

use std::path::Path;

use rusqlite::{Row as SqlRow, params};
use serde::Deserialize;

use super::super::file::open_existing_read_only;
use super::super::row::FromRow;
use super::super::{Reader, Sql, StoreError};

/// An artist credited on a track or an album (`owner`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditRow {
    /// The track's or the album's id.
    pub owner: String,
    pub id: String,
    pub uri: Option<String>,
    pub name: Option<String>,
}

/// Whose artist credits to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credited {
    Tracks,
    Albums,
}

/// A row of `albums` (`images` and `genres`: the stored JSON text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlbumRow {
    pub id: String,
    pub uri: Option<String>,
    pub name: Option<String>,
    pub album_type: Option<String>,
    pub release_date: Option<String>,
    pub total_tracks: Option<i64>,
    pub label: Option<String>,
    pub upc: Option<String>,
    pub popularity: Option<i64>,
    pub images: Option<String>,
    pub genres: Option<String>,
}

/// A row of `tracks`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackRow {
    pub id: String,
    pub uri: Option<String>,
    pub name: Option<String>,
    pub album_id: Option<String>,
    pub duration_ms: Option<i64>,
    pub explicit: Option<bool>,
    pub disc_number: Option<i64>,
    pub track_number: Option<i64>,
    pub isrc: Option<String>,
    pub popularity: Option<i64>,
}

/// A row of `artists` (`images` and `genres`: the stored JSON text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtistRow {
    pub id: String,
    pub uri: Option<String>,
    pub name: Option<String>,
    pub genres: Option<String>,
    pub popularity: Option<i64>,
    pub followers: Option<i64>,
    pub images: Option<String>,
}

/// A liked song.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LikedRow {
    pub track_id: String,
    pub added_at: Option<String>,
}

/// A row of `playlists`: the playlist without its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaylistRow {
    pub id: String,
    pub uri: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub owner_id: Option<String>,
    pub owner_name: Option<String>,
    pub public: Option<bool>,
    pub collaborative: Option<bool>,
    pub items_snapshot_id: Option<String>,
    /// `synced` when its items are mirrored.
    pub items_status: String,
}

/// A playlist item: a `playlist_items` row, or an element of a stored version's `items` (a
/// JSON array holding these values in this order: see [`Sql::record_playlist_version`]).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ItemRow {
    pub position: i64,
    pub item_type: String,
    pub track_id: Option<String>,
    pub episode_id: Option<String>,
    pub uri: Option<String>,
    pub name: Option<String>,
    pub added_at: Option<String>,
    pub added_by: Option<String>,
}

/// An item of the playlist `playlist_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaylistItem {
    pub playlist_id: String,
    pub item: ItemRow,
}

/// A play.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayRow {
    pub played_at: String,
    pub track_id: Option<String>,
    pub context_type: Option<String>,
    pub context_uri: Option<String>,
    /// What the play's source named: the URI, the track, artist and album names.
    pub uri: Option<String>,
    pub track_name: Option<String>,
    pub artist_name: Option<String>,
    pub album_name: Option<String>,
    pub ms_played: Option<i64>,
}

impl FromRow for CreditRow {
    fn from_row(r: &SqlRow<'_>) -> rusqlite::Result<Self> {
        Ok(CreditRow {
            owner: r.get("owner")?,
            id: r.get("id")?,
            uri: r.get("uri")?,
            name: r.get("name")?,
        })
    }
}

impl FromRow for AlbumRow {
    fn from_row(r: &SqlRow<'_>) -> rusqlite::Result<Self> {
        Ok(AlbumRow {
            id: r.get("id")?,
            uri: r.get("uri")?,
            name: r.get("name")?,
            album_type: r.get("album_type")?,
            release_date: r.get("release_date")?,
            total_tracks: r.get("total_tracks")?,
            label: r.get("label")?,
            upc: r.get("upc")?,
            popularity: r.get("popularity")?,
            images: r.get("images")?,
            genres: r.get("genres")?,
        })
    }
}

impl FromRow for TrackRow {
    fn from_row(r: &SqlRow<'_>) -> rusqlite::Result<Self> {
        Ok(TrackRow {
            id: r.get("id")?,
            uri: r.get("uri")?,
            name: r.get("name")?,
            album_id: r.get("album_id")?,
            duration_ms: r.get("duration_ms")?,
            explicit: r.get("explicit")?,
            disc_number: r.get("disc_number")?,
            track_number: r.get("track_number")?,
            isrc: r.get("isrc")?,
            popularity: r.get("popularity")?,
        })
    }
}

impl FromRow for ArtistRow {
    fn from_row(r: &SqlRow<'_>) -> rusqlite::Result<Self> {
        Ok(ArtistRow {
            id: r.get("id")?,
            uri: r.get("uri")?,
            name: r.get("name")?,
            genres: r.get("genres")?,
            popularity: r.get("popularity")?,
            followers: r.get("followers")?,
            images: r.get("images")?,
        })
    }
}

impl FromRow for LikedRow {
    fn from_row(r: &SqlRow<'_>) -> rusqlite::Result<Self> {
        Ok(LikedRow {
            track_id: r.get("track_id")?,
            added_at: r.get("added_at")?,
        })
    }
}

impl FromRow for PlaylistRow {
    fn from_row(r: &SqlRow<'_>) -> rusqlite::Result<Self> {
        Ok(PlaylistRow {
            id: r.get("id")?,
            uri: r.get("uri")?,
            name: r.get("name")?,
            description: r.get("description")?,
            owner_id: r.get("owner_id")?,
            owner_name: r.get("owner_name")?,
            public: r.get("public")?,
            collaborative: r.get("collaborative")?,
            items_snapshot_id: r.get("items_snapshot_id")?,
            items_status: r.get("items_status")?,
        })
    }
}

impl FromRow for ItemRow {
    fn from_row(r: &SqlRow<'_>) -> rusqlite::Result<Self> {
        Ok(ItemRow {
            position: r.get("position")?,
            item_type: r.get("item_type")?,
            track_id: r.get("track_id")?,
            episode_id: r.get("episode_id")?,
            uri: r.get("uri")?,
            name: r.get("name")?,
            added_at: r.get("added_at")?,
            added_by: r.get("added_by")?,
        })
    }
}

impl FromRow for PlaylistItem {
    fn from_row(r: &SqlRow<'_>) -> rusqlite::Result<Self> {
        Ok(PlaylistItem {
            playlist_id: r.get("playlist_id")?,
            item: ItemRow::from_row(r)?,
        })
    }
}

impl FromRow for PlayRow {
    fn from_row(r: &SqlRow<'_>) -> rusqlite::Result<Self> {
        Ok(PlayRow {
            played_at: r.get("played_at")?,
            track_id: r.get("track_id")?,
            context_type: r.get("context_type")?,
            context_uri: r.get("context_uri")?,
            uri: r.get("uri")?,
            track_name: r.get("track_name")?,
            artist_name: r.get("artist_name")?,
            album_name: r.get("album_name")?,
            ms_played: r.get("ms_played")?,
        })
    }
}

impl Reader {
    /// Run `f` in one read transaction: every read sees the same database, whatever a sync
    /// commits meanwhile.
    pub fn snapshot<R, E: From<rusqlite::Error>>(
        &self,
        f: impl FnOnce(Sql<'_>) -> Result<R, E>,
    ) -> Result<R, E> {
        let tx = self.conn.unchecked_transaction()?;
        let r = f(Sql(&tx))?;
        tx.finish()?;
        Ok(r)
    }
}

/// Whether the SQLite file at `path` holds any table. For a file [`Reader::open`] found no
/// spotsync schema in, this tells another application's database from no database yet.
pub fn holds_tables(path: &Path) -> Result<bool, StoreError> {
    if !std::fs::metadata(path).is_ok_and(|m| m.len() > 0) {
        return Ok(false);
    }
    let conn = open_existing_read_only(path)?;
    Ok(Sql(&conn).exists("SELECT 1 FROM sqlite_master WHERE type = 'table'", [])?)
}

impl Sql<'_> {
    /// The artist credits of every track or album, by owner, in credit order.
    pub fn credit_rows(&self, of: Credited) -> rusqlite::Result<Vec<CreditRow>> {
        let sql = match of {
            Credited::Tracks => {
                "SELECT x.track_id AS owner, a.id AS id, a.uri AS uri, a.name AS name
                 FROM track_artists x JOIN artists a ON a.id = x.artist_id
                 ORDER BY x.track_id, x.position"
            }
            Credited::Albums => {
                "SELECT x.album_id AS owner, a.id AS id, a.uri AS uri, a.name AS name
                 FROM album_artists x JOIN artists a ON a.id = x.artist_id
                 ORDER BY x.album_id, x.position"
            }
        };
        self.all(sql, [])
    }

    /// Every album.
    pub fn album_rows(&self) -> rusqlite::Result<Vec<AlbumRow>> {
        self.all(
            "SELECT id, uri, name, album_type, release_date, total_tracks, label, upc,
                    popularity, images, genres
             FROM albums",
            [],
        )
    }

    /// Every track.
    pub fn track_rows(&self) -> rusqlite::Result<Vec<TrackRow>> {
        self.all(
            "SELECT id, uri, name, album_id, duration_ms, explicit, disc_number, track_number,
                    isrc, popularity
             FROM tracks",
            [],
        )
    }

    /// Every artist.
    pub fn artist_rows(&self) -> rusqlite::Result<Vec<ArtistRow>> {
        self.all(
            "SELECT id, uri, name, genres, popularity, followers, images FROM artists",
            [],
        )
    }

    /// The liked songs, newest first; as of `as_of` (a stored timestamp): saved by then and
    /// not yet seen removed.
    pub fn liked_rows(&self, as_of: Option<&str>) -> rusqlite::Result<Vec<LikedRow>> {
        self.all(
            "SELECT track_id, added_at FROM saved_tracks
             WHERE CASE WHEN ?1 IS NULL THEN removed_at IS NULL
                        ELSE (added_at IS NULL OR added_at <= ?1)
                             AND (removed_at IS NULL OR removed_at > ?1) END
             ORDER BY added_at DESC, track_id",
            [as_of],
        )
    }

    /// The playlists in the account's order: those in the library now, and with `as_of` also
    /// those removed after it.
    pub fn playlist_rows(&self, as_of: Option<&str>) -> rusqlite::Result<Vec<PlaylistRow>> {
        self.all(
            "SELECT id, uri, name, description, owner_id, owner_name, public, collaborative,
                    items_snapshot_id, items_status
             FROM playlists
             WHERE removed_at IS NULL OR (?1 IS NOT NULL AND removed_at > ?1)
             ORDER BY list_position, id",
            [as_of],
        )
    }

    /// Every playlist item, by playlist and position.
    pub fn playlist_item_rows(&self) -> rusqlite::Result<Vec<PlaylistItem>> {
        self.all(
            "SELECT playlist_id, position, item_type, track_id, episode_id, uri, name, added_at,
                    added_by
             FROM playlist_items ORDER BY playlist_id, position",
            [],
        )
    }

    /// The plays (up to `as_of`), newest first.
    pub fn play_rows(&self, as_of: Option<&str>) -> rusqlite::Result<Vec<PlayRow>> {
        self.all(
            "SELECT played_at, track_id, context_type, context_uri, uri, track_name, artist_name,
                    album_name, ms_played
             FROM plays
             WHERE ?1 IS NULL OR played_at <= ?1 ORDER BY played_at DESC, id DESC",
            [as_of],
        )
    }

    /// The playlist's name at `at`: the old name of the first rename journaled after it.
    pub fn playlist_name_at(&self, id: &str, at: &str) -> rusqlite::Result<Option<String>> {
        let name = self.value::<Option<String>>(
            "SELECT old_value AS value FROM library_changes
             WHERE entity_type = 'playlist' AND entity_id = ?1 AND change = 'renamed'
               AND changed_at > ?2
             ORDER BY changed_at, id LIMIT 1",
            params![id, at],
        )?;
        Ok(name.flatten())
    }

    /// Whether the journal shows the playlist joined the library only after `at`.
    pub fn playlist_added_after(&self, id: &str, at: &str) -> rusqlite::Result<bool> {
        let after = self.value::<bool>(
            "SELECT COUNT(*) > 0 AND MIN(changed_at) > ?2 AS value FROM library_changes
             WHERE entity_type = 'playlist' AND entity_id = ?1 AND change = 'added'",
            params![id, at],
        )?;
        Ok(after.unwrap_or(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn a_stored_version_reads_back_as_item_rows() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("v.db");
        let s = Store::open(&db).unwrap();
        s.conn
            .execute_batch(
                "INSERT INTO tracks (id, name) VALUES ('t1', 'One');
                 INSERT INTO playlists (id, name, snapshot_id, items_status)
                 VALUES ('p', 'P', 's1', 'synced');
                 INSERT INTO playlist_items (playlist_id, position, item_type, track_id, uri,
                                             added_at, added_by)
                 VALUES ('p', 0, 'track', 't1', 'spotify:track:t1', '2026-01-01T00:00:00Z', 'me');
                 INSERT INTO playlist_items (playlist_id, position, item_type, uri, name)
                 VALUES ('p', 1, 'local', 'spotify:local:a:b:c:1', 'c');",
            )
            .unwrap();
        assert!(
            s.sql()
                .record_playlist_version("p", "2026-02-01T00:00:00Z")
                .unwrap()
        );
        drop(s);
        let reader = Reader::open(&db).unwrap().unwrap();
        let (stored, version) = reader
            .snapshot(|sql| {
                let stored: Vec<ItemRow> = sql
                    .playlist_item_rows()?
                    .into_iter()
                    .map(|i| i.item)
                    .collect();
                let version = sql.playlist_version_at("p", "2026-03-01T00:00:00Z")?;
                Ok::<_, rusqlite::Error>((stored, version))
            })
            .unwrap();
        let version = version.unwrap();
        let items: Vec<ItemRow> = serde_json::from_str(&version.items).unwrap();
        assert_eq!(items, stored, "a version holds the rows it was taken from");
        assert_eq!(items[0].added_by.as_deref(), Some("me"));
        assert_eq!(items[1].name.as_deref(), Some("c"));
        let none = reader
            .sql()
            .playlist_version_at("p", "2026-01-15T00:00:00Z")
            .unwrap();
        assert_eq!(none, None, "nothing was stored before the first version");
    }

    #[test]
    fn holds_tables_tells_a_foreign_file_from_no_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.db");
        assert!(!holds_tables(&path).unwrap(), "no file");
        std::fs::write(&path, b"").unwrap();
        assert!(!holds_tables(&path).unwrap(), "an empty file");
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch("CREATE TABLE history (url TEXT)").unwrap();
        drop(c);
        assert!(holds_tables(&path).unwrap(), "another application's table");
    }
}
