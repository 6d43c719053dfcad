//! Playlist versions: each item list swapped in from staging is kept (`playlist_versions`), so an
//! export can rebuild a playlist as it was at an earlier date. History reaches back to the items
//! mirrored when the migration that created the table ran (they became the first versions).

use rusqlite::{Connection, OptionalExtension, params};

/// The items of a playlist as a JSON array, by position (the format of `playlist_versions.items`).
const ITEMS_JSON: &str = "SELECT COUNT(*),
        COALESCE(json_group_array(json_array(position, item_type, track_id, episode_id, uri, name,
                                             added_at, added_by) ORDER BY position), '[]')
 FROM playlist_items WHERE playlist_id = ?1";

/// Record the playlist's current items (just swapped in) as a version seen at `now`, in the
/// caller's transaction. A version equal to the latest one (same snapshot, name, description and
/// items) is not stored again. Returns whether a row was written.
pub fn record(c: &Connection, playlist_id: &str, now: &str) -> rusqlite::Result<bool> {
    let (count, items): (i64, String) = c
        .prepare_cached(ITEMS_JSON)?
        .query_row([playlist_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    type Details = (Option<String>, Option<String>, Option<String>);
    let current: Option<Details> = c
        .prepare_cached("SELECT snapshot_id, name, description FROM playlists WHERE id = ?1")?
        .query_row([playlist_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((snapshot, name, description)) = current else {
        return Ok(false);
    };
    let unchanged: bool = c
        .prepare_cached(
            "SELECT snapshot_id IS ?2 AND name IS ?3 AND description IS ?4 AND items = ?5
             FROM playlist_versions WHERE playlist_id = ?1 ORDER BY recorded_at DESC, id DESC
             LIMIT 1",
        )?
        .query_row(
            params![playlist_id, snapshot, name, description, items],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(false);
    if unchanged {
        return Ok(false);
    }
    c.prepare_cached(
        "INSERT INTO playlist_versions (playlist_id, recorded_at, snapshot_id, name, description,
                                        item_count, items)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        playlist_id,
        now,
        snapshot,
        name,
        description,
        count,
        items
    ])?;
    Ok(true)
}

/// One stored version of a playlist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub recorded_at: String,
    pub snapshot_id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    /// JSON text: see [`record`].
    pub items: String,
}

/// The latest version recorded at or before `at` (an ISO-8601 UTC timestamp).
pub fn at_or_before(
    c: &Connection,
    playlist_id: &str,
    at: &str,
) -> rusqlite::Result<Option<Version>> {
    c.prepare_cached(
        "SELECT recorded_at, snapshot_id, name, description, items FROM playlist_versions
         WHERE playlist_id = ?1 AND recorded_at <= ?2
         ORDER BY recorded_at DESC, id DESC LIMIT 1",
    )?
    .query_row(params![playlist_id, at], |r| {
        Ok(Version {
            recorded_at: r.get(0)?,
            snapshot_id: r.get(1)?,
            name: r.get(2)?,
            description: r.get(3)?,
            items: r.get(4)?,
        })
    })
    .optional()
}

/// When the oldest stored version of a playlist was recorded (`None`: no version).
pub fn first_recorded(c: &Connection, playlist_id: &str) -> rusqlite::Result<Option<String>> {
    c.prepare_cached("SELECT MIN(recorded_at) FROM playlist_versions WHERE playlist_id = ?1")?
        .query_row([playlist_id], |r| r.get(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn setup() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("v.db")).unwrap();
        s.conn
            .execute_batch(
                "INSERT INTO playlists (id, name, snapshot_id, items_status) VALUES ('p', 'P', 's1', 'synced');
                 INSERT INTO playlist_items (playlist_id, position, item_type, uri, name)
                 VALUES ('p', 1, 'local', 'spotify:local:a:b:c:1', 'c'),
                        ('p', 0, 'unavailable', NULL, NULL);",
            )
            .unwrap();
        (dir, s)
    }

    #[test]
    fn records_items_in_order_and_skips_repeats() {
        let (_d, s) = setup();
        assert!(record(&s.conn, "p", "2026-01-01T00:00:00Z").unwrap());
        assert!(!record(&s.conn, "p", "2026-01-02T00:00:00Z").unwrap());
        let v = at_or_before(&s.conn, "p", "2026-01-05T00:00:00Z")
            .unwrap()
            .unwrap();
        assert_eq!(v.recorded_at, "2026-01-01T00:00:00Z");
        assert_eq!(
            v.items,
            r#"[[0,"unavailable",null,null,null,null,null,null],[1,"local",null,null,"spotify:local:a:b:c:1","c",null,null]]"#
        );
        s.conn
            .execute("UPDATE playlists SET name = 'Q' WHERE id = 'p'", [])
            .unwrap();
        assert!(record(&s.conn, "p", "2026-01-03T00:00:00Z").unwrap());
        let v = at_or_before(&s.conn, "p", "2026-01-02T12:00:00Z")
            .unwrap()
            .unwrap();
        assert_eq!(v.name.as_deref(), Some("P"));
        assert!(
            at_or_before(&s.conn, "p", "2025-12-31T00:00:00Z")
                .unwrap()
                .is_none()
        );
        assert_eq!(
            first_recorded(&s.conn, "p").unwrap().as_deref(),
            Some("2026-01-01T00:00:00Z")
        );
    }

    #[test]
    fn migration_seeds_versions_from_mirrored_items() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let mut c = Connection::open(&path).unwrap();
            let m =
                rusqlite_migration::Migrations::from_slice(&crate::store::schema::MIGRATIONS[..2]);
            m.to_latest(&mut c).unwrap();
            c.execute_batch(
                "INSERT INTO playlists (id, name, items_status, items_synced_at)
                 VALUES ('p', 'P', 'synced', '2026-01-01T00:00:00Z'), ('f', 'F', 'forbidden', NULL);
                 INSERT INTO playlist_items (playlist_id, position, item_type, uri)
                 VALUES ('p', 0, 'episode', 'spotify:episode:e');",
            )
            .unwrap();
        }
        let s = Store::open(&path).unwrap();
        let n: i64 = s
            .conn
            .query_row("SELECT COUNT(*) FROM playlist_versions", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            n, 1,
            "only playlists with mirrored items get a first version"
        );
        let v = at_or_before(&s.conn, "p", "2026-01-01T00:00:00Z")
            .unwrap()
            .unwrap();
        assert_eq!(
            v.items,
            r#"[[0,"episode",null,null,"spotify:episode:e",null,null,null]]"#
        );
    }
}
