//! What the plan of the next sync reads besides the run state: the playlists and their
//! fetch status, and the sizes of the lists and of the catalog.

use rusqlite::OptionalExtension;

use super::Sql;
use crate::plan::{CatalogCounts, StoredPlaylist, UnfinishedRun};

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl Sql<'_> {
    /// The unfinished run a plain sync would resume, with the phases it has done (the
    /// engine's plan and `spotsync plan` both read it here).
    pub fn unfinished(&self) -> rusqlite::Result<Option<UnfinishedRun>> {
        let Some((run, phases)) = self.unfinished_run()? else {
            return Ok(None);
        };
        // A row with an impossible id cannot be resumed or closed: a new run starts.
        if crate::domain::RunId::new(run.id).is_none() {
            return Ok(None);
        }
        let mut done = Vec::new();
        for &p in &phases {
            if self.phase(p)?.is_some_and(|r| r.done_in(run.id)) {
                done.push(p);
            }
        }
        Ok(Some(UnfinishedRun {
            id: run.id,
            kind: run.kind,
            status: run.status,
            started_at: run.started_at,
            phases,
            done,
        }))
    }

    /// The playlists of the user's list (not removed), with what is staged of each.
    pub(crate) fn plan_playlists(&self) -> rusqlite::Result<Vec<StoredPlaylist>> {
        let mut st = self.0.prepare(
            "SELECT p.id, p.items_status, p.total_items, p.items_snapshot_id,
                    (SELECT COUNT(*) FROM playlist_items_staging s WHERE s.playlist_id = p.id)
             FROM playlists p WHERE p.removed_at IS NULL ORDER BY p.list_position, p.id",
        )?;
        let rows = st.query_map([], |r| {
            let status: String = r.get(1)?;
            Ok(StoredPlaylist {
                id: r.get(0)?,
                pending: status == "pending",
                synced: status == "synced",
                total: r.get::<_, Option<i64>>(2)?.map(count),
                items_snapshot_id: r.get(3)?,
                staged: count(r.get(4)?),
            })
        })?;
        rows.collect()
    }

    /// Artists currently followed.
    pub(crate) fn count_followed(&self) -> rusqlite::Result<u64> {
        self.0
            .query_row(
                "SELECT COUNT(*) FROM followed_artists WHERE removed_at IS NULL",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(count)
    }

    /// Saved tracks ever stored (removed ones too): the list was walked before.
    pub(crate) fn any_saved_tracks(&self) -> rusqlite::Result<bool> {
        self.0
            .query_row("SELECT 1 FROM saved_tracks LIMIT 1", [], |_| Ok(()))
            .optional()
            .map(|o| o.is_some())
    }

    /// Entries of each top list in the snapshot of `date`, in the walk's order.
    pub(crate) fn top_counts(&self, date: &str) -> rusqlite::Result<Vec<u64>> {
        let mut st = self.0.prepare_cached(
            "SELECT COUNT(*) FROM top_items
             WHERE snapshot_date = ?1 AND kind = ?2 AND time_range = ?3",
        )?;
        crate::domain::TOP_LIST_ORDER
            .iter()
            .map(|(kind, range)| {
                st.query_row(rusqlite::params![date, kind, range], |r| r.get::<_, i64>(0))
                    .map(count)
            })
            .collect()
    }

    /// Rows of the catalog: tracks, albums, artists.
    pub(crate) fn catalog_counts(&self) -> rusqlite::Result<CatalogCounts> {
        self.0.query_row(
            "SELECT (SELECT COUNT(*) FROM tracks), (SELECT COUNT(*) FROM albums),
                    (SELECT COUNT(*) FROM artists)",
            [],
            |r| {
                Ok(CatalogCounts {
                    tracks: count(r.get(0)?),
                    albums: count(r.get(1)?),
                    artists: count(r.get(2)?),
                })
            },
        )
    }
}
