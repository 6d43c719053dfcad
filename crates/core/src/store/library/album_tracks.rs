//! Albums' track lists (`album_tracks`): the first page comes with every full album
//! (`/me/albums`, `GET /albums/{id}`, `GET /albums?ids=`) at no extra request; the rest of a
//! longer album is paged through `GET /albums/{id}/tracks` by the albums phase. The tracks and
//! their artists (featured ones too) go into the catalog.
//!
//! `albums.tracks_total` is the list's length as Spotify last said it, `albums.tracks_next`
//! the offset of the next page to fetch (NULL when the stored list is complete, or when it
//! cannot be completed: `albums.tracks_error` says why).

use rusqlite::params;

use super::valid_id;
use crate::domain::{EnrichError, PAGE};
use crate::spotify::model::{Album, Page, Playable};
use crate::store::Sql;

/// What a page of an album's track list leaves to fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TracksLeft {
    /// The offset of the next page, `None` when the list is complete.
    pub next: Option<u64>,
    /// The list's length, when known.
    pub total: Option<u64>,
}

impl Sql<'_> {
    /// A full album with its first page of tracks: the album stored as enriched (see
    /// [`Sql::upsert_album_full`]) and its track list. Returns its id when it was stored.
    pub(crate) fn harvest_album(&self, a: &Album, now: &str) -> rusqlite::Result<Option<String>> {
        if !self.upsert_album_full(a, now)? {
            return Ok(None);
        }
        let Some(id) = valid_id(&a.id) else {
            return Ok(None);
        };
        if let Some(page) = &a.tracks {
            self.put_album_tracks(id, 0, page)?;
        }
        Ok(Some(id.to_string()))
    }

    /// One page of `album_id`'s track list at `offset`: every track with an id into the
    /// catalog (credited to its artists, on this album) and into `album_tracks` at its position;
    /// what is left to fetch is recorded on the album.
    pub(crate) fn put_album_tracks(
        &self,
        album_id: &str,
        offset: u64,
        page: &Page,
    ) -> rusqlite::Result<TracksLeft> {
        let tracks: Vec<Option<Playable>> = page.parse_items();
        for (i, t) in tracks.iter().enumerate() {
            let Some(t) = t else { continue };
            let position = offset + i as u64;
            self.put_album_track(album_id, position, t)?;
        }
        let n = tracks.len() as u64;
        let end = offset + n;
        let more = n > 0 && page.total.map_or(page.next.is_some(), |t| end < t);
        let known: Option<i64> = self
            .value::<Option<i64>>(
                "SELECT tracks_total AS value FROM albums WHERE id = ?1",
                [album_id],
            )?
            .flatten();
        let stored = self.count(
            "SELECT COUNT(*) AS n FROM album_tracks WHERE album_id = ?1",
            [album_id],
        )?;
        let total = page.total;
        // A first page seen again of a list stored whole before (same length) is not paged
        // again: album track lists hardly change, and every full sync re-reads saved albums.
        let complete_before = offset == 0
            && total.is_some()
            && known.and_then(|k| u64::try_from(k).ok()) == total
            && total == Some(stored);
        let next = (more && !complete_before).then_some(end);
        if !more {
            self.exec(
                "DELETE FROM album_tracks WHERE album_id = ?1 AND position >= ?2",
                params![album_id, i64::try_from(end).unwrap_or(i64::MAX)],
            )?;
        }
        self.exec(
            "UPDATE albums SET tracks_total = COALESCE(?2, tracks_total), tracks_next = ?3,
                               tracks_error = NULL
             WHERE id = ?1",
            params![
                album_id,
                total.and_then(|t| i64::try_from(t).ok()),
                next.and_then(|t| i64::try_from(t).ok())
            ],
        )?;
        Ok(TracksLeft { next, total })
    }

    /// One track of an album's list: the track (on this album), its credits, its place.
    fn put_album_track(&self, album_id: &str, position: u64, t: &Playable) -> rusqlite::Result<()> {
        let Some(id) = t.library_id() else {
            return Ok(());
        };
        if t.is_local_file() || t.is_episode() {
            return Ok(());
        }
        self.write_track(id, t, Some(album_id))?;
        self.set_track_artists(id, &t.artists)?;
        self.exec(
            "INSERT INTO album_tracks (album_id, position, disc_number, track_number, track_id)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(album_id, position) DO UPDATE SET
               disc_number = excluded.disc_number, track_number = excluded.track_number,
               track_id = excluded.track_id",
            params![
                album_id,
                i64::try_from(position).unwrap_or(i64::MAX),
                t.disc_number,
                t.track_number,
                id
            ],
        )?;
        Ok(())
    }

    /// The rest of an album's track list cannot be fetched (gone, refused, or a page that
    /// contradicts the list's length): stop asking, and keep what is stored.
    pub(crate) fn album_tracks_unavailable(
        &self,
        album_id: &str,
        why: EnrichError,
    ) -> rusqlite::Result<()> {
        self.exec(
            "UPDATE albums SET tracks_next = NULL, tracks_error = ?2 WHERE id = ?1",
            params![album_id, why],
        )?;
        Ok(())
    }

    /// Albums whose track list has pages left, most valuable first (see
    /// [`crate::store::library::value`]), with the offset of their next page and their length.
    pub fn albums_with_tracks_left(
        &self,
        limit: usize,
    ) -> rusqlite::Result<Vec<(String, u64, Option<u64>)>> {
        let ids = self.by_value(super::value::Queue::AlbumTracks, limit)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let left: Option<AlbumLeft> = self.one(
                "SELECT tracks_next, tracks_total FROM albums
                 WHERE id = ?1 AND tracks_next IS NOT NULL",
                [&id],
            )?;
            if let Some(l) = left {
                out.push((id, l.next, l.total));
            }
        }
        Ok(out)
    }

    /// Requests the albums' track lists still need (see [`AlbumTrackPages`]).
    pub fn album_track_pages(&self) -> rusqlite::Result<AlbumTrackPages> {
        let rows: Vec<AlbumLeft> = self.all(
            "SELECT tracks_next, tracks_total FROM albums WHERE tracks_next IS NOT NULL",
            [],
        )?;
        let page = i64::from(PAGE);
        let after_details = self.count(
            "SELECT COALESCE(SUM((total_tracks - 1) / ?1), 0) AS n FROM albums
              WHERE enriched_at IS NULL AND total_tracks > ?1",
            [page],
        )?;
        let long_unenriched = self.count(
            "SELECT COUNT(*) AS n FROM albums WHERE enriched_at IS NULL AND total_tracks > ?1",
            [page],
        )?;
        Ok(AlbumTrackPages {
            albums: rows.len() as u64,
            pages: rows.iter().map(AlbumLeft::pages).sum(),
            unenriched_albums: long_unenriched,
            unenriched_pages: after_details,
        })
    }
}

