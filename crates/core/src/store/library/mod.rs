//! Library rows: idempotent upserts that never overwrite a stored value with NULL, and the
//! journal of what changed. One file per kind of row: `catalog` (tracks, albums, artists and
//! their enrichment), `saved` (saved tracks), `lists` (the other saved lists, follows, top
//! lists), `playlists` (the playlist list) and `items` (a playlist's items); `value` orders
//! what is left to enrich. The listening history has its own module, [`crate::store::plays`].

mod catalog;
mod items;
mod lists;
mod playlists;
mod saved;
pub mod value;

pub use catalog::EnrichTable;
pub use lists::SavedList;
pub use playlists::ItemsAccess;
pub(crate) use playlists::items_access;

use rusqlite::params;

use crate::domain::{ChangeEntity, ChangeKind, RunId};
use crate::store::Sql;

/// Where and when to journal changes: the run (`None` while building the first mirror, which
/// journals nothing) and the engine's clock, so journal rows carry the batch's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Journal<'a> {
    pub run: Option<RunId>,
    pub at: &'a str,
}

/// One change for the journal: what changed, from which value to which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Change<'a> {
    pub entity: ChangeEntity,
    pub id: &'a str,
    pub kind: ChangeKind,
    pub old_value: Option<&'a str>,
    pub new_value: Option<&'a str>,
}

impl Sql<'_> {
    /// Record one change in `library_changes` (when journaling).
    pub(super) fn journal(&self, j: Journal<'_>, c: Change<'_>) -> rusqlite::Result<()> {
        let Some(run_id) = j.run else { return Ok(()) };
        self.exec(
            "INSERT INTO library_changes (changed_at, sync_history_id, entity_type, entity_id,
                                          change, old_value, new_value)
             VALUES (?7, ?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                run_id,
                c.entity,
                c.id,
                c.kind,
                c.old_value,
                c.new_value,
                j.at
            ],
        )?;
        Ok(())
    }
}

/// Counts of what a batch changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub added: u64,
    pub updated: u64,
    pub removed: u64,
}

impl Counts {
    /// Count one upserted row by what happened to it.
    pub fn record(&mut self, u: Upsert) {
        match u {
            Upsert::Added => self.added += 1,
            Upsert::Updated => self.updated += 1,
            Upsert::Unchanged => {}
        }
    }
}

/// What an upsert did to the stored row: `Updated` only when a stored value actually changed,
/// so re-reading an unchanged library counts nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    Added,
    Updated,
    Unchanged,
}

impl Upsert {
    /// `Updated` when this row was unchanged but something it owns changed.
    pub fn or_changed(self, changed: bool) -> Upsert {
        match self {
            Upsert::Unchanged if changed => Upsert::Updated,
            u => u,
        }
    }
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, o: Counts) {
        self.added += o.added;
        self.updated += o.updated;
        self.removed += o.removed;
    }
}

pub(super) fn valid_id(id: &Option<String>) -> Option<&str> {
    id.as_deref().filter(|s| !s.trim().is_empty())
}

/// A table whose rows a complete walk must see, else they are gone (`removed_at`).
pub(super) struct Unseen {
    table: &'static str,
    /// The journal's `entity_type`, key column and `old_value` column.
    entity: ChangeEntity,
    key: &'static str,
    old_value: &'static str,
}

impl Unseen {
    pub(super) const SAVED_TRACKS: Unseen = Unseen {
        table: "saved_tracks",
        entity: ChangeEntity::SavedTrack,
        key: "track_id",
        old_value: "added_at",
    };
    pub(super) const PLAYLISTS: Unseen = Unseen {
        table: "playlists",
        entity: ChangeEntity::Playlist,
        key: "id",
        old_value: "name",
    };
}

impl Sql<'_> {
    /// Journal and mark as removed every live row of `u` that `run_id` did not see.
    pub(super) fn mark_unseen(
        &self,
        u: Unseen,
        run_id: RunId,
        now: &str,
        j: Journal<'_>,
    ) -> rusqlite::Result<u64> {
        const UNSEEN: &str =
            "removed_at IS NULL AND (last_seen_run_id IS NULL OR last_seen_run_id != ?1)";
        let Unseen {
            table,
            entity,
            key,
            old_value,
        } = u;
        if let Some(jr) = j.run {
            self.0.execute(
                &format!(
                    "INSERT INTO library_changes (changed_at, sync_history_id, entity_type,
                                                  entity_id, change, old_value, new_value)
                     SELECT ?2, ?3, ?4, {key}, ?5, {old_value}, NULL FROM {table}
                     WHERE {UNSEEN}"
                ),
                params![run_id, now, jr, entity, ChangeKind::Removed],
            )?;
        }
        let n = self.0.execute(
            &format!("UPDATE {table} SET removed_at = ?2 WHERE {UNSEEN}"),
            params![run_id, now],
        )?;
        Ok(n as u64)
    }
}
