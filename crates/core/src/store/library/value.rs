//! What to enrich first: albums and artists never enriched, most valuable first, so that an
//! enrichment stopped partway (by the daily quota, a budget or the user) has fetched the part
//! that matters.
//!
//! The value of an album or artist is the sum over its tracks (an album's tracks, or the tracks
//! an artist is credited on) of [`LIKED`] per saved track, [`PLAYLIST_ENTRY`] per entry in a
//! playlist of the library and [`PLAY`] per play, plus [`SAVED`] when the album is saved or the
//! artist followed. Ties go by id, so the order is the same every time.

use rusqlite::params;

use super::EnrichTable;
use crate::store::Sql;

/// A saved ("liked") track: the clearest statement of what matters to the user.
pub const LIKED: i64 = 10;
/// A saved album or a followed artist.
pub const SAVED: i64 = 10;
/// An entry in a playlist of the library (a playlist removed from it does not count).
pub const PLAYLIST_ENTRY: i64 = 3;
/// One play (from the API's history or an imported export).
pub const PLAY: i64 = 1;

/// The value of every track that has any, in up to three rows (saved, plays, playlist entries)
/// that the caller sums. Plays and entries are counted per track first (the plays over the
/// `plays_track` index alone), so the join to `tracks` looks up each track a few times, not
/// once per play.
const TRACK_VALUE: &str = "track_value(track_id, v) AS (
    SELECT track_id, ?2 FROM saved_tracks WHERE removed_at IS NULL
    UNION ALL
    SELECT track_id, COUNT(*) * ?3 FROM plays WHERE track_id IS NOT NULL GROUP BY track_id
    UNION ALL
    SELECT i.track_id, COUNT(*) * ?4 FROM playlist_items i JOIN playlists p ON p.id = i.playlist_id
     WHERE i.track_id IS NOT NULL AND p.removed_at IS NULL GROUP BY i.track_id
)";

const ALBUMS: &str = "album_value(id, v) AS (
    SELECT t.album_id, tv.v FROM track_value tv JOIN tracks t ON t.id = tv.track_id
     WHERE t.album_id IS NOT NULL
    UNION ALL
    SELECT album_id, ?5 FROM saved_albums WHERE removed_at IS NULL
)
SELECT a.id AS value FROM albums a
  LEFT JOIN (SELECT id, SUM(v) AS v FROM album_value GROUP BY id) x ON x.id = a.id
 WHERE a.enriched_at IS NULL
 ORDER BY COALESCE(x.v, 0) DESC, a.id
 LIMIT ?1";

const ARTISTS: &str = "artist_value(id, v) AS (
    SELECT ta.artist_id, tv.v FROM track_value tv JOIN track_artists ta
        ON ta.track_id = tv.track_id
    UNION ALL
    SELECT artist_id, ?5 FROM followed_artists WHERE removed_at IS NULL
)
SELECT a.id AS value FROM artists a
  LEFT JOIN (SELECT id, SUM(v) AS v FROM artist_value GROUP BY id) x ON x.id = a.id
 WHERE a.enriched_at IS NULL
 ORDER BY COALESCE(x.v, 0) DESC, a.id
 LIMIT ?1";

impl Sql<'_> {
    /// Ids never enriched, most valuable first (see the module), ties by id; at most `limit`
    /// (`usize::MAX` for all of them).
    pub fn unenriched(&self, table: EnrichTable, limit: usize) -> rusqlite::Result<Vec<String>> {
        let tail = match table {
            EnrichTable::Albums => ALBUMS,
            EnrichTable::Artists => ARTISTS,
        };
        let sql = format!("WITH {TRACK_VALUE},\n{tail}");
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.values(&sql, params![limit, LIKED, PLAY, PLAYLIST_ENTRY, SAVED])
    }

    /// Of `ids`, those still never enriched, in the order given.
    pub fn still_unenriched(
        &self,
        table: EnrichTable,
        ids: &[String],
    ) -> rusqlite::Result<Vec<String>> {
        let sql = match table {
            EnrichTable::Albums => "SELECT 1 FROM albums WHERE id = ?1 AND enriched_at IS NULL",
            EnrichTable::Artists => "SELECT 1 FROM artists WHERE id = ?1 AND enriched_at IS NULL",
        };
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if self.exists(sql, [id])? {
                out.push(id.clone());
            }
        }
        Ok(out)
    }

    /// How many are never enriched.
    pub fn count_unenriched(&self, table: EnrichTable) -> rusqlite::Result<u64> {
        let sql = match table {
            EnrichTable::Albums => "SELECT COUNT(*) AS n FROM albums WHERE enriched_at IS NULL",
            EnrichTable::Artists => "SELECT COUNT(*) AS n FROM artists WHERE enriched_at IS NULL",
        };
        self.count(sql, [])
    }
}

#[cfg(test)]
mod tests;
