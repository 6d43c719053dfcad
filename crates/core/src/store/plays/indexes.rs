//! The indexes of `plays` that a first import drops and builds once after its rows: those
//! whose keys come in no order while the rows come in time order (by track, by artist name), so
//! that each row would be inserted at a random place of each (most of a bulk insert's time),
//! where one sort at the end costs far less. They carry no constraint. The unique indexes
//! (`plays_api`, `plays_extended`, `plays_account`) stay, for they keep every source's rows from
//! being stored twice, and so do the time-ordered ones (`plays_played_at`, `plays_source_at`),
//! which the rows append to and which the merge of account rows and the coverage read.
//!
//! Every batch of the import still commits its rows in one transaction. If the process ends
//! while the indexes are absent, queries still answer (more slowly: they scan), and
//! [`crate::store::Store::open`] builds what is missing ([`Sql::restore_plays_indexes`]) before
//! anything else runs.

use crate::store::Sql;

/// The indexes an import may defer, as the latest migration leaves them: name and definition.
/// (A test checks these against what the migrations create.)
pub(crate) const DEFERRABLE: &[(&str, &str)] = &[
    ("plays_track", "CREATE INDEX plays_track ON plays(track_id)"),
    (
        "plays_artist_name",
        "CREATE INDEX plays_artist_name ON plays(artist_name, played_at) \
         WHERE artist_name IS NOT NULL",
    ),
];

/// An import defers the indexes when the plays stored are fewer than this share of the rows it
/// brings (estimated from the files' size, [`BYTES_PER_ROW`]): building them at the end then
/// costs less than maintaining them row by row.
pub(crate) const DEFER_WHEN_STORED_BELOW: f64 = 0.5;
/// Bytes of an extended streaming history file per row, a little more than the real exports
/// hold (about 700, pretty-printed): what turns a file's size into a lower estimate of its rows.
pub(crate) const BYTES_PER_ROW: u64 = 800;
/// Page cache while the indexes are built, in KiB: SQLite's sorter keeps this much in memory
/// before it writes sorted runs to a temporary file, so a larger one only raises the peak
/// memory (the build is no faster with the import's 64 MiB).
const BUILD_CACHE_KIB: i64 = 16_384;

impl Sql<'_> {
    /// The indexes of [`DEFERRABLE`] that are absent: name and definition.
    pub(crate) fn missing_plays_indexes(
        &self,
    ) -> rusqlite::Result<Vec<&'static (&'static str, &'static str)>> {
        let present: Vec<String> = self.values(
            "SELECT name AS value FROM sqlite_master WHERE type = 'index' AND tbl_name = 'plays'",
            [],
        )?;
        Ok(DEFERRABLE
            .iter()
            .filter(|(name, _)| !present.iter().any(|p| p == name))
            .collect())
    }

    /// Build the indexes of [`DEFERRABLE`] that are absent (after an import that was stopped
    /// before it built them); how many it built.
    pub(crate) fn restore_plays_indexes(&self) -> rusqlite::Result<usize> {
        let missing = self.missing_plays_indexes()?;
        if missing.is_empty() {
            return Ok(0);
        }
        let cache: i64 = self
            .0
            .pragma_query_value(None, "cache_size", |r| r.get(0))?;
        self.0
            .pragma_update(None, "cache_size", BUILD_CACHE_KIB.saturating_neg())?;
        let built = missing
            .iter()
            .try_for_each(|(_, sql)| self.0.execute_batch(sql));
        self.0.pragma_update(None, "cache_size", cache)?;
        built?;
        Ok(missing.len())
    }

    /// Drop the indexes of [`DEFERRABLE`] (call in a transaction; [`Sql::restore_plays_indexes`]
    /// builds them again).
    pub(crate) fn drop_plays_indexes(&self) -> rusqlite::Result<()> {
        for (name, _) in DEFERRABLE {
            self.0
                .execute_batch(&format!("DROP INDEX IF EXISTS {name}"))?;
        }
        Ok(())
    }

    /// Plays stored, counted from the smallest index.
    pub(crate) fn plays_count(&self) -> rusqlite::Result<u64> {
        self.count("SELECT COUNT(*) AS n FROM plays", [])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    /// The definitions SQLite keeps of the deferrable indexes, whitespace folded.
    fn stored_definitions(store: &Store) -> Vec<(String, String)> {
        let fold = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        DEFERRABLE
            .iter()
            .filter_map(|(name, _)| {
                let sql: Option<String> = store
                    .sql()
                    .value(
                        "SELECT sql AS value FROM sqlite_master WHERE type = 'index' AND name = ?1",
                        [name],
                    )
                    .unwrap();
                sql.map(|s| (name.to_string(), fold(&s)))
            })
            .collect()
    }

    #[test]
    fn the_list_is_what_the_migrations_create() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("x.db")).unwrap();
        let fold = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let expected: Vec<(String, String)> = DEFERRABLE
            .iter()
            .map(|(n, s)| (n.to_string(), fold(s)))
            .collect();
        assert_eq!(stored_definitions(&store), expected);
        // None carries a constraint (the unique indexes are never dropped).
        assert!(expected.iter().all(|(_, sql)| !sql.contains("UNIQUE")));
    }

    #[test]
    fn open_builds_the_indexes_a_stopped_import_left_unbuilt() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        let before = {
            let mut store = Store::open(&db).unwrap();
            let before = stored_definitions(&store);
            store.transaction(|tx| tx.drop_plays_indexes()).unwrap();
            assert_eq!(
                store.sql().missing_plays_indexes().unwrap().len(),
                DEFERRABLE.len()
            );
            // Without them, queries still answer.
            assert_eq!(store.sql().plays_count().unwrap(), 0);
            before
        };
        let store = Store::open(&db).unwrap();
        assert!(store.sql().missing_plays_indexes().unwrap().is_empty());
        assert_eq!(stored_definitions(&store), before);
        // And the planner uses them again.
        let plan = store
            .conn
            .prepare("EXPLAIN QUERY PLAN SELECT played_at FROM plays WHERE track_id = 'x'")
            .unwrap()
            .query_map([], |r| r.get::<_, String>("detail"))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
            .join(" ");
        assert!(plan.contains("plays_track"), "{plan}");
    }
}
