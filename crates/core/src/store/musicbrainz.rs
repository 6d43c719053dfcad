//! The MusicBrainz cache (`musicbrainz_isrcs`): recording ids by ISRC, a miss remembered too.
//! Read by the exporter; written by the MusicBrainz resolution through an [`MbWriter`], a
//! connection of its own that works beside a running sync or daemon (the cache is a table no
//! sync touches, written one small transaction at a time).

use std::path::Path;

use rusqlite::{Connection, OpenFlags, Row, params};
use serde::{Deserialize, Serialize};

use super::file::{Check, check_header, not_a_db, open_existing_read_only, owner};
use super::row::{FromRow, bad_value};
use super::{Sql, Store, StoreError};

/// An artist credited on a MusicBrainz recording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MbArtist {
    pub id: String,
    pub name: Option<String>,
}

/// A MusicBrainz recording an ISRC points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MbRecording {
    pub id: String,
    pub title: Option<String>,
    pub length_ms: Option<u64>,
    #[serde(default)]
    pub artists: Vec<MbArtist>,
}

/// What a lookup of one ISRC gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MbStatus {
    Found,
    NotFound,
    /// MusicBrainz refused the ISRC as malformed.
    Invalid,
}

impl MbStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MbStatus::Found => "found",
            MbStatus::NotFound => "not_found",
            MbStatus::Invalid => "invalid",
        }
    }

    fn parse(s: &str) -> Option<MbStatus> {
        Some(match s {
            "found" => MbStatus::Found,
            "not_found" => MbStatus::NotFound,
            "invalid" => MbStatus::Invalid,
            _ => return None,
        })
    }
}

/// A row of the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MbLookup {
    pub isrc: String,
    pub status: MbStatus,
    pub recordings: Vec<MbRecording>,
    pub looked_up_at: String,
}

impl FromRow for MbLookup {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        let status: String = r.get("status")?;
        let recordings: String = r.get("recordings")?;
        Ok(MbLookup {
            isrc: r.get("isrc")?,
            status: MbStatus::parse(&status).ok_or_else(|| bad_value("status", &status))?,
            recordings: serde_json::from_str(&recordings)
                .map_err(|e| bad_value("recordings", e))?,
            looked_up_at: r.get("looked_up_at")?,
        })
    }
}

/// An ISRC of the library still to look up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingIsrc {
    pub isrc: String,
}

impl FromRow for PendingIsrc {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(PendingIsrc {
            isrc: r.get("isrc")?,
        })
    }
}

/// How far the cache covers the library's ISRCs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MbCoverage {
    /// Distinct ISRCs of the library (liked songs, playlists, plays).
    pub isrcs: u64,
    pub found: u64,
    pub not_found: u64,
    pub invalid: u64,
}

/// The library's ISRCs (normalised: upper case, no dashes or spaces), each with the rank of the
/// most valuable list holding it (liked songs 0, playlists 1, plays 2) and how often it occurs.
const LIBRARY_ISRCS: &str = "
    WITH wanted(isrc, rank) AS (
        SELECT t.isrc, 0 FROM saved_tracks s JOIN tracks t ON t.id = s.track_id
         WHERE s.removed_at IS NULL AND t.isrc IS NOT NULL
        UNION ALL
        SELECT t.isrc, 1 FROM playlist_items i JOIN playlists p ON p.id = i.playlist_id
          JOIN tracks t ON t.id = i.track_id
         WHERE p.removed_at IS NULL AND t.isrc IS NOT NULL
        UNION ALL
        SELECT t.isrc, 2 FROM plays pl JOIN tracks t ON t.id = pl.track_id
         WHERE t.isrc IS NOT NULL
    ),
    normalised(isrc, rank) AS (
        SELECT UPPER(REPLACE(REPLACE(TRIM(isrc), '-', ''), ' ', '')), rank FROM wanted
    )
    SELECT isrc, MIN(rank) AS rank, COUNT(*) AS weight FROM normalised
     WHERE isrc <> '' GROUP BY isrc";

