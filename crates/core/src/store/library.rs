//! Library rows: idempotent upserts that never overwrite a stored value with NULL.

use rusqlite::{Connection, OptionalExtension, params};

use super::Sql;
use crate::domain::{ChangeEntity, ChangeKind, EnrichError, ItemsStatus, RunId};
use crate::spotify::model::{
    Album, Artist, Playable, Playlist, PlaylistEntry, genres_json, images_json,
};

/// Where and when to journal changes: the run (`None` while building the first mirror, which
/// journals nothing) and the engine's clock, so journal rows carry the batch's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Journal<'a> {
    pub run: Option<RunId>,
    pub at: &'a str,
}

/// Record one change in `library_changes` (when journaling).
fn journal(
    c: &Connection,
    j: Journal<'_>,
    entity_type: ChangeEntity,
    entity_id: &str,
    change: ChangeKind,
    old_value: Option<&str>,
    new_value: Option<&str>,
) -> rusqlite::Result<()> {
    let Some(run_id) = j.run else { return Ok(()) };
    c.prepare_cached(
        "INSERT INTO library_changes (changed_at, sync_history_id, entity_type, entity_id, change,
                                      old_value, new_value)
         VALUES (?7, ?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        run_id,
        entity_type,
        entity_id,
        change,
        old_value,
        new_value,
        j.at
    ])?;
    Ok(())
}

/// Counts of what a batch changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub added: u64,
    pub updated: u64,
    pub removed: u64,
}

impl Counts {
    /// Count one upserted row by what happened to it.
    pub fn record(&mut self, u: Upsert) {
        match u {
            Upsert::Added => self.added += 1,
            Upsert::Updated => self.updated += 1,
            Upsert::Unchanged => {}
        }
    }
}

/// What an upsert did to the stored row: `Updated` only when a stored value actually changed,
/// so re-reading an unchanged library counts nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    Added,
    Updated,
    Unchanged,
}

impl Upsert {
    /// `Updated` when this row was unchanged but something it owns changed.
    pub fn or_changed(self, changed: bool) -> Upsert {
        match self {
            Upsert::Unchanged if changed => Upsert::Updated,
            u => u,
        }
    }
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, o: Counts) {
        self.added += o.added;
        self.updated += o.updated;
        self.removed += o.removed;
    }
}

fn valid_id(id: &Option<String>) -> Option<&str> {
    id.as_deref().filter(|s| !s.trim().is_empty())
}

impl Sql<'_> {
    /// An artist as embedded in tracks and albums (id, name, uri).
    pub fn upsert_artist_simple(&self, a: &Artist) -> rusqlite::Result<Option<String>> {
        let c = self.0;
        let Some(id) = valid_id(&a.id) else {
            return Ok(None);
        };
        c.prepare_cached(
            "INSERT INTO artists (id, name, uri) VALUES (?1, ?2, ?3)
         ON CONFLICT(id) DO UPDATE SET
           name = COALESCE(excluded.name, artists.name),
           uri = COALESCE(excluded.uri, artists.uri)",
        )?
        .execute(params![id, a.name, a.uri])?;
        Ok(Some(id.to_string()))
    }
}

impl Sql<'_> {
    /// A full artist from `/artists/{id}` or `/artists?ids=`: marks it enriched.
    pub fn upsert_artist_full(&self, a: &Artist, now: &str) -> rusqlite::Result<bool> {
        let c = self.0;
        let Some(id) = valid_id(&a.id) else {
            return Ok(false);
        };
        c.prepare_cached(
        "INSERT INTO artists (id, name, uri, genres, images, popularity, followers, enriched_at,
                              enrich_error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL)
         ON CONFLICT(id) DO UPDATE SET
           name = COALESCE(excluded.name, artists.name),
           uri = COALESCE(excluded.uri, artists.uri),
           genres = COALESCE(excluded.genres, artists.genres),
           images = COALESCE(excluded.images, artists.images),
           popularity = COALESCE(excluded.popularity, artists.popularity),
           followers = COALESCE(excluded.followers, artists.followers),
           enriched_at = excluded.enriched_at,
           enrich_error = NULL",
    )?
    .execute(params![
        id,
        a.name,
        a.uri,
        genres_json(&a.genres),
        images_json(&a.images),
        a.popularity,
        a.followers.as_ref().and_then(|f| f.total),
        now
    ])?;
        Ok(true)
    }
}

