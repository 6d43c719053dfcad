//! What to enrich first: albums and artists never enriched (and albums whose track list has
//! pages left), most valuable first, so that an enrichment stopped partway (by the daily quota,
//! a budget or the user) has fetched the part that matters. Tracks only an imported data export
//! knows go most-played first.
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

/// The album value of every album that has any (summed by the caller).
const ALBUM_VALUE: &str = "album_value(id, v) AS (
    SELECT t.album_id, tv.v FROM track_value tv JOIN tracks t ON t.id = tv.track_id
     WHERE t.album_id IS NOT NULL
    UNION ALL
    SELECT album_id, ?5 FROM saved_albums WHERE removed_at IS NULL
)";

const ARTIST_VALUE: &str = "artist_value(id, v) AS (
    SELECT ta.artist_id, tv.v FROM track_value tv JOIN track_artists ta
        ON ta.track_id = tv.track_id
    UNION ALL
    SELECT artist_id, ?5 FROM followed_artists WHERE removed_at IS NULL
)";

/// Albums or artists matching `filter`, by value (`?1` = the limit).
fn ordered(table: &str, value: &str, filter: &str) -> String {
    format!(
        "SELECT a.id AS value FROM {table} a
           LEFT JOIN (SELECT id, SUM(v) AS v FROM {value} GROUP BY id) x ON x.id = a.id
          WHERE {filter}
          ORDER BY COALESCE(x.v, 0) DESC, a.id
          LIMIT ?1"
    )
}

/// A track known only from an imported data export: no album, no credits (the export names
/// them, the catalog does not know them), never asked for.
pub(crate) const EXPORT_ONLY: &str = "t.enriched_at IS NULL AND t.album_id IS NULL
    AND NOT EXISTS (SELECT 1 FROM track_artists ta WHERE ta.track_id = t.id)";

/// What a value-ordered queue holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Queue {
    /// Albums or artists never enriched, or tracks only the data export knows (by plays).
    Enrich(EnrichTable),
    /// Albums whose track list has pages left to fetch.
    AlbumTracks,
}

impl Queue {
    fn sql(self) -> String {
        let body = match self {
            Queue::Enrich(EnrichTable::Albums) => {
                format!(
                    "{ALBUM_VALUE}\n{}",
                    ordered("albums", "album_value", "a.enriched_at IS NULL")
                )
            }
            Queue::AlbumTracks => format!(
                "{ALBUM_VALUE}\n{}",
                ordered("albums", "album_value", "a.tracks_next IS NOT NULL")
            ),
            Queue::Enrich(EnrichTable::Artists) => format!(
                "{ARTIST_VALUE}\n{}",
                ordered("artists", "artist_value", "a.enriched_at IS NULL")
            ),
            // Only plays give an export-only track value (it is in no list of the library).
            Queue::Enrich(EnrichTable::Tracks) => format!(
                "played(id, n) AS (SELECT track_id, COUNT(*) FROM plays
                                    WHERE track_id IS NOT NULL GROUP BY track_id)
                 SELECT t.id AS value FROM tracks t JOIN played p ON p.id = t.id
                  WHERE {EXPORT_ONLY}
                  ORDER BY p.n * ?2 DESC, t.id
                  LIMIT ?1"
            ),
        };
        match self {
            Queue::Enrich(EnrichTable::Tracks) => format!("WITH {body}"),
            _ => format!("WITH {TRACK_VALUE},\n{body}"),
        }
    }
}

impl Sql<'_> {
    /// Ids never enriched, most valuable first (see the module), ties by id; at most `limit`
    /// (`usize::MAX` for all of them).
    pub fn unenriched(&self, table: EnrichTable, limit: usize) -> rusqlite::Result<Vec<String>> {
        self.by_value(Queue::Enrich(table), limit)
    }

    /// The ids of `queue`, most valuable first, ties by id; at most `limit`.
    pub(crate) fn by_value(&self, queue: Queue, limit: usize) -> rusqlite::Result<Vec<String>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        match queue {
            Queue::Enrich(EnrichTable::Tracks) => self.values(&queue.sql(), params![limit, PLAY]),
            _ => self.values(
                &queue.sql(),
                params![limit, LIKED, PLAY, PLAYLIST_ENTRY, SAVED],
            ),
        }
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
            EnrichTable::Tracks => {
                &format!("SELECT 1 FROM tracks t WHERE t.id = ?1 AND {EXPORT_ONLY}")
            }
        };
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if self.exists(sql, [id])? {
                out.push(id.clone());
            }
        }
        Ok(out)
    }

    /// How many are never enriched (for tracks: the export-only tracks that were played).
    pub fn count_unenriched(&self, table: EnrichTable) -> rusqlite::Result<u64> {
        let sql = match table {
            EnrichTable::Albums => "SELECT COUNT(*) AS n FROM albums WHERE enriched_at IS NULL",
            EnrichTable::Artists => "SELECT COUNT(*) AS n FROM artists WHERE enriched_at IS NULL",
            EnrichTable::Tracks => &format!(
                "SELECT COUNT(*) AS n FROM tracks t
                  WHERE {EXPORT_ONLY}
                    AND EXISTS (SELECT 1 FROM plays p WHERE p.track_id = t.id)"
            ),
        };
        self.count(sql, [])
    }
}

#[cfg(test)]
mod tests;