impl Sql<'_> {
    /// Whether the database has the cache (a database no spotsync of this version opened yet
    /// has not).
    pub fn has_musicbrainz_cache(&self) -> rusqlite::Result<bool> {
        self.has_table("musicbrainz_isrcs")
    }

    /// Every cached lookup.
    pub fn musicbrainz_lookups(&self) -> rusqlite::Result<Vec<MbLookup>> {
        self.all(
            "SELECT isrc, status, recordings, looked_up_at FROM musicbrainz_isrcs ORDER BY isrc",
            [],
        )
    }

    /// The library's ISRCs not looked up yet (with `retry_misses`, also those MusicBrainz did
    /// not know), the most valuable first: liked songs, then playlists, then plays; within each
    /// the most frequent first.
    pub fn pending_isrcs(&self, retry_misses: bool) -> rusqlite::Result<Vec<PendingIsrc>> {
        self.all(
            &format!(
                "SELECT w.isrc AS isrc FROM ({LIBRARY_ISRCS}) w
                 LEFT JOIN musicbrainz_isrcs c ON c.isrc = w.isrc
                 WHERE c.isrc IS NULL OR (?1 AND c.status = 'not_found')
                 ORDER BY w.rank, w.weight DESC, w.isrc"
            ),
            [retry_misses],
        )
    }

    /// How far the cache covers the library's ISRCs.
    pub fn musicbrainz_coverage(&self) -> rusqlite::Result<MbCoverage> {
        let count = |status: &str| {
            self.count(
                &format!(
                    "SELECT COUNT(*) AS n FROM ({LIBRARY_ISRCS}) w
                     JOIN musicbrainz_isrcs c ON c.isrc = w.isrc WHERE c.status = ?1"
                ),
                [status],
            )
        };
        Ok(MbCoverage {
            isrcs: self.count(&format!("SELECT COUNT(*) AS n FROM ({LIBRARY_ISRCS})"), [])?,
            found: count("found")?,
            not_found: count("not_found")?,
            invalid: count("invalid")?,
        })
    }

    /// Remember one lookup (replacing an earlier one of the same ISRC).
    pub fn record_musicbrainz_lookup(&self, l: &MbLookup) -> rusqlite::Result<()> {
        let recordings =
            serde_json::to_string(&l.recordings).map_err(|e| bad_value("recordings", e))?;
        self.exec(
            "INSERT INTO musicbrainz_isrcs (isrc, status, recordings, looked_up_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (isrc) DO UPDATE SET status = excluded.status,
                 recordings = excluded.recordings, looked_up_at = excluded.looked_up_at",
            params![l.isrc, l.status.as_str(), recordings, l.looked_up_at],
        )?;
        Ok(())
    }
}

/// The MusicBrainz resolution's connection: the cache is written one lookup at a time, so a
/// stop (Ctrl-C, a lost network) keeps every answer received.
#[derive(Debug)]
pub struct MbWriter {
    conn: Connection,
}

impl MbWriter {
    /// Open the database at `path` for the cache. When no other spotsync holds it, the schema
    /// is brought up to date first (as [`Store::open`] does); while a sync or the daemon holds
    /// it, its schema must already have the cache (that process brought it up to date).
    pub fn open(path: &Path) -> Result<MbWriter, StoreError> {
        match Store::open(path) {
            Ok(store) => drop(store),
            Err(StoreError::Locked(_)) => {}
            Err(e) => return Err(e),
        }
        if !check_header(path)? {
            return Err(StoreError::NotADatabase {
                path: path.to_owned(),
                detail: "no database yet".into(),
            });
        }
        owner(&open_existing_read_only(path)?, path, Check::Light)?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| not_a_db(path, e))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        if !Sql(&conn).has_musicbrainz_cache()? {
            return Err(StoreError::Locked(path.to_owned()));
        }
        Ok(MbWriter { conn })
    }

    pub fn sql(&self) -> Sql<'_> {
        Sql(&self.conn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_isrcs_by_value_and_misses_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("m.db");
        let s = Store::open(&db).unwrap();
        s.sql()
            .exec(
                "INSERT INTO tracks (id, name, isrc) VALUES ('a', 'A', 'us-abc-26-00001'),
                   ('b', 'B', 'USABC2600002'), ('c', 'C', 'USABC2600003'), ('d', 'D', NULL);
                 ",
                [],
            )
            .unwrap();
        s.sql()
            .exec(
                "INSERT INTO saved_tracks (track_id, added_at) VALUES ('c', '2026-01-01T00:00:00Z')",
                [],
            )
            .unwrap();
        s.sql()
            .exec(
                "INSERT INTO plays (played_at, source, track_id) VALUES
                   ('2026-01-01T00:00:00Z', 'api', 'a'), ('2026-01-02T00:00:00Z', 'api', 'a'),
                   ('2026-01-03T00:00:00Z', 'api', 'b'), ('2026-01-04T00:00:00Z', 'api', 'd')",
                [],
            )
            .unwrap();
        drop(s);
        let w = MbWriter::open(&db).unwrap();
        let pending = |retry| -> Vec<String> {
            w.sql()
                .pending_isrcs(retry)
                .unwrap()
                .into_iter()
                .map(|p| p.isrc)
                .collect()
        };
        assert_eq!(
            pending(false),
            ["USABC2600003", "USABC2600001", "USABC2600002"]
        );
        let lookup = |isrc: &str, status| MbLookup {
            isrc: isrc.into(),
            status,
            recordings: vec![],
            looked_up_at: "2026-02-01T00:00:00Z".into(),
        };
        w.sql()
            .record_musicbrainz_lookup(&lookup("USABC2600003", MbStatus::NotFound))
            .unwrap();
        w.sql()
            .record_musicbrainz_lookup(&lookup("USABC2600001", MbStatus::Found))
            .unwrap();
        assert_eq!(pending(false), ["USABC2600002"]);
        assert_eq!(pending(true), ["USABC2600003", "USABC2600002"]);
        let c = w.sql().musicbrainz_coverage().unwrap();
        assert_eq!((c.isrcs, c.found, c.not_found), (3, 1, 1));
        assert_eq!(w.sql().musicbrainz_lookups().unwrap().len(), 2);
        // Beside a holder of the writer's lock.
        let holder = Store::open(&db).unwrap();
        let w2 = MbWriter::open(&db).unwrap();
        w2.sql()
            .record_musicbrainz_lookup(&lookup("USABC2600002", MbStatus::Invalid))
            .unwrap();
        drop(holder);
        assert!(w.sql().pending_isrcs(false).unwrap().is_empty());
    }
}
