//! Playlists and their items (staged, then swapped in).

use rusqlite::{OptionalExtension, params};

use super::{Counts, Journal, Unseen, Upsert, journal, mark_unseen, valid_id};
use crate::domain::{ChangeEntity, ChangeKind, ItemsStatus, RunId};
use crate::spotify::model::{Playlist, PlaylistEntry};
use crate::store::Sql;

/// What to do with a playlist's contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemsAccess {
    /// Readable: fetch its items when its snapshot changed.
    Fetch,
    /// Followed, not owned (Development Mode): no contents for this app.
    Forbidden,
    /// Owned by Spotify (`37i9…`): no contents for this app.
    NotFound,
}

impl ItemsAccess {
    /// The text `upsert_playlist` hands to its SQL (`fetch` keeps a synced playlist synced).
    fn status(self) -> &'static str {
        match self {
            ItemsAccess::Fetch => "fetch",
            ItemsAccess::Forbidden => ItemsStatus::Forbidden.as_str(),
            ItemsAccess::NotFound => ItemsStatus::NotFound.as_str(),
        }
    }

    /// The status a playlist gets when its items cannot be read.
    fn unreadable(self) -> ItemsStatus {
        match self {
            ItemsAccess::NotFound => ItemsStatus::NotFound,
            ItemsAccess::Forbidden | ItemsAccess::Fetch => ItemsStatus::Forbidden,
        }
    }
}

/// Decide from the listing alone (no request) whether a playlist's items are readable.
pub(crate) fn items_access(p: &Playlist, me: Option<&str>, extended: bool) -> ItemsAccess {
    let id = p.id.as_deref().unwrap_or_default();
    let owner = p.owner.as_ref().and_then(|o| o.id.as_deref());
    if id.starts_with("37i9") || owner == Some("spotify") {
        return if extended {
            ItemsAccess::Fetch
        } else {
            ItemsAccess::NotFound
        };
    }
    if extended || p.collaborative == Some(true) {
        return ItemsAccess::Fetch;
    }
    match (owner, me) {
        (Some(o), Some(m)) if o == m => ItemsAccess::Fetch,
        (_, None) => ItemsAccess::Fetch,
        _ => ItemsAccess::Forbidden,
    }
}

