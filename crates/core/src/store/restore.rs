//! Restore's reads and journal: the saves and their ends (for the library as of a date), the
//! playlists with their versions and covers, and the restores themselves (`restores`), the
//! writes each sent (`restore_writes`) and the playlists they created (`restore_playlists`).

use rusqlite::{Row, params};

use super::Sql;
use super::row::FromRow;
use crate::domain::ChangeEntity;

/// A saved list's table, key and save-date column.
fn table_of(entity: ChangeEntity) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match entity {
        ChangeEntity::SavedTrack => ("saved_tracks", "track_id", "added_at"),
        ChangeEntity::SavedAlbum => ("saved_albums", "album_id", "added_at"),
        ChangeEntity::SavedShow => ("saved_shows", "show_id", "added_at"),
        ChangeEntity::SavedEpisode => ("saved_episodes", "episode_id", "added_at"),
        ChangeEntity::SavedAudiobook => ("saved_audiobooks", "audiobook_id", "added_at"),
        ChangeEntity::FollowedArtist => ("followed_artists", "artist_id", "first_seen_at"),
        ChangeEntity::Playlist => return None,
    })
}

/// One stretch of time an item was saved: from its save to its end (`None`: still saved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedSpan {
    pub id: String,
    pub added_at: Option<String>,
    pub until: Option<String>,
}

impl FromRow for SavedSpan {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<SavedSpan> {
        Ok(SavedSpan {
            id: r.get("id")?,
            added_at: r.get("added_at")?,
            until: r.get("until")?,
        })
    }
}

/// A playlist's row (in the list now, or gone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaylistRow {
    pub id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub public: Option<bool>,
    pub collaborative: Option<bool>,
    pub owner_id: Option<String>,
    pub snapshot_id: Option<String>,
    pub items_status: String,
    pub removed_at: Option<String>,
}

impl FromRow for PlaylistRow {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<PlaylistRow> {
        Ok(PlaylistRow {
            id: r.get("id")?,
            name: r.get("name")?,
            description: r.get("description")?,
            public: r.get("public")?,
            collaborative: r.get("collaborative")?,
            owner_id: r.get("owner_id")?,
            snapshot_id: r.get("snapshot_id")?,
            items_status: r.get("items_status")?,
            removed_at: r.get("removed_at")?,
        })
    }
}

/// One stored playlist entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRow {
    pub playlist_id: String,
    pub item_type: String,
    pub uri: Option<String>,
    pub name: Option<String>,
    pub track_id: Option<String>,
}

impl FromRow for ItemRow {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<ItemRow> {
        Ok(ItemRow {
            playlist_id: r.get("playlist_id")?,
            item_type: r.get("item_type")?,
            uri: r.get("uri")?,
            name: r.get("name")?,
            track_id: r.get("track_id")?,
        })
    }
}

/// A playlist's version at a date, as `restore` reads it (the flags may be unknown: versions
/// recorded before they were kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionAt {
    pub name: Option<String>,
    pub description: Option<String>,
    pub snapshot_id: Option<String>,
    pub public: Option<bool>,
    pub collaborative: Option<bool>,
    /// JSON: `[[position, item_type, track_id, episode_id, uri, name, added_at, added_by]…]`.
    pub items: String,
}

impl FromRow for VersionAt {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<VersionAt> {
        Ok(VersionAt {
            name: r.get("name")?,
            description: r.get("description")?,
            snapshot_id: r.get("snapshot_id")?,
            public: r.get("public")?,
            collaborative: r.get("collaborative")?,
            items: r.get("items")?,
        })
    }
}

/// A journaled arrival or departure of a playlist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaylistEvent {
    pub id: String,
    pub added: bool,
    pub at: String,
}

impl FromRow for PlaylistEvent {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<PlaylistEvent> {
        Ok(PlaylistEvent {
            id: r.get("entity_id")?,
            added: r.get::<_, String>("change")? == "added",
            at: r.get("changed_at")?,
        })
    }
}

/// One restore (`restores`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreRow {
    pub id: i64,
    pub created_at: String,
    pub as_of: String,
    /// JSON of the selection.
    pub selection: String,
    /// JSON of the pinned target.
    pub target: String,
    pub status: String,
}

impl FromRow for RestoreRow {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<RestoreRow> {
        Ok(RestoreRow {
            id: r.get("id")?,
            created_at: r.get("created_at")?,
            as_of: r.get("as_of")?,
            selection: r.get("selection")?,
            target: r.get("target")?,
            status: r.get("status")?,
        })
    }
}