fn upsert_album_artists(
    c: &Connection,
    album_id: &str,
    artists: &[Artist],
) -> rusqlite::Result<()> {
    let ids: Vec<String> = artists
        .iter()
        .map(|a| Sql(c).upsert_artist_simple(a))
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    for (pos, aid) in ids.iter().enumerate() {
        c.prepare_cached(
            "INSERT INTO album_artists (album_id, artist_id, position) VALUES (?1, ?2, ?3)
             ON CONFLICT(album_id, position) DO UPDATE SET artist_id = excluded.artist_id",
        )?
        .execute(params![album_id, aid, pos as i64])?;
    }
    c.prepare_cached("DELETE FROM album_artists WHERE album_id = ?1 AND position >= ?2")?
        .execute(params![album_id, ids.len() as i64])?;
    Ok(())
}

impl Sql<'_> {
    /// An album as embedded in a track (simplified): never marks it enriched.
    pub fn upsert_album_simple(&self, a: &Album) -> rusqlite::Result<Option<String>> {
        let c = self.0;
        let Some(id) = valid_id(&a.id) else {
            return Ok(None);
        };
        c.prepare_cached(
            "INSERT INTO albums (id, name, album_type, release_date, release_date_precision,
                             total_tracks, images, uri)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(id) DO UPDATE SET
           name = COALESCE(excluded.name, albums.name),
           album_type = COALESCE(excluded.album_type, albums.album_type),
           release_date = COALESCE(excluded.release_date, albums.release_date),
           release_date_precision = COALESCE(excluded.release_date_precision,
                                             albums.release_date_precision),
           total_tracks = COALESCE(excluded.total_tracks, albums.total_tracks),
           images = COALESCE(excluded.images, albums.images),
           uri = COALESCE(excluded.uri, albums.uri)",
        )?
        .execute(params![
            id,
            a.name,
            a.album_type,
            a.release_date,
            a.release_date_precision,
            a.total_tracks,
            images_json(&a.images),
            a.uri
        ])?;
        upsert_album_artists(c, id, &a.artists)?;
        Ok(Some(id.to_string()))
    }
}

impl Sql<'_> {
    /// A full album from `/albums/{id}` or `/albums?ids=`: marks it enriched.
    pub fn upsert_album_full(&self, a: &Album, now: &str) -> rusqlite::Result<bool> {
        let c = self.0;
        let Some(id) = valid_id(&a.id) else {
            return Ok(false);
        };
        c.prepare_cached(
            "INSERT INTO albums (id, name, album_type, release_date, release_date_precision,
                             total_tracks, images, uri, label, upc, genres, popularity,
                             enriched_at, enrich_error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, NULL)
         ON CONFLICT(id) DO UPDATE SET
           name = COALESCE(excluded.name, albums.name),
           album_type = COALESCE(excluded.album_type, albums.album_type),
           release_date = COALESCE(excluded.release_date, albums.release_date),
           release_date_precision = COALESCE(excluded.release_date_precision,
                                             albums.release_date_precision),
           total_tracks = COALESCE(excluded.total_tracks, albums.total_tracks),
           images = COALESCE(excluded.images, albums.images),
           uri = COALESCE(excluded.uri, albums.uri),
           label = COALESCE(excluded.label, albums.label),
           upc = COALESCE(excluded.upc, albums.upc),
           genres = COALESCE(excluded.genres, albums.genres),
           popularity = COALESCE(excluded.popularity, albums.popularity),
           enriched_at = excluded.enriched_at,
           enrich_error = NULL",
        )?
        .execute(params![
            id,
            a.name,
            a.album_type,
            a.release_date,
            a.release_date_precision,
            a.total_tracks,
            images_json(&a.images),
            a.uri,
            a.label,
            a.external_ids.as_ref().and_then(|e| e.upc.clone()),
            genres_json(&a.genres),
            a.popularity,
            now
        ])?;
        upsert_album_artists(c, id, &a.artists)?;
        Ok(true)
    }
}