impl Sql<'_> {
    /// A playlist from the listing: `Added` when it is new (or followed again), `Updated` when a
    /// stored detail changed (name, description, owner, flags, snapshot, item count, uri), else
    /// `Unchanged`. Its place in the list is not content: a playlist added above it shifts it
    /// without changing it.
    pub(crate) fn upsert_playlist(
        &self,
        p: &Playlist,
        list_position: u64,
        access: ItemsAccess,
        run_id: RunId,
        j: Journal<'_>,
    ) -> rusqlite::Result<Upsert> {
        let c = self.0;
        let Some(id) = valid_id(&p.id) else {
            return Ok(Upsert::Unchanged);
        };
        let owner_id = p.owner.as_ref().and_then(|o| o.id.clone());
        let owner_name = p.owner.as_ref().and_then(|o| o.display_name.clone());
        let total_items = p.total_items().map(|n| n as i64);
        // Would the COALESCE update below change a stored detail?
        let differs: bool = c
            .prepare_cached(
                "SELECT (?2 IS NOT NULL AND ?2 IS NOT name)
                 OR (?3 IS NOT NULL AND ?3 IS NOT description)
                 OR (?4 IS NOT NULL AND ?4 IS NOT owner_id)
                 OR (?5 IS NOT NULL AND ?5 IS NOT owner_name)
                 OR (?6 IS NOT NULL AND ?6 IS NOT public)
                 OR (?7 IS NOT NULL AND ?7 IS NOT collaborative)
                 OR (?8 IS NOT NULL AND ?8 IS NOT snapshot_id)
                 OR (?9 IS NOT NULL AND ?9 IS NOT total_items)
                 OR (?10 IS NOT NULL AND ?10 IS NOT uri)
             FROM playlists WHERE id = ?1",
            )?
            .query_row(
                params![
                    id,
                    p.name,
                    p.description,
                    owner_id,
                    owner_name,
                    p.public,
                    p.collaborative,
                    p.snapshot_id,
                    total_items,
                    p.uri
                ],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(false);
        type Before = (Option<String>, Option<String>, Option<String>);
        let before: Option<Before> = c
            .prepare_cached("SELECT snapshot_id, name, removed_at FROM playlists WHERE id = ?1")?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        match &before {
            None => journal(
                c,
                j,
                ChangeEntity::Playlist,
                id,
                ChangeKind::Added,
                None,
                p.name.as_deref(),
            )?,
            Some((_, _, Some(_))) => journal(
                c,
                j,
                ChangeEntity::Playlist,
                id,
                ChangeKind::Added,
                None,
                p.name.as_deref(),
            )?,
            Some((_, old_name, None)) => {
                if let Some(new_name) = p.name.as_deref()
                    && old_name.as_deref() != Some(new_name)
                {
                    journal(
                        c,
                        j,
                        ChangeEntity::Playlist,
                        id,
                        ChangeKind::Renamed,
                        old_name.as_deref(),
                        Some(new_name),
                    )?;
                }
            }
        }
        if let Some((old_snapshot, _, _)) = &before
            && old_snapshot.as_deref() != p.snapshot_id.as_deref()
        {
            c.prepare_cached("DELETE FROM playlist_items_staging WHERE playlist_id = ?1")?
                .execute([id])?;
        }
        c.prepare_cached(
        "INSERT INTO playlists (id, name, description, owner_id, owner_name, public, collaborative,
                                snapshot_id, total_items, items_status, uri, list_position,
                                last_seen_run_id, removed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,
                 CASE WHEN ?10 = 'fetch' THEN 'pending' ELSE ?10 END, ?11, ?12, ?13, NULL)
         ON CONFLICT(id) DO UPDATE SET
           name = COALESCE(excluded.name, playlists.name),
           description = COALESCE(excluded.description, playlists.description),
           owner_id = COALESCE(excluded.owner_id, playlists.owner_id),
           owner_name = COALESCE(excluded.owner_name, playlists.owner_name),
           public = COALESCE(excluded.public, playlists.public),
           collaborative = COALESCE(excluded.collaborative, playlists.collaborative),
           snapshot_id = COALESCE(excluded.snapshot_id, playlists.snapshot_id),
           total_items = COALESCE(excluded.total_items, playlists.total_items),
           items_status = CASE
             WHEN ?10 != 'fetch' THEN ?10
             WHEN playlists.items_status = 'synced' AND excluded.snapshot_id IS NOT NULL
                  AND playlists.items_snapshot_id IS excluded.snapshot_id THEN 'synced'
             ELSE 'pending' END,
           uri = COALESCE(excluded.uri, playlists.uri),
           list_position = excluded.list_position,
           last_seen_run_id = excluded.last_seen_run_id,
           removed_at = NULL",
    )?
    .execute(params![
        id,
        p.name,
        p.description,
        owner_id,
        owner_name,
        p.public,
        p.collaborative,
        p.snapshot_id,
        total_items,
        access.status(),
        p.uri,
        list_position as i64,
        run_id
    ])?;
        Ok(match before {
            None | Some((_, _, Some(_))) => Upsert::Added,
            Some(_) if differs => Upsert::Updated,
            Some(_) => Upsert::Unchanged,
        })
    }
}

impl Sql<'_> {
    /// After a complete walk of the playlist list: the ones not seen are gone from the library.
    pub(crate) fn mark_playlists_gone(
        &self,
        run_id: RunId,
        now: &str,
        j: Journal<'_>,
    ) -> rusqlite::Result<u64> {
        let c = self.0;
        mark_unseen(c, Unseen::PLAYLISTS, run_id, now, j)
    }
}

impl Sql<'_> {
    /// The next playlist whose items must be fetched, with how many of its positions are staged.
    pub(crate) fn next_pending_playlist(
        &self,
    ) -> rusqlite::Result<Option<(String, u64, Option<u64>)>> {
        let c = self.0;
        c.query_row(
            "SELECT p.id,
                (SELECT COUNT(*) FROM playlist_items_staging s WHERE s.playlist_id = p.id),
                p.total_items
         FROM playlists p
         WHERE p.items_status = 'pending' AND p.removed_at IS NULL
         ORDER BY p.list_position, p.id LIMIT 1",
            [],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)? as u64,
                    r.get::<_, Option<i64>>(2)?.map(|n| n as u64),
                ))
            },
        )
        .optional()
    }
}

impl Sql<'_> {
    /// Items still to fetch across pending playlists (for progress totals).
    pub(crate) fn pending_items_total(&self) -> rusqlite::Result<u64> {
        let c = self.0;
        c.query_row(
            "SELECT COALESCE(SUM(COALESCE(total_items, 0)), 0) FROM playlists
         WHERE items_status = 'pending' AND removed_at IS NULL",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n as u64)
    }
}

