//! How much the database holds, for the plan of the next sync: the playlists with what is
//! fetched and staged of each, and the sizes of the lists and of the catalog.

use rusqlite::{Row, params};

use super::Sql;
use super::row::{FromRow, get_opt_u64, get_u64};
use crate::domain::{ItemsStatus, TOP_LIST_ORDER};

/// A playlist the database holds (not removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPlaylist {
    pub id: String,
    /// `items_status`: `synced`, `pending`, `forbidden`, `not_found`.
    pub pending: bool,
    pub synced: bool,
    pub total: Option<u64>,
    /// The snapshot whose items are mirrored.
    pub items_snapshot_id: Option<String>,
    /// Positions already staged by an unfinished fetch.
    pub staged: u64,
}

impl FromRow for StoredPlaylist {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<StoredPlaylist> {
        let status: ItemsStatus = r.get("items_status")?;
        Ok(StoredPlaylist {
            id: r.get("id")?,
            pending: status == ItemsStatus::Pending,
            synced: status == ItemsStatus::Synced,
            total: get_opt_u64(r, "total_items")?,
            items_snapshot_id: r.get("items_snapshot_id")?,
            staged: get_u64(r, "staged")?,
        })
    }
}

/// Rows of the catalog (for the albums-per-track ratio of estimates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CatalogCounts {
    pub tracks: u64,
    pub albums: u64,
    pub artists: u64,
}

impl FromRow for CatalogCounts {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<CatalogCounts> {
        Ok(CatalogCounts {
            tracks: get_u64(r, "tracks")?,
            albums: get_u64(r, "albums")?,
            artists: get_u64(r, "artists")?,
        })
    }
}

impl Sql<'_> {
    /// The playlists of the user's list (not removed), with what is staged of each.
    pub(crate) fn stored_playlists(&self) -> rusqlite::Result<Vec<StoredPlaylist>> {
        self.all(
            "SELECT p.id, p.items_status, p.total_items, p.items_snapshot_id,
                    (SELECT COUNT(*) FROM playlist_items_staging s WHERE s.playlist_id = p.id)
                      AS staged
             FROM playlists p WHERE p.removed_at IS NULL ORDER BY p.list_position, p.id",
            [],
        )
    }

    /// Artists currently followed.
    pub(crate) fn count_followed(&self) -> rusqlite::Result<u64> {
        self.count(
            "SELECT COUNT(*) AS n FROM followed_artists WHERE removed_at IS NULL",
            [],
        )
    }

    /// Saved tracks ever stored (removed ones too): the list was walked before.
    pub(crate) fn any_saved_tracks(&self) -> rusqlite::Result<bool> {
        self.exists("SELECT 1 FROM saved_tracks LIMIT 1", [])
    }

    /// Entries of each top list in the snapshot of `date`, in the walk's order.
    pub(crate) fn top_counts(&self, date: &str) -> rusqlite::Result<Vec<u64>> {
        TOP_LIST_ORDER
            .iter()
            .map(|(kind, range)| {
                self.count(
                    "SELECT COUNT(*) AS n FROM top_items
                     WHERE snapshot_date = ?1 AND kind = ?2 AND time_range = ?3",
                    params![date, kind, range],
                )
            })
            .collect()
    }

    /// Rows of the catalog: tracks, albums, artists.
    pub(crate) fn catalog_counts(&self) -> rusqlite::Result<CatalogCounts> {
        Ok(self
            .one(
                "SELECT (SELECT COUNT(*) FROM tracks) AS tracks,
                        (SELECT COUNT(*) FROM albums) AS albums,
                        (SELECT COUNT(*) FROM artists) AS artists",
                [],
            )?
            .unwrap_or_default())
    }
}
