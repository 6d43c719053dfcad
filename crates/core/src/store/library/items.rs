//! A playlist's items: fetched page by page into `playlist_items_staging`, then swapped into
//! `playlist_items` in one transaction (and kept as a version) when the last page is in.

use rusqlite::{Row, params};

use super::{Change, Counts, Journal};
use crate::domain::{ChangeEntity, ChangeKind};
use crate::spotify::model::PlaylistEntry;
use crate::store::Sql;
use crate::store::row::{FromRow, get_opt_u64, get_u64};

/// The next playlist whose items are to fetch.
struct Pending {
    id: String,
    staged: u64,
    total: Option<u64>,
}

impl FromRow for Pending {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Pending> {
        Ok(Pending {
            id: r.get("id")?,
            staged: get_u64(r, "staged")?,
            total: get_opt_u64(r, "total_items")?,
        })
    }
}

/// The snapshot whose items are stored, and the listing's.
struct Snapshots {
    stored: Option<String>,
    listed: Option<String>,
}

impl FromRow for Snapshots {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Snapshots> {
        Ok(Snapshots {
            stored: r.get("items_snapshot_id")?,
            listed: r.get("snapshot_id")?,
        })
    }
}

impl FromRow for Counts {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Counts> {
        Ok(Counts {
            added: get_u64(r, "added")?,
            updated: get_u64(r, "updated")?,
            removed: get_u64(r, "removed")?,
        })
    }
}

/// One item as staged: `(item_type, track_id, episode_id, uri, name)`.
type Staged = (
    &'static str,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// What changed between the stored items and the staged ones, items matched by identity (the
/// track, episode or local file, when it was added, and its occurrence among equal items).
const ITEM_DIFF: &str = "WITH o AS (
       SELECT item_type AS t, COALESCE(track_id, episode_id, uri, name, '') AS k,
              added_at AS a,
              ROW_NUMBER() OVER (PARTITION BY item_type,
                                 COALESCE(track_id, episode_id, uri, name, ''), added_at
                                 ORDER BY position) AS n,
              name, added_by
       FROM playlist_items WHERE playlist_id = ?1),
     s AS (
       SELECT item_type AS t, COALESCE(track_id, episode_id, uri, name, '') AS k,
              added_at AS a,
              ROW_NUMBER() OVER (PARTITION BY item_type,
                                 COALESCE(track_id, episode_id, uri, name, ''), added_at
                                 ORDER BY position) AS n,
              name, added_by
       FROM playlist_items_staging WHERE playlist_id = ?1)
     SELECT
       (SELECT COUNT(*) FROM s WHERE NOT EXISTS
          (SELECT 1 FROM o WHERE o.t = s.t AND o.k = s.k AND o.a IS s.a AND o.n = s.n))
         AS added,
       (SELECT COUNT(*) FROM o WHERE NOT EXISTS
          (SELECT 1 FROM s WHERE o.t = s.t AND o.k = s.k AND o.a IS s.a AND o.n = s.n))
         AS removed,
       (SELECT COUNT(*) FROM s JOIN o ON o.t = s.t AND o.k = s.k AND o.a IS s.a AND o.n = s.n
          WHERE s.name IS NOT o.name OR s.added_by IS NOT o.added_by) AS updated";