impl Sql<'_> {
    /// Stage one page of a playlist's items at `offset` (positions are the playlist's own).
    pub(crate) fn stage_items(
        &self,
        playlist_id: &str,
        offset: u64,
        entries: &[Option<PlaylistEntry>],
    ) -> rusqlite::Result<u64> {
        let c = self.0;
        for (i, e) in entries.iter().enumerate() {
            let position = offset as i64 + i as i64;
            let (added_at, added_by) = match e {
                Some(e) => (
                    e.added_at.clone(),
                    e.added_by.as_ref().and_then(|u| u.id.clone()),
                ),
                None => (None, None),
            };
            let playable = e.as_ref().and_then(PlaylistEntry::playable);
            let (item_type, track_id, episode_id, uri, name) = match &playable {
                None => ("unavailable", None, None, None, None),
                Some(p) if p.is_local_file() => {
                    ("local", None, None, p.uri.clone(), p.name.clone())
                }
                Some(p) if p.is_episode() => {
                    ("episode", None, p.id.clone(), p.uri.clone(), p.name.clone())
                }
                Some(p) => match Sql(c).upsert_track(p)? {
                    Some(tid) => ("track", Some(tid), None, p.uri.clone(), p.name.clone()),
                    None => ("unavailable", None, None, p.uri.clone(), p.name.clone()),
                },
            };
            c.prepare_cached(
                "INSERT INTO playlist_items_staging (playlist_id, position, item_type, track_id,
                                                episode_id, uri, name, added_at, added_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT(playlist_id, position) DO UPDATE SET
               item_type = excluded.item_type, track_id = excluded.track_id,
               episode_id = excluded.episode_id, uri = excluded.uri, name = excluded.name,
               added_at = excluded.added_at, added_by = excluded.added_by",
            )?
            .execute(params![
                playlist_id,
                position,
                item_type,
                track_id,
                episode_id,
                uri,
                name,
                added_at,
                added_by
            ])?;
        }
        Ok(entries.len() as u64)
    }
}

impl Sql<'_> {
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
        let c = self.0;
        let (old_snap, new_snap): (Option<String>, Option<String>) = c.query_row(
            "SELECT items_snapshot_id, snapshot_id FROM playlists WHERE id = ?1",
            [playlist_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if old_snap.is_some() && old_snap != new_snap {
            journal(
                c,
                j,
                ChangeEntity::Playlist,
                playlist_id,
                ChangeKind::PlaylistItemsChanged,
                old_snap.as_deref(),
                new_snap.as_deref(),
            )?;
        }
        let (added, removed, updated): (i64, i64, i64) = c.query_row(
            "WITH o AS (
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
              (SELECT 1 FROM o WHERE o.t = s.t AND o.k = s.k AND o.a IS s.a AND o.n = s.n)),
           (SELECT COUNT(*) FROM o WHERE NOT EXISTS
              (SELECT 1 FROM s WHERE o.t = s.t AND o.k = s.k AND o.a IS s.a AND o.n = s.n)),
           (SELECT COUNT(*) FROM s JOIN o ON o.t = s.t AND o.k = s.k AND o.a IS s.a AND o.n = s.n
              WHERE s.name IS NOT o.name OR s.added_by IS NOT o.added_by)",
            [playlist_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        c.execute(
            "DELETE FROM playlist_items WHERE playlist_id = ?1",
            [playlist_id],
        )?;
        c.execute(
        "INSERT INTO playlist_items (playlist_id, position, item_type, track_id, episode_id, uri,
                                     name, added_at, added_by)
         SELECT playlist_id, position, item_type, track_id, episode_id, uri, name, added_at,
                added_by
         FROM playlist_items_staging WHERE playlist_id = ?1 ORDER BY position",
        [playlist_id],
    )?;
        c.execute(
            "DELETE FROM playlist_items_staging WHERE playlist_id = ?1",
            [playlist_id],
        )?;
        c.execute(
            "UPDATE playlists SET items_status = 'synced', items_snapshot_id = snapshot_id,
                              items_synced_at = ?2
         WHERE id = ?1",
            params![playlist_id, now],
        )?;
        crate::store::versions::record(c, playlist_id, now)?;
        Ok(Counts {
            added: added as u64,
            updated: updated as u64,
            removed: removed as u64,
        })
    }
}

impl Sql<'_> {
    /// A 403/404 on a playlist's items: record it, not fatal.
    pub(crate) fn mark_playlist_unreadable(
        &self,
        playlist_id: &str,
        status: ItemsAccess,
    ) -> rusqlite::Result<()> {
        let c = self.0;
        c.execute(
            "DELETE FROM playlist_items_staging WHERE playlist_id = ?1",
            [playlist_id],
        )?;
        c.execute(
            "UPDATE playlists SET items_status = ?2 WHERE id = ?1",
            params![playlist_id, status.unreadable()],
        )?;
        Ok(())
    }
}
