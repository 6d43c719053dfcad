//! Playlists, as the listing of the user's playlists gives them (their items: `items`).

use rusqlite::{Row, params};

use super::{Change, Journal, Unseen, Upsert, valid_id};
use crate::domain::{ChangeEntity, ChangeKind, ItemsStatus, RunId};
use crate::spotify::model::Playlist;
use crate::store::Sql;
use crate::store::row::FromRow;

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

/// A playlist's details as the listing gives them, as `upsert_playlist` writes them.
struct Listed<'a> {
    p: &'a Playlist,
    id: &'a str,
    owner_id: Option<String>,
    owner_name: Option<String>,
    total_items: Option<i64>,
}

impl<'a> Listed<'a> {
    fn new(p: &'a Playlist) -> Option<Listed<'a>> {
        Some(Listed {
            p,
            id: valid_id(&p.id)?,
            owner_id: p.owner.as_ref().and_then(|o| o.id.clone()),
            owner_name: p.owner.as_ref().and_then(|o| o.display_name.clone()),
            total_items: p.total_items().map(|n| n as i64),
        })
    }
}

/// What the database held of a playlist before the listing saw it again.
struct Before {
    snapshot_id: Option<String>,
    name: Option<String>,
    removed_at: Option<String>,
}

impl FromRow for Before {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Before> {
        Ok(Before {
            snapshot_id: r.get("snapshot_id")?,
            name: r.get("name")?,
            removed_at: r.get("removed_at")?,
        })
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
        let Some(l) = Listed::new(p) else {
            return Ok(Upsert::Unchanged);
        };
        let differs = self.listing_differs(&l)?;
        let before: Option<Before> = self.one(
            "SELECT snapshot_id, name, removed_at FROM playlists WHERE id = ?1",
            [l.id],
        )?;
        self.journal_listed(&l, before.as_ref(), j)?;
        if let Some(b) = &before
            && b.snapshot_id.as_deref() != p.snapshot_id.as_deref()
        {
            self.clear_staged_items_of(l.id)?;
        }
        self.write_listed(&l, list_position, access, run_id)?;
        Ok(match before {
            None => Upsert::Added,
            Some(b) if b.removed_at.is_some() => Upsert::Added,
            Some(_) if differs => Upsert::Updated,
            Some(_) => Upsert::Unchanged,
        })
    }

    /// Would writing the listing (which never overwrites with NULL) change a stored detail?
    fn listing_differs(&self, l: &Listed<'_>) -> rusqlite::Result<bool> {
        let p = l.p;
        Ok(self
            .value::<bool>(
                "SELECT ((?2 IS NOT NULL AND ?2 IS NOT name)
                      OR (?3 IS NOT NULL AND ?3 IS NOT description)
                      OR (?4 IS NOT NULL AND ?4 IS NOT owner_id)
                      OR (?5 IS NOT NULL AND ?5 IS NOT owner_name)
                      OR (?6 IS NOT NULL AND ?6 IS NOT public)
                      OR (?7 IS NOT NULL AND ?7 IS NOT collaborative)
                      OR (?8 IS NOT NULL AND ?8 IS NOT snapshot_id)
                      OR (?9 IS NOT NULL AND ?9 IS NOT total_items)
                      OR (?10 IS NOT NULL AND ?10 IS NOT uri)) AS value
                 FROM playlists WHERE id = ?1",
                params![
                    l.id,
                    p.name,
                    p.description,
                    l.owner_id,
                    l.owner_name,
                    p.public,
                    p.collaborative,
                    p.snapshot_id,
                    l.total_items,
                    p.uri
                ],
            )?
            .unwrap_or(false))
    }

    /// Journal a playlist new to the list (or back in it), or renamed.
    fn journal_listed(
        &self,
        l: &Listed<'_>,
        before: Option<&Before>,
        j: Journal<'_>,
    ) -> rusqlite::Result<()> {
        let name = l.p.name.as_deref();
        let (kind, old_value) = match before {
            None => (ChangeKind::Added, None),
            Some(b) if b.removed_at.is_some() => (ChangeKind::Added, None),
            Some(b) => match name {
                Some(new) if b.name.as_deref() != Some(new) => {
                    (ChangeKind::Renamed, b.name.as_deref())
                }
                _ => return Ok(()),
            },
        };
        self.journal(
            j,
            Change {
                entity: ChangeEntity::Playlist,
                id: l.id,
                kind,
                old_value,
                new_value: name,
            },
        )
    }

    /// The playlist's row: every detail the listing names, its place, seen by `run_id`.
    fn write_listed(
        &self,
        l: &Listed<'_>,
        list_position: u64,
        access: ItemsAccess,
        run_id: RunId,
    ) -> rusqlite::Result<()> {
        let p = l.p;
        self.exec(
            "INSERT INTO playlists (id, name, description, owner_id, owner_name, public,
                                    collaborative, snapshot_id, total_items, items_status, uri,
                                    list_position, last_seen_run_id, removed_at)
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
            params![
                l.id,
                p.name,
                p.description,
                l.owner_id,
                l.owner_name,
                p.public,
                p.collaborative,
                p.snapshot_id,
                l.total_items,
                access.status(),
                p.uri,
                list_position as i64,
                run_id
            ],
        )?;
        Ok(())
    }

    /// After a complete walk of the playlist list: the ones not seen are gone from the library.
    pub(crate) fn mark_playlists_gone(
        &self,
        run_id: RunId,
        now: &str,
        j: Journal<'_>,
    ) -> rusqlite::Result<u64> {
        self.mark_unseen(Unseen::PLAYLISTS, run_id, now, j)
    }

    /// A 403/404 on a playlist's items: record it, not fatal.
    pub(crate) fn mark_playlist_unreadable(
        &self,
        playlist_id: &str,
        status: ItemsAccess,
    ) -> rusqlite::Result<()> {
        self.clear_staged_items_of(playlist_id)?;
        self.exec(
            "UPDATE playlists SET items_status = ?2 WHERE id = ?1",
            params![playlist_id, status.unreadable()],
        )?;
        Ok(())
    }
}