/// One write a restore sent, for its journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteRecord<'a> {
    pub restore_id: i64,
    pub run: Option<i64>,
    pub at: &'a str,
    /// `PUT /me/library`, `POST /me/playlists`, …
    pub request: &'a str,
    /// What it wrote to: a list (`liked`) or a playlist id.
    pub target: &'a str,
    /// The ids it carried (JSON array).
    pub ids: &'a str,
    pub items: u64,
    /// `done`, or why not.
    pub outcome: &'a str,
}

const RESTORE_COLS: &str = "id, created_at, as_of, selection, target, status";

impl Sql<'_> {
    /// Every save of a list the mirror knows, with its end: the stored rows (their latest
    /// save) and each removal the journal kept (with the save it ended).
    pub fn saved_spans(&self, entity: ChangeEntity) -> rusqlite::Result<Vec<SavedSpan>> {
        let Some((table, key, added)) = table_of(entity) else {
            return Ok(Vec::new());
        };
        self.all(
            &format!(
                "SELECT {key} AS id, {added} AS added_at, removed_at AS until FROM {table}
                 UNION ALL
                 SELECT entity_id AS id, old_value AS added_at, changed_at AS until
                 FROM library_changes WHERE entity_type = ?1 AND change = 'removed'"
            ),
            [entity],
        )
    }

    /// Every playlist the mirror holds, in the account's order (gone ones last).
    pub fn restore_playlist_rows(&self) -> rusqlite::Result<Vec<PlaylistRow>> {
        self.all(
            "SELECT id, name, description, public, collaborative, owner_id, snapshot_id,
                    items_status, removed_at
             FROM playlists ORDER BY removed_at IS NOT NULL, list_position, id",
            [],
        )
    }

    /// Every stored playlist entry, by playlist and position.
    pub fn restore_item_rows(&self) -> rusqlite::Result<Vec<ItemRow>> {
        self.all(
            "SELECT playlist_id, item_type, uri, name, track_id FROM playlist_items
             ORDER BY playlist_id, position",
            [],
        )
    }

    /// The journaled arrivals and departures of playlists, oldest first.
    pub fn playlist_events(&self) -> rusqlite::Result<Vec<PlaylistEvent>> {
        self.all(
            "SELECT entity_id, change, changed_at FROM library_changes
             WHERE entity_type = 'playlist' AND change IN ('added', 'removed')
             ORDER BY changed_at, id",
            [],
        )
    }

    /// The latest version of a playlist recorded at or before `at`.
    pub fn restore_version_at(&self, id: &str, at: &str) -> rusqlite::Result<Option<VersionAt>> {
        self.one(
            "SELECT name, description, snapshot_id, public, collaborative, items
             FROM playlist_versions WHERE playlist_id = ?1 AND recorded_at <= ?2
             ORDER BY recorded_at DESC, id DESC LIMIT 1",
            params![id, at],
        )
    }

    /// The archived custom cover (SHA-256) a playlist had at `at` (now when `None`).
    pub fn cover_at(&self, id: &str, at: Option<&str>) -> rusqlite::Result<Option<String>> {
        Ok(self
            .value::<Option<String>>(
                "SELECT COALESCE((SELECT source_sha256 FROM cover_uploads
                                  WHERE uploaded_sha256 = c.sha256), c.sha256) AS value
                 FROM playlist_covers c
                 WHERE playlist_id = ?1 AND (?2 IS NULL OR seen_at <= ?2)
                 ORDER BY seen_at DESC, id DESC LIMIT 1",
                params![id, at],
            )?
            .flatten())
    }

    /// When the first complete mirror ended: the history of the library starts there.
    pub fn first_complete_mirror(&self) -> rusqlite::Result<Option<String>> {
        Ok(self
            .value::<Option<String>>(
                "SELECT MIN(finished_at) AS value FROM sync_history
                 WHERE kind = 'full' AND status = 'success'",
                [],
            )?
            .flatten())
    }

    /// A new restore, `planned`; an earlier unfinished one is superseded.
    pub fn create_restore(
        &self,
        now: &str,
        as_of: &str,
        selection: &str,
        target: &str,
    ) -> rusqlite::Result<i64> {
        self.exec(
            "UPDATE restores SET status = 'superseded', finished_at = ?1
             WHERE status IN ('planned', 'applying')",
            [now],
        )?;
        self.exec(
            "INSERT INTO restores (created_at, as_of, selection, target, status)
             VALUES (?1, ?2, ?3, ?4, 'planned')",
            params![now, as_of, selection, target],
        )?;
        Ok(self.0.last_insert_rowid())
    }

    /// The unfinished restore (planned, or applying), if any.
    pub fn open_restore(&self) -> rusqlite::Result<Option<RestoreRow>> {
        self.one(
            &format!(
                "SELECT {RESTORE_COLS} FROM restores WHERE status IN ('planned', 'applying')
                 ORDER BY id DESC LIMIT 1"
            ),
            [],
        )
    }

    pub fn restore_row(&self, id: i64) -> rusqlite::Result<Option<RestoreRow>> {
        self.one(
            &format!("SELECT {RESTORE_COLS} FROM restores WHERE id = ?1"),
            [id],
        )
    }

    /// Set a restore's status (`applying`, `done`); `done` stamps its end.
    pub fn set_restore_status(&self, id: i64, status: &str, now: &str) -> rusqlite::Result<()> {
        self.exec(
            "UPDATE restores SET status = ?2,
                    finished_at = CASE WHEN ?2 = 'done' THEN ?3 ELSE finished_at END
             WHERE id = ?1",
            params![id, status, now],
        )?;
        Ok(())
    }

    /// Journal one write of a restore.
    pub fn record_restore_write(&self, w: &WriteRecord<'_>) -> rusqlite::Result<()> {
        self.exec(
            "INSERT INTO restore_writes (restore_id, sync_history_id, written_at, request, target,
                                         items, ids, outcome)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                w.restore_id,
                w.run,
                w.at,
                w.request,
                w.target,
                w.items as i64,
                w.ids,
                w.outcome
            ],
        )?;
        Ok(())
    }

    /// Writes a restore sent so far.
    pub fn restore_write_count(&self, id: i64) -> rusqlite::Result<u64> {
        self.count(
            "SELECT COUNT(*) AS n FROM restore_writes WHERE restore_id = ?1",
            [id],
        )
    }

    /// The playlist a restore created for `source` (`copy_of`: the copy's date, `""` when it
    /// was recreated), if one was recorded.
    pub fn restored_playlist(
        &self,
        source: &str,
        copy_of: &str,
    ) -> rusqlite::Result<Option<String>> {
        self.value(
            "SELECT account_id AS value FROM restore_playlists
             WHERE source_id = ?1 AND copy_of = ?2",
            params![source, copy_of],
        )
    }

    /// Record the playlist created for `source`.
    pub fn record_restored_playlist(
        &self,
        source: &str,
        copy_of: &str,
        account_id: &str,
        marker: &str,
        restore_id: i64,
        now: &str,
    ) -> rusqlite::Result<()> {
        self.exec(
            "INSERT INTO restore_playlists (source_id, copy_of, account_id, marker, created_at,
                                            restore_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (source_id, copy_of) DO UPDATE SET account_id = excluded.account_id,
               marker = excluded.marker, created_at = excluded.created_at,
               restore_id = excluded.restore_id",
            params![source, copy_of, account_id, marker, now, restore_id],
        )?;
        Ok(())
    }

    /// Journal rows of `run` about what restore `restore_id` wrote: their source is `restore`.
    pub fn label_restore_changes(&self, run: i64, restore_id: i64) -> rusqlite::Result<u64> {
        let n = self.exec(
            "UPDATE library_changes SET source = 'restore'
             WHERE sync_history_id = ?1 AND entity_id IN (
                SELECT j.value FROM restore_writes w, json_each(w.ids) j
                WHERE w.restore_id = ?2)",
            params![run, restore_id],
        )?;
        Ok(n as u64)
    }

    /// The bytes of an archived cover.
    pub fn cover_image(&self, sha256: &str) -> rusqlite::Result<Option<Vec<u8>>> {
        self.value(
            "SELECT bytes AS value FROM cover_images WHERE sha256 = ?1",
            [sha256],
        )
    }

    /// The ids a restore found Spotify no longer has (its writes refused them).
    pub fn restore_unavailable_ids(&self, id: i64) -> rusqlite::Result<Vec<String>> {
        self.values(
            "SELECT j.value AS value FROM restore_writes w, json_each(w.ids) j
             WHERE w.restore_id = ?1 AND w.outcome LIKE 'unavailable%'",
            [id],
        )
    }

    /// Those ids in words: a track's "title — artist (ISRC …)", else the id.
    pub fn restore_unavailable(&self, id: i64) -> rusqlite::Result<Vec<String>> {
        self.values(
            "SELECT COALESCE(t.name || ' — ' || COALESCE((SELECT a.name FROM track_artists ta
                      JOIN artists a ON a.id = ta.artist_id
                      WHERE ta.track_id = t.id ORDER BY ta.position LIMIT 1), '?')
                    || COALESCE(' (ISRC ' || t.isrc || ')', ''), j.value) AS value
             FROM restore_writes w, json_each(w.ids) j LEFT JOIN tracks t ON t.id = j.value
             WHERE w.restore_id = ?1 AND w.outcome LIKE 'unavailable%'",
            [id],
        )
    }

    /// An item's name for people (a track's with its first artist), whatever its kind.
    pub fn item_words(&self, id: &str) -> rusqlite::Result<Option<String>> {
        Ok(self
            .value::<Option<String>>(
                "SELECT COALESCE(
                    (SELECT t.name || COALESCE(' — ' || (SELECT a.name FROM track_artists ta
                        JOIN artists a ON a.id = ta.artist_id WHERE ta.track_id = t.id
                        ORDER BY ta.position LIMIT 1), '') FROM tracks t WHERE t.id = ?1),
                    (SELECT name FROM albums WHERE id = ?1),
                    (SELECT name FROM artists WHERE id = ?1),
                    (SELECT name FROM shows WHERE id = ?1),
                    (SELECT name FROM episodes WHERE id = ?1),
                    (SELECT name FROM audiobooks WHERE id = ?1)) AS value",
                [id],
            )?
            .flatten())
    }

    /// The listing showed a playlist's custom cover `url` (`None`: a mosaic or none): a new
    /// row when it changed, to archive.
    pub fn note_cover(&self, id: &str, url: Option<&str>, now: &str) -> rusqlite::Result<()> {
        let last: Option<Option<String>> = self.value(
            "SELECT url AS value FROM playlist_covers WHERE playlist_id = ?1
             ORDER BY seen_at DESC, id DESC LIMIT 1",
            [id],
        )?;
        if last.as_ref().map(Option::as_deref) == Some(url) || (last.is_none() && url.is_none()) {
            return Ok(());
        }
        self.exec(
            "INSERT INTO playlist_covers (playlist_id, seen_at, url) VALUES (?1, ?2, ?3)",
            params![id, now, url],
        )?;
        Ok(())
    }

    /// Covers seen and not archived yet: (row id, URL).
    pub fn covers_to_archive(&self) -> rusqlite::Result<Vec<(i64, String)>> {
        Ok(self
            .all::<CoverToFetch>(
                "SELECT id, url FROM playlist_covers WHERE url IS NOT NULL AND sha256 IS NULL
                 ORDER BY id",
                [],
            )?
            .into_iter()
            .map(|c| (c.id, c.url))
            .collect())
    }

    /// A cover's bytes fetched: kept once per content, and its row points at them.
    pub fn archive_cover(
        &self,
        row: i64,
        sha256: &str,
        bytes: &[u8],
        now: &str,
    ) -> rusqlite::Result<()> {
        self.exec(
            "INSERT INTO cover_images (sha256, bytes, fetched_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (sha256) DO NOTHING",
            params![sha256, bytes, now],
        )?;
        self.exec(
            "UPDATE playlist_covers SET sha256 = ?2 WHERE id = ?1",
            params![row, sha256],
        )?;
        Ok(())
    }

    /// An archived cover's bytes from another account's mirror (a household restore): kept
    /// once per content, like [`Self::archive_cover`].
    pub fn keep_cover_image(&self, sha256: &str, bytes: &[u8], now: &str) -> rusqlite::Result<()> {
        self.exec(
            "INSERT INTO cover_images (sha256, bytes, fetched_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (sha256) DO NOTHING",
            params![sha256, bytes, now],
        )?;
        Ok(())
    }

    /// A cover uploaded re-encoded (`uploaded`) stands for the archived one it came from.
    pub fn record_cover_upload(&self, uploaded: &str, source: &str) -> rusqlite::Result<()> {
        self.exec(
            "INSERT INTO cover_uploads (uploaded_sha256, source_sha256) VALUES (?1, ?2)
             ON CONFLICT (uploaded_sha256) DO UPDATE SET source_sha256 = excluded.source_sha256",
            params![uploaded, source],
        )?;
        Ok(())
    }
}

struct CoverToFetch {
    id: i64,
    url: String,
}

impl FromRow for CoverToFetch {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<CoverToFetch> {
        Ok(CoverToFetch {
            id: r.get("id")?,
            url: r.get("url")?,
        })
    }
}
