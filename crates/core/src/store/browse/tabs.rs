//! The rows of the library tabs. Every tab's query names the same ten columns (`id`, `name`,
//! `artist`, `album`, `released`, `added`, `removed`, `plays`, `count`, `playlists`: what a
//! tab does not show is `''`, `NULL` or `0`), so one [`FromRow`] reads them all.

use rusqlite::Row as SqlRow;

use super::super::Sql;
use super::super::journal::ChangeFilter;
use super::super::row::FromRow;
use super::fields::{ALBUM_ARTISTS, TRACK_ARTISTS, year};
use super::{CHANGES_LISTED, PLAYS_LISTED, Row, Tab};

impl FromRow for Row {
    fn from_row(r: &SqlRow<'_>) -> rusqlite::Result<Self> {
        Ok(Row {
            id: r.get("id")?,
            name: r.get("name")?,
            artist: r.get("artist")?,
            album: r.get("album")?,
            year: year(r.get("released")?),
            added: r.get("added")?,
            removed: r.get("removed")?,
            plays: r.get("plays")?,
            count: r.get("count")?,
            playlists: r.get("playlists")?,
        })
    }
}

/// Liked songs, newest first, with their plays and the playlists they are in. A play counts
/// when it names the track by id, or (an account data export's play, which names no id) by the
/// track's name and its first artist's, letter case aside (SQLite folds ASCII letters only).
fn liked() -> String {
    format!(
        "WITH pc AS (SELECT track_id, count(*) AS n FROM plays
                     WHERE track_id IS NOT NULL GROUP BY track_id),
         named AS (SELECT lower(track_name) AS track, lower(artist_name) AS artist,
                          count(*) AS n FROM plays
                   WHERE track_id IS NULL AND COALESCE(item_type, 'track') = 'track'
                     AND track_name IS NOT NULL
                     AND artist_name IS NOT NULL
                   GROUP BY lower(track_name), lower(artist_name)),
         inpl AS (SELECT pi.track_id, group_concat(pl.name, char(31)) AS names
                  FROM playlist_items pi JOIN playlists pl ON pl.id = pi.playlist_id
                  WHERE pi.track_id IS NOT NULL AND pl.removed_at IS NULL
                  GROUP BY pi.track_id)
         SELECT t.id AS id, COALESCE(t.name, '') AS name, {TRACK_ARTISTS} AS artist,
                COALESCE(al.name, '') AS album, al.release_date AS released,
                s.added_at AS added, s.removed_at AS removed,
                COALESCE(pc.n, 0) + COALESCE((SELECT named.n FROM named
                    WHERE named.track = lower(t.name)
                      AND named.artist = (SELECT lower(ar.name) FROM track_artists ta
                                          JOIN artists ar ON ar.id = ta.artist_id
                                          WHERE ta.track_id = t.id
                                          ORDER BY ta.position LIMIT 1)), 0) AS plays,
                0 AS count, COALESCE(inpl.names, '') AS playlists
         FROM saved_tracks s JOIN tracks t ON t.id = s.track_id
         LEFT JOIN albums al ON al.id = t.album_id
         LEFT JOIN pc ON pc.track_id = t.id
         LEFT JOIN inpl ON inpl.track_id = t.id
         ORDER BY s.added_at DESC, t.id"
    )
}

/// Playlists in the account's order, removed ones last; `added` is when the items were mirrored.
const PLAYLISTS: &str = "SELECT p.id AS id, COALESCE(p.name, '') AS name,
        COALESCE(p.owner_name, p.owner_id, '') AS artist, '' AS album, NULL AS released,
        p.items_synced_at AS added, p.removed_at AS removed, 0 AS plays,
        COALESCE((SELECT count(*) FROM playlist_items pi WHERE pi.playlist_id = p.id),
                 p.total_items, 0) AS count,
        '' AS playlists
 FROM playlists p ORDER BY p.removed_at IS NOT NULL, p.list_position, p.id";