impl Sql<'_> {
    /// Record that an album or artist cannot be enriched (gone, or not available to this app), so
    /// the next runs do not ask again.
    pub fn mark_unenrichable(
        &self,
        table: EnrichTable,
        id: &str,
        why: EnrichError,
        now: &str,
    ) -> rusqlite::Result<()> {
        let c = self.0;
        let sql = match table {
            EnrichTable::Albums => {
                "UPDATE albums SET enriched_at = ?2, enrich_error = ?3 WHERE id = ?1"
            }
            EnrichTable::Artists => {
                "UPDATE artists SET enriched_at = ?2, enrich_error = ?3 WHERE id = ?1"
            }
        };
        c.prepare_cached(sql)?.execute(params![id, now, why])?;
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrichTable {
    Albums,
    Artists,
}

impl Sql<'_> {
    /// Ids never enriched, in a stable order.
    pub fn unenriched(&self, table: EnrichTable, limit: usize) -> rusqlite::Result<Vec<String>> {
        let c = self.0;
        let sql = match table {
            EnrichTable::Albums => {
                "SELECT id FROM albums WHERE enriched_at IS NULL ORDER BY id LIMIT ?1"
            }
            EnrichTable::Artists => {
                "SELECT id FROM artists WHERE enriched_at IS NULL ORDER BY id LIMIT ?1"
            }
        };
        let mut st = c.prepare_cached(sql)?;
        let rows = st.query_map([limit as i64], |r| r.get(0))?;
        rows.collect()
    }
}

impl Sql<'_> {
    pub fn count_unenriched(&self, table: EnrichTable) -> rusqlite::Result<u64> {
        let c = self.0;
        let sql = match table {
            EnrichTable::Albums => "SELECT COUNT(*) FROM albums WHERE enriched_at IS NULL",
            EnrichTable::Artists => "SELECT COUNT(*) FROM artists WHERE enriched_at IS NULL",
        };
        c.query_row(sql, [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
    }
}

impl Sql<'_> {
    /// A track with its album and artists. Returns the track id (`None` for local files / no id).
    pub fn upsert_track(&self, t: &Playable) -> rusqlite::Result<Option<String>> {
        let c = self.0;
        Ok(Sql(c).upsert_track_changed(t)?.map(|(id, _)| id))
    }
}

impl Sql<'_> {
    /// [`upsert_track`], also telling whether the stored track (its row or its artist list) changed.
    pub fn upsert_track_changed(&self, t: &Playable) -> rusqlite::Result<Option<(String, bool)>> {
        let c = self.0;
        let Some(id) = valid_id(&t.id) else {
            return Ok(None);
        };
        if t.is_local_file() || t.is_episode() {
            return Ok(None);
        }
        let album_id = match &t.album {
            Some(a) => Sql(c).upsert_album_simple(a)?,
            None => None,
        };
        let mut changed = c
        .prepare_cached(
        "INSERT INTO tracks (id, name, album_id, duration_ms, explicit, disc_number, track_number,
                             isrc, popularity, uri)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT(id) DO UPDATE SET
           name = COALESCE(excluded.name, tracks.name),
           album_id = COALESCE(excluded.album_id, tracks.album_id),
           duration_ms = COALESCE(excluded.duration_ms, tracks.duration_ms),
           explicit = COALESCE(excluded.explicit, tracks.explicit),
           disc_number = COALESCE(excluded.disc_number, tracks.disc_number),
           track_number = COALESCE(excluded.track_number, tracks.track_number),
           isrc = COALESCE(excluded.isrc, tracks.isrc),
           popularity = COALESCE(excluded.popularity, tracks.popularity),
           uri = COALESCE(excluded.uri, tracks.uri)
         WHERE (excluded.name IS NOT NULL AND excluded.name IS NOT tracks.name)
            OR (excluded.album_id IS NOT NULL AND excluded.album_id IS NOT tracks.album_id)
            OR (excluded.duration_ms IS NOT NULL
                AND excluded.duration_ms IS NOT tracks.duration_ms)
            OR (excluded.explicit IS NOT NULL AND excluded.explicit IS NOT tracks.explicit)
            OR (excluded.disc_number IS NOT NULL
                AND excluded.disc_number IS NOT tracks.disc_number)
            OR (excluded.track_number IS NOT NULL
                AND excluded.track_number IS NOT tracks.track_number)
            OR (excluded.isrc IS NOT NULL AND excluded.isrc IS NOT tracks.isrc)
            OR (excluded.popularity IS NOT NULL
                AND excluded.popularity IS NOT tracks.popularity)
            OR (excluded.uri IS NOT NULL AND excluded.uri IS NOT tracks.uri)",
    )?
    .execute(params![
        id,
        t.name,
        album_id,
        t.duration_ms,
        t.explicit,
        t.disc_number,
        t.track_number,
        t.external_ids.as_ref().and_then(|e| e.isrc.clone()),
        t.popularity,
        t.uri
    ])? > 0;
        let artist_ids: Vec<String> = t
            .artists
            .iter()
            .map(|a| Sql(c).upsert_artist_simple(a))
            .collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .flatten()
            .collect();
        if !artist_ids.is_empty() {
            for (pos, aid) in artist_ids.iter().enumerate() {
                changed |= c
                .prepare_cached(
                    "INSERT INTO track_artists (track_id, artist_id, position) VALUES (?1, ?2, ?3)
                     ON CONFLICT(track_id, position) DO UPDATE SET artist_id = excluded.artist_id
                     WHERE track_artists.artist_id IS NOT excluded.artist_id",
                )?
                .execute(params![id, aid, pos as i64])?
                > 0;
            }
            changed |= c
                .prepare_cached("DELETE FROM track_artists WHERE track_id = ?1 AND position >= ?2")?
                .execute(params![id, artist_ids.len() as i64])?
                > 0;
        }
        Ok(Some((id.to_string(), changed)))
    }
}

