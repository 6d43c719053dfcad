//! Tracks, albums and artists (as embedded in listings, and in full when enriched).

use rusqlite::params;

use super::valid_id;
use crate::domain::EnrichError;
use crate::spotify::model::{Album, Artist, Playable, genres_json, images_json};
use crate::store::Sql;

/// The table an enrichment phase fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrichTable {
    Albums,
    Artists,
}

impl Sql<'_> {
    /// An artist as embedded in tracks and albums (id, name, uri).
    pub(crate) fn upsert_artist_simple(&self, a: &Artist) -> rusqlite::Result<Option<String>> {
        let Some(id) = valid_id(&a.id) else {
            return Ok(None);
        };
        self.exec(
            "INSERT INTO artists (id, name, uri) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET
               name = COALESCE(excluded.name, artists.name),
               uri = COALESCE(excluded.uri, artists.uri)",
            params![id, a.name, a.uri],
        )?;
        Ok(Some(id.to_string()))
    }

    /// A full artist from `/artists/{id}` or `/artists?ids=`: marks it enriched.
    pub(crate) fn upsert_artist_full(&self, a: &Artist, now: &str) -> rusqlite::Result<bool> {
        let Some(id) = valid_id(&a.id) else {
            return Ok(false);
        };
        self.exec(
            "INSERT INTO artists (id, name, uri, genres, images, popularity, followers,
                                  enriched_at, enrich_error)
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
            params![
                id,
                a.name,
                a.uri,
                genres_json(&a.genres),
                images_json(&a.images),
                a.popularity,
                a.followers.as_ref().and_then(|f| f.total),
                now
            ],
        )?;
        Ok(true)
    }

    /// The artists of `artists` that have an id, stored as embedded; their ids, in order.
    fn upsert_artists_simple(&self, artists: &[Artist]) -> rusqlite::Result<Vec<String>> {
        let mut ids = Vec::with_capacity(artists.len());
        for a in artists {
            ids.extend(self.upsert_artist_simple(a)?);
        }
        Ok(ids)
    }

    /// An album's credits, in order (a list without any id leaves the stored credits).
    fn set_album_artists(&self, album_id: &str, artists: &[Artist]) -> rusqlite::Result<()> {
        let ids = self.upsert_artists_simple(artists)?;
        if ids.is_empty() {
            return Ok(());
        }
        for (pos, aid) in ids.iter().enumerate() {
            self.exec(
                "INSERT INTO album_artists (album_id, artist_id, position) VALUES (?1, ?2, ?3)
                 ON CONFLICT(album_id, position) DO UPDATE SET artist_id = excluded.artist_id",
                params![album_id, aid, pos as i64],
            )?;
        }
        self.exec(
            "DELETE FROM album_artists WHERE album_id = ?1 AND position >= ?2",
            params![album_id, ids.len() as i64],
        )?;
        Ok(())
    }

    /// An album as embedded in a track (simplified): never marks it enriched.
    pub(crate) fn upsert_album_simple(&self, a: &Album) -> rusqlite::Result<Option<String>> {
        let Some(id) = valid_id(&a.id) else {
            return Ok(None);
        };
        self.exec(
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
            params![
                id,
                a.name,
                a.album_type,
                a.release_date,
                a.release_date_precision,
                a.total_tracks,
                images_json(&a.images),
                a.uri
            ],
        )?;
        self.set_album_artists(id, &a.artists)?;
        Ok(Some(id.to_string()))
    }

    /// A full album from `/albums/{id}` or `/albums?ids=`: marks it enriched.
    pub(crate) fn upsert_album_full(&self, a: &Album, now: &str) -> rusqlite::Result<bool> {
        let Some(id) = valid_id(&a.id) else {
            return Ok(false);
        };
        self.exec(
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
            params![
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
            ],
        )?;
        self.set_album_artists(id, &a.artists)?;
        Ok(true)
    }

    /// Record that an album or artist cannot be enriched (gone, or not available to this app), so
    /// the next runs do not ask again.
    pub(crate) fn mark_unenrichable(
        &self,
        table: EnrichTable,
        id: &str,
        why: EnrichError,
        now: &str,
    ) -> rusqlite::Result<()> {
        let sql = match table {
            EnrichTable::Albums => {
                "UPDATE albums SET enriched_at = ?2, enrich_error = ?3 WHERE id = ?1"
            }
            EnrichTable::Artists => {
                "UPDATE artists SET enriched_at = ?2, enrich_error = ?3 WHERE id = ?1"
            }
        };
        self.exec(sql, params![id, now, why])?;
        Ok(())
    }

    /// A track with its album and artists. Returns the track id (`None` for local files / no id).
    pub(crate) fn upsert_track(&self, t: &Playable) -> rusqlite::Result<Option<String>> {
        Ok(self.upsert_track_changed(t)?.map(|(id, _)| id))
    }

    /// [`Sql::upsert_track`], also telling whether the stored track (its row or its artist
    /// list) changed.
    pub(crate) fn upsert_track_changed(
        &self,
        t: &Playable,
    ) -> rusqlite::Result<Option<(String, bool)>> {
        let Some(id) = valid_id(&t.id) else {
            return Ok(None);
        };
        if t.is_local_file() || t.is_episode() {
            return Ok(None);
        }
        let album_id = match &t.album {
            Some(a) => self.upsert_album_simple(a)?,
            None => None,
        };
        let changed = self.write_track(id, t, album_id.as_deref())?;
        let credits = self.set_track_artists(id, &t.artists)?;
        Ok(Some((id.to_string(), changed || credits)))
    }

    /// The track's own row; whether a stored value changed.
    fn write_track(
        &self,
        id: &str,
        t: &Playable,
        album_id: Option<&str>,
    ) -> rusqlite::Result<bool> {
        let n = self.exec(
            "INSERT INTO tracks (id, name, album_id, duration_ms, explicit, disc_number,
                                 track_number, isrc, popularity, uri)
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
            params![
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
            ],
        )?;
        Ok(n > 0)
    }

    /// A track's credits, in order (a list without any id leaves the stored credits); whether
    /// they changed.
    fn set_track_artists(&self, track_id: &str, artists: &[Artist]) -> rusqlite::Result<bool> {
        let ids = self.upsert_artists_simple(artists)?;
        if ids.is_empty() {
            return Ok(false);
        }
        let mut changed = false;
        for (pos, aid) in ids.iter().enumerate() {
            changed |= self.exec(
                "INSERT INTO track_artists (track_id, artist_id, position) VALUES (?1, ?2, ?3)
                 ON CONFLICT(track_id, position) DO UPDATE SET artist_id = excluded.artist_id
                 WHERE track_artists.artist_id IS NOT excluded.artist_id",
                params![track_id, aid, pos as i64],
            )? > 0;
        }
        changed |= self.exec(
            "DELETE FROM track_artists WHERE track_id = ?1 AND position >= ?2",
            params![track_id, ids.len() as i64],
        )? > 0;
        Ok(changed)
    }
}