/// Pages of albums' track lists still to fetch (`GET /albums/{id}/tracks`, one per page).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AlbumTrackPages {
    /// Albums whose stored track list has pages left, and those pages.
    pub albums: u64,
    pub pages: u64,
    /// Albums not enriched yet whose `total_tracks` passes a page: their details bring the
    /// first page, these pages the rest.
    pub unenriched_albums: u64,
    pub unenriched_pages: u64,
}

/// An album's track list still to fetch.
struct AlbumLeft {
    next: u64,
    total: Option<u64>,
}

impl AlbumLeft {
    /// Pages from `next` to the end (one when the length is unknown).
    fn pages(&self) -> u64 {
        let page = u64::from(PAGE);
        self.total
            .map_or(1, |t| t.saturating_sub(self.next).div_ceil(page).max(1))
    }
}

impl crate::store::row::FromRow for AlbumLeft {
    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(AlbumLeft {
            next: crate::store::row::get_u64(r, "tracks_next")?,
            total: crate::store::row::get_opt_u64(r, "tracks_total")?,
        })
    }
}

/// One row of an album's track list, as the exporter reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlbumTrackRow {
    pub album_id: String,
    pub disc_number: Option<i64>,
    pub track_number: Option<i64>,
    pub track_id: String,
    pub uri: Option<String>,
    pub name: Option<String>,
}

impl crate::store::row::FromRow for AlbumTrackRow {
    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(AlbumTrackRow {
            album_id: r.get("album_id")?,
            disc_number: r.get("disc_number")?,
            track_number: r.get("track_number")?,
            track_id: r.get("track_id")?,
            uri: r.get("uri")?,
            name: r.get("name")?,
        })
    }
}

/// A saved album and when it was saved.
struct SavedAlbumRow {
    album_id: String,
    added_at: Option<String>,
}

impl crate::store::row::FromRow for SavedAlbumRow {
    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(SavedAlbumRow {
            album_id: r.get("album_id")?,
            added_at: r.get("added_at")?,
        })
    }
}

impl Sql<'_> {
    /// Every stored album track list, by album and position (none in a database older than
    /// them).
    pub fn album_track_rows(&self) -> rusqlite::Result<Vec<AlbumTrackRow>> {
        if !self.has_table("album_tracks")? {
            return Ok(Vec::new());
        }
        self.all(
            "SELECT at.album_id, at.disc_number, at.track_number, at.track_id, t.uri, t.name
             FROM album_tracks at JOIN tracks t ON t.id = at.track_id
             ORDER BY at.album_id, at.position",
            [],
        )
    }

    /// The saved albums (not removed), with when each was saved.
    pub fn saved_album_dates(&self) -> rusqlite::Result<Vec<(String, Option<String>)>> {
        if !self.has_table("saved_albums")? {
            return Ok(Vec::new());
        }
        let rows: Vec<SavedAlbumRow> = self.all(
            "SELECT album_id, added_at FROM saved_albums WHERE removed_at IS NULL",
            [],
        )?;
        Ok(rows.into_iter().map(|r| (r.album_id, r.added_at)).collect())
    }
}
