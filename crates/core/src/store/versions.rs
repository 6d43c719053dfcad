//! Playlist versions: each item list swapped in from staging is kept (`playlist_versions`), so an
//! export can rebuild a playlist as it was at an earlier date. History reaches back to the items
//! mirrored when the migration that created the table ran (they became the first versions).

use rusqlite::{Row, params};

use super::Sql;
use super::row::{FromRow, get_u64};

/// The items of a playlist as a JSON array, by position (the format of `playlist_versions.items`).
const ITEMS_JSON: &str = "SELECT COUNT(*) AS item_count,
        COALESCE(json_group_array(json_array(position, item_type, track_id, episode_id, uri, name,
                                             added_at, added_by) ORDER BY position), '[]')
          AS items
 FROM playlist_items WHERE playlist_id = ?1";

/// One stored version of a playlist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub recorded_at: String,
    pub snapshot_id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    /// JSON text: see [`Sql::record_playlist_version`].
    pub items: String,
}

impl FromRow for Version {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Version> {
        Ok(Version {
            recorded_at: r.get("recorded_at")?,
            snapshot_id: r.get("snapshot_id")?,
            name: r.get("name")?,
            description: r.get("description")?,
            items: r.get("items")?,
        })
    }
}

/// A playlist's items now, in the format of a version.
struct Items {
    count: u64,
    json: String,
}

impl FromRow for Items {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Items> {
        Ok(Items {
            count: get_u64(r, "item_count")?,
            json: r.get("items")?,
        })
    }
}

/// A playlist's details now.
struct Details {
    snapshot_id: Option<String>,
    name: Option<String>,
    description: Option<String>,
}

impl FromRow for Details {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Details> {
        Ok(Details {
            snapshot_id: r.get("snapshot_id")?,
            name: r.get("name")?,
            description: r.get("description")?,
        })
    }
}

impl Sql<'_> {
    /// Record the playlist's current items (just swapped in) as a version seen at `now`, in the
    /// caller's transaction. A version equal to the latest one (same snapshot, name, description
    /// and items) is not stored again. Returns whether a row was written. `items` is a JSON
    /// array of `[position, item_type, track_id, episode_id, uri, name, added_at, added_by]`.
    pub fn record_playlist_version(&self, playlist_id: &str, now: &str) -> rusqlite::Result<bool> {
        let Some(items) = self.one::<Items>(ITEMS_JSON, [playlist_id])? else {
            return Ok(false);
        };
        let Some(d) = self.one::<Details>(
            "SELECT snapshot_id, name, description FROM playlists WHERE id = ?1",
            [playlist_id],
        )?
        else {
            return Ok(false);
        };
        let unchanged = self
            .value::<bool>(
                "SELECT snapshot_id IS ?2 AND name IS ?3 AND description IS ?4 AND items = ?5
                   AS value
                 FROM playlist_versions WHERE playlist_id = ?1
                 ORDER BY recorded_at DESC, id DESC LIMIT 1",
                params![
                    playlist_id,
                    d.snapshot_id,
                    d.name,
                    d.description,
                    items.json
                ],
            )?
            .unwrap_or(false);
        if unchanged {
            return Ok(false);
        }
        self.exec(
            "INSERT INTO playlist_versions (playlist_id, recorded_at, snapshot_id, name,
                                            description, item_count, items)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                playlist_id,
                now,
                d.snapshot_id,
                d.name,
                d.description,
                items.count as i64,
                items.json
            ],
        )?;
        Ok(true)
    }

    /// The latest version of a playlist recorded at or before `at` (an ISO-8601 UTC timestamp).
    pub fn playlist_version_at(
        &self,
        playlist_id: &str,
        at: &str,
    ) -> rusqlite::Result<Option<Version>> {
        self.one(
            "SELECT recorded_at, snapshot_id, name, description, items FROM playlist_versions
             WHERE playlist_id = ?1 AND recorded_at <= ?2
             ORDER BY recorded_at DESC, id DESC LIMIT 1",
            params![playlist_id, at],
        )
    }

    /// When the oldest stored version of a playlist was recorded (`None`: no version).
    pub fn first_playlist_version(&self, playlist_id: &str) -> rusqlite::Result<Option<String>> {
        Ok(self
            .value::<Option<String>>(
                "SELECT MIN(recorded_at) AS value FROM playlist_versions WHERE playlist_id = ?1",
                [playlist_id],
            )?
            .flatten())
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

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
        assert!(
            s.sql()
                .record_playlist_version("p", "2026-01-01T00:00:00Z")
                .unwrap()
        );
        assert!(
            !s.sql()
                .record_playlist_version("p", "2026-01-02T00:00:00Z")
                .unwrap()
        );
        let v = s
            .sql()
            .playlist_version_at("p", "2026-01-05T00:00:00Z")
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
        assert!(
            s.sql()
                .record_playlist_version("p", "2026-01-03T00:00:00Z")
                .unwrap()
        );
        let v = s
            .sql()
            .playlist_version_at("p", "2026-01-02T12:00:00Z")
            .unwrap()
            .unwrap();
        assert_eq!(v.name.as_deref(), Some("P"));
        assert!(
            s.sql()
                .playlist_version_at("p", "2025-12-31T00:00:00Z")
                .unwrap()
                .is_none()
        );
        assert_eq!(
            s.sql().first_playlist_version("p").unwrap().as_deref(),
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
        let v = s
            .sql()
            .playlist_version_at("p", "2026-01-01T00:00:00Z")
            .unwrap()
            .unwrap();
        assert_eq!(
            v.items,
            r#"[[0,"episode",null,null,"spotify:episode:e",null,null,null]]"#
        );
    }
}