/// Albums by name, with their tracks in the library and their plays.
fn albums() -> String {
    format!(
        "WITH tc AS (SELECT album_id, count(*) AS n FROM tracks GROUP BY album_id),
         pc AS (SELECT t.album_id, count(*) AS n FROM plays p
                JOIN tracks t ON t.id = p.track_id GROUP BY t.album_id)
         SELECT al.id AS id, COALESCE(al.name, '') AS name, {ALBUM_ARTISTS} AS artist,
                '' AS album, al.release_date AS released, NULL AS added, NULL AS removed,
                COALESCE(pc.n, 0) AS plays, COALESCE(tc.n, 0) AS count, '' AS playlists
         FROM albums al LEFT JOIN tc ON tc.album_id = al.id
         LEFT JOIN pc ON pc.album_id = al.id
         ORDER BY al.name COLLATE NOCASE, al.id"
    )
}

/// Artists by name, with their tracks in the library and their plays.
const ARTISTS: &str = "WITH tc AS (SELECT artist_id, count(DISTINCT track_id) AS n
             FROM track_artists GROUP BY artist_id),
 pc AS (SELECT ta.artist_id, count(*) AS n FROM plays p
        JOIN track_artists ta ON ta.track_id = p.track_id GROUP BY ta.artist_id)
 SELECT ar.id AS id, COALESCE(ar.name, '') AS name, '' AS artist, '' AS album,
        NULL AS released, NULL AS added, NULL AS removed, COALESCE(pc.n, 0) AS plays,
        COALESCE(tc.n, 0) AS count, '' AS playlists
 FROM artists ar LEFT JOIN tc ON tc.artist_id = ar.id
 LEFT JOIN pc ON pc.artist_id = ar.id
 ORDER BY ar.name COLLATE NOCASE, ar.id";

/// The newest plays (at most `?1`); `added` is when it was played. A play of a track the
/// catalog does not describe (an export named it) shows the names the export gave.
fn plays() -> String {
    format!(
        "SELECT COALESCE(p.track_id, '') AS id,
                COALESCE(t.name, p.track_name, p.track_id, '') AS name,
                COALESCE(NULLIF({TRACK_ARTISTS}, ''), p.artist_name, '') AS artist,
                COALESCE(al.name, p.album_name, '') AS album,
                al.release_date AS released, p.played_at AS added, NULL AS removed,
                0 AS plays, 0 AS count, '' AS playlists
         FROM plays p LEFT JOIN tracks t ON t.id = p.track_id
         LEFT JOIN albums al ON al.id = t.album_id
         ORDER BY p.played_at DESC LIMIT ?1"
    )
}

impl Sql<'_> {
    /// The rows of a tab.
    pub fn tab_rows(&self, tab: Tab) -> rusqlite::Result<Vec<Row>> {
        match tab {
            Tab::Liked => self.all(&liked(), []),
            Tab::Playlists => self.all(PLAYLISTS, []),
            Tab::Albums => self.all(&albums(), []),
            Tab::Artists => self.all(ARTISTS, []),
            Tab::Plays => self.all(&plays(), [PLAYS_LISTED]),
            Tab::Shows | Tab::Episodes | Tab::Audiobooks => self.audio_rows(tab),
            Tab::Changes => self.change_rows(),
        }
    }

    /// The newest journaled changes: what changed in `album`, the entity's kind in `artist`,
    /// the run in `count`.
    fn change_rows(&self) -> rusqlite::Result<Vec<Row>> {
        let changes = self.changes(&ChangeFilter {
            since: None,
            run: None,
            limit: CHANGES_LISTED,
        })?;
        Ok(changes
            .into_iter()
            .map(|c| Row {
                id: c.entity_id.clone(),
                name: c.label().to_string(),
                artist: c.entity_type.replace('_', " "),
                album: c.describe(),
                added: Some(c.changed_at.clone()),
                removed: (c.change == "removed").then(|| c.changed_at.clone()),
                count: c.sync_history_id.unwrap_or_default(),
                ..Row::default()
            })
            .collect())
    }
}
