//! Saved tracks: seen, known, un-saved.

use rusqlite::{Row, params};

use super::{Change, Journal, Unseen, Upsert};
use crate::domain::{ChangeEntity, ChangeKind, RunId};
use crate::store::Sql;
use crate::store::row::FromRow;

/// What a saved-item table held for an id before a walk saw it again.
pub(super) struct SavedBefore {
    pub removed_at: Option<String>,
    pub added_at: Option<String>,
}

impl FromRow for SavedBefore {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<SavedBefore> {
        Ok(SavedBefore {
            removed_at: r.get("removed_at")?,
            added_at: r.get("added_at")?,
        })
    }
}

impl SavedBefore {
    /// What saving it again (with `added_at`) does: `Added` when it was not saved (new, or
    /// removed since), `Updated` when its date changed, else `Unchanged`.
    pub(super) fn upsert(before: Option<&SavedBefore>, added_at: Option<&str>) -> Upsert {
        match before {
            Some(b) if b.removed_at.is_none() => {
                if added_at.is_some() && b.added_at.as_deref() != added_at {
                    Upsert::Updated
                } else {
                    Upsert::Unchanged
                }
            }
            _ => Upsert::Added,
        }
    }
}

impl Sql<'_> {
    /// A saved track seen in this run: `Added` when it is new (or saved again), `Updated` when its
    /// `added_at` changed, else `Unchanged`.
    pub(crate) fn upsert_saved(
        &self,
        track_id: &str,
        added_at: Option<&str>,
        run_id: RunId,
        j: Journal<'_>,
    ) -> rusqlite::Result<Upsert> {
        let before: Option<SavedBefore> = self.one(
            "SELECT removed_at, added_at FROM saved_tracks WHERE track_id = ?1",
            [track_id],
        )?;
        self.exec(
            "INSERT INTO saved_tracks (track_id, added_at, removed_at, last_seen_run_id)
             VALUES (?1, ?2, NULL, ?3)
             ON CONFLICT(track_id) DO UPDATE SET
               added_at = COALESCE(excluded.added_at, saved_tracks.added_at),
               removed_at = NULL,
               last_seen_run_id = excluded.last_seen_run_id",
            params![track_id, added_at, run_id],
        )?;
        let upsert = SavedBefore::upsert(before.as_ref(), added_at);
        if upsert == Upsert::Added {
            self.journal(
                j,
                Change {
                    entity: ChangeEntity::SavedTrack,
                    id: track_id,
                    kind: ChangeKind::Added,
                    old_value: None,
                    new_value: added_at,
                },
            )?;
        }
        Ok(upsert)
    }

    /// True when this save was already stored (same `added_at`, not removed) before this run.
    pub(crate) fn is_known_saved(
        &self,
        track_id: &str,
        added_at: Option<&str>,
        run_id: RunId,
    ) -> rusqlite::Result<bool> {
        self.exists(
            "SELECT 1 FROM saved_tracks WHERE track_id = ?1 AND added_at IS ?2
               AND removed_at IS NULL AND (last_seen_run_id IS NULL OR last_seen_run_id != ?3)",
            params![track_id, added_at, run_id],
        )
    }

    /// Currently saved track ids, newest first (Spotify's order).
    pub(crate) fn saved_in_order(&self) -> rusqlite::Result<Vec<String>> {
        self.values(
            "SELECT track_id AS value FROM saved_tracks WHERE removed_at IS NULL
             ORDER BY added_at DESC, track_id",
            [],
        )
    }

    /// Mark these saved tracks un-saved (found without a full walk). Returns how many.
    pub(crate) fn mark_removed(
        &self,
        ids: &[String],
        now: &str,
        j: Journal<'_>,
    ) -> rusqlite::Result<u64> {
        let mut n = 0;
        for id in ids {
            let Some(added_at) = self.value::<Option<String>>(
                "SELECT added_at AS value FROM saved_tracks
                 WHERE track_id = ?1 AND removed_at IS NULL",
                [id],
            )?
            else {
                continue;
            };
            self.journal(
                j,
                Change {
                    entity: ChangeEntity::SavedTrack,
                    id,
                    kind: ChangeKind::Removed,
                    old_value: added_at.as_deref(),
                    new_value: None,
                },
            )?;
            self.exec(
                "UPDATE saved_tracks SET removed_at = ?2 WHERE track_id = ?1",
                params![id, now],
            )?;
            n += 1;
        }
        Ok(n)
    }

    /// Saved tracks currently saved.
    pub(crate) fn count_saved(&self) -> rusqlite::Result<u64> {
        self.count(
            "SELECT COUNT(*) AS n FROM saved_tracks WHERE removed_at IS NULL",
            [],
        )
    }

    /// After a complete walk of saved tracks: everything not seen in `run_id` was un-saved.
    pub(crate) fn mark_unsaved(
        &self,
        run_id: RunId,
        now: &str,
        j: Journal<'_>,
    ) -> rusqlite::Result<u64> {
        self.mark_unseen(Unseen::SAVED_TRACKS, run_id, now, j)
    }
}