impl Sql<'_> {
    /// The next playlist whose items must be fetched, with how many of its positions are
    /// staged and its listed total.
    pub(crate) fn next_pending_playlist(
        &self,
    ) -> rusqlite::Result<Option<(String, u64, Option<u64>)>> {
        let next: Option<Pending> = self.one(
            "SELECT p.id,
                    (SELECT COUNT(*) FROM playlist_items_staging s WHERE s.playlist_id = p.id)
                      AS staged,
                    p.total_items
             FROM playlists p
             WHERE p.items_status = 'pending' AND p.removed_at IS NULL
             ORDER BY p.list_position, p.id LIMIT 1",
            [],
        )?;
        Ok(next.map(|p| (p.id, p.staged, p.total)))
    }

    /// Items still to fetch across pending playlists (for progress totals).
    pub(crate) fn pending_items_total(&self) -> rusqlite::Result<u64> {
        self.count(
            "SELECT COALESCE(SUM(COALESCE(total_items, 0)), 0) AS n FROM playlists
             WHERE items_status = 'pending' AND removed_at IS NULL",
            [],
        )
    }

    /// How one entry is staged (a track is stored in the catalog first).
    fn staged(&self, e: Option<&PlaylistEntry>) -> rusqlite::Result<Staged> {
        let Some(p) = e.and_then(PlaylistEntry::playable) else {
            return Ok(("unavailable", None, None, None, None));
        };
        let (uri, name) = (p.uri.clone(), p.name.clone());
        Ok(if p.is_local_file() {
            ("local", None, None, uri, name)
        } else if p.is_episode() {
            ("episode", None, p.id.clone(), uri, name)
        } else {
            match self.upsert_track(&p)? {
                Some(tid) => ("track", Some(tid), None, uri, name),
                None => ("unavailable", None, None, uri, name),
            }
        })
    }

    /// Stage one page of a playlist's items at `offset` (positions are the playlist's own).
    pub(crate) fn stage_items(
        &self,
        playlist_id: &str,
        offset: u64,
        entries: &[Option<PlaylistEntry>],
    ) -> rusqlite::Result<u64> {
        for (i, e) in entries.iter().enumerate() {
            let position = offset as i64 + i as i64;
            let added_at = e.as_ref().and_then(|e| e.added_at.clone());
            let added_by = e
                .as_ref()
                .and_then(|e| e.added_by.as_ref())
                .and_then(|u| u.id.clone());
            let (item_type, track_id, episode_id, uri, name) = self.staged(e.as_ref())?;
            self.exec(
                "INSERT INTO playlist_items_staging (playlist_id, position, item_type, track_id,
                                                    episode_id, uri, name, added_at, added_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT(playlist_id, position) DO UPDATE SET
                   item_type = excluded.item_type, track_id = excluded.track_id,
                   episode_id = excluded.episode_id, uri = excluded.uri, name = excluded.name,
                   added_at = excluded.added_at, added_by = excluded.added_by",
                params![
                    playlist_id,
                    position,
                    item_type,
                    track_id,
                    episode_id,
                    uri,
                    name,
                    added_at,
                    added_by
                ],
            )?;
        }
        Ok(entries.len() as u64)
    }

    /// Swap the staged items of a playlist in, in the caller's transaction. Returns what changed.
    ///
    /// Items are matched by identity (the track, episode or local file, when it was added, and its
    /// occurrence among equal items), not by position: an item inserted at the top counts as one
    /// added, not as every position below it updated. `added` / `removed` are items present on one
    /// side only; `updated` are matched items whose stored details (name, `added_by`) differ. A pure
    /// reorder counts nothing here (the playlist row itself counts it, through its new snapshot).
    pub(crate) fn finish_playlist_items(
        &self,
        playlist_id: &str,
        now: &str,
        j: Journal<'_>,
    ) -> rusqlite::Result<Counts> {
        let snapshots: Option<Snapshots> = self.one(
            "SELECT items_snapshot_id, snapshot_id FROM playlists WHERE id = ?1",
            [playlist_id],
        )?;
        let Some(Snapshots { stored, listed }) = snapshots else {
            return Err(rusqlite::Error::QueryReturnedNoRows);
        };
        if stored.is_some() && stored != listed {
            self.journal(
                j,
                Change {
                    entity: ChangeEntity::Playlist,
                    id: playlist_id,
                    kind: ChangeKind::PlaylistItemsChanged,
                    old_value: stored.as_deref(),
                    new_value: listed.as_deref(),
                },
            )?;
        }
        let counts: Counts = self.one(ITEM_DIFF, [playlist_id])?.unwrap_or_default();
        self.swap_in_staged(playlist_id, now)?;
        self.record_playlist_version(playlist_id, now)?;
        Ok(counts)
    }

    /// Replace a playlist's items with its staged ones, and mark it synced at `now`.
    fn swap_in_staged(&self, playlist_id: &str, now: &str) -> rusqlite::Result<()> {
        self.exec(
            "DELETE FROM playlist_items WHERE playlist_id = ?1",
            [playlist_id],
        )?;
        self.exec(
            "INSERT INTO playlist_items (playlist_id, position, item_type, track_id, episode_id,
                                         uri, name, added_at, added_by)
             SELECT playlist_id, position, item_type, track_id, episode_id, uri, name, added_at,
                    added_by
             FROM playlist_items_staging WHERE playlist_id = ?1 ORDER BY position",
            [playlist_id],
        )?;
        self.clear_staged_items_of(playlist_id)?;
        self.exec(
            "UPDATE playlists SET items_status = 'synced', items_snapshot_id = snapshot_id,
                                  items_synced_at = ?2
             WHERE id = ?1",
            params![playlist_id, now],
        )?;
        Ok(())
    }

    /// Forget what was staged of one playlist (its fetch starts again).
    pub(super) fn clear_staged_items_of(&self, playlist_id: &str) -> rusqlite::Result<()> {
        self.exec(
            "DELETE FROM playlist_items_staging WHERE playlist_id = ?1",
            [playlist_id],
        )?;
        Ok(())
    }

    /// Forget everything staged (a fresh run fetches every playlist's items from scratch).
    pub(crate) fn clear_staged_items(&self) -> rusqlite::Result<()> {
        self.exec("DELETE FROM playlist_items_staging", [])?;
        Ok(())
    }
}