impl Sql<'_> {
    /// A saved track seen in this run: `Added` when it is new (or saved again), `Updated` when its
    /// `added_at` changed, else `Unchanged`.
    pub fn upsert_saved(
        &self,
        track_id: &str,
        added_at: Option<&str>,
        run_id: RunId,
        j: Journal<'_>,
    ) -> rusqlite::Result<Upsert> {
        let c = self.0;
        type Before = (Option<String>, Option<String>);
        let before: Option<Before> = c
            .prepare_cached("SELECT removed_at, added_at FROM saved_tracks WHERE track_id = ?1")?
            .query_row([track_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        c.prepare_cached(
            "INSERT INTO saved_tracks (track_id, added_at, removed_at, last_seen_run_id)
         VALUES (?1, ?2, NULL, ?3)
         ON CONFLICT(track_id) DO UPDATE SET
           added_at = COALESCE(excluded.added_at, saved_tracks.added_at),
           removed_at = NULL,
           last_seen_run_id = excluded.last_seen_run_id",
        )?
        .execute(params![track_id, added_at, run_id])?;
        Ok(match before {
            Some((None, old_added_at)) => {
                if added_at.is_some() && old_added_at.as_deref() != added_at {
                    Upsert::Updated
                } else {
                    Upsert::Unchanged
                }
            }
            _ => {
                journal(
                    c,
                    j,
                    ChangeEntity::SavedTrack,
                    track_id,
                    ChangeKind::Added,
                    None,
                    added_at,
                )?;
                Upsert::Added
            }
        })
    }
}

impl Sql<'_> {
    /// True when this save was already stored (same `added_at`, not removed) before this run.
    pub fn is_known_saved(
        &self,
        track_id: &str,
        added_at: Option<&str>,
        run_id: RunId,
    ) -> rusqlite::Result<bool> {
        let c = self.0;
        c.prepare_cached(
            "SELECT 1 FROM saved_tracks WHERE track_id = ?1 AND added_at IS ?2
           AND removed_at IS NULL AND (last_seen_run_id IS NULL OR last_seen_run_id != ?3)",
        )?
        .query_row(params![track_id, added_at, run_id], |_| Ok(()))
        .optional()
        .map(|o| o.is_some())
    }
}

impl Sql<'_> {
    /// Currently saved track ids, newest first (Spotify's order).
    pub fn saved_in_order(&self) -> rusqlite::Result<Vec<String>> {
        let c = self.0;
        let mut st = c.prepare(
            "SELECT track_id FROM saved_tracks WHERE removed_at IS NULL
         ORDER BY added_at DESC, track_id",
        )?;
        let rows = st.query_map([], |r| r.get(0))?;
        rows.collect()
    }
}

impl Sql<'_> {
    /// Mark these saved tracks un-saved (found without a full walk). Returns how many.
    pub fn mark_removed(&self, ids: &[String], now: &str, j: Journal<'_>) -> rusqlite::Result<u64> {
        let c = self.0;
        let mut n = 0;
        for id in ids {
            let added_at: Option<Option<String>> = c
                .prepare_cached(
                    "SELECT added_at FROM saved_tracks WHERE track_id = ?1 AND removed_at IS NULL",
                )?
                .query_row([id], |r| r.get(0))
                .optional()?;
            let Some(added_at) = added_at else { continue };
            journal(
                c,
                j,
                ChangeEntity::SavedTrack,
                id,
                ChangeKind::Removed,
                added_at.as_deref(),
                None,
            )?;
            c.prepare_cached("UPDATE saved_tracks SET removed_at = ?2 WHERE track_id = ?1")?
                .execute(params![id, now])?;
            n += 1;
        }
        Ok(n)
    }
}

