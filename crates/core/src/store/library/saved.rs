//! Saved tracks: seen, known, un-saved.

use rusqlite::{OptionalExtension, params};

use super::{Journal, Unseen, Upsert, journal, mark_unseen};
use crate::domain::{ChangeEntity, ChangeKind, RunId};
use crate::store::Sql;

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
        let c = self.0;
        type Before = (Option<String>, Option<String>);
        let before: Option<Before> = c
            .prepare_cached("SELECT removed_at, added_at FROM saved_tracks WHERE track_id = ?1")?
            .query_row([track_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        c.prepare_cached(
            "INSERT INTO saved_tracks (track_id, added_at, removed_at, last_seen_run_id)
         VALUES (?1, ?2, NULL, ?3)
         ON CONFLICT(track_id) DO UPDATE SET
           added_at = COALESCE(excluded.added_at, saved_tracks.added_at),
           removed_at = NULL,
           last_seen_run_id = excluded.last_seen_run_id",
        )?
        .execute(params![track_id, added_at, run_id])?;
        Ok(match before {
            Some((None, old_added_at)) => {
                if added_at.is_some() && old_added_at.as_deref() != added_at {
                    Upsert::Updated
                } else {
                    Upsert::Unchanged
                }
            }
            _ => {
                journal(
                    c,
                    j,
                    ChangeEntity::SavedTrack,
                    track_id,
                    ChangeKind::Added,
                    None,
                    added_at,
                )?;
                Upsert::Added
            }
        })
    }
}

impl Sql<'_> {
    /// True when this save was already stored (same `added_at`, not removed) before this run.
    pub(crate) fn is_known_saved(
        &self,
        track_id: &str,
        added_at: Option<&str>,
        run_id: RunId,
    ) -> rusqlite::Result<bool> {
        let c = self.0;
        c.prepare_cached(
            "SELECT 1 FROM saved_tracks WHERE track_id = ?1 AND added_at IS ?2
           AND removed_at IS NULL AND (last_seen_run_id IS NULL OR last_seen_run_id != ?3)",
        )?
        .query_row(params![track_id, added_at, run_id], |_| Ok(()))
        .optional()
        .map(|o| o.is_some())
    }
}

impl Sql<'_> {
    /// Currently saved track ids, newest first (Spotify's order).
    pub(crate) fn saved_in_order(&self) -> rusqlite::Result<Vec<String>> {
        let c = self.0;
        let mut st = c.prepare(
            "SELECT track_id FROM saved_tracks WHERE removed_at IS NULL
         ORDER BY added_at DESC, track_id",
        )?;
        let rows = st.query_map([], |r| r.get(0))?;
        rows.collect()
    }
}

impl Sql<'_> {
    /// Mark these saved tracks un-saved (found without a full walk). Returns how many.
    pub(crate) fn mark_removed(
        &self,
        ids: &[String],
        now: &str,
        j: Journal<'_>,
    ) -> rusqlite::Result<u64> {
        let c = self.0;
        let mut n = 0;
        for id in ids {
            let added_at: Option<Option<String>> = c
                .prepare_cached(
                    "SELECT added_at FROM saved_tracks WHERE track_id = ?1 AND removed_at IS NULL",
                )?
                .query_row([id], |r| r.get(0))
                .optional()?;
            let Some(added_at) = added_at else { continue };
            journal(
                c,
                j,
                ChangeEntity::SavedTrack,
                id,
                ChangeKind::Removed,
                added_at.as_deref(),
                None,
            )?;
            c.prepare_cached("UPDATE saved_tracks SET removed_at = ?2 WHERE track_id = ?1")?
                .execute(params![id, now])?;
            n += 1;
        }
        Ok(n)
    }
}

impl Sql<'_> {
    /// Saved tracks currently saved.
    pub(crate) fn count_saved(&self) -> rusqlite::Result<u64> {
        let c = self.0;
        c.query_row(
            "SELECT COUNT(*) FROM saved_tracks WHERE removed_at IS NULL",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n as u64)
    }
}

impl Sql<'_> {
    /// After a complete walk of saved tracks: everything not seen in `run_id` was un-saved.
    pub(crate) fn mark_unsaved(
        &self,
        run_id: RunId,
        now: &str,
        j: Journal<'_>,
    ) -> rusqlite::Result<u64> {
        let c = self.0;
        mark_unseen(c, Unseen::SAVED_TRACKS, run_id, now, j)
    }
}