impl Sql<'_> {
    /// Saved tracks currently saved.
    pub fn count_saved(&self) -> rusqlite::Result<u64> {
        let c = self.0;
        c.query_row(
            "SELECT COUNT(*) FROM saved_tracks WHERE removed_at IS NULL",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n as u64)
    }
}

impl Sql<'_> {
    /// After a complete walk of saved tracks: everything not seen in `run_id` was un-saved.
    pub fn mark_unsaved(&self, run_id: RunId, now: &str, j: Journal<'_>) -> rusqlite::Result<u64> {
        let c = self.0;
        mark_unseen(c, Unseen::SAVED_TRACKS, run_id, now, j)
    }
}

/// A table whose rows a complete walk must see, else they are gone (`removed_at`).
struct Unseen {
    table: &'static str,
    /// The journal's `entity_type`, key column and `old_value` column.
    entity: ChangeEntity,
    key: &'static str,
    old_value: &'static str,
}

impl Unseen {
    const SAVED_TRACKS: Unseen = Unseen {
        table: "saved_tracks",
        entity: ChangeEntity::SavedTrack,
        key: "track_id",
        old_value: "added_at",
    };
    const PLAYLISTS: Unseen = Unseen {
        table: "playlists",
        entity: ChangeEntity::Playlist,
        key: "id",
        old_value: "name",
    };
}

/// Journal and mark as removed every live row of `u` that `run_id` did not see.
fn mark_unseen(
    c: &Connection,
    u: Unseen,
    run_id: RunId,
    now: &str,
    j: Journal<'_>,
) -> rusqlite::Result<u64> {
    const UNSEEN: &str =
        "removed_at IS NULL AND (last_seen_run_id IS NULL OR last_seen_run_id != ?1)";
    let Unseen {
        table,
        entity,
        key,
        old_value,
    } = u;
    if let Some(jr) = j.run {
        c.execute(
            &format!(
                "INSERT INTO library_changes (changed_at, sync_history_id, entity_type, entity_id,
                                              change, old_value, new_value)
                 SELECT ?2, ?3, ?4, {key}, ?5, {old_value}, NULL FROM {table}
                 WHERE {UNSEEN}"
            ),
            params![run_id, now, jr, entity, ChangeKind::Removed],
        )?;
    }
    let n = c.execute(
        &format!("UPDATE {table} SET removed_at = ?2 WHERE {UNSEEN}"),
        params![run_id, now],
    )?;
    Ok(n as u64)
}

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
pub fn items_access(p: &Playlist, me: Option<&str>, extended: bool) -> ItemsAccess {
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
    pub fn upsert_playlist(
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
    pub fn mark_playlists_gone(
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
    pub fn next_pending_playlist(&self) -> rusqlite::Result<Option<(String, u64, Option<u64>)>> {
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
    pub fn pending_items_total(&self) -> rusqlite::Result<u64> {
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
    pub fn stage_items(
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
    pub fn finish_playlist_items(
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
        Ok(Counts {
            added: added as u64,
            updated: updated as u64,
            removed: removed as u64,
        })
    }
}

impl Sql<'_> {
    /// A 403/404 on a playlist's items: record it, not fatal.
    pub fn mark_playlist_unreadable(
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

impl Sql<'_> {
    /// Store one play; `false` when it was known already (same `played_at`).
    pub fn insert_play(
        &self,
        played_at: &str,
        track_id: Option<&str>,
        context_type: Option<&str>,
        context_uri: Option<&str>,
        run_id: RunId,
    ) -> rusqlite::Result<bool> {
        let n = self
            .0
            .prepare_cached(
                "INSERT INTO plays (played_at, track_id, context_type, context_uri,
                                    sync_history_id)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(played_at) DO NOTHING",
            )?
            .execute(params![
                played_at,
                track_id,
                context_type,
                context_uri,
                run_id
            ])?;
        Ok(n > 0)
    }

    /// Record that plays between `after` and `before` may be lost.
    pub fn insert_play_gap(
        &self,
        after: Option<&str>,
        before: &str,
        detected_at: &str,
    ) -> rusqlite::Result<()> {
        self.0.execute(
            "INSERT INTO play_gaps (after, before, detected_at) VALUES (?1, ?2, ?3)",
            params![after, before, detected_at],
        )?;
        Ok(())
    }
}
